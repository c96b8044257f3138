#!/usr/bin/env bash
# Issues N synthetic candidates with the 7.7 KB photo (bench/bench_issue.sh) and checks
# every certificate as a user would: pdfsig valid, qpdf --check, every font embedded as a
# subset with a ToUnicode map, pdftotext returns the holder's name, and zbarimg reads the
# certificate's URL from the page rendered at 150 dpi.
#   bench/check_issued.sh [N]     default N=60; prints one line per bad certificate, then
#                                 "ok=N bad=N"; exit 1 when any is bad
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
cd "$(dirname "$0")/.."
n=${1:-60}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/check_issued.sh [N]" >&2; exit 2; }
work=$(mktemp -d /tmp/jp-check-XXXXXX)
trap 'rm -rf "$work"' EXIT
KEEP=$work bench/bench_issue.sh "$n" >/dev/null
python3 - "$work" > "$work/list" <<'PY'
import json, sys
w = sys.argv[1]
names = {i: json.loads(l)['name'] for i, l in enumerate(open(w + '/in.jsonl'), 1)}
for it in json.load(open(w + '/report.json'))['issued']:
    print(it['certificate_no'], names[it['line']])
PY
ok=0 bad=0
while read -r no name; do
  f=$work/$no.pdf e=""
  build/bin/jianpei-issuer --home "$work/home" pdf "$no" --out "$f" >/dev/null
  pdfsig "$f" 2>/dev/null | grep -q 'Signature is Valid' || e="$e signature"
  qpdf --check "$f" >/dev/null 2>&1 || e="$e qpdf"
  pdffonts "$f" | tail -n +3 | grep -vq 'yes yes yes' && e="$e fonts"
  pdftotext "$f" - | grep -qF "$name" || e="$e text"
  pdftoppm -r 150 -png -singlefile "$f" "$work/page" >/dev/null 2>&1
  zbarimg -q --raw "$work/page.png" 2>/dev/null | grep -q "/V/$no/" || e="$e qr"
  if [ -z "$e" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "$no:$e"; fi
done < "$work/list"
echo "ok=$ok bad=$bad"
[ "$bad" -eq 0 ]
