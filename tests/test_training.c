/*
 * test_training.c - the training module through its library API: every
 * refusal of the issue (unknown institution, a position not offered, scores
 * for a candidate not in the class, a blacklisted ID, a score outside 0-100,
 * a city acting for another city, an institution on another's candidates)
 * leaves the environment byte for byte as it was; the inspection draw is
 * reproducible from its seed; continuing-education standing on edge dates;
 * the lapse list over a certificate store made here.
 */
#include "capture.h"
#include "check.h"
#include "config.h"
#include "ident.h"
#include "store.h"
#include "training.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char home[256];
static char why[TRAINING_WHY_SIZE];

/* ----------------------------------------------------------- fixtures */

static void make_config(void)
{
    static struct jp_config c = {
        .format = JP_CONFIG_FORMAT,
        .province = "44",
        .province_name = "广东省",
        .authority = "广东省住房和城乡建设厅",
        .authority_uscc = "11440000MB2C12345J",
        .public_url = "HTTP://127.0.0.1:8080",
        .elicence_type_code = "11100000000013338W999",
        .pass_mark_tenths = 600,
        .npositions = 13,
        .cities = {{"01", "广州市"}, {"02", "韶关市"}},
        .ncities = 2,
    };

    for (int i = 1; i <= 13; i++) {
        c.positions[i - 1].code[0] = (char)('0' + i / 10);
        c.positions[i - 1].code[1] = (char)('0' + i % 10);
        strcpy(c.positions[i - 1].name, "岗位");
    }
    CHECK_INT(jp_config_save(home, &c, why, sizeof why), 0);
}

/* The bytes of the training environment: equal snapshots = no commit happened. */
static unsigned char *snap(size_t *len)
{
    char path[512];
    unsigned char *p = NULL;

    if (snprintf(path, sizeof path, "%s/training/data.mdb", home) >= (int)sizeof path)
        return NULL;
    if (jp_read_file(path, 256u << 20, &p, len) != 0)
        *len = 0;
    return p;
}

static int unchanged(unsigned char *before, size_t blen)
{
    size_t alen = 0;
    unsigned char *after = snap(&alen);
    int same = before != NULL && after != NULL && alen == blen && memcmp(before, after, blen) == 0;

    free(before);
    free(after);
    return same;
}

/* Runs a call that must be refused with code and leave the store unchanged; the reason, an
 * error message the CLI would print, goes to the capture for the privacy scan. */
#define REFUSED(code, call)                                                                        \
    do {                                                                                           \
        size_t snap_len_ = 0;                                                                      \
        unsigned char *snap_ = snap(&snap_len_);                                                   \
        why[0] = '\0';                                                                             \
        CHECK_INT((call), (code));                                                                 \
        CHECK(why[0] != '\0');                                                                     \
        CHECK(unchanged(snap_, snap_len_));                                                        \
        cap_append("refusals.log", why, strlen(why));                                              \
        cap_append("refusals.log", "\n", 1);                                                       \
    } while (0)

static struct training_actor actor(const char *s)
{
    struct training_actor a;

    if (training_actor_parse(s, &a, why, sizeof why) != 0)
        fprintf(stderr, "bad actor %s\n", s);
    return a;
}

/* A valid GB 11643 number from 17 digits. */
static void citizen_id(const char *d17, char out[IDENT_CITIZEN_ID_LEN + 1])
{
    memcpy(out, d17, 17);
    out[17] = ident_mod11_2(d17);
    out[18] = '\0';
}

static struct training_candidate cand(const char *class_id, const char *position, const char *id)
{
    struct training_candidate c = {.class_id = class_id,
                                   .position = position,
                                   .name = "张三丰",
                                   .gender = "男",
                                   .id_type = "111",
                                   .id_number = id};

    return c;
}

/* ------------------------------------------------------------- tests */

static void test_directory(training *t)
{
    static const char *const bad_utf8[] = {"\xc0\xaf校", "\xed\xa0\x80校", "\xe0\x80\xaf校"};
    struct training_actor prov = actor("province"), c1 = actor("city:01"), c2 = actor("city:02");
    struct jp_buf b;

    CHECK_INT(training_actor_parse("mayor", &prov, why, sizeof why), TRAINING_EINVAL);
    prov = actor("province");
    REFUSED(TRAINING_EREMIT, training_quota_set(t, &c1, "01", 5, why, sizeof why));
    {
        size_t len = 0;
        unsigned char *before = snap(&len);

        /* The snapshot sees a commit, so REFUSED's "unchanged" can fail. */
        CHECK_INT(training_quota_set(t, &prov, "01", 3, why, sizeof why), 0);
        CHECK(!unchanged(before, len));
    }
    CHECK_INT(training_quota_set(t, &prov, "02", 1, why, sizeof why), 0);

    REFUSED(TRAINING_EREMIT,
            training_inst_confirm(t, &prov, "GD0101", "一校", "01,05", why, sizeof why));
    CHECK_INT(
        training_inst_confirm(t, &c1, "GD0101", "广州市建设职业培训学校", "01,05", why, sizeof why),
        0);
    CHECK_INT(training_inst_confirm(t, &c1, "GD0102", "二校", "09", why, sizeof why), 0);
    CHECK_INT(training_inst_confirm(t, &c2, "GD0201", "韶关一校", "01", why, sizeof why), 0);
    REFUSED(TRAINING_EREFUSED,
            training_inst_confirm(t, &c1, "GD0101", "again", "01", why, sizeof why));
    REFUSED(TRAINING_EINVAL,
            training_inst_confirm(t, &c1, "GD0103", "x", "01,99", why, sizeof why));
    /* A name in overlong or surrogate-encoded UTF-8 is not text (one strict decoder). */
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        REFUSED(TRAINING_EINVAL,
                training_inst_confirm(t, &c1, "GD0103", bad_utf8[i], "01", why, sizeof why));
    REFUSED(TRAINING_EREFUSED,
            training_inst_confirm(t, &c2, "GD0202", "韶关二校", "01", why, sizeof why));
    CHECK(strstr(why, "quota") != NULL);

    REFUSED(TRAINING_EREMIT, training_inst_file(t, &c1, "GD0101", why, sizeof why));
    REFUSED(TRAINING_ENOTFOUND, training_inst_file(t, &prov, "GD0999", why, sizeof why));
    CHECK_INT(training_inst_file(t, &prov, "GD0101", why, sizeof why), 0);
    CHECK_INT(training_inst_file(t, &prov, "GD0201", why, sizeof why), 0);
    REFUSED(TRAINING_EREFUSED, training_inst_file(t, &prov, "GD0101", why, sizeof why));

    jp_buf_init(&b, 1 << 20);
    CHECK_INT(training_inst_list_json(t, &b), 0);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"code\":\"GD0101\"") != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"state\":\"confirmed\"") != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"positions\":[\"01\",\"05\"]") != NULL);
    jp_buf_free(&b);
}

static char id_a[IDENT_CITIZEN_ID_LEN + 1], id_b[IDENT_CITIZEN_ID_LEN + 1],
    id_c[IDENT_CITIZEN_ID_LEN + 1], id_young[IDENT_CITIZEN_ID_LEN + 1];

/* The people of these tests, for the privacy scan (capture.h). */
static void register_holders(void)
{
    char tsv[512];
    int n = snprintf(tsv, sizeof tsv, "张三丰\t%s\n张三丰\t%s\n阿依古丽·买买提\t%s\n张三丰\t%s\n",
                     id_a, id_b, id_c, id_young);

    CHECK(n > 0 && (size_t)n < sizeof tsv && cap_append("holders-1.tsv", tsv, (size_t)n) == 0);
}

static void test_candidates(training *t)
{
    struct training_actor g1 = actor("inst:GD0101"), g2 = actor("inst:GD0201"),
                          g102 = actor("inst:GD0102"), unk = actor("inst:GD0999");
    struct training_candidate c;
    char bad[IDENT_CITIZEN_ID_LEN + 1];

    citizen_id("44010319900101123", id_a);
    citizen_id("44010319850315201", id_b); /* 17th digit 1: male */
    citizen_id("44010319920720332", id_c); /* 17th digit 2: female */
    citizen_id("44010320100101001", id_young);
    register_holders();

    REFUSED(TRAINING_ENOTFOUND, training_class_create(t, &unk, "C9", "01", why, sizeof why));
    REFUSED(TRAINING_EREFUSED, training_class_create(t, &g102, "C9", "09", why, sizeof why));
    REFUSED(TRAINING_EREFUSED, training_class_create(t, &g1, "C9", "13", why, sizeof why));
    CHECK(strstr(why, "not offered") != NULL);
    CHECK_INT(training_class_create(t, &g1, "C1", "01", why, sizeof why), 0);
    CHECK_INT(training_class_create(t, &g1, "C0", "01", why, sizeof why), 0);
    CHECK_INT(training_class_create(t, &g2, "S1", "01", why, sizeof why), 0);

    c = cand("C1", "01", id_a);
    CHECK_INT(training_candidate_register(t, &g1, &c, why, sizeof why), 0);
    c = cand("C1", "01", id_b);
    CHECK_INT(training_candidate_register(t, &g1, &c, why, sizeof why), 0);
    c = cand("C1", "01", id_c);
    c.gender = "女";
    c.name = "阿依古丽·买买提";
    CHECK_INT(training_candidate_register(t, &g1, &c, why, sizeof why), 0);

    c = cand("C1", "01", id_a);
    REFUSED(TRAINING_EREFUSED, training_candidate_register(t, &g1, &c, why, sizeof why));
    memcpy(bad, id_a, sizeof bad);
    bad[17] = bad[17] == '0' ? '1' : '0';
    c = cand("C1", "01", bad);
    REFUSED(TRAINING_EINVAL, training_candidate_register(t, &g1, &c, why, sizeof why));
    CHECK(strstr(why, "check character") != NULL && strstr(why, id_a) == NULL);
    c = cand("C1", "01", id_young);
    c.gender = "男";
    REFUSED(TRAINING_EREFUSED, training_candidate_register(t, &g1, &c, why, sizeof why));
    CHECK(strstr(why, "age") != NULL);
    c = cand("C1", "01", id_c); /* female ID registered as male */
    REFUSED(TRAINING_EINVAL, training_candidate_register(t, &g1, &c, why, sizeof why));
    c = cand("C1", "05", id_b);
    REFUSED(TRAINING_EREFUSED, training_candidate_register(t, &g1, &c, why, sizeof why));
    c = cand("S1", "01", id_b); /* an institution on another's class */
    REFUSED(TRAINING_EREMIT, training_candidate_register(t, &g1, &c, why, sizeof why));
    c = cand("C1", "01", id_b);
    REFUSED(TRAINING_EREMIT, training_candidate_register(t, &g2, &c, why, sizeof why));

    /* The blacklist: only the institution's own candidate; then refused everywhere. */
    c = cand("C0", "01", id_b);
    CHECK_INT(training_candidate_register(t, &g1, &c, why, sizeof why), 0);
    REFUSED(TRAINING_EREMIT, training_blacklist_add(t, &g2, "C0", id_b, "作弊", NULL, "2027-01-01",
                                                    why, sizeof why));
    REFUSED(TRAINING_ENOTFOUND, training_blacklist_add(t, &g1, "C0", id_a, "作弊", NULL,
                                                       "2027-01-01", why, sizeof why));
    REFUSED(TRAINING_EINVAL, training_blacklist_add(t, &g1, "C0", id_b, "作弊", "2027-01-02",
                                                    "2027-01-01", why, sizeof why));
    CHECK_INT(
        training_blacklist_add(t, &g1, "C0", id_b, "作弊", NULL, "2027-01-01", why, sizeof why), 0);
    CHECK_INT(training_class_create(t, &g2, "S2", "01", why, sizeof why), 0);
    c = cand("S2", "01", id_b);
    REFUSED(TRAINING_EREFUSED, training_candidate_register(t, &g2, &c, why, sizeof why));
    CHECK(strstr(why, "blacklist") != NULL);
    /* After the period it is allowed again. */
    {
        struct ident_date later = {2027, 1, 2};

        training_set_today(t, &later);
        CHECK_INT(training_candidate_register(t, &g2, &c, why, sizeof why), 0);
        later = (struct ident_date){2025, 6, 1};
        training_set_today(t, &later);
    }
}

static void test_exam(training *t)
{
    struct training_actor g1 = actor("inst:GD0101"), g2 = actor("inst:GD0201"),
                          c1 = actor("city:01"), c2 = actor("city:02");
    struct training_score s[3];
    struct jp_buf b;
    size_t n = 99;

    REFUSED(TRAINING_EREFUSED,
            training_plan_submit(t, &g1, "C1", "T1", "05", "2025-06-10", why, sizeof why));
    REFUSED(TRAINING_EREFUSED,
            training_plan_submit(t, &g1, "C1", "T1", "13", "2025-06-10", why, sizeof why));
    CHECK(strstr(why, "not offered") != NULL);
    REFUSED(TRAINING_EREMIT,
            training_plan_submit(t, &g2, "C1", "T1", "01", "2025-06-10", why, sizeof why));
    REFUSED(TRAINING_EINVAL,
            training_plan_submit(t, &g1, "C1", "T1", "01", "2025-02-30", why, sizeof why));
    CHECK_INT(training_plan_submit(t, &g1, "C1", "T1", "01", "2025-06-10", why, sizeof why), 0);
    REFUSED(TRAINING_EREFUSED,
            training_plan_submit(t, &g1, "C1", "T1", "01", "2025-06-10", why, sizeof why));

    memset(s, 0, sizeof s);
    strcpy(s[0].id_number, id_a);
    s[0].tenths = 865;
    strcpy(s[1].id_number, id_b);
    s[1].tenths = 599;
    strcpy(s[2].id_number, id_c);
    s[2].tenths = 600;
    REFUSED(TRAINING_EREFUSED, training_scores_upload(t, &g1, "T1", s, 3, why, sizeof why));
    CHECK(strstr(why, "not approved") != NULL);

    REFUSED(TRAINING_EREMIT, training_plan_review(t, &c2, "T1", 1, NULL, why, sizeof why));
    REFUSED(TRAINING_EREMIT, training_plan_review(t, &g1, "T1", 1, NULL, why, sizeof why));
    REFUSED(TRAINING_ENOTFOUND, training_plan_review(t, &c1, "T9", 1, NULL, why, sizeof why));
    REFUSED(TRAINING_EINVAL, training_plan_review(t, &c1, "T1", 0, NULL, why, sizeof why));
    CHECK_INT(training_plan_review(t, &c1, "T1", 1, NULL, why, sizeof why), 0);
    REFUSED(TRAINING_EREFUSED, training_plan_review(t, &c1, "T1", 1, NULL, why, sizeof why));

    s[2].tenths = 1001;
    REFUSED(TRAINING_EINVAL, training_scores_upload(t, &g1, "T1", s, 3, why, sizeof why));
    CHECK(strstr(why, "line 3: score") != NULL);
    s[2].tenths = -1;
    REFUSED(TRAINING_EINVAL, training_scores_upload(t, &g1, "T1", s, 3, why, sizeof why));
    s[2].tenths = 600;
    strcpy(s[1].id_number, id_young);
    REFUSED(TRAINING_EREFUSED, training_scores_upload(t, &g1, "T1", s, 3, why, sizeof why));
    CHECK(strstr(why, "line 2: id_number: not a candidate") != NULL);
    strcpy(s[1].id_number, id_a);
    REFUSED(TRAINING_EREFUSED, training_scores_upload(t, &g1, "T1", s, 3, why, sizeof why));
    strcpy(s[1].id_number, id_b);
    REFUSED(TRAINING_EREMIT, training_scores_upload(t, &g2, "T1", s, 3, why, sizeof why));
    REFUSED(TRAINING_ENOTFOUND, training_scores_upload(t, &g1, "T9", s, 3, why, sizeof why));
    /* One score per candidate of the class: a sheet that misses one is refused, naming its
       place in the class, not the candidate. */
    REFUSED(TRAINING_EREFUSED, training_scores_upload(t, &g1, "T1", s, 2, why, sizeof why));
    CHECK(strstr(why, "no score for candidate ") != NULL);
    CHECK(strstr(why, "of the class's 3") != NULL);
    CHECK(strstr(why, id_c) == NULL);
    CHECK_INT(training_scores_upload(t, &g1, "T1", s, 3, why, sizeof why), 0);

    jp_buf_init(&b, 1 << 20);
    REFUSED(TRAINING_EREFUSED, training_export_passed(t, &g1, "T1", &b, &n, why, sizeof why));
    CHECK_INT(n, 0);
    REFUSED(TRAINING_EREMIT, training_scores_review(t, &c2, "T1", 1, NULL, why, sizeof why));
    CHECK_INT(training_scores_review(t, &c1, "T1", 1, NULL, why, sizeof why), 0);
    REFUSED(TRAINING_EREFUSED, training_scores_upload(t, &g1, "T1", s, 3, why, sizeof why));
    REFUSED(TRAINING_EREMIT, training_export_passed(t, &g2, "T1", &b, &n, why, sizeof why));
    REFUSED(TRAINING_EREMIT, training_export_passed(t, &c2, "T1", &b, &n, why, sizeof why));
    CHECK_INT(b.len, 0);
    CHECK_INT(training_export_passed(t, &c1, "T1", &b, &n, why, sizeof why), 0);
    CHECK_INT(n, 2);
    CHECK(b.data != NULL && strstr((char *)b.data, id_a) != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, id_c) != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, id_b) == NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"score\":86.5") != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"score\":60}") != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"exam_date\":\"2025-06-10\"") != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"name\":\"阿依古丽·买买提\"") != NULL);
    jp_buf_free(&b);
}

static void test_inspection(training *t)
{
    static const char seedhex[] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    unsigned char seed[TRAINING_SEED_LEN], seed2[TRAINING_SEED_LEN];
    char names[25][16];
    const char *codes[25];
    size_t idx[25], idx2[25], k = 0, k2 = 0;
    struct training_actor prov = actor("province"), c1 = actor("city:01");
    struct jp_buf b;
    int differ = 0;

    CHECK_INT(jp_hex_decode(seedhex, seed, sizeof seed), 0);
    memcpy(seed2, seed, sizeof seed2);
    seed2[0] ^= 1;
    for (int i = 0; i < 25; i++) {
        CHECK(snprintf(names[i], sizeof names[i], "GD%04d", 100 + i) < (int)sizeof names[i]);
        codes[i] = names[i];
    }
    CHECK_INT(training_inspection_sample(seed, 2025, codes, 25, idx, &k), 0);
    CHECK_INT(k, 3);
    CHECK_INT(training_inspection_sample(seed, 2025, codes, 25, idx2, &k2), 0);
    CHECK(k2 == k && memcmp(idx, idx2, k * sizeof idx[0]) == 0);
    for (int y = 2026; y < 2036 && !differ; y++) {
        CHECK_INT(training_inspection_sample(seed, y, codes, 25, idx2, &k2), 0);
        differ = memcmp(idx, idx2, k * sizeof idx[0]) != 0;
    }
    CHECK(differ);
    CHECK_INT(training_inspection_sample(seed2, 2025, codes, 10, idx2, &k2), 0);
    CHECK_INT(k2, 1);
    CHECK_INT(training_inspection_sample(seed2, 2025, codes, 11, idx2, &k2), 0);
    CHECK_INT(k2, 2);
    CHECK_INT(training_inspection_sample(seed2, 2025, codes, 0, idx2, &k2), 0);
    CHECK_INT(k2, 0);

    jp_buf_init(&b, 1 << 20);
    REFUSED(TRAINING_EREMIT, training_inspection_draw(t, &c1, 2025, seedhex, &b, why, sizeof why));
    REFUSED(TRAINING_EINVAL, training_inspection_draw(t, &prov, 2025, "zz", &b, why, sizeof why));
    CHECK_INT(training_inspection_draw(t, &prov, 2025, seedhex, &b, why, sizeof why), 0);
    CHECK(b.data != NULL && strstr((char *)b.data, seedhex) != NULL);
    CHECK(b.data != NULL && strstr((char *)b.data, "\"active\":2") != NULL);
    /* The sample recomputes from the recorded seed: active are GD0101 and GD0201. */
    codes[0] = "GD0101";
    codes[1] = "GD0201";
    CHECK_INT(training_inspection_sample(seed, 2025, codes, 2, idx, &k), 0);
    CHECK_INT(k, 1);
    {
        char want[64];

        CHECK(snprintf(want, sizeof want, "\"sample\":[\"%s\"]", codes[idx[0]]) < (int)sizeof want);
        CHECK(b.data != NULL && strstr((char *)b.data, want) != NULL);
    }
    REFUSED(TRAINING_EREFUSED, training_inspection_draw(t, &prov, 2025, NULL, &b, why, sizeof why));
    jp_buf_free(&b);
}

static void test_complaints_removal(training *t)
{
    struct training_actor prov = actor("province"), c1 = actor("city:01"), c2 = actor("city:02"),
                          g2 = actor("inst:GD0201");
    struct jp_buf b;
    uint64_t id = 0;

    REFUSED(TRAINING_EREMIT,
            training_complaint_add(t, &c2, "GD0101", "收费不规范", &id, why, sizeof why));
    REFUSED(TRAINING_ENOTFOUND,
            training_complaint_add(t, &c1, "GD0999", "收费不规范", &id, why, sizeof why));
    CHECK_INT(training_complaint_add(t, &c1, "GD0101", "收费不规范", &id, why, sizeof why), 0);
    CHECK_INT(id, 1);
    jp_buf_init(&b, 1 << 20);
    CHECK_INT(training_complaint_list_json(t, &c2, &b, why, sizeof why), 0);
    CHECK(b.data != NULL && strcmp((char *)b.data, "[]") == 0);
    jp_buf_reset(&b);
    CHECK_INT(training_complaint_list_json(t, &c1, &b, why, sizeof why), 0);
    CHECK(b.data != NULL && strstr((char *)b.data, "收费不规范") != NULL);
    jp_buf_free(&b);

    REFUSED(TRAINING_EREMIT, training_inst_remove(t, &c2, "GD0201", "违规", why, sizeof why));
    CHECK_INT(training_inst_remove(t, &prov, "GD0201", "违规", why, sizeof why), 0);
    REFUSED(TRAINING_EREFUSED, training_class_create(t, &g2, "S3", "01", why, sizeof why));
    CHECK(strstr(why, "removed") != NULL);
}

static void test_standing(void)
{
    struct ident_date leap = {2024, 2, 29}, iss = {2025, 6, 20};
    int h[3] = {0, 0, 0};
    char r[128] = "";

    CHECK_INT(training_ce_standing(&leap, &(struct ident_date){2025, 2, 28}, h, 3, r, sizeof r), 0);
    CHECK_INT(training_ce_standing(&leap, &(struct ident_date){2025, 3, 1}, h, 3, r, sizeof r), 1);
    CHECK_STR(r, "continuing education: 0 of 32 hours in year 1");
    h[0] = 319;
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2026, 6, 19}, h, 3, r, sizeof r), 0);
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2026, 6, 20}, h, 3, r, sizeof r), 1);
    CHECK_STR(r, "continuing education: 31.9 of 32 hours in year 1");
    h[0] = 320;
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2026, 6, 20}, h, 3, r, sizeof r), 0);
    h[0] = 400;
    h[1] = 200;
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2027, 6, 19}, h, 3, r, sizeof r), 0);
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2027, 6, 20}, h, 3, r, sizeof r), 1);
    CHECK_STR(r, "continuing education: 20 of 32 hours in year 2");
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2025, 1, 1}, h, 3, r, sizeof r), 0);
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2025, 2, 30}, h, 3, r, sizeof r), -1);
    /* Years past the hours given count as zero. */
    CHECK_INT(training_ce_standing(&iss, &(struct ident_date){2028, 6, 20}, h, 2, r, sizeof r), 1);
}

static int cert_put_txn(store_txn *txn, void *arg)
{
    return store_cert_put(txn, arg);
}

/* Puts a certificate into the issuer's store of the home. */
static void put_cert(store *st, const char *no, const char *id, const char *date,
                     enum store_cert_status status)
{
    struct store_cert c;

    memset(&c, 0, sizeof c);
    strcpy(c.certificate_no, no);
    strcpy(c.elicence_id, "1.2.156.3005.2.X");
    c.file_version = 1;
    c.status = status;
    strcpy(c.position_code, "01");
    strcpy(c.issue_date, date);
    strcpy(c.holder_name, "张三丰");
    strcpy(c.gender, "男");
    strcpy(c.id_type, "111");
    strcpy(c.id_number, id);
    strcpy(c.institution_code, "GD0101");
    strcpy(c.institution_name, "校");
    strcpy(c.city, "01");
    strcpy(c.exam_id, "T1");
    strcpy(c.exam_date, "2025-06-10");
    c.score_tenths = 865;
    strcpy(c.authority_name, "厅");
    CHECK_INT(store_write(st, cert_put_txn, &c), 0);
}

static void make_certs(void)
{
    char path[512], err[256];
    store *st = NULL;

    CHECK(snprintf(path, sizeof path, "%s/store", home) < (int)sizeof path);
    CHECK_INT(store_open(path, STORE_CREATE, &st, err, sizeof err), 0);
    put_cert(st, "440120250100000011", id_a, "2025-06-20", STORE_STATUS_VALID);
    put_cert(st, "440120250100000028", id_c, "2025-06-20", STORE_STATUS_VALID);
    put_cert(st, "440120250100000036", id_b, "2025-06-20", STORE_STATUS_REVOKED);
    store_close(st);
}

static void test_ce(training *t)
{
    struct training_actor prov = actor("province"), c1 = actor("city:01"),
                          g1 = actor("inst:GD0101");
    struct training_ce e[2];
    struct jp_buf b;
    size_t n = 0;

    memset(e, 0, sizeof e);
    strcpy(e[0].id_number, id_a);
    e[0].year = 1;
    e[0].tenths = 200;
    strcpy(e[1].id_number, id_c);
    e[1].year = 1;
    e[1].tenths = 320;
    REFUSED(TRAINING_EREMIT, training_ce_record(t, &c1, e, 2, why, sizeof why));
    e[1].year = 0;
    REFUSED(TRAINING_EINVAL, training_ce_record(t, &prov, e, 2, why, sizeof why));
    CHECK(strstr(why, "entry 2: year") != NULL);
    e[1].year = 1;
    CHECK_INT(training_ce_record(t, &g1, e, 2, why, sizeof why), 0);

    make_certs();
    jp_buf_init(&b, 1 << 20);
    REFUSED(TRAINING_EREMIT,
            training_ce_lapses(t, &c1, &(struct ident_date){2026, 6, 20}, &b, &n, why, sizeof why));
    CHECK_INT(
        training_ce_lapses(t, &prov, &(struct ident_date){2026, 6, 19}, &b, &n, why, sizeof why),
        0);
    CHECK_INT(n, 0);
    CHECK_INT(b.len, 0);
    CHECK_INT(
        training_ce_lapses(t, &prov, &(struct ident_date){2026, 6, 20}, &b, &n, why, sizeof why),
        0);
    CHECK_INT(n, 1);
    CHECK(b.data != NULL &&
          strcmp((char *)b.data, "{\"certificate_no\":\"440120250100000011\",\"action\":\"lapse\","
                                 "\"reason\":\"continuing education: 20 of 32 hours in year "
                                 "1\"}\n") == 0);
    /* Hours add up: 12 more make 32 and the certificate stands. */
    e[0].tenths = 120;
    CHECK_INT(training_ce_record(t, &prov, e, 1, why, sizeof why), 0);
    jp_buf_reset(&b);
    CHECK_INT(
        training_ce_lapses(t, &prov, &(struct ident_date){2026, 6, 20}, &b, &n, why, sizeof why),
        0);
    CHECK_INT(n, 0);
    jp_buf_free(&b);
}

int main(void)
{
    struct ident_date today = {2025, 6, 1};
    char err[256] = "";
    char cmd[512];
    training *t = NULL;

    strcpy(home, "/tmp/jp-training-XXXXXX");
    if (mkdtemp(home) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    make_config();
    CHECK_INT(training_open(home, &t, err, sizeof err), 0);
    if (t != NULL) {
        training_set_today(t, &today);
        test_directory(t);
        test_candidates(t);
        test_exam(t);
        test_inspection(t);
        test_complaints_removal(t);
        test_ce(t);
        training_close(t);
    }
    test_standing();
    training_close(NULL);
    CHECK(snprintf(cmd, sizeof cmd, "rm -rf '%s'", home) < (int)sizeof cmd);
    CHECK_INT(system(cmd), 0);
    return CHECK_DONE();
}
