# verifier: the HTTP daemon end to end (tests/test_verifier*.c), through the
# jianpei-issuer and jianpei-verifier programs of this build.
# jp_verifier_test(NAME LIBS libs...): NAME.c with the HTTP client, run against
# the two programs of this build.
function(jp_verifier_test name)
  cmake_parse_arguments(V "" "" "LIBS" ${ARGN})
  jp_test(${name} SOURCES ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/${name}.c
          ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/verifier_client.c LIBS ${V_LIBS})
  add_dependencies(${name} jianpei-verifier jianpei-issuer)
endfunction()

jp_verifier_test(test_verifier LIBS jp_ident PkgConfig::JANSSON PkgConfig::OPENSSL)
jp_verifier_test(test_verifier_valgrind LIBS jp_util PkgConfig::JANSSON PkgConfig::OPENSSL)
set_tests_properties(test_verifier_valgrind PROPERTIES SKIP_RETURN_CODE 77)
if(CMAKE_BUILD_TYPE STREQUAL "Asan")
  target_compile_definitions(test_verifier_valgrind PRIVATE JP_ASAN=1)
endif()
jp_verifier_test(test_lockout LIBS jp_pages jp_ident PkgConfig::JANSSON PkgConfig::OPENSSL)
jp_verifier_test(test_verifier_user LIBS jp_util PkgConfig::JANSSON PkgConfig::OPENSSL)
set_tests_properties(test_verifier_user PROPERTIES SKIP_RETURN_CODE 77)
jp_verifier_test(test_verifier_net LIBS jp_ident PkgConfig::JANSSON)
jp_test(test_verifier_proxy SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verifier_proxy.c LIBS jp_verifier)
# The holder's pages: sign-in failures alike, CSRF, session, PDF, print view, shares, lockout.
jp_test(test_holder_pages SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_holder_pages.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_ident jp_util PkgConfig::JANSSON
        PkgConfig::OPENSSL)
add_dependencies(test_holder_pages jianpei-verifier jianpei-issuer)
# The institution endpoints (SPEC §10): own exam listed, own PDF, one 403 for everything else, 401.
jp_test(test_institutions SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_institutions.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_util PkgConfig::JANSSON
        PkgConfig::OPENSSL PkgConfig::LMDB)
add_dependencies(test_institutions jianpei-verifier jianpei-issuer)
# verifier_start's failure after the public listener is up leaves nothing listening: in-process,
# pthread_create of our static libraries wrapped by the linker so the replica's follower fails.
jp_test(test_verifier_start SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verifier_start.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_verifier jp_util PkgConfig::JANSSON
        PkgConfig::OPENSSL)
target_link_options(test_verifier_start PRIVATE -Wl,--wrap=pthread_create)
add_dependencies(test_verifier_start jianpei-issuer)
