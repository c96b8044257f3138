# ofd/: the OFD package, its GB/T 38540 seal and the bounded reader (SPEC §11).
# Independent checks: tests/peers/ofd-check.py (Python zipfile + hashlib SM3)
# with npm sm-crypto (tests/peers, scripts/install-peers.sh) for the SM2
# signatures; npm ofd.js in headless Chromium renders the page (tests/peers/
# ofd-render.py) and zbarimg reads its QR. The SM2 keys come from keys/sm2.c,
# the font from HarfBuzz.
pkg_check_modules(ZLIB_PC REQUIRED IMPORTED_TARGET zlib)
jp_test(test_ofd SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ofd.c
        LIBS jp_ofd jp_keys jp_util PkgConfig::LIBZIP PkgConfig::HBSUBSET PkgConfig::QRENCODE
             PkgConfig::ZLIB_PC PkgConfig::OPENSSL m)
# The OFD of issued certificates (SPEC §11, issuance side) through jianpei-issuer: stored,
# verified by ofd_verify and the peers (sm-crypto, ofd.js), digests, corrections, old homes.
jp_test(test_ofd_issue SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ofd_issue.c
        LIBS jp_templates jp_ofd jp_keys jp_store jp_ident jp_util PkgConfig::JANSSON
             PkgConfig::OPENSSL PkgConfig::LIBZIP PkgConfig::ZLIB_PC)
add_dependencies(test_ofd_issue jianpei-issuer)
set_tests_properties(test_ofd_issue PROPERTIES RESOURCE_LOCK chromium)
