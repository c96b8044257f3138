# jianpei-issuer's command table and its parser (issuer/cmds.h), linked from the program's
# own sources without its main.
jp_test(test_cmd_table SOURCES test_cmd_table.c
        ../issuer/cmd_run.c ../issuer/cmd_table.c ../issuer/cmd_home.c ../issuer/cmd_certs.c
        ../issuer/cmd_ops.c ../issuer/cmd_report.c ../issuer/cmd_timestamp.c ../issuer/cmd_tsa.c
        LIBS jp_issuer jp_errname jp_cli)
target_include_directories(test_cmd_table PRIVATE ${PROJECT_SOURCE_DIR}/issuer)
