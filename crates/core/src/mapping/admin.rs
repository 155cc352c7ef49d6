//! What the admin does to one user on the User Mapping screen and with `ccsync map …`, besides
//! Auto Sync: list the rows, map by hand (behind a guard: see [`check_map`]), unmap, retry, and
//! undo any of those. Every change to a mapping is an audit row under a `sync_runs` row of its own.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::mapping::links::MappingLink;
use crate::mapping::names;
use crate::mapping::rules::{self, MappingMethod, MappingRow, MappingState, MappingStatus};
use crate::model::{AuditAction, RunKind};
use crate::store::mappings::{held_elsewhere, mapping_states, platform_str, save_state};
use crate::store::runs::{self, RunCounts};
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
    LEFT JOIN external_accounts a ON a.connection_id = ?2 AND a.account_id = m.account_id
    WHERE r.entity = 'users' AND r.business_unit_id = ?3";

/// [`ROW_SQL`]'s parameters for `link`.
fn row_params(link: &MappingLink) -> (&'static str, &str, i64) {
    (
        platform_str(link.platform),
        &link.external_connection_id,
        link.unit_key(),
    )
}

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

/// Every stored CXone user of the link's business unit with where it stands on its platform.
pub fn list_rows(store: &Store, link: &MappingLink) -> Result<Vec<MappingRow>> {
    list_rows_in(store.conn(), link)
}

/// [`list_rows`] on `conn` (a write transaction's, to decide inside it).
pub(crate) fn list_rows_in(conn: &Connection, link: &MappingLink) -> Result<Vec<MappingRow>> {
    let mut stmt = conn.prepare_cached(&format!("{ROW_SQL} ORDER BY r.name COLLATE NOCASE, r.id"))?;
    let rows = stmt.query_map(row_params(link), row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The same rows in no particular order, for lookups (a mapping import), without the sort.
pub(crate) fn rows_unordered(conn: &Connection, link: &MappingLink) -> Result<Vec<MappingRow>> {
    let mut stmt = conn.prepare_cached(ROW_SQL)?;
    let rows = stmt.query_map(row_params(link), row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn one_row(conn: &Connection, link: &MappingLink, record_id: i64) -> Result<MappingRow> {
    conn.query_row(
        &format!("{ROW_SQL} AND r.id = ?4"),
        params![
            platform_str(link.platform),
            link.external_connection_id,
            link.unit_key(),
            record_id
        ],
        row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("That CXone user is not in the store any more. Reload the list.".into()))
}

/// The accounts of the link's platform connection as last listed by Auto Sync.
pub fn stored_accounts(store: &Store, link: &MappingLink) -> Result<Vec<ExternalAccount>> {
    stored_accounts_in(store.conn(), link)
}

/// [`stored_accounts`] on `conn` (a write transaction's, to decide inside it).
pub(crate) fn stored_accounts_in(conn: &Connection, link: &MappingLink) -> Result<Vec<ExternalAccount>> {
    let mut stmt = conn.prepare_cached(
            "SELECT account_id, name, emails, active, raw FROM external_accounts WHERE connection_id = ?1 AND missing_since IS NULL",
        )?;
    let rows = stmt.query_map([&link.external_connection_id], |r| {
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

/// One user's part in an administrator's change: enough to reverse it, and to tell whether
/// anything wrote the mapping since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    pub record_id: i64,
    pub before: MappingState,
    pub after: MappingState,
    /// The `updated_at` the change wrote (RFC 3339 with nanoseconds).
    pub written_at: String,
}

/// What one Map User, Unmap, Retry or Undo changed, kept by the app for the toast's Undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingChange {
    pub link: MappingLink,
    /// The user acted on first; Map User of an account someone else held also unmaps that user.
    pub users: Vec<UserChange>,
}

/// The outcome of an administrator's change.
#[derive(Debug, Clone)]
pub struct ChangeResult {
    /// The rows as they are now, the user acted on first.
    pub rows: Vec<MappingRow>,
    /// What happened, in a sentence ("Mapped Ana Silva to ana.silva@example.com (RingCentral).").
    pub message: String,
    pub change: MappingChange,
}

/// What Map User's guard knows about linking a user to an account, shown before the admin maps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MapCheck {
    pub user_name: String,
    pub account_id: String,
    pub account_name: String,
    pub account_email: Option<String>,
    pub active: bool,
    /// Whether the account's name resembles the user's ([`names::names_resemble`]).
    pub names_resemble: bool,
    /// The other CXone user this account is mapped to now, if any.
    pub mapped_to: Option<String>,
    /// Why the admin must confirm, every reason in one sentence; `None` when nothing needs it.
    pub confirm: Option<String>,
}

/// A platform's name as admins know it.
pub fn platform_label(platform: Platform) -> &'static str {
    match platform {
        Platform::Ringcentral => "RingCentral",
        Platform::Webex => "Webex",
    }
}

/// "a, b and c".
fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The account as the admin recognizes it: its email, else its name, else its id.
fn account_label(account: &ExternalAccount) -> String {
    account
        .emails
        .first()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .or_else(|| Some(account.name.trim().to_owned()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| account.id.clone())
}

/// [`account_label`] of a stored account by id (its id when no longer listed).
fn account_label_by_id(conn: &Connection, link: &MappingLink, account_id: &str) -> Result<String> {
    Ok(stored_accounts_in(conn, link)?
        .iter()
        .find(|a| a.id == account_id)
        .map(account_label)
        .unwrap_or_else(|| account_id.to_owned()))
}

/// The guard's facts and sentence, decided on `conn`; with the other holder's record id.
fn check_in(
    conn: &Connection,
    link: &MappingLink,
    record_id: i64,
    account_id: &str,
) -> Result<(MapCheck, ExternalAccount, Option<i64>)> {
    let user = one_row(conn, link, record_id)?;
    let account = stored_accounts_in(conn, link)?
        .into_iter()
        .find(|a| a.id == account_id)
        .ok_or_else(|| {
            Error::NotFound(
                "That account is not in the last list from the platform. Run Auto Sync to refresh it.".into(),
            )
        })?;
    // An account is mapped to one user, whichever business unit: one held by another unit's user
    // is not this unit's to take (its admin unmaps it there).
    if let Some(other) = held_elsewhere(conn, link)?
        .into_iter()
        .find(|h| h.account_id == account_id)
    {
        return Err(Error::InvalidInput(format!(
            "{} ({}) is mapped to {}. An account is mapped to one user only, whichever business unit they are in: unmap it there first. Nothing was changed.",
            account_label(&account),
            platform_label(link.platform),
            other.holder
        )));
    }
    let holder = mapping_states(conn, link)?
        .into_iter()
        .find(|(other, s)| {
            *other != record_id
                && s.status.is_some_and(MappingStatus::is_mapped)
                && s.account_id.as_deref() == Some(account_id)
        })
        .map(|(other, _)| other);
    let mapped_to = holder.map(|other| {
        one_row(conn, link, other)
            .map(|r| r.name)
            .unwrap_or_else(|_| "another user".into())
    });
    let email = account
        .emails
        .first()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    let resemble = names::names_resemble(&user.name, &names::name_or_email_local(&account.name, email.as_deref()));
    let mut reasons = Vec::new();
    if !account.active {
        reasons.push("it is inactive".to_owned());
    }
    if !resemble {
        let shown = if account.name.trim().is_empty() {
            "its email"
        } else {
            "its name"
        };
        reasons.push(format!("{shown} does not resemble {}", user.name));
    }
    if let Some(other) = &mapped_to {
        reasons.push(format!("it is mapped to {other} (mapping it here unmaps {other})"));
    }
    let label = account_label(&account);
    let confirm = (!reasons.is_empty()).then(|| {
        format!(
            "Check before mapping {} to {label} ({}): {}.",
            user.name,
            platform_label(link.platform),
            join_and(&reasons)
        )
    });
    let check = MapCheck {
        user_name: user.name,
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        account_email: email,
        active: account.active,
        names_resemble: resemble,
        mapped_to,
        confirm,
    };
    Ok((check, account, holder))
}

/// What Map User's guard says about linking `record_id` to `account_id`, before mapping.
pub fn check_map(store: &Store, link: &MappingLink, record_id: i64, account_id: &str) -> Result<MapCheck> {
    Ok(check_in(store.conn(), link, record_id, account_id)?.0)
}

/// Writes `decide`'s new states with an audit row each under one `sync_runs` row, in one
/// transaction; `decide` runs inside it (`BEGIN IMMEDIATE`), on the mappings as they are then,
/// whichever process wrote them last.
fn change(
    store: &mut Store,
    link: &MappingLink,
    audit_field: &str,
    decide: impl FnOnce(&Connection, &HashMap<i64, MappingState>) -> Result<Vec<(i64, MappingState)>>,
) -> Result<Vec<UserChange>> {
    let now = now_rfc3339();
    let label = link.label();
    let tx = store.write_tx()?;
    let states = mapping_states(&tx, link)?;
    let decided = decide(&tx, &states)?;
    let run_id = runs::insert_run(&tx, &link.run_start(RunKind::ManualMapping, &label, &now))?;
    let accounts = stored_accounts_in(&tx, link)?;
    let name = |id: &str| accounts.iter().find(|a| a.id == id).map(|a| a.name.clone());
    let mut users = Vec::with_capacity(decided.len());
    for (record_id, new) in decided {
        let old = states.get(&record_id).cloned().unwrap_or_default();
        save_state(&tx, link, record_id, &new, &now)?;
        let mut change = rules::mapping_change(link.platform, &old, &new, &name);
        change.field.push_str(audit_field);
        runs::insert_audit(&tx, run_id, record_id, AuditAction::Mapping, &[change], &now)?;
        users.push(UserChange {
            record_id,
            before: old,
            after: new,
            written_at: now.clone(),
        });
    }
    runs::finish_run(
        &tx,
        run_id,
        "succeeded",
        &RunCounts {
            updated: users.len() as u32,
            ..RunCounts::default()
        },
        0,
        None,
    )?;
    tx.commit()?;
    Ok(users)
}

fn result(store: &Store, link: &MappingLink, users: Vec<UserChange>, message: String) -> Result<ChangeResult> {
    let rows = users
        .iter()
        .map(|u| one_row(store.conn(), link, u.record_id))
        .collect::<Result<Vec<_>>>()?;
    Ok(ChangeResult {
        rows,
        message,
        change: MappingChange {
            link: link.clone(),
            users,
        },
    })
}

/// Maps a user to an account by hand (Auto Sync will not change it). The account must be one
/// Auto Sync listed. An inactive account, one whose name does not resemble the user's, or one
/// mapped to someone else is refused ([`Error::NeedsConfirmation`], with the sentence of
/// [`check_map`]) unless `confirmed`; a confirmed account taken from someone else unmaps them.
pub fn map_user(
    store: &mut Store,
    link: &MappingLink,
    record_id: i64,
    account_id: &str,
    confirmed: bool,
) -> Result<ChangeResult> {
    let mut label = String::new();
    let mut released = None;
    let users = change(store, link, "", |conn, states| {
        let (check, account, holder) = check_in(conn, link, record_id, account_id)?;
        if let (Some(sentence), false) = (&check.confirm, confirmed) {
            return Err(Error::NeedsConfirmation(format!("{sentence} Nothing was changed.")));
        }
        label = account_label(&account);
        let old = states.get(&record_id).cloned().unwrap_or_default();
        let mut decided = vec![(record_id, rules::map_manually(&account, &old))];
        if let Some(other) = holder {
            let mut state = rules::unmap(&states.get(&other).cloned().unwrap_or_default());
            state.detail = format!(
                "Unmapped by the administrator: the account was mapped to {} instead.",
                check.user_name
            );
            decided.push((other, state));
            released = check.mapped_to.clone();
        }
        Ok(decided)
    })?;
    let user = one_row(store.conn(), link, record_id)?.name;
    let mut message = format!("Mapped {user} to {label} ({}).", platform_label(link.platform));
    if let Some(other) = released {
        message.push_str(&format!(" {other} is now unmapped."));
    }
    result(store, link, users, message)
}

pub fn unmap_user(store: &mut Store, link: &MappingLink, record_id: i64) -> Result<ChangeResult> {
    let users = change(store, link, "", |_, states| {
        Ok(vec![(
            record_id,
            rules::unmap(&states.get(&record_id).cloned().unwrap_or_default()),
        )])
    })?;
    let user = one_row(store.conn(), link, record_id)?.name;
    let message = match users[0].before.account_id.as_deref() {
        Some(id) => format!(
            "Unmapped {user} from {} ({}).",
            account_label_by_id(store.conn(), link, id)?,
            platform_label(link.platform)
        ),
        None => format!(
            "Unmapped {user} ({}); Auto Sync will leave the user alone.",
            platform_label(link.platform)
        ),
    };
    result(store, link, users, message)
}

pub fn retry_user(store: &mut Store, link: &MappingLink, record_id: i64) -> Result<ChangeResult> {
    let users = change(store, link, "", |_, states| {
        let mut state = rules::retry(&states.get(&record_id).cloned().unwrap_or_default());
        // Shown as "not yet attempted" until the next Auto Sync.
        state.detail = "Will be tried again on the next Auto Sync.".into();
        Ok(vec![(record_id, state)])
    })?;
    let user = one_row(store.conn(), link, record_id)?.name;
    let message = format!(
        "{user} will be tried again on the next {} Auto Sync.",
        platform_label(link.platform)
    );
    result(store, link, users, message)
}

/// Reverses `change` exactly: every user it touched gets back the state it had before (status,
/// account, manual or auto, attempts, blocked pair…), with an audit row marked "(undo)". Refused
/// ([`Error::StaleUndo`], nothing written) when any of those mappings was written since — its
/// state or its `updated_at` differs from what the change wrote (Auto Sync ran, another process
/// or action changed it) — or when an account it would map again is now mapped to someone else.
pub fn undo(store: &mut Store, change: &MappingChange) -> Result<ChangeResult> {
    let link = &change.link;
    let touched: Vec<i64> = change.users.iter().map(|u| u.record_id).collect();
    let users = self::change(store, link, " (undo)", |conn, states| {
        for user in &change.users {
            let current = states.get(&user.record_id).cloned().unwrap_or_default();
            let written_at: Option<String> = conn
                .query_row(
                    "SELECT updated_at FROM mappings WHERE platform = ?1 AND user_record_id = ?2",
                    params![platform_str(link.platform), user.record_id],
                    |r| r.get(0),
                )
                .optional()?;
            if current != user.after || written_at.as_deref() != Some(user.written_at.as_str()) {
                let name = one_row(conn, link, user.record_id)?.name;
                return Err(Error::StaleUndo(format!(
                    "{name}'s {} mapping changed since (Auto Sync or another change wrote it{}); nothing was undone. \
                     Check the row and change it by hand if needed.",
                    platform_label(link.platform),
                    written_at.map(|at| format!(" at {at}")).unwrap_or_default()
                )));
            }
        }
        for user in &change.users {
            let Some(account) = user
                .before
                .account_id
                .as_deref()
                .filter(|_| user.before.status.is_some_and(MappingStatus::is_mapped))
            else {
                continue;
            };
            let holder = states.iter().find(|(other, s)| {
                !touched.contains(other)
                    && s.status.is_some_and(MappingStatus::is_mapped)
                    && s.account_id.as_deref() == Some(account)
            });
            if let Some(other) = held_elsewhere(conn, link)?
                .into_iter()
                .find(|h| h.account_id == account)
            {
                let name = one_row(conn, link, user.record_id)?.name;
                return Err(Error::StaleUndo(format!(
                    "{} is now mapped to {}, so {name} cannot get it back; nothing was undone.",
                    account_label_by_id(conn, link, account)?,
                    other.holder
                )));
            }
            if let Some((other, _)) = holder {
                let name = one_row(conn, link, user.record_id)?.name;
                let holder = one_row(conn, link, *other)?.name;
                return Err(Error::StaleUndo(format!(
                    "{} is now mapped to {holder}, so {name} cannot get it back; nothing was undone.",
                    account_label_by_id(conn, link, account)?
                )));
            }
        }
        Ok(change.users.iter().map(|u| (u.record_id, u.before.clone())).collect())
    })?;
    let user = one_row(store.conn(), link, users[0].record_id)?;
    let now = match (&user.status, &user.account_id) {
        (Some(s), Some(id)) if s.is_mapped() => {
            format!("mapped to {}", account_label_by_id(store.conn(), link, id)?)
        }
        (None, _) => "not yet attempted".to_owned(),
        _ => "unmapped".to_owned(),
    };
    let message = format!(
        "Undone: {} is {now} again ({}).",
        user.name,
        platform_label(link.platform)
    );
    result(store, link, users, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::auto_sync::{match_and_write, RunSource};
    use crate::mapping::links::testing::unit_link;
    use crate::store::mappings::save_accounts;
    use crate::ErrorCode;

    /// The link `store_with` makes: business unit 1 (its users) to the RingCentral connection "RC".
    fn rc() -> MappingLink {
        MappingLink {
            id: 1,
            platform: Platform::Ringcentral,
            cxone_connection_id: "cxone-1".into(),
            business_unit: "Unit 1 (1)".into(),
            business_unit_id: Some(1),
            external_connection_id: "rc".into(),
            external_connection_name: "RC".into(),
        }
    }

    /// A store with these users (name, email) as records 1, 2, … and these accounts
    /// (id, name, email, active).
    fn store_with(dir: &tempfile::TempDir, users: &[(&str, &str)], accounts: &[(&str, &str, &str, bool)]) -> Store {
        let mut store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
        assert_eq!(unit_link(&store, 1, Platform::Ringcentral, "RC"), rc());
        let tx = store.conn_mut().transaction().unwrap();
        for (i, (name, email)) in users.iter().enumerate() {
            tx.execute(
                "INSERT INTO records (id, entity, business_unit_id, cxone_id, name, detail, email_key, is_active,
                                      fields_hash, raw, group_name, first_synced_at, last_synced_at)
                 VALUES (?1, 'users', 1, ?1, ?2, ?3, lower(?3), 1, 0, '{}', '', 'now', 'now')",
                params![i as i64 + 1, name, email],
            )
            .unwrap();
        }
        save_accounts(&tx, "rc", Platform::Ringcentral, &accounts_of(accounts), "now").unwrap();
        tx.commit().unwrap();
        store
    }

    fn accounts_of(accounts: &[(&str, &str, &str, bool)]) -> Vec<ExternalAccount> {
        accounts
            .iter()
            .map(|(id, name, email, active)| ExternalAccount {
                id: (*id).into(),
                name: (*name).into(),
                emails: vec![(*email).into()],
                active: *active,
                raw: "{}".into(),
            })
            .collect()
    }

    fn auto_sync(store: &mut Store, accounts: &[(&str, &str, &str, bool)]) {
        let users: Vec<_> = store
            .mapping_users(&rc())
            .unwrap()
            .into_iter()
            .map(|(u, _)| u)
            .collect();
        let source = RunSource {
            started_at: "now",
            started: std::time::Instant::now(),
        };
        match_and_write(store, &rc(), &users, &accounts_of(accounts), &source).unwrap();
    }

    fn state(store: &Store, user: i64) -> MappingState {
        store.mapping_states(&rc()).unwrap().remove(&user).unwrap_or_default()
    }

    fn runs(store: &Store) -> usize {
        store.list_runs(1000).unwrap().len()
    }

    const ACCOUNTS: &[(&str, &str, &str, bool)] = &[
        ("ana", "Ana Silva", "ana.silva@example.com", true),
        ("hiroshi-old", "Hiroshi Silva", "hiroshi.old@example.com", false),
        ("hiroshi", "Hiroshi Silva", "hiroshi.silva@example.com", true),
        ("ana-2", "Silva, Ana", "asilva@example.com", true),
    ];

    fn demo(dir: &tempfile::TempDir) -> Store {
        store_with(
            dir,
            &[
                ("Ana Silva", "ana.silva@example.com"),
                ("Hiroshi Silva", "hiroshi.silva@example.com"),
            ],
            ACCOUNTS,
        )
    }

    #[test]
    fn the_guard_names_every_reason_and_refuses_without_confirmation() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        // Hiroshi holds the inactive account (mapped by hand), Ana has none yet.
        map_user(&mut store, &rc(), 2, "hiroshi-old", true).unwrap();
        let before = (list_rows(&store, &rc()).unwrap(), runs(&store));

        let check = check_map(&store, &rc(), 1, "hiroshi-old").unwrap();
        assert!(!check.active && !check.names_resemble);
        assert_eq!(check.mapped_to.as_deref(), Some("Hiroshi Silva"));
        let sentence = check.confirm.clone().unwrap();
        assert_eq!(
            sentence,
            "Check before mapping Ana Silva to hiroshi.old@example.com (RingCentral): it is inactive, its name does \
             not resemble Ana Silva and it is mapped to Hiroshi Silva (mapping it here unmaps Hiroshi Silva)."
        );
        let refused = map_user(&mut store, &rc(), 1, "hiroshi-old", false).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::ConfirmationRequired);
        assert!(refused.to_string().starts_with(&sentence), "{refused}");
        assert_eq!(
            (list_rows(&store, &rc()).unwrap(), runs(&store)),
            before,
            "nothing was written"
        );

        // Only the reasons that apply.
        let inactive_only = store_with(
            &tempfile::tempdir().unwrap(),
            &[("Hiroshi Silva", "h@example.com")],
            ACCOUNTS,
        );
        let check = check_map(&inactive_only, &rc(), 1, "hiroshi-old").unwrap();
        assert_eq!(
            check.confirm.as_deref(),
            Some("Check before mapping Hiroshi Silva to hiroshi.old@example.com (RingCentral): it is inactive.")
        );
        // A free, active account of a resembling name needs no confirmation.
        assert_eq!(check_map(&store, &rc(), 1, "ana-2").unwrap().confirm, None);
        let mapped = map_user(&mut store, &rc(), 1, "ana-2", false).unwrap();
        assert_eq!(mapped.message, "Mapped Ana Silva to asilva@example.com (RingCentral).");
        assert_eq!(mapped.rows[0].status, Some(MappingStatus::MappedManual));
    }

    #[test]
    fn a_confirmed_account_taken_from_someone_else_unmaps_them_and_undo_gives_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        auto_sync(&mut store, ACCOUNTS);
        let (ana, hiroshi) = (state(&store, 1), state(&store, 2));
        assert_eq!(hiroshi.status, Some(MappingStatus::MappedAuto));

        let taken = map_user(&mut store, &rc(), 1, "hiroshi", true).unwrap();
        assert_eq!(
            taken.message,
            "Mapped Ana Silva to hiroshi.silva@example.com (RingCentral). Hiroshi Silva is now unmapped."
        );
        assert_eq!(taken.rows.len(), 2);
        assert_eq!(taken.rows[1].status, Some(MappingStatus::UnmappedByAdmin));

        let undone = undo(&mut store, &taken.change).unwrap();
        assert_eq!(
            (state(&store, 1), state(&store, 2)),
            (ana, hiroshi),
            "both exactly as before"
        );
        assert_eq!(undone.rows[0].account_id.as_deref(), Some("ana"));
        assert_eq!(
            undone.message,
            "Undone: Ana Silva is mapped to ana.silva@example.com again (RingCentral)."
        );
        // Audited like any change: one run with a row per user, marked as an undo.
        let last = &store.list_runs(1).unwrap()[0];
        assert_eq!(last.kind, RunKind::ManualMapping);
        let audit = store.run_audit(last.id).unwrap();
        assert_eq!(audit.len(), 2);
        assert!(
            audit.iter().all(|a| a.changes[0].field == "RingCentral account (undo)"),
            "{audit:?}"
        );
    }

    #[test]
    fn undo_of_a_first_map_leaves_the_user_not_yet_attempted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        let mapped = map_user(&mut store, &rc(), 1, "ana", false).unwrap();
        let undone = undo(&mut store, &mapped.change).unwrap();
        assert_eq!(state(&store, 1), MappingState::default());
        assert_eq!(undone.rows[0].status, None);
        assert_eq!(undone.rows[0].account_id, None);
    }

    #[test]
    fn undo_of_a_remap_gives_back_the_previous_account() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        map_user(&mut store, &rc(), 1, "ana", false).unwrap();
        let before = state(&store, 1);
        let remapped = map_user(&mut store, &rc(), 1, "ana-2", false).unwrap();
        undo(&mut store, &remapped.change).unwrap();
        assert_eq!(state(&store, 1), before);
        assert_eq!(before.status, Some(MappingStatus::MappedManual));
        assert_eq!(before.account_id.as_deref(), Some("ana"));
    }

    #[test]
    fn undo_of_an_unmap_restores_the_mapping_its_method_and_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        auto_sync(&mut store, ACCOUNTS);
        let before = state(&store, 1);
        assert_eq!(before.status, Some(MappingStatus::MappedAuto));
        let unmapped = unmap_user(&mut store, &rc(), 1).unwrap();
        assert_eq!(
            unmapped.message,
            "Unmapped Ana Silva from ana.silva@example.com (RingCentral)."
        );
        undo(&mut store, &unmapped.change).unwrap();
        assert_eq!(
            state(&store, 1),
            before,
            "auto again, with its detail, attempts and fingerprint"
        );

        // An unmapped user with attempts counted gets them back too.
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with(&dir, &[("Zoë Müller", "zoe@example.com")], ACCOUNTS);
        auto_sync(&mut store, ACCOUNTS);
        auto_sync(&mut store, ACCOUNTS);
        let before = state(&store, 1);
        assert_eq!(
            (before.status, before.attempts),
            (Some(MappingStatus::UnmappedNoMatch), 2)
        );
        let unmapped = unmap_user(&mut store, &rc(), 1).unwrap();
        undo(&mut store, &unmapped.change).unwrap();
        assert_eq!(state(&store, 1), before);
    }

    #[test]
    fn undo_of_a_retry_restores_the_state_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        auto_sync(&mut store, ACCOUNTS);
        unmap_user(&mut store, &rc(), 1).unwrap();
        let before = state(&store, 1);
        assert_eq!(before.blocked_account.as_deref(), Some("ana"));
        let retried = retry_user(&mut store, &rc(), 1).unwrap();
        assert_eq!(retried.rows[0].status, None);
        assert_eq!(
            retried.message,
            "Ana Silva will be tried again on the next RingCentral Auto Sync."
        );
        undo(&mut store, &retried.change).unwrap();
        assert_eq!(
            state(&store, 1),
            before,
            "unmapped by the admin again, the pair blocked again"
        );
    }

    #[test]
    fn undo_is_refused_when_auto_sync_changed_the_row_since() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        auto_sync(&mut store, ACCOUNTS);
        let retried = retry_user(&mut store, &rc(), 1).unwrap();
        // Auto Sync maps the retried user again before the admin clicks Undo.
        auto_sync(&mut store, ACCOUNTS);
        let after_sync = (list_rows(&store, &rc()).unwrap(), runs(&store));
        let refused = undo(&mut store, &retried.change).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::Stale);
        assert!(
            refused
                .to_string()
                .starts_with("Ana Silva's RingCentral mapping changed since"),
            "{refused}"
        );
        assert_eq!(
            (list_rows(&store, &rc()).unwrap(), runs(&store)),
            after_sync,
            "nothing was written"
        );
    }

    #[test]
    fn undo_is_refused_when_the_row_was_rewritten_even_to_the_same_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        let first = map_user(&mut store, &rc(), 1, "ana", false).unwrap();
        let second = map_user(&mut store, &rc(), 1, "ana", false).unwrap();
        assert_eq!(first.change.users[0].after, second.change.users[0].after);
        assert_eq!(undo(&mut store, &first.change).unwrap_err().code(), ErrorCode::Stale);
        // The latest change can still be undone.
        undo(&mut store, &second.change).unwrap();
    }

    #[test]
    fn undo_of_an_unmap_is_refused_when_the_account_went_to_someone_else() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = demo(&dir);
        map_user(&mut store, &rc(), 1, "ana", false).unwrap();
        let unmapped = unmap_user(&mut store, &rc(), 1).unwrap();
        map_user(&mut store, &rc(), 2, "ana", true).unwrap();
        let refused = undo(&mut store, &unmapped.change).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::Stale);
        assert_eq!(
            refused.to_string(),
            "ana.silva@example.com is now mapped to Hiroshi Silva, so Ana Silva cannot get it back; nothing was undone."
        );
        assert_eq!(state(&store, 2).account_id.as_deref(), Some("ana"));
    }
}
