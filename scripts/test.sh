#!/usr/bin/env bash
# Runs every test of gradreg. Installs what the tests need on a fresh Debian machine first.
# Usage: ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
log_dir=$(mktemp -d)
pg_dir=""
pg_tls_dir=""
cleanup() {
  for d in "$pg_dir" "$pg_tls_dir"; do
    if [ -n "$d" ]; then
      "$root/scripts/pg-cluster.sh" stop "$d" >/dev/null 2>&1 || true
      rm -rf "$d"
    fi
  done
  rm -rf "$log_dir"
}
trap cleanup EXIT

echo "== toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== system packages: a CJK font, pdftotext/pdftoppm and zbarimg for the form tests, openssl, PostgreSQL, chromium"
need=() font="${GRADREG_FONT:-}"
for f in /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc; do
  [ -f "$f" ] && font="$f"
done
[ -n "$font" ] || need+=(fonts-wqy-microhei)
{ command -v pdftotext && command -v pdftoppm; } >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Debian's PostgreSQL server (initdb, pg_ctl) for the registry suite's PostgreSQL store.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Headless Chromium reads the verification service's pages (server/tests/browser.rs, and the web
# stage below).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# PL/Python with the zstandard module, for the suite's SQL edits of PostgreSQL's packed documents
# (doc_text/doc_pack in core/tests/common/stores.rs), for the server version installed above.
pg_major=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 | awk -F/ '{print $(NF-1)}')
need=()
[ -f "/usr/lib/postgresql/$pg_major/lib/plpython3.so" ] || need+=("postgresql-plpython3-$pg_major")
/usr/bin/python3 -c 'import zstandard' >/dev/null 2>&1 || need+=(python3-zstandard)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== format"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== docs (rustdoc warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -q --workspace --no-deps

echo "== a throwaway PostgreSQL server for the registry suite (and the C and Python stages)"
# One cluster in a temporary folder on a free loopback port, fsync off, stopped by the EXIT trap.
# Every registry test runs on memory, SQLite and this server (core/tests/common/stores.rs); a
# user's own server: GRADREG_TEST_PG_URL=postgres://user@host:port/db cargo test.
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_dir=$(mktemp -d /tmp/gradreg-pg.XXXXXX)
GRADREG_TEST_PG_URL=$(GRADREG_PG_FAST=1 ./scripts/pg-cluster.sh start "$pg_dir" "$pg_port")
export GRADREG_TEST_PG_URL
# A second cluster speaks TLS, with a throwaway authority and certificates in $pg_tls_dir/tls
# (core/tests/pg_tls.rs, and one TLS open each in the C and Python tests).
pg_tls_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_tls_dir=$(mktemp -d /tmp/gradreg-pg-tls.XXXXXX)
GRADREG_TEST_PG_TLS_URL=$(GRADREG_PG_FAST=1 GRADREG_PG_TLS=1 ./scripts/pg-cluster.sh start "$pg_tls_dir" "$pg_tls_port")
GRADREG_TEST_PG_TLS_CERTS="$pg_tls_dir/tls"
export GRADREG_TEST_PG_TLS_URL GRADREG_TEST_PG_TLS_CERTS
pg_version=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 | awk -F/ '{print $(NF-1)}')
echo "PostgreSQL $pg_version at $GRADREG_TEST_PG_URL, with TLS at $GRADREG_TEST_PG_TLS_URL"

echo "== rust tests (unit, integration, property, examples, benches in test mode, doc)"
GRADREG_REQUIRE_CHROMIUM=1 cargo test --workspace --all-targets 2>&1 | tee "$log_dir/cargo.log"
cargo test -p gradreg --doc 2>&1 | tee -a "$log_dir/cargo.log"

echo "== examples"
cargo run -q -p gradreg --example walkthrough >/dev/null
cargo run -q -p gradreg --example season -- target/season-example >/dev/null
cargo run -q -p gradreg --example forms -- target/forms-example >/dev/null
# The README's flag: the same season on the PostgreSQL server; and a small national simulation
# on SQLite and on PostgreSQL.
season_url=$(./scripts/pg-cluster.sh createdb "$pg_dir" season_example)
cargo run -q -p gradreg --example season -- --store "$season_url" target/season-example-pg >/dev/null
cargo run -q -p gradreg --example nation -- --graduates 600 --school-size 200 >/dev/null
nation_url=$(./scripts/pg-cluster.sh createdb "$pg_dir" nation_example)
cargo run -q -p gradreg --example nation -- --graduates 600 --school-size 200 --store "$nation_url" >/dev/null

echo "== the verification service on the season's registry: each form's QR URL in headless Chromium"
./scripts/server-smoke.sh target/season-server 2>&1 | tee "$log_dir/server.log"

echo "== a verifier written from docs/token-format.md alone: every vector, and the season's forms"
# Standard-library Python sharing no code with the library: the vectors, then the season's key set
# and status lists with the tokens zbarimg reads from its form PNGs, verified offline.
python3 core/tests/spec_verifier.py vectors docs/vectors 2>&1 | tee "$log_dir/spec.log"
python3 core/tests/spec_verifier.py season target/season-example 2>&1 | tee -a "$log_dir/spec.log"

echo "== core without rendering (no C code, no render crates)"
cargo build -q -p gradreg --no-default-features

echo "== C library (header, example, tests under ASan/UBSan and valgrind)"
./scripts/c-tests.sh 2>&1 | tee "$log_dir/c.log"

echo "== python package (wheel in a fresh venv, pytest, stubtest, office example)"
# The wheel is built in the dev profile, reusing what cargo test compiled above.
venv="$root/target/py-venv"
if ! [ -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" 2>/dev/null || {
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$venv"
  }
fi
"$venv/bin/python" -m pip install -q maturin pytest hypothesis mypy zxing-cpp pillow pikepdf fonttools
rm -f target/wheels/gradreg-*.whl
start=$(date +%s)
"$venv/bin/maturin" build -q -m python/Cargo.toml -i "$venv/bin/python" -o target/wheels
wheel=$(ls target/wheels/gradreg-*.whl)
echo "wheel $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB, built in $(($(date +%s) - start)) s"
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"
"$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests 2>&1 | tee "$log_dir/pytest.log"
# The record classes' fields come from the core's schema; their stub must be current.
"$venv/bin/python" python/tools/stubgen.py --check
(cd "$log_dir" && "$venv/bin/python" -m mypy.stubtest gradreg --allowlist "$root/python/stubtest-allowlist.txt")
"$venv/bin/python" -m mypy --strict --cache-dir "$log_dir/mypy" python/gradreg python/tests python/tools examples/python
mkdir -p "$log_dir/office"
"$venv/bin/python" examples/python/office.py --registry "$log_dir/office" >/dev/null
# The abi3 floor: the same wheel under Python 3.9, where the machine has one (pyenv).
py39=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9.*/bin/python 2>/dev/null | head -n 1 || true)
if [ -n "$py39" ]; then
  [ -x target/py39-venv/bin/python ] || "$py39" -m venv target/py39-venv
  target/py39-venv/bin/python -m pip install -q pytest hypothesis
  target/py39-venv/bin/python -m pip install -q --force-reinstall --no-deps "$wheel"
  target/py39-venv/bin/python -m pytest -q -p no:cacheprovider python/tests 2>&1 | tee -a "$log_dir/pytest.log"
fi
# A field added to a core record reaches the faces with no hand edit (a test-only core feature).
./scripts/field-probe.sh "$venv" 2>&1 | tee "$log_dir/probe.log"

echo "== web: the verifier as WebAssembly, its package and page, in headless Chromium"
# Debian's chromium (driven by playwright-core) and binaryen's wasm-opt; the npm packages (test
# driver, QR decoder vendored into the page) from web/package-lock.json. Every docs/vectors file
# in the browser, the page on the season's forms (screenshots in target/web/), then the size and
# speed figures (printed, not asserted).
web_need=()
command -v chromium >/dev/null 2>&1 || web_need+=(chromium)
command -v wasm-opt >/dev/null 2>&1 || web_need+=(binaryen)
if [ ${#web_need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${web_need[@]}" >/dev/null
fi
(cd web && npm ci --no-audit --no-fund --loglevel=error)
web/build.sh
node web/tests/browser.test.mjs target/season-example 2>&1 | tee "$log_dir/web.log"
node web/tests/bench.mjs

echo "== forms in the field: the season with no CJK font on the system; QR codes for phones; PDF/A-2b"
# The README's first command on a machine without any CJK font: in a private mount namespace the
# system's font folders are hidden under empty tmpfs mounts and GRADREG_FONT is unset, so only the
# bundled font is there. Then zbar and ZXing-C++ decode every form written (at full size, 50 %,
# blurred by 1 px, and both) and the archival PDF is checked clause by clause.
field="$root/target/forms-field"
bin="${CARGO_TARGET_DIR:-$root/target}/debug/examples"
rm -rf "$field" && mkdir -p "$field/home"
ns=(unshare --mount)
[ "$(id -u)" -ne 0 ] && ns=(unshare --user --map-root-user --mount)
env -u GRADREG_FONT HOME="$field/home" XDG_DATA_HOME="$field/home" "${ns[@]}" sh -ec '
  for d in /usr/share/fonts /usr/local/share/fonts; do [ -d "$d" ] && mount -t tmpfs none "$d"; done
  ! ls -R /usr/share/fonts /usr/local/share/fonts 2>/dev/null | grep -qiE "\.(ttf|otf|ttc|otc)$"
  "$1/season" "$2/season" >"$2/season.log"
  "$1/forms" "$2/forms" | grep -F "font: Gradreg Sans SC (bundled)"
' sh "$bin" "$field"
"$venv/bin/python" core/tests/forms_field.py "$field/season/forms" "$field/forms" 2>&1 |
  tee "$log_dir/field.log"

# Sum the counts of every test runner so the last line tells the whole story.
read -r passed failed < <(awk '/^test result:/ {
    for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { print p + 0, f + 0 }' "$log_dir/cargo.log")
read -r c_passed c_failed < <(awk '/^[a-z-]+: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  END { print p + 0, f + 0 }' "$log_dir/c.log" "$log_dir/probe.log" "$log_dir/field.log" "$log_dir/spec.log" \
  "$log_dir/web.log" "$log_dir/server.log")
passed=$((passed + c_passed))
failed=$((failed + c_failed))

read -r py_passed py_failed < <(awk '/ passed| failed/ && /^[=0-9]/ {
    for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { print p + 0, f + 0 }' "$log_dir/pytest.log" "$log_dir/probe.log")
passed=$((passed + py_passed))
failed=$((failed + py_failed))
cd "$root"
echo "registry suite: every registry test on memory, SQLite and PostgreSQL $pg_version (counted above)"
echo "all: ${passed} passed, ${failed} failed"
