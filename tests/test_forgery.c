/*
 * test_forgery.c - the forgery corpus (issue "Reliability and security
 * harness"): every kind of fake a user might be shown must fail verification
 * the way a user would check it, with pdfsig for the PDF and
 * `jianpei-verifier verify-qr --trust` for the QR code. Each fake is made
 * from a genuine certificate of a temporary home, and each genuine original
 * is checked first, so that a check which could never pass cannot hide a
 * forgery that passes.
 *
 *   - a PDF with one byte changed inside either signed range  -> pdfsig: not valid
 *   - a certificate signed in another home (key not trusted)  -> unknown_key,
 *     and its PDF signer is not a key of the trust list
 *   - a QR token with one claim byte changed                  -> forged
 *   - a token whose kid names another trusted key             -> forged
 *   - a token with an issue date after the key's notAfter     -> expired_key
 *   - a token signed by a key revoked afterwards              -> revoked_key
 *
 * Uses the binaries of this build (JP_BIN_DIR), pdftoppm and zbarimg to read
 * the QR code off the page, and the keys library where no command can make
 * the fake (a token signed for an arbitrary date).
 */
#define _GNU_SOURCE /* memmem */
#include "capture.h"
#include "check.h"
#include "ident.h"
#include "keys.h"
#include "sh.h"
#include "util.h"

#include <errno.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ISSUER JP_BIN_DIR "/jianpei-issuer"
#define VERIFIER JP_BIN_DIR "/jianpei-verifier"
#define TOKEN_RAW_MAX 1024 /* bytes of COSE a token may hold (docs/qr-format.md: 640) */

static char dir[64];

static const char intake[] =
    "{\"name\":\"张三丰\",\"gender\":\"男\",\"id_type\":\"111\",\"id_number\":"
    "\"440103199001011236\","
    "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":"
    "\"广州市建设职业培训学校\",\"city\":\"01\",\"exam_id\":\"T1\",\"exam_date\":\"2023-08-10\","
    "\"score\":86.5}\n";

/* ------------------------------------------------------------ helpers */

/* The number of the one certificate issued: serial 1 of Guangzhou, position 01, this year in
 * China (the issuer dates every certificate today, UTC+8). */
static char certno[19];

static void make_certno(void)
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;

    gmtime_r(&now, &tm);
    snprintf(certno, sizeof certno, "4401%04d010000001", (tm.tm_year + 1900) % 10000);
    certno[17] = ident_mod11_2(certno);
    certno[18] = '\0';
}

/* Makes home dir/NAME with one issued certificate; writes its PDF to dir/NAME.pdf. */
static int make_home(const char *name)
{
    if (sh(ISSUER " --home %s/%s init --authority 广东省住房和城乡建设厅 --authority-uscc "
                  "114400000069493634 --public-url https://jp.example >/dev/null",
           dir, name) != 0)
        return -1;
    if (sh(ISSUER " --home %s/%s issue --input %s/in.jsonl --threads 1", dir, name, dir) != 0)
        return -1;
    return sh(ISSUER " --home %s/%s pdf %s --out %s/%s.pdf >/dev/null", dir, name, certno, dir,
              name);
}

/* Reads the QR text off page 1 of a PDF, as a phone would; out gets the token part. */
static int token_of(const char *pdf, char *tok, size_t toksz)
{
    char text[2048];
    const char *slash;

    if (sh_out(text, sizeof(text),
               "pdftoppm -r 150 -png -singlefile %s %s/page >/dev/null 2>&1 && "
               "zbarimg -q --raw -Sdisable -Sqrcode.enable %s/page.png 2>/dev/null",
               pdf, dir, dir) != 0)
        return -1;
    text[strcspn(text, "\r\n")] = '\0';
    slash = strrchr(text, '/');
    if (slash == NULL || strlen(slash + 1) + 1 > toksz)
        return -1;
    memcpy(tok, slash + 1, strlen(slash + 1) + 1);
    return 0;
}

/* The verdict word `verify-qr` prints for a QR URL, checked with home h's trust list. */
static const char *verdict(const char *h, const char *tok)
{
    static char out[1024];
    char *nl;

    if (sh_out(out, sizeof(out),
               VERIFIER " verify-qr HTTPS://JP.EXAMPLE/V/%s/%s --trust "
                        "%s/%s/trust-list.pem",
               certno, tok, dir, h) < 0 ||
        strncmp(out, "verdict: ", 9) != 0)
        return "(no verdict)";
    nl = strchr(out, '\n');
    if (nl != NULL)
        *nl = '\0';
    return out + 9;
}

/* 1 when pdfsig says the signature of dir/name is valid, 0 when not, -1 on error. */
static int pdfsig_valid(const char *name)
{
    char out[8192];

    if (sh_out(out, sizeof(out), "pdfsig %s/%s 2>/dev/null", dir, name) < 0)
        return -1;
    return strstr(out, "Signature is Valid.") != NULL;
}

/* Copies dir/from to dir/to with the byte at offset flipped. */
static int flip_copy(const char *from, const char *to, size_t offset)
{
    char src[128], dst[128];
    unsigned char *p = NULL;
    size_t n = 0;
    int rc;

    snprintf(src, sizeof(src), "%s/%s", dir, from);
    snprintf(dst, sizeof(dst), "%s/%s", dir, to);
    rc = jp_read_file(src, 16u << 20, &p, &n);
    if (rc == 0 && offset >= n)
        rc = EINVAL;
    if (rc == 0) {
        p[offset] ^= 0x01;
        rc = jp_write_file_atomic(dst, p, n, 0644);
    }
    free(p);
    return rc;
}

/* Reads /ByteRange [a b c d] of dir/name into br. */
static int byte_range(const char *name, size_t br[4])
{
    char path[128];
    unsigned char *p = NULL;
    size_t n = 0;
    const char *s;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    rc = jp_read_file(path, 16u << 20, &p, &n);
    if (rc != 0)
        return rc;
    s = memmem(p, n, "/ByteRange", 10);
    rc = s != NULL && sscanf(s, "/ByteRange [%zu %zu %zu %zu", &br[0], &br[1], &br[2], &br[3]) == 4
             ? 0
             : EINVAL;
    free(p);
    return rc;
}

/*
 * The kid (first 8 bytes of SHA-256 of the DER) of the end-entity certificate
 * that signed dir/name, read from the CMS in its /Contents, as 16 hex digits.
 */
static int pdf_signer_kid(const char *name, char kid[17])
{
    char path[128];
    unsigned char *pdf = NULL, *der = NULL, *certder = NULL, md[32];
    char *hex = NULL;
    const unsigned char *q;
    STACK_OF(X509) *certs = NULL;
    CMS_ContentInfo *cms = NULL;
    size_t n = 0, br[4], hexlen, i;
    int rc = EINVAL, len;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (byte_range(name, br) != 0 || jp_read_file(path, 16u << 20, &pdf, &n) != 0)
        goto out;
    hexlen = (br[2] - br[1] - 2) & ~(size_t)1; /* between '<' and '>' */
    der = calloc(1, hexlen / 2);
    hex = calloc(1, hexlen + 1);
    if (der == NULL || hex == NULL || br[2] > n)
        goto out;
    memcpy(hex, pdf + br[1] + 1, hexlen);
    if (jp_hex_decode(hex, der, hexlen / 2) != 0)
        goto out;
    q = der;
    cms = d2i_CMS_ContentInfo(NULL, &q, (long)(hexlen / 2));
    certs = cms != NULL ? CMS_get1_certs(cms) : NULL;
    for (i = 0; certs != NULL && i < (size_t)sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, (int)i);

        if (X509_check_ca(x) != 0)
            continue;
        len = i2d_X509(x, &certder);
        if (len > 0 && EVP_Digest(certder, (size_t)len, md, NULL, EVP_sha256(), NULL) == 1) {
            jp_hex_encode(md, 8, kid);
            rc = 0;
        }
        OPENSSL_free(certder);
        certder = NULL;
    }
out:
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    free(hex);
    free(der);
    free(pdf);
    return rc;
}

/* 1 when kid is one of home h's signing keys. */
static int home_has_kid(const char *h, const char *kid)
{
    char out[4096];

    if (sh_out(out, sizeof(out), ISSUER " --home %s/%s keys list", dir, h) != 0)
        return 0;
    return strstr(out, kid) != NULL;
}

/* ------------------------------------------------------------ cases */

static void pdf_cases(void)
{
    size_t br[4] = {0};

    CHECK_INT(pdfsig_valid("h1.pdf"), 1);
    CHECK_INT(byte_range("h1.pdf", br), 0);
    CHECK_INT(flip_copy("h1.pdf", "flip1.pdf", br[1] / 2), 0);
    CHECK_INT(flip_copy("h1.pdf", "flip2.pdf", br[2] + br[3] / 2), 0);
    CHECK_INT(pdfsig_valid("flip1.pdf"), 0);
    CHECK_INT(pdfsig_valid("flip2.pdf"), 0);
}

static void other_home_cases(const char *tok1, const char *tok2)
{
    char kid1[17] = "", kid2[17] = "";

    CHECK_STR(verdict("h1", tok1), "genuine");
    CHECK_STR(verdict("h2", tok2), "genuine");
    CHECK_STR(verdict("h1", tok2), "unknown_key");
    /* The other home's PDF is validly signed, but not by a key the trust list names. */
    CHECK_INT(pdfsig_valid("h2.pdf"), 1);
    CHECK_INT(pdf_signer_kid("h1.pdf", kid1), 0);
    CHECK_INT(pdf_signer_kid("h2.pdf", kid2), 0);
    CHECK(home_has_kid("h1", kid1));
    CHECK(!home_has_kid("h1", kid2));
}

/* Changes one digit of the masked ID number inside the payload: still valid CBOR. */
static void changed_claim_case(const char *tok)
{
    unsigned char raw[TOKEN_RAW_MAX];
    char forged[JP_BASE32_LEN(TOKEN_RAW_MAX)];
    size_t n = 0;
    unsigned char *star = jp_base32_decode(tok, strlen(tok), raw, sizeof(raw), &n) == 0
                              ? memmem(raw, n, "********", 8)
                              : NULL;

    CHECK(star != NULL);
    if (star == NULL)
        return;
    star[8] = star[8] == '9' ? '8' : (unsigned char)(star[8] + 1);
    CHECK_INT(jp_base32_encode(raw, n, forged, sizeof(forged)), 0);
    CHECK_STR(verdict("h1", forged), "forged");
}

/* Puts kid (16 hex) into the protected header (bytes 8..15 of the COSE). */
static void swapped_kid_case(const char *tok, const char *kid)
{
    unsigned char raw[TOKEN_RAW_MAX];
    char forged[JP_BASE32_LEN(TOKEN_RAW_MAX)];
    size_t n = 0;

    CHECK_INT(jp_base32_decode(tok, strlen(tok), raw, sizeof(raw), &n), 0);
    CHECK(n > 16 && raw[6] == 0x04 && raw[7] == 0x48);
    if (n <= 16 || jp_hex_decode(kid, raw + 8, 8) != 0)
        return;
    CHECK_INT(jp_base32_encode(raw, n, forged, sizeof(forged)), 0);
    CHECK_STR(verdict("h1", forged), "forged");
}

/* Signs a token with h1's active key for the day after the key's notAfter. */
static void expired_case(void)
{
    struct keys_claims cl = {.elicence_version = 1,
                             .position = "01",
                             .province = "44",
                             .name_masked = "张*丰",
                             .id_masked = "440103********1236"};
    struct keys_info info[KEYS_MAX_SIGNING];
    char path[128], tok[KEYS_TOKEN_BUFSZ], err[256], late[16];
    const char *pin = getenv("JIANPEI_PKCS11_PIN");
    keys_t *k = NULL;
    size_t n = 0, i;
    int y;

    memcpy(cl.certificate_no, certno, sizeof cl.certificate_no);
    snprintf(path, sizeof(path), "%s/h1/keys", dir);
    /* A token home (scripts/test-pkcs11.sh) opens with the token's PIN, as the CLI does. */
    CHECK_INT(keys_open(path, 0, (const unsigned char *)pin, pin != NULL ? strlen(pin) : 0, &k, err,
                        sizeof(err)),
              0);
    if (k == NULL)
        return;
    CHECK_INT(keys_list(k, info, KEYS_MAX_SIGNING, &n), 0);
    for (i = 0; i < n && info[i].state != KEYS_ACTIVE; i++)
        ;
    CHECK(i < n);
    if (i < n) {
        /* notAfter is YYYY-MM-DDT...; one year later is surely past it. */
        y = atoi(info[i].not_after);
        CHECK(y >= 2000 && y < 2099);
        if (snprintf(late, sizeof(late), "%04d-%.5s", y + 1, info[i].not_after + 5) != 10)
            memcpy(late, "2099-12-31", 11);
        if (strcmp(late + 5, "02-29") == 0)
            memcpy(late + 5, "03-01", 5);
        memcpy(cl.issue_date, late, sizeof(cl.issue_date));
        CHECK_INT(keys_token_sign(k, &cl, tok, sizeof(tok), err, sizeof(err)), 0);
        CHECK_STR(verdict("h1", tok), "expired_key");
        /* The same claims dated inside the validity are genuine: the date alone decides. */
        memcpy(cl.issue_date, "2026-01-02", 11);
        CHECK_INT(keys_token_sign(k, &cl, tok, sizeof(tok), err, sizeof(err)), 0);
        CHECK_STR(verdict("h1", tok), "genuine");
    }
    keys_close(k);
}

/* The active kid of home h (first "active" row of `keys list`). */
static int active_kid(const char *h, char kid[17])
{
    char out[4096];
    const char *p;

    if (sh_out(out, sizeof(out), ISSUER " --home %s/%s keys list", dir, h) != 0)
        return -1;
    p = strstr(out, "  active");
    if (p == NULL || p - out < 16)
        return -1;
    memcpy(kid, p - 16, 16);
    kid[16] = '\0';
    return 0;
}

int main(void)
{
    char tok1[1200] = "", tok2[1200] = "", kid_a[17] = "", kid_b[17] = "";
    char path[128];

    make_certno();
    snprintf(dir, sizeof(dir), "/tmp/jp-forgery-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/in.jsonl", dir);
    CHECK_INT(jp_write_file_atomic(path, intake, sizeof(intake) - 1, 0644), 0);
    CHECK_INT(cap_holders(path), 0);
    CHECK_INT(make_home("h1"), 0);
    CHECK_INT(make_home("h2"), 0);
    snprintf(path, sizeof(path), "%s/h1.pdf", dir);
    CHECK_INT(token_of(path, tok1, sizeof(tok1)), 0);
    snprintf(path, sizeof(path), "%s/h2.pdf", dir);
    CHECK_INT(token_of(path, tok2, sizeof(tok2)), 0);

    pdf_cases();
    other_home_cases(tok1, tok2);
    changed_claim_case(tok1);

    /* Rotation: key A (which signed tok1) is retired and still verifies; B is active. */
    CHECK_INT(active_kid("h1", kid_a), 0);
    CHECK_INT(sh(ISSUER " --home %s/h1 keys rotate >/dev/null", dir), 0);
    CHECK_INT(active_kid("h1", kid_b), 0);
    CHECK(strcmp(kid_a, kid_b) != 0);
    CHECK_STR(verdict("h1", tok1), "genuine");
    swapped_kid_case(tok1, kid_b);
    expired_case();

    /* Revoking key A turns its tokens into revoked_key. */
    CHECK_INT(sh(ISSUER " --home %s/h1 keys revoke %s >/dev/null", dir, kid_a), 0);
    CHECK_STR(verdict("h1", tok1), "revoked_key");

    sh("rm -rf %s", dir);
    return CHECK_DONE();
}
