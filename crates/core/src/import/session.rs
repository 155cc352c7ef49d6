//! The CSV Import session the app and `ccsync import users` share: the queue of dropped files,
//! the one job under review (its dry run, pages, edits, commit and error file), and the cancel
//! button of its long steps. Every rule lives in the modules it calls; this keeps the state
//! between the steps, so the app and the CLI cannot disagree about the same file. The dry run and
//! the commit each have their own cancel token.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use super::columns::ColumnMapping;
use super::presets::{self, Preview};
use super::queue::ImportQueue;
use super::{prepare, Edited, ImportOptions, Job, RowPage, Summary};
use crate::cancel::CancelSlot;
use crate::progress::Progress;
use crate::store::Store;
use crate::{Error, Result};

pub struct ImportSession {
    store: Arc<Mutex<Store>>,
    queue: Mutex<ImportQueue>,
    job: Mutex<Option<Job>>,
    planning: CancelSlot,
    committing: CancelSlot,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn no_job() -> Error {
    Error::InvalidInput("There is no import in progress; drop a file or choose Browse….".into())
}

impl ImportSession {
    pub fn new(store: Arc<Mutex<Store>>) -> ImportSession {
        ImportSession {
            store,
            queue: Mutex::new(ImportQueue::default()),
            job: Mutex::new(None),
            planning: CancelSlot::default(),
            committing: CancelSlot::default(),
        }
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
            self.cancel();
            *lock(&self.job) = None;
        }
        queue.clone()
    }

    /// The file's format, headers and the mapping CC Sync proposes (a saved preset, else a guess).
    pub fn preview(&self, path: &Path, delimiter: Option<u8>) -> Result<Preview> {
        presets::preview(&lock(&self.store), path, delimiter)
    }

    /// Stops the dry run or commit in progress (nothing is written by a cancelled one).
    pub fn cancel(&self) {
        self.planning.cancel();
        self.committing.cancel();
    }

    /// The dry run: it becomes the job under review. Blocking: call it off the async threads. The
    /// store is held only to resolve the columns and take a snapshot of the users, not while the
    /// file is read. The job under review stays until the new plan succeeds.
    pub fn plan(&self, path: &Path, options: &ImportOptions, progress: &dyn Progress) -> Result<Summary> {
        let cancel = self.planning.begin();
        let (rules, snapshot) = prepare(&lock(&self.store), path, options)?;
        let job = Job::plan(snapshot, path, rules, options.delimiter, progress, &cancel)?;
        let mut current = lock(&self.job);
        // Cancelled or discarded after the last check: the plan is not kept.
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let summary = job.summary().clone();
        *current = Some(job);
        Ok(summary)
    }

    /// Reads the job under review (its summary, mapping, problems…).
    pub fn with_job<T>(&self, read: impl FnOnce(&Job) -> T) -> Result<T> {
        Ok(read(lock(&self.job).as_ref().ok_or_else(no_job)?))
    }

    pub fn page(&self, offset: u64, limit: u64, problems_only: bool) -> Result<RowPage> {
        self.with_job(|job| job.page(offset, limit, problems_only))
    }

    /// Changes one cell; the row and its duplicates are checked again at once.
    pub fn edit(&self, index: u64, column: usize, value: &str) -> Result<Edited> {
        let mut job = lock(&self.job);
        let job = job.as_mut().ok_or_else(no_job)?;
        let row = job.edit(index, column, value)?;
        Ok(Edited {
            row,
            summary: job.summary().clone(),
        })
    }

    /// Writes the valid rows in one transaction. Blocking: call it off the async threads.
    pub fn commit(&self, progress: &dyn Progress) -> Result<Summary> {
        let cancel = self.committing.begin();
        let mut job = lock(&self.job);
        let job = job.as_mut().ok_or_else(no_job)?;
        job.commit(&mut lock(&self.store), progress, &cancel)
    }

    /// Writes the rejected rows, each with its error, in the source file's own format.
    pub fn write_errors(&self, path: &Path) -> Result<usize> {
        self.with_job(|job| job.write_errors(path))?
    }

    pub fn save_preset(&self, name: &str, mappings: &[ColumnMapping]) -> Result<()> {
        presets::save_preset(&lock(&self.store), name, mappings)
    }

    /// Saves the mapping the job under review used, for files with the same headers.
    pub fn save_job_preset(&self, name: &str) -> Result<()> {
        let mappings = self.with_job(|job| job.mappings().to_vec())?;
        self.save_preset(name, &mappings)
    }
}
