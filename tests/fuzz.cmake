# fuzz: a smoke run of every libFuzzer target (fuzz/fuzz_*.c) over its seed
# corpus plus 2000 mutations. The targets are built with clang by
# fuzz/smoke.sh into build*/fuzz, outside this (gcc) build; without clang the
# test reports SKIP (exit 77). bench/fuzz_all.sh runs them for longer.
find_program(JP_CLANG NAMES clang clang-14)
if(JP_CLANG)
  set(JP_FUZZ_CC ${JP_CLANG})
else()
  set(JP_FUZZ_CC clang-not-found)
endif()
add_test(NAME fuzz_smoke
         COMMAND ${CMAKE_COMMAND} -E env CC=${JP_FUZZ_CC}
                 ${PROJECT_SOURCE_DIR}/fuzz/smoke.sh ${CMAKE_BINARY_DIR}/fuzz 2000)
set_tests_properties(fuzz_smoke PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1200)
