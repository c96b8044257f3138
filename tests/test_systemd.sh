#!/usr/bin/env bash
# systemd units of packaging/systemd/: `systemd-analyze verify` accepts each one without
# a single complaint (it exits 0 even on unknown keys, so its output must be empty), the
# sandbox the operator was promised is in each, and `systemd-analyze security` rates the
# verifier at most 4.5 ("OK"). ExecStart is pointed at this build's programs, since
# verify checks that the command exists. Usage: test_systemd.sh SRC_DIR BIN_DIR
set -uo pipefail
src=$1 bin=$2
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail=0
for f in "$src"/packaging/systemd/*.service; do
  b=$(basename "$f")
  [ "$b" = "jianpei-replica@.service" ] && b="jianpei-replica@a.service"
  sed "s|/usr/bin/|$bin/|g" "$f" > "$tmp/$b"
  out=$(systemd-analyze verify "$tmp/$b" 2>&1); rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    echo "FAIL: systemd-analyze verify $b (rc $rc): $out"; fail=1
  fi
  for d in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes RestrictAddressFamilies= \
           MemoryMax= Restart=on-failure User=jianpei; do
    grep -q "^$d" "$f" || { echo "FAIL: $b has no $d"; fail=1; }
  done
done
v="$src/packaging/systemd/jianpei-verifier.service"
grep -q "^ReadWritePaths=/var/lib/jianpei-replica-%i$" "$src/packaging/systemd/jianpei-replica@.service" ||
  { echo "FAIL: replica writes outside its home"; fail=1; }
grep -q '^ReadOnlyPaths=/var/lib/jianpei$' "$v" || { echo "FAIL: verifier home not read-only"; fail=1; }
grep -q '^ReadWritePaths=/var/lib/jianpei/portal /var/lib/jianpei/store/lock.mdb$' "$v" ||
  { echo "FAIL: verifier writes more than portal/ and the lock file"; fail=1; }
grep -q '^InaccessiblePaths=-/var/lib/jianpei/keys$' "$v" || { echo "FAIL: keys/ visible"; fail=1; }
score=$(systemd-analyze security --offline=yes "$tmp/jianpei-verifier.service" 2>&1 |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "verifier exposure: ${score:-none}"
awk -v s="${score:-99}" 'BEGIN { exit !(s <= 4.5) }' || { echo "FAIL: exposure $score > 4.5"; fail=1; }
[ $fail -eq 0 ] && echo "all units verified"
exit $fail
