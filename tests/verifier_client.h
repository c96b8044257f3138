/*
 * verifier_client.h - what the verifier's end-to-end tests share: running a
 * program and capturing its output, starting jianpei-verifier as a child on
 * port 0 (the port read back from its first stdout line, no sleeps) and a
 * small blocking HTTP/1.1 client over a socket (Connection: close).
 */
#ifndef JP_VERIFIER_CLIENT_H
#define JP_VERIFIER_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

#define VC_RESP_MAX (32u << 20)

struct vc_resp {
    int status;          /* HTTP status, 0 when the exchange failed */
    char *head;          /* owned, NUL-terminated header block */
    unsigned char *body; /* owned, NUL-terminated */
    size_t len;          /* body bytes */
};

/* Runs argv (argv[0] a path) with stdout into out_path (NULL: /dev/null) and stderr into the
 * capture (capture.h). Returns the exit status or -1. */
int vc_run(char *const argv[], const char *out_path);
/* Reads a whole file into a NUL-terminated malloc'd string; NULL on error. */
char *vc_slurp(const char *path, size_t *len);

struct vc_daemon {
    pid_t pid;          /* child */
    int port;           /* from "listening on HOST:PORT" */
    char err_path[512]; /* its stderr */
};

/* Starts argv (a jianpei-verifier command line) with stderr into err_path; 0 or -1. */
int vc_daemon_start(char *const argv[], const char *err_path, struct vc_daemon *d);
/*
 * Starts bin --home home --listen 127.0.0.1:0 --threads 2 under the command
 * wrap[0..nwrap-1] (at most 8 words: setpriv, valgrind and their options),
 * as vc_daemon_start; 0 or -1.
 */
int vc_daemon_start_under(char *const wrap[], size_t nwrap, const char *bin, const char *home,
                          const char *err_path, struct vc_daemon *d);
/* SIGTERM, then waits; returns the exit status (128+sig when killed) or -1. The daemon's stderr
 * is copied into the capture (capture.h). */
int vc_daemon_stop(struct vc_daemon *d);

/*
 * One request. headers: extra "Name: value\r\n" lines or NULL; body may be NULL.
 * Returns 0 with *r filled (free with vc_resp_free) or -1. The answer is appended
 * to the capture (capture.h), a PDF without its body.
 */
int vc_http(int port, const char *method, const char *path, const char *headers, const void *body,
            size_t len, struct vc_resp *r);
/* vc_http from source address src (dotted IPv4, e.g. "127.0.0.2"; NULL: any). */
int vc_http_from(const char *src, int port, const char *method, const char *path,
                 const char *headers, const void *body, size_t len, struct vc_resp *r);
/*
 * A GET whose answer shows personal data by design (the holder's print view, a
 * live share's page): its headers are captured, its body is not, as for a
 * PDF. Everything else goes through vc_http, so the scan still sees it.
 */
int vc_http_personal(int port, const char *path, const char *headers, struct vc_resp *r);
void vc_resp_free(struct vc_resp *r);
/*
 * The sig of SPEC §8 into hex[65]: HMAC-SHA256(secret, METHOD \n PATH \n ts \n
 * hex(SHA-256(body))), PATH being target's path followed, when target has a
 * query string, by '?' and its parameters sorted by name (bytes as given).
 * Returns 0 or -1.
 */
int vc_sign(const char *secret, const char *method, const char *target, const char *ts,
            const void *body, size_t len, char hex[65]);
/* Value of header name (case-insensitive) into out; 0 when found. */
int vc_header(const struct vc_resp *r, const char *name, char *out, size_t outsz);
/* The jp_csrf token a GET of /me hands out, and its cookie header line; 0 when given. */
int vc_csrf(int port, char token[32], char cookie[96]);
/*
 * The file check form as a browser uses it: GET /check/file for the CSRF
 * cookie, then POST data (len bytes, sent as cert.ofd, application/ofd) with
 * that token as multipart/form-data. form, when not NULL, receives the GET's
 * answer (the caller frees it with vc_resp_free; NULL: freed here); page
 * receives the POST's answer (the caller frees it). Returns 0, or -1 when an
 * exchange failed or the body does not fit (then *page holds nothing).
 */
int vc_form_check(int port, const void *data, size_t len, struct vc_resp *form,
                  struct vc_resp *page);
/*
 * Runs verifier_bin verify-file file --trust home/trust-list.pem (with --json
 * when json is set), its stdout into the file log, and copies that output,
 * NUL-terminated and cut to fit, into out (empty when there is none).
 * Returns the command's exit status, or -1.
 */
int vc_verify_file(const char *verifier_bin, const char *home, const char *file, int json,
                   const char *log, char *out, size_t outsz);

/*
 * A test's scratch directory: copies the mkdtemp template tmpl (such as
 * "/tmp/jp-x-XXXXXX") into dir, makes the directory, and writes
 * dir/jianpei-home into home (where vc_make_home puts it); the caller removes
 * the directory. Returns 0, or -1 when a path does not fit or mkdtemp fails.
 */
int vc_scratch(char *dir, size_t dirsz, const char *tmpl, char *home, size_t homesz);
/* BIN_DIR/jianpei-issuer into issuer[600] and BIN_DIR/jianpei-verifier into verifier[600];
 * 0, or -1 when one does not fit. */
int vc_bins(const char *bin_dir, char issuer[600], char verifier[600]);
/*
 * Makes a home at dir/jianpei-home with jianpei-issuer (init, then n synthetic
 * candidates from bench/gen_intake.py issued today); dir/in.jsonl and
 * dir/report.json stay for vc_holder; the candidates are registered as the
 * test's holders and the report copied into the capture. Returns 0 or -1.
 */
int vc_make_home(const char *bin_dir, const char *src_dir, const char *dir, int n);
/* The k-th issued certificate of vc_make_home's dir: number, holder's name and ID; 0 or -1. */
int vc_holder(const char *dir, size_t k, char no[19], char name[257], char id[33]);
/* The claim code (XXXX-XXXX-XXXX) of the k-th issued certificate of vc_make_home's dir; 0 or -1. */
int vc_claim(const char *dir, size_t k, char code[15]);
/* Decodes the QR of a certificate's PDF (pdftoppm -r 150, zbarimg) into url; 0 or -1. */
int vc_qr_from_pdf(const char *bin_dir, const char *dir, const char *no, char *url, size_t urlsz);

#endif
