#!/usr/bin/env bash
# Install smoke test: builds the release .deb and .rpm, installs the .deb with apt-get as a user would,
# then runs the INSTALLED binaries (/usr/bin/ccsync, /usr/bin/ccsync-desktop) in a headless desktop
# session: `ccsync --version`, a pull of 1,000 users from `ccsync emulator` into a temporary database
# (secrets stored in and read back from the keyring), and `ccsync-desktop --demo` under Xvfb until
# its window shows (screenshot in target/install-smoke/). Then removes the package and checks that
# nothing is left in /usr/bin. Needs root (or sudo) for apt-get.
#   scripts/test-install.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
shots="$root/target/install-smoke"
users=1000

# Runs one named step and prints how long it took.
step() {
  local name="$1"
  shift
  echo "==> $name"
  local started=$SECONDS
  "$@"
  echo "    ok: $name ($((SECONDS - started)) s)"
}

fail() {
  echo "test-install.sh: $*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------------
# The checks on the installed binaries. They run inside scripts/headless-session.sh (Xvfb, a private
# D-Bus session, an unlocked gnome-keyring, a temporary HOME), started by the outer part below.
if [ "${1:-}" = "--installed-checks" ]; then
  version="$2"
  work="$(mktemp -d)"
  emulator_pid=""
  app_pid=""
  stop() {
    local pid="$1"
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  }
  cleanup_inner() {
    stop "$app_pid"
    stop "$emulator_pid"
    rm -rf "$work"
  }
  trap cleanup_inner EXIT
  export CCSYNC_LOG_DIR="$work/logs"
  db="$work/ccsync.sqlite3"

  check_version() {
    [ "$(command -v ccsync)" = /usr/bin/ccsync ] || fail "ccsync on the PATH is $(command -v ccsync), not /usr/bin/ccsync"
    local printed
    printed="$(/usr/bin/ccsync --version)"
    echo "    $printed"
    [ "$printed" = "ccsync $version" ] || fail "'ccsync --version' printed '$printed', expected 'ccsync $version'"
  }

  start_emulator() {
    /usr/bin/ccsync --json emulator --port 0 --agents "$users" >"$work/emulator.json" 2>"$work/emulator.err" &
    emulator_pid=$!
    for _ in $(seq 100); do
      if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/emulator.json" 2>/dev/null; then
        echo "    listening on $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/emulator.json")"
        return 0
      fi
      kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.err" >&2; fail "the emulator exited"; }
      sleep 0.1
    done
    fail "the emulator did not print its address within 10 s"
  }

  # The emulator's demo credentials, one field at a time.
  cred() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]] if len(sys.argv)<4 else d[sys.argv[2]][sys.argv[3]])' \
      "$work/emulator.json" "$@"
  }

  add_connection() {
    # The secrets come from the environment once and go to the keyring (gnome-keyring here).
    CCSYNC_CXONE_CLIENT_SECRET="$(cred cxone client_secret)" \
      CCSYNC_CXONE_ACCESS_KEY_SECRET="$(cred cxone access_key_secret)" \
      /usr/bin/ccsync --db "$db" connection add cxone --name "Install smoke" --auth-url "$(cred url)" \
      --client-id "$(cred cxone client_id)" --access-key-id "$(cred cxone access_key_id)"
  }

  pull_users() {
    # No CCSYNC_… secrets now: the pull reads them back from the keyring.
    env -u CCSYNC_CXONE_CLIENT_SECRET -u CCSYNC_CXONE_ACCESS_KEY_SECRET \
      /usr/bin/ccsync --db "$db" --json pull users --select all >"$work/pull.json"
    local created
    created="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["created"])' "$work/pull.json")"
    [ "$created" = "$users" ] || fail "the pull created $created users, expected $users: $(cat "$work/pull.json")"
    local stored
    stored="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM records WHERE entity = '"'"'users'"'"'").fetchone()[0])' "$db")"
    echo "    $stored users in $db"
    [ "$stored" = "$users" ] || fail "the database holds $stored users, expected $users"
  }

  start_app() {
    /usr/bin/ccsync-desktop --demo >"$work/app.log" 2>&1 &
    app_pid=$!
    local window
    window="$(timeout 60 xdotool search --sync --onlyvisible --name '^CC Sync$' | head -1)" ||
      { cat "$work/app.log" >&2; fail "no 'CC Sync' window within 60 s"; }
    echo "    window $window"
    mkdir -p "$shots"
    # The window maps before WebKit paints: wait until its content has text and colours in it.
    local colours=0 deviation=0
    for _ in $(seq 60); do
      kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; fail "ccsync-desktop exited"; }
      import -window "$window" "$shots/window.png" 2>/dev/null || true
      if [ -s "$shots/window.png" ]; then
        colours="$(identify -format '%k' "$shots/window.png")"
        deviation="$(identify -format '%[fx:standard_deviation]' "$shots/window.png")"
        if [ "$colours" -ge 200 ] && python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0.05 else 1)' "$deviation"; then
          break
        fi
      fi
      sleep 0.5
    done
    import -window root "$shots/screen.png"
    echo "    window: $colours colours, standard deviation $deviation; screenshots in $shots"
    [ "$colours" -ge 200 ] || fail "the window stayed blank ($colours colours; see $shots/window.png)"
  }

  stop_app() {
    kill -0 "$app_pid" 2>/dev/null || fail "ccsync-desktop had exited before it was stopped"
    stop "$app_pid"
    app_pid=""
  }

  step "installed ccsync --version" check_version
  step "installed ccsync emulator ($users users)" start_emulator
  step "installed ccsync connection add (secrets to the keyring)" add_connection
  step "installed ccsync pull users (secrets from the keyring)" pull_users
  stop "$emulator_pid"
  emulator_pid=""
  step "installed ccsync-desktop --demo: window and screenshot" start_app
  step "stop ccsync-desktop" stop_app
  exit 0
fi

# ---------------------------------------------------------------------------------------------------
# Outer part: build, inspect, install, run the checks above, remove.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
apt_get() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 -y -qq "$@"
}

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
[ -n "$version" ] || fail "no version in Cargo.toml's [workspace.package]"
bundle="$target_dir/release/bundle"
started_all=$SECONDS
package=""
cleanup() {
  if [ -n "$package" ] && dpkg -s "$package" >/dev/null 2>&1; then
    echo "==> Removing $package (cleanup)"
    apt_get remove "$package" >/dev/null || true
  fi
}
trap cleanup EXIT

step "build the release .deb and .rpm" scripts/build-installers.sh --bundles deb,rpm
deb="$(ls -t "$bundle/deb/"*"_${version}_$(dpkg --print-architecture).deb" | head -1)"
rpm="$(ls -t "$bundle/rpm/"*"-${version}-1."*.rpm | head -1)"
package_name="$(dpkg-deb -f "$deb" Package)"

inspect_deb() {
  dpkg-deb -I "$deb" | sed -n '/ Package:/,$p'
  local files
  files="$(dpkg-deb -c "$deb" | awk '{sub(/^\.\//, "", $6); print "/" $6}')"
  echo "    in /usr/bin: $(sed -n 's|^/usr/bin/\(.\)|\1|p' <<<"$files" | tr '\n' ' ')"
  for file in /usr/bin/ccsync /usr/bin/ccsync-desktop; do
    grep -qx "$file" <<<"$files" || fail "the .deb has no $file"
  done
  [[ "$(dpkg-deb -f "$deb" Depends)" == *libayatana-appindicator3-1* ]] ||
    fail "the .deb does not depend on the tray library"
  [[ "$(dpkg-deb -f "$deb" Recommends)" == *gnome-keyring* ]] ||
    fail "the .deb does not recommend a Secret Service provider"
  [ "$(dpkg-deb -f "$deb" Description | wc -l)" -ge 2 ] || fail "the .deb has a one-line description"
}

# No rpm tool here: read the file list, requirements and recommendations from the RPM header.
inspect_rpm() {
  python3 - "$rpm" <<'EOF'
import struct, sys

data = open(sys.argv[1], "rb").read()

def header(offset):
    assert data[offset:offset + 3] == b"\x8e\xad\xe8", "not an RPM header"
    count, size = struct.unpack(">II", data[offset + 8:offset + 16])
    store = offset + 16 + 16 * count
    tags = {}
    for i in range(count):
        tag, kind, off, n = struct.unpack(">IIII", data[offset + 16 + 16 * i:offset + 32 + 16 * i])
        at = store + off
        if kind == 4:  # int32 array
            tags[tag] = list(struct.unpack(">%dI" % n, data[at:at + 4 * n]))
        elif kind in (6, 8, 9):  # string, string array, i18n string
            tags[tag] = data[at:].split(b"\0")[:n]
    return tags, store + size

_, end = header(96)          # the signature header, padded to 8 bytes
tags, _ = header((end + 7) // 8 * 8)
files = ["%s%s" % (tags[1118][i].decode(), b.decode()) for i, b in zip(tags[1116], tags[1117])]
requires = [r.decode() for r in tags.get(1049, [])]
recommends = [r.decode() for r in tags.get(5046, [])]
print("    name: %s %s" % (tags[1000][0].decode(), tags[1001][0].decode()))
print("    requires: %s" % ", ".join(r for r in requires if not r.startswith("rpmlib(")))
print("    recommends: %s" % ", ".join(recommends))
print("    description: %s" % tags[1005][0].decode()[:100] + "…")
print("    in /usr/bin: %s" % ", ".join(f for f in files if f.startswith("/usr/bin/")))
missing = {"/usr/bin/ccsync", "/usr/bin/ccsync-desktop"} - set(files)
assert not missing, "the .rpm lacks %s" % ", ".join(sorted(missing))
assert "libayatana-appindicator-gtk3" in requires, "the .rpm does not require the tray library"
assert recommends, "the .rpm recommends no Secret Service provider"
EOF
}

install_deb() {
  if [ -e /usr/bin/ccsync ] || [ -e /usr/bin/ccsync-desktop ]; then
    fail "/usr/bin/ccsync or /usr/bin/ccsync-desktop is already there: remove CC Sync before this test"
  fi
  package="$package_name"
  apt_get install "$deb" >/dev/null
  [ "$(dpkg-query -W -f '${Status}' "$package")" = "install ok installed" ] || fail "$package is not installed"
}

remove_deb() {
  apt_get remove "$package" >/dev/null
  package=""
  for file in /usr/bin/ccsync /usr/bin/ccsync-desktop; do
    [ ! -e "$file" ] || fail "$file is still there after apt-get remove"
  done
}

step "inspect the .deb" inspect_deb
step "inspect the .rpm" inspect_rpm
step "apt-get install $(basename "$deb")" install_deb
step "installed binaries in a headless session" \
  scripts/headless-session.sh "$root/scripts/test-install.sh" --installed-checks "$version"
step "apt-get remove $package_name" remove_deb

echo
echo "==> Install smoke test passed in $((SECONDS - started_all)) s"
printf '    %s  %s\n' "$(du -h "$deb" | cut -f1)" "$deb" "$(du -h "$rpm" | cut -f1)" "$rpm"
