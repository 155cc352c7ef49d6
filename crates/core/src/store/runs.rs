//! `sync_runs`, `audit` and `sync_watermarks`.

use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{now_rfc3339, Store};
use crate::model::{AuditAction, AuditEntry, Entity, FieldChange, RunKind, SyncRun};
use crate::vendor::directory::Platform;
use crate::{Error, Result};

/// The counts a finished run records.
#[derive(Debug, Clone, Default)]
pub struct RunCounts {
    pub fetched: u32,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub missing_upstream: u32,
}

/// Who and what a run is about.
#[derive(Debug, Clone)]
pub struct RunStart<'a> {
    pub kind: RunKind,
    pub entity: Option<Entity>,
    pub connection_id: Option<&'a str>,
    pub connection_name: &'a str,
    pub started_at: &'a str,
    /// The mapping link an Auto Sync or a mapping change ran for.
    pub link_id: Option<i64>,
}

pub fn insert_run(conn: &Connection, start: &RunStart<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO sync_runs (kind, entity, connection_id, connection_name, started_at, status, link_id)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
    )?
    .execute(params![
        start.kind.as_str(),
        start.entity.map(Entity::as_str),
        start.connection_id,
        start.connection_name,
        start.started_at,
        start.link_id
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Marks a run succeeded with its counts, timed from `started` (the common ending of every job).
pub fn finish_succeeded(conn: &Connection, run_id: i64, counts: &RunCounts, started: Instant) -> Result<()> {
    finish_run(
        conn,
        run_id,
        "succeeded",
        counts,
        started.elapsed().as_millis() as i64,
        None,
    )
}

pub fn finish_run(
    conn: &Connection,
    run_id: i64,
    status: &str,
    counts: &RunCounts,
    duration_ms: i64,
    error: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE sync_runs SET status = ?2, finished_at = ?3, duration_ms = ?4, fetched = ?5, created = ?6,
                updated = ?7, unchanged = ?8, missing_upstream = ?9, error = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        run_id,
        status,
        now_rfc3339(),
        duration_ms,
        counts.fetched,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.missing_upstream,
        error
    ])?;
    Ok(())
}

pub fn insert_audit(
    conn: &Connection,
    run_id: i64,
    record_id: i64,
    action: AuditAction,
    changes: &[FieldChange],
    at: &str,
) -> Result<()> {
    let changes = serde_json::to_string(changes).map_err(|e| crate::Error::Internal(e.to_string()))?;
    conn.prepare_cached("INSERT INTO audit (run_id, record_id, action, changes, at) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![run_id, record_id, action.as_str(), changes, at])?;
    Ok(())
}

/// Audit rows of one run, many to a statement: (record id, action, changes as JSON).
pub fn insert_audits(conn: &Connection, run_id: i64, rows: &[(i64, AuditAction, &str)], at: &str) -> Result<()> {
    let rows: Vec<(i64, &str, &str)> = rows
        .iter()
        .map(|&(record_id, action, changes)| (record_id, action.as_str(), changes))
        .collect();
    super::batch::insert_many(
        conn,
        "INSERT INTO audit (run_id, record_id, action, changes, at) VALUES",
        "(?, ?, ?, ?, ?)",
        "",
        &rows,
        |(record_id, action, changes)| [&run_id, record_id, action, changes, &at],
        |_| Ok(()),
    )?;
    Ok(())
}

/// A pull's two phases (see `SyncRun::fetch_ms`), recorded beside its duration.
pub fn set_run_phases(conn: &Connection, run_id: i64, fetch_ms: i64, write_ms: i64) -> Result<()> {
    conn.prepare_cached("UPDATE sync_runs SET fetch_ms = ?2, write_ms = ?3 WHERE id = ?1")?
        .execute(params![run_id, fetch_ms, write_ms])?;
    Ok(())
}

pub fn set_watermark(
    conn: &Connection,
    connection_id: &str,
    entity: Entity,
    business_unit_id: i64,
    last_poll_time: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_watermarks (connection_id, entity, business_unit_id, last_poll_time) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (connection_id, entity, business_unit_id) DO UPDATE SET last_poll_time = excluded.last_poll_time",
    )?
    .execute(params![
        connection_id,
        entity.as_str(),
        business_unit_id,
        last_poll_time
    ])?;
    Ok(())
}

/// Runs about one platform's mappings (not a connection's) keep the platform's name.
fn run_platform(kind: RunKind, connection_name: &str) -> Option<Platform> {
    if !matches!(kind, RunKind::ManualMapping | RunKind::MappingImport) {
        return None;
    }
    [Platform::Ringcentral, Platform::Webex]
        .into_iter()
        .find(|p| super::mappings::platform_str(*p) == connection_name)
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<SyncRun> {
    let kind = RunKind::parse(&row.get::<_, String>(1)?);
    let connection_name: String = row.get(3)?;
    Ok(SyncRun {
        id: row.get(0)?,
        kind,
        entity: row.get::<_, Option<String>>(2)?.as_deref().and_then(Entity::parse),
        platform: run_platform(kind, &connection_name),
        connection_name,
        started_at: row.get(4)?,
        finished_at: row.get(5)?,
        duration_ms: row.get(6)?,
        status: row.get(7)?,
        fetched: row.get(8)?,
        created: row.get(9)?,
        updated: row.get(10)?,
        unchanged: row.get(11)?,
        missing_upstream: row.get(12)?,
        error: row.get(13)?,
        fetch_ms: row.get(14)?,
        write_ms: row.get(15)?,
    })
}

impl Store {
    /// Records a run that ended in `error` before writing anything (a fetch, an apply rolled back,
    /// an Auto Sync stopped): "cancelled" or "failed", with the sentence, so History shows it.
    /// Best effort: a store that cannot take the row is logged, not added to the error.
    pub fn record_failed_run(&self, start: &RunStart<'_>, counts: &RunCounts, started: Instant, error: &Error) {
        let status = if matches!(error, Error::Cancelled) {
            "cancelled"
        } else {
            "failed"
        };
        let elapsed = started.elapsed().as_millis() as i64;
        let recorded = insert_run(&self.conn, start)
            .and_then(|id| finish_run(&self.conn, id, status, counts, elapsed, Some(&error.to_string())));
        if let Err(e) = recorded {
            tracing::warn!(error = %e, kind = start.kind.as_str(), "the failed run could not be recorded");
        }
    }

    pub fn watermark(&self, connection_id: &str, entity: Entity, business_unit_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT last_poll_time FROM sync_watermarks WHERE connection_id = ?1 AND entity = ?2 AND business_unit_id = ?3",
            )?
            .query_row(params![connection_id, entity.as_str(), business_unit_id], |r| r.get(0))
            .optional()?)
    }

    /// Runs, newest first.
    pub fn list_runs(&self, limit: u32) -> Result<Vec<SyncRun>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, entity, connection_name, started_at, finished_at, duration_ms, status, fetched, created,
                    updated, unchanged, missing_upstream, error, fetch_ms, write_ms
             FROM sync_runs ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], run_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn run_audit(&self, run_id: i64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.cxone_id, r.name, a.action, a.changes, a.at
             FROM audit a JOIN records r ON r.id = a.record_id WHERE a.run_id = ?1 ORDER BY a.id",
        )?;
        let rows = stmt.query_map([run_id], |row| {
            let changes: String = row.get(3)?;
            let action: String = row.get(2)?;
            Ok(AuditEntry {
                record_id: row.get(0)?,
                name: row.get(1)?,
                // The table's CHECK allows only these.
                action: AuditAction::parse(&action).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        format!("unknown audit action {action:?}").into(),
                    )
                })?,
                changes: serde_json::from_str(&changes).unwrap_or_default(),
                at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
