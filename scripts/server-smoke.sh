#!/usr/bin/env bash
# The verification service on the season's registry, as the README starts it: the season with
# the service's URL in its QR codes, gradreg-server on its registry and keys, then every form's
# QR code read from its PNG (zbarimg) and its URL opened in headless Chromium; the page must show
# a verdict checked against the registry, and the form the season verifies after its restart must
# be valid. Needs zbarimg and chromium (scripts/test.sh installs both).
# Usage: scripts/server-smoke.sh [OUT_DIR]   (default target/season-server; SMOKE_PROFILE=release
# uses release builds)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/season-server}"
profile="${SMOKE_PROFILE:-debug}"
flags=()
[ "$profile" = release ] && flags=(--release)
bin="${CARGO_TARGET_DIR:-target}/$profile"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prefix="HTTP://127.0.0.1:$port/V/"
cargo build -q "${flags[@]}" -p gradreg --example season
cargo build -q "${flags[@]}" -p gradreg-server
"$bin/examples/season" "$out" --token-prefix "$prefix" >"$out.log"
browser_profile=$(mktemp -d)
"$bin/gradreg-server" --store "$out/registry.db" --keys "$out/keys.json" \
  --listen "127.0.0.1:$port" --token-prefix "$prefix" --clock 2026-07-06T03:00:00Z 2>"$out-server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$browser_profile"' EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz')" 2>/dev/null && break
  sleep 0.1
done
passed=0 failed=0 valid=0
for png in "$out"/forms/*.png; do
  url=$(zbarimg --nodbus -q --raw "$png")
  case "$url" in
    "$prefix"*) ;;
    *) echo "FAIL $png: the QR holds no service URL"; failed=$((failed + 1)); continue ;;
  esac
  dom=$(chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$browser_profile" --dump-dom "$url" 2>/dev/null)
  verdict=$(printf '%s' "$dom" | grep -o 'data-verdict="[a-z_]*"' | head -n 1 | cut -d'"' -f2)
  case "$verdict" in
    valid) valid=$((valid + 1)); passed=$((passed + 1)) ;;
    revoked | superseded | expired) passed=$((passed + 1)) ;;
    *) echo "FAIL $png: verdict '${verdict:-none}'"; failed=$((failed + 1)) ;;
  esac
  echo "  $(basename "$png"): $verdict"
done
# The season re-reads the second graduate's archive form after its restart and requires valid.
if [ "$valid" -eq 0 ]; then
  echo "FAIL no form verified as valid"; failed=$((failed + 1))
fi
# The published key set and status lists are there.
for path in /.well-known/gradreg/keys.json /.well-known/gradreg/status/all.txt; do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port$path')" 2>/dev/null; then
    passed=$((passed + 1))
  else
    echo "FAIL $path"; failed=$((failed + 1))
  fi
done
echo "server-smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
