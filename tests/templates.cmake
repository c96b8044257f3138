# templates: the certificate PDF, checked with pdftotext, pdffonts, pdftoppm,
# zbarimg and qpdf (poppler-utils, zbar-tools, qpdf on PATH).
find_package(Threads REQUIRED)
jp_test(test_render SOURCES test_render.c LIBS jp_templates Threads::Threads)
