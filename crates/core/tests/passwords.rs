//! Set temporary passwords end to end on a real store file: the passwords file (BOM, CRLF, every
//! cell safe for spreadsheets), the hashes that verify, History, and above all that no password
//! reaches the database file, its write-ahead log or the log file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ccsync_core::model::{AuditAction, Entity};
use ccsync_core::passwords::{self, UserRef};
use ccsync_core::spreadsheet::unescape_formula;
use ccsync_core::store::Store;
use ccsync_core::ErrorCode;
use secrecy::SecretString;

const USERS: [(&str, &str, &str); 4] = [
    ("1001", "Ana Núñez", "ana@example.com"),
    ("1002", "=HYPERLINK(\"http://x\")", "+evil@example.com"),
    ("-1003", "Bob Stone", "bob@example.com"),
    ("1004", "Chloé Martin", "chloe@example.com"),
];

/// A user's CXone id, password hash, password set, must change, set at.
type PasswordColumns = (String, Option<String>, bool, bool, Option<String>);

fn store_with_users(dir: &Path) -> Mutex<Store> {
    let store = Store::open(&dir.join("ccsync.sqlite3")).unwrap();
    for (id, name, email) in USERS {
        store
            .conn()
            .execute(
                "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active,
                                      fields_hash, raw, group_name, first_synced_at, last_synced_at)
                 VALUES ('users', 7, ?1, ?2, ?3, lower(?3), 1, 0, '{}', 'Call Center Agents', 'now', 'now')",
                rusqlite::params![id, name, email],
            )
            .unwrap();
    }
    Mutex::new(store)
}

fn user(id: &str) -> UserRef {
    UserRef {
        business_unit_id: 7,
        id: id.into(),
    }
}

/// The rows of a passwords file, checked to be UTF-8 with a BOM and CRLF line ends.
fn read_file(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let body = text.strip_prefix('\u{feff}').expect("a BOM");
    assert!(body.ends_with("\r\n"));
    assert_eq!(body.matches('\n').count(), body.matches("\r\n").count(), "CRLF only");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn files_of(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect()
}

fn assert_nowhere(files: &[PathBuf], secrets: &[String]) {
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        for secret in secrets {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{} holds a password", file.display());
        }
    }
}

#[test]
fn passwords_are_written_once_to_the_file_and_only_their_hashes_stored() {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("logs");
    let guard = ccsync_core::logging::init(&log_dir).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let store = store_with_users(&data);
    let out = dir.path().join("passwords.csv");

    // Generated, one per user: three of the four.
    let chosen = [user("1001"), user("1002"), user("-1003"), user("1001")];
    let set = passwords::set_temporary_passwords(&store, &chosen, None, &out).unwrap();
    assert_eq!(
        (set.users, set.generated),
        (3, true),
        "a user chosen twice gets one password"
    );
    let rows = read_file(&out);
    assert_eq!(
        rows[0],
        [
            "CXone ID",
            "Name",
            "Email",
            "Temporary password",
            "Must change at first sign-in"
        ]
    );
    assert_eq!(rows.len(), 4);
    // Every cell safe for a spreadsheet, and read back exactly.
    let formula = &rows.iter().find(|r| r[0] == "1002").unwrap();
    assert_eq!(formula[1], "'=HYPERLINK(\"http://x\")");
    assert_eq!(formula[2], "'+evil@example.com");
    assert!(rows
        .iter()
        .any(|r| r[0] == "'-1003" && unescape_formula(&r[0]) == "-1003"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let mut plain: Vec<String> = rows[1..].iter().map(|r| r[3].clone()).collect();
    for password in &plain {
        assert_eq!(password.len(), passwords::GENERATED_LENGTH);
        assert_eq!(
            unescape_formula(password),
            password,
            "the file shows the password as it is"
        );
    }
    plain.sort();
    plain.dedup();
    assert_eq!(plain.len(), 3, "one password each");

    // The store: the flags, and hashes that verify.
    let hashes = |store: &Mutex<Store>| -> Vec<PasswordColumns> {
        let store = store.lock().unwrap();
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT cxone_id, password_hash, password_set, must_change_password, password_set_at FROM records
                 ORDER BY cxone_id",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    for (id, hash, set_flag, must_change, at) in hashes(&store) {
        let row = rows[1..].iter().find(|r| unescape_formula(&r[0]) == id);
        match row {
            Some(row) => {
                let hash = hash.expect("a hash");
                assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
                assert!(passwords::verify(&row[3], &hash), "{id}'s password verifies");
                assert!(set_flag && must_change && at.is_some(), "{id}");
                for other in rows[1..].iter().filter(|r| r[0] != row[0]) {
                    assert!(!passwords::verify(&other[3], &hash));
                }
            }
            None => assert!(
                hash.is_none() && !set_flag && !must_change && at.is_none(),
                "{id} untouched"
            ),
        }
    }
    let listed = store.lock().unwrap().list_records(Entity::Users).unwrap();
    let ana = listed.iter().find(|r| r.id == "1001").unwrap();
    assert!(ana.password_set && ana.must_change_password && ana.password_set_at.is_some());
    assert!(!listed.iter().find(|r| r.id == "1004").unwrap().password_set);

    // History: one run, an audit row per user, no password in either.
    let runs = store.lock().unwrap().list_runs(10).unwrap();
    assert_eq!(
        (runs[0].kind.as_str(), runs[0].updated, runs[0].id),
        ("passwords", 3, set.run_id)
    );
    let audit = store.lock().unwrap().run_audit(set.run_id).unwrap();
    assert_eq!(audit.len(), 3);
    for entry in &audit {
        assert_eq!(entry.action, AuditAction::Updated);
        assert_eq!(entry.changes[0].field, "Password");
        assert_eq!(entry.changes[0].old.as_deref(), Some("not set"));
    }

    // Typed, for one user: the rule applies, and one user only.
    let typed = "Typed-Temporary-Pw9".to_owned();
    let two = passwords::set_temporary_passwords(
        &store,
        &[user("1004"), user("1001")],
        Some(SecretString::from(typed.clone())),
        &dir.path().join("two.csv"),
    )
    .unwrap_err();
    assert_eq!(ccsync_core::ApiError::from(two).code, ErrorCode::InvalidInput);
    let weak = passwords::set_temporary_passwords(
        &store,
        &[user("1004")],
        Some(SecretString::from("short".to_owned())),
        &dir.path().join("weak.csv"),
    )
    .unwrap_err();
    assert!(weak.to_string().contains("at least 12"), "{weak}");
    assert!(!dir.path().join("two.csv").exists() && !dir.path().join("weak.csv").exists());
    let typed_out = dir.path().join("typed.csv");
    let set = passwords::set_temporary_passwords(
        &store,
        &[user("1004")],
        Some(SecretString::from(typed.clone())),
        &typed_out,
    )
    .unwrap();
    assert!(!set.generated);
    assert_eq!(read_file(&typed_out)[1][3], typed);
    let chloe = hashes(&store).into_iter().find(|h| h.0 == "1004").unwrap();
    assert!(passwords::verify(&typed, &chloe.1.unwrap()));

    // Setting again replaces the hash, and History says the password was set before.
    let again =
        passwords::set_temporary_passwords(&store, &[user("1001")], None, &dir.path().join("again.csv")).unwrap();
    let audit = store.lock().unwrap().run_audit(again.run_id).unwrap();
    assert_eq!(audit[0].changes[0].old.as_deref(), Some("set"));
    let new_password = read_file(&dir.path().join("again.csv"))[1][3].clone();
    let ana_hash = hashes(&store).into_iter().find(|h| h.0 == "1001").unwrap().1.unwrap();
    assert!(passwords::verify(&new_password, &ana_hash));
    let old_ana = &rows.iter().find(|r| r[0] == "1001").unwrap()[3];
    assert!(
        !passwords::verify(old_ana, &ana_hash),
        "the old password no longer works"
    );

    // No password anywhere on disk but in the files the admin chose: not in the database file,
    // nor its write-ahead log (scanned while the store is open), nor the log.
    let mut secrets = plain.clone();
    secrets.push(typed.clone());
    secrets.push(new_password.clone());
    let db_files = files_of(&data);
    assert!(
        db_files.iter().any(|f| f.to_string_lossy().ends_with("-wal")),
        "{db_files:?}"
    );
    assert_nowhere(&db_files, &secrets);
    drop(store);
    drop(guard); // flushes the log
    let logs = files_of(&log_dir);
    assert!(logs
        .iter()
        .any(|f| std::fs::read_to_string(f).unwrap().contains("temporary passwords set")));
    assert_nowhere(&logs, &secrets);
    // And after the log is checkpointed into the database file.
    assert_nowhere(&files_of(&data), &secrets);
    let reopened = Store::open(&data.join("ccsync.sqlite3")).unwrap();
    drop(reopened);
    assert_nowhere(&files_of(&data), &secrets);
}

#[test]
fn a_file_that_cannot_be_written_sets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_users(dir.path());
    let error = passwords::set_temporary_passwords(
        &store,
        &[user("1001")],
        None,
        &dir.path().join("no such folder/passwords.csv"),
    )
    .unwrap_err();
    assert_eq!(ccsync_core::ApiError::from(error).code, ErrorCode::Io);
    let store = store.lock().unwrap();
    assert!(store
        .list_records(Entity::Users)
        .unwrap()
        .iter()
        .all(|r| !r.password_set));
    assert!(store.list_runs(10).unwrap().is_empty());
}

#[test]
fn a_store_that_refuses_the_hashes_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_users(dir.path());
    store
        .lock()
        .unwrap()
        .set_busy_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    // Another process holds the write lock.
    let other = rusqlite::Connection::open(dir.path().join("ccsync.sqlite3")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = dir.path().join("passwords.csv");
    let error = passwords::set_temporary_passwords(&store, &[user("1001"), user("1002")], None, &out).unwrap_err();
    assert_eq!(ccsync_core::ApiError::from(error).code, ErrorCode::Busy);
    assert!(!out.exists(), "the file of passwords that were never set is removed");
    other.execute_batch("ROLLBACK").unwrap();
    let store = store.lock().unwrap();
    assert!(store
        .list_records(Entity::Users)
        .unwrap()
        .iter()
        .all(|r| !r.password_set));
}

#[test]
fn unknown_users_and_empty_choices_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_users(dir.path());
    let out = dir.path().join("passwords.csv");
    let error = passwords::set_temporary_passwords(&store, &[], None, &out).unwrap_err();
    assert_eq!(ccsync_core::ApiError::from(error).code, ErrorCode::InvalidInput);
    let error = passwords::set_temporary_passwords(&store, &[user("1001"), user("9999")], None, &out).unwrap_err();
    assert_eq!(ccsync_core::ApiError::from(error).code, ErrorCode::NotFound);
    assert!(!out.exists());
    // The command line's ways of choosing.
    let store = store.lock().unwrap();
    assert_eq!(passwords::users_without_password(&store).unwrap().len(), 4);
    assert_eq!(
        passwords::users_by_id(&store, &["1004".into()], None).unwrap(),
        [user("1004")]
    );
    assert!(passwords::users_by_id(&store, &["1004".into()], Some(8)).is_err());
}
