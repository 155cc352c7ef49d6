//! Temporary passwords for users (Records → Set temporary passwords, `ccsync records
//! set-passwords`): a strong random password per user, or one the admin typed for one user; only an
//! Argon2id hash is stored; the users must change it at first sign-in; the passwords are handed out
//! once, in a CSV file the admin saves, and never again.
//!
//! The rules:
//! - **Generated**: [`GENERATED_LENGTH`] characters drawn uniformly by the OS's CSPRNG from an
//!   alphabet without look-alikes (no `I O l o 0 1`, no quotes, commas, spaces or backslashes),
//!   with at least one upper-case letter, lower-case letter, digit and symbol (drawn again until
//!   so: a rejection that keeps every valid password equally likely), starting with a letter —
//!   about 96 bits of entropy, and nothing a spreadsheet would read as a formula.
//! - **Typed** ([`check_typed`]): for one user at a time (a temporary password shared by several
//!   users would let each sign in as the others until they change it); at least
//!   [`MIN_TYPED_LENGTH`] characters, at most [`MAX_LENGTH`], three of the four kinds of character,
//!   no control characters, no space at either end, and no formula sign first, so that the file
//!   shows it exactly as typed.
//! - **Hash**: Argon2id (RFC 9106), m = 19 MiB, t = 2, p = 1 — OWASP's recommended minimum for
//!   Argon2id: about 20–40 ms a hash on an admin's laptop, so setting passwords for hundreds of users
//!   takes seconds, while each guess costs an attacker with the file 19 MiB of memory. Stored as a PHC
//!   string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a random 16-byte salt, so a later
//!   version can raise the parameters and still verify older hashes.
//! - **Order**: hash, then write the file, then store the hashes in one transaction with a History
//!   run and an audit row per user. The file first: if it cannot be written, nothing is stored, and
//!   no user ends up with a password nobody knows. If the store then refuses, the file is removed
//!   (its passwords were never set). The plain text lives only in memory ([`SecretString`], wiped
//!   on drop) until the file is written; it is never stored, logged or returned.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::{OsRng, RngCore};
use rayon::prelude::*;
use rusqlite::{params, OptionalExtension};
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::model::{AuditAction, Entity, FieldChange, RunKind};
use crate::spreadsheet::{self, escape_formula};
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
use crate::{Error, Result};

/// Length of a generated password.
pub const GENERATED_LENGTH: usize = 16;
/// The shortest password an admin may type.
pub const MIN_TYPED_LENGTH: usize = 12;
/// The longest password accepted (typed ones; hashing cost does not depend on it).
pub const MAX_LENGTH: usize = 128;

const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
const SYMBOLS: &[u8] = b"!#$%*+-=?@_";

/// Argon2id memory cost in KiB (19 MiB), iterations and lanes: OWASP's minimum for Argon2id.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

/// One user the admin chose, as the Records screen lists them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserRef {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub business_unit_id: i64,
    /// The CXone id (or `import:<email>` for a user a CSV import created).
    pub id: String,
}

/// What Set temporary passwords did. Never carries a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PasswordsSet {
    /// The History run.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub run_id: i64,
    pub users: u32,
    /// Where the only copy of the passwords was saved.
    pub path: String,
    /// True when CC Sync made the passwords; false for one the admin typed.
    pub generated: bool,
}

/// A strong random password (the module's rules), from the OS's CSPRNG.
pub fn generate() -> SecretString {
    let alphabet: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS].concat();
    let letters: Vec<u8> = [UPPER, LOWER].concat();
    loop {
        let mut password = String::with_capacity(GENERATED_LENGTH);
        password.push(letters[uniform(letters.len())] as char);
        while password.len() < GENERATED_LENGTH {
            password.push(alphabet[uniform(alphabet.len())] as char);
        }
        let secret = SecretString::from(password);
        if has_every_class(secret.expose_secret()) {
            return secret;
        }
    }
}

/// A number in `0..n`, every one equally likely (rejection sampling over the CSPRNG's `u32`s).
fn uniform(n: usize) -> usize {
    let n = n as u32;
    let zone = u32::MAX - u32::MAX % n;
    loop {
        let x = OsRng.next_u32();
        if x < zone {
            return (x % n) as usize;
        }
    }
}

fn has_every_class(password: &str) -> bool {
    let has = |set: &[u8]| password.bytes().any(|b| set.contains(&b));
    has(UPPER) && has(LOWER) && has(DIGITS) && has(SYMBOLS)
}

/// Whether `password` may be set as a typed temporary password: `Ok`, or why not, as a sentence.
pub fn check_typed(password: &str) -> Result<()> {
    let refuse = |why: &str| Err(Error::InvalidInput(format!("This password cannot be used: {why}")));
    let length = password.chars().count();
    if length < MIN_TYPED_LENGTH {
        return refuse(&format!(
            "it has {length} characters, and a temporary password needs at least {MIN_TYPED_LENGTH}. \
             Type a longer one, or let CC Sync generate one."
        ));
    }
    if length > MAX_LENGTH {
        return refuse(&format!("it is longer than {MAX_LENGTH} characters."));
    }
    if password.chars().any(char::is_control) {
        return refuse("it contains a tab, a line break or another control character.");
    }
    if password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace) {
        return refuse("it starts or ends with a space, which is easy to lose when it is passed on.");
    }
    if escape_formula(password) != password {
        return refuse(
            "it starts with =, +, - or @, which a spreadsheet would show changed in the passwords file. \
             Start it with another character.",
        );
    }
    let kinds = [
        password.chars().any(char::is_uppercase),
        password.chars().any(char::is_lowercase),
        password.chars().any(|c| c.is_numeric()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if kinds.iter().filter(|k| **k).count() < 3 {
        return refuse("it needs at least three of these: upper-case letters, lower-case letters, digits, symbols.");
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, None).expect("the Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The Argon2id hash of `password` as a PHC string, with a random salt.
pub fn hash(password: &SecretString) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("hashing a password failed: {e}")))
}

/// Whether `password` matches the PHC string `phc` (with the parameters `phc` names).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A chosen user as the store holds them.
struct Target {
    row_id: i64,
    key: UserRef,
    name: String,
    email: String,
    had_password: bool,
}

/// Sets a temporary password for each of `users` — `typed` (one user only), or a generated one
/// each — writes them to the CSV file at `path`, the only copy, then stores their hashes, marks
/// the users "must change at first sign-in" and records a History run, in one transaction. See
/// the module's rules for the order. Blocking (hashing takes a few milliseconds a user): call it
/// off the async threads.
pub fn set_temporary_passwords(
    store: &Mutex<Store>,
    users: &[UserRef],
    typed: Option<SecretString>,
    path: &Path,
) -> Result<PasswordsSet> {
    if users.is_empty() {
        return Err(Error::InvalidInput(
            "Choose at least one user to set a password for.".into(),
        ));
    }
    if let Some(password) = &typed {
        if users.len() > 1 {
            return Err(Error::InvalidInput(
                "A typed password can be set for one user at a time: shared by several users, it would let each \
                 sign in as the others. Choose one user, or let CC Sync generate a password for each."
                    .into(),
            ));
        }
        check_typed(password.expose_secret())?;
    }
    let started_at = now_rfc3339();
    let started = std::time::Instant::now();
    let targets = find_users(&lock(store), users)?;
    let generated = typed.is_none();
    let passwords: Vec<SecretString> = match typed {
        Some(password) => vec![password],
        None => targets.iter().map(|_| generate()).collect(),
    };
    let hashes = passwords.par_iter().map(hash).collect::<Result<Vec<String>>>()?;
    write_file(path, &targets, &passwords)?;
    drop(passwords);
    let stored = store_hashes(&mut lock(store), &targets, &hashes, &started_at, started);
    let run_id = match stored {
        Ok(run_id) => run_id,
        Err(error) => {
            // Those passwords were never set: the file must not say they were.
            let removed = std::fs::remove_file(path);
            tracing::warn!(%error, file_removed = removed.is_ok(), "temporary passwords not stored");
            return Err(match removed {
                Ok(()) => error,
                Err(_) => Error::InvalidInput(format!(
                    "{error} No password was set, so delete {}: its passwords are not valid.",
                    path.display()
                )),
            });
        }
    };
    tracing::info!(run_id, users = targets.len(), generated, "temporary passwords set");
    Ok(PasswordsSet {
        run_id,
        users: targets.len() as u32,
        path: path.display().to_string(),
        generated,
    })
}

/// Every user without a password (`ccsync records set-passwords --all-unset`), by name.
pub fn users_without_password(store: &Store) -> Result<Vec<UserRef>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT business_unit_id, cxone_id FROM records WHERE entity = 'users' AND password_set = 0
         ORDER BY name COLLATE NOCASE, cxone_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(UserRef {
            business_unit_id: r.get(0)?,
            id: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The users with these CXone ids (`ccsync records set-passwords --ids`), in `business_unit` when
/// given; an id held in several business units must name one.
pub fn users_by_id(store: &Store, ids: &[String], business_unit: Option<i64>) -> Result<Vec<UserRef>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT business_unit_id FROM records WHERE entity = 'users' AND cxone_id = ?1
           AND (?2 IS NULL OR business_unit_id = ?2)",
    )?;
    ids.iter()
        .map(|id| {
            let units = stmt
                .query_map(params![id, business_unit], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            match units.as_slice() {
                [unit] => Ok(UserRef {
                    business_unit_id: *unit,
                    id: id.clone(),
                }),
                [] => Err(Error::NotFound(format!(
                    "No user with the CXone id {id} is in the local store{}. Pull users first, or check the id.",
                    business_unit
                        .map(|u| format!(" in business unit {u}"))
                        .unwrap_or_default()
                ))),
                _ => Err(Error::InvalidInput(format!(
                    "The CXone id {id} is held in several business units ({}). Name one with --business-unit.",
                    units.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                ))),
            }
        })
        .collect()
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn find_users(store: &Store, users: &[UserRef]) -> Result<Vec<Target>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, name, detail, password_set FROM records
         WHERE entity = 'users' AND business_unit_id = ?1 AND cxone_id = ?2",
    )?;
    let mut seen = std::collections::HashSet::new();
    let mut targets = Vec::with_capacity(users.len());
    for user in users {
        if !seen.insert(user) {
            continue;
        }
        let found = stmt
            .query_row(params![user.business_unit_id, user.id], |r| {
                Ok(Target {
                    row_id: r.get(0)?,
                    key: user.clone(),
                    name: r.get(1)?,
                    email: r.get(2)?,
                    had_password: r.get(3)?,
                })
            })
            .optional()?;
        targets.push(found.ok_or_else(|| {
            Error::NotFound(format!(
                "The user {} is not in the local store. Reload Records and choose again; no password was set.",
                user.id
            ))
        })?);
    }
    Ok(targets)
}

/// The passwords file: UTF-8 with a BOM (Excel shows accented names), CRLF line ends, every cell
/// escaped for spreadsheets; readable by its owner only where the OS has such permissions.
fn write_file(path: &Path, targets: &[Target], passwords: &[SecretString]) -> Result<()> {
    let write_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    // Room enough up front that the buffer holding the passwords is not copied as it grows.
    let mut bytes = Vec::with_capacity(
        256 + targets
            .iter()
            .map(|t| t.key.id.len() + t.name.len() + t.email.len() + 200)
            .sum::<usize>(),
    );
    bytes.extend_from_slice(spreadsheet::UTF8_BOM.as_bytes());
    {
        let mut writer = spreadsheet::csv_writer().from_writer(&mut bytes);
        writer
            .write_record([
                "CXone ID",
                "Name",
                "Email",
                "Temporary password",
                "Must change at first sign-in",
            ])
            .map_err(write_err)?;
        for (n, target) in targets.iter().enumerate() {
            // One typed password for one user; else one each.
            let password = passwords[n.min(passwords.len() - 1)].expose_secret();
            // The password is never changed by the escaping (the rules see to it), so it is not
            // copied either.
            let cells = [target.key.id.as_str(), &target.name, &target.email, password, "TRUE"].map(escape_formula);
            writer
                .write_record(cells.iter().map(|c| c.as_bytes()))
                .map_err(write_err)?;
        }
        writer.flush()?;
    }
    let written = write_private(path, &bytes);
    // The buffer held the passwords: zeroed before it is freed.
    bytes.zeroize();
    written.map_err(|e| Error::io_at(path, e))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn store_hashes(
    store: &mut Store,
    targets: &[Target],
    hashes: &[String],
    started_at: &str,
    started: std::time::Instant,
) -> Result<i64> {
    let tx = store.write_tx()?;
    let now = now_rfc3339();
    let run_id = runs::insert_run(
        &tx,
        &RunStart {
            kind: RunKind::Passwords,
            entity: Some(Entity::Users),
            connection_id: None,
            connection_name: "",
            started_at,
            link_id: None,
        },
    )?;
    for (n, target) in targets.iter().enumerate() {
        let hash = &hashes[n.min(hashes.len() - 1)];
        let updated = tx
            .prepare_cached(
                "UPDATE records SET password_hash = ?2, password_set = 1, must_change_password = 1, password_set_at = ?3
                 WHERE id = ?1 AND entity = 'users'",
            )?
            .execute(params![target.row_id, hash, now])?;
        if updated == 0 {
            return Err(Error::NotFound(format!(
                "The user {} is no longer in the local store. No password was set; reload Records and choose again.",
                target.key.id
            )));
        }
        let change = FieldChange {
            field: "Password".into(),
            old: Some(if target.had_password { "set" } else { "not set" }.into()),
            new: Some("temporary; must change at first sign-in".into()),
        };
        runs::insert_audit(&tx, run_id, target.row_id, AuditAction::Updated, &[change], &now)?;
    }
    let counts = RunCounts {
        updated: targets.len() as u32,
        ..RunCounts::default()
    };
    runs::finish_succeeded(&tx, run_id, &counts, started)?;
    tx.commit()?;
    Ok(run_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_varied_unique_and_spreadsheet_safe() {
        let alphabet: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS].concat();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let secret = generate();
            let password = secret.expose_secret();
            assert_eq!(password.len(), GENERATED_LENGTH);
            assert!(password.bytes().all(|b| alphabet.contains(&b)), "{password}");
            assert!(has_every_class(password), "{password}");
            assert!(password.as_bytes()[0].is_ascii_alphabetic(), "{password}");
            assert_eq!(escape_formula(password), password);
            assert!(
                check_typed(password).is_ok(),
                "a generated password passes the typed rule: {password}"
            );
            assert!(seen.insert(password.to_owned()), "repeated: {password}");
        }
        // No look-alikes and nothing that needs quoting.
        for bad in b"IOlo01 \"',;\\`" {
            assert!(!alphabet.contains(bad), "{}", *bad as char);
        }
        // Every character of the alphabet turns up (the draw covers it all).
        let used: std::collections::HashSet<u8> = seen.iter().flat_map(|p| p.bytes()).collect();
        assert_eq!(used.len(), alphabet.len());
    }

    #[test]
    fn uniform_draws_stay_in_range_and_cover_it() {
        let mut counts = [0u32; 7];
        for _ in 0..7000 {
            counts[uniform(7)] += 1;
        }
        assert!(counts.iter().all(|&c| c > 800 && c < 1200), "{counts:?}");
    }

    #[test]
    fn the_typed_password_rule() {
        for good in [
            "Correct-Horse-9",
            "längeres Passwort 42",
            "abcdefghij1!",
            "ABCDEFGH!jkl",
            "Pässwörter-2026",
        ] {
            assert!(check_typed(good).is_ok(), "{good:?} refused: {:?}", check_typed(good));
        }
        for (bad, why) in [
            ("Short-1a", "at least 12"),
            ("abcdefghijkl", "three of these"),
            ("abcdefghijklmnop", "three of these"),
            ("123456789012", "three of these"),
            ("abcdefghij12", "three of these"),
            (" Leading-space1", "space"),
            ("Trailing-space1 ", "space"),
            ("Tab\there-Password1", "control"),
            ("Line\nbreak-Password1", "control"),
            ("=HYPERLINK(x)1a", "starts with ="),
            ("-Dash-password1", "starts with ="),
            ("@At-password-12", "starts with ="),
            ("＋Fullwidth-pass1", "starts with ="),
        ] {
            let error = check_typed(bad).unwrap_err();
            assert_eq!(crate::ApiError::from(error).code, crate::ErrorCode::InvalidInput);
            let message = check_typed(bad).unwrap_err().to_string();
            assert!(message.contains(why), "{bad:?}: {message}");
            assert!(
                !message.contains(bad.trim()),
                "the message repeats the password: {message}"
            );
        }
        let long = format!("Aa1{}", "x".repeat(MAX_LENGTH));
        assert!(check_typed(&long).unwrap_err().to_string().contains("longer than"));
        // Length counts characters, not bytes.
        assert!(check_typed("ÄÖÜäöü1234").is_err());
    }

    #[test]
    fn hashes_are_argon2id_phc_strings_with_their_own_salt_and_verify() {
        let password = SecretString::from("Temporary-Pass-42".to_owned());
        let first = hash(&password).unwrap();
        let second = hash(&password).unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{first}");
        assert_ne!(first, second, "a random salt each time");
        assert!(!first.contains("Temporary-Pass-42"));
        assert!(verify("Temporary-Pass-42", &first) && verify("Temporary-Pass-42", &second));
        assert!(!verify("Temporary-Pass-43", &first));
        assert!(!verify("Temporary-Pass-42", "not a phc string"));
    }
}
