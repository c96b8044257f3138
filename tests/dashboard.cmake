# The operator's dashboard (issue 19): report --html and the verifier's operator
# listener against stats --json, bad input, the listener's loopback rule, the Grafana
# dashboard's metric names (tests/test_dashboard.py).
add_test(NAME test_dashboard
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_dashboard.py
                 --bin ${CMAKE_BINARY_DIR}/bin --src ${PROJECT_SOURCE_DIR})
set_tests_properties(test_dashboard PROPERTIES TIMEOUT 300)
