# forgery: the forgery corpus (tests/test_forgery.c) - changed PDFs, other
# homes' keys, changed claims, swapped kids, expired and revoked keys must all
# fail verification. Needs pdfsig, pdftoppm and zbarimg (poppler-utils, zbar-tools).
jp_test(test_forgery SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_forgery.c
        LIBS jp_keys jp_ident jp_util PkgConfig::OPENSSL)
add_dependencies(test_forgery jianpei-issuer jianpei-verifier)
