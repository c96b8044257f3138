# store: the LMDB data layer (store/store.h).
jp_test(test_store_record SOURCES test_store_record.c LIBS jp_store)
jp_test(test_store SOURCES test_store.c LIBS jp_store)
jp_test(test_store_audit SOURCES test_store_audit.c LIBS jp_store PkgConfig::LMDB)
jp_test(test_store_proc SOURCES test_store_proc.c LIBS jp_store)
jp_test(test_store_release SOURCES test_store_release.c LIBS jp_store)
