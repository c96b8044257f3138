#!/usr/bin/env bash
# Installs every Debian 12 package Jianpei needs to build, test and run its demo.
# Idempotent; run as root (or with sudo available). Set JIANPEI_SKIP_APT=1 to skip.
set -euo pipefail

[ "${JIANPEI_SKIP_APT:-0}" = 1 ] && exit 0

pkgs=(
  # build
  build-essential cmake pkg-config git
  # libraries (SPEC: OpenSSL 3, libqrencode, libharu, libmicrohttpd, LMDB; plus
  # HarfBuzz's subsetter for fonts, Jansson for JSON, ICU for the pages' NFC)
  libssl-dev libqrencode-dev libhpdf-dev libmicrohttpd-dev liblmdb-dev lmdb-utils
  libcurl4-openssl-dev
  libharfbuzz-dev libjansson-dev libpng-dev libjpeg-dev zlib1g-dev libicu-dev
  # libdeflate for the PDF streams templates/ writes (docs/benchmarks.md: issuance speed)
  libdeflate-dev
  # OFD (SPEC §11): libzip for the package, libxml2 for its XML
  libzip-dev libxml2-dev
  # fonts: AR PL UMing (certificate face) and HanaMin (CJK extensions fallback)
  fonts-arphic-uming fonts-hanazono
  # BabelStone Han: last fallback, CJK ext. G and what HanaMin lacks (docs/fonts.md)
  fonts-babelstone-han
  # tools the tests use to check what a user would check
  poppler-utils qpdf zbar-tools curl openssl python3 valgrind
  # the other two readers of the certificates' text (tests/test_text.c): MuPDF, and
  # Node.js 20 with npm for pdf.js (scripts/install-peers.sh)
  mupdf-tools nodejs
  # the real-browser test of the QR page (tests/browser/): headless Chromium through
  # Selenium, no download; Chromium draws Chinese with the UMing/HanaMin fonts above
  chromium chromium-driver python3-selenium
  # keys in a PKCS#11 token (issue 17): p11-kit's pkcs11.h, libp11's OpenSSL engine,
  # SoftHSM2 for the tests, OpenSC's pkcs11-tool to look into the token
  libp11-kit-dev libengine-pkcs11-openssl softhsm2 opensc faketime
  # fuzzing
  clang libclang-rt-14-dev
  # benchmarks
  nginx wrk
  # packaging (tests/test_systemd.sh, tests/test_package.sh): systemd-analyze, CPack DEB
  # with dpkg-shlibdeps
  systemd dpkg-dev fakeroot
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
