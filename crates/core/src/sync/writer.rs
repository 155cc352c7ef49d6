//! The one writer of synchronized records: creations, updates and missing-upstream flags inside
//! one transaction, each with its audit row, and the run's `sync_runs` row.

use rusqlite::{params, OptionalExtension};

use crate::model::{ApplyResult, AuditAction, Entity, FieldChange};
use crate::store::now_rfc3339;
use crate::store::runs::{self, RunCounts, RunStart};
use crate::vendor::cxone::records::FetchedRecord;
use crate::{Error, Result};

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

    pub(super) fn create(&mut self, record: &FetchedRecord) -> Result<()> {
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
            AuditAction::Created,
            &[],
            &self.now,
        )?;
        self.counts.created += 1;
        Ok(())
    }

    /// Creates every record staged in `temp.pull_staged` by a streamed pull: the users a CSV
    /// import created before CXone had them are adopted one by one, the rest written in two
    /// statements (the records, then their audit rows), far faster than one by one.
    pub(super) fn create_staged(&mut self) -> Result<()> {
        if !self.imported.is_empty() {
            let adoptable: Vec<(i64, FetchedRecord)> = {
                let mut stmt = self.tx.prepare(
                    "SELECT rowid, cxone_id, name, detail, email_key, is_active, fields_hash, raw
                     FROM temp.pull_staged WHERE email_key IS NOT NULL",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        FetchedRecord {
                            id: r.get(1)?,
                            name: r.get(2)?,
                            detail: r.get(3)?,
                            email_key: r.get(4)?,
                            is_active: r.get(5)?,
                            fields_hash: r.get(6)?,
                            raw: r.get(7)?,
                        },
                    ))
                })?;
                rows.filter(|row| {
                    row.as_ref().map_or(true, |(_, r)| {
                        r.email_key.as_ref().is_some_and(|k| self.imported.contains(k))
                    })
                })
                .collect::<rusqlite::Result<_>>()?
            };
            for (rowid, record) in adoptable {
                if self.adopt_imported_user(&record)? {
                    self.tx
                        .execute("DELETE FROM temp.pull_staged WHERE rowid = ?1", [rowid])?;
                }
            }
        }
        // Rowids of new rows follow the highest one: every record above it is one of these.
        let before: i64 = self
            .tx
            .query_row("SELECT COALESCE(MAX(id), 0) FROM records", [], |r| r.get(0))?;
        let created = self
            .tx
            .execute(
                "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash,
                                      raw, group_name, first_synced_at, last_synced_at)
                 SELECT ?1, ?2, cxone_id, name, detail, email_key, is_active, fields_hash, raw, ?3, ?4, ?4
                 FROM temp.pull_staged ORDER BY rowid",
                params![self.entity.as_str(), self.business_unit_id, self.entity.group_name(), self.now],
            )
            .map_err(|e| match e {
                // Written by another pull since this one compared: the list is out of date.
                rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
                    Error::Stale(self.entity.label())
                }
                other => other.into(),
            })?;
        // The created values are the records' own columns; the audit rows mark the creations.
        let empty = serde_json::to_string::<[FieldChange]>(&[]).map_err(|e| Error::Internal(e.to_string()))?;
        self.tx.execute(
            "INSERT INTO audit (run_id, record_id, action, changes, at)
             SELECT ?1, id, 'created', ?2, ?3 FROM records WHERE id > ?4 ORDER BY id",
            params![self.run_id, empty, self.now, before],
        )?;
        self.counts.created += created as u32;
        Ok(())
    }

    /// A user a CSV import created before CXone had them becomes this CXone record (its id, business
    /// unit and fields), keeping what the import set: one user, not two with the same email.
    fn adopt_imported_user(&mut self, record: &FetchedRecord) -> Result<bool> {
        let Some(email_key) = record
            .email_key
            .as_deref()
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
            new: Some(record.id.clone()),
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
                record.raw,
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
