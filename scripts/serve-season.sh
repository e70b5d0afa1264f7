#!/usr/bin/env bash
# The verification service on the season's registry, from a fresh clone, in one command: runs the
# season example with this service's URL in its forms' QR codes (into out/season-served/), then
# starts gradreg-server on that registry and its keys at http://127.0.0.1:PORT/ (default 8080)
# until Ctrl-C. The service answers as on 6 July 2026, when the season's forms were in force.
# Usage: scripts/serve-season.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8080}"
out=out/season-served
prefix="HTTP://127.0.0.1:$port/V/"
cargo build -q --release -p gradreg --example season
cargo build -q --release -p gradreg-server
bin="${CARGO_TARGET_DIR:-target}/release"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
"$bin/examples/season" "$out" --token-prefix "$prefix" >"$out.log"
echo "season written to $out/ (its log: $out.log); forms with QR codes in $out/forms/"
echo "serving http://127.0.0.1:$port/  (a form's page: zbarimg -q --raw $out/forms/<file>.png)"
exec "$bin/gradreg-server" --store "$out/registry.db" --keys "$out/keys.json" \
  --listen "127.0.0.1:$port" --token-prefix "$prefix" --clock 2026-07-06T03:00:00Z
