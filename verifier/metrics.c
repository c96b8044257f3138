/*
 * metrics.c - request counters by endpoint and status, a latency histogram
 * and the counts of 429s and not-found lookups, kept in atomics (no lock on the request path)
 * and written out in the Prometheus text format for GET /metrics.
 */
#include "verifier_int.h"

#include <errno.h>

static const char *const endpoint_names[VF_EP_COUNT] = {
    "page",       "certificate",    "holder_check", "pdf",         "verify",      "batch_status",
    "trust_list", "status_changes", "healthz",      "metrics",     "people",      "file_check",
    "roster",     "holder",         "share",        "institution", "crl",         "replication",
    "other",
};

static const unsigned codes[VF_CODES - 1] = {200, 400, 401, 403, 404, 405, 413, 429, 500, 503};

/* Upper bounds of the latency buckets in microseconds; the last bucket is +Inf. */
static const uint64_t bucket_us[VF_BUCKETS - 1] = {250,   500,   1000,   2500,   5000,   10000,
                                                   25000, 50000, 100000, 250000, 1000000};

const char *vf_endpoint_name(enum vf_endpoint ep)
{
    if ((unsigned)ep >= VF_EP_COUNT)
        return "other";
    return endpoint_names[ep];
}

static size_t code_index(unsigned status)
{
    size_t i;

    for (i = 0; i < VF_CODES - 1; i++) {
        if (codes[i] == status)
            return i;
    }
    return VF_CODES - 1;
}

void vf_metrics_count(struct vf_metrics *m, enum vf_endpoint ep, unsigned status, uint64_t us)
{
    size_t b = 0;

    if ((unsigned)ep >= VF_EP_COUNT)
        ep = VF_EP_OTHER;
    atomic_fetch_add(&m->requests[ep][code_index(status)], 1);
    while (b < VF_BUCKETS - 1 && us > bucket_us[b])
        b++;
    atomic_fetch_add(&m->latency[b], 1);
    atomic_fetch_add(&m->latency_us_sum, us);
    if (status == 429)
        atomic_fetch_add(&m->rate_limited, 1);
}

static int render_requests(struct vf_metrics *m, struct jp_buf *out)
{
    int rc = 0;
    size_t e, c;

    rc = jp_buf_puts(out, "# HELP jianpei_requests_total HTTP requests by endpoint and status.\n"
                          "# TYPE jianpei_requests_total counter\n");
    for (e = 0; rc == 0 && e < VF_EP_COUNT; e++) {
        for (c = 0; rc == 0 && c < VF_CODES; c++) {
            unsigned long long n = atomic_load(&m->requests[e][c]);

            if (n == 0)
                continue;
            if (c < VF_CODES - 1)
                rc =
                    jp_buf_printf(out, "jianpei_requests_total{endpoint=\"%s\",code=\"%u\"} %llu\n",
                                  endpoint_names[e], codes[c], n);
            else
                rc = jp_buf_printf(out,
                                   "jianpei_requests_total{endpoint=\"%s\",code=\"other\"} %llu\n",
                                   endpoint_names[e], n);
        }
    }
    return rc;
}

static int render_latency(struct vf_metrics *m, struct jp_buf *out)
{
    unsigned long long cum = 0;
    int rc;
    size_t b;

    rc = jp_buf_puts(out, "# HELP jianpei_request_duration_seconds Time to answer a request.\n"
                          "# TYPE jianpei_request_duration_seconds histogram\n");
    for (b = 0; rc == 0 && b < VF_BUCKETS; b++) {
        cum += atomic_load(&m->latency[b]);
        if (b < VF_BUCKETS - 1)
            rc = jp_buf_printf(out, "jianpei_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                               (double)bucket_us[b] / 1e6, cum);
        else
            rc = jp_buf_printf(out, "jianpei_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                               cum);
    }
    if (rc == 0)
        rc = jp_buf_printf(out,
                           "jianpei_request_duration_seconds_sum %.6f\n"
                           "jianpei_request_duration_seconds_count %llu\n",
                           (double)atomic_load(&m->latency_us_sum) / 1e6, cum);
    return rc;
}

int vf_metrics_render(struct vf_metrics *m, struct jp_buf *out)
{
    int rc;

    rc = render_requests(m, out);
    if (rc == 0)
        rc = render_latency(m, out);
    if (rc == 0)
        rc = jp_buf_printf(out,
                           "# HELP jianpei_rate_limited_total Requests refused with 429.\n"
                           "# TYPE jianpei_rate_limited_total counter\n"
                           "jianpei_rate_limited_total %llu\n"
                           "# HELP jianpei_lookup_not_found_total Lookups of well-formed "
                           "numbers that are not in the store (walkers hit many).\n"
                           "# TYPE jianpei_lookup_not_found_total counter\n"
                           "jianpei_lookup_not_found_total %llu\n"
                           "# HELP jianpei_not_found_limited_total 429s of the global "
                           "not-found ceiling.\n"
                           "# TYPE jianpei_not_found_limited_total counter\n"
                           "jianpei_not_found_limited_total %llu\n"
                           "# HELP jianpei_connections_refused_total Connections refused "
                           "at accept: too many from one address, or the pool full.\n"
                           "# TYPE jianpei_connections_refused_total counter\n"
                           "jianpei_connections_refused_total %llu\n"
                           "# HELP jianpei_request_deadline_cut_total Requests whose headers "
                           "and body did not arrive within the deadline.\n"
                           "# TYPE jianpei_request_deadline_cut_total counter\n"
                           "jianpei_request_deadline_cut_total %llu\n"
                           "# HELP jianpei_trust_reloads_total Trust rebuilt after trust-list.pem "
                           "changed.\n"
                           "# TYPE jianpei_trust_reloads_total counter\n"
                           "jianpei_trust_reloads_total %llu\n",
                           atomic_load(&m->rate_limited), atomic_load(&m->lookup_not_found),
                           atomic_load(&m->not_found_limited), atomic_load(&m->conn_refused),
                           atomic_load(&m->deadline_cut), atomic_load(&m->trust_reloads));
    return rc;
}
