#!/usr/bin/env bash
# Regenerates include/gradreg.h, the C library's header, from the Rust source with cbindgen
# (tools/gen-header): the C functions and types of ffi/src, the error codes of
# core/src/error_code.rs (GRADREG_ERR_*) and the verdicts of core/src/codes/verify.rs
# (GRADREG_VERDICT_*). The header is checked in: run this after changing any of them and commit
# the result.
#
# Usage: scripts/gen-header.sh            rewrite include/gradreg.h when it changed
#        scripts/gen-header.sh --check    change nothing; exit 1 and print the difference when
#                                         the checked-in header is stale (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q -p gen-header -- "$@"
