//! Which files the window may read or write: only those the admin chose — in one of CC Sync's own
//! file dialogs, or by dropping them on the window. A path that merely arrives from the web view
//! (a script, a bug, a crafted page) is refused with a sentence, so the web view can never become
//! a way to read or overwrite any file the user can.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::os::Os;
use crate::{Error, Result};

#[derive(Default)]
pub struct ChosenPaths {
    paths: Mutex<HashSet<PathBuf>>,
    /// The folder of the file chosen last, where the next Save dialog starts on Linux.
    last_folder: Mutex<Option<PathBuf>>,
}

impl ChosenPaths {
    /// The admin chose `path` (a dialog returned it, or it was dropped on the window).
    pub fn allow(&self, path: impl Into<PathBuf>) {
        let path = normalize(&path.into());
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            *self.last_folder.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(folder.to_owned());
        }
        self.lock().insert(path);
    }

    /// Where a Save dialog should open on this machine (see [`save_dialog_folder`]).
    pub fn save_dialog_folder(&self) -> Option<PathBuf> {
        let last = self
            .last_folder
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let documents = directories::UserDirs::new().and_then(|dirs| dirs.document_dir().map(Path::to_path_buf));
        save_dialog_folder(Os::current(), last, documents).filter(|folder| folder.is_dir())
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
        self.paths.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The folder a Save dialog opens in, or none to let the OS choose. Windows and macOS remember
/// the folder each app last saved to (across runs) and start in Documents the first time: setting
/// a folder would undo that, so they choose. The GTK dialog on Linux remembers nothing and starts
/// in the working folder, so it gets the folder of the file chosen last, else Documents.
pub fn save_dialog_folder(os: Os, last_folder: Option<PathBuf>, documents: Option<PathBuf>) -> Option<PathBuf> {
    match os {
        Os::Windows | Os::MacOs => None,
        Os::Linux => last_folder.or(documents),
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

    #[test]
    fn save_dialogs_start_in_the_last_folder_or_documents_on_linux_only() {
        let documents = Some(PathBuf::from("/home/amy/Documents"));
        let last = Some(PathBuf::from("/srv/exports"));
        assert_eq!(save_dialog_folder(Os::Linux, None, documents.clone()), documents);
        assert_eq!(save_dialog_folder(Os::Linux, last.clone(), documents.clone()), last);
        assert_eq!(save_dialog_folder(Os::Linux, None, None), None);
        for os in [Os::Windows, Os::MacOs] {
            assert_eq!(
                save_dialog_folder(os, last.clone(), documents.clone()),
                None,
                "{os:?} remembers its own"
            );
        }

        // The folder of the file chosen last is remembered.
        let dir = tempfile::tempdir().unwrap();
        let chosen = ChosenPaths::default();
        chosen.allow(dir.path().join("users.csv"));
        let remembered = chosen.last_folder.lock().unwrap().clone();
        assert_eq!(remembered, Some(dir.path().canonicalize().unwrap()));
    }
}
