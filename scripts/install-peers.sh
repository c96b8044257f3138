#!/usr/bin/env bash
# Installs the npm tools the tests use as independent peers (tests/peers/:
# pdfjs-dist, the pdf.js reader of tests/test_text.c; sm-crypto, the SM2
# verifier of tests/test_sm2.c and tests/test_ofd.c; ofd.js, the OFD renderer
# of tests/test_ofd.c) exactly as locked in
# tests/peers/package-lock.json, with npm ci. Idempotent: skips the install
# when node_modules was installed from the current lock file. Needs node and
# npm (scripts/install-deps.sh). Set JIANPEI_SKIP_PEERS=1 to skip.
set -euo pipefail
cd "$(dirname "$0")/../tests/peers"

[ "${JIANPEI_SKIP_PEERS:-0}" = 1 ] && exit 0

# npm ci writes node_modules/.package-lock.json: newer than the lock file means done.
if [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  # A Node.js that came without npm (Debian's own nodejs package): Debian's npm.
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-peers.sh: npm not found and could not be installed" >&2
  exit 1
fi
npm ci --no-audit --no-fund
