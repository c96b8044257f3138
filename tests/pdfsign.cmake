# templates/pdfsign.c: the PAdES incremental update (needs pdfsig, pdfinfo, qpdf and
# pdftotext on PATH).
jp_test(test_pdfsign SOURCES test_pdfsign.c LIBS jp_templates jp_util hpdf_ext PkgConfig::OPENSSL)
