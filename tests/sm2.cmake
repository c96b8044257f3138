# keys/sm2.c: the SM2 hierarchy (SPEC §11), checked by openssl and npm sm-crypto
# (tests/peers, scripts/install-peers.sh).
jp_test(test_sm2 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sm2.c LIBS jp_keys PkgConfig::OPENSSL)
