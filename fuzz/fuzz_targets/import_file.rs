//! Any bytes as a user file: reading (encoding, delimiter, quoting, .xlsx), header mapping and
//! every row rule must end in a plan or a sentence, never a panic.
#![no_main]

use std::io::Write;
use std::sync::LazyLock;

use ccsync_core::import::{self, ImportOptions, Mode};
use ccsync_core::progress::NoProgress;
use ccsync_core::store::Store;
use libfuzzer_sys::fuzz_target;
use tokio_util::sync::CancellationToken;

static DIR: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());
static STORE: LazyLock<std::sync::Mutex<Store>> =
    LazyLock::new(|| std::sync::Mutex::new(Store::open(&DIR.path().join("fuzz.sqlite3")).unwrap()));

fuzz_target!(|data: &[u8]| {
    // The first byte picks the mode and whether the delimiter is forced; the rest is the file.
    let Some((&knobs, body)) = data.split_first() else { return };
    let path = DIR.path().join(if knobs & 4 == 0 { "users.csv" } else { "users.xlsx" });
    std::fs::File::create(&path).unwrap().write_all(body).unwrap();
    let options = ImportOptions {
        mode: if knobs & 1 == 0 { Mode::Add } else { Mode::AddRemove },
        delimiter: (knobs & 2 != 0).then_some(b';'),
        ..ImportOptions::default()
    };
    let store = STORE.lock().unwrap();
    if let Ok(job) = import::dry_run(&store, &path, &options, &NoProgress, &CancellationToken::new()) {
        let page = job.page(0, 50, false);
        assert!(page.rows.len() as u64 <= job.summary().rows);
        let s = job.summary();
        assert_eq!(s.created + s.updated + s.unchanged + s.invalid, s.rows);
        job.write_errors(&DIR.path().join("errors.csv")).unwrap();
    }
});
