//! Files dropped for import wait their turn: one job at a time, the next when the current one is
//! committed or discarded.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::os::{self, Os};

/// The extensions CC Sync reads.
pub const EXTENSIONS: [&str; 4] = ["csv", "txt", "tsv", "xlsx"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportQueue"))]
pub struct ImportQueue {
    /// The file being imported.
    pub current: Option<String>,
    /// Files waiting, in the order they were dropped.
    #[cfg_attr(feature = "ts", ts(type = "Array<string>"))]
    pub waiting: VecDeque<String>,
    /// Files refused by the last drop, each with the reason (a sentence naming the file).
    pub refused: Vec<String>,
}

impl ImportQueue {
    /// Adds dropped files; the first becomes current when nothing is.
    pub fn enqueue(&mut self, paths: &[String]) {
        self.refused.clear();
        for path in paths {
            let readable = os::extension(Os::current(), path)
                .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
            if !readable {
                self.refused.push(not_importable(path));
            } else if self.current.as_deref() != Some(path.as_str()) && !self.waiting.contains(path) {
                self.waiting.push_back(path.clone());
            }
        }
        if self.current.is_none() {
            self.current = self.waiting.pop_front();
        }
    }

    /// `path` is done (committed or discarded): the next file starts. Naming the file makes a
    /// second click harmless; false when `path` was not the current file.
    pub fn finish(&mut self, path: &str) -> bool {
        if self.current.as_deref() != Some(path) {
            return false;
        }
        self.refused.clear();
        self.current = self.waiting.pop_front();
        true
    }
}

/// Why a dropped file is refused, naming it as the admin knows it (its file name).
fn not_importable(path: &str) -> String {
    let name = os::file_name(Os::current(), path);
    format!("{name} is not a CSV file; save it as CSV (UTF-8) and drop it again.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_files_wait_their_turn() {
        let mut queue = ImportQueue::default();
        queue.enqueue(&["/a.csv".into(), "/b.xlsx".into(), "/notes.pdf".into(), "/a.csv".into()]);
        assert_eq!(queue.current.as_deref(), Some("/a.csv"));
        assert_eq!(queue.waiting, ["/b.xlsx"], "a file already queued is not queued twice");
        assert_eq!(
            queue.refused,
            ["notes.pdf is not a CSV file; save it as CSV (UTF-8) and drop it again."]
        );
        queue.enqueue(&["/c.TSV".into()]);
        assert_eq!(
            queue.current.as_deref(),
            Some("/a.csv"),
            "the current job is not replaced"
        );
        assert!(queue.finish("/a.csv"));
        assert_eq!(queue.current.as_deref(), Some("/b.xlsx"));
        assert!(!queue.finish("/a.csv"), "a repeated Finish does not skip the next file");
        assert_eq!(queue.current.as_deref(), Some("/b.xlsx"));
        assert!(queue.finish("/b.xlsx") && queue.finish("/c.TSV"));
        assert_eq!((queue.current.clone(), queue.waiting.len()), (None, 0));
    }
}
