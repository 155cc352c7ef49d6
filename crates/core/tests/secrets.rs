//! The same contract for every `SecretStore`: the in-memory one always, the OS keyring when one is
//! running. Set `CCSYNC_TEST_KEYRING=1` to make a missing keyring a failure (CI does, inside
//! `dbus-run-session` with an unlocked gnome-keyring).

use std::process::Command;

use ccsync_core::model::SecretKind;
use ccsync_core::secrets::{KeyringStore, MemoryStore, SecretKey, SecretStore};
use ccsync_core::ErrorCode;
use secrecy::{ExposeSecret, SecretString};

fn contract(store: &dyn SecretStore) {
    let id = format!("contract-{}", uuid::Uuid::new_v4());
    let key = SecretKey::new(&id, SecretKind::ClientSecret);
    let other = SecretKey::new(&id, SecretKind::AccessKeySecret);

    assert!(store.get(&key).unwrap().is_none(), "absent secrets read as None");
    // Access key secrets often end in '=' and contain '+' and '/'; non-ASCII must survive too.
    let value = "s3cr3t+/with=padding==·ünïcödé";
    store.set(&key, &SecretString::from(value)).unwrap();
    assert_eq!(store.get(&key).unwrap().unwrap().expose_secret(), value);
    assert!(
        store.get(&other).unwrap().is_none(),
        "secrets of one kind do not leak into another"
    );

    store.set(&key, &SecretString::from("replaced")).unwrap();
    assert_eq!(store.get(&key).unwrap().unwrap().expose_secret(), "replaced");

    store.delete(&key).unwrap();
    assert!(store.get(&key).unwrap().is_none());
    store.delete(&key).unwrap(); // deleting twice is fine
}

#[test]
fn memory_store_keeps_the_contract() {
    contract(&MemoryStore::default());
}

fn keyring_required() -> bool {
    std::env::var_os("CCSYNC_TEST_KEYRING").is_some_and(|v| v == "1")
}

#[test]
fn keyring_store_keeps_the_contract() {
    let store = KeyringStore;
    if let Err(error) = store.probe() {
        assert!(
            !keyring_required(),
            "CCSYNC_TEST_KEYRING=1 but the keyring is unavailable: {error}"
        );
        eprintln!("skipped: no keyring in this session ({error})");
        return;
    }
    contract(&store);
}

const READ_ENV: &str = "CCSYNC_TEST_KEYRING_READ";
const WRITE_ENV: &str = "CCSYNC_TEST_KEYRING_WRITE";

/// Child process for the persistence test: writes or reads one secret, then exits.
#[test]
fn keyring_child() {
    if let Some(id) = std::env::var_os(WRITE_ENV) {
        let key = SecretKey::new(&id.to_string_lossy(), SecretKind::AccessToken);
        KeyringStore
            .set(&key, &SecretString::from("persisted-across-processes"))
            .unwrap();
    }
    if let Some(id) = std::env::var_os(READ_ENV) {
        let key = SecretKey::new(&id.to_string_lossy(), SecretKind::AccessToken);
        let value = KeyringStore
            .get(&key)
            .unwrap()
            .expect("the secret written by the other process");
        assert_eq!(value.expose_secret(), "persisted-across-processes");
        KeyringStore.delete(&key).unwrap();
    }
}

fn run_child(var: &str, id: &str, extra_env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "keyring_child", "--nocapture", "--test-threads=1"])
        .env(var, id);
    for (k, v) in extra_env {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn keyring_secrets_persist_across_processes() {
    if KeyringStore.probe().is_err() {
        assert!(
            !keyring_required(),
            "CCSYNC_TEST_KEYRING=1 but the keyring is unavailable"
        );
        return;
    }
    let id = format!("persist-{}", uuid::Uuid::new_v4());
    assert!(run_child(WRITE_ENV, &id, &[]).status.success());
    let read = run_child(READ_ENV, &id, &[]);
    assert!(read.status.success(), "{}", String::from_utf8_lossy(&read.stdout));
}

const PROBE_ENV: &str = "CCSYNC_TEST_KEYRING_PROBE";

/// Child process: probes the keyring and prints the error code it got.
#[test]
fn keyring_probe_child() {
    if std::env::var_os(PROBE_ENV).is_none() {
        return;
    }
    match KeyringStore.probe() {
        Ok(()) => println!("PROBE=ok"),
        Err(error) => println!("PROBE={:?} MESSAGE={error}", error.code()),
    }
}

#[test]
fn with_no_session_bus_the_keyring_is_reported_unavailable() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "keyring_probe_child", "--nocapture", "--test-threads=1"])
        .env(PROBE_ENV, "1")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ccsync-test-bus")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = format!("PROBE={:?}", ErrorCode::KeyringUnavailable);
    assert!(stdout.contains(&expected), "{stdout}");
    assert!(
        stdout.contains("gnome-keyring"),
        "the message says how to fix it: {stdout}"
    );
}
