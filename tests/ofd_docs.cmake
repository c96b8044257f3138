# ofd_docs: docs/ofd.md's "print …" claims hold (tests/docs_outputs.py). Its commands read the
# sample packages and trust list test_ofd and test_ofd_check keep in their log folders, so
# those two set up the fixture (this file sorts after ofd.cmake and ofd_check.cmake).
add_test(NAME docs_outputs
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/docs_outputs.py ${CMAKE_BINARY_DIR}
                 ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/docs/ofd.md)
set_tests_properties(test_ofd test_ofd_check PROPERTIES FIXTURES_SETUP ofd_logs)
set_tests_properties(docs_outputs PROPERTIES FIXTURES_REQUIRED "ofd_logs;test_logs" TIMEOUT 300)
