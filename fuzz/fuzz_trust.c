/*
 * fuzz_trust.c - libFuzzer target for keys_trust_load(): the trust list that
 * other provinces and offline verifiers read (PEM CMS SignedData with a JSON
 * document, docs/qr-format.md §4). The input is written to a file in the
 * target's temporary directory and loaded twice: unpinned (trust on first
 * use) and pinned to the fixture root. Beyond memory safety it checks that a
 * list that loads pinned also loads unpinned, and that the pin is honoured.
 */
#include "fuzz_common.h"
#include "keys.h"

#include <string.h>

static const unsigned char pin[32] = {
    0x85, 0x37, 0x6d, 0x36, 0x43, 0xec, 0x33, 0xab, 0x2f, 0xdb, 0xe0, 0x7c, 0x5e, 0x1f, 0x61, 0x69,
    0x51, 0x48, 0x68, 0x46, 0xc0, 0x61, 0x34, 0x56, 0x8d, 0xcf, 0x53, 0x75, 0x24, 0xf6, 0x0a, 0x2d,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys_trust_t *loose = NULL, *pinned = NULL;
    unsigned char fp[32];
    const char *path;
    char err[512];
    int rc_loose, rc_pinned;

    if (size > KEYS_TRUST_FILE_MAX + 1)
        return 0;
    path = fz_write("trust.pem", data, size);
    rc_loose = keys_trust_load(path, NULL, &loose, err, sizeof(err));
    FZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
    FZ_ASSERT((rc_loose == 0) == (loose != NULL));
    rc_pinned = keys_trust_load(path, pin, &pinned, err, sizeof(err));
    FZ_ASSERT((rc_pinned == 0) == (pinned != NULL));
    if (rc_pinned == 0) {
        FZ_ASSERT(rc_loose == 0);
        keys_trust_root_sha256(pinned, fp);
        FZ_ASSERT(memcmp(fp, pin, sizeof(fp)) == 0);
    }
    if (rc_loose == 0 && rc_pinned != 0) {
        keys_trust_root_sha256(loose, fp);
        FZ_ASSERT(memcmp(fp, pin, sizeof(fp)) != 0);
    }
    keys_trust_free(loose);
    keys_trust_free(pinned);
    return 0;
}
