# store: the LMDB data layer (store/store.h).
jp_test(test_store_record SOURCES test_store_record.c LIBS jp_store)
jp_test(test_store SOURCES test_store.c LIBS jp_store)
jp_test(test_store_audit SOURCES test_store_audit.c LIBS jp_store PkgConfig::LMDB)
jp_test(test_store_proc SOURCES test_store_proc.c LIBS jp_store)
jp_test(test_store_release SOURCES test_store_release.c LIBS jp_store)
# scripts/demo.sh: the demo's own verifier answers its QR URL (issue 11 bug 6).
add_test(NAME test_demo_port
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_demo_port.sh ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(test_demo_port PROPERTIES TIMEOUT 300)
jp_test(test_store_digest SOURCES test_store_digest.c LIBS jp_store PkgConfig::LMDB PkgConfig::OPENSSL)
