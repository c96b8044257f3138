# docs: what README.md and docs/ show must hold (issue 11 bug 8).
file(GLOB JP_DOCS_MD ${PROJECT_SOURCE_DIR}/docs/*.md)
add_test(NAME docs_examples
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/docs_examples.py
                 ${PROJECT_SOURCE_DIR}/README.md ${JP_DOCS_MD})
# The commands README.md and docs/ show: programs, commands and options exist (--help),
# scripts, files, bench programs and the tests they name too (tests/docs_commands.py).
add_test(NAME docs_commands
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/docs_commands.py ${CMAKE_BINARY_DIR}/bin
                 ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/README.md ${JP_DOCS_MD})
