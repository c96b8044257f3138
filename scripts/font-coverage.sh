#!/usr/bin/env bash
# Which code points of GB 18030-2022 levels 1-3 each certificate face lacks, and
# how many no face draws (the table in docs/fonts.md). Compiles
# bench/font_coverage.c over HarfBuzz into a temporary directory and runs it on
# the faces of the template (default data/certificate.tmpl), in its order.
#   scripts/font-coverage.sh [--missing N] [TEMPLATE | FONT[:INDEX]...]
set -euo pipefail

usage() { echo "usage: scripts/font-coverage.sh [--missing N] [TEMPLATE | FONT[:INDEX]...]"; }
root=$(cd "$(dirname "$0")/.." && pwd)
opts=()
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --missing) [ $# -ge 2 ] || { usage >&2; exit 2; }; opts=(--missing "$2"); shift 2 ;;
esac
faces=()
if [ $# -eq 0 ] || { [ $# -eq 1 ] && [[ "$1" == *.tmpl ]]; }; then
  tmpl=${1:-$root/data/certificate.tmpl}
  [ -r "$tmpl" ] || { echo "font-coverage: cannot read $tmpl" >&2; exit 2; }
  while read -r word path index _; do
    [ "$word" = font ] && faces+=("$path:${index:-0}")
  done < "$tmpl"
else
  faces=("$@")
fi
[ ${#faces[@]} -gt 0 ] || { echo "font-coverage: no font" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -O2 -std=c11 -Wall -Wextra -Werror -o "$tmp/font_coverage" "$root/bench/font_coverage.c" \
  $(pkg-config --cflags --libs harfbuzz)
"$tmp/font_coverage" "${opts[@]}" "${faces[@]}"
