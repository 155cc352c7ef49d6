//! Compare fetched records with the store: each one new, changed (naming the fields that differ)
//! or unchanged, and for a full pull each stored record CXone no longer has as missing upstream.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use crate::model::{Connection, Entity, FieldChange, PlanRow, PlanStatus, PlanSummary, SyncPlan};
use crate::store::records::Existing;
use crate::store::Store;
use crate::vendor::cxone::records::{self, FetchedRecord};
use crate::Result;

use super::{PreparedPlan, Stored};

/// Marks each fetched record new, changed or unchanged, and (for a full pull) each stored record
/// CXone no longer has as missing upstream.
pub(super) fn compare(
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
        fetch_ms: 0,
        batches: 0,
        records,
        missing,
        existing_ids,
        untouched: 0,
    }
}

/// The audit change of a record flagged missing upstream (`true`) or seen again (`false`).
pub(super) fn missing_upstream_change(missing: bool) -> FieldChange {
    let (old, new) = if missing { ("no", "yes") } else { ("yes", "no") };
    FieldChange {
        field: "missing upstream".into(),
        old: Some(old.into()),
        new: Some(new.into()),
    }
}

/// Names the fields that differ on each changed row, reading the stored side from its raw JSON.
pub(super) fn describe_changes(store: &Store, prepared: &mut PreparedPlan) -> Result<()> {
    let row_ids: Vec<i64> = prepared.existing_ids.values().map(|s| s.row_id).collect();
    let stored = store.raw_records(&row_ids)?;
    let entity = prepared.plan.entity;
    for (&index, Stored { row_id, .. }) in &prepared.existing_ids {
        let (Some(old_raw), Some(record)) = (stored.get(row_id), &prepared.records[index]) else {
            continue;
        };
        let mut changes = diff(
            &records::compared_fields(entity, old_raw),
            &records::compared_fields(entity, &record.raw),
        );
        changes.append(&mut prepared.plan.rows[index].changes);
        prepared.plan.rows[index].changes = changes;
    }
    Ok(())
}

/// The fields that differ between two sets of compared fields.
pub(super) fn diff(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<FieldChange> {
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
