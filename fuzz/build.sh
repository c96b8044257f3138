#!/usr/bin/env bash
# fuzz/build.sh - builds Jianpei's libFuzzer targets with clang, outside the
# main (gcc) CMake build: the module sources the targets reach are compiled
# once with -fsanitize=fuzzer-no-link,address,undefined into an archive, and
# each fuzz/fuzz_*.c is linked against it with -fsanitize=fuzzer.
#
#   fuzz/build.sh OUTDIR      binaries land in OUTDIR/bin/fuzz_<target>
#
# Environment: CC (default clang), JOBS (default 2). Exit 77 when CC is not
# found (the ctest smoke test then reports SKIP), 1 when the build fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: fuzz/build.sh OUTDIR}
cc=${CC:-clang}
jobs=${JOBS:-2}

if ! command -v "$cc" >/dev/null 2>&1; then
  echo "fuzz/build.sh: $cc not found; skipping" >&2
  exit 77
fi
mkdir -p "$out/obj" "$out/bin"
out=$(cd "$out" && pwd)

pkgs=""
for p in libcrypto lmdb libqrencode libmicrohttpd harfbuzz-subset harfbuzz jansson zlib libdeflate libjpeg libpng libzip libxml-2.0 icu-uc libcurl; do
  pkg-config --exists "$p" && pkgs="$pkgs $p"
done
# shellcheck disable=SC2054,SC2207
cflags=(-std=c17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=all -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
  "-DJP_SOURCE_DIR=\"$root\"" "-DJP_TEMPLATES_DIR=\"$root/data\""
  -I"$root/common" -I"$root/keys" -I"$root/store" -I"$root/pdf" -I"$root/ofd" -I"$root/templates" -I"$root/issuer"
  -I"$root/verifier" -I"$root/pages" -I"$root/dashboard" -I"$root/tests" $(pkg-config --cflags $pkgs))
# shellcheck disable=SC2207
libs=($(pkg-config --libs $pkgs) -lhpdf -lm -lpthread)

# The library sources of the modules the fuzz targets call: every .c of those
# modules but the programs' own (main.c, cmd_*.c) and errname.c (it names the
# training module's codes too, which no fuzz target links), so files that join a
# module later are picked up without editing this script.
srcs=()
for d in common keys store pdf ofd templates issuer pages verifier dashboard; do
  for f in "$root/$d"/*.c; do
    case "$(basename "$f")" in main.c | cmd_*.c | errname.c) continue ;; esac
    srcs+=("$d/$(basename "$f")")
  done
done

# Rebuilds the archive when any module source or header is newer than it.
lib="$out/obj/libjp_fuzz.a"
stale=1
stamp="$out/obj/inputs.txt"
printf '%s\n' "$cc" "$pkgs" "${srcs[@]}" > "$stamp.new.$$"
if [ -e "$lib" ] && cmp -s "$stamp" "$stamp.new.$$" && [ -z "$(find "$root"/{common,keys,store,pdf,ofd,templates,issuer,pages,verifier,dashboard} \
      -name '*.[ch]' -newer "$lib" | head -1)" ]; then
  stale=0
fi
if [ $stale = 1 ]; then
  objs=()
  for s in "${srcs[@]}"; do
    o="$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
    objs+=("$o")
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    "$cc" "${cflags[@]}" -w -c "$root/$s" -o "$o" &
  done
  fail=0
  for p in $(jobs -p); do wait "$p" || fail=1; done
  for o in "${objs[@]}"; do [ -e "$o" ] || fail=1; done
  if [ $fail = 1 ]; then
    echo "fuzz/build.sh: compiling the module sources failed" >&2
    exit 1
  fi
  rm -f "$lib"
  ar rcs "$lib" "${objs[@]}"
fi
mv "$stamp.new.$$" "$stamp"

for f in "$root"/fuzz/fuzz_*.c; do
  t=$(basename "$f" .c)
  [ "$t" = fuzz_common ] && continue
  if [ "$lib" -nt "$out/bin/$t" ] || [ "$f" -nt "$out/bin/$t" ] ||
     [ "$root/fuzz/fuzz_common.c" -nt "$out/bin/$t" ] || [ "$root/fuzz/fuzz_common.h" -nt "$out/bin/$t" ]; then
    "$cc" "${cflags[@]}" -Wall -Wextra -Werror -fsanitize=fuzzer "$f" "$root/fuzz/fuzz_common.c" \
      "$lib" "${libs[@]}" -o "$out/bin/$t" || { echo "fuzz/build.sh: cannot link $t" >&2; exit 1; }
  fi
done
echo "fuzz/build.sh: targets in $out/bin"
