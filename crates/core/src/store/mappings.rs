//! `external_accounts` and `mappings`.

use std::collections::HashMap;

use rusqlite::{params, Transaction};

use super::{batch, Store};
use crate::mapping::links::MappingLink;
use crate::mapping::rules::{MappingState, MappingStatus, MappingUser};
use crate::vendor::directory::{ExternalAccount, Platform};
use crate::{Error, Result};

pub fn platform_str(platform: Platform) -> &'static str {
    match platform {
        Platform::Ringcentral => "ringcentral",
        Platform::Webex => "webex",
    }
}

fn status_str(status: MappingStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse_status(text: &str) -> Option<MappingStatus> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// Refreshes the accounts of the platform connection `connection_id`: upserts every one listed,
/// flags those no longer listed.
pub fn save_accounts(
    tx: &Transaction<'_>,
    connection_id: &str,
    platform: Platform,
    accounts: &[ExternalAccount],
    now: &str,
) -> Result<()> {
    let rows = accounts
        .iter()
        .map(|a| Ok((a, serde_json::to_string(&a.emails)?)))
        .collect::<serde_json::Result<Vec<_>>>()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let platform = platform_str(platform);
    batch::insert_many(
        tx,
        "INSERT INTO external_accounts (connection_id, platform, account_id, name, emails, active, raw, first_seen_at,
                                        last_seen_at) VALUES",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "ON CONFLICT (connection_id, account_id) DO UPDATE SET name = excluded.name, emails = excluded.emails,
             active = excluded.active, raw = excluded.raw, last_seen_at = excluded.last_seen_at, missing_since = NULL",
        &rows,
        |(a, emails)| {
            [
                &connection_id,
                &platform,
                &a.id,
                &a.name,
                emails,
                &a.active,
                &a.raw,
                &now,
                &now,
            ]
        },
        |_| Ok(()),
    )?;
    tx.execute(
        "UPDATE external_accounts SET missing_since = ?2 WHERE connection_id = ?1 AND last_seen_at <> ?2 AND missing_since IS NULL",
        params![connection_id, now],
    )?;
    Ok(())
}

/// Writes the mapping of one user of the link's unit.
pub fn save_state(tx: &Transaction<'_>, link: &MappingLink, user: i64, state: &MappingState, now: &str) -> Result<()> {
    save_states(tx, link, &[(user, state)], now)
}

/// Writes the mappings of users of the link's unit, many to a statement.
pub fn save_states(tx: &Transaction<'_>, link: &MappingLink, states: &[(i64, &MappingState)], now: &str) -> Result<()> {
    let rows: Vec<(i64, &MappingState, String)> = states
        .iter()
        .map(|&(user, state)| (user, state, state.status.map(status_str).unwrap_or_default()))
        .collect();
    let platform = platform_str(link.platform);
    batch::insert_many(
        tx,
        "INSERT INTO mappings (platform, user_record_id, status, account_id, detail, attempts, fingerprint, blocked_account,
                               flag, updated_at, link_id) VALUES",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "ON CONFLICT (platform, user_record_id) DO UPDATE SET status = excluded.status, account_id = excluded.account_id,
             detail = excluded.detail, attempts = excluded.attempts, fingerprint = excluded.fingerprint,
             blocked_account = excluded.blocked_account, flag = excluded.flag, updated_at = excluded.updated_at,
             link_id = excluded.link_id",
        &rows,
        |(user, state, status)| {
            [
                &platform,
                user,
                status,
                &state.account_id,
                &state.detail,
                &state.attempts,
                &state.fingerprint,
                &state.blocked_account,
                &state.flag,
                &now,
                &link.id,
            ]
        },
        |_| Ok(()),
    )?;
    Ok(())
}

impl Store {
    /// The stored CXone users of the link's business unit as mapping sees them, with their
    /// security profile id.
    pub fn mapping_users(&self, link: &MappingLink) -> Result<Vec<(MappingUser, Option<String>)>> {
        let mut stmt = self.conn.prepare_cached(
            // Users gone from CXone are left out: their mappings stay as they are (flagged on screen).
            "SELECT id, name, email_key, json_extract(raw, '$.profileId') FROM records
             WHERE entity = 'users' AND business_unit_id = ?1 AND missing_upstream_since IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([link.unit_key()], |row| {
            let profile: Option<rusqlite::types::Value> = row.get(3)?;
            let profile = match profile {
                Some(rusqlite::types::Value::Integer(n)) => Some(n.to_string()),
                Some(rusqlite::types::Value::Text(t)) => Some(t),
                _ => None,
            };
            Ok((
                MappingUser {
                    record_id: row.get(0)?,
                    name: row.get(1)?,
                    email_key: row.get(2)?,
                    can_map: true,
                },
                profile,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn mapping_states(&self, link: &MappingLink) -> Result<HashMap<i64, MappingState>> {
        mapping_states(&self.conn, link)
    }
}

/// The mapping of every user of the link's unit on its platform, read on `conn` (a write
/// transaction's, to decide inside it).
pub fn mapping_states(conn: &rusqlite::Connection, link: &MappingLink) -> Result<HashMap<i64, MappingState>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.user_record_id, m.status, m.account_id, m.detail, m.attempts, m.fingerprint, m.blocked_account, m.flag
         FROM mappings m JOIN records r ON r.id = m.user_record_id
         WHERE m.platform = ?1 AND r.business_unit_id = ?2",
    )?;
    let rows = stmt.query_map(params![platform_str(link.platform), link.unit_key()], |row| {
        let status: String = row.get(1)?;
        Ok((
            row.get::<_, i64>(0)?,
            MappingState {
                status: parse_status(&status),
                account_id: row.get(2)?,
                detail: row.get(3)?,
                attempts: row.get(4)?,
                fingerprint: row.get(5)?,
                blocked_account: row.get(6)?,
                flag: row.get(7)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An account of the link's platform connection that a user of *another* business unit holds
/// (the connection serves several units): it is not free for this unit's users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldElsewhere {
    pub account_id: String,
    pub record_id: i64,
    /// "Ana Ruiz (business unit Demo Contact Center West (4600002))"
    pub holder: String,
}

/// The accounts of the link's platform connection mapped to users of other business units.
pub fn held_elsewhere(conn: &rusqlite::Connection, link: &MappingLink) -> Result<Vec<HeldElsewhere>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.account_id, m.user_record_id, r.name, c.name, c.business_unit_id, c.business_unit_name
         FROM mappings m
         JOIN records r ON r.id = m.user_record_id
         JOIN mapping_links l ON l.id = m.link_id
         JOIN connections c ON c.id = l.cxone_connection_id
         WHERE m.platform = ?1 AND l.external_connection_id = ?2 AND r.business_unit_id <> ?3
           AND m.account_id IS NOT NULL AND m.status IN ('mapped_auto', 'mapped_manual')",
    )?;
    let rows = stmt.query_map(
        params![
            platform_str(link.platform),
            link.external_connection_id,
            link.unit_key()
        ],
        |r| {
            let unit = crate::mapping::links::unit_label(
                &r.get::<_, String>(3)?,
                r.get(4)?,
                r.get::<_, Option<String>>(5)?.as_deref(),
            );
            Ok(HeldElsewhere {
                account_id: r.get(0)?,
                record_id: r.get(1)?,
                holder: format!("{} (business unit {unit})", r.get::<_, String>(2)?),
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
