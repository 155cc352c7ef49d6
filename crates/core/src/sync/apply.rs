//! "Add Selected": write the chosen rows of a plan in one transaction, or record why not.

use std::collections::HashSet;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

use crate::model::{ApplyResult, PlanRow, PlanStatus, Selection, SyncPlan};
use crate::progress::{self, Progress};
use crate::store::runs::{RunCounts, RunStart};
use crate::store::Store;
use crate::{Error, Result};

use super::{PreparedPlan, Writer};

/// Writes the selected rows of a plan in one transaction: new records created, changed ones
/// updated, records gone upstream flagged; one `sync_runs` row and an audit row per write. A
/// cancel or a failure rolls everything back. Blocking: call it off the async threads.
pub fn apply(
    store: &Mutex<Store>,
    prepared: &PreparedPlan,
    selection: &Selection,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<ApplyResult> {
    let plan = &prepared.plan;
    let chosen = selected_rows(plan, selection)?;
    let total = chosen.len() as u64;
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let tx = guard.write_tx()?;
    let start = RunStart {
        kind: "pull",
        entity: Some(plan.entity),
        connection_id: Some(&prepared.connection.id),
        connection_name: &prepared.connection.name,
        started_at: &prepared.started_at,
    };
    let mut writer = Writer::begin(&tx, &start, prepared.business_unit_id)?;
    writer.counts.fetched = plan.summary.fetched;
    for (n, index) in chosen.iter().enumerate() {
        if n % 1000 == 0 {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            progress.report(progress::event("writing", n as u64, Some(total)));
        }
        let row = &plan.rows[*index];
        let Some(record) = &prepared.records[*index] else {
            continue;
        };
        match row.status {
            PlanStatus::New => writer.create(record)?,
            PlanStatus::Changed => writer.update(prepared.existing_ids[index], record, &row.changes)?,
            PlanStatus::Unchanged => writer.counts.unchanged += 1,
            PlanStatus::MissingUpstream => {}
        }
    }
    for row_id in &prepared.missing {
        writer.flag_missing(*row_id)?;
    }
    writer.counts.missing_upstream = plan.summary.missing_upstream;
    writer.counts.unchanged += prepared.untouched;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    // The watermark moves only when every new and changed record was written: records left
    // unselected must still show up in the next incremental pull.
    let pending = |r: &PlanRow| matches!(r.status, PlanStatus::New | PlanStatus::Changed);
    let written = chosen.iter().filter(|&&i| pending(&plan.rows[i])).count();
    let complete = written == plan.rows.iter().filter(|r| pending(r)).count();
    let watermark = if complete {
        prepared.last_poll_time.as_deref()
    } else {
        None
    };
    let result = writer.finish(&prepared.connection.id, watermark, prepared.started)?;
    tx.commit()?;
    progress.report(progress::event("writing", total, Some(total)));
    Ok(result)
}

/// Records that an apply was cancelled or failed (after its transaction rolled back).
pub fn record_failed_apply(store: &Mutex<Store>, prepared: &PreparedPlan, error: &Error) {
    let start = RunStart {
        kind: "pull",
        entity: Some(prepared.plan.entity),
        connection_id: Some(&prepared.connection.id),
        connection_name: &prepared.connection.name,
        started_at: &prepared.started_at,
    };
    let counts = RunCounts {
        fetched: prepared.plan.summary.fetched,
        ..RunCounts::default()
    };
    let guard = store.lock().unwrap_or_else(|p| p.into_inner());
    guard.record_failed_run(&start, &counts, prepared.started, error);
}

/// The plan rows a selection picks (missing-upstream rows are never written by a sync).
pub(super) fn selected_rows(plan: &SyncPlan, selection: &Selection) -> Result<Vec<usize>> {
    let writable = |row: &PlanRow| row.status != PlanStatus::MissingUpstream;
    let pick = |keep: &dyn Fn(&PlanRow) -> bool| -> Vec<usize> {
        plan.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| writable(r) && keep(r))
            .map(|(i, _)| i)
            .collect()
    };
    Ok(match selection {
        Selection::All => pick(&|_| true),
        Selection::New => pick(&|r| r.status == PlanStatus::New),
        Selection::Changed => pick(&|r| r.status == PlanStatus::Changed),
        Selection::Ids(ids) => {
            let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
            let chosen = pick(&|r| wanted.contains(r.id.as_str()));
            let found: HashSet<&str> = chosen.iter().map(|&i| plan.rows[i].id.as_str()).collect();
            if let Some(unknown) = wanted.iter().find(|id| !found.contains(**id)) {
                return Err(Error::InvalidInput(format!(
                    "{} {unknown} is not in this pull (or is missing upstream). Fetch again and choose from the list.",
                    plan.entity.label()
                )));
            }
            chosen
        }
    })
}
