#!/usr/bin/env bash
# The C library's checks, run by scripts/test.sh after the Rust tests (it reuses their debug
# build): the checked-in header is what the source generates (scripts/gen-header.sh --check,
# which prints the difference), the C examples build with -Werror through pkg-config and run (the
# walkthrough also under AddressSanitizer/UBSan and valgrind), and the C tests pass linked
# statically under AddressSanitizer/UBSan and linked dynamically under valgrind, against the debug
# library and again against the release library (its optimised code is what hosts run). Prints
# "c: N passed, N failed" last.
#
# Usage: scripts/c-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Tools the C checks need, installed only when missing (Debian, as root).
missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
# A CJK font for the forms (the example renders the archive form; the tests render all formats).
font="${GRADREG_FONT:-}"
for f in /usr/share/fonts/truetype/wqy/wqy-microhei.ttc \
  /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc; do
  [[ -f "$f" ]] && font="$f"
done
[[ -n "$font" ]] || missing+=(fonts-wqy-microhei)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "-- include/gradreg.h is what the source generates"
scripts/gen-header.sh --check

echo "-- build libgradreg (debug): libgradreg.so and libgradreg.a"
scripts/build-c.sh
libdir="${CARGO_TARGET_DIR:-$root/target}/debug"
test -f "$libdir/libgradreg.a" && test -f "$libdir/libgradreg.so"

pc() { PKG_CONFIG_PATH="$root/include" pkg-config --define-variable=libdir="$libdir" "$@" gradreg; }
strict=(-std=c11 -Wall -Wextra -Wpedantic -Werror -g)
read -r -a cflags <<<"$(pc --cflags)"
read -r -a libs <<<"$(pc --libs)"
read -r -a private <<<"$(pc --static --libs-only-l | sed 's/-lgradreg//')"

# The header on its own, as C and as C++ (when a C++ compiler is there), with its macros and types.
cat >"$work/h.c" <<'EOF'
#include "gradreg.h"
int main(void) {
    gradreg_str s = GRADREG_STR("x");
    gradreg_str none = GRADREG_STR_NONE;
    gradreg_err e = GRADREG_ERR_IO;
    gradreg_verdict v = GRADREG_VERDICT_VALID;
    return (int)s.len + (none.ptr == NULL) + (e != 507) + (int)v - 2 + GRADREG_OK;
}
EOF
cc "${strict[@]}" "${cflags[@]}" -c "$work/h.c" -o "$work/h.o"
if command -v c++ >/dev/null 2>&1; then
  cp "$work/h.c" "$work/h.cpp"
  c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror "${cflags[@]}" -c "$work/h.cpp" -o "$work/hpp.o"
fi

echo "-- examples/c: pkg-config and the shared library; the static one under ASan/UBSan; valgrind"
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
vg=(valgrind -q --error-exitcode=1 --leak-check=full --suppressions="$root/ffi/tests/c/valgrind.supp")
cc "${strict[@]}" "${cflags[@]}" examples/c/walkthrough.c "${libs[@]}" -o "$work/walkthrough"
cc "${strict[@]}" "${cflags[@]}" "${sanitize[@]}" examples/c/walkthrough.c "$libdir/libgradreg.a" \
  "${private[@]}" -o "$work/walkthrough_asan"
# The example writes archive-form.pdf and archive-form.png into the current directory.
(cd "$work" && LD_LIBRARY_PATH="$libdir" ./walkthrough >example.log)
(cd "$work" && LD_LIBRARY_PATH="$libdir" ./walkthrough example.db >/dev/null)
# A folder holds the registry as gradreg.sqlite3.
(cd "$work" && mkdir data && LD_LIBRARY_PATH="$libdir" ./walkthrough data >/dev/null)
test -f "$work/data/gradreg.sqlite3"
(cd "$work" && ./walkthrough_asan >/dev/null)
(cd "$work" && LD_LIBRARY_PATH="$libdir" "${vg[@]}" ./walkthrough >/dev/null)
head -c 5 "$work/archive-form.pdf" | grep -q '%PDF-'
head -c 4 "$work/archive-form.png" | grep -q 'PNG'
grep -E 'verdict [0-9]+' "$work/example.log"
# The complete example in docs/c.md compiles and runs as printed.
awk '/^## A complete example/ { f = 1 } f && /^```c$/ { p = 1; next } p && /^```$/ { exit } p' \
  docs/c.md >"$work/doc_example.c"
cc "${strict[@]}" "${cflags[@]}" "$work/doc_example.c" "${libs[@]}" -o "$work/doc_example"
LD_LIBRARY_PATH="$libdir" "$work/doc_example" >/dev/null

echo "-- C tests: static library under AddressSanitizer and UBSan"
cc "${strict[@]}" "${cflags[@]}" "${sanitize[@]}" ffi/tests/c/test_gradreg.c \
  "$libdir/libgradreg.a" "${private[@]}" -o "$work/test_asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  "$work/test_asan" >"$work/asan.log" 2>&1 || { cat "$work/asan.log"; exit 1; }
tail -1 "$work/asan.log"

echo "-- C tests: shared library under valgrind"
cc "${strict[@]}" "${cflags[@]}" ffi/tests/c/test_gradreg.c "${libs[@]}" -lpthread \
  -o "$work/test_shared"
LD_LIBRARY_PATH="$libdir" "${vg[@]}" "$work/test_shared" >"$work/valgrind.log" 2>&1 ||
  { cat "$work/valgrind.log"; exit 1; }
tail -1 "$work/valgrind.log"

echo "-- examples/c and the C tests against the release library, under valgrind"
./scripts/build-c.sh --release >/dev/null
rel="${CARGO_TARGET_DIR:-$root/target}/release"
cc "${strict[@]}" "${cflags[@]}" examples/c/walkthrough.c -L"$rel" -lgradreg -o "$work/walkthrough_rel"
(cd "$work" && LD_LIBRARY_PATH="$rel" "${vg[@]}" ./walkthrough_rel >/dev/null)
cc "${strict[@]}" "${cflags[@]}" ffi/tests/c/test_gradreg.c -L"$rel" -lgradreg -lpthread \
  -o "$work/test_rel"
LD_LIBRARY_PATH="$rel" "${vg[@]}" "$work/test_rel" >"$work/valgrind-release.log" 2>&1 ||
  { cat "$work/valgrind-release.log"; exit 1; }
tail -1 "$work/valgrind-release.log"

read -r passed failed < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
  END { print p + 0, f + 0 }' "$work/asan.log" "$work/valgrind.log" "$work/valgrind-release.log")
echo "c: ${passed} passed, ${failed} failed"
