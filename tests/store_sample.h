/*
 * store_sample.h - the one sample certificate record of the store's tests and
 * the benchmarks (bench/): a fictitious holder with a name outside the BMP, a
 * suspended status and every text field set, so that a round trip or an
 * answer built from it touches each field. For tests and benchmarks only;
 * header-only so that each of them links nothing more than the store.
 */
#ifndef JP_TEST_STORE_SAMPLE_H
#define JP_TEST_STORE_SAMPLE_H

#include <string.h>

#include "store.h"

/* Overwrites *c with the sample record. */
static void store_sample(struct store_cert *c) __attribute__((unused));
static void store_sample(struct store_cert *c)
{
    static const unsigned char kid[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    memset(c, 0, sizeof *c);
    store_text_set(c->certificate_no, sizeof c->certificate_no, "440120230100000013");
    store_text_set(
        c->elicence_id, sizeof c->elicence_id,
        "1.2.156.3005.2.11100000000013338W011.11440000006940000X.440120230100000013.001.K");
    c->file_version = 1;
    c->status = STORE_STATUS_SUSPENDED;
    c->status_changed_at = -5;
    store_text_set(c->status_reason, sizeof c->status_reason, "复核中");
    store_text_set(c->position_code, sizeof c->position_code, "01");
    store_text_set(c->issue_date, sizeof c->issue_date, "2023-08-18");
    store_text_set(c->holder_name, sizeof c->holder_name, "张𠮷丰");
    store_text_set(c->gender, sizeof c->gender, "男");
    store_text_set(c->id_type, sizeof c->id_type, "111");
    store_text_set(c->id_number, sizeof c->id_number, "440103199001011237");
    store_text_set(c->institution_code, sizeof c->institution_code, "GD0101");
    store_text_set(c->institution_name, sizeof c->institution_name, "广州市建设职业培训学校");
    store_text_set(c->city, sizeof c->city, "01");
    store_text_set(c->exam_id, sizeof c->exam_id, "T2023-0810-GZ-001");
    store_text_set(c->exam_date, sizeof c->exam_date, "2023-08-10");
    c->score_tenths = 865;
    store_text_set(c->authority_name, sizeof c->authority_name, "广东省住房和城乡建设厅");
    memcpy(c->key_id, kid, sizeof kid);
    c->issued_at = 1692316800;
}

#endif
