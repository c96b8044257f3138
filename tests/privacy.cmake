# privacy: a representative session through jianpei-issuer and jianpei-verifier
# whose every output line and HTTP answer is searched for the holders' names
# and ID numbers (tests/test_privacy.sh; SPEC §8). Needs curl, python3, openssl,
# pdftoppm and zbarimg; SKIP (77) without them.
add_test(NAME test_privacy COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_privacy.sh ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(test_privacy PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
# The scan of the whole suite's output (tests/privacy_scan.py, registered in
# tests/CMakeLists.txt as the last test of every run) fails on planted leaks.
add_test(NAME test_privacy_scan COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_privacy_scan.sh)
