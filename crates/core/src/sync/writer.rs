//! The one writer of synchronized records: creations, updates and missing-upstream flags inside
//! one transaction, each with its audit row, and the run's `sync_runs` row.

use rusqlite::{params, OptionalExtension};

use crate::model::{ApplyResult, AuditAction, Entity, FieldChange};
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{batch, now_rfc3339};
use crate::vendor::cxone::records::FetchedRecord;
use crate::{Error, Result};

use super::staged::{NewRecord, StagedRecords};
use super::{missing_upstream_change, Phases};

/// A stored record as it was when compared: an update applies only if it is still so.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stored {
    pub(super) row_id: i64,
    pub(super) fields_hash: i64,
}

/// Writes records inside one transaction: creations, updates and missing-upstream flags, each
/// with its audit row, and the run's `sync_runs` row. Dropping it before [`Writer::finish`]
/// rolls everything back.
pub(super) struct Writer<'t> {
    tx: &'t rusqlite::Transaction<'t>,
    run_id: i64,
    entity: Entity,
    business_unit_id: i64,
    now: String,
    /// The email keys of users a CSV import created before CXone had them (read once: most pulls
    /// adopt none, and asking per record cost a statement each).
    imported: std::collections::HashSet<String>,
    pub(super) counts: RunCounts,
}

impl<'t> Writer<'t> {
    pub(super) fn begin(
        tx: &'t rusqlite::Transaction<'t>,
        start: &RunStart<'_>,
        business_unit_id: i64,
    ) -> Result<Writer<'t>> {
        let run_id = runs::insert_run(tx, start)?;
        let entity = start.entity.expect("a pull has an entity");
        let imported = if entity == Entity::Users {
            let mut stmt = tx.prepare_cached(
                "SELECT substr(cxone_id, 8) FROM records
                 WHERE entity = 'users' AND business_unit_id = 0 AND cxone_id LIKE 'import:%'",
            )?;
            let keys = stmt.query_map([], |r| r.get::<_, String>(0))?;
            keys.collect::<rusqlite::Result<_>>()?
        } else {
            Default::default()
        };
        Ok(Writer {
            imported,
            tx,
            run_id,
            entity,
            business_unit_id,
            now: now_rfc3339(),
            counts: RunCounts::default(),
        })
    }

    /// Creates records with their audit rows, many to a statement; the users a CSV import
    /// created before CXone had them are adopted instead, one by one.
    pub(super) fn create_many(&mut self, records: &[NewRecord<'_>]) -> Result<()> {
        let mut fresh = Vec::with_capacity(records.len());
        for &record in records {
            if !self.adopt_imported_user(record)? {
                fresh.push(record);
            }
        }
        for rows in fresh.chunks(batch::ROWS_PER_STATEMENT) {
            let mut ids = self.insert_rows(rows)?;
            // Written right after their records: the audit rows' foreign key checks find the
            // records' pages still in the cache.
            ids.sort_unstable();
            self.audit_created(&ids)?;
            self.counts.created += ids.len() as u32;
        }
        Ok(())
    }

    /// Inserts new records; returns their row ids.
    fn insert_rows(&self, rows: &[NewRecord<'_>]) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(rows.len());
        let (entity, group) = (self.entity.as_str(), self.entity.group_name());
        batch::insert_many(
            self.tx,
            // OR ROLLBACK: a failing row ends the whole transaction (the pull is refused anyway), so
            // SQLite keeps no statement journal of the pages each statement changes: for a first
            // pull of 100,000 users, a temporary file written twice the size of the data.
            "INSERT OR ROLLBACK INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash,
                                  raw, group_name, first_synced_at, last_synced_at) VALUES",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "RETURNING id",
            rows,
            |record| {
                [
                    &entity,
                    &self.business_unit_id,
                    &record.id,
                    &record.name,
                    &record.detail,
                    &record.email_key,
                    &record.is_active,
                    &record.fields_hash,
                    &record.raw,
                    &group,
                    &self.now,
                    &self.now,
                ]
            },
            |row| {
                ids.push(row.get(0)?);
                Ok(())
            },
        )
        .map_err(|e| match e {
            // Written by another pull since this one compared: the list is out of date.
            rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
                Error::Stale(self.entity.label())
            }
            other => other.into(),
        })?;
        Ok(ids)
    }

    /// The audit rows of records just created (the created values are the records' own columns).
    fn audit_created(&self, record_ids: &[i64]) -> Result<()> {
        let rows: Vec<(i64, AuditAction, &str)> =
            record_ids.iter().map(|&id| (id, AuditAction::Created, "[]")).collect();
        runs::insert_audits(self.tx, self.run_id, &rows, &self.now)
    }

    /// Creates every new record a streamed pull staged, page by page.
    pub(super) fn create_staged(&mut self, staged: &StagedRecords) -> Result<()> {
        staged.for_each_page(|records| self.create_many(records))
    }

    /// A user a CSV import created before CXone had them becomes this CXone record (its id, business
    /// unit and fields), keeping what the import set: one user, not two with the same email.
    fn adopt_imported_user(&mut self, record: NewRecord<'_>) -> Result<bool> {
        let Some(email_key) = record
            .email_key
            .filter(|key| self.entity == Entity::Users && self.imported.contains(*key))
        else {
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
        self.imported.remove(email_key);
        let change = FieldChange {
            field: "CXone ID".into(),
            old: Some(format!("import:{email_key}")),
            new: Some(record.id.to_owned()),
        };
        runs::insert_audit(self.tx, self.run_id, row_id, AuditAction::Created, &[change], &self.now)?;
        self.counts.created += 1;
        Ok(true)
    }

    /// Updates a stored record, provided it is still as it was when compared (`stored`).
    pub(super) fn update(&mut self, stored: Stored, record: &FetchedRecord, changes: &[FieldChange]) -> Result<()> {
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
                record.raw.as_str(),
                self.now,
                stored.fields_hash
            ])?;
        if updated == 0 {
            return Err(Error::Stale(self.entity.label()));
        }
        runs::insert_audit(self.tx, self.run_id, row_id, AuditAction::Updated, changes, &self.now)?;
        self.counts.updated += 1;
        Ok(())
    }

    pub(super) fn flag_missing(&mut self, row_id: i64) -> Result<()> {
        let flagged = self
            .tx
            .prepare_cached(
                "UPDATE records SET missing_upstream_since = ?2 WHERE id = ?1 AND missing_upstream_since IS NULL",
            )?
            .execute(params![row_id, self.now])?;
        if flagged > 0 {
            let change = missing_upstream_change(true);
            runs::insert_audit(
                self.tx,
                self.run_id,
                row_id,
                AuditAction::FlaggedMissing,
                &[change],
                &self.now,
            )?;
        }
        Ok(())
    }

    /// Moves the watermark and closes the run; the caller commits.
    pub(super) fn finish(
        self,
        connection_id: &str,
        last_poll_time: Option<&str>,
        phases: Phases,
    ) -> Result<ApplyResult> {
        if let Some(poll) = last_poll_time {
            runs::set_watermark(self.tx, connection_id, self.entity, self.business_unit_id, poll)?;
        }
        let write_ms = phases.writing.elapsed().as_millis() as i64;
        let duration = phases.fetch_ms + write_ms;
        runs::finish_run(self.tx, self.run_id, "succeeded", &self.counts, duration, None)?;
        runs::set_run_phases(self.tx, self.run_id, phases.fetch_ms, write_ms)?;
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
