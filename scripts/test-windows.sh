#!/usr/bin/env bash
# Windows, checked from Linux on every CI run:
#   1. cargo clippy -D warnings for the whole workspace on x86_64-pc-windows-gnu (a Windows-only
#      compile error or lint fails here);
#   2. the Windows ccsync.exe (built with mingw) smoke-tested under Wine, against the Linux emulator
#      on 127.0.0.1: --version, `connection add cxone` storing its secrets in the Windows Credential
#      Manager and reading them back with no CCSYNC_… variables, a pull of 1,000 users into a
#      database given as a Windows path (Z:\…), and a CSV import dry run.
# Needs what scripts/install-deps.sh installs (gcc-mingw-w64-x86-64, wine64, the Rust target) and
# ui/dist (the app crate embeds it). Honours CARGO_TARGET_DIR. Stops at the first failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
triple=x86_64-pc-windows-gnu
# The same feature set as every other cargo command in scripts/test-all.sh, so nothing builds twice.
features=(--features tauri/custom-protocol,ccsync-core/ts)
wine="${WINE64:-/usr/lib/wine/wine64}"
wineserver="${WINESERVER64:-/usr/lib/wine/wineserver64}"

# Nothing may reach the Windows program by another route than the one under test.
for var in $(compgen -e); do
  case "$var" in CCSYNC_*) unset "$var" ;; esac
done
# Console programs only: no display, no Mono/Gecko installers, no desktop menu entries, no noise.
unset DISPLAY WAYLAND_DISPLAY
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"

step_name=""
step_started=0
now_ms() { date +%s%3N; }
step() {
  step_name="$1"
  step_started=$(now_ms)
  echo "==> [windows] $1"
}
step_done() {
  local ms=$(($(now_ms) - step_started))
  printf '    ok (%d.%d s)\n' $((ms / 1000)) $((ms % 1000 / 100))
}
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
# Prints a value from a JSON file: json FILE KEY[.KEY…]
json() {
  python3 - "$@" <<'EOF'
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for key in sys.argv[2].split("."):
    value = value[key]
print("null" if value is None else value)
EOF
}
# A Linux path as the Windows program sees it (Wine maps / to drive Z:).
winpath() {
  local path
  path="$(realpath -m "$1")"
  printf 'Z:%s' "${path//\//\\}"
}

work="$(mktemp -d "${TMPDIR:-/tmp}/ccsync-windows.XXXXXX")"
emulator_pid=""
declare -A wineserver_pids=()
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -n "$step_name" ]; then
    echo "FAILED during: $step_name (exit $status)" >&2
  fi
  if [ -n "$emulator_pid" ]; then
    kill -INT "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  local prefix
  for prefix in "${!wineserver_pids[@]}"; do
    # -k ends every Wine process of this prefix and the server; its PID is then reaped (or killed).
    TMPDIR="$work/tmp" WINEPREFIX="$prefix" "$wineserver" -k 2>/dev/null || true
    kill "${wineserver_pids[$prefix]}" 2>/dev/null || true
    wait "${wineserver_pids[$prefix]}" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# A fresh Wine prefix with its own server, started here so that it is stopped by its PID. Every
# Wine command runs with the same TMPDIR (the server's socket folder is made there, so it goes
# with the temporary folder) and HOME.
new_prefix() {
  local prefix="$1"
  mkdir -p "$prefix" "$work/home" "$work/tmp"
  TMPDIR="$work/tmp" HOME="$work/home" WINEPREFIX="$prefix" "$wineserver" --foreground --persistent \
    >"$prefix.server.log" 2>&1 &
  wineserver_pids["$prefix"]=$!
  if ! TMPDIR="$work/tmp" HOME="$work/home" WINEPREFIX="$prefix" "$wine" wineboot --init >"$prefix.boot.log" 2>&1; then
    cat "$prefix.boot.log" >&2
    fail "wineboot could not create the Wine prefix $prefix"
  fi
}
# Runs the Windows ccsync.exe in a prefix: ccsync_exe PREFIX ARGS…
ccsync_exe() {
  local prefix="$1"
  shift
  TMPDIR="$work/tmp" HOME="$work/home" WINEPREFIX="$prefix" "$wine" "$work/bin/ccsync.exe" "$@"
}

step "prerequisites (Rust target, mingw, wine64, ui/dist)"
if ! rustup target list --installed | grep -qx "$triple"; then
  fail "the Rust target $triple is missing: run scripts/install-deps.sh (rustup target add $triple)"
fi
command -v x86_64-w64-mingw32-gcc >/dev/null || fail "mingw is missing: run scripts/install-deps.sh (gcc-mingw-w64-x86-64)"
[ -x "$wine" ] || fail "$wine is missing: run scripts/install-deps.sh (wine64)"
[ -f ui/dist/index.html ] || fail "ui/dist is missing: run npm --prefix ui run build first (the app embeds it)"
step_done

step "cargo clippy -D warnings --target $triple (whole workspace, all targets)"
cargo clippy --workspace --all-targets --target "$triple" "${features[@]}" -- -D warnings
step_done

# Debug: the smoke test needs a working .exe, not a fast one, and a debug build of the CLI alone
# costs far less CI time than a release build.
step "build the Windows CLI (debug ccsync.exe)"
cargo build -p ccsync --target "$triple"
exe="$CARGO_TARGET_DIR/$triple/debug/ccsync.exe"
[ -f "$exe" ] || fail "cargo did not produce $exe"
mkdir -p "$work/bin"
cp "$exe" "$work/bin/ccsync.exe"
step_done

step "the Linux CLI for the emulator"
native="$CARGO_TARGET_DIR/debug/ccsync"
# scripts/test-all.sh builds it in an earlier stage; built here (the CLI alone) when this script
# runs on its own.
[ -x "$native" ] || cargo build -p ccsync
[ -x "$native" ] || fail "cargo did not produce $native"
step_done

step "the ProcessPrng shim (tests/windows/process_prng_shim.c, test only)"
x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -Wextra -Werror -o "$work/bin/bcryptprimitives.dll" \
  tests/windows/process_prng_shim.c -ladvapi32
step_done

step "a temporary Wine prefix (wineboot)"
prefix="$work/prefix"
new_prefix "$prefix"
step_done

step "ccsync.exe --version"
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
[ -n "$version" ] || fail "no version in Cargo.toml's [workspace.package]"
printed="$(ccsync_exe "$prefix" --version 2>"$work/version.err" | tr -d '\r')" || {
  cat "$work/version.err" >&2
  fail "ccsync.exe --version did not run under Wine"
}
[ "$printed" = "ccsync $version" ] || fail "ccsync.exe --version printed \"$printed\", expected \"ccsync $version\""
echo "    $printed"
step_done

step "the Linux emulator on 127.0.0.1 (1,000 users)"
CCSYNC_LOG_DIR="$work/emulator-logs" "$native" --json emulator --agents 1000 \
  >"$work/emulator.json" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 300); do
  if url="$(json "$work/emulator.json" url 2>/dev/null)"; then break; fi
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; fail "the emulator stopped at start-up"; }
  sleep 0.1
done
[ -n "${url:-}" ] || fail "the emulator printed no URL within 30 s"
client_id="$(json "$work/emulator.json" cxone.client_id)"
access_key_id="$(json "$work/emulator.json" cxone.access_key_id)"
client_secret="$(json "$work/emulator.json" cxone.client_secret)"
access_key_secret="$(json "$work/emulator.json" cxone.access_key_secret)"
echo "    $url"
step_done

data="$work/data"
mkdir -p "$data"
db="$(winpath "$data/ccsync.sqlite3")"
logs="$(winpath "$data/logs")"

step "connection add cxone: secrets into the Windows Credential Manager"
# The secrets reach `connection add` only (as on a real machine, where it would prompt for them).
if ! CCSYNC_CXONE_CLIENT_SECRET="$client_secret" CCSYNC_CXONE_ACCESS_KEY_SECRET="$access_key_secret" \
  CCSYNC_LOG_DIR="$logs" ccsync_exe "$prefix" --db "$db" --json connection add cxone --name Demo \
  --auth-url "$url" --client-id "$client_id" --access-key-id "$access_key_id" \
  >"$work/add.json" 2>"$work/add.err"; then
  cat "$work/add.json" "$work/add.err" >&2
  fail "connection add cxone failed under Wine"
fi
# With no usable keyring the CLI keeps the profile without its secrets and says so: not good enough.
if grep -q "no keyring here" "$work/add.err"; then
  cat "$work/add.err" >&2
  fail "the secrets were not stored: the Windows Credential Manager was not reachable"
fi
[ "$(json "$work/add.json" name)" = Demo ] || fail "connection add printed $(cat "$work/add.json")"
for secret in "$client_secret" "$access_key_secret"; do
  if grep -rqaF -- "$secret" "$data"; then
    fail "a secret was written to the database or the logs ($data)"
  fi
done
step_done

step "connection test: secrets read back from the Credential Manager (no CCSYNC_ variables)"
if ! CCSYNC_LOG_DIR="$logs" ccsync_exe "$prefix" --db "$db" --json connection test Demo \
  >"$work/test.json" 2>"$work/test.err"; then
  cat "$work/test.json" "$work/test.err" >&2
  fail "connection test could not read the secrets back"
fi
summary="$(json "$work/test.json" summary)"
case "$summary" in *"$url"*) ;; *) fail "connection test did not reach the emulator: $summary" ;; esac
echo "    $summary"
step_done

step "pull users: 1,000 users into $db"
if ! CCSYNC_LOG_DIR="$logs" ccsync_exe "$prefix" --db "$db" --json pull users \
  >"$work/pull.json" 2>"$work/pull.err"; then
  cat "$work/pull.json" "$work/pull.err" >&2
  fail "pull users failed under Wine"
fi
fetched="$(json "$work/pull.json" fetched)"
created="$(json "$work/pull.json" created)"
[ "$fetched/$created" = 1000/1000 ] || fail "pull users fetched $fetched and created $created, expected 1000 and 1000"
users="$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM records WHERE entity = '"'users'"'").fetchone()[0])' \
  "$data/ccsync.sqlite3")"
[ "$users" = 1000 ] || fail "the database holds $users users, expected 1000"
echo "    fetched 1000, created 1000; the database at $data/ccsync.sqlite3 holds 1000 users"
step_done

step "a fresh Wine prefix (no stored credentials) cannot read the secrets"
prefix2="$work/prefix-empty"
new_prefix "$prefix2"
if CCSYNC_LOG_DIR="$logs" ccsync_exe "$prefix2" --db "$db" --json connection test Demo \
  >"$work/empty.json" 2>"$work/empty.err"; then
  fail "connection test succeeded in a prefix that holds no credentials: the secrets came from elsewhere"
fi
code="$(json "$work/empty.json" error.code)"
message="$(json "$work/empty.json" error.message)"
[ "$code" = secret_missing ] || fail "expected the secret_missing error, got $code: $message"
case "$message" in *"is not in the keyring"*) ;; *) fail "unexpected message: $message" ;; esac
echo "    $message"
step_done

step "import users --dry-run tests/fixtures/csv/excel_damaged_1252.csv"
# Windows-1252 with Excel's damage: 4 rows, 2 valid (created), 2 invalid phone numbers.
if ! CCSYNC_LOG_DIR="$logs" ccsync_exe "$prefix" --db "$db" --json import users --dry-run \
  "$(winpath tests/fixtures/csv/excel_damaged_1252.csv)" >"$work/import.json" 2>"$work/import.err"; then
  cat "$work/import.json" "$work/import.err" >&2
  fail "import users --dry-run failed under Wine"
fi
counts="$(for key in rows created updated unchanged invalid run_id; do
  printf '%s=%s ' "$key" "$(json "$work/import.json" "$key")"
done)"
[ "$counts" = "rows=4 created=2 updated=0 unchanged=0 invalid=2 run_id=null " ] ||
  fail "import users --dry-run summary: $counts"
echo "    $counts"
step_done

step_name=""
echo "==> [windows] all checks passed"
