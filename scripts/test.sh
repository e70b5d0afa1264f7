#!/usr/bin/env bash
# Runs every test of gradreg. Installs what the tests need on a fresh Debian machine first.
# Usage: ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
# The checked-in C header, before any build regenerates it (scripts/c-tests.sh compares).
cp include/gradreg.h "$log_dir/gradreg.h.committed"

echo "== toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== system packages: a CJK font, pdftotext/pdftoppm and zbarimg for the form tests"
need=() font="${GRADREG_FONT:-}"
for f in /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc; do
  [ -f "$f" ] && font="$f"
done
[ -n "$font" ] || need+=(fonts-wqy-microhei)
{ command -v pdftotext && command -v pdftoppm; } >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== format"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== rust tests (unit, integration, property, examples, benches in test mode, doc)"
cargo test --workspace --all-targets 2>&1 | tee "$log_dir/cargo.log"
cargo test -p gradreg --doc 2>&1 | tee -a "$log_dir/cargo.log"

echo "== examples"
cargo run -q -p gradreg --example walkthrough >/dev/null
cargo run -q -p gradreg --example season -- target/season-example >/dev/null
cargo run -q -p gradreg --example forms -- target/forms-example >/dev/null

echo "== core without rendering (no C code, no render crates)"
cargo build -q -p gradreg --no-default-features

echo "== C library (header, example, tests under ASan/UBSan and valgrind)"
./scripts/c-tests.sh "$log_dir/gradreg.h.committed" 2>&1 | tee "$log_dir/c.log"

# Sum the counts of every test runner so the last line tells the whole story.
read -r passed failed < <(awk '/^test result:/ {
    for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { print p + 0, f + 0 }' "$log_dir/cargo.log")
read -r c_passed c_failed < <(awk '/^c: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  END { print p + 0, f + 0 }' "$log_dir/c.log")
passed=$((passed + c_passed))
failed=$((failed + c_failed))
cd "$root"
echo "all: ${passed} passed, ${failed} failed"
