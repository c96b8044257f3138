# training: the companion module (training/training.h) and its CLI end to end.
jp_test(test_training SOURCES test_training.c LIBS jp_training jp_store jp_config jp_ident jp_util)
add_test(NAME training_e2e
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/training_e2e.sh ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(training_e2e PROPERTIES TIMEOUT 600)
# notify (issue 19): outbox and webhook against a local gateway, across a SIGKILL.
add_test(NAME test_notify
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_notify.sh ${CMAKE_BINARY_DIR}/bin)
set_tests_properties(test_notify PROPERTIES TIMEOUT 300)
