//! When the store cannot be opened: why, in a sentence a person can act on, and the ways out the
//! app offers — open the data folder, restore the newest backup (the `*.bak` files written before
//! every migration), or start with a new database. Nothing here deletes a file: a file that is set
//! aside is renamed beside the original with a timestamp.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode as SqliteCode;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Why the store could not be opened; the screen offers what fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StoreProblemKind {
    /// Not a database, or damaged.
    Corrupt,
    /// Written by a newer CC Sync.
    Newer,
    /// Another CC Sync (the app or a `ccsync` command) holds it, e.g. while upgrading it.
    Locked,
    /// Anything else (permissions, a full disk, a folder that cannot be created).
    Unreadable,
}

/// What the app shows instead of its screens when the store cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StoreProblem {
    pub kind: StoreProblemKind,
    /// The sentence: what happened and what to do.
    pub message: String,
    pub database_path: String,
    pub data_folder: String,
    /// The newest backup beside the file, if any.
    pub backup: Option<String>,
}

/// A way out the admin chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Recovery {
    /// Open it again as it is (after closing the other program, say).
    TryAgain,
    /// Set the file aside and put the newest backup in its place.
    RestoreBackup,
    /// Set the file aside and start with an empty database.
    StartNew,
}

/// Describes why `path` could not be opened (`error` is what `Store::open` returned).
pub fn diagnose(path: &Path, error: &Error) -> StoreProblem {
    let kind = match error {
        Error::NewerStore { .. } => StoreProblemKind::Newer,
        Error::DatabaseBusy(_) => StoreProblemKind::Locked,
        Error::Database(rusqlite::Error::SqliteFailure(failure, _)) => match failure.code {
            SqliteCode::NotADatabase | SqliteCode::DatabaseCorrupt => StoreProblemKind::Corrupt,
            SqliteCode::DatabaseBusy | SqliteCode::DatabaseLocked => StoreProblemKind::Locked,
            _ => StoreProblemKind::Unreadable,
        },
        _ => StoreProblemKind::Unreadable,
    };
    let shown = path.display();
    let backup = newest_backup(path);
    let message = match kind {
        StoreProblemKind::Corrupt => format!(
            "CC Sync's database {shown} is damaged or is not a CC Sync database, so it cannot be opened. {}",
            if backup.is_some() {
                "Restore the newest backup, or start with a new database (the damaged file is kept beside it)."
            } else {
                "There is no backup of it; start with a new database (the damaged file is kept beside it)."
            }
        ),
        StoreProblemKind::Newer => format!("{error}"),
        StoreProblemKind::Locked => format!(
            "CC Sync's database {shown} is in use by another CC Sync (the app or a `ccsync` command, perhaps \
             upgrading it). Close the other one, or wait for it to finish, then choose Try again."
        ),
        StoreProblemKind::Unreadable => format!(
            "CC Sync could not open its database {shown}: {error}. Check that the folder exists and that you may \
             write to it, then choose Try again."
        ),
    };
    StoreProblem {
        kind,
        message,
        database_path: path.display().to_string(),
        data_folder: path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
        backup: backup.map(|b| b.display().to_string()),
    }
}

/// The newest `<file>.v<N>-<timestamp>.bak` beside `path` (what a migration writes first).
pub fn newest_backup(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let prefix = format!("{name}.v");
    // `<file>.v<N>-<unix seconds>[.<n>].bak`: newest by time, then by the tie-breaking number.
    let stamp = |p: &Path| -> Option<(i64, u32)> {
        let file = p.file_name()?.to_string_lossy().into_owned();
        let rest = file.strip_prefix(&prefix)?.strip_suffix(".bak")?;
        let (seconds, n) = match rest.split_once('-')?.1.split_once('.') {
            Some((seconds, n)) => (seconds, n.parse().ok()?),
            None => (rest.split_once('-')?.1, 0),
        };
        Some((seconds.parse().ok()?, n))
    };
    std::fs::read_dir(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
    .ok()?
    .filter_map(|entry| entry.ok().map(|e| e.path()))
    .filter_map(|p| stamp(&p).map(|s| (s, p)))
    .max_by_key(|(s, _)| *s)
    .map(|(_, p)| p)
}

/// Carries out the admin's choice on the file at `path`. Returns where the old file was set aside
/// (nothing is set aside for Try again).
pub fn recover(path: &Path, choice: Recovery) -> Result<Option<PathBuf>> {
    match choice {
        Recovery::TryAgain => Ok(None),
        Recovery::StartNew => set_aside(path),
        Recovery::RestoreBackup => {
            let backup = newest_backup(path).ok_or_else(|| {
                Error::NotFound(format!(
                    "There is no backup of {} to restore; start with a new database instead.",
                    path.display()
                ))
            })?;
            let aside = set_aside(path)?;
            std::fs::copy(&backup, path).map_err(|e| Error::io_at(path, e))?;
            tracing::warn!(backup = %backup.display(), "database restored from its backup");
            Ok(aside)
        }
    }
}

/// Renames the database (and its `-wal` / `-shm` companions) to `<file>.unusable-<timestamp>`
/// beside it. Never deletes; a missing file is nothing to set aside.
pub fn set_aside(path: &Path) -> Result<Option<PathBuf>> {
    if !path.exists() {
        return Ok(None);
    }
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .map_err(|e| Error::Internal(e.to_string()))?;
    let renamed = |p: &Path| {
        let mut name = p.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".unusable-{stamp}"));
        p.with_file_name(name)
    };
    let aside = renamed(path);
    std::fs::rename(path, &aside).map_err(|e| Error::io_at(path, e))?;
    for suffix in ["-wal", "-shm"] {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        let companion = path.with_file_name(name);
        if companion.exists() {
            std::fs::rename(&companion, renamed(&companion)).map_err(|e| Error::io_at(&companion, e))?;
        }
    }
    tracing::warn!(from = %path.display(), to = %aside.display(), "database set aside");
    Ok(Some(aside))
}
