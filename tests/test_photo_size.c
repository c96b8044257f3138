/*
 * test_photo_size.c - a large photo (close to the 200 KB intake limit, far
 * more pixels than the box needs) still gives a signed certificate of at most
 * 80 KB: the photo is scaled to its box and re-encoded, and it is really in
 * the PDF (pdfimages lists it at the box's 200 dpi size); a PNG too.
 */
#include "capture.h"
#include "check.h"
#include "ident.h"
#include "issuer_cli.h"

#include <jpeglib.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

/* Writes a w x h JPEG of gradients and noise at the given quality; returns its size. */
static long write_jpeg(const char *path, unsigned w, unsigned h, int quality)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *row = malloc((size_t)w * 3);
    FILE *f = fopen(path, "wb");
    struct stat st;

    srand(7);
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            row[3 * x] = (unsigned char)(x * 255 / w ^ (rand() & 15));
            row[3 * x + 1] = (unsigned char)(y * 255 / h ^ (rand() & 15));
            row[3 * x + 2] = (unsigned char)((x + y) & 0xff);
        }
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    free(row);
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void issue_one(const char *photo, const char *tag, int seq, unsigned max_w, unsigned max_h)
{
    char d17[18], id[IDENT_CITIZEN_ID_LEN + 1], out[4096], no[IDENT_CERTNO_SIZE];
    FILE *f;
    struct stat st;
    unsigned iw = 0, ih = 0;
    const char *p;

    snprintf(d17, sizeof d17, "44010319900101%03d", seq);
    snprintf(id, sizeof id, "%s%c", d17, ident_mod11_2(d17));
    snprintf(out, sizeof out, "%s/%s.jsonl", dir, tag);
    f = fopen(out, "w");
    fprintf(f,
            "{\"name\":\"张三丰\",\"gender\":\"%s\",\"id_type\":\"111\",\"id_number\":\"%s\","
            "\"position\":\"01\",\"institution_code\":\"GD0101\",\"institution_name\":\"广州市建"
            "设职业培训学校\",\"city\":\"01\",\"exam_id\":\"T1\",\"exam_date\":\"2026-10-15\","
            "\"score\":80,\"photo\":\"%s\"}\n",
            seq % 2 ? "男" : "女", id, photo);
    fclose(f);
    CHECK_INT(cap_holders(out), 0);
    CHECK_INT(sh(ISSUER " --home %s/home issue --input %s/%s.jsonl "
                        "--report %s/%s.json",
                 dir, dir, tag, dir, tag),
              0);
    snprintf(out, sizeof out, "%s/%s.json", dir, tag);
    CHECK_INT(cap_file(out, "report.json"), 0);
    CHECK_INT(sh_out(out, sizeof out,
                     "python3 -c \"import json;print(json.load(open('%s/%s.json'))"
                     "['issued'][0]['certificate_no'],end='')\"",
                     dir, tag),
              0);
    memcpy(no, out, sizeof no - 1);
    no[sizeof no - 1] = '\0';
    CHECK_INT(sh(ISSUER " --home %s/home pdf %s --out %s/%s.pdf >/dev/null", dir, no, dir, tag), 0);
    snprintf(out, sizeof out, "%s/%s.pdf", dir, tag);
    CHECK(stat(out, &st) == 0 && st.st_size <= 80 * 1024);
    fprintf(stderr, "%s: signed certificate %ld bytes\n", tag, (long)st.st_size);
    CHECK_INT(sh("pdfsig %s/%s.pdf 2>/dev/null | grep -q 'Signature is Valid.'", dir, tag), 0);
    CHECK_INT(
        sh_out(out, sizeof out, "pdfimages -list %s/%s.pdf | awk 'NR==3 {print $4, $5}'", dir, tag),
        0);
    p = out;
    CHECK(sscanf(p, "%u %u", &iw, &ih) == 2);
    CHECK(iw > 0 && iw <= max_w && ih > 0 && ih <= max_h);
    fprintf(stderr, "%s: embedded photo %u x %u\n", tag, iw, ih);
}

int main(void)
{
    char path[128];
    long size;

    snprintf(dir, sizeof dir, "/tmp/jp-photo-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/home", dir);
    CHECK_INT(issuer_init(path), 0);
    snprintf(path, sizeof path, "%s/big.jpg", dir);
    size = write_jpeg(path, 1200, 1600, 72);
    fprintf(stderr, "input photo: %ld bytes\n", size);
    CHECK(size > 120 * 1024 && size <= 200 * 1024);
    issue_one("big.jpg", "jpeg", 123, 276, 354); /* 35 x 45 mm at 200 dpi */
    CHECK_INT(sh("cp %s/tests/fixtures/render/photo.png %s/p.png", JP_SOURCE_DIR, dir), 0);
    issue_one("p.png", "png", 246, 276, 354);
    if (check_failed == 0)
        sh("rm -rf %s", dir);
    return CHECK_DONE();
}
