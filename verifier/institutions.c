/*
 * institutions.c - SPEC §10's endpoints for training institutions, behind
 * §8's HMAC scheme with clients of scope institution (clients.c):
 *
 *   GET /api/v1/institutions/{code}/certificates?exam_id=E[&after=NO]
 *       the certificates of exam E issued for institution code, in number
 *       order, at most VF_INST_PAGE a page: "next" names the last number of
 *       a full page (ask again with after=it), null on the last page;
 *   GET /api/v1/institutions/{code}/certificates/{no}.pdf
 *       the stored PDF, byte for byte.
 *
 * A signature that does not verify is 401. Anything else a client may not
 * have - another scope, another institution's code, a number that is not its
 * own, unknown or malformed - is one and the same 403, so the answer never
 * tells whether a foreign number exists.
 */
#include "verifier_int.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "pages.h"

#define VF_INST_PAGE 500 /* certificates in one answer */
#define INST_PREFIX "/api/v1/institutions/"

/* The one 403 of every refusal. */
static int refuse(struct vf_reply *r)
{
    return vf_reply_error(r, 403, "forbidden", "not a certificate of this client's institution");
}

/*
 * 1 when the call is signed by an institution client of code, else 0 with r
 * filled (401 for a bad signature, 403 otherwise; *rc its result).
 */
static int institution_allowed(struct verifier *v, const struct vf_call *c, const char *code,
                               struct vf_reply *r, int *rc)
{
    struct vf_client who;
    char why[128] = "";

    if (vf_auth_call(v, c, &who, why, sizeof(why)) != 0) {
        *rc = vf_reply_error(r, 401, "unauthorized", why);
        return 0;
    }
    if (who.scope != VF_SCOPE_INSTITUTION || strcmp(who.institution, code) != 0) {
        *rc = refuse(r);
        return 0;
    }
    return 1;
}

/* A query parameter's value copied into out[outsz]; "" when absent; EINVAL when too long. */
static int query_param(const struct pages_form *q, const char *name, char *out, size_t outsz)
{
    size_t n = 0;
    const char *s = pages_form_get(q, name, &n);

    out[0] = '\0';
    if (s == NULL)
        return 0;
    if (n >= outsz || memchr(s, '\0', n) != NULL)
        return EINVAL;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

/* Appends the public object of each listed number (vf_cert_json) to arr. */
static int list_certs(struct verifier *v, store_txn *txn, char (*nos)[IDENT_CERTNO_SIZE], size_t n,
                      json_t *arr)
{
    struct store_cert cert;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = store_cert_get(txn, nos[i], &cert);
        if (rc == 0 && json_array_append_new(arr, vf_cert_json(v, &cert)) != 0)
            rc = ENOMEM;
    }
    jp_cleanse(&cert, sizeof(cert));
    return rc;
}

/* The page of exam after `after` as the answer's "certificates" and "next". */
static int list_page(struct verifier *v, const char *code, const char *exam, const char *after,
                     json_t *answer)
{
    char(*nos)[IDENT_CERTNO_SIZE] = calloc(VF_INST_PAGE, IDENT_CERTNO_SIZE);
    json_t *arr = json_array();
    store_txn *txn = NULL;
    size_t n = 0;
    int more = 0, rc = nos == NULL || arr == NULL ? ENOMEM : 0;

    if (rc == 0)
        rc = store_read_begin(v->st, &txn);
    if (rc == 0)
        rc = store_institution_list(txn, code, exam, after, nos, VF_INST_PAGE, &n, &more);
    if (rc == 0)
        rc = list_certs(v, txn, nos, n, arr);
    store_read_end(txn);
    if (rc == 0 &&
        json_object_set_new(answer, "next", more ? json_string(nos[n - 1]) : json_null()) != 0)
        rc = ENOMEM;
    if (rc == 0 && json_object_set(answer, "certificates", arr) != 0)
        rc = ENOMEM;
    json_decref(arr);
    free(nos);
    return rc;
}

static int h_list(struct verifier *v, const struct vf_call *c, const char *code, struct vf_reply *r)
{
    struct pages_form q;
    char exam[65], after[IDENT_CERTNO_SIZE];
    json_t *answer = NULL;
    int rc;

    rc = pages_form_parse(c->query != NULL ? c->query : "", c->query != NULL ? strlen(c->query) : 0,
                          &q);
    if (rc == 0 && (query_param(&q, "exam_id", exam, sizeof(exam)) != 0 ||
                    query_param(&q, "after", after, sizeof(after)) != 0))
        rc = EINVAL;
    pages_form_free(&q);
    if (rc != 0 || exam[0] == '\0')
        return vf_reply_error(r, 400, "invalid_request",
                              "exam_id (1-64 bytes) is required; after is a certificate number");
    answer = json_pack("{s:s, s:s}", "institution", code, "exam_id", exam);
    if (answer == NULL)
        return ENOMEM;
    rc = list_page(v, code, exam, after, answer);
    if (rc != 0) {
        json_decref(answer);
        return rc;
    }
    return vf_reply_json(r, 200, answer);
}

static int h_pdf(struct verifier *v, const char *code, const char *no, struct vf_reply *r)
{
    struct store_cert cert;
    store_txn *txn = NULL;
    int rc, mine = 0;

    if (!vf_certno_ok(no, strlen(no)))
        return refuse(r);
    rc = store_read_begin(v->st, &txn);
    if (rc == 0)
        rc = store_cert_get(txn, no, &cert);
    store_read_end(txn);
    if (rc == 0)
        mine = strcmp(cert.institution_code, code) == 0;
    jp_cleanse(&cert, sizeof(cert));
    if (rc == STORE_ENOTFOUND || (rc == 0 && !mine))
        return refuse(r);
    if (rc != 0)
        return rc;
    rc = vf_reply_pdf(v, no, r);
    return rc == STORE_ENOTFOUND ? refuse(r) : rc;
}

/* Splits rest = CODE "/certificates" ["/" NO ".pdf"]; *no "" for the list. 0 or EINVAL. */
static int split_path(const char *rest, char code[VERIFIER_INSTITUTION_MAX + 1],
                      char no[IDENT_CERTNO_SIZE])
{
    static const char certs[] = "/certificates";
    size_t cl = strcspn(rest, "/"), nl;
    const char *p = rest + cl;

    no[0] = '\0';
    if (cl == 0 || cl > VERIFIER_INSTITUTION_MAX || strncmp(p, certs, sizeof(certs) - 1) != 0)
        return EINVAL;
    memcpy(code, rest, cl);
    code[cl] = '\0';
    p += sizeof(certs) - 1;
    if (*p == '\0')
        return 0;
    nl = strlen(p + 1);
    if (p[0] != '/' || nl < 5 || nl - 4 >= IDENT_CERTNO_SIZE || strcmp(p + 1 + nl - 4, ".pdf") != 0)
        return EINVAL;
    memcpy(no, p + 1, nl - 4);
    no[nl - 4] = '\0';
    return no[0] != '\0' ? 0 : EINVAL;
}

int vf_route_institutions(struct verifier *v, const struct vf_call *c, struct vf_reply *r,
                          enum vf_endpoint *ep, int *rc)
{
    char code[VERIFIER_INSTITUTION_MAX + 1], no[IDENT_CERTNO_SIZE];

    if (strncmp(c->path, INST_PREFIX, sizeof(INST_PREFIX) - 1) != 0)
        return 0;
    *ep = VF_EP_INSTITUTION;
    if (split_path(c->path + sizeof(INST_PREFIX) - 1, code, no) != 0)
        *rc = vf_reply_error(r, 404, "not_found", "no such resource");
    else if (strcmp(c->method, "GET") != 0)
        *rc = vf_reply_error(r, 405, "method_not_allowed", "use GET");
    else if (institution_allowed(v, c, code, r, rc))
        *rc = no[0] == '\0' ? h_list(v, c, code, r) : h_pdf(v, code, no, r);
    return 1;
}
