#!/usr/bin/env bash
# Builds the CC Sync installers with the `ccsync` CLI inside them, on Linux, Windows (Git Bash) and macOS.
#   scripts/build-installers.sh [--target TRIPLE] [--bundles LIST]
#     --target   a Rust target triple (default: this machine's); universal-apple-darwin builds both Mac
#                architectures and joins them with lipo.
#     --bundles  Tauri bundle formats, comma-separated (deb,rpm,appimage / nsis,msi / app,dmg); default:
#                every format of the OS.
# The release CLI is copied to src-tauri/binaries/ccsync-<triple>[.exe] (git-ignored), and
# src-tauri/tauri.bundle.conf.json adds it as an external binary: Tauri installs it beside the app
# (/usr/bin/ccsync in the .deb and .rpm, the install folder on Windows, CC Sync.app/Contents/MacOS on
# macOS). The installers land in $CARGO_TARGET_DIR[/<triple>]/release/bundle/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

target=""
bundles=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="${2:?--target needs a triple}"; shift 2 ;;
    --bundles) bundles="${2:?--bundles needs a list}"; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "build-installers.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

host="$(rustc -vV | sed -n 's/^host: //p')"
triple="${target:-$host}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
exe=""
case "$triple" in *windows*) exe=".exe" ;; esac
mkdir -p src-tauri/binaries

# Builds the release CLI for one triple and copies it where Tauri looks for the external binary.
# Selecting the app package too (and the feature `tauri build` adds) resolves the shared crates
# (tokio, serde, time, url…) with the app's features, so `tauri build` reuses them instead of
# compiling most of the graph a second time.
build_cli() {
  local t="$1"
  local cli=(cargo build --release -p ccsync -p ccsync-desktop --features tauri/custom-protocol --bin ccsync)
  echo "==> Building the release CLI for $t"
  if [ "$t" = "$host" ] && [ -z "$target" ]; then
    "${cli[@]}"
    cp "$target_dir/release/ccsync$exe" "src-tauri/binaries/ccsync-$t$exe"
  else
    "${cli[@]}" --target "$t"
    cp "$target_dir/$t/release/ccsync$exe" "src-tauri/binaries/ccsync-$t$exe"
  fi
}

if [ "$triple" = "universal-apple-darwin" ]; then
  # Tauri builds the app once per architecture (each needs its own CLI) and bundles the lipo'd pair.
  build_cli aarch64-apple-darwin
  build_cli x86_64-apple-darwin
  lipo -create -output src-tauri/binaries/ccsync-universal-apple-darwin \
    src-tauri/binaries/ccsync-aarch64-apple-darwin src-tauri/binaries/ccsync-x86_64-apple-darwin
else
  build_cli "$triple"
fi

args=(build --config src-tauri/tauri.bundle.conf.json)
if [ -n "$target" ]; then args+=(--target "$target"); fi
if [ -n "$bundles" ]; then args+=(--bundles "$bundles"); fi
echo "==> tauri ${args[*]}"
# Run from the repository root: the Tauri CLI finds src-tauri from here (not from ui/).
ui/node_modules/.bin/tauri "${args[@]}"

out="$target_dir/release/bundle"
if [ -n "$target" ]; then out="$target_dir/$target/release/bundle"; fi
echo "==> Installers in $out"
find "$out" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.exe' \
  -o -name '*.msi' -o -name '*.dmg' \) -exec ls -l {} +
