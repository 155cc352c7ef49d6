//! What the User Mapping screen and `ccsync map …` do besides Auto Sync: list the rows, map by
//! hand, unmap, retry, search accounts, export, and keep the schedule. Every change to a mapping
//! is an audit row under a `sync_runs` row of its own.

use std::path::Path;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use rusqlite::{params, OptionalExtension};

use crate::directory::{ExternalAccount, Platform};
use crate::mapping::{self, AccountMatch, MappingMethod, MappingRow, MappingState, MappingStatus};
use crate::model::FieldChange;
use crate::schedule::{Schedule, ScheduleInfo};
use crate::store::mappings::{platform_str, save_state};
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
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
    let mut stmt = store
        .conn()
        .prepare_cached(&format!("{ROW_SQL} ORDER BY r.name COLLATE NOCASE, r.id"))?;
    let rows = stmt.query_map([platform_str(platform)], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn one_row(store: &Store, platform: Platform, record_id: i64) -> Result<MappingRow> {
    store
        .conn()
        .query_row(
            &format!("{ROW_SQL} AND r.id = ?2"),
            params![platform_str(platform), record_id],
            row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound("That CXone user is not in the store any more. Reload the list.".into()))
}

/// The platform's accounts as last listed by Auto Sync.
pub fn stored_accounts(store: &Store, platform: Platform) -> Result<Vec<ExternalAccount>> {
    let mut stmt = store
        .conn()
        .prepare_cached(
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

/// Applies an administrator's change to one user's mapping, with its audit row.
fn change(
    store: &mut Store,
    platform: Platform,
    record_id: i64,
    what: &str,
    decide: impl FnOnce(&MappingState) -> Result<MappingState>,
) -> Result<MappingRow> {
    let old = store.mapping_states(platform)?.remove(&record_id).unwrap_or_default();
    let new = decide(&old)?;
    let now = now_rfc3339();
    let tx = store.conn_mut().transaction()?;
    let start = RunStart {
        kind: what,
        entity: None,
        connection_id: None,
        connection_name: platform_str(platform),
        started_at: &now,
    };
    let run_id = runs::insert_run(&tx, &start)?;
    save_state(&tx, platform, record_id, &new, &now)?;
    let change = FieldChange {
        field: format!("{} mapping", platform_str(platform)),
        old: mapping::describe_state(&old),
        new: mapping::describe_state(&new),
    };
    runs::insert_audit(&tx, run_id, record_id, "mapping", &[change], &now)?;
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
    one_row(store, platform, record_id)
}

/// Maps a user to an account by hand (Auto Sync will not change it). The account must be one
/// Auto Sync listed, and not mapped to someone else.
pub fn map_user(store: &mut Store, platform: Platform, record_id: i64, account_id: &str) -> Result<MappingRow> {
    let account = stored_accounts(store, platform)?
        .into_iter()
        .find(|a| a.id == account_id)
        .ok_or_else(|| {
            Error::NotFound(
                "That account is not in the last list from the platform. Run Auto Sync to refresh it.".into(),
            )
        })?;
    let holder = store.mapping_states(platform)?.into_iter().find(|(user, s)| {
        *user != record_id
            && s.status.is_some_and(MappingStatus::is_mapped)
            && s.account_id.as_deref() == Some(account_id)
    });
    if let Some((user, _)) = holder {
        let name = one_row(store, platform, user)
            .map(|r| r.name)
            .unwrap_or_else(|_| "another user".into());
        return Err(Error::InvalidInput(format!(
            "{} is already mapped to {name}. Unmap it there first.",
            account.name
        )));
    }
    change(store, platform, record_id, "manual_mapping", |old| {
        Ok(mapping::map_manually(&account, old))
    })
}

pub fn unmap_user(store: &mut Store, platform: Platform, record_id: i64) -> Result<MappingRow> {
    change(store, platform, record_id, "manual_mapping", |old| {
        Ok(mapping::unmap(old))
    })
}

pub fn retry_user(store: &mut Store, platform: Platform, record_id: i64) -> Result<MappingRow> {
    change(store, platform, record_id, "manual_mapping", |old| {
        let mut state = mapping::retry(old);
        // Shown as "not yet attempted" until the next Auto Sync.
        state.detail = "Will be tried again on the next Auto Sync.".into();
        Ok(state)
    })
}

/// Accounts in memory for Map User's search: ranked by name and email as the administrator types.
pub struct AccountIndex {
    accounts: Vec<(ExternalAccount, Option<String>)>,
    haystacks: Vec<(Haystack, Haystack)>,
}

/// Text to search, kept as bytes when it is ASCII (the matcher's much faster path).
enum Haystack {
    Ascii(Vec<u8>),
    Unicode(Vec<char>),
}

impl Haystack {
    fn new(text: &str) -> Haystack {
        if text.is_ascii() {
            Haystack::Ascii(text.as_bytes().to_vec())
        } else {
            Haystack::Unicode(text.chars().collect())
        }
    }

    fn utf32(&self) -> Utf32Str<'_> {
        match self {
            Haystack::Ascii(bytes) => Utf32Str::Ascii(bytes),
            Haystack::Unicode(chars) => Utf32Str::Unicode(chars),
        }
    }

    fn text(&self) -> String {
        match self {
            Haystack::Ascii(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Haystack::Unicode(chars) => chars.iter().collect(),
        }
    }
}

impl AccountIndex {
    /// `accounts` with, for each, the name of the user it is mapped to (if any).
    pub fn new(accounts: Vec<(ExternalAccount, Option<String>)>) -> AccountIndex {
        let haystacks = accounts
            .iter()
            .map(|(a, _)| {
                (
                    Haystack::new(&a.name),
                    Haystack::new(a.emails.first().map(|e| e.trim()).unwrap_or("")),
                )
            })
            .collect();
        AccountIndex { accounts, haystacks }
    }

    pub fn load(store: &Store, platform: Platform) -> Result<AccountIndex> {
        let rows = list_rows(store, platform)?;
        let holders: std::collections::HashMap<String, String> = rows
            .into_iter()
            .filter(|r| r.status.is_some_and(MappingStatus::is_mapped))
            .filter_map(|r| Some((r.account_id?, r.name)))
            .collect();
        let accounts = stored_accounts(store, platform)?
            .into_iter()
            .map(|a| {
                let holder = holders.get(&a.id).cloned();
                (a, holder)
            })
            .collect();
        Ok(AccountIndex::new(accounts))
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The best `limit` accounts for `query` (fuzzy, case-insensitive), with the matched ranges.
    pub fn search(&self, query: &str, limit: usize) -> Vec<AccountMatch> {
        let query = query.trim();
        if query.is_empty() {
            return Vec::new();
        }
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        // Each core scores its share of the accounts (every keystroke searches them all).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = self.haystacks.len().div_ceil(threads).max(1);
        let mut scored: Vec<(u32, usize)> = std::thread::scope(|scope| {
            let workers: Vec<_> = self
                .haystacks
                .chunks(chunk)
                .enumerate()
                .map(|(part, haystacks)| {
                    let pattern = &pattern;
                    scope.spawn(move || {
                        let mut matcher = Matcher::new(Config::DEFAULT);
                        let mut found = Vec::new();
                        for (offset, (name, email)) in haystacks.iter().enumerate() {
                            let by_name = pattern.score(name.utf32(), &mut matcher);
                            let by_email = pattern.score(email.utf32(), &mut matcher);
                            if let Some(best) = by_name.max(by_email) {
                                found.push((best, part * chunk + offset));
                            }
                        }
                        found
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a search thread does not panic"))
                .collect()
        });
        let mut matcher = Matcher::new(Config::DEFAULT);
        let keep = limit.min(scored.len());
        if keep == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by(keep - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(keep);
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .map(|(score, i)| {
                let (account, holder) = &self.accounts[i];
                let (name, email) = &self.haystacks[i];
                AccountMatch {
                    account_id: account.id.clone(),
                    name: account.name.clone(),
                    email: email.text(),
                    active: account.active,
                    score: score as f32,
                    name_highlights: ranges(&pattern, &mut matcher, name),
                    email_highlights: ranges(&pattern, &mut matcher, email),
                    mapped_to: holder.clone(),
                }
            })
            .collect()
    }
}

/// The matched character positions of `text`, merged into `[start, end)` ranges.
fn ranges(pattern: &Pattern, matcher: &mut Matcher, text: &Haystack) -> Vec<(u32, u32)> {
    let mut indices = Vec::new();
    if pattern.indices(text.utf32(), matcher, &mut indices).is_none() {
        return Vec::new();
    }
    indices.sort_unstable();
    indices.dedup();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for i in indices {
        match out.last_mut() {
            Some(last) if last.1 == i => last.1 = i + 1,
            _ => out.push((i, i + 1)),
        }
    }
    out
}

/// Writes the platform's mappings as CSV (one row per CXone user): what `import` will read back.
pub fn export_mappings(store: &Store, platform: Platform, path: &Path) -> Result<usize> {
    let rows = list_rows(store, platform)?;
    let mut bytes = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::Writer::from_writer(&mut bytes);
        let err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        writer
            .write_record([
                "CXone user email",
                "CXone user id",
                "Name",
                "Platform",
                "Account email",
                "Account id",
                "Status",
                "Detail",
            ])
            .map_err(err)?;
        for r in &rows {
            let status = r.status.map(|s| {
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            });
            let cells = [
                r.email.as_str(),
                &r.user_id,
                &r.name,
                platform_str(platform),
                r.account_email.as_deref().unwrap_or(""),
                r.account_id.as_deref().unwrap_or(""),
                status.as_deref().unwrap_or("not_attempted"),
                &r.detail,
            ];
            writer
                .write_record(cells.iter().map(|c| crate::export::escape_formula(c).into_owned()))
                .map_err(err)?;
        }
        writer.flush()?;
    }
    std::fs::write(path, bytes)?;
    Ok(rows.len())
}

/// A platform's saved schedule: what it is, when it was set, when it last ran.
struct SavedSchedule {
    schedule: Schedule,
    created: Option<time::OffsetDateTime>,
    last_run: Option<String>,
}

fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn local_offset() -> time::UtcOffset {
    time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC)
}

fn saved_schedule(store: &Store, platform: Platform) -> Result<Option<SavedSchedule>> {
    let found: Option<(String, String, Option<String>)> = store
        .conn()
        .query_row(
            "SELECT schedule, created_at, last_run FROM auto_sync_schedules WHERE platform = ?1",
            [platform_str(platform)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(found.map(|(schedule, created, last_run)| SavedSchedule {
        schedule: serde_json::from_str(&schedule).unwrap_or(Schedule::Off),
        created: parse_time(&created),
        last_run,
    }))
}

/// The platform's schedule, with its last and next run.
pub fn schedule_info(store: &Store, platform: Platform) -> Result<ScheduleInfo> {
    let Some(saved) = saved_schedule(store, platform)? else {
        return Ok(ScheduleInfo {
            schedule: Schedule::Off,
            last_run: None,
            next_run: None,
        });
    };
    let from = saved.last_run.as_deref().and_then(parse_time).or(saved.created);
    let next_run = from
        .and_then(|f| saved.schedule.next_after(f, local_offset()))
        .and_then(|n| n.format(&time::format_description::well_known::Rfc3339).ok());
    Ok(ScheduleInfo {
        schedule: saved.schedule,
        last_run: saved.last_run,
        next_run,
    })
}

pub fn set_schedule(store: &Store, platform: Platform, schedule: &Schedule) -> Result<ScheduleInfo> {
    schedule.validate()?;
    let json = serde_json::to_string(schedule).map_err(|e| Error::Internal(e.to_string()))?;
    store.conn().execute(
        "INSERT INTO auto_sync_schedules (platform, schedule, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (platform) DO UPDATE SET schedule = excluded.schedule, created_at = excluded.created_at",
        params![platform_str(platform), json, now_rfc3339()],
    )?;
    schedule_info(store, platform)
}

/// Whether the platform's scheduled Auto Sync is due at `now` (one catch-up run after a miss).
pub fn is_due(store: &Store, platform: Platform, now: time::OffsetDateTime) -> Result<bool> {
    let Some(SavedSchedule {
        schedule,
        created: Some(created),
        last_run,
    }) = saved_schedule(store, platform)?
    else {
        return Ok(false);
    };
    Ok(crate::schedule::due(
        &schedule,
        last_run.as_deref().and_then(parse_time),
        created,
        now,
        local_offset(),
    ))
}

pub fn record_scheduled_run(store: &Store, platform: Platform, at: &str) -> Result<()> {
    store.conn().execute(
        "UPDATE auto_sync_schedules SET last_run = ?2 WHERE platform = ?1",
        params![platform_str(platform), at],
    )?;
    Ok(())
}
