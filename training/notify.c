/*
 * notify.c - `jianpei-training notify` (issue 19): the messages the training
 * companion owes people, queued once and sent once.
 *
 * Collecting. Continuing-education reminders (training_ce_due) and the city's
 * review outcomes (training_review_outcomes) become messages: a template id
 * and only the parameters that template needs, under a message id derived
 * from the event (SHA-256 of the template and the event's key: certificate
 * number and due date, or the review's audit sequence number), so the same
 * event always gets the same id. Messages whose id is not in the outbox yet
 * are appended to it (HOME/training/outbox.jsonl, JSON Lines, fsynced): a
 * second run queues nothing new.
 *
 * Sending. With a webhook (--webhook URL, or "notify": {"webhook": URL} in
 * HOME/config.json), every queued message that has no delivery record is
 * POSTed as its JSON line with its id as the Idempotency-Key header, retried
 * with doubling delays on a connection error, 408, 429 or 5xx, at most
 * --max-attempts times. After a 2xx, a delivery record {id, time, status,
 * attempts} is appended to HOME/training/delivered.jsonl and fsynced before the
 * next message is sent, so a delivered message is never sent again. The one
 * window left - killed after the gateway answered 2xx and before the record
 * reached the disk - resends that one message with the same Idempotency-Key,
 * which the gateway must use to drop the repeat (docs/operations.md).
 *
 * stderr carries counts, message ids and the gateway's host only: no names,
 * ID numbers, certificate numbers or URL queries.
 */
#include "notify.h"

#include "cli.h"
#include "config.h"
#include "errors.h"
#include "training.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/sha.h>

#define NOTIFY_OUTBOX "outbox.jsonl"       /* HOME/training/outbox.jsonl */
#define NOTIFY_DELIVERED "delivered.jsonl" /* HOME/training/delivered.jsonl */
#define NOTIFY_LOCK "notify.lock"          /* HOME/training/notify.lock: one run at a time */
#define NOTIFY_FILE_MAX (512u << 20)       /* bound on the outbox and the delivery log */
#define NOTIFY_LINE_MAX 4096               /* bound on one message line */
#define NOTIFY_ID_LEN 32                   /* hex digits of a message id */
#define NOTIFY_URL_MAX 2048                /* bytes of a webhook URL */
#define NOTIFY_ATTEMPTS_DEFAULT 5
#define NOTIFY_ATTEMPTS_MAX 20
#define NOTIFY_BACKOFF_MS 250      /* first delay between attempts; doubles */
#define NOTIFY_BACKOFF_MAX_MS 8000 /* ... up to this */
#define NOTIFY_TIMEOUT_MS 30000    /* one POST, connection included */
#define NOTIFY_WITHIN_DEFAULT 60   /* days ahead of the anniversary */
#define CHINA_UTC_OFFSET (8 * 3600)

static const char notify_help[] =
    "usage: jianpei-training notify --as province [--as-of YYYY-MM-DD] [--within 60d]\n"
    "        [--webhook URL] [--max-attempts N] [--dry-run]\n"
    "Queues the messages not queued yet - continuing-education reminders (what\n"
    "`ce due --as-of DATE --within DAYS` finds; default today in China and 60d) and\n"
    "the cities' plan and score-sheet approvals and rejections - in\n"
    "HOME/training/outbox.jsonl, one JSON line each {\"id\",\"template\",\"params\",\n"
    "\"queued_at\"}. With a webhook (--webhook, or \"notify\": {\"webhook\": URL} in\n"
    "HOME/config.json) each queued message without a delivery record is POSTed with\n"
    "its id as Idempotency-Key, retried with backoff up to --max-attempts (1-20,\n"
    "default 5), and recorded in HOME/training/delivered.jsonl: never sent twice.\n"
    "--dry-run prints what would be queued and sent and changes nothing.\n"
    "exit status: 0 done, 1 refused (not the province), 2 usage, 3 failure (the\n"
    "gateway kept failing: what was delivered stays recorded, the rest is queued)\n";

/* The command line of notify. */
struct notify_args {
    const char *as;           /* --as */
    const char *as_of;        /* --as-of, or NULL for today in China */
    const char *within;       /* --within, or NULL for NOTIFY_WITHIN_DEFAULT */
    const char *webhook;      /* --webhook, or NULL for the configuration's */
    const char *max_attempts; /* --max-attempts, or NULL */
    int dry_run;              /* --dry-run */
};

/* A file of JSON Lines messages or records, read whole; the ids of its complete lines. */
struct idfile {
    char path[JP_HOME_PATH_MAX];    /* where it is */
    unsigned char *data;            /* its bytes, owned */
    size_t len;                     /* bytes up to and including the last newline */
    size_t size;                    /* bytes on disk (> len after a cut last line) */
    char (*ids)[NOTIFY_ID_LEN + 1]; /* the ids of its lines, owned */
    size_t *off;                    /* each line's offset in data (outbox only), owned */
    size_t n, cap;                  /* ids used and allocated */
};

/* What a run collects and does. */
struct notify_run {
    struct idfile outbox;    /* the queue */
    struct idfile delivered; /* the delivery records */
    struct jp_buf fresh;     /* lines to queue in this run */
    size_t fresh_n;          /* ... how many */
    size_t fresh_ce;         /* ... of them ce_due */
    char queued_at[24];      /* this run's time, YYYY-MM-DDTHH:MM:SSZ */
    int dry_run;             /* print, change nothing */
    int rc;                  /* first error of a callback */
};

/* ------------------------------------------------------------ files */

static void idfile_free(struct idfile *f)
{
    free(f->data);
    free(f->ids);
    free(f->off);
    f->data = NULL;
    f->ids = NULL;
    f->off = NULL;
    f->n = f->cap = 0;
}

static int idfile_add(struct idfile *f, const char *id, size_t off)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 256;
        void *ids = realloc(f->ids, cap * sizeof *f->ids);
        void *offs;

        if (ids == NULL)
            return ENOMEM;
        f->ids = ids;
        offs = realloc(f->off, cap * sizeof *f->off);
        if (offs == NULL)
            return ENOMEM;
        f->off = offs;
        f->cap = cap;
    }
    memcpy(f->ids[f->n], id, NOTIFY_ID_LEN + 1);
    f->off[f->n++] = off;
    return 0;
}

/* 1 when s is a message id: 32 lowercase hex digits. */
static int id_ok(const char *s)
{
    return s != NULL && strlen(s) == NOTIFY_ID_LEN &&
           strspn(s, "0123456789abcdef") == NOTIFY_ID_LEN;
}

/*
 * Reads path (absent: empty) and the "id" of each complete line. A last line
 * without its newline is a write cut short by a crash: it does not count, and
 * idfile_repair drops it before anything is appended. Any other line that is
 * not a JSON object with an id is damage: EINVAL, err names the line.
 */
static int idfile_load(struct idfile *f, char *err, size_t errlen)
{
    size_t line = 0;
    int rc = jp_read_file(f->path, NOTIFY_FILE_MAX, &f->data, &f->size);

    if (rc == ENOENT)
        return 0;
    if (rc != 0) {
        jp_errf(err, errlen, "cannot read %s: %s", f->path, strerror(rc));
        return rc;
    }
    f->len = f->size;
    while (f->len > 0 && f->data[f->len - 1] != '\n')
        f->len--;
    for (size_t at = 0; rc == 0 && at < f->len; line++) {
        unsigned char *end = memchr(f->data + at, '\n', f->len - at);
        json_t *o = json_loadb((const char *)f->data + at, (size_t)(end - f->data) - at, 0, NULL);
        const char *id = json_string_value(json_object_get(o, "id"));

        if (!id_ok(id)) {
            jp_errf(err, errlen, "%s: line %zu: not a message or record with an id", f->path,
                    line + 1);
            rc = EINVAL;
        } else {
            rc = idfile_add(f, id, at);
        }
        json_decref(o);
        at = (size_t)(end - f->data) + 1;
    }
    return rc;
}

static int id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, NOTIFY_ID_LEN);
}

/* A sorted copy of f's ids for idfile_has; owned by the caller. */
static char (*ids_sorted(const struct idfile *f))[NOTIFY_ID_LEN + 1]
{
    char(*s)[NOTIFY_ID_LEN + 1] = malloc((f->n ? f->n : 1) * sizeof *s);

    if (s != NULL && f->n > 0) {
        memcpy(s, f->ids, f->n * sizeof *s);
        qsort(s, f->n, sizeof *s, id_cmp);
    }
    return s;
}

static int ids_has(char (*sorted)[NOTIFY_ID_LEN + 1], size_t n, const char *id)
{
    return n > 0 && bsearch(id, sorted, n, sizeof *sorted, id_cmp) != NULL;
}

/* Cuts a last line that a crash left without its newline. */
static int idfile_repair(const struct idfile *f, char *err, size_t errlen)
{
    if (f->size == f->len)
        return 0;
    if (truncate(f->path, (off_t)f->len) != 0) {
        jp_errf(err, errlen, "cannot repair %s: %s", f->path, strerror(errno));
        return errno;
    }
    return 0;
}

/* Appends data to path (created 0600) and fsyncs it: durable when this returns 0. */
static int append_durable(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    const unsigned char *p = data;
    int rc = fd < 0 ? errno : 0;

    while (rc == 0 && len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = errno;
            break;
        }
        p += w;
        len -= (size_t)w;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = errno;
    if (rc != 0)
        jp_errf(err, errlen, "cannot append to %s: %s", path, strerror(rc));
    return rc;
}

/*
 * Takes the lock of notify runs (*fd, closed by the caller): two runs at once
 * would both send what neither has recorded yet. EAGAIN when one holds it.
 */
static int lock_runs(const char *home, int *fd, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    int rc = jp_home_path(home, JP_HOME_TRAINING "/" NOTIFY_LOCK, path);

    *fd = rc == 0 ? open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (rc == 0 && *fd < 0)
        rc = errno;
    if (rc == 0 && flock(*fd, LOCK_EX | LOCK_NB) != 0)
        rc = errno == EWOULDBLOCK ? EAGAIN : errno;
    if (rc == EAGAIN)
        jp_errf(err, errlen, "another notify is running on this home");
    else if (rc != 0)
        jp_errf(err, errlen, "cannot lock %s: %s", path, strerror(rc));
    return rc;
}

/* --------------------------------------------------------- messages */

/*
 * The id of an event: the first 16 bytes of SHA-256("jianpei-notify/1\n"
 * template "\n" key), in hex. Returns 0 or ENOSPC.
 */
static int message_id(const char *template_id, const char *key, char out[NOTIFY_ID_LEN + 1])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char text[256];
    int rc = jp_strf(text, sizeof text, "jianpei-notify/1\n%s\n%s", template_id, key);

    if (rc != 0)
        return rc;
    SHA256((const unsigned char *)text, strlen(text), md);
    jp_hex_encode(md, NOTIFY_ID_LEN / 2, out);
    out[NOTIFY_ID_LEN] = '\0';
    return 0;
}

/*
 * Queues the message {id, template, params} of an event unless the outbox has
 * its id. params is the JSON text of the template's parameters.
 */
static int queue(struct notify_run *r, char (*known)[NOTIFY_ID_LEN + 1], const char *template_id,
                 const char *key, const char *params)
{
    char id[NOTIFY_ID_LEN + 1];
    int rc = message_id(template_id, key, id);

    if (rc != 0 || ids_has(known, r->outbox.n, id))
        return rc;
    rc = jp_buf_printf(&r->fresh,
                       "{\"id\":\"%s\",\"template\":\"%s\",\"params\":%s,\"queued_at\":\"%s\"}\n",
                       id, template_id, params, r->queued_at);
    if (rc == 0) {
        r->fresh_n++;
        r->fresh_ce += strcmp(template_id, "ce_due") == 0;
    }
    return rc;
}

/* The ce_due messages of the JSON lines training_ce_due wrote. */
static int queue_ce(struct notify_run *r, char (*known)[NOTIFY_ID_LEN + 1],
                    const struct jp_buf *due)
{
    char key[128], params[256];
    const char *p = (const char *)due->data, *end = p != NULL ? p + due->len : NULL;
    int rc = 0;

    while (rc == 0 && p != NULL && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        json_t *o = json_loadb(p, nl != NULL ? (size_t)(nl - p) : (size_t)(end - p), 0, NULL);
        const char *no = json_string_value(json_object_get(o, "certificate_no"));
        const char *date = json_string_value(json_object_get(o, "due"));
        json_t *year = json_object_get(o, "year"), *hours = json_object_get(o, "hours");

        if (no == NULL || date == NULL || !json_is_integer(year) || !json_is_number(hours))
            rc = EINVAL; /* ce_due.c wrote something else: a programming error */
        if (rc == 0)
            rc = jp_strf(key, sizeof key, "%s\n%s", no, date);
        if (rc == 0)
            rc = jp_strf(params, sizeof params,
                         "{\"certificate_no\":\"%s\",\"due\":\"%s\",\"year\":%lld,"
                         "\"hours\":%.1f,\"needed\":%d}",
                         no, date, (long long)json_integer_value(year), json_number_value(hours),
                         TRAINING_CE_YEAR_TENTHS / 10);
        if (rc == 0)
            rc = queue(r, known, "ce_due", key, params);
        json_decref(o);
        p = nl != NULL ? nl + 1 : NULL;
    }
    return rc;
}

struct outcome_ctx {
    struct notify_run *r;             /* the run */
    char (*known)[NOTIFY_ID_LEN + 1]; /* the outbox's ids, sorted */
};

static int queue_outcome(const struct training_outcome *o, void *arg)
{
    struct outcome_ctx *c = arg;
    struct jp_buf params;
    char key[128];
    int rc = jp_strf(key, sizeof key, "%llu\n%s", (unsigned long long)o->seq, o->exam_id);

    /* Exam ids are printable ASCII but may hold '"' or '\\': escaped. */
    jp_buf_init(&params, NOTIFY_LINE_MAX);
    if (rc == 0)
        rc = jp_buf_puts(&params, "{\"exam_id\":");
    if (rc == 0)
        rc = jp_json_strz(&params, o->exam_id);
    if (rc == 0)
        rc = jp_buf_printf(&params, ",\"institution\":\"%s\",\"city\":\"%s\"}", o->institution,
                           o->city);
    if (rc == 0)
        rc = queue(c->r, c->known, o->template_id, key, (const char *)params.data);
    jp_buf_free(&params);
    return rc;
}

/* ------------------------------------------------------------- HTTP */

static size_t discard(char *p, size_t size, size_t nmemb, void *arg)
{
    (void)p;
    (void)arg;
    return size * nmemb;
}

/* The host of url for messages (never its path or query), or "the webhook". */
static void url_host(const char *url, char *out, size_t outlen)
{
    CURLU *u = curl_url();
    char *host = NULL;

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host != NULL &&
        jp_strf(out, outlen, "%s", host) == 0) {
        /* out holds the host */
    } else {
        jp_strf(out, outlen, "the webhook");
    }
    curl_free(host);
    curl_url_cleanup(u);
}

/* 1 when an answer (0: no answer) is worth another attempt. */
static int transient(long status)
{
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* One POST of line with its id; *status = the HTTP status, 0 when none came. */
static void post_once(CURL *h, const char *url, const char *id, const char *line, size_t len,
                      long *status, CURLcode *cc)
{
    struct curl_slist *hdr = NULL, *tmp;
    char key[NOTIFY_ID_LEN + 24];

    *status = 0;
    jp_strf(key, sizeof key, "Idempotency-Key: %s", id);
    hdr = curl_slist_append(NULL, "Content-Type: application/json");
    tmp = hdr != NULL ? curl_slist_append(hdr, key) : NULL;
    if (tmp == NULL) {
        curl_slist_free_all(hdr);
        *cc = CURLE_OUT_OF_MEMORY;
        return;
    }
    hdr = tmp;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)NOTIFY_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, line);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    *cc = curl_easy_perform(h);
    if (*cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdr);
}

/* The delivery record of id, made durable before the next message goes out. */
static int record_delivery(const struct notify_run *r, const char *id, long status, int attempts,
                           char *err, size_t errlen)
{
    char line[160], now[24];
    time_t t = time(NULL);
    struct tm tm;
    int rc;

    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = jp_strf(line, sizeof line,
                 "{\"id\":\"%s\",\"time\":\"%s\",\"status\":%ld,\"attempts\":%d}\n", id, now,
                 status, attempts);
    if (rc == 0)
        rc = append_durable(r->delivered.path, line, strlen(line), err, errlen);
    return rc;
}

/*
 * POSTs one message until a 2xx, a permanent refusal or max attempts, then
 * records the delivery. 0 when delivered and recorded; EIO (err: host, status,
 * attempts) when the gateway did not take it; an errno when the record failed.
 */
static int deliver(const struct notify_run *r, CURL *h, const char *url, long max, const char *id,
                   const char *line, size_t len, char *err, size_t errlen)
{
    char host[256];
    long status = 0, delay = NOTIFY_BACKOFF_MS;
    CURLcode cc = CURLE_OK;
    int attempt = 0;

    while (attempt < max) {
        if (attempt > 0) {
            sleep_ms(delay);
            delay = delay * 2 > NOTIFY_BACKOFF_MAX_MS ? NOTIFY_BACKOFF_MAX_MS : delay * 2;
        }
        attempt++;
        post_once(h, url, id, line, len, &status, &cc);
        if (status >= 200 && status < 300)
            return record_delivery(r, id, status, attempt, err, errlen);
        if (cc != CURLE_OK)
            fprintf(stderr, "notify: message %s: attempt %d of %ld: %s\n", id, attempt, max,
                    curl_easy_strerror(cc));
        else
            fprintf(stderr, "notify: message %s: attempt %d of %ld: HTTP %ld\n", id, attempt, max,
                    status);
        if (!transient(status))
            break;
    }
    url_host(url, host, sizeof host);
    if (status != 0)
        jp_errf(err, errlen, "cannot deliver message %s to %s: HTTP %ld after %d attempt%s", id,
                host, status, attempt, attempt == 1 ? "" : "s");
    else
        jp_errf(err, errlen, "cannot deliver message %s to %s: %s after %d attempt%s", id, host,
                curl_easy_strerror(cc), attempt, attempt == 1 ? "" : "s");
    return EIO;
}

/* Sends every message of the outbox without a delivery record, in queue order. */
static int send_all(struct notify_run *r, const char *url, long max, size_t *sent, size_t *left,
                    char *err, size_t errlen)
{
    char(*done)[NOTIFY_ID_LEN + 1] = ids_sorted(&r->delivered);
    struct cli_progress pg;
    size_t todo = 0;
    CURL *h = NULL;
    int rc = done == NULL ? ENOMEM : 0;

    for (size_t i = 0; rc == 0 && i < r->outbox.n; i++)
        todo += !ids_has(done, r->delivered.n, r->outbox.ids[i]);
    *left = todo;
    if (rc != 0 || todo == 0)
        goto out;
    if (r->dry_run) {
        for (size_t i = 0; i < r->outbox.n; i++)
            if (!ids_has(done, r->delivered.n, r->outbox.ids[i]))
                printf("would send %s\n", r->outbox.ids[i]);
        goto out;
    }
    h = curl_easy_init();
    if (h == NULL) {
        rc = ENOMEM;
        goto out;
    }
    cli_progress_start(&pg, "messages");
    for (size_t i = 0; rc == 0 && i < r->outbox.n; i++) {
        const char *line = (const char *)r->outbox.data + r->outbox.off[i];
        const char *nl = memchr(line, '\n', r->outbox.len - r->outbox.off[i]);

        if (ids_has(done, r->delivered.n, r->outbox.ids[i]))
            continue;
        rc = deliver(r, h, url, max, r->outbox.ids[i], line, (size_t)(nl - line), err, errlen);
        if (rc == 0) {
            (*sent)++;
            (*left)--;
            cli_progress_update(&pg, (unsigned long)*sent, (double)*sent / (double)todo);
        }
    }
    cli_progress_end(&pg);
    curl_easy_cleanup(h);
out:
    free(done);
    return rc;
}

/* ------------------------------------------------------------- setup */

static int parse_args(int argc, char **argv, struct notify_args *a)
{
    static const char *const names[] = {"as", "as-of", "within", "webhook", "max-attempts"};
    const char **slots[] = {&a->as, &a->as_of, &a->within, &a->webhook, &a->max_attempts};

    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        size_t k = 0;

        if (strcmp(argv[i], "--dry-run") == 0) {
            a->dry_run = 1;
            continue;
        }
        while (k < sizeof names / sizeof names[0] &&
               (strncmp(argv[i], "--", 2) != 0 || strcmp(argv[i] + 2, names[k]) != 0))
            k++;
        if (k == sizeof names / sizeof names[0] || i + 1 >= argc) {
            fprintf(stderr, "notify: unexpected argument %s\n", argv[i]);
            return CLI_USAGE;
        }
        *slots[k] = argv[++i];
    }
    if (a->as == NULL) {
        fprintf(stderr, "notify: --as is required\n");
        return CLI_USAGE;
    }
    return 0;
}

/* The webhook of HOME/config.json ("notify": {"webhook": URL}) into url, or "" when none. */
static int config_webhook(const char *home, char *url, size_t urllen, char *err, size_t errlen)
{
    char path[JP_HOME_PATH_MAX];
    json_error_t je;
    json_t *root = NULL, *v;
    int rc = jp_home_path(home, JP_HOME_CONFIG, path);

    url[0] = '\0';
    if (rc == 0)
        root = json_load_file(path, 0, &je);
    v = json_object_get(json_object_get(root, "notify"), "webhook");
    if (v != NULL &&
        (!json_is_string(v) || jp_strf(url, urllen, "%s", json_string_value(v)) != 0)) {
        jp_errf(err, errlen, "config.json: notify.webhook must be a URL string");
        rc = EINVAL;
    }
    json_decref(root);
    return rc;
}

/* The checked values of the options. */
struct notify_plan {
    struct ident_date as_of; /* the reminders' date */
    int within;              /* days ahead */
    long max;                /* attempts per message */
};

/* Checks the options' values into *p. Returns 0 or -1 (message printed). */
static int check_args(const struct notify_args *a, struct notify_plan *p)
{
    char days[8];
    size_t n = a->within != NULL ? strlen(a->within) : 0;
    long v = NOTIFY_WITHIN_DEFAULT;
    int bad = 0;

    if (a->as_of == NULL)
        bad = ident_date_from_unix((int64_t)time(NULL), CHINA_UTC_OFFSET, &p->as_of) != 0;
    else if (ident_date_parse(a->as_of, strlen(a->as_of), &p->as_of, NULL, 0) != 0)
        bad = fprintf(stderr, "notify: --as-of must be a real YYYY-MM-DD\n") > 0;
    if (n > 0 && a->within[n - 1] == 'd')
        n--;
    if (a->within != NULL && n > 0 && n < sizeof days) {
        memcpy(days, a->within, n);
        days[n] = '\0';
    }
    if (a->within != NULL && (n == 0 || n >= sizeof days || cli_parse_long(days, 0, 366, &v) != 0))
        bad = fprintf(stderr, "notify: --within must be 0-366 days, e.g. 60d\n") > 0;
    p->within = (int)v;
    p->max = NOTIFY_ATTEMPTS_DEFAULT;
    if (a->max_attempts != NULL &&
        cli_parse_long(a->max_attempts, 1, NOTIFY_ATTEMPTS_MAX, &p->max) != 0)
        bad = fprintf(stderr, "notify: --max-attempts must be 1-%d\n", NOTIFY_ATTEMPTS_MAX) > 0;
    if (a->webhook != NULL && strncmp(a->webhook, "http://", 7) != 0 &&
        strncmp(a->webhook, "https://", 8) != 0)
        bad = fprintf(stderr, "notify: --webhook must be an http:// or https:// URL\n") > 0;
    return bad ? -1 : 0;
}

/* Collects the events into r->fresh: those whose id the outbox does not hold. */
static int collect(training *t, const struct training_actor *actor, const struct notify_plan *p,
                   struct notify_run *r, char *why, size_t whylen)
{
    char(*known)[NOTIFY_ID_LEN + 1] = ids_sorted(&r->outbox);
    struct outcome_ctx oc = {.r = r, .known = known};
    struct jp_buf due;
    size_t n = 0;
    int rc = known == NULL ? ENOMEM : 0;

    jp_buf_init(&due, NOTIFY_FILE_MAX);
    if (rc == 0)
        rc = training_ce_due(t, actor, &p->as_of, p->within, &due, &n, why, whylen);
    if (rc == 0)
        rc = queue_ce(r, known, &due);
    if (rc == 0)
        rc = training_review_outcomes(t, queue_outcome, &oc);
    jp_buf_free(&due);
    free(known);
    return rc;
}

/*
 * Appends the fresh lines to the outbox, durably, and reads it again so that
 * they are sent with the rest. A dry run prints them instead.
 */
static int enqueue(struct notify_run *r, char *err, size_t errlen)
{
    int rc;

    if (r->fresh_n == 0)
        return 0;
    if (r->dry_run) {
        for (const char *p = (const char *)r->fresh.data; *p != '\0'; p = strchr(p, '\n') + 1)
            printf("would queue %.*s\n", (int)(strchr(p, '\n') - p), p);
        return 0;
    }
    rc = append_durable(r->outbox.path, r->fresh.data, r->fresh.len, err, errlen);
    idfile_free(&r->outbox);
    if (rc == 0)
        rc = idfile_load(&r->outbox, err, errlen);
    return rc;
}

/* The webhook: --webhook, else the configuration's, else "". */
static int webhook(const char *home, const struct notify_args *a, char *url, size_t urllen,
                   char *err, size_t errlen)
{
    int rc = config_webhook(home, url, urllen, err, errlen);

    if (rc == 0 && a->webhook != NULL && jp_strf(url, urllen, "%s", a->webhook) != 0) {
        jp_errf(err, errlen, "--webhook: longer than %zu bytes", urllen - 1);
        rc = EINVAL;
    }
    return rc;
}

static void summary(const struct notify_run *r, const char *url, size_t sent, size_t left)
{
    if (url[0] == '\0')
        fprintf(stderr, "notify: no webhook configured: %zu messages in the outbox, none sent\n",
                r->outbox.n + (r->dry_run ? r->fresh_n : 0));
    else if (r->dry_run)
        fprintf(stderr, "notify: would send %zu messages\n", left + r->fresh_n);
    else
        fprintf(stderr, "notify: delivered %zu, %zu left without a delivery record\n", sent, left);
}

static int run(training *t, const struct training_actor *actor, const struct notify_args *a,
               const struct notify_plan *p, const char *home, char *err, size_t errlen)
{
    struct notify_run r;
    char url[NOTIFY_URL_MAX];
    size_t sent = 0, left = 0;
    time_t now = time(NULL);
    struct tm tm;
    int lock = -1, rc;

    memset(&r, 0, sizeof r);
    jp_buf_init(&r.fresh, NOTIFY_FILE_MAX);
    r.dry_run = a->dry_run;
    gmtime_r(&now, &tm);
    strftime(r.queued_at, sizeof r.queued_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = r.dry_run ? 0 : lock_runs(home, &lock, err, errlen);
    if (rc == 0)
        rc = webhook(home, a, url, sizeof url, err, errlen);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_TRAINING "/" NOTIFY_OUTBOX, r.outbox.path);
    if (rc == 0)
        rc = jp_home_path(home, JP_HOME_TRAINING "/" NOTIFY_DELIVERED, r.delivered.path);
    if (rc == 0)
        rc = idfile_load(&r.outbox, err, errlen);
    if (rc == 0)
        rc = idfile_load(&r.delivered, err, errlen);
    if (rc == 0 && !r.dry_run)
        rc = idfile_repair(&r.outbox, err, errlen);
    if (rc == 0 && !r.dry_run)
        rc = idfile_repair(&r.delivered, err, errlen);
    if (rc == 0)
        rc = collect(t, actor, p, &r, err, errlen);
    if (rc == 0)
        fprintf(stderr, "notify: %s %zu new messages (%zu ce_due, %zu review outcomes)\n",
                r.dry_run ? "would queue" : "queued", r.fresh_n, r.fresh_ce,
                r.fresh_n - r.fresh_ce);
    if (rc == 0)
        rc = enqueue(&r, err, errlen);
    if (rc == 0 && url[0] != '\0')
        rc = send_all(&r, url, p->max, &sent, &left, err, errlen);
    if (rc == 0 || rc == EIO)
        summary(&r, url, sent, left);
    idfile_free(&r.outbox);
    idfile_free(&r.delivered);
    jp_buf_free(&r.fresh);
    if (lock >= 0)
        close(lock);
    return rc;
}

int notify_main(int argc, char **argv, const char *home_flag)
{
    struct training_actor actor;
    struct notify_plan plan;
    struct notify_args a;
    char home[JP_HOME_PATH_MAX], err[512] = "";
    training *t = NULL;
    int rc;

    if (cli_help_asked(argc, argv, notify_help))
        return CLI_OK;
    if (parse_args(argc, argv, &a) != 0 || check_args(&a, &plan) != 0) {
        fputs(notify_help, stderr);
        return CLI_USAGE;
    }
    if (jp_home_resolve(home_flag, home, sizeof home) != 0 ||
        training_actor_parse(a.as, &actor, err, sizeof err) != 0) {
        fprintf(stderr, "notify: %s\n", err[0] ? err : "home path is too long");
        return CLI_USAGE;
    }
    rc = training_open(home, &t, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "notify: cannot open the training data: %s\n",
                err[0] ? err : jp_strerror(rc));
        return CLI_FAILURE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = run(t, &actor, &a, &plan, home, err, sizeof err);
    curl_global_cleanup();
    training_close(t);
    if (rc != 0)
        fprintf(stderr, "notify: %s\n", err[0] ? err : jp_strerror(rc));
    return rc == 0 ? CLI_OK : training_is_refusal(rc) ? CLI_REJECTED : CLI_FAILURE;
}
