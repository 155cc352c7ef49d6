#!/usr/bin/env bash
# The end-to-end suite against the built app, in a headless session (Xvfb, private D-Bus, unlocked
# gnome-keyring, temporary HOME).   scripts/e2e.sh [path/to/ccsync-desktop]
# Without a path: the debug build under CARGO_TARGET_DIR when set, else the checkout's target/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
exec "$root/scripts/headless-session.sh" node "$root/tests/e2e/run.mjs" "${1:-$target/debug/ccsync-desktop}"
