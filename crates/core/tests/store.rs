//! The SQLite store: migrations, backups, crash safety (WAL).

use std::process::Command;

use ccsync_core::model::ConnectionSettings;
use ccsync_core::store::{Store, LATEST_SCHEMA_VERSION};

fn cxone(auth_url: &str) -> ConnectionSettings {
    ConnectionSettings::Cxone {
        auth_url: auth_url.into(),
        client_id: "client".into(),
        access_key_id: "key".into(),
        campaigns_from_skills: false,
    }
}

#[test]
fn migrations_apply_to_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/ccsync.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_SCHEMA_VERSION);
    let mode: String = store
        .conn()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .conn()
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    assert!(store.list_connections().unwrap().is_empty());
    // A fresh file has nothing to lose, so no backup is written.
    let backups = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".bak"));
    assert_eq!(backups.count(), 0);
}

#[test]
fn migrations_upgrade_a_file_of_the_previous_schema_and_back_it_up_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ccsync.sqlite3");
    {
        let old = Store::open_at_version(&path, LATEST_SCHEMA_VERSION - 1).unwrap();
        assert_eq!(old.schema_version().unwrap(), LATEST_SCHEMA_VERSION - 1);
        old.conn()
            .execute(
                "INSERT INTO connections (id, name, kind, settings, created_at, updated_at)
                 VALUES ('c1', 'Prod', 'cxone', ?1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                [serde_json::to_string(&cxone("https://cxone.niceincontact.com")).unwrap()],
            )
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_SCHEMA_VERSION);
    let all = store.list_connections().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "Prod");
    assert_eq!(all[0].last_test, None);
    store.record_connection_test("c1", true, "fine").unwrap();
    assert!(store.get_connection("c1").unwrap().unwrap().last_test.unwrap().ok);

    let backup = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".bak"))
        .expect("a backup was written before migrating");
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("ccsync.sqlite3.v{}-", LATEST_SCHEMA_VERSION - 1)),
        "{name}"
    );
    let old = rusqlite::Connection::open(&backup).unwrap();
    let version: i64 = old.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version as usize, LATEST_SCHEMA_VERSION - 1);
    let rows: i64 = old
        .query_row("SELECT count(*) FROM connections", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);
}

#[test]
fn a_file_from_a_newer_version_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ccsync.sqlite3");
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let err = Store::open(&path).err().expect("a newer schema must be refused");
    assert!(err.to_string().contains("newer CC Sync"), "{err}");
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 999);
}

#[test]
fn duplicate_names_are_refused_case_insensitively() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    store
        .insert_connection("a", "Production", &cxone("https://x.example"), false)
        .unwrap();
    let err = store
        .insert_connection("b", "production", &cxone("https://x.example"), false)
        .unwrap_err();
    assert_eq!(err.code(), ccsync_core::ErrorCode::NameTaken);
}

const CRASH_ENV: &str = "CCSYNC_TEST_CRASH_DB";

/// Run as a child process by the test below: commits one row, starts writing another, then dies
/// without closing anything (as a power cut or a kill would).
#[test]
fn crash_helper() {
    let Some(path) = std::env::var_os(CRASH_ENV) else {
        return;
    };
    let mut store = Store::open(std::path::Path::new(&path)).unwrap();
    store
        .insert_connection("committed", "Committed", &cxone("https://a.example"), false)
        .unwrap();
    let tx = store.conn_mut().transaction().unwrap();
    tx.execute(
        "INSERT INTO connections (id, name, kind, settings, created_at, updated_at)
         VALUES ('torn', 'Torn', 'cxone', '{}', 'x', 'x')",
        [],
    )
    .unwrap();
    std::process::abort();
}

#[test]
fn the_store_reopens_after_a_crash_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ccsync.sqlite3");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_helper", "--nocapture", "--test-threads=1"])
        .env(CRASH_ENV, &path)
        .status()
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(6),
            "the helper must die by abort() mid-write: {status}"
        );
    }
    // On Windows, abort() is __fastfail: the exit code is STATUS_STACK_BUFFER_OVERRUN.
    #[cfg(windows)]
    assert_eq!(
        status.code(),
        Some(0xC000_0409_u32 as i32),
        "the helper must die by abort() mid-write: {status}"
    );
    assert!(
        dir.path().join("ccsync.sqlite3-wal").exists(),
        "the crash left a WAL file to recover"
    );

    let store = Store::open(&path).unwrap();
    let check: String = store
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let names: Vec<String> = store.list_connections().unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        vec!["Committed".to_owned()],
        "the committed row survives; the torn one is gone"
    );
}

mod recovery {
    use ccsync_core::store::recovery::{diagnose, newest_backup, recover, Recovery, StoreProblemKind};
    use ccsync_core::store::{Store, LATEST_SCHEMA_VERSION};

    use super::cxone;

    /// Every file in `dir` with its bytes.
    fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
        let mut all: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        all.sort();
        all
    }

    #[test]
    fn a_damaged_file_is_described_and_a_new_database_keeps_it_beside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ccsync.sqlite3");
        let garbage = b"this is not a database, it is a shopping list\n".repeat(100);
        std::fs::write(&path, &garbage).unwrap();
        let error = Store::open(&path).err().expect("garbage must not open");
        let problem = diagnose(&path, &error);
        assert_eq!(problem.kind, StoreProblemKind::Corrupt);
        assert!(
            problem.message.contains("damaged") && problem.message.contains("ccsync.sqlite3"),
            "{problem:?}"
        );
        assert_eq!(problem.database_path, path.display().to_string());
        assert_eq!(problem.data_folder, dir.path().display().to_string());
        assert_eq!(problem.backup, None);
        // The file is untouched by the failed open.
        assert_eq!(std::fs::read(&path).unwrap(), garbage);

        let aside = recover(&path, Recovery::StartNew)
            .unwrap()
            .expect("the damaged file is set aside");
        assert!(
            aside
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("ccsync.sqlite3.unusable-"),
            "{aside:?}"
        );
        assert_eq!(std::fs::read(&aside).unwrap(), garbage, "kept byte for byte");
        let store = Store::open(&path).unwrap();
        assert!(store.list_connections().unwrap().is_empty());
    }

    #[test]
    fn the_newest_backup_can_replace_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ccsync.sqlite3");
        {
            let store = Store::open_at_version(&path, LATEST_SCHEMA_VERSION - 1).unwrap();
            store
                .conn()
                .execute(
                    "INSERT INTO connections (id, name, kind, settings, is_demo, created_at, updated_at)
                     VALUES ('c1', 'Prod', 'cxone', ?1, 0, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
                    [serde_json::to_string(&cxone("https://a.example")).unwrap()],
                )
                .unwrap();
        }
        drop(Store::open(&path).unwrap()); // migrates, writing a backup first
        let backup = newest_backup(&path).expect("a backup");
        std::fs::write(&path, b"damaged").unwrap();
        let problem = diagnose(&path, &Store::open(&path).err().unwrap());
        assert_eq!(problem.backup, Some(backup.display().to_string()));
        assert!(
            problem.message.contains("Restore the newest backup"),
            "{}",
            problem.message
        );
        let before: Vec<_> = files(dir.path()).into_iter().map(|(name, _)| name).collect();

        let aside = recover(&path, Recovery::RestoreBackup).unwrap().unwrap();
        assert_eq!(std::fs::read(&aside).unwrap(), b"damaged");
        assert!(backup.exists(), "the backup itself stays");
        let after: Vec<_> = files(dir.path()).into_iter().map(|(name, _)| name).collect();
        assert!(
            before
                .iter()
                .all(|name| name == "ccsync.sqlite3" || after.contains(name)),
            "{before:?} {after:?}"
        );
        let store = Store::open(&path).unwrap();
        assert_eq!(store.list_connections().unwrap()[0].name, "Prod");
    }

    #[test]
    fn restoring_without_a_backup_says_so_and_moves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ccsync.sqlite3");
        std::fs::write(&path, b"damaged").unwrap();
        let error = recover(&path, Recovery::RestoreBackup).unwrap_err();
        assert!(error.to_string().contains("no backup"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"damaged");
    }

    #[test]
    fn a_newer_file_names_the_version_that_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ccsync.sqlite3");
        drop(Store::open(&path).unwrap());
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute("UPDATE settings SET value = '9.4.0' WHERE key = 'app.written_by'", [])
            .unwrap();
        raw.pragma_update(None, "user_version", 999).unwrap();
        drop(raw);
        let problem = diagnose(&path, &Store::open(&path).err().unwrap());
        assert_eq!(problem.kind, StoreProblemKind::Newer);
        assert!(
            problem.message.contains("version 9.4.0") && problem.message.contains("schema 999"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn a_file_another_process_holds_is_locked_not_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ccsync.sqlite3");
        drop(Store::open(&path).unwrap());
        let holder = rusqlite::Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
            .unwrap();
        let problem = diagnose(&path, &Store::open(&path).err().expect("held exclusively"));
        assert_eq!(problem.kind, StoreProblemKind::Locked, "{}", problem.message);
        assert!(problem.message.contains("Try again"), "{}", problem.message);
        holder.execute_batch("COMMIT").unwrap();
        drop(holder);
        assert_eq!(recover(&path, Recovery::TryAgain).unwrap(), None);
        Store::open(&path).unwrap();
    }
}

/// Another process holding the write lock past the busy timeout gives a sentence and the `busy`
/// code, never SQLite's raw "database is locked".
#[test]
fn a_database_held_by_another_writer_gives_a_sentence_not_database_is_locked() {
    use ccsync_core::mapping::admin;
    use ccsync_core::vendor::directory::Platform;
    use ccsync_core::ErrorCode;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ccsync.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let link = ccsync_core::mapping::links::testing::unit_link(&store, 1, Platform::Ringcentral, "RC");
    store.set_busy_timeout(std::time::Duration::from_millis(200)).unwrap();
    // The other process: a connection of its own, holding a write transaction.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let failures = [
        store.set_setting("some.key", "value").unwrap_err(),
        admin::unmap_user(&mut store, &link, 1).unwrap_err(),
        store
            .acquire_job("auto_sync:ringcentral", "Auto Sync for RingCentral")
            .unwrap_err(),
    ];
    for error in failures {
        let message = error.to_string();
        assert_eq!(error.code(), ErrorCode::Busy, "{message}");
        assert!(!message.to_lowercase().contains("database is locked"), "{message}");
        assert!(
            message.contains("another CC Sync") && message.contains("Nothing was changed"),
            "{message}"
        );
        assert_eq!(ccsync_core::ApiError::from(&error).code, ErrorCode::Busy);
    }
    other.execute_batch("COMMIT").unwrap();
    store.set_setting("some.key", "value").unwrap();
}
