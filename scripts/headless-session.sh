#!/usr/bin/env bash
# Runs a command the way a desktop session would, with no desktop: an Xvfb display, a private D-Bus
# session bus, and a freshly unlocked gnome-keyring in a temporary HOME (so tests never touch the
# real keyring or data folders). Everything started here is stopped here.
#   scripts/headless-session.sh COMMAND [ARGS...]
set -euo pipefail

if [ -z "${CCSYNC_HEADLESS_INNER:-}" ]; then
  # Keep the toolchains findable once HOME moves.
  export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  export PATH="$CARGO_HOME/bin:$PATH" CCSYNC_HEADLESS_INNER=1
  exec xvfb-run -a --server-args="-screen 0 1280x800x24" dbus-run-session -- "$0" "$@"
fi

home="$(mktemp -d)"
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_STATE_HOME="$home/.local/state" \
  XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache"
unset CCSYNC_DB CCSYNC_LOG_DIR
printf 'headless' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring_pid=$!
cleanup() {
  kill "$keyring_pid" 2>/dev/null || true
  wait "$keyring_pid" 2>/dev/null || true
  rm -rf "$home"
}
trap cleanup EXIT

# The keyring must own its bus name before anything asks for it (or D-Bus would start another).
for _ in $(seq 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
    break
  fi
  sleep 0.1
done
"$@"
