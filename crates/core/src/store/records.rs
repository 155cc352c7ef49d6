//! The `records` table: what a plan compares against, and what the Records screen lists.

use std::collections::HashMap;

use rusqlite::params;

use super::Store;
use crate::model::{Entity, StoredRecord};
use crate::Result;

/// What the store holds for one CXone record, as a plan needs it.
#[derive(Debug, Clone)]
pub struct Existing {
    pub row_id: i64,
    pub name: String,
    pub detail: String,
    pub is_active: bool,
    pub fields_hash: i64,
    pub missing: bool,
}

impl Store {
    /// Every stored record of `entity` in the business unit, by CXone id.
    pub fn existing_records(&self, entity: Entity, business_unit_id: i64) -> Result<HashMap<String, Existing>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT cxone_id, id, name, detail, is_active, fields_hash, missing_upstream_since IS NOT NULL
             FROM records WHERE entity = ?1 AND business_unit_id = ?2",
        )?;
        let rows = stmt.query_map(params![entity.as_str(), business_unit_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                Existing {
                    row_id: row.get(1)?,
                    name: row.get(2)?,
                    detail: row.get(3)?,
                    is_active: row.get(4)?,
                    fields_hash: row.get(5)?,
                    missing: row.get(6)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The raw JSON of stored records, by row id (to show what changed).
    pub fn raw_records(&self, row_ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut stmt = self.conn.prepare_cached("SELECT raw FROM records WHERE id = ?1")?;
        let mut found = HashMap::with_capacity(row_ids.len());
        for id in row_ids {
            found.insert(*id, stmt.query_row([id], |r| r.get(0))?);
        }
        Ok(found)
    }

    /// The Records screen's list of one group.
    pub fn list_records(&self, entity: Entity) -> Result<Vec<StoredRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.cxone_id, r.business_unit_id, r.name, r.detail, r.is_active, r.group_name, r.password_set,
                    r.first_synced_at, r.last_synced_at, r.missing_upstream_since, nullif(r.licence, ''),
                    r.must_change_password, r.password_set_at
             FROM records r WHERE r.entity = ?1 ORDER BY r.name COLLATE NOCASE, r.cxone_id",
        )?;
        let rows = stmt.query_map([entity.as_str()], |row| {
            Ok(StoredRecord {
                id: row.get(0)?,
                business_unit_id: row.get(1)?,
                name: row.get(2)?,
                detail: row.get(3)?,
                is_active: row.get(4)?,
                group_name: row.get(5)?,
                password_set: row.get(6)?,
                first_synced_at: row.get(7)?,
                last_synced_at: row.get(8)?,
                missing_upstream_since: row.get(9)?,
                licence: row.get(10)?,
                must_change_password: row.get(11)?,
                password_set_at: row.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn count_records(&self, entity: Entity) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM records WHERE entity = ?1",
            [entity.as_str()],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}
