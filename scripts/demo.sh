#!/usr/bin/env bash
# The README's demo command: install, build, create a fresh home with new keys
# under ./demo-home, issue a batch of sample certificates, start the verifier on
# 127.0.0.1 and print where to look (one certificate's PDF and sealed OFD, the
# verification URL).
#   DEMO_HOME=DIR    home to create (default ./demo-home; an old one is replaced)
#   DEMO_PORT=N      verifier port (default 8080; when another program holds it,
#                    the demo says so and uses a free port instead)
#   DEMO_COUNT=N     sample certificates (default 50)
#   DEMO_BIN=DIR     use the programs in DIR: no package install, no build (tests)
# Exit status 3 when the demo's own verifier does not answer on its port.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/demo-verifier.sh

home=${DEMO_HOME:-$root/demo-home}
port=${DEMO_PORT:-8080}
count=${DEMO_COUNT:-50}

if [ -n "${DEMO_BIN:-}" ]; then
  bin=$(cd "$DEMO_BIN" && pwd)
else
  bash scripts/install-deps.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
  bin=$root/build/bin
fi

# A previous demo's verifier and home go: the demo always starts fresh.
if [ -f "$home/verifier.pid" ]; then
  kill "$(cat "$home/verifier.pid")" 2>/dev/null || true
fi
if [ -f "$home/tsa.pid" ]; then
  kill "$(cat "$home/tsa.pid")" 2>/dev/null || true
fi
rm -rf "$home"

# The port goes into every QR code at init, so it is chosen before init.
port=$(demo_pick_port "$port") || exit 3
tsa_port=$(demo_free_port) || exit 3

echo "== creating home $home (provincial root + signing key, store, trust list)"
"$bin/jianpei-issuer" init --home "$home" \
  --province 44 --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J \
  --public-url "http://127.0.0.1:$port" --tsa-url "http://127.0.0.1:$tsa_port/"

# The province's own time-stamp authority (SPEC §13): every signature gets its token.
echo "== starting the home's time-stamp authority on 127.0.0.1:$tsa_port"
"$bin/jianpei-issuer" --home "$home" tsa --listen "127.0.0.1:$tsa_port" \
  >"$home/tsa.out" 2>"$home/tsa.log" &
echo $! >"$home/tsa.pid"
for _ in $(seq 100); do grep -q listening "$home/tsa.out" && break; sleep 0.05; done
grep -q listening "$home/tsa.out" || { echo "demo: the TSA did not start: $(cat "$home/tsa.log")" >&2; exit 3; }

# The sample data takes the training path (jianpei-training): the province sets
# the city's quota, the city confirms an institution and the province files it;
# the institution registers candidates in a class, submits a test plan the city
# approves, uploads scores the city approves, and exports the passed ones.
echo "== training: institution, $count candidates, test plan, scores (synthetic data)"
mkdir -p "$home/intake"
today=$(date +%F)
exam_date=$(date -d "$today - 10 days" +%F)
exam=T$(date -d "$exam_date" +%Y%m%d)-GZ-001
tr() { "$bin/jianpei-training" --home "$home" "$@"; }
tr quota set --as province --city 01 --max 10 >/dev/null
tr institution confirm --as city:01 --code GD0101 --name 广州市建设职业培训学校 \
  --positions 01,05,10 >/dev/null
tr institution file --as province --code GD0101 >/dev/null
tr class create --as inst:GD0101 --class GZ-DEMO-01 --position 01 >/dev/null
python3 bench/gen_intake.py "$count" --seed 2026 --exam-date "$exam_date" > "$home/intake/candidates.jsonl"
python3 - "$home/intake/candidates.jsonl" > "$home/intake/register.tsv" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    print("\t".join([r["name"], r["gender"], r["id_number"], str(r["score"])]))
PY
: > "$home/intake/scores.jsonl"
while IFS=$'\t' read -r name gender id score; do
  tr candidate register --as inst:GD0101 --class GZ-DEMO-01 --position 01 \
    --name "$name" --gender "$gender" --id-number "$id" >/dev/null
  echo "{\"id_number\":\"$id\",\"score\":$score}" >> "$home/intake/scores.jsonl"
done < "$home/intake/register.tsv"
tr plan submit --as inst:GD0101 --class GZ-DEMO-01 --exam "$exam" --position 01 \
  --date "$exam_date" >/dev/null
tr plan approve --as city:01 --exam "$exam" >/dev/null
tr scores upload --as inst:GD0101 --exam "$exam" --input "$home/intake/scores.jsonl" >/dev/null
tr scores approve --as city:01 --exam "$exam" >/dev/null
tr export-passed --as inst:GD0101 --exam "$exam" --out "$home/intake/exported.jsonl" >/dev/null
# The training module keeps no photos; the demo gives every holder the sample photo.
cp tests/fixtures/render/photo.jpg "$home/intake/photo.jpg"
python3 - "$home/intake/exported.jsonl" > "$home/intake/passed.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    r["photo"] = "photo.jpg"
    print(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
PY

echo "== issuing $(wc -l < "$home/intake/passed.jsonl") passed candidates"
"$bin/jianpei-issuer" issue --home "$home" --input "$home/intake/passed.jsonl" \
  --report "$home/intake/report.json"
# Issuing is done: the time-stamp authority is needed again only for the next issue.
kill "$(cat "$home/tsa.pid")" 2>/dev/null || true

first=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['issued'][0]['certificate_no'])" \
  "$home/intake/report.json")
claim=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['issued'][0]['claim_code'])" \
  "$home/intake/report.json")
last6=$(python3 - "$home/intake/report.json" "$home/intake/passed.jsonl" <<'PY'
import json, sys
line = json.load(open(sys.argv[1]))["issued"][0]["line"]
rows = [l for l in open(sys.argv[2], encoding="utf-8")]
print(json.loads(rows[line - 1])["id_number"][-6:])
PY
)
mkdir -p "$home/out"
"$bin/jianpei-issuer" pdf --home "$home" "$first" --out "$home/out/$first.pdf" >/dev/null
# The same certificate as OFD with its SM2 electronic seal (SPEC §11).
"$bin/jianpei-issuer" ofd --home "$home" "$first" --out "$home/out/$first.ofd" >/dev/null

url=""
if [ -x "$bin/jianpei-verifier" ]; then
  echo "== starting the verifier on 127.0.0.1:$port"
  demo_start_verifier "$bin" "$home" "$port" || exit 3
  url=$(pdftoppm -r 150 -png -f 1 -l 1 "$home/out/$first.pdf" "$home/out/qr" >/dev/null 2>&1 &&
        zbarimg -q --raw -Sdisable -Sqrcode.enable "$home/out/qr-1.png" 2>/dev/null || true)
fi

cat <<MSG

Done. Where to look:
  certificate PDF     $home/out/$first.pdf
  check it            pdfsig $home/out/$first.pdf
  certificate OFD     $home/out/$first.ofd
  check its seal      $bin/jianpei-verifier verify-file $home/out/$first.ofd --trust $home/trust-list.pem
  issue report        $home/intake/report.json
  all certificates    $bin/jianpei-issuer --home $home stats
MSG
if [ -n "$url" ]; then
  cat <<MSG
  QR code URL         $url
  open it             curl -s '$url' | head   (or in a browser on this machine)
  as JSON             curl -s http://127.0.0.1:$port/api/v1/certificates/$first
  holder's portal     http://127.0.0.1:$port/me
    sign in with      certificate number $first
                      claim code (领取码) $claim
                      last 6 of the ID   $last6
  verifier log        $home/verifier.log
  stop the verifier   kill \$(cat $home/verifier.pid)
MSG
fi
