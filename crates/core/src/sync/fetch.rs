//! The fetch half of a pull: sign in, read the entity from CXone (from the watermark unless a full
//! pull was asked for), compare it with the store into a [`PreparedPlan`]. A failed or cancelled
//! fetch is still a run in History.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::connections::Connections;
use crate::model::{Connection, ConnectionSettings, Entity, PlanStatus, RunKind};
use crate::progress::{self, Progress};
use crate::store::runs::{RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
use crate::vendor::cxone::admin::{self, FetchOptions};
use crate::vendor::cxone::session::CxoneSession;
use crate::{Error, Result};

use super::{compare, describe_changes, lock, PreparedPlan, PullOptions};

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
pub(super) fn record_fetch_failure(
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
    let start = RunStart {
        kind: RunKind::Pull,
        entity: Some(entity),
        connection_id: None,
        connection_name: &name,
        started_at,
        link_id: None,
    };
    store.record_failed_run(&start, &RunCounts::default(), started, error);
}

/// Signs in and settles how to read: campaigns from skills when the connection says so, and
/// from the watermark unless a full pull was asked for.
pub(super) async fn open_pull(
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
pub(super) async fn fetch_and_compare(
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
    // The stored records are read while the pages download.
    let reading = store.clone();
    let existing = tokio::task::spawn_blocking(move || lock(&reading).existing_records(entity, business_unit_id));
    let outcome = admin::fetch(&session, entity, &fetch, progress, cancel).await?;
    progress.report(progress::event("planning", 0, Some(outcome.records.len() as u64)));
    let existing = existing.await.map_err(|e| Error::Internal(e.to_string()))??;
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
        fetch_ms: started.elapsed().as_millis() as i64,
        business_unit_id,
        last_poll_time: outcome.last_poll_time,
        started_at: started_at.to_owned(),
        started,
        connection,
        ..prepared
    })
}
