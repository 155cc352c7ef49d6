//! The version people see (About, `ccsync --version`, the installers' names) is written in six files;
//! `scripts/bump-version.mjs` changes them together. These tests hold the repository to one version and
//! run the bump on a copy, so a manifest that changes shape cannot silently keep an old version.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file the bump edits, plus the member manifests it reads the crate names from.
const FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "CHANGELOG.md",
    "src-tauri/tauri.conf.json",
    "ui/package.json",
    "ui/package-lock.json",
    "crates/core/Cargo.toml",
    "crates/emulator/Cargo.toml",
    "crates/demo/Cargo.toml",
    "crates/cli/Cargo.toml",
    "src-tauri/Cargo.toml",
];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn bump(args: &[&str]) -> std::process::Output {
    Command::new("node")
        .arg(repository().join("scripts/bump-version.mjs"))
        .args(args)
        .output()
        .expect("node runs (install-deps.sh installs it)")
}

fn copy_of_repository() -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for file in FILES {
        let to = copy.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repository().join(file), to).unwrap();
    }
    copy
}

#[test]
fn every_manifest_carries_the_crate_version() {
    let check = bump(&["--check"]);
    let said = String::from_utf8_lossy(&check.stdout).into_owned() + &String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "{said}");
    assert!(said.contains(&format!("at {}.", env!("CARGO_PKG_VERSION"))), "{said}");
}

#[test]
fn one_command_bumps_every_manifest_and_dates_the_changelog() {
    let copy = copy_of_repository();
    let root = copy.path().to_str().unwrap();
    let out = bump(&["9.8.7-rc.1", "--root", root, "--date", "2030-01-02"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let check = bump(&["--check", "--root", root]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(String::from_utf8_lossy(&check.stdout).contains("at 9.8.7-rc.1."));
    let read = |file: &str| std::fs::read_to_string(copy.path().join(file)).unwrap();
    let old = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    let lock = read("Cargo.lock");
    for name in [
        "ccsync",
        "ccsync-core",
        "ccsync-demo",
        "ccsync-desktop",
        "ccsync-emulator",
    ] {
        assert!(
            lock.contains(&format!("name = \"{name}\"\nversion = \"9.8.7-rc.1\"\n")),
            "{name}"
        );
    }
    let tauri: serde_json::Value = serde_json::from_str(&read("src-tauri/tauri.conf.json")).unwrap();
    assert_eq!(tauri["version"], "9.8.7-rc.1");
    // The root package's two version fields change; the dependencies' versions are left alone.
    let package_lock = read("ui/package-lock.json");
    assert_eq!(package_lock.matches("\"version\": \"9.8.7-rc.1\"").count(), 2);
    let before = std::fs::read_to_string(repository().join("ui/package-lock.json")).unwrap();
    assert_eq!(package_lock.matches(&old).count(), before.matches(&old).count() - 2);

    let changelog = read("CHANGELOG.md");
    let unreleased = changelog.find("## [Unreleased]\n").unwrap();
    let released = changelog.find("## [9.8.7-rc.1] - 2030-01-02\n").unwrap();
    assert!(
        unreleased < released,
        "a fresh Unreleased heading above the new version"
    );
    assert!(
        !changelog[unreleased..released].contains("- "),
        "the Unreleased section starts empty"
    );

    let again = bump(&["9.8.7-rc.1", "--root", root]);
    assert!(
        !again.status.success(),
        "the same version twice is refused by the changelog"
    );
}

#[test]
fn a_version_that_is_not_semver_is_refused_and_nothing_changes() {
    let copy = copy_of_repository();
    let root = copy.path().to_str().unwrap();
    for wrong in ["1.2", "v1.2.3", "01.2.3", "1.2.3.4"] {
        let out = bump(&[wrong, "--root", root]);
        assert!(!out.status.success(), "{wrong}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not a semantic version"),
            "{wrong}"
        );
    }
    for file in FILES {
        assert_eq!(
            std::fs::read(copy.path().join(file)).unwrap(),
            std::fs::read(repository().join(file)).unwrap(),
            "{file} untouched"
        );
    }
}
