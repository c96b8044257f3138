# pages: the human pages' building blocks (pages/html.c, form.c, csrf.c).
jp_test(test_pages SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pages.c LIBS jp_pages)
