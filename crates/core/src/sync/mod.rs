//! The Synchronize engine: fetch from CXone → compare with the store → a plan that marks every
//! record new, changed (with the fields that differ), unchanged or missing upstream → apply only
//! the selected records, in one transaction, with a `sync_runs` row and an audit row per write.
//! Nothing is ever deleted: a record gone upstream is flagged.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rusqlite::{params, OptionalExtension};
use tokio_util::sync::CancellationToken;

use crate::connections::Connections;
use crate::model::{
    ApplyResult, Connection, ConnectionSettings, Entity, FieldChange, PlanRow, PlanStatus, PlanSummary, Selection,
    SyncPlan,
};
use crate::progress::{self, Progress};
use crate::store::records::Existing;
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
use crate::vendor::cxone::admin::{self, FetchOptions, FetchedRecord};
use crate::vendor::cxone::session::CxoneSession;
use crate::vendor::retry::RetryPolicy;
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
    existing_ids: HashMap<usize, Stored>,
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
        record_fetch_failure(&store, connection, entity, &started_at, started, error);
    }
    result
}

/// A pull that failed or was cancelled before writing anything is still a run in History.
fn record_fetch_failure(
    store: &Arc<Mutex<Store>>,
    connection: &str,
    entity: Entity,
    started_at: &str,
    started: Instant,
    error: &Error,
) {
    let store = lock(store);
    let name = store
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
        started_at,
    };
    let elapsed = started.elapsed().as_millis() as i64;
    if let Err(e) = store.record_run(&start, status, &RunCounts::default(), elapsed, Some(&error.to_string())) {
        tracing::warn!(error = %e, "could not record the failed run");
    }
}

/// Signs in and settles how to read: campaigns from skills when the connection says so, and
/// from the watermark unless a full pull was asked for.
async fn open_pull(
    connections: &Connections,
    store: &Arc<Mutex<Store>>,
    connection: &str,
    entity: Entity,
    options: &PullOptions,
) -> Result<(Connection, CxoneSession, FetchOptions)> {
    let (connection, session) = connections.cxone_session(connection, options.retry.clone()).await?;
    let mut fetch = options.fetch.clone();
    if let ConnectionSettings::Cxone {
        campaigns_from_skills, ..
    } = &connection.settings
    {
        fetch.campaigns_from_skills = *campaigns_from_skills;
    }
    if !options.full {
        fetch.updated_since = lock(store).watermark(&connection.id, entity, session.business_unit_id)?;
    }
    Ok((connection, session, fetch))
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
    let (connection, session, fetch) = open_pull(connections, store, connection, entity, options).await?;
    let business_unit_id = session.business_unit_id;
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
                existing_ids.insert(
                    rows.len(),
                    Stored {
                        row_id: stored.row_id,
                        fields_hash: stored.fields_hash,
                    },
                );
                // The changed fields themselves are named once every row is compared.
                let mut changes = Vec::new();
                if stored.missing {
                    changes.push(missing_upstream_change(false));
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

/// The audit change of a record flagged missing upstream (`true`) or seen again (`false`).
fn missing_upstream_change(missing: bool) -> FieldChange {
    let (old, new) = if missing { ("no", "yes") } else { ("yes", "no") };
    FieldChange {
        field: "missing upstream".into(),
        old: Some(old.into()),
        new: Some(new.into()),
    }
}

/// Names the fields that differ on each changed row, reading the stored side from its raw JSON.
fn describe_changes(store: &Store, prepared: &mut PreparedPlan) -> Result<()> {
    let row_ids: Vec<i64> = prepared.existing_ids.values().map(|s| s.row_id).collect();
    let stored = store.raw_records(&row_ids)?;
    let entity = prepared.plan.entity;
    for (&index, Stored { row_id, .. }) in &prepared.existing_ids {
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

/// A stored record as it was when compared: an update applies only if it is still so.
#[derive(Debug, Clone, Copy)]
struct Stored {
    row_id: i64,
    fields_hash: i64,
}

/// Writes records inside one transaction: creations, updates and missing-upstream flags, each
/// with its audit row, and the run's `sync_runs` row. Dropping it before [`Writer::finish`]
/// rolls everything back.
struct Writer<'t> {
    tx: &'t rusqlite::Transaction<'t>,
    run_id: i64,
    entity: Entity,
    business_unit_id: i64,
    now: String,
    counts: RunCounts,
}

impl<'t> Writer<'t> {
    fn begin(tx: &'t rusqlite::Transaction<'t>, start: &RunStart<'_>, business_unit_id: i64) -> Result<Writer<'t>> {
        let run_id = runs::insert_run(tx, start)?;
        let entity = start.entity.expect("a pull has an entity");
        Ok(Writer {
            tx,
            run_id,
            entity,
            business_unit_id,
            now: now_rfc3339(),
            counts: RunCounts::default(),
        })
    }

    fn create(&mut self, record: &FetchedRecord) -> Result<()> {
        if self.adopt_imported_user(record)? {
            return Ok(());
        }
        self.tx
            .prepare_cached(
                "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash,
                                      raw, group_name, first_synced_at, last_synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
            )?
            .execute(params![
                self.entity.as_str(),
                self.business_unit_id,
                record.id,
                record.name,
                record.detail,
                record.email_key,
                record.is_active,
                record.fields_hash,
                record.raw,
                self.entity.group_name(),
                self.now
            ])
            .map_err(|e| match e {
                // Written by another pull since this one compared: the list is out of date.
                rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
                    Error::Stale(self.entity.label())
                }
                other => other.into(),
            })?;
        // The created values are the record's own columns; the audit row marks the creation.
        runs::insert_audit(
            self.tx,
            self.run_id,
            self.tx.last_insert_rowid(),
            "created",
            &[],
            &self.now,
        )?;
        self.counts.created += 1;
        Ok(())
    }

    /// A user a CSV import created before CXone had them becomes this CXone record (its id, business
    /// unit and fields), keeping what the import set: one user, not two with the same email.
    fn adopt_imported_user(&mut self, record: &FetchedRecord) -> Result<bool> {
        let Some(email_key) = record.email_key.as_deref().filter(|_| self.entity == Entity::Users) else {
            return Ok(false);
        };
        let adopted = self
            .tx
            .prepare_cached(
                "UPDATE records SET business_unit_id = ?2, cxone_id = ?3, name = ?4, detail = ?5, is_active = ?6,
                                    fields_hash = ?7, raw = ?8, last_synced_at = ?9, missing_upstream_since = NULL
                 WHERE entity = 'users' AND business_unit_id = 0 AND cxone_id = 'import:' || ?1
                 RETURNING id",
            )?
            .query_row(
                params![
                    email_key,
                    self.business_unit_id,
                    record.id,
                    record.name,
                    record.detail,
                    record.is_active,
                    record.fields_hash,
                    record.raw,
                    self.now
                ],
                |row| row.get::<_, i64>(0),
            )
            .optional()?;
        let Some(row_id) = adopted else { return Ok(false) };
        let change = FieldChange {
            field: "CXone ID".into(),
            old: Some(format!("import:{email_key}")),
            new: Some(record.id.clone()),
        };
        runs::insert_audit(self.tx, self.run_id, row_id, "created", &[change], &self.now)?;
        self.counts.created += 1;
        Ok(true)
    }

    /// Updates a stored record, provided it is still as it was when compared (`stored`).
    fn update(&mut self, stored: Stored, record: &FetchedRecord, changes: &[FieldChange]) -> Result<()> {
        let row_id = stored.row_id;
        let updated = self
            .tx
            .prepare_cached(
                "UPDATE records SET name = ?2, detail = ?3, email_key = ?4, is_active = ?5, fields_hash = ?6, raw = ?7,
                                    last_synced_at = ?8, missing_upstream_since = NULL
                 WHERE id = ?1 AND fields_hash = ?9",
            )?
            .execute(params![
                row_id,
                record.name,
                record.detail,
                record.email_key,
                record.is_active,
                record.fields_hash,
                record.raw,
                self.now,
                stored.fields_hash
            ])?;
        if updated == 0 {
            return Err(Error::Stale(self.entity.label()));
        }
        runs::insert_audit(self.tx, self.run_id, row_id, "updated", changes, &self.now)?;
        self.counts.updated += 1;
        Ok(())
    }

    fn flag_missing(&mut self, row_id: i64) -> Result<()> {
        let flagged = self
            .tx
            .prepare_cached(
                "UPDATE records SET missing_upstream_since = ?2 WHERE id = ?1 AND missing_upstream_since IS NULL",
            )?
            .execute(params![row_id, self.now])?;
        if flagged > 0 {
            let change = missing_upstream_change(true);
            runs::insert_audit(self.tx, self.run_id, row_id, "flagged_missing", &[change], &self.now)?;
        }
        Ok(())
    }

    /// Moves the watermark and closes the run; the caller commits.
    fn finish(self, connection_id: &str, last_poll_time: Option<&str>, started: Instant) -> Result<ApplyResult> {
        if let Some(poll) = last_poll_time {
            runs::set_watermark(self.tx, connection_id, self.entity, self.business_unit_id, poll)?;
        }
        let duration = started.elapsed().as_millis() as i64;
        runs::finish_run(self.tx, self.run_id, "succeeded", &self.counts, duration, None)?;
        tracing::info!(
            run_id = self.run_id,
            entity = self.entity.as_str(),
            created = self.counts.created,
            updated = self.counts.updated,
            "pull applied"
        );
        Ok(ApplyResult {
            run_id: self.run_id,
            created: self.counts.created,
            updated: self.counts.updated,
            unchanged: self.counts.unchanged,
            missing_upstream: self.counts.missing_upstream,
        })
    }
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
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let tx = guard.conn_mut().transaction()?;
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

/// What travels from the fetch to the writer of a streamed pull.
enum Batch {
    Records(Vec<FetchedRecord>),
    /// The fetch finished: its watermark. Without this message the writer rolls back.
    Done {
        last_poll_time: Option<String>,
        full: bool,
    },
}

/// Fetches and writes every record at once, with no selection step (`--select all` in the
/// CLI): each page is compared and written while the next ones are fetched, in one
/// transaction that a failure, a cancel or a crash rolls back whole.
pub async fn pull_all(
    connections: &Connections,
    connection: &str,
    entity: Entity,
    options: &PullOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<(PlanSummary, ApplyResult)> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let store = connections.store_handle();
    let result = stream_pull(
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
        record_fetch_failure(&store, connection, entity, &started_at, started, error);
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn stream_pull(
    connections: &Connections,
    store: &Arc<Mutex<Store>>,
    connection: &str,
    entity: Entity,
    options: &PullOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
    started: Instant,
    started_at: &str,
) -> Result<(PlanSummary, ApplyResult)> {
    let (connection, session, fetch) = open_pull(connections, store, connection, entity, options).await?;
    let business_unit_id = session.business_unit_id;
    let existing = lock(store).existing_records(entity, business_unit_id)?;
    let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(16);
    let writer_store = store.clone();
    let writer_connection = connection.clone();
    let writer_started_at = started_at.to_owned();
    let writer_cancel = cancel.clone();
    let writer = tokio::task::spawn_blocking(move || {
        write_stream(
            &writer_store,
            &writer_connection,
            entity,
            business_unit_id,
            existing,
            batches,
            &writer_cancel,
            started,
            &writer_started_at,
        )
    });
    let fetched = admin::fetch_pages(&session, entity, &fetch, progress, cancel, &mut |page| {
        sender
            .send(Batch::Records(page))
            .map_err(|_| Error::Internal("the writer stopped early".into()))
    })
    .await;
    let outcome = match fetched {
        Ok(outcome) => {
            let _ = sender.send(Batch::Done {
                last_poll_time: outcome.last_poll_time.clone(),
                full: !outcome.incremental,
            });
            drop(sender);
            outcome
        }
        Err(error) => {
            drop(sender); // the writer rolls back
                          // When the writer failed first, its error is the cause; otherwise the fetch's.
            return Err(match writer.await {
                Ok(Err(cause)) if !matches!(cause, Error::Cancelled) => cause,
                _ => error,
            });
        }
    };
    let (mut summary, result) = writer.await.map_err(|e| Error::Internal(e.to_string()))??;
    summary.incremental = outcome.incremental;
    summary.notes = outcome.notes;
    Ok((summary, result))
}

/// The writer side of [`pull_all`]: compares each arriving record with the store and writes it.
#[allow(clippy::too_many_arguments)]
fn write_stream(
    store: &Mutex<Store>,
    connection: &Connection,
    entity: Entity,
    business_unit_id: i64,
    mut existing: HashMap<String, Existing>,
    batches: std::sync::mpsc::Receiver<Batch>,
    cancel: &CancellationToken,
    started: Instant,
    started_at: &str,
) -> Result<(PlanSummary, ApplyResult)> {
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let tx = guard.conn_mut().transaction()?;
    let start = RunStart {
        kind: "pull",
        entity: Some(entity),
        connection_id: Some(&connection.id),
        connection_name: &connection.name,
        started_at,
    };
    let mut writer = Writer::begin(&tx, &start, business_unit_id)?;
    let mut summary = PlanSummary::default();
    let held = existing.len() as u32;
    let (last_poll_time, full) = loop {
        let Ok(batch) = batches.recv() else {
            // The fetch failed or was cancelled: nothing is kept.
            return Err(Error::Cancelled);
        };
        let records = match batch {
            Batch::Records(records) => records,
            Batch::Done { last_poll_time, full } => break (last_poll_time, full),
        };
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        for record in records {
            summary.fetched += 1;
            match existing.remove(&record.id) {
                None => {
                    writer.create(&record)?;
                    summary.new += 1;
                }
                Some(stored) if stored.fields_hash == record.fields_hash && !stored.missing => summary.unchanged += 1,
                Some(stored) => {
                    let old = tx.query_row("SELECT raw FROM records WHERE id = ?1", [stored.row_id], |r| {
                        r.get::<_, String>(0)
                    })?;
                    let mut changes = diff(
                        &admin::compared_fields(entity, &old),
                        &admin::compared_fields(entity, &record.raw),
                    );
                    if stored.missing {
                        changes.push(missing_upstream_change(false));
                    }
                    writer.update(
                        Stored {
                            row_id: stored.row_id,
                            fields_hash: stored.fields_hash,
                        },
                        &record,
                        &changes,
                    )?;
                    summary.changed += 1;
                }
            }
        }
    };
    if full {
        for stored in existing.values() {
            summary.missing_upstream += 1;
            writer.flag_missing(stored.row_id)?;
        }
    } else {
        // Incremental: every record held that CXone did not report is unchanged.
        summary.unchanged += held - (summary.fetched - summary.new);
    }
    writer.counts.fetched = summary.fetched;
    writer.counts.unchanged = summary.unchanged;
    writer.counts.missing_upstream = summary.missing_upstream;
    let result = writer.finish(&connection.id, last_poll_time.as_deref(), started)?;
    tx.commit()?;
    Ok((summary, result))
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
