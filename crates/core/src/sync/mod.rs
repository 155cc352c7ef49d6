//! The Synchronize engine: fetch from CXone → compare with the store → a plan that marks every
//! record new, changed (with the fields that differ), unchanged or missing upstream → apply only
//! the selected records, in one transaction, with a `sync_runs` row and an audit row per write.
//! Nothing is ever deleted: a record gone upstream is flagged.

mod apply;
mod compare;
mod export;
mod fetch;
mod session;
mod staged;
mod stream;
mod writer;

use apply::mark_written;
pub use apply::{apply, record_failed_apply};
pub use export::export_records;
pub use fetch::prepare;
pub use session::PullSession;
pub use stream::pull_all;

use compare::{compare, describe_changes, diff, missing_upstream_change};
use fetch::{open_pull, record_fetch_failure};
use writer::{Stored, Writer};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::model::{Connection, SyncPlan};
use crate::store::Store;
use crate::vendor::cxone::admin::FetchOptions;
use crate::vendor::cxone::records::FetchedRecord;
use crate::vendor::retry::RetryPolicy;

/// How to pull.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Ignore the watermark and read everything (needed to see records never pulled before).
    pub full: bool,
    pub fetch: FetchOptions,
    pub retry: RetryPolicy,
}

/// A fetched and compared pull, waiting for the user's selection.
pub struct PreparedPlan {
    pub plan: SyncPlan,
    connection: Connection,
    business_unit_id: i64,
    last_poll_time: Option<String>,
    started_at: String,
    started: Instant,
    /// How long the fetch and compare took (a run's duration is this plus its write, never the
    /// time the list waited for the admin).
    fetch_ms: i64,
    /// How many "Add Selected" of this list succeeded.
    batches: u32,
    /// The fetched record behind each plan row (None for missing-upstream rows).
    records: Vec<Option<FetchedRecord>>,
    /// Store row ids of the records missing upstream, to flag.
    missing: Vec<i64>,
    /// Store row id of each changed row.
    existing_ids: HashMap<usize, Stored>,
    /// Incremental pulls: stored records CXone reported no change for (not listed as rows).
    untouched: u32,
}

/// A pull's two phases, for its run's duration.
#[derive(Debug, Clone, Copy)]
struct Phases {
    fetch_ms: i64,
    /// When the write began.
    writing: Instant,
}

fn lock(store: &Arc<Mutex<Store>>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
