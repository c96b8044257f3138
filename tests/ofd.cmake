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
