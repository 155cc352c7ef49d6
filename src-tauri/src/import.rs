//! The CSV Import side of the app: the queue of dropped files and the one job being reviewed.
//! Every rule is in `ccsync_core::import`; this holds the state between the screen's calls.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use ccsync_core::import::columns::{ColumnMapping, Columns};
use ccsync_core::import::presets::{self, Preview};
use ccsync_core::import::queue::ImportQueue;
use ccsync_core::import::rules::Rules;
use ccsync_core::import::users::Snapshot;
use ccsync_core::import::{decode, Edited, Job, Mode, RowPage, Summary};
use ccsync_core::model::ProgressEvent;
use ccsync_core::store::Store;
use ccsync_core::{Error, Result};
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;

pub struct ImportRuntime {
    store: Arc<Mutex<Store>>,
    queue: Mutex<ImportQueue>,
    job: Mutex<Option<Job>>,
    cancel: Mutex<CancellationToken>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn no_job() -> Error {
    Error::InvalidInput("There is no import in progress; drop a file or choose Browse….".into())
}

fn delimiter(text: Option<&str>) -> Result<Option<u8>> {
    text.filter(|t| !t.is_empty()).map(decode::parse_delimiter).transpose()
}

impl ImportRuntime {
    pub fn new(store: Arc<Mutex<Store>>) -> Arc<ImportRuntime> {
        Arc::new(ImportRuntime {
            store,
            queue: Mutex::new(ImportQueue::default()),
            job: Mutex::new(None),
            cancel: Mutex::new(CancellationToken::new()),
        })
    }

    pub fn enqueue(&self, paths: &[String]) -> ImportQueue {
        let mut queue = lock(&self.queue);
        queue.enqueue(paths);
        queue.clone()
    }

    pub fn queue(&self) -> ImportQueue {
        lock(&self.queue).clone()
    }

    /// `path` is committed or discarded: its job goes, the next file starts. A repeated call for
    /// the same file changes nothing.
    pub fn finish(&self, path: &str) -> ImportQueue {
        let mut queue = lock(&self.queue);
        if queue.finish(path) {
            lock(&self.cancel).cancel();
            *lock(&self.job) = None;
        }
        queue.clone()
    }

    pub fn preview(&self, path: &str, delimiter_text: Option<&str>) -> Result<Preview> {
        presets::preview(&lock(&self.store), Path::new(path), delimiter(delimiter_text)?)
    }

    fn begin(&self) -> CancellationToken {
        let token = CancellationToken::new();
        std::mem::replace(&mut *lock(&self.cancel), token.clone()).cancel();
        token
    }

    pub fn cancel(&self) {
        lock(&self.cancel).cancel();
    }

    /// The dry run (blocking: call it off the async runtime).
    pub fn plan(
        &self,
        path: &str,
        mappings: &[ColumnMapping],
        mode: Mode,
        region: &str,
        delimiter_text: Option<&str>,
        progress: Channel<ProgressEvent>,
    ) -> Result<Summary> {
        // The job under review stays until the new plan succeeds (a mapping refused keeps it).
        let cancel = self.begin();
        let delimiter = delimiter(delimiter_text)?;
        let report = move |event: ProgressEvent| {
            let _ = progress.send(event);
        };
        let (region, snapshot) = {
            let store = lock(&self.store);
            (
                presets::set_default_region(&store, region)?,
                Snapshot::take(store.conn())?,
            )
        };
        let headers: Vec<String> = mappings.iter().map(|m| m.header.clone()).collect();
        let rules = Rules {
            columns: Columns::resolve(&headers, mappings)?,
            mode,
            region,
        };
        // The store is not held while the file is read.
        let job = Job::plan(snapshot, Path::new(path), rules, delimiter, &report, &cancel)?;
        let mut current = lock(&self.job);
        // Cancelled or discarded after the last check: the plan is not kept.
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let summary = job.summary().clone();
        *current = Some(job);
        Ok(summary)
    }

    pub fn page(&self, offset: u64, limit: u64, problems_only: bool) -> Result<RowPage> {
        Ok(lock(&self.job)
            .as_ref()
            .ok_or_else(no_job)?
            .page(offset, limit, problems_only))
    }

    pub fn edit(&self, index: u64, column: usize, value: &str) -> Result<Edited> {
        let mut job = lock(&self.job);
        let job = job.as_mut().ok_or_else(no_job)?;
        let row = job.edit(index, column, value)?;
        Ok(Edited {
            row,
            summary: job.summary().clone(),
        })
    }

    /// Writes the valid rows (blocking: call it off the async runtime).
    pub fn commit(&self, progress: Channel<ProgressEvent>) -> Result<Summary> {
        let cancel = self.begin();
        let report = move |event: ProgressEvent| {
            let _ = progress.send(event);
        };
        let mut job = lock(&self.job);
        let job = job.as_mut().ok_or_else(no_job)?;
        job.commit(&mut lock(&self.store), &report, &cancel)
    }

    pub fn write_errors(&self, path: &str) -> Result<usize> {
        lock(&self.job)
            .as_ref()
            .ok_or_else(no_job)?
            .write_errors(Path::new(path))
    }

    pub fn save_preset(&self, name: &str, mappings: &[ColumnMapping]) -> Result<()> {
        presets::save_preset(&lock(&self.store), name, mappings)
    }
}
