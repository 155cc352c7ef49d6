//! The streamed pull (`ccsync pull --select all`): pages are compared while later ones download;
//! what differs is written when the last page is in, in one short transaction (none is held across
//! the network, so the open app can write meanwhile). One pull per connection and entity at a time,
//! across processes (`store::locks`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::connections::Connections;
use crate::model::{ApplyResult, Connection, Entity, PlanSummary, RunKind};
use crate::progress::Progress;
use crate::store::runs::RunStart;
use crate::store::{now_rfc3339, Store};
use crate::vendor::cxone::admin;
use crate::vendor::cxone::records::{self, FetchedRecord};
use crate::{Error, Result};

use super::staged::StagedRecords;
use super::{diff, lock, missing_upstream_change, open_pull, record_fetch_failure, PullOptions, Stored, Writer};

/// What travels from the fetch to the writer of a streamed pull.
pub(super) enum Batch {
    Records(Vec<FetchedRecord>),
    /// The fetch finished: its watermark. Without this message the writer rolls back.
    Done {
        last_poll_time: Option<String>,
        full: bool,
    },
}

/// Fetches and writes every record at once, with no selection step (`--select all` in the
/// CLI): each page is compared while the next ones are fetched, and what differs is written at
/// the end in one short transaction; a failure, a cancel or a crash writes nothing.
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
pub(super) async fn stream_pull(
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
    // Held until the pull ends, however it ends (dropped with this function's locals).
    let _job = lock(store).acquire_job(
        &crate::store::locks::pull_lock_name(&connection.id, entity),
        &format!("pull of {}", entity.label()),
    )?;
    let business_unit_id = session.business_unit_id;
    // A few pages of slack: each one waiting holds its page (~1 MB for 1,000 agents) in memory.
    let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
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

/// A record that differs from the store, kept until the fetch ends.
struct ChangedRecord {
    stored: Stored,
    record: FetchedRecord,
    changes: Vec<crate::model::FieldChange>,
}

/// The writer side of [`pull_all`]: compares each arriving record with the store as it was when
/// the pull started, and holds what differs (new records compressed in memory, changed ones
/// with the fields that changed: unchanged records are only counted). No transaction is open
/// while pages download: when the fetch ends, everything held is written in one short
/// `BEGIN IMMEDIATE` transaction, whose writes check that each record is still as it was
/// compared (else the pull is refused as stale). A failure, a cancel or a crash before the
/// commit leaves the store as it was.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_stream(
    store: &Mutex<Store>,
    connection: &Connection,
    entity: Entity,
    business_unit_id: i64,
    batches: std::sync::mpsc::Receiver<Batch>,
    cancel: &CancellationToken,
    started: Instant,
    started_at: &str,
) -> Result<(PlanSummary, ApplyResult)> {
    // Read while the first pages download (100,000 stored records take a moment).
    let mut existing = store
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .existing_records(entity, business_unit_id)?;
    let mut summary = PlanSummary::default();
    let held = existing.len() as u32;
    let mut changed = Vec::new();
    let mut staged = StagedRecords::default();
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
        let mut differing = Vec::new();
        let mut new = Vec::new();
        for record in records {
            summary.fetched += 1;
            match existing.remove(&record.id) {
                None => new.push(record),
                Some(stored) if stored.fields_hash == record.fields_hash && !stored.missing => summary.unchanged += 1,
                Some(stored) => differing.push((stored, record)),
            }
        }
        staged.push(new)?;
        if differing.is_empty() {
            continue;
        }
        // The old values, for the audit: a read, which waits for no writer (WAL).
        let guard = store.lock().unwrap_or_else(|p| p.into_inner());
        let mut read_raw = guard.conn().prepare_cached("SELECT raw FROM records WHERE id = ?1")?;
        for (stored, record) in differing {
            let old = read_raw.query_row([stored.row_id], |r| r.get::<_, String>(0))?;
            let mut changes = diff(
                &records::compared_fields(entity, &old),
                &records::compared_fields(entity, &record.raw),
            );
            if stored.missing {
                changes.push(missing_upstream_change(false));
            }
            changed.push(ChangedRecord {
                stored: Stored {
                    row_id: stored.row_id,
                    fields_hash: stored.fields_hash,
                },
                // Its own copy of its JSON, so that the page it came on is let go.
                record: FetchedRecord {
                    raw: record.raw.detached(),
                    ..record
                },
                changes,
            });
        }
    };
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    summary.new = staged.len() as u32;
    summary.changed = changed.len() as u32;
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let writing = Instant::now();
    let tx = guard.write_tx()?;
    let start = RunStart {
        kind: RunKind::Pull,
        entity: Some(entity),
        connection_id: Some(&connection.id),
        connection_name: &connection.name,
        started_at,
        link_id: None,
    };
    let mut writer = Writer::begin(&tx, &start, business_unit_id)?;
    writer.create_staged(&staged)?;
    for c in &changed {
        writer.update(c.stored, &c.record, &c.changes)?;
    }
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
    // Streamed: pages are compared as they arrive; the fetch phase ends when the last one is in.
    let phases = super::Phases {
        fetch_ms: writing.duration_since(started).as_millis() as i64,
        writing,
    };
    let result = writer.finish(&connection.id, last_poll_time.as_deref(), phases)?;
    tx.commit()?;
    // How long other processes' writes waited for this pull, at most.
    tracing::info!(
        write_lock_ms = writing.elapsed().as_millis() as u64,
        staged_kib = staged.compressed_bytes() / 1024,
        "streamed pull committed"
    );
    Ok((summary, result))
}
