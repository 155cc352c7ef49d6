//! "Add Selected": write the chosen rows of a plan in one transaction, or record why not.

use std::collections::HashSet;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

use crate::model::{ApplyResult, PlanRow, PlanStatus, RunKind, Selection, SyncPlan};
use crate::progress::{self, Progress};
use crate::store::runs::{RunCounts, RunStart};
use crate::store::Store;
use crate::{Error, Result};

use super::staged::NewRecord;
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
    let writing = std::time::Instant::now();
    let plan = &prepared.plan;
    let chosen = selected_rows(plan, selection)?;
    let total = chosen.len() as u64;
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let tx = guard.write_tx()?;
    let start = RunStart {
        kind: RunKind::Pull,
        entity: Some(plan.entity),
        connection_id: Some(&prepared.connection.id),
        connection_name: &prepared.connection.name,
        started_at: &prepared.started_at,
        link_id: None,
    };
    let mut writer = Writer::begin(&tx, &start, prepared.business_unit_id)?;
    writer.counts.fetched = plan.summary.fetched;
    // New records are created many to a statement, a thousand at a time.
    let mut new = Vec::new();
    for (n, index) in chosen.iter().enumerate() {
        if n % 1000 == 0 {
            writer.create_many(&new)?;
            new.clear();
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
            PlanStatus::New => new.push(NewRecord::from(record)),
            PlanStatus::Changed => writer.update(prepared.existing_ids[index], record, &row.changes)?,
            PlanStatus::Unchanged => writer.counts.unchanged += 1,
            // Never picked (see `selected_rows`).
            PlanStatus::MissingUpstream | PlanStatus::Added | PlanStatus::Updated => {}
        }
    }
    writer.create_many(&new)?;
    // The first write of a list flags what is gone upstream; later batches of the same list
    // have nothing left to flag or to count again.
    if prepared.batches == 0 {
        for row_id in &prepared.missing {
            writer.flag_missing(*row_id)?;
        }
        writer.counts.missing_upstream = plan.summary.missing_upstream;
        writer.counts.unchanged += prepared.untouched;
    }
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
    let phases = super::Phases {
        fetch_ms: prepared.fetch_ms,
        writing,
    };
    let result = writer.finish(&prepared.connection.id, watermark, phases)?;
    tx.commit()?;
    progress.report(progress::event("writing", total, Some(total)));
    Ok(result)
}

/// Records that an apply begun at `writing` was cancelled or failed (after its transaction rolled
/// back). Its duration is the fetch plus this attempt, not the time the list waited.
pub fn record_failed_apply(store: &Mutex<Store>, prepared: &PreparedPlan, writing: std::time::Instant, error: &Error) {
    let start = RunStart {
        kind: RunKind::Pull,
        entity: Some(prepared.plan.entity),
        connection_id: Some(&prepared.connection.id),
        connection_name: &prepared.connection.name,
        started_at: &prepared.started_at,
        link_id: None,
    };
    let counts = RunCounts {
        fetched: prepared.plan.summary.fetched,
        ..RunCounts::default()
    };
    let fetch = std::time::Duration::from_millis(prepared.fetch_ms.max(0) as u64);
    let started = writing.checked_sub(fetch).unwrap_or(prepared.started);
    let guard = store.lock().unwrap_or_else(|p| p.into_inner());
    guard.record_failed_run(&start, &counts, started, error);
}

/// After a successful [`apply`] of `selection`: the rows it created or updated show as added or
/// updated and can no longer be picked, so a later "Add Selected" of other rows of the same list
/// writes only those (their stored side is still as compared, or the writer refuses them as
/// stale). What was gone upstream is flagged once.
pub(super) fn mark_written(prepared: &mut PreparedPlan, selection: &Selection) -> Result<()> {
    let chosen = selected_rows(&prepared.plan, selection)?;
    let summary = &mut prepared.plan.summary;
    for index in chosen {
        let row = &mut prepared.plan.rows[index];
        match row.status {
            PlanStatus::New => {
                row.status = PlanStatus::Added;
                summary.new -= 1;
                summary.added += 1;
            }
            PlanStatus::Changed => {
                row.status = PlanStatus::Updated;
                summary.changed -= 1;
                summary.updated += 1;
                prepared.existing_ids.remove(&index);
            }
            _ => {}
        }
    }
    prepared.missing.clear();
    prepared.batches += 1;
    Ok(())
}

/// The plan rows a selection picks (rows missing upstream are never written by a sync, and rows
/// an earlier batch wrote are not written twice).
pub(super) fn selected_rows(plan: &SyncPlan, selection: &Selection) -> Result<Vec<usize>> {
    let writable = |row: &PlanRow| row.status.is_selectable();
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
            if let Some(written) = plan
                .rows
                .iter()
                .find(|r| matches!(r.status, PlanStatus::Added | PlanStatus::Updated) && wanted.contains(r.id.as_str()))
            {
                return Err(Error::InvalidInput(format!(
                    "{} {} was already written from this list. Choose among the rows not added yet.",
                    plan.entity.label(),
                    written.id
                )));
            }
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::model::{Connection, ConnectionSettings, Entity};
    use crate::progress::NoProgress;
    use crate::sync::compare;
    use crate::vendor::cxone::records::FetchedRecord;

    fn record(id: &str, hash: i64) -> FetchedRecord {
        FetchedRecord {
            id: id.into(),
            name: format!("Agent {id}"),
            detail: format!("{id}@example.com"),
            is_active: true,
            email_key: Some(format!("{id}@example.com")),
            fields_hash: hash,
            raw: format!(r#"{{"userName":"{id}","teamName":"team {hash}"}}"#).into(),
        }
    }

    fn connection() -> Connection {
        Connection {
            id: "c1".into(),
            name: "Tenant".into(),
            settings: ConnectionSettings::Cxone {
                auth_url: "https://cxone.example.com".into(),
                client_id: "id".into(),
                access_key_id: "key".into(),
                campaigns_from_skills: false,
            },
            is_demo: false,
            created_at: String::new(),
            updated_at: String::new(),
            last_test: None,
            stored_secrets: Vec::new(),
        }
    }

    fn plan(store: &Mutex<Store>, records: Vec<FetchedRecord>) -> PreparedPlan {
        let existing: HashMap<_, _> = store.lock().unwrap().existing_records(Entity::Users, 7).unwrap();
        let mut prepared = compare(Entity::Users, &connection(), records, &existing, true);
        prepared.business_unit_id = 7;
        prepared
    }

    /// Writes `selection` as the session does: apply, then mark the written rows.
    fn add(store: &Mutex<Store>, prepared: &mut PreparedPlan, selection: Selection) -> Result<ApplyResult> {
        let result = apply(store, prepared, &selection, &NoProgress, &CancellationToken::new())?;
        mark_written(prepared, &selection)?;
        Ok(result)
    }

    fn status(prepared: &PreparedPlan, id: &str) -> PlanStatus {
        prepared.plan.rows.iter().find(|r| r.id == id).unwrap().status
    }

    #[test]
    fn a_list_is_added_in_batches_and_written_rows_are_not_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Mutex::new(Store::open(&dir.path().join("s.sqlite3")).unwrap());
        // a and b are stored; a changes upstream, b does not; c and d are new.
        let mut seed = plan(&store, vec![record("a", 1), record("b", 2)]);
        add(&store, &mut seed, Selection::All).unwrap();
        let mut prepared = plan(
            &store,
            vec![record("a", 10), record("b", 2), record("c", 3), record("d", 4)],
        );
        assert_eq!(status(&prepared, "a"), PlanStatus::Changed);

        let first = add(&store, &mut prepared, Selection::Ids(vec!["a".into(), "c".into()])).unwrap();
        assert_eq!((first.created, first.updated), (1, 1));
        assert_eq!(status(&prepared, "a"), PlanStatus::Updated);
        assert_eq!(status(&prepared, "c"), PlanStatus::Added);
        let summary = &prepared.plan.summary;
        assert_eq!(
            (summary.new, summary.changed, summary.added, summary.updated),
            (1, 0, 1, 1)
        );

        // Picking a written row again is refused and writes nothing.
        let again = add(&store, &mut prepared, Selection::Ids(vec!["c".into(), "d".into()])).unwrap_err();
        assert_eq!(again.code(), crate::ErrorCode::InvalidInput);
        assert_eq!(store.lock().unwrap().count_records(Entity::Users).unwrap(), 3);

        // "Changed" now means changed and not yet written: nothing; "All" writes only d.
        let changed = add(&store, &mut prepared, Selection::Changed).unwrap();
        assert_eq!((changed.created, changed.updated), (0, 0));
        let rest = add(&store, &mut prepared, Selection::All).unwrap();
        assert_eq!((rest.created, rest.updated, rest.unchanged), (1, 0, 1));
        assert_eq!(status(&prepared, "d"), PlanStatus::Added);
        assert_eq!(store.lock().unwrap().count_records(Entity::Users).unwrap(), 4);

        // Every row now matches the store: a fresh compare finds nothing to write.
        let fresh = plan(
            &store,
            vec![record("a", 10), record("b", 2), record("c", 3), record("d", 4)],
        );
        assert_eq!(fresh.plan.summary.unchanged, 4);
    }
}
