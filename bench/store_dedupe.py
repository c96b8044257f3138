# store_dedupe.py DIR PHOTO N BITS (bench/store_dedupe.sh): content-defined chunking
# (a gear hash, chunks of about 2^BITS bytes) over DIR/0.pdf, DIR/0.ofd .. of N certificates,
# each one's photo (the bytes of PHOTO) replaced by bytes of its own, the same in its PDF and
# its OFD; prints the bytes a store keeping each distinct chunk once would need.
import hashlib, os, random, sys
d, n, bits = sys.argv[1], int(sys.argv[3]), int(sys.argv[4])
random.seed(1)
gear = [random.getrandbits(64) for _ in range(256)]
M64 = (1 << 64) - 1
mask = (1 << bits) - 1
MIN, MAX = 1 << (bits - 2), 1 << (bits + 3)
def chunks(b):
    out, start, h, i, L = [], 0, 0, 0, len(b)
    while i < L:
        h = ((h << 1) + gear[b[i]]) & M64
        i += 1
        if (i - start >= MIN and (h >> 40) & mask == 0) or i - start >= MAX:
            out.append(b[start:i]); start = i; h = 0
    if start < L: out.append(b[start:])
    return out
photo = open(sys.argv[2], "rb").read()
seen = set(); total = uniq = nch = 0; per = {"pdf": [0, 0], "ofd": [0, 0]}
for i in range(n):
    own = bytes(random.getrandbits(8) for _ in range(len(photo)))
    for k in ("pdf", "ofd"):
        b = open(f"{d}/{i}.{k}", "rb").read()
        assert b.count(photo) == 1, (i, k)
        b = b.replace(photo, own)
        for c in chunks(b):
            nch += 1; h = hashlib.sha256(c).digest(); total += len(c); per[k][0] += len(c)
            if h not in seen:
                seen.add(h); uniq += len(c); per[k][1] += len(c)
recipe = nch * 36
print(f"chunks ~{1<<bits} B: files {total/n/1024:.1f} KB a certificate; distinct chunks "
      f"{uniq/n/1024:.1f} KB + recipes {recipe/n/1024:.2f} KB = {(uniq+recipe)/n/1024:.1f} KB "
      f"(x{(uniq+recipe)/total:.2f}); pdf new {per['pdf'][1]/n/1024:.1f} of {per['pdf'][0]/n/1024:.1f} KB, "
      f"ofd new {per['ofd'][1]/n/1024:.1f} of {per['ofd'][0]/n/1024:.1f} KB")
