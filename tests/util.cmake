jp_test(test_util SOURCES test_util.c LIBS jp_util)
jp_test(test_errname SOURCES test_errname.c LIBS jp_errname)
