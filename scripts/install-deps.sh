#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine needs to build, run and test CC Sync.
# Safe to run again: every step is skipped when its result is already there.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "==> System packages (Tauri build set, headless test set)"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev \
  pkg-config build-essential file curl ca-certificates git \
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools imagemagick xdotool procps python3-gi gir1.2-gtk-3.0 \
  >/dev/null

# Windows from Linux (scripts/test-windows.sh): mingw links the Windows .exe (and compiles the C
# that ring needs); wine64 alone runs console programs (/usr/lib/wine/wine64 and wineserver64,
# with libwine); neither `wine` (the /usr/bin wrappers) nor 32-bit Wine is needed.
echo "==> Windows cross-build and Wine"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  gcc-mingw-w64-x86-64 wine64 python3 >/dev/null

echo "==> Node.js (20 or newer)"
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  curl -fsSL https://deb.nodesource.com/setup_20.x | $SUDO bash -
  $SUDO apt-get install -y -qq nodejs >/dev/null
fi

echo "==> Rust toolchain"
if ! command -v cargo >/dev/null 2>&1; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
rustup component add clippy rustfmt >/dev/null 2>&1 || true
# The Windows target, for scripts/test-windows.sh.
if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  rustup target add x86_64-pc-windows-gnu
fi

echo "==> tauri-driver (WebDriver bridge for the end-to-end tests)"
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --locked --version 2.1.0
fi

echo "==> Front-end packages"
here="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$here/ui" && npm ci --no-audit --no-fund)
