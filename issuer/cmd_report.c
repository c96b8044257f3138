/*
 * cmd_report.c - `jianpei-issuer report --html FILE`: the operator's
 * dashboard of the home's store as one self-contained HTML page.
 */
#include "cli.h"
#include "cmds.h"
#include "issuer.h"

#include <stdio.h>

int cmd_report(const struct cmd_args *a)
{
    const char *html = cmd_val(a, "html"), *months_s = cmd_val(a, "months");
    long months = 0;
    char err[512] = "";
    int rc;

    if (months_s != NULL && cli_parse_long(months_s, 1, 120, &months) != 0) {
        fprintf(stderr, "report: --months: expected a whole number 1-120, not %s\n", months_s);
        return CLI_USAGE;
    }
    rc = issuer_report_html(a->home, html, cmd_val(a, "as-of"), (int)months, err, sizeof err);
    if (rc == 0)
        printf("wrote %s\n", html);
    return cmd_done(rc, "report", err);
}
