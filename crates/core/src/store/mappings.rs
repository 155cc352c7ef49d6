//! `external_accounts` and `mappings`.

use std::collections::HashMap;

use rusqlite::{params, Transaction};

use super::Store;
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

/// Refreshes the platform's accounts: upserts every one listed, flags those no longer listed.
pub fn save_accounts(tx: &Transaction<'_>, platform: Platform, accounts: &[ExternalAccount], now: &str) -> Result<()> {
    let platform = platform_str(platform);
    let mut upsert = tx.prepare_cached(
        "INSERT INTO external_accounts (platform, account_id, name, emails, active, raw, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (platform, account_id) DO UPDATE SET name = excluded.name, emails = excluded.emails,
             active = excluded.active, raw = excluded.raw, last_seen_at = excluded.last_seen_at, missing_since = NULL",
    )?;
    for a in accounts {
        let emails = serde_json::to_string(&a.emails).map_err(|e| Error::Internal(e.to_string()))?;
        upsert.execute(params![platform, a.id, a.name, emails, a.active, a.raw, now])?;
    }
    tx.execute(
        "UPDATE external_accounts SET missing_since = ?2 WHERE platform = ?1 AND last_seen_at <> ?2 AND missing_since IS NULL",
        params![platform, now],
    )?;
    Ok(())
}

pub fn save_state(tx: &Transaction<'_>, platform: Platform, user: i64, state: &MappingState, now: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO mappings (platform, user_record_id, status, account_id, detail, attempts, fingerprint, blocked_account, flag, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (platform, user_record_id) DO UPDATE SET status = excluded.status, account_id = excluded.account_id,
             detail = excluded.detail, attempts = excluded.attempts, fingerprint = excluded.fingerprint,
             blocked_account = excluded.blocked_account, flag = excluded.flag, updated_at = excluded.updated_at",
    )?
    .execute(params![
        platform_str(platform),
        user,
        state.status.map(status_str).unwrap_or_default(),
        state.account_id,
        state.detail,
        state.attempts,
        state.fingerprint,
        state.blocked_account,
        state.flag,
        now
    ])?;
    Ok(())
}

impl Store {
    /// Stored CXone users as mapping sees them, with their security profile id.
    pub fn mapping_users(&self) -> Result<Vec<(MappingUser, Option<String>)>> {
        let mut stmt = self.conn.prepare_cached(
            // Users gone from CXone are left out: their mappings stay as they are (flagged on screen).
            "SELECT id, name, email_key, json_extract(raw, '$.profileId') FROM records
             WHERE entity = 'users' AND missing_upstream_since IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |row| {
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

    pub fn mapping_states(&self, platform: Platform) -> Result<HashMap<i64, MappingState>> {
        mapping_states(&self.conn, platform)
    }
}

/// Every user's mapping on `platform`, read on `conn` (a write transaction's, to decide inside it).
pub fn mapping_states(conn: &rusqlite::Connection, platform: Platform) -> Result<HashMap<i64, MappingState>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_record_id, status, account_id, detail, attempts, fingerprint, blocked_account, flag
         FROM mappings WHERE platform = ?1",
    )?;
    let rows = stmt.query_map([platform_str(platform)], |row| {
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
