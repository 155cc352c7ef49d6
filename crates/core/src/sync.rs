//! The Synchronize engine: fetch from CXone → compare with the store → a plan that marks every
//! record new, changed (with the fields that differ), unchanged or missing upstream → apply only
//! the selected records, in one transaction, with a `sync_runs` row and an audit row per write.
//! Nothing is ever deleted: a record gone upstream is flagged.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rusqlite::params;
use tokio_util::sync::CancellationToken;

use crate::connections::Connections;
use crate::cxone::admin::{self, FetchOptions, FetchedRecord};
use crate::model::{
    ApplyResult, Connection, ConnectionSettings, Entity, FieldChange, PlanRow, PlanStatus, PlanSummary, Selection,
    SyncPlan,
};
use crate::progress::{self, Progress};
use crate::retry::RetryPolicy;
use crate::store::records::Existing;
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
use crate::{Error, Result};

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
    /// The fetched record behind each plan row (None for missing-upstream rows).
    records: Vec<Option<FetchedRecord>>,
    /// Store row ids of the records missing upstream, to flag.
    missing: Vec<i64>,
    /// Store row id of each changed row.
    existing_ids: HashMap<usize, i64>,
    /// Incremental pulls: stored records CXone reported no change for (not listed as rows).
    untouched: u32,
}

/// Fetches `entity` from the connection and compares it with the store. A failed or cancelled
/// fetch is recorded in History and writes nothing else.
pub async fn prepare(
    connections: &Connections,
    connection: &str,
    entity: Entity,
    options: &PullOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<PreparedPlan> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let store = connections.store_handle();
    progress.report(progress::event("authenticating", 0, None));
    let result = fetch_and_compare(
        connections,
        &store,
        connection,
        entity,
        options,
        progress,
        cancel,
        started,
        &started_at,
    )
    .await;
    if let Err(error) = &result {
        let name = lock(&store)
            .find_connection(connection)
            .map(|c| c.name)
            .unwrap_or_else(|_| connection.to_owned());
        let status = if matches!(error, Error::Cancelled) {
            "cancelled"
        } else {
            "failed"
        };
        let start = RunStart {
            kind: "pull",
            entity: Some(entity),
            connection_id: None,
            connection_name: &name,
            started_at: &started_at,
        };
        let elapsed = started.elapsed().as_millis() as i64;
        if let Err(e) =
            lock(&store).record_run(&start, status, &RunCounts::default(), elapsed, Some(&error.to_string()))
        {
            tracing::warn!(error = %e, "could not record the failed run");
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn fetch_and_compare(
    connections: &Connections,
    store: &Arc<Mutex<Store>>,
    connection: &str,
    entity: Entity,
    options: &PullOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
    started: Instant,
    started_at: &str,
) -> Result<PreparedPlan> {
    let (connection, session) = connections.cxone_session(connection, options.retry.clone()).await?;
    let business_unit_id = session.business_unit_id;
    let mut fetch = options.fetch.clone();
    if let ConnectionSettings::Cxone {
        campaigns_from_skills, ..
    } = &connection.settings
    {
        fetch.campaigns_from_skills = *campaigns_from_skills;
    }
    if !options.full {
        fetch.updated_since = lock(store).watermark(&connection.id, entity, business_unit_id)?;
    }
    let outcome = admin::fetch(&session, entity, &fetch, progress, cancel).await?;
    progress.report(progress::event("planning", 0, Some(outcome.records.len() as u64)));
    let existing = lock(store).existing_records(entity, business_unit_id)?;
    let mut prepared = compare(entity, &connection, outcome.records, &existing, !outcome.incremental);
    describe_changes(&lock(store), &mut prepared)?;
    prepared.plan.summary.incremental = outcome.incremental;
    if outcome.incremental {
        // Every stored record CXone did not report is unchanged since the watermark.
        let matched = prepared
            .plan
            .rows
            .iter()
            .filter(|r| r.status != PlanStatus::New)
            .count();
        prepared.untouched = (existing.len() - matched) as u32;
        prepared.plan.summary.unchanged += prepared.untouched;
    }
    prepared.plan.summary.notes = outcome.notes;
    if outcome.incremental {
        prepared.plan.summary.notes.push(format!(
            "Incremental pull: only {} changed since the last pull are listed. Choose a full pull to see every one.",
            entity.label()
        ));
    }
    Ok(PreparedPlan {
        business_unit_id,
        last_poll_time: outcome.last_poll_time,
        started_at: started_at.to_owned(),
        started,
        connection,
        ..prepared
    })
}

fn lock(store: &Arc<Mutex<Store>>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Marks each fetched record new, changed or unchanged, and (for a full pull) each stored record
/// CXone no longer has as missing upstream.
fn compare(
    entity: Entity,
    connection: &Connection,
    fetched: Vec<FetchedRecord>,
    existing: &HashMap<String, Existing>,
    full: bool,
) -> PreparedPlan {
    let mut summary = PlanSummary {
        fetched: fetched.len() as u32,
        ..PlanSummary::default()
    };
    let mut rows = Vec::with_capacity(fetched.len());
    let mut records = Vec::with_capacity(fetched.len());
    let mut existing_ids = HashMap::new();
    for record in fetched {
        let (status, changes) = match existing.get(&record.id) {
            None => {
                summary.new += 1;
                (PlanStatus::New, Vec::new())
            }
            Some(stored) if stored.fields_hash == record.fields_hash && !stored.missing => {
                summary.unchanged += 1;
                (PlanStatus::Unchanged, Vec::new())
            }
            Some(stored) => {
                summary.changed += 1;
                existing_ids.insert(rows.len(), stored.row_id);
                // The changed fields themselves are named once every row is compared.
                let mut changes = Vec::new();
                if stored.missing {
                    changes.push(FieldChange {
                        field: "missing upstream".into(),
                        old: Some("yes".into()),
                        new: Some("no".into()),
                    });
                }
                (PlanStatus::Changed, changes)
            }
        };
        rows.push(PlanRow {
            id: record.id.clone(),
            name: record.name.clone(),
            detail: record.detail.clone(),
            is_active: record.is_active,
            status,
            changes,
        });
        records.push(Some(record));
    }
    let mut missing = Vec::new();
    if full {
        let fetched_ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let mut gone: Vec<(&String, &Existing)> = existing
            .iter()
            .filter(|(id, _)| !fetched_ids.contains(id.as_str()))
            .collect();
        gone.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        for (id, stored) in gone {
            summary.missing_upstream += 1;
            if !stored.missing {
                missing.push(stored.row_id);
            }
            rows.push(PlanRow {
                id: id.clone(),
                name: stored.name.clone(),
                detail: stored.detail.clone(),
                is_active: stored.is_active,
                status: PlanStatus::MissingUpstream,
                changes: Vec::new(),
            });
            records.push(None);
        }
    }
    PreparedPlan {
        plan: SyncPlan {
            plan_id: uuid::Uuid::new_v4().to_string(),
            entity,
            connection_id: connection.id.clone(),
            summary,
            rows,
        },
        connection: connection.clone(),
        business_unit_id: 0,
        last_poll_time: None,
        started_at: String::new(),
        started: Instant::now(),
        records,
        missing,
        existing_ids,
        untouched: 0,
    }
}

/// Names the fields that differ on each changed row, reading the stored side from its raw JSON.
fn describe_changes(store: &Store, prepared: &mut PreparedPlan) -> Result<()> {
    let row_ids: Vec<i64> = prepared.existing_ids.values().copied().collect();
    let stored = store.raw_records(&row_ids)?;
    let entity = prepared.plan.entity;
    for (&index, row_id) in &prepared.existing_ids {
        let (Some(old_raw), Some(record)) = (stored.get(row_id), &prepared.records[index]) else {
            continue;
        };
        let mut changes = diff(
            &admin::compared_fields(entity, old_raw),
            &admin::compared_fields(entity, &record.raw),
        );
        changes.append(&mut prepared.plan.rows[index].changes);
        prepared.plan.rows[index].changes = changes;
    }
    Ok(())
}

/// The fields that differ between two sets of compared fields.
fn diff(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<FieldChange> {
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            old: old.get(k).cloned(),
            new: new.get(k).cloned(),
        })
        .collect()
}

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
    let entity = plan.entity;
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let tx = guard.conn_mut().transaction()?;
    let now = now_rfc3339();
    let start = RunStart {
        kind: "pull",
        entity: Some(entity),
        connection_id: Some(&prepared.connection.id),
        connection_name: &prepared.connection.name,
        started_at: &prepared.started_at,
    };
    let run_id = runs::insert_run(&tx, &start)?;
    let mut counts = RunCounts {
        fetched: plan.summary.fetched,
        ..RunCounts::default()
    };
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash, raw,
                                  group_name, first_synced_at, last_synced_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE records SET name = ?2, detail = ?3, email_key = ?4, is_active = ?5, fields_hash = ?6, raw = ?7,
                                last_synced_at = ?8, missing_upstream_since = NULL
             WHERE id = ?1",
        )?;
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
                PlanStatus::New => {
                    insert.execute(params![
                        entity.as_str(),
                        prepared.business_unit_id,
                        record.id,
                        record.name,
                        record.detail,
                        record.email_key,
                        record.is_active,
                        record.fields_hash,
                        record.raw,
                        entity.group_name(),
                        now
                    ])?;
                    // The created values are the record's own columns; the audit row marks the creation.
                    runs::insert_audit(&tx, run_id, tx.last_insert_rowid(), "created", &[], &now)?;
                    counts.created += 1;
                }
                PlanStatus::Changed => {
                    let row_id = prepared.existing_ids[index];
                    update.execute(params![
                        row_id,
                        record.name,
                        record.detail,
                        record.email_key,
                        record.is_active,
                        record.fields_hash,
                        record.raw,
                        now
                    ])?;
                    runs::insert_audit(&tx, run_id, row_id, "updated", &row.changes, &now)?;
                    counts.updated += 1;
                }
                PlanStatus::Unchanged => counts.unchanged += 1,
                PlanStatus::MissingUpstream => {}
            }
        }
        let mut flag = tx.prepare_cached(
            "UPDATE records SET missing_upstream_since = ?2 WHERE id = ?1 AND missing_upstream_since IS NULL",
        )?;
        for row_id in &prepared.missing {
            if flag.execute(params![row_id, now])? > 0 {
                let change = FieldChange {
                    field: "missing upstream".into(),
                    old: Some("no".into()),
                    new: Some("yes".into()),
                };
                runs::insert_audit(&tx, run_id, *row_id, "flagged_missing", &[change], &now)?;
            }
        }
        counts.missing_upstream = plan.summary.missing_upstream;
        counts.unchanged += prepared.untouched;
    }
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    if let Some(poll) = &prepared.last_poll_time {
        runs::set_watermark(&tx, &prepared.connection.id, entity, prepared.business_unit_id, poll)?;
    }
    let duration = prepared.started.elapsed().as_millis() as i64;
    runs::finish_run(&tx, run_id, "succeeded", &counts, duration, None)?;
    tx.commit()?;
    progress.report(progress::event("writing", total, Some(total)));
    tracing::info!(
        run_id,
        entity = entity.as_str(),
        created = counts.created,
        updated = counts.updated,
        "pull applied"
    );
    Ok(ApplyResult {
        run_id,
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        missing_upstream: counts.missing_upstream,
    })
}

/// Records that an apply was cancelled or failed (after its transaction rolled back).
pub fn record_failed_apply(store: &Mutex<Store>, prepared: &PreparedPlan, error: &Error) {
    let status = if matches!(error, Error::Cancelled) {
        "cancelled"
    } else {
        "failed"
    };
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
    let elapsed = prepared.started.elapsed().as_millis() as i64;
    if let Err(e) = guard.record_run(&start, status, &counts, elapsed, Some(&error.to_string())) {
        tracing::warn!(error = %e, "could not record the failed apply");
    }
}

/// The plan rows a selection picks (missing-upstream rows are never written by a sync).
fn selected_rows(plan: &SyncPlan, selection: &Selection) -> Result<Vec<usize>> {
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
