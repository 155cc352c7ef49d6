#!/usr/bin/env bash
# The end-to-end suite against the built app, in a headless session (Xvfb, private D-Bus, unlocked
# gnome-keyring, temporary HOME).   scripts/e2e.sh [path/to/ccsync-desktop]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
exec "$root/scripts/headless-session.sh" node "$root/tests/e2e/run.mjs" "${1:-$root/target/debug/ccsync-desktop}"
