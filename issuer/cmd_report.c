/*
 * cmd_report.c - `jianpei-issuer report --html FILE`: the operator's
 * dashboard of the home's store as one self-contained HTML page.
 */
#include "cli.h"
#include "cmds.h"
#include "issuer.h"

#include <stdio.h>

static const char report_help[] =
    "usage: jianpei-issuer report [--home DIR] --html FILE [--as-of DATE] [--months N]\n"
    "\n"
    "Writes the operator's dashboard: one self-contained HTML page in Simplified\n"
    "Chinese with bar charts (inline SVG, no script, nothing fetched) and the same\n"
    "figures in tables: certificates issued by month, by city, by position and by\n"
    "status, status changes and new versions by kind (from the audit log), and the\n"
    "valid certificates whose continuing-education anniversary falls in the next 90\n"
    "days (those lapse unless their hours are recorded). The whole store is read in\n"
    "one read transaction; the file is written to a temporary name and renamed, so\n"
    "FILE is never half written.\n"
    "\n"
    "The page holds counts only, no personal data (no name, ID number, institution\n"
    "or claim code), so FILE is written mode 0644: it may be shared or published.\n"
    "\n"
    "  --html FILE    where to write the page\n"
    "  --as-of DATE   YYYY-MM-DD: the last month shown and the start of the 90-day\n"
    "                 window (default: today in China); counts are the store's now\n"
    "  --months N     months in the monthly chart, 1-120 (default 12); certificates\n"
    "                 issued before them are one bar, 更早\n"
    "\n"
    "exit status: 0 written, 2 usage error, 3 failure (FILE left as it was)\n";

int cmd_report(int argc, char **argv, const char *home)
{
    const char *html = NULL, *as_of = NULL, *months_s = NULL;
    long months = 0;
    char err[512] = "";
    int rc, status;
    const struct cmd_opt opts[] = {
        {"html", CMD_REQUIRED, &html},
        {"as-of", CMD_VALUE, &as_of},
        {"months", CMD_VALUE, &months_s},
    };

    if (cmd_scan(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, report_help, &status))
        return status;
    if (months_s != NULL && cli_parse_long(months_s, 1, 120, &months) != 0) {
        fprintf(stderr, "report: --months: expected a whole number 1-120, not %s\n", months_s);
        return CLI_USAGE;
    }
    rc = issuer_report_html(home, html, as_of, (int)months, err, sizeof err);
    if (rc == 0)
        printf("wrote %s\n", html);
    return cmd_done(rc, "report", err);
}
