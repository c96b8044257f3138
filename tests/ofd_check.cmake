# The verifier's side of OFD (issue 18): the trust list's SM2 part, the file check of OFD
# packages, verify-file for PDF and OFD, /me/{no}.ofd; tampers also refused by the
# independent checker (tests/peers/ofd-check.py with npm sm-crypto).
jp_test(test_ofd_check SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ofd_check.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c
        LIBS jp_ofd jp_keys jp_store jp_util PkgConfig::LIBZIP PkgConfig::HBSUBSET
             PkgConfig::ZLIB_PC PkgConfig::JANSSON PkgConfig::OPENSSL)
add_dependencies(test_ofd_check jianpei-verifier jianpei-issuer)
