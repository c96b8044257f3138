# ops: what an operator installs and runs (packaging/, docs/operations.md).
add_test(NAME test_systemd
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_systemd.sh ${PROJECT_SOURCE_DIR}
                 ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(test_systemd PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
add_test(NAME test_package COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_package.sh ${CMAKE_BINARY_DIR})
set_tests_properties(test_package PROPERTIES TIMEOUT 300 RESOURCE_LOCK jp_cpack)
add_test(NAME test_verifier_conf
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_verifier_conf.sh ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(test_verifier_conf PROPERTIES TIMEOUT 120)
