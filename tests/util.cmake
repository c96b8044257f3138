jp_test(test_util SOURCES test_util.c LIBS jp_util)
