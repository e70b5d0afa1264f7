#!/bin/bash
# Trains a zstd dictionary for the stores' packed documents (core/src/registry/stored.rs) from
# the clear documents of a season made by the crate's own cohort generator, the way
# core/src/registry/stored-v1.dict was made. The shipped dictionary never changes (stored values
# name it); a new one would be added beside it under a new dictionary byte.
#
#   scripts/train-dictionary.sh [OUT]     (default target/stored-dict/candidate.dict)
#
# Needs the zstd command-line tool (Debian package zstd).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/stored-dict/candidate.dict}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v zstd >/dev/null || { echo "needs the zstd tool (apt-get install zstd)" >&2; exit 1; }
cargo run --release -q -p gradreg --example season -- "$work/season" >/dev/null
cargo run --release -q -p gradreg-benches --example dictionary_samples -- \
    "$work/season/registry.db" "$work/samples"
# Every second document, as the shipped dictionary was trained (the rest kept for a check).
mkdir -p "$work/train" "$(dirname "$out")"
ls "$work/samples" | awk 'NR % 2 == 0' | while read -r f; do cp "$work/samples/$f" "$work/train/"; done
zstd --train "$work"/train/* --maxdict=32768 -q -o "$out"
echo "dictionary: $out ($(wc -c < "$out") bytes)"
