# verifier: the HTTP daemon end to end (tests/test_verifier*.c), through the
# jianpei-issuer and jianpei-verifier programs of this build.
jp_test(test_verifier SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verifier.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c
        LIBS jp_ident PkgConfig::JANSSON PkgConfig::OPENSSL)
add_dependencies(test_verifier jianpei-verifier jianpei-issuer)
jp_test(test_verifier_valgrind SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verifier_valgrind.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_util PkgConfig::JANSSON
        PkgConfig::OPENSSL)
add_dependencies(test_verifier_valgrind jianpei-verifier jianpei-issuer)
set_tests_properties(test_verifier_valgrind PROPERTIES SKIP_RETURN_CODE 77)
if(CMAKE_BUILD_TYPE STREQUAL "Asan")
  target_compile_definitions(test_verifier_valgrind PRIVATE JP_ASAN=1)
endif()
jp_test(test_lockout SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lockout.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c
        LIBS jp_pages jp_ident PkgConfig::JANSSON PkgConfig::OPENSSL)
add_dependencies(test_lockout jianpei-verifier jianpei-issuer)
jp_test(test_verifier_user SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verifier_user.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_util PkgConfig::JANSSON
        PkgConfig::OPENSSL)
add_dependencies(test_verifier_user jianpei-verifier jianpei-issuer)
set_tests_properties(test_verifier_user PROPERTIES SKIP_RETURN_CODE 77)
jp_test(test_verifier_net SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verifier_net.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c
        LIBS jp_ident PkgConfig::JANSSON)
add_dependencies(test_verifier_net jianpei-verifier jianpei-issuer)
jp_test(test_verifier_proxy SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verifier_proxy.c LIBS jp_verifier)
# The holder's pages: sign-in failures alike, CSRF, session, PDF, print view, shares, lockout.
jp_test(test_holder_pages SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_holder_pages.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_util PkgConfig::JANSSON
        PkgConfig::OPENSSL)
add_dependencies(test_holder_pages jianpei-verifier jianpei-issuer)
