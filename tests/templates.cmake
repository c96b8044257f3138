# templates: the certificate PDF, checked with pdftotext, pdffonts, pdftoppm,
# zbarimg and qpdf (poppler-utils, zbar-tools, qpdf on PATH).
find_package(Threads REQUIRED)
jp_test(test_render SOURCES test_render.c LIBS jp_templates Threads::Threads png z)
# The certificate's text layer in three readers: poppler (pdftotext), pdf.js
# (tests/peers, npm ci by scripts/install-peers.sh) and MuPDF (mutool). A
# missing reader fails the test.
jp_test(test_text SOURCES test_text.c LIBS jp_templates jp_pdf)
# One font subset per face and document (issue 15): the base's precompressed glyphs inflate
# with the rest to the same font file as one compressed whole.
jp_test(test_font_base SOURCES test_font_base.c LIBS jp_templates hpdf_ext PkgConfig::HBSUBSET z)
# Subsets from more threads than the font library keeps sets of faces for: each the same
# bytes as one thread's on the shared faces (HarfBuzz 6.0 races on a shared preprocessed face).
jp_test(test_font_sub SOURCES test_font_sub.c LIBS jp_templates hpdf_ext PkgConfig::HBSUBSET Threads::Threads)
# GB 18030-2022 (issue 18): the characters no face of data/certificate.tmpl draws are
# exactly those docs/gb18030-undrawable.txt lists (docs/fonts.md's table counts them).
add_test(NAME font_coverage
         COMMAND bash -c "${PROJECT_SOURCE_DIR}/scripts/font-coverage.sh --missing 100000 | grep '^U+' | diff - ${PROJECT_SOURCE_DIR}/docs/gb18030-undrawable.txt")
