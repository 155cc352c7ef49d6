//! Which files the window may read or write: only those the admin chose — in one of CC Sync's own
//! file dialogs, or by dropping them on the window. A path that merely arrives from the web view
//! (a script, a bug, a crafted page) is refused with a sentence, so the web view can never become
//! a way to read or overwrite any file the user can.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{Error, Result};

#[derive(Default)]
pub struct ChosenPaths(Mutex<HashSet<PathBuf>>);

impl ChosenPaths {
    /// The admin chose `path` (a dialog returned it, or it was dropped on the window).
    pub fn allow(&self, path: impl Into<PathBuf>) {
        self.lock().insert(normalize(&path.into()));
    }

    /// `path`, when the admin chose it; else an error that says how to choose it.
    pub fn check(&self, path: &str) -> Result<PathBuf> {
        let wanted = normalize(Path::new(path));
        if self.lock().contains(&wanted) {
            Ok(PathBuf::from(path))
        } else {
            Err(Error::InvalidInput(format!(
                "CC Sync reads and writes only files you choose: {path} was not chosen in a file dialog or \
                 dropped on the window. Choose it with Browse… (or Export…) or drop it on the window."
            )))
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<PathBuf>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The same file however the path was written (`a/./b`, `a/x/../b`); the file may not exist yet
/// (a save dialog's choice), so its folder is what is made canonical when it can be.
fn normalize(path: &Path) -> PathBuf {
    if let Ok(canonical) = path.canonicalize() {
        return canonical;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map(|p| p.join(name))
            .unwrap_or_else(|_| path.to_owned()),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chosen_paths_pass() {
        let dir = tempfile::tempdir().unwrap();
        let chosen = ChosenPaths::default();
        let saved = dir.path().join("users.csv");
        let made_up = dir.path().join("other.csv");
        assert!(chosen.check(&saved.display().to_string()).is_err());
        chosen.allow(&saved);
        assert_eq!(chosen.check(&saved.display().to_string()).unwrap(), saved);
        // The same file written another way.
        let roundabout = dir.path().join("sub/../users.csv");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(chosen.check(&roundabout.display().to_string()).is_ok());
        let error = chosen.check(&made_up.display().to_string()).unwrap_err();
        assert!(error.to_string().contains("was not chosen"), "{error}");
        assert!(chosen.check("/etc/passwd").is_err());
        assert!(chosen
            .check(&format!("{}/../../etc/passwd", dir.path().display()))
            .is_err());
    }
}
