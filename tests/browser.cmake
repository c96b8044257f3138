# browser: the QR page in a real browser (tests/browser/, headless Chromium
# through Debian's python3-selenium and chromium-driver). A missing browser
# fails the test: scripts/install-deps.sh installs what it needs.
add_test(NAME browser_qr_page
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/browser/test_qr_page.py
                 --bin ${CMAKE_BINARY_DIR}/bin --src ${PROJECT_SOURCE_DIR})
set_tests_properties(browser_qr_page PROPERTIES TIMEOUT 300 RESOURCE_LOCK chromium)
# The employers' pages (issue 14): home, lookup, holder check, file check, roster
# and its permalink after a revocation, screenshots at 390x844.
add_test(NAME browser_employer_pages
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/browser/test_employer_pages.py
                 --bin ${CMAKE_BINARY_DIR}/bin --src ${PROJECT_SOURCE_DIR})
set_tests_properties(browser_employer_pages PROPERTIES TIMEOUT 300 RESOURCE_LOCK chromium)
# The holder's pages (issue 13): sign-in, PDF, print view, a share seen by a second
# browser profile and revoked, sign-out; screenshots at 390x844.
add_test(NAME browser_holder_pages
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/browser/test_holder_pages.py
                 --bin ${CMAKE_BINARY_DIR}/bin --src ${PROJECT_SOURCE_DIR})
set_tests_properties(browser_holder_pages PROPERTIES TIMEOUT 300 RESOURCE_LOCK chromium)
# A corrected certificate's old QR (issue 19): amber 旧版本 with the current status, not 不符.
add_test(NAME browser_corrected_qr
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/browser/test_corrected_qr.py
                 --bin ${CMAKE_BINARY_DIR}/bin --src ${PROJECT_SOURCE_DIR})
set_tests_properties(browser_corrected_qr PROPERTIES TIMEOUT 300 RESOURCE_LOCK chromium)
# The operator's dashboard (issue 19): report --html and the operator listener at
# 1280x900 and 390x844: charts and tables visible, nothing fetched, screenshots.
add_test(NAME browser_dashboard
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/browser/test_dashboard.py
                 --bin ${CMAKE_BINARY_DIR}/bin --src ${PROJECT_SOURCE_DIR})
set_tests_properties(browser_dashboard PROPERTIES TIMEOUT 300 RESOURCE_LOCK chromium)
