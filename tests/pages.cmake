# pages: the human pages' building blocks (pages/html.c, form.c, csrf.c).
jp_test(test_pages SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pages.c LIBS jp_pages)
# The employers' pages end to end (issue 14): jianpei-issuer and jianpei-verifier of this build.
jp_test(test_pages_emp SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pages_emp.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_util PkgConfig::JANSSON
        PkgConfig::OPENSSL)
add_dependencies(test_pages_emp jianpei-verifier jianpei-issuer)
