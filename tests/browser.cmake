# browser: the QR page in a real browser (tests/browser/, headless Chromium
# through Debian's python3-selenium and chromium-driver). A missing browser
# fails the test: scripts/install-deps.sh installs what it needs.
# jp_browser_test(NAME SCRIPT): tests/browser/SCRIPT.py against build/bin, one
# browser at a time (RESOURCE_LOCK chromium).
function(jp_browser_test name script)
  add_test(NAME ${name}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/browser/${script}.py
                   --bin ${CMAKE_BINARY_DIR}/bin --src ${PROJECT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES TIMEOUT 300 RESOURCE_LOCK chromium)
endfunction()
jp_browser_test(browser_qr_page test_qr_page)
# The employers' pages (issue 14): home, lookup, holder check, file check, roster
# and its permalink after a revocation, screenshots at 390x844.
jp_browser_test(browser_employer_pages test_employer_pages)
# The holder's pages (issue 13): sign-in, PDF, print view, a share seen by a second
# browser profile and revoked, sign-out; screenshots at 390x844.
jp_browser_test(browser_holder_pages test_holder_pages)
# A corrected certificate's old QR (issue 19): amber 旧版本 with the current status, not 不符.
jp_browser_test(browser_corrected_qr test_corrected_qr)
# The operator's dashboard (issue 19): report --html and the operator listener at
# 1280x900 and 390x844: charts and tables visible, nothing fetched, screenshots.
jp_browser_test(browser_dashboard test_dashboard)
