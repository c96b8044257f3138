/*
 * capture.h - where the tests leave what the programs under test said, for
 * the privacy scan that closes every ctest run (tests/privacy_scan.py; SPEC
 * §8: no personal data in a log line or an error message).
 *
 * ctest gives every test JP_TEST_LOGS=<build>/test-logs/<test>. Into it go
 *   stderr.log        every line the programs wrote to stderr (sh(), sh_out(),
 *                     vc_run(), forked children via cap_redirect_stderr())
 *   http.log          every HTTP answer but PDFs (vc_http())
 *   <name>-N.<ext>    copies made by cap_file(): daemon logs, issuance
 *                     reports, error files the test itself looked at
 *   holders-N.jsonl   the people the test used (cap_holders(): its intake)
 *   secrets-1.txt     claim codes the test's certificates got (cap_claim_codes())
 *   skipped           the reason a test skipped (cap_skip())
 * Run by hand without JP_TEST_LOGS, the files go to /tmp/jp-test-logs-<pid>.
 * Under ctest the folder is made when the test starts, so the scan can tell a
 * test that ran and captured nothing from one that did not run.
 * Capturing never changes a test's outcome: a capture that fails is reported
 * on stderr and the test goes on (the scan then finds too little and fails).
 */
#ifndef JP_TEST_CAPTURE_H
#define JP_TEST_CAPTURE_H

#include <stddef.h>

/* The capture directory, created on first use; a static string. */
const char *cap_dir(void);
/* "<dir>/stderr.log", where the programs' stderr is appended; a static string. */
const char *cap_stderr_path(void);
/* In a forked child before exec: stderr appended to cap_stderr_path(). 0 or -1. */
int cap_redirect_stderr(void);
/* Appends len bytes to <dir>/name. 0 or -1. */
int cap_append(const char *name, const void *data, size_t len);
/* Copies the file src to <dir>/<stem>-N<ext>, the first N free (stem "report.json" gives
 * report-1.json, report-2.json ...). A missing src is not an error. 0 or -1. */
int cap_file(const char *src, const char *stem);
/* Registers the people of an intake file (SPEC §5 JSON Lines) as holders-N.jsonl. 0 or -1. */
int cap_holders(const char *intake);
/*
 * Registers the claim codes of an issuance report (every "claim_code") in
 * <dir>/secrets-1.txt, one a line: the scan fails on any of them in anything
 * captured but reports (report-N.json) and notices (notice-N.csv), where codes belong.
 * A missing report is not an error. 0 or -1.
 */
int cap_claim_codes(const char *report);
/* Says why the test skips (it then captures nothing, and that is fine). 0 or -1. */
int cap_skip(const char *reason);

#endif
