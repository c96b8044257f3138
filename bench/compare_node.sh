#!/usr/bin/env bash
# compare_node.sh - issues the same N certificates with jianpei-issuer and with
# a typical Node.js stack (bench/node/issue.js: pdf-lib + @pdf-lib/fontkit +
# qrcode + @signpdf), one after the other on the same input, and prints
# certificates/s, the ratio, CPU seconds per certificate, peak RSS, average
# PDF size, whether a sample of 3 PDFs from each verifies with pdfsig, whether
# the QR code decodes, and whether 𠮷 (U+20BB7, put into line 1's name)
# survives pdftotext.
#
# usage: bench/compare_node.sh [N] [--keep]
#   N       records to issue (default 1000)
#   --keep  keep the work directory (intake, homes, PDFs, logs) and print it
# environment: ISSUER  path of jianpei-issuer (default build/bin/jianpei-issuer)
#              THREADS also time the C issuer with this many threads besides 1
#                      (default: nproc)
# Needs node, npm (first run only: `npm ci` from the npm registry), openssl,
# python3, /usr/bin/time, poppler-utils, zbar-tools. No other network access.
# Exit status: 0 figures printed, 2 usage error, 3 a run or a tool failed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
NODEDIR=$REPO/bench/node
ISSUER=${ISSUER:-$REPO/build/bin/jianpei-issuer}
N=1000
KEEP=0
for a in "$@"; do
    case $a in
    --keep) KEEP=1 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]* | '') echo "compare_node.sh: N must be a positive integer, not '$a'" >&2; exit 2 ;;
    *) N=$a ;;
    esac
done
[ "$N" -ge 1 ] || { echo "compare_node.sh: N must be at least 1" >&2; exit 2; }
THREADS=${THREADS:-$(nproc)}

die() { echo "compare_node.sh: $*" >&2; exit 3; }
for t in node npm openssl python3 pdfsig pdftotext pdftoppm zbarimg; do
    command -v "$t" >/dev/null || die "$t not found (scripts/install-deps.sh)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
[ -x "$ISSUER" ] || die "$ISSUER not found: build jianpei-issuer or set ISSUER"

W=$(mktemp -d "${TMPDIR:-/tmp}/compare-node.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "work directory kept: $W"; else rm -rf "$W"; fi; }
trap cleanup EXIT

# --- dependencies of the Node side (pinned by package-lock.json)
if [ ! -d "$NODEDIR/node_modules/@signpdf/signpdf" ] ||
    [ "$NODEDIR/package-lock.json" -nt "$NODEDIR/node_modules/.package-lock.json" ]; then
    (cd "$NODEDIR" && npm ci --no-audit --no-fund >"$W/npm.log" 2>&1) ||
        die "npm ci in $NODEDIR failed: $(tail -5 "$W/npm.log")"
fi

# --- the same intake for both, line 1's name holding 𠮷
cp "$REPO/tests/fixtures/render/photo.jpg" "$W/photo.jpg"
python3 "$REPO/bench/gen_intake.py" "$N" --photo photo.jpg --seed 7 >"$W/gen.jsonl"
python3 - "$W/gen.jsonl" "$W/in.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
rec = json.loads(lines[0])
rec["name"] = rec["name"][0] + "\U00020BB7"
lines[0] = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines) + "\n")
EOF
DATE=$(TZ=Asia/Shanghai date +%F)
AUTH=广东省住房和城乡建设厅
USCC=11440000006950290Y
URL=https://zs.example.gov.cn

# --- an RSA-2048 signer for @signpdf (node-forge's P12 signer takes RSA only).
# The names are ASCII: node-forge re-encodes a UTF-8 subject (广东省…) wrongly
# when it embeds the certificate, and pdfsig then reports "Unknown Validation
# Failure" for every PDF.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout "$W/node-key.pem" \
    -out "$W/node-cert.pem" -subj "/C=CN/O=Guangdong DOHURD/CN=Jianpei Node bench signer" \
    2>"$W/openssl.log" || die "openssl req failed: $(tail -3 "$W/openssl.log")"
openssl pkcs12 -export -inkey "$W/node-key.pem" -in "$W/node-cert.pem" -out "$W/node.p12" \
    -passout pass:bench 2>>"$W/openssl.log" || die "openssl pkcs12 failed: $(tail -3 "$W/openssl.log")"

# timed NAME CMD...: runs CMD under /usr/bin/time -v; sets WALL (s), CPU (s), RSS (KB)
timed() {
    local name=$1 t0 t1 rc=0
    shift
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || rc=$?
    t1=$(date +%s%N)
    # exit 1 means some lines were rejected: reported below, not a failure
    [ "$rc" -le 1 ] || die "$name failed (exit $rc): $(tail -3 "$W/$name.err")"
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
    CPU=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.3f", s}' "$W/$name.time")
    RSS=$(awk -F': ' '/Maximum resident set size/{print $2}' "$W/$name.time")
}

# issued REPORT: number of issued lines in a JSON report
issued() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["issued"]))' "$1"; }
# cert_of REPORT LINE: certificate number issued for LINE
cert_of() {
    python3 -c 'import json,sys
for e in json.load(open(sys.argv[1]))["issued"]:
    if e["line"] == int(sys.argv[2]): print(e["certificate_no"])' "$1" "$2"
}

# run_c NAME THREADS: fresh home, then the timed issue run; sets C_* figures
run_c() {
    local name=$1 home=$W/$1-home
    "$ISSUER" --home "$home" init --authority "$AUTH" --authority-uscc "$USCC" \
        --public-url "$URL" >"$W/$name-init.log" 2>&1 || die "$name: init failed"
    timed "$name" "$ISSUER" --home "$home" issue --input "$W/in.jsonl" --report "$W/$name.json" \
        --threads "$2"
    C_N=$(issued "$W/$name.json")
    C_BYTES=$("$ISSUER" --home "$home" stats | awk '/^pdf bytes:/{print $3}')
}

# sample_lines: line 1 (the 𠮷 name), the middle line and the last, each once
sample_lines() { printf '%s\n' 1 $(((N + 1) / 2)) "$N" | sort -nu; }

# sample_c NAME: writes 3 PDFs (line 1, the middle, the last) into $W/NAME-sample
sample_c() {
    local d=$W/$1-sample line no
    mkdir -p "$d"
    for line in $(sample_lines); do
        no=$(cert_of "$W/$1.json" "$line")
        [ -n "$no" ] && "$ISSUER" --home "$W/$1-home" pdf "$no" --out "$d/$line.pdf" >/dev/null
    done
}

# sample_node: the same 3 lines' PDFs from the Node run into $W/node-sample
sample_node() {
    local d=$W/node-sample line no
    mkdir -p "$d"
    for line in $(sample_lines); do
        no=$(cert_of "$W/node.json" "$line")
        [ -n "$no" ] && cp "$W/node-out/$no.pdf" "$d/$line.pdf"
    done
}

# checks DIR: prints "pdfsig X/K, QR X/K, 𠮷 yes|no" for the K PDFs sampled in DIR
checks() {
    local d=$1 ok=0 qr=0 k=0 f kanji=no
    for f in "$d"/*.pdf; do
        [ -e "$f" ] || continue
        k=$((k + 1))
        if pdfsig "$f" 2>/dev/null | grep -q 'Signature is Valid\.' &&
            pdfsig "$f" 2>/dev/null | grep -q 'Total document signed'; then
            ok=$((ok + 1))
        fi
        pdftoppm -r 150 -png -singlefile "$f" "$f.page" 2>/dev/null
        if zbarimg -q --raw "$f.page.png" 2>/dev/null | grep -q '/V/'; then
            qr=$((qr + 1))
        fi
    done
    if [ -e "$d/1.pdf" ] && pdftotext "$d/1.pdf" - 2>/dev/null | grep -qF '𠮷'; then
        kanji=yes
    fi
    echo "pdfsig valid+whole $ok/$k, QR decodes $qr/$k, 𠮷 in pdftotext: $kanji"
}

row() { # NAME ISSUED WALL CPU RSS BYTES
    awk -v n="$1" -v i="$2" -v w="$3" -v c="$4" -v r="$5" -v b="$6" 'BEGIN{
        printf "%-24s %6d %9.1f %9.2f %11.1f %9.0f %9.1f\n", n, i, w, (i ? i / w : 0),
            (i ? 1000 * c / i : 0), r / 1024, (i ? b / i / 1024 : 0) }'
}

echo "compare_node.sh: N=$N, issue date $DATE, $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
echo "node $(node --version), $(cd "$NODEDIR" && node -p 'const p=require("./package.json").dependencies; Object.keys(p).map(k=>k+"@"+p[k]).join(" ")')"

run_c c1 1
C1=("$C_N" "$WALL" "$CPU" "$RSS" "$C_BYTES")
sample_c c1
if [ "$THREADS" -gt 1 ]; then
    run_c ct "$THREADS"
    CT=("$C_N" "$WALL" "$CPU" "$RSS" "$C_BYTES")
fi

timed node node "$NODEDIR/issue.js" --input "$W/in.jsonl" --p12 "$W/node.p12" --p12-pass bench \
    --out "$W/node-out" --report "$W/node.json" --issue-date "$DATE" --authority "$AUTH" \
    --authority-uscc "$USCC" --public-url "$URL"
NODE_N=$(issued "$W/node.json")
NODE_BYTES=$(find "$W/node-out" -name '*.pdf' -printf '%s\n' | awk '{s+=$1} END{print s+0}')
NODE=("$NODE_N" "$WALL" "$CPU" "$RSS" "$NODE_BYTES")
sample_node

echo
printf "%-24s %6s %9s %9s %11s %9s %9s\n" "stack" "issued" "wall s" "certs/s" "CPU ms/cert" "peak MB" "avg KB"
row "jianpei-issuer 1 thread" "${C1[@]}"
[ "$THREADS" -gt 1 ] && row "jianpei-issuer $THREADS threads" "${CT[@]}"
row "node issue.js" "${NODE[@]}"
echo
awk -v c="${C1[0]}" -v cw="${C1[1]}" -v cc="${C1[2]}" -v n="${NODE[0]}" -v nw="${NODE[1]}" \
    -v nc="${NODE[2]}" 'BEGIN{ if (n && c) printf "ratio, 1 thread: %.1fx the certificates/s, %.1fx less CPU per certificate\n",
        (c / cw) / (n / nw), (nc / n) / (cc / c) }'
if [ "$THREADS" -gt 1 ]; then
    awk -v c="${CT[0]}" -v cw="${CT[1]}" -v n="${NODE[0]}" -v nw="${NODE[1]}" -v t="$THREADS" \
        'BEGIN{ if (n && c) printf "ratio, %d threads vs one Node process: %.1fx the certificates/s\n", t, (c / cw) / (n / nw) }'
fi
echo "jianpei-issuer sample: $(checks "$W/c1-sample")"
echo "node issue.js sample:  $(checks "$W/node-sample")"
