#!/usr/bin/env bash
# The .deb built from this tree (packaging/CMakeLists.txt, CPack DEB): it holds the
# three programs, share/jianpei (catalogue, template, every province's city table),
# the systemd units and the sysusers file; its Depends name the shared libraries and
# the fonts, and apt accepts it on this Debian 12 (simulated: the test machine is
# shared). Extracted into a scratch root, its jianpei-issuer answers --help, its
# `init --help` names the extracted share/jianpei (not the source tree), and `init
# --province 45` with that default makes a home whose city table is Guangxi's.
# Usage: test_package.sh BUILD_DIR
set -uo pipefail
build=$1
for t in cpack dpkg-deb dpkg-shlibdeps fakeroot; do
  command -v $t >/dev/null || { echo "FAIL: $t missing (scripts/install-deps.sh)"; exit 1; }
done
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
logs=${JP_TEST_LOGS:-$tmp/logs}; mkdir -p "$logs"
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }

cpack -G DEB -B "$tmp/pkg" --config "$build/CPackConfig.cmake" > "$logs/cpack.log" 2>&1 ||
  { echo "FAIL: cpack"; cat "$logs/cpack.log"; exit 1; }
deb=$(ls "$tmp"/pkg/jianpei_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' > "$logs/contents.txt"
dpkg-deb -I "$deb" > "$logs/info.txt"
for f in ./usr/bin/jianpei-issuer ./usr/bin/jianpei-verifier ./usr/bin/jianpei-training \
         ./usr/share/jianpei/certificate.tmpl ./usr/share/jianpei/positions.tsv \
         ./usr/share/jianpei/cities-44.tsv ./usr/share/jianpei/cities-45.tsv \
         ./usr/share/jianpei/cities-65.tsv ./usr/lib/systemd/system/jianpei-verifier.service \
         ./usr/lib/sysusers.d/jianpei.conf ./usr/share/doc/jianpei/grafana-verifier.json; do
  check "$f not in the package" "grep -qxF '$f' '$logs/contents.txt'"
done
n=$(grep -c '^./usr/share/jianpei/cities-..\.tsv$' "$logs/contents.txt")
check "31 city tables expected, package has $n" "[ $n -eq 31 ]"
for d in libssl3 liblmdb0 libmicrohttpd12 libhpdf-2.3.0 libqrencode4 fonts-arphic-uming fonts-hanazono fonts-babelstone-han; do
  check "Depends lacks $d" "grep -q '^ Depends:.*$d' '$logs/info.txt'"
done
if command -v apt-get >/dev/null; then
  apt-get install -s "$deb" > "$logs/apt-simulate.txt" 2>&1
  check "apt-get would not install it: $(tail -3 "$logs/apt-simulate.txt")" \
        "grep -q '^Inst jianpei ' '$logs/apt-simulate.txt'"
fi

root="$tmp/root"
dpkg-deb -x "$deb" "$root"
check "installed jianpei-issuer --help" "'$root/usr/bin/jianpei-issuer' --help > '$logs/help.txt' 2>&1"
"$root/usr/bin/jianpei-issuer" init --help > "$logs/init-help.txt" 2>&1
check "init --help does not show the installed default" \
      "grep -qF '(default $root/usr/share/jianpei)' '$logs/init-help.txt'"
check "init --help shows the source tree" "! grep -q '/data)' '$logs/init-help.txt'"
"$root/usr/bin/jianpei-issuer" --home "$tmp/home45" init --province 45 \
  --authority 广西壮族自治区住房和城乡建设厅 --authority-uscc 11440000MB2C12345J \
  --public-url https://jp.example > "$logs/init45.txt" 2>&1
check "init --province 45 failed: $(tail -2 "$logs/init45.txt")" "[ -f '$tmp/home45/config.json' ]"
check "home 45 has no 南宁市 (01)" "grep -q '南宁市' '$tmp/home45/config.json'"
[ $fail -eq 0 ] && echo "package ok: $(basename "$deb"), $(wc -l < "$logs/contents.txt") entries"
exit $fail
