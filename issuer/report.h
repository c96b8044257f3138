/*
 * report.h - what the issuance run adds to its report. Internal to the issuer;
 * the report itself is declared in issuer.h.
 */
#ifndef JP_ISSUER_REPORT_H
#define JP_ISSUER_REPORT_H

#include "issuer.h"

/*
 * Appends one line's outcome: its number (issued, already issued) and, for a
 * new certificate, its canonical claim code (copied; NULL for none), or its
 * reason (rejected; copied). Returns 0, ENOMEM, EFBIG (line or text past the
 * report's bounds) or ENOSPC (a number longer than 18 characters).
 */
int report_add(struct issuer_report *rep, unsigned long line, enum issuer_outcome what,
               const char *no, const char *claim, const char *why);

#endif
