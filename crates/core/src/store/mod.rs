//! The local SQLite store: one file, WAL, foreign keys, embedded migrations, and a backup of the
//! file before any migration touches it.

pub mod batch;
pub mod connections;
pub mod locks;
pub mod mappings;
pub mod records;
pub mod recovery;
pub mod runs;
pub mod settings;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

use crate::{Error, Result};

/// Every schema change, in order. Append only: a released migration is never edited.
const MIGRATION_SQL: &[&str] = &[
    include_str!("migrations/0001_connections.sql"),
    include_str!("migrations/0002_connection_tests.sql"),
    include_str!("migrations/0003_sync.sql"),
    include_str!("migrations/0004_mapping.sql"),
    include_str!("migrations/0005_import.sql"),
    include_str!("migrations/0006_job_locks.sql"),
    include_str!("migrations/0007_passwords.sql"),
    include_str!("migrations/0008_run_phases.sql"),
    include_str!("migrations/0009_business_units.sql"),
];

/// The schema version this build writes.
pub const LATEST_SCHEMA_VERSION: usize = MIGRATION_SQL.len();

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_SQL.iter().map(|sql| M::up(sql)).collect()));

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&mut conn, path)?;
        let store = Store {
            conn,
            path: path.to_owned(),
        };
        // So that an older CC Sync can say which version wrote a file it cannot read. Best effort,
        // and written only when it changes: opening must not wait for another process's write.
        let version = env!("CARGO_PKG_VERSION");
        if store.setting(WRITTEN_BY_SETTING).ok().flatten().as_deref() != Some(version) {
            if let Err(error) = store.set_setting(WRITTEN_BY_SETTING, version) {
                tracing::warn!(%error, "could not note this version in the database");
            }
        }
        Ok(store)
    }

    /// Opens the database at `path` and applies only the first `version` migrations
    /// (tests use it to build files of an older schema).
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: usize) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        MIGRATIONS.to_version(&mut conn, version).map_err(migration_error)?;
        Ok(Store {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// How long a write waits for another process's (tests shorten it).
    #[doc(hidden)]
    pub fn set_busy_timeout(&self, wait: std::time::Duration) -> Result<()> {
        Ok(self.conn.busy_timeout(wait)?)
    }

    /// Starts a write transaction that takes the write lock now (`BEGIN IMMEDIATE`): whatever it
    /// reads is what it writes over, whichever process wrote last.
    pub fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    pub fn schema_version(&self) -> Result<usize> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))? as usize)
    }
}

/// The settings key naming the CC Sync version that last opened the file.
const WRITTEN_BY_SETTING: &str = "app.written_by";

fn configure(conn: &Connection) -> Result<()> {
    // For a new file only (an existing one keeps its page size): a record is ~1.3 KB with the
    // JSON CXone sent, and 16 KB pages write 100,000 of them ~10 % faster than 4 KB ones.
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(crate::error::BUSY_TIMEOUT_SECS))?;
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let current = conn.pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))? as usize;
    if current > LATEST_SCHEMA_VERSION {
        // Which version wrote it, when that version said (best effort: its tables are not ours).
        let written_by = conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [WRITTEN_BY_SETTING], |r| {
                r.get(0)
            })
            .ok();
        return Err(Error::NewerStore {
            path: path.display().to_string(),
            schema: current,
            known: LATEST_SCHEMA_VERSION,
            written_by,
        });
    }
    if current == LATEST_SCHEMA_VERSION {
        return Ok(());
    }
    if current > 0 {
        let backup = backup(conn, path, current)?;
        tracing::info!(from = current, to = LATEST_SCHEMA_VERSION, backup = %backup.display(), "migrating the database");
    }
    MIGRATIONS.to_latest(conn).map_err(migration_error)
}

/// A migration that waited too long for another process is busy, not broken.
fn migration_error(error: rusqlite_migration::Error) -> Error {
    match error {
        rusqlite_migration::Error::RusqliteError { err, .. } if crate::error::is_busy(&err) => Error::DatabaseBusy(err),
        other => Error::Migration(other.to_string()),
    }
}

/// Copies the whole database (WAL included) to `<file>.v<N>-<timestamp>.bak` with `VACUUM INTO`,
/// which writes a consistent snapshot even while other readers are open.
fn backup(conn: &Connection, path: &Path, version: usize) -> Result<PathBuf> {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let file = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    // A backup never replaces another (a restored backup migrated again in the same second, say).
    let backup = (0..)
        .map(|n| {
            let suffix = if n == 0 { String::new() } else { format!(".{n}") };
            path.with_file_name(format!("{file}.v{version}-{stamp}{suffix}.bak"))
        })
        .find(|candidate| !candidate.exists())
        .expect("some name is free");
    conn.execute("VACUUM INTO ?1", [backup.to_string_lossy()])?;
    Ok(backup)
}

/// The current time as RFC 3339 UTC, the format every timestamp in the store uses.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formatting the current time cannot fail")
}
