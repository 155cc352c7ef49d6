#!/usr/bin/env bash
# Builds CC Sync and opens it on the built-in demo tenant.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

echo "==> Building the front end and the app (a first build takes a few minutes)"
npm --prefix ui run --silent build
cargo build -p ccsync-desktop --features tauri/custom-protocol
app="$root/target/debug/ccsync-desktop"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "==> Starting CC Sync on the demo tenant"
  exec "$app" --demo
fi
# No desktop here (a server or a container): run it on a virtual display with a private keyring,
# and save a screenshot so there is something to look at.
echo "==> No display found: starting CC Sync on a virtual display (Ctrl-C stops it)"
exec "$root/scripts/headless-session.sh" bash -c '
  "$1" --demo & app=$!
  trap "kill $app 2>/dev/null; wait $app 2>/dev/null" EXIT INT TERM
  sleep 6
  import -window root "$2" && echo "Screenshot of the running app: $2"
  wait $app' _ "$app" "$root/target/demo-screenshot.png"
