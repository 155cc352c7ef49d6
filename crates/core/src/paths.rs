//! Where CC Sync keeps its files. The app and the `ccsync` CLI both ask here, so they share one
//! database on every OS. `CCSYNC_DB` / `--db` and `CCSYNC_LOG_DIR` override it (tests and portable
//! setups).
//!
//! | | database (`ccsync.sqlite3`) | logs |
//! |---|---|---|
//! | Linux | `$XDG_DATA_HOME/ccsync` (`~/.local/share/ccsync`) | `$XDG_STATE_HOME/ccsync/logs` (`~/.local/state/ccsync/logs`) |
//! | macOS | `~/Library/Application Support/CC Sync` | `~/Library/Logs/CC Sync` |
//! | Windows | `%LOCALAPPDATA%\com.ccsync.desktop` | `%LOCALAPPDATA%\com.ccsync.desktop\logs` |
//!
//! Windows keeps both in the *local* app-data folder, not the roaming one: a roaming profile is
//! copied over the network at sign-in and sign-out, which a live SQLite database with its WAL file
//! must not be, and the database is a cache that a pull rebuilds anyway. The folder is named by the
//! app's identifier, not "CC Sync": the per-user installer puts the program itself in
//! `%LOCALAPPDATA%\CC Sync`, which a reinstall or uninstall rewrites, while the identifier folder is
//! the one Tauri keeps the window's own data in and the uninstaller's "Delete the application data"
//! box removes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::os::Os;
use crate::{Error, Result};

pub const DB_ENV: &str = "CCSYNC_DB";
pub const LOG_DIR_ENV: &str = "CCSYNC_LOG_DIR";
const DB_FILE: &str = "ccsync.sqlite3";
/// The folder name on macOS, where folders are named as people read them.
const APP_FOLDER: &str = "CC Sync";
/// The folder name on Windows: the app's identifier (see the module comment).
pub const WINDOWS_FOLDER: &str = "com.ccsync.desktop";
/// The folder name on Linux, where XDG folders are lower-case words.
const XDG_FOLDER: &str = "ccsync";

/// CC Sync's own folders on one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    /// Holds the database.
    pub data: PathBuf,
    /// Holds the daily log files.
    pub logs: PathBuf,
}

/// The folders for `os`, from the user's home folder and the environment (`env` looks a
/// variable up). An XDG variable counts only when it is an absolute path, as the XDG spec says.
pub fn folders_for(os: Os, home: Option<&Path>, env: impl Fn(&str) -> Option<OsString>) -> Result<Folders> {
    let home = || {
        home.map(Path::to_path_buf).ok_or_else(|| {
            Error::Internal("the operating system reports no home folder, so there is nowhere to keep data".into())
        })
    };
    let set = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    Ok(match os {
        Os::Linux => {
            let xdg = |name: &str, default: &str| -> Result<PathBuf> {
                match set(name).filter(|p| p.is_absolute()) {
                    Some(path) => Ok(path),
                    None => Ok(home()?.join(default)),
                }
            };
            Folders {
                data: xdg("XDG_DATA_HOME", ".local/share")?.join(XDG_FOLDER),
                logs: xdg("XDG_STATE_HOME", ".local/state")?.join(XDG_FOLDER).join("logs"),
            }
        }
        Os::MacOs => {
            let library = home()?.join("Library");
            Folders {
                data: library.join("Application Support").join(APP_FOLDER),
                logs: library.join("Logs").join(APP_FOLDER),
            }
        }
        Os::Windows => {
            let local = match set("LOCALAPPDATA") {
                Some(path) => path,
                None => home()?.join("AppData").join("Local"),
            };
            let data = local.join(WINDOWS_FOLDER);
            Folders {
                logs: data.join("logs"),
                data,
            }
        }
    })
}

/// The folders on this machine.
fn folders() -> Result<Folders> {
    let base = directories::BaseDirs::new();
    folders_for(Os::current(), base.as_ref().map(|b| b.home_dir()), |name| {
        std::env::var_os(name)
    })
}

/// The database file: `explicit` (from `--db`), else `CCSYNC_DB`, else the OS data folder.
pub fn database_path(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    if let Some(path) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    Ok(folders()?.data.join(DB_FILE))
}

/// The log folder: `CCSYNC_LOG_DIR`, else the OS log folder.
pub fn log_dir() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(LOG_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    Ok(folders()?.logs)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: HashMap<String, OsString> = vars.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn linux_follows_xdg_and_keeps_the_existing_folders() {
        let home = Path::new("/home/amy");
        let defaults = folders_for(Os::Linux, Some(home), env(&[])).unwrap();
        // Where every earlier Linux build kept them: existing databases are found.
        assert_eq!(defaults.data, Path::new("/home/amy/.local/share/ccsync"));
        assert_eq!(defaults.logs, Path::new("/home/amy/.local/state/ccsync/logs"));

        let custom = env(&[("XDG_DATA_HOME", "/data/amy"), ("XDG_STATE_HOME", "/state/amy")]);
        let folders = folders_for(Os::Linux, Some(home), custom).unwrap();
        assert_eq!(folders.data, Path::new("/data/amy/ccsync"));
        assert_eq!(folders.logs, Path::new("/state/amy/ccsync/logs"));

        // Relative or empty XDG values are ignored, as the spec says.
        let odd = env(&[("XDG_DATA_HOME", "relative/data"), ("XDG_STATE_HOME", "")]);
        assert_eq!(folders_for(Os::Linux, Some(home), odd).unwrap(), defaults);
    }

    #[test]
    fn macos_uses_application_support_and_library_logs() {
        // XDG variables (set by some shells on macOS too) do not move anything there.
        let vars = env(&[("XDG_DATA_HOME", "/Users/amy/.xdg"), ("LOCALAPPDATA", "/nowhere")]);
        let folders = folders_for(Os::MacOs, Some(Path::new("/Users/amy")), vars).unwrap();
        assert_eq!(
            folders.data,
            Path::new("/Users/amy/Library/Application Support/CC Sync")
        );
        assert_eq!(folders.logs, Path::new("/Users/amy/Library/Logs/CC Sync"));
    }

    #[test]
    fn windows_keeps_database_and_logs_in_local_not_roaming_app_data() {
        let vars = env(&[
            ("APPDATA", r"C:\Users\amy\AppData\Roaming"),
            ("LOCALAPPDATA", r"C:\Users\amy\AppData\Local"),
            ("XDG_DATA_HOME", r"C:\xdg"),
        ]);
        let folders = folders_for(Os::Windows, Some(Path::new(r"C:\Users\amy")), vars).unwrap();
        let local = Path::new(r"C:\Users\amy\AppData\Local");
        assert_eq!(folders.data, local.join("com.ccsync.desktop"));
        assert_eq!(folders.logs, local.join("com.ccsync.desktop").join("logs"));
        // Never the folder the per-user installer puts the program in.
        assert_ne!(folders.data, local.join("CC Sync"));

        // Without LOCALAPPDATA, the folder Windows puts it in by default.
        let folders = folders_for(Os::Windows, Some(Path::new(r"C:\Users\amy")), env(&[])).unwrap();
        assert_eq!(
            folders.data,
            Path::new(r"C:\Users\amy")
                .join("AppData")
                .join("Local")
                .join("com.ccsync.desktop")
        );
    }

    #[test]
    fn no_home_is_a_sentence_unless_nothing_needs_it() {
        for os in [Os::Linux, Os::MacOs] {
            let error = folders_for(os, None, env(&[])).unwrap_err();
            assert!(error.to_string().contains("no home folder"), "{error}");
        }
        let set = env(&[("XDG_DATA_HOME", "/d"), ("XDG_STATE_HOME", "/s")]);
        assert!(folders_for(Os::Linux, None, set).is_ok());
        let set = env(&[("LOCALAPPDATA", r"C:\Local")]);
        assert!(folders_for(Os::Windows, None, set).is_ok());
    }
}
