/*
 * render_sample.h - the one sample certificate that the template tests, the
 * benchmarks (bench/) and the template fuzz target render: the fields of a
 * fictitious holder (ID number and e-licence identifier in SPEC §3's shapes),
 * and the set-up of loading a template and a photo. For tests, benchmarks and fuzzing only;
 * header-only so that each of them links nothing more.
 */
#ifndef JP_TEST_RENDER_SAMPLE_H
#define JP_TEST_RENDER_SAMPLE_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "tmpl.h"
#include "util.h"

#define SAMPLE_CERT_NO "440120230100000013"   /* the sample's certificate number */
#define SAMPLE_ID_NUMBER "440103199001011237" /* the sample's ID number */
#define SAMPLE_TITLE "住房和城乡建设领域施工现场专业人员职业培训合格证" /* the template's title */

/*
 * The sample's fields with the given holder name, QR text and photo (NULL, 0
 * for none). Every pointer in the result is a string literal or one of the
 * arguments: the caller keeps those alive while the fields are used.
 */
static struct tmpl_fields sample_fields(const char *name, const char *qr_text,
                                        const unsigned char *photo, size_t photo_len)
    __attribute__((unused));
static struct tmpl_fields sample_fields(const char *name, const char *qr_text,
                                        const unsigned char *photo, size_t photo_len)
{
    struct tmpl_fields f = {
        .name = name,
        .gender = "男",
        .id_number = SAMPLE_ID_NUMBER,
        .position = "施工员（土建施工）",
        .certificate_no = SAMPLE_CERT_NO,
        .institution = "广州市建设职业培训学校",
        .authority = "广东省住房和城乡建设厅",
        .issue_date = "2023年08月18日",
        .elicence_id = "1.2.156.3005.2.11100000000013338W011.11440000006955264Q."
                       "440120230100000013.001.K",
        .qr_text = qr_text,
        .photo = photo,
        .photo_len = photo_len,
    };
    return f;
}

/*
 * Loads the template at tmpl_path into *t (free with tmpl_free) and, when
 * photo_path is not NULL, the photo into *photo (free with free(), *len its
 * bytes). Returns 0, or the first failing code with a message naming the file
 * in err; on failure *t and *photo are NULL.
 */
static int sample_load(const char *tmpl_path, const char *photo_path, struct tmpl **t,
                       unsigned char **photo, size_t *len, char *err, size_t errlen)
    __attribute__((unused));
static int sample_load(const char *tmpl_path, const char *photo_path, struct tmpl **t,
                       unsigned char **photo, size_t *len, char *err, size_t errlen)
{
    int rc;

    *photo = NULL;
    *len = 0;
    rc = tmpl_load(tmpl_path, t, err, errlen);
    if (rc == 0 && photo_path != NULL) {
        rc = jp_read_file(photo_path, TMPL_MAX_PHOTO, photo, len);
        if (rc != 0) {
            jp_errf(err, errlen, "cannot read %s", photo_path);
            tmpl_free(*t);
            *t = NULL;
        }
    }
    return rc;
}

#endif
