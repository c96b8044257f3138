#!/usr/bin/env bash
# The README's demo command: install, build, create a fresh home with new keys
# under ./demo-home, issue a batch of sample certificates, start the verifier on
# 127.0.0.1 and print where to look.
#   DEMO_HOME=DIR    home to create (default ./demo-home; an old one is replaced)
#   DEMO_PORT=N      verifier port (default 8080)
#   DEMO_COUNT=N     sample certificates (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

home=${DEMO_HOME:-$root/demo-home}
port=${DEMO_PORT:-8080}
count=${DEMO_COUNT:-50}

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$root/build/bin

# A previous demo's verifier and home go: the demo always starts fresh.
if [ -f "$home/verifier.pid" ]; then
  kill "$(cat "$home/verifier.pid")" 2>/dev/null || true
fi
rm -rf "$home"

echo "== creating home $home (provincial root + signing key, store, trust list)"
"$bin/jianpei-issuer" init --home "$home" \
  --province 44 --authority 广东省住房和城乡建设厅 \
  --authority-uscc 11440000MB2C12345J \
  --public-url "http://127.0.0.1:$port"

echo "== making $count sample passed candidates (synthetic data)"
mkdir -p "$home/intake"
cp tests/fixtures/render/photo.jpg "$home/intake/photo.jpg"
python3 bench/gen_intake.py "$count" --seed 2026 --photo photo.jpg > "$home/intake/passed.jsonl"

echo "== issuing"
"$bin/jianpei-issuer" issue --home "$home" --input "$home/intake/passed.jsonl" \
  --report "$home/intake/report.json"

first=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['issued'][0]['certificate_no'])" \
  "$home/intake/report.json")
mkdir -p "$home/out"
"$bin/jianpei-issuer" pdf --home "$home" "$first" --out "$home/out/$first.pdf" >/dev/null

url=""
if [ -x "$bin/jianpei-verifier" ]; then
  echo "== starting the verifier on 127.0.0.1:$port"
  nohup "$bin/jianpei-verifier" --home "$home" --listen "127.0.0.1:$port" \
    >"$home/verifier.out" 2>"$home/verifier.log" &
  echo $! > "$home/verifier.pid"
  for _ in $(seq 50); do
    grep -q listening "$home/verifier.out" 2>/dev/null && break
    sleep 0.1
  done
  url=$(pdftoppm -r 150 -png -f 1 -l 1 "$home/out/$first.pdf" "$home/out/qr" >/dev/null 2>&1 &&
        zbarimg -q --raw "$home/out/qr-1.png" 2>/dev/null || true)
fi

cat <<MSG

Done. Where to look:
  certificate PDF     $home/out/$first.pdf
  check it            pdfsig $home/out/$first.pdf
  issue report        $home/intake/report.json
  all certificates    $bin/jianpei-issuer --home $home stats
MSG
if [ -n "$url" ]; then
  cat <<MSG
  QR code URL         $url
  open it             curl -s '$url' | head   (or in a browser on this machine)
  as JSON             curl -s http://127.0.0.1:$port/api/v1/certificates/$first
  verifier log        $home/verifier.log
  stop the verifier   kill \$(cat $home/verifier.pid)
MSG
fi
