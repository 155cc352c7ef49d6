#!/usr/bin/env bash
# Runs the end-to-end suite against the built app: Xvfb for a display, a private D-Bus session and a
# freshly unlocked gnome-keyring in a temporary HOME. Everything started here is stopped here.
#   scripts/e2e.sh [path/to/ccsync-desktop]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="${1:-$root/target/debug/ccsync-desktop}"

if [ -z "${CCSYNC_E2E_INNER:-}" ]; then
  # Keep the toolchains findable once HOME moves.
  export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  export PATH="$CARGO_HOME/bin:$PATH"
  export CCSYNC_E2E_INNER=1
  exec xvfb-run -a --server-args="-screen 0 1280x800x24" dbus-run-session -- "$0" "$app"
fi

home="$(mktemp -d)"
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_STATE_HOME="$home/.local/state" XDG_CONFIG_HOME="$home/.config"
unset CCSYNC_DB CCSYNC_LOG_DIR
printf 'e2e' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring_pid=$!
cleanup() { kill "$keyring_pid" 2>/dev/null || true; wait "$keyring_pid" 2>/dev/null || true; rm -rf "$home"; }
trap cleanup EXIT
# Wait for the keyring to own its bus name before the app asks for it.
for _ in $(seq 50); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then break; fi
  sleep 0.1
done
node "$root/tests/e2e/run.mjs" "$app"
