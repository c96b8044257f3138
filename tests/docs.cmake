# docs: what README.md and docs/ show must hold (issue 11 bug 8).
file(GLOB JP_DOCS_MD ${PROJECT_SOURCE_DIR}/docs/*.md)
add_test(NAME docs_examples
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/docs_examples.py
                 ${PROJECT_SOURCE_DIR}/README.md ${JP_DOCS_MD})
