#!/usr/bin/env bash
# The proof that a field added to a core record reaches the faces with no hand edit there.
#
# The core's test-only feature `field-probe` adds the optional field `BasicInfo.probe_note`. This
# script builds the faces with it (reusing the target folder: only gradreg and the face crates
# recompile) and runs their tests of the field: the Python record class has it, a record
# carrying it round-trips through validation, the state machine and a registry file, and a C
# program stores it in a registry and reads it back. Nothing under
# python/ or include/ is edited for it.
#
# Usage: scripts/field-probe.sh [VENV]   (a virtual environment with maturin and pytest;
#                                          default target/py-venv, as scripts/test.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-target/py-venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== field probe: Python"
"$venv/bin/maturin" build -q -m python/Cargo.toml -i "$venv/bin/python" -o "$work/wheel" \
  --features field-probe
"$venv/bin/python" -m pip install -q --no-deps --target "$work/site" "$work"/wheel/gradreg-*.whl
# The probe build shadows the installed package for this run only.
GRADREG_FIELD_PROBE=1 PYTHONPATH="$work/site" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
  python/tests/test_field_probe.py python/tests/test_schema.py python/tests/test_records.py

echo "== field probe: C"
# The same feature in the C library (build-c.sh puts it in place as libgradreg.so; the next
# build-c.sh without the feature, as scripts/c-tests.sh runs it, puts the ordinary one back).
./scripts/build-c.sh --features gradreg/field-probe >/dev/null
libdir="${CARGO_TARGET_DIR:-$(pwd)/target}/debug"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude ffi/tests/c/field_probe.c \
  -L"$libdir" -lgradreg -o "$work/field_probe"
LD_LIBRARY_PATH="$libdir" "$work/field_probe"
