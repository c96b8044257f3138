# replica: SPEC §12 end to end - a primary, replicas following its feed, kill -9, tampering.
jp_verifier_test(test_replica LIBS jp_store jp_util PkgConfig::JANSSON PkgConfig::OPENSSL)
