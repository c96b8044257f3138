# pdf/: the bounded reader and the PAdES incremental update (needs pdfsig, pdfinfo,
# qpdf and pdftotext on PATH). libharu only makes the test's input PDFs.
jp_test(test_pdf SOURCES test_pdf.c LIBS jp_pdf jp_util hpdf_ext PkgConfig::OPENSSL)
