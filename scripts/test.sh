#!/usr/bin/env bash
# Runs every test of gradreg. Installs what the tests need on a fresh Debian machine first.
# Usage: ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== format"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== rust tests (unit, integration, property, examples, benches in test mode, doc)"
cargo test --workspace --all-targets
cargo test --workspace --doc

echo "== examples"
cargo run -q -p gradreg --example walkthrough >/dev/null
echo "all tests passed"
