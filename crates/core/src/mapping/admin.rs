//! What the admin does to one user on the User Mapping screen and with `ccsync map …`, besides
//! Auto Sync: list the rows, map by hand, unmap, retry. Every change to a mapping is an audit row
//! under a `sync_runs` row of its own.

use rusqlite::{params, Connection, OptionalExtension};

use crate::mapping::rules::{self, MappingMethod, MappingRow, MappingState, MappingStatus};
use crate::model::{AuditAction, RunKind};
use crate::store::mappings::{mapping_states, platform_str, save_state};
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
use crate::vendor::directory::{ExternalAccount, Platform};
use crate::{Error, Result};

const ROW_SQL: &str = "
    SELECT r.id, r.cxone_id, r.name, r.detail, m.status, m.account_id, a.name, json_extract(a.emails, '$[0]'),
           m.detail, m.attempts,
           COALESCE(m.flag, CASE WHEN r.missing_upstream_since IS NOT NULL
                                 THEN 'The user is no longer in CXone (since ' || r.missing_upstream_since || ').' END),
           m.updated_at
    FROM records r
    LEFT JOIN mappings m ON m.user_record_id = r.id AND m.platform = ?1
    LEFT JOIN external_accounts a ON a.platform = ?1 AND a.account_id = m.account_id
    WHERE r.entity = 'users'";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MappingRow> {
    let status: Option<String> = r.get(4)?;
    let status: Option<MappingStatus> = status.and_then(|s| serde_json::from_value(serde_json::Value::String(s)).ok());
    Ok(MappingRow {
        record_id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        method: status.and_then(|s| match s {
            MappingStatus::MappedAuto => Some(MappingMethod::Auto),
            MappingStatus::MappedManual => Some(MappingMethod::Manual),
            _ => None,
        }),
        status,
        account_id: r.get(5)?,
        account_name: r.get(6)?,
        account_email: r.get(7)?,
        detail: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
        attempts: r.get::<_, Option<u32>>(9)?.unwrap_or(0),
        flag: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

/// Every stored CXone user with where it stands on `platform`.
pub fn list_rows(store: &Store, platform: Platform) -> Result<Vec<MappingRow>> {
    list_rows_in(store.conn(), platform)
}

/// [`list_rows`] on `conn` (a write transaction's, to decide inside it).
pub(crate) fn list_rows_in(conn: &Connection, platform: Platform) -> Result<Vec<MappingRow>> {
    let mut stmt = conn.prepare_cached(&format!("{ROW_SQL} ORDER BY r.name COLLATE NOCASE, r.id"))?;
    let rows = stmt.query_map([platform_str(platform)], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The same rows in no particular order, for lookups (a mapping import), without the sort.
pub(crate) fn rows_unordered(conn: &Connection, platform: Platform) -> Result<Vec<MappingRow>> {
    let mut stmt = conn.prepare_cached(ROW_SQL)?;
    let rows = stmt.query_map([platform_str(platform)], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn one_row(conn: &Connection, platform: Platform, record_id: i64) -> Result<MappingRow> {
    conn.query_row(
        &format!("{ROW_SQL} AND r.id = ?2"),
        params![platform_str(platform), record_id],
        row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("That CXone user is not in the store any more. Reload the list.".into()))
}

/// The platform's accounts as last listed by Auto Sync.
pub fn stored_accounts(store: &Store, platform: Platform) -> Result<Vec<ExternalAccount>> {
    stored_accounts_in(store.conn(), platform)
}

/// [`stored_accounts`] on `conn` (a write transaction's, to decide inside it).
pub(crate) fn stored_accounts_in(conn: &Connection, platform: Platform) -> Result<Vec<ExternalAccount>> {
    let mut stmt = conn.prepare_cached(
            "SELECT account_id, name, emails, active, raw FROM external_accounts WHERE platform = ?1 AND missing_since IS NULL",
        )?;
    let rows = stmt.query_map([platform_str(platform)], |r| {
        let emails: String = r.get(2)?;
        Ok(ExternalAccount {
            id: r.get(0)?,
            name: r.get(1)?,
            emails: serde_json::from_str(&emails).unwrap_or_default(),
            active: r.get(3)?,
            raw: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Applies an administrator's change to one user's mapping, with its audit row. The change is
/// decided inside the write transaction (`BEGIN IMMEDIATE`), on the mappings as they are then,
/// whichever process wrote them last.
fn change(
    store: &mut Store,
    platform: Platform,
    record_id: i64,
    what: RunKind,
    decide: impl FnOnce(&Connection, &MappingState) -> Result<MappingState>,
) -> Result<MappingRow> {
    let now = now_rfc3339();
    let tx = store.write_tx()?;
    let old = mapping_states(&tx, platform)?.remove(&record_id).unwrap_or_default();
    let new = decide(&tx, &old)?;
    let start = RunStart {
        kind: what,
        entity: None,
        connection_id: None,
        connection_name: platform_str(platform),
        started_at: &now,
    };
    let run_id = runs::insert_run(&tx, &start)?;
    save_state(&tx, platform, record_id, &new, &now)?;
    let accounts = stored_accounts_in(&tx, platform)?;
    let name = |id: &str| accounts.iter().find(|a| a.id == id).map(|a| a.name.clone());
    let change = rules::mapping_change(platform, &old, &new, &name);
    runs::insert_audit(&tx, run_id, record_id, AuditAction::Mapping, &[change], &now)?;
    runs::finish_run(
        &tx,
        run_id,
        "succeeded",
        &RunCounts {
            updated: 1,
            ..RunCounts::default()
        },
        0,
        None,
    )?;
    tx.commit()?;
    one_row(store.conn(), platform, record_id)
}

/// Maps a user to an account by hand (Auto Sync will not change it). The account must be one
/// Auto Sync listed, and not mapped to someone else.
pub fn map_user(store: &mut Store, platform: Platform, record_id: i64, account_id: &str) -> Result<MappingRow> {
    change(store, platform, record_id, RunKind::ManualMapping, |conn, old| {
        let account = stored_accounts_in(conn, platform)?
            .into_iter()
            .find(|a| a.id == account_id)
            .ok_or_else(|| {
                Error::NotFound(
                    "That account is not in the last list from the platform. Run Auto Sync to refresh it.".into(),
                )
            })?;
        let holder = mapping_states(conn, platform)?.into_iter().find(|(user, s)| {
            *user != record_id
                && s.status.is_some_and(MappingStatus::is_mapped)
                && s.account_id.as_deref() == Some(account_id)
        });
        if let Some((user, _)) = holder {
            let name = one_row(conn, platform, user)
                .map(|r| r.name)
                .unwrap_or_else(|_| "another user".into());
            return Err(Error::InvalidInput(format!(
                "{} is already mapped to {name}. Unmap it there first.",
                account.name
            )));
        }
        Ok(rules::map_manually(&account, old))
    })
}

pub fn unmap_user(store: &mut Store, platform: Platform, record_id: i64) -> Result<MappingRow> {
    change(store, platform, record_id, RunKind::ManualMapping, |_, old| {
        Ok(rules::unmap(old))
    })
}

pub fn retry_user(store: &mut Store, platform: Platform, record_id: i64) -> Result<MappingRow> {
    change(store, platform, record_id, RunKind::ManualMapping, |_, old| {
        let mut state = rules::retry(old);
        // Shown as "not yet attempted" until the next Auto Sync.
        state.detail = "Will be tried again on the next Auto Sync.".into();
        Ok(state)
    })
}
