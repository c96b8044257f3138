jp_test(test_util SOURCES test_util.c LIBS jp_util)
jp_test(test_errname SOURCES test_errname.c LIBS jp_errname)
jp_test(test_net SOURCES test_net.c LIBS jp_util)
