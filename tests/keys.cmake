# keys: key directory, trust list, CMS and QR token (tests/test_keys*.c).
jp_test(test_keys SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keys.c LIBS jp_keys PkgConfig::OPENSSL)
jp_test(test_keys_token SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keys_token.c
        LIBS jp_keys PkgConfig::OPENSSL)
add_test(NAME test_keys_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_keys_cli.sh ${CMAKE_BINARY_DIR}/bin)
# Long-term signatures (SPEC §13): TSA, time-stamp token, DSS, CRL endpoint.
add_executable(lt_tool ${CMAKE_CURRENT_LIST_DIR}/lt_tool.c)
target_link_libraries(lt_tool PRIVATE PkgConfig::OPENSSL)
add_test(NAME test_longterm
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_longterm.sh ${CMAKE_BINARY_DIR}/bin)
# keys in a SoftHSM2 token (issue 17): init/issue/rotate/revoke, wrong PIN.
add_test(NAME test_pkcs11
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_pkcs11.sh ${CMAKE_BINARY_DIR}/bin)
# A signature outlives its key (issue 17): signed years ago (faketime), key rotated, revoked, expired.
add_test(NAME test_longevity
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_longevity.sh ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(test_longevity PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
jp_test(test_sigtime SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sigtime.c LIBS jp_keys PkgConfig::OPENSSL)
# a TSA that is down, hangs, answers garbage or refuses; --tsa-optional and
# timestamp --pending (issue 17).
add_test(NAME test_tsa_fail
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_tsa_fail.sh ${CMAKE_BINARY_DIR}/bin)
# the home's own TSA with its key in a SoftHSM2 token (issue 17).
add_test(NAME test_pkcs11_tsa
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_pkcs11_tsa.sh ${CMAKE_BINARY_DIR}/bin)
