//! Text for people, one JSON document for scripts (`--json`).

use ccsync_core::{ApiError, Error};
use serde::Serialize;

pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON, or the text `text()` builds.
    pub fn value<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).expect("output values serialize")
            );
        } else {
            println!("{}", text());
        }
    }

    /// A note for people (stderr), never mixed into JSON output.
    pub fn note(&self, text: &str) {
        eprintln!("{text}");
    }

    /// Failures: `{"error": {code, message}}` on stdout with --json, the sentence on stderr otherwise.
    pub fn error(&self, error: Error) {
        let error = ApiError::from(error);
        if self.json {
            println!("{}", serde_json::json!({ "error": error }));
        } else {
            eprintln!("error: {}", error.message);
        }
    }
}
