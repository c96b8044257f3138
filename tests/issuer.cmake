# issuer: end to end through jianpei-issuer, checked with pdfsig, pdftotext, pdffonts, zbarimg.
jp_test(test_issuer SOURCES test_issuer.c LIBS jp_ident PkgConfig::JANSSON)
add_dependencies(test_issuer jianpei-issuer)

# kill -9 at random moments of a 2,000-record run, ten times (issue "Issuance pipeline").
jp_test(test_issue_crash SOURCES test_issue_crash.c LIBS jp_util)
add_dependencies(test_issue_crash jianpei-issuer)

# A photo near the 200 KB limit still gives a certificate of at most 80 KB.
pkg_check_modules(JP_TEST_JPEG REQUIRED IMPORTED_TARGET libjpeg)
jp_test(test_photo_size SOURCES test_photo_size.c LIBS jp_ident PkgConfig::JP_TEST_JPEG)
add_dependencies(test_photo_size jianpei-issuer)

# Power-cut style: freeze the issuer at random instants, copy the store, open the copy.
jp_test(test_powercut SOURCES test_powercut.c LIBS jp_util)
add_dependencies(test_powercut jianpei-issuer)

# A line the renderer refuses re-renders only the lines whose numbers change (issue 11 bug 4).
jp_test(test_issuer_batch SOURCES test_issuer_batch.c LIBS jp_issuer jp_ident)

# A batch retried on a grown store map renders again what it had put and freed (issue 15).
jp_test(test_issue_regrow SOURCES test_issue_regrow.c LIBS jp_issuer jp_ident)

# Claim codes: shape and input, report and notices, hash only in the store, reset, backfill.
jp_test(test_claim SOURCES test_claim.c LIBS jp_claim jp_ident jp_store PkgConfig::JANSSON)
add_dependencies(test_claim jianpei-issuer)

# Corrections and cascades (issue 19): correct renders the new name, the old QR page says
# 旧版本 in amber, the file check older_version; a cascade changes exactly the matching ones.
jp_test(test_corrections SOURCES test_corrections.c verifier_client.c
        LIBS jp_store jp_util PkgConfig::JANSSON PkgConfig::OPENSSL)
add_dependencies(test_corrections jianpei-issuer jianpei-verifier)

# GB 18030-2022 names (issue 18): an extension G name BabelStone draws is issued with the
# character embedded and extractable; one no face draws is refused at intake with its line.
jp_test(test_rare_names SOURCES test_rare_names.c LIBS jp_util PkgConfig::JANSSON)
add_dependencies(test_rare_names jianpei-issuer)

# The CMS reservation (issue 15 target 4): measured plus a margin; a signature that
# outgrows it is signed again with the full one, and every certificate stays valid.
jp_test(test_cms_reserve SOURCES test_cms_reserve.c LIBS jp_issuer jp_ident)
