# templates/pdfsign.c: the PAdES incremental update (needs pdfsig, pdfinfo, qpdf and
# pdftotext on PATH). pdfsign.c is listed directly until jp_templates has it.
jp_test(test_pdfsign
  SOURCES test_pdfsign.c ${PROJECT_SOURCE_DIR}/templates/pdfsign.c
  LIBS jp_util hpdf_ext PkgConfig::OPENSSL)
target_include_directories(test_pdfsign PRIVATE ${PROJECT_SOURCE_DIR}/templates)
