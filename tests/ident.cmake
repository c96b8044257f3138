jp_test(test_ident SOURCES test_ident.c LIBS jp_ident)
