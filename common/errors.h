/*
 * errors.h - the project's one error convention (LMDB's): a function returns 0
 * for success, a positive errno value passed through from the system or a
 * library, or a negative code of the module that found the failure. Each module
 * owns one disjoint range of 100 negative codes, declared as an enum in its one
 * public header starting at its base below, and names its own codes with its
 * *_strerror(). A caller passes the first cause through unchanged; it never
 * turns a code into a vaguer one. jp_strerror() (target jp_errname, linked by
 * the programs) names any code of any module.
 */
#ifndef JP_ERRORS_H
#define JP_ERRORS_H

/*
 * First code of each module; as in LMDB (MDB_KEYEXIST -30799 up to
 * MDB_LAST_ERRCODE), a module's codes count upwards from its base: BASE,
 * BASE+1, ... at most BASE+99, so an enum may simply list them after
 * "X_EFIRST = JP_ERR_X_BASE". LMDB's own -30799..-30700 stays clear.
 */
#define JP_ERR_STORE_BASE (-30900)    /* store/store.h: enum store_err */
#define JP_ERR_KEYS_BASE (-31000)     /* keys/keys.h: enum keys_error */
#define JP_ERR_TRAINING_BASE (-31100) /* training/training.h: enum training_err */
#define JP_ERR_IDENT_BASE (-31200)    /* common/ident.h: enum ident_error */
#define JP_ERR_TMPL_BASE (-31300)     /* templates/tmpl.h: enum tmpl_err */
#define JP_ERR_PDF_BASE (-31400)      /* pdf/pdf.h: enum pdf_err */
#define JP_ERR_ISSUER_BASE (-31500)   /* issuer/issuer.h: enum issuer_err */
#define JP_ERR_VERIFIER_BASE (-31600) /* verifier/verifier.h: enum verifier_error */
#define JP_ERR_OFD_BASE (-31700)      /* ofd/ofd.h (SPEC §11) */
#define JP_ERR_PAGES_BASE (-31800)    /* pages/pages.h (SPEC §10) */

/* 1 when code lies in the range that starts at base, else 0. */
#define JP_ERR_IN(code, base) ((code) >= (base) && (code) < (base) + 100)

/*
 * A static description of any code: "success" for 0, strerror() for errno
 * values, the owning module's *_strerror() for a module code, and
 * "unknown error" otherwise. Never NULL; not to be freed.
 */
const char *jp_strerror(int code);

#endif
