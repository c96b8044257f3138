# keys/sm2.c: the SM2 hierarchy (SPEC §11), checked by openssl and npm sm-crypto
# (tests/peers, scripts/install-peers.sh).
jp_test(test_sm2 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sm2.c LIBS jp_keys PkgConfig::OPENSSL)
# The SM2 hierarchy in keys rotate / revoke, the trust list, sm2-root.crl and its endpoint.
jp_test(test_sm2_keys SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sm2_keys.c
        ${CMAKE_CURRENT_LIST_DIR}/verifier_client.c LIBS jp_keys jp_util PkgConfig::OPENSSL)
add_dependencies(test_sm2_keys jianpei-verifier jianpei-issuer)
