//! Where CC Sync keeps its files: the OS app-data folder for the database, the OS log folder for logs.
//! `CCSYNC_DB` / `--db` and `CCSYNC_LOG_DIR` override them (tests and portable setups).

use std::path::PathBuf;

use directories::ProjectDirs;

use crate::{Error, Result};

pub const DB_ENV: &str = "CCSYNC_DB";
pub const LOG_DIR_ENV: &str = "CCSYNC_LOG_DIR";
const DB_FILE: &str = "ccsync.sqlite3";

fn project_dirs() -> Result<ProjectDirs> {
    ProjectDirs::from("com", "ccsync", "CC Sync").ok_or_else(|| {
        Error::Internal("the operating system reports no home folder, so there is nowhere to keep data".into())
    })
}

/// The database file: `explicit` (from `--db`), else `CCSYNC_DB`, else the OS app-data folder.
pub fn database_path(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    if let Some(path) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    Ok(project_dirs()?.data_dir().join(DB_FILE))
}

/// The log folder: `CCSYNC_LOG_DIR`, else the OS convention (Linux: the state folder;
/// macOS: ~/Library/Logs; Windows: the local app-data folder).
pub fn log_dir() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(LOG_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let dirs = project_dirs()?;
    if cfg!(target_os = "macos") {
        if let Some(home) = directories::BaseDirs::new() {
            return Ok(home.home_dir().join("Library/Logs/CC Sync"));
        }
    }
    Ok(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).join("logs"))
}
