#!/usr/bin/env bash
# The whole test suite: formatting, lints, type checks, Rust tests (with the real gnome-keyring),
# front-end unit tests, then the end-to-end suite against the real app under Xvfb.
# Runs every stage, prints a summary, and exits non-zero if any stage failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# One feature set for every cargo command, so nothing builds twice (ccsync-core/ts: the bindings test).
features=(--features tauri/custom-protocol,ccsync-core/ts)

results=()
failed=0
stage() {
  local name="$1"
  shift
  echo
  echo "==> $name"
  local started=$SECONDS
  if "$@"; then
    results+=("ok    $name ($((SECONDS - started)) s)")
  else
    results+=("FAIL  $name ($((SECONDS - started)) s)")
    failed=$((failed + 1))
  fi
}

stage "cargo fmt --check" cargo fmt --all -- --check
stage "front end: tsc --noEmit" npm --prefix ui run --silent typecheck
stage "front end: unit tests (Vitest)" npm --prefix ui test --silent
# The app embeds ui/dist, so the UI is built before any cargo command compiles the app crate.
stage "front end: build" npm --prefix ui run --silent build
stage "cargo clippy -D warnings" cargo clippy --workspace --all-targets "${features[@]}" -- -D warnings
stage "Rust tests (real gnome-keyring)" \
  env CCSYNC_TEST_KEYRING=1 scripts/headless-session.sh cargo test --workspace "${features[@]}"
stage "build the app and the CLI" cargo build -p ccsync-desktop -p ccsync "${features[@]}"
# Windows: clippy for x86_64-pc-windows-gnu, then the Windows ccsync.exe smoke-tested under Wine.
stage "Windows: clippy + CLI under Wine" scripts/test-windows.sh
stage "end-to-end (WebDriver, real app)" scripts/e2e.sh "$root/target/debug/ccsync-desktop"
# The release .deb installed with apt-get; the installed ccsync and ccsync-desktop run, then it is removed.
stage "install smoke test (.deb, .rpm)" scripts/test-install.sh

echo
echo "==> Summary"
printf '%s\n' "${results[@]}"
if [ "$failed" -eq 0 ]; then
  echo "All ${#results[@]} stages passed."
else
  echo "$failed of ${#results[@]} stages failed."
fi
exit "$failed"
