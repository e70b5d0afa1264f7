#!/usr/bin/env bash
# Builds the C library and puts it in place under its C name: cargo writes the ffi crate's
# libraries as libgradreg_ffi.so / libgradreg_ffi.a (the crate's lib target cannot share the
# core's name, gradreg); this links (or copies) them to libgradreg.so / libgradreg.a beside them,
# which is what `-lgradreg`, include/gradreg.pc and the soname (set in ffi/build.rs) expect.
#
# Usage: scripts/build-c.sh [--release] [more cargo build arguments]
#   → target/debug/libgradreg.{so,a}, or target/release/ with --release (under CARGO_TARGET_DIR
#     when set). Run it again after every change: a plain `cargo build` does not refresh them.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=debug
for arg in "$@"; do
  [[ "$arg" == --release ]] && profile=release
done
cargo build -q -p gradreg-ffi "$@"
dir="${CARGO_TARGET_DIR:-$(pwd)/target}/$profile"
placed=()
for ext in so dylib a; do
  if [[ -f "$dir/libgradreg_ffi.$ext" ]]; then
    # Already in place (a run with nothing rebuilt): the C name is the same file.
    if [[ "$dir/libgradreg.$ext" -ef "$dir/libgradreg_ffi.$ext" ]]; then
      placed+=("libgradreg.$ext")
      continue
    fi
    # A hard link (a copy where links fail), then a rename over the old file: a program running
    # with the old library keeps it.
    ln -f "$dir/libgradreg_ffi.$ext" "$dir/.libgradreg.$ext.tmp" 2>/dev/null ||
      cp "$dir/libgradreg_ffi.$ext" "$dir/.libgradreg.$ext.tmp"
    mv -f "$dir/.libgradreg.$ext.tmp" "$dir/libgradreg.$ext"
    placed+=("libgradreg.$ext")
  fi
done
((${#placed[@]})) || { echo "build-c.sh: no libgradreg_ffi library in $dir" >&2; exit 1; }
echo "${placed[*]} in $dir"
