//! User Mapping rules: link each CXone user to at most one account per platform, by email.
//!
//! - Emails are compared trimmed and case-insensitively.
//! - Candidates are the platform's active accounts; when only inactive ones match, the user is
//!   unmapped and told so.
//! - Exactly one match maps (auto); none, several, or an account already mapped to someone else
//!   leave the user unmapped with the reason.
//! - An unmapped user is tried on one more Auto Sync, then left for manual mapping until its email
//!   or its candidates change, or the administrator asks to retry.
//! - Users without the "User Mapping: Map" permission are skipped (when the gate is on).
//! - Manual mappings are never changed by Auto Sync; a pair the administrator unmapped is not
//!   re-linked unless asked.
//! - A mapping whose user or account disappears upstream is kept and flagged, never dropped.
//!
//! This module is pure: it decides; the store and the directories do the I/O.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::store::mappings::HeldElsewhere;
use crate::vendor::directory::ExternalAccount;

/// Where a user stands on one platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MappingStatus {
    MappedAuto,
    MappedManual,
    UnmappedNoMatch,
    UnmappedMultiple,
    UnmappedInUse,
    UnmappedOnlyInactive,
    /// The administrator unmapped it; Auto Sync leaves the pair alone.
    UnmappedByAdmin,
    SkippedNoPermission,
}

impl MappingStatus {
    pub fn is_mapped(self) -> bool {
        matches!(self, MappingStatus::MappedAuto | MappingStatus::MappedManual)
    }
}

/// A CXone user as mapping sees it.
#[derive(Debug, Clone)]
pub struct MappingUser {
    pub record_id: i64,
    pub name: String,
    /// Trimmed, lower-case email (CXone `emailAddress`, else an email-shaped `userName`).
    pub email_key: Option<String>,
    /// Whether the user's security profile carries the map permission.
    pub can_map: bool,
}

/// What the store keeps per user and platform.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappingState {
    pub status: Option<MappingStatus>,
    pub account_id: Option<String>,
    /// A sentence: the candidates, who holds the account, which inactive account matched…
    pub detail: String,
    /// Auto Sync attempts since the user was last mapped or its email or candidates changed.
    pub attempts: u32,
    /// The user's email and candidate accounts when last attempted (a change re-opens the user).
    pub fingerprint: String,
    /// An account the administrator unmapped from this user: never re-linked automatically.
    pub blocked_account: Option<String>,
    /// Set when the mapped account is gone upstream (the mapping is kept).
    pub flag: Option<String>,
}

/// How many attempts an unmapped user gets before it waits for the administrator.
pub const MAX_ATTEMPTS: u32 = 2;

/// The outcome of one Auto Sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AutoSyncCounts {
    pub mapped: u32,
    pub manual_kept: u32,
    pub unmapped_no_match: u32,
    pub unmapped_multiple: u32,
    pub unmapped_in_use: u32,
    pub unmapped_only_inactive: u32,
    pub skipped_no_permission: u32,
}

impl AutoSyncCounts {
    fn count(&mut self, status: MappingStatus) {
        match status {
            MappingStatus::MappedAuto => self.mapped += 1,
            MappingStatus::MappedManual => self.manual_kept += 1,
            MappingStatus::UnmappedNoMatch | MappingStatus::UnmappedByAdmin => self.unmapped_no_match += 1,
            MappingStatus::UnmappedMultiple => self.unmapped_multiple += 1,
            MappingStatus::UnmappedInUse => self.unmapped_in_use += 1,
            MappingStatus::UnmappedOnlyInactive => self.unmapped_only_inactive += 1,
            MappingStatus::SkippedNoPermission => self.skipped_no_permission += 1,
        }
    }
}

/// The trimmed, lower-case form emails are compared in.
pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    (key.contains('@')).then_some(key)
}

/// Decides every user's mapping. `current` holds the stored states by user record id; the result
/// holds the new state of every user (unchanged ones included) and the counts.
pub fn auto_sync(
    users: &[MappingUser],
    accounts: &[ExternalAccount],
    current: &HashMap<i64, MappingState>,
) -> (Vec<(i64, MappingState)>, AutoSyncCounts) {
    auto_sync_in_unit(users, accounts, current, &[])
}

/// [`auto_sync`] for one business unit whose platform connection also serves other units: the
/// accounts their users hold (`held_elsewhere`) are in use here — an account is mapped to one
/// user, whichever unit that user is in.
pub fn auto_sync_in_unit(
    users: &[MappingUser],
    accounts: &[ExternalAccount],
    current: &HashMap<i64, MappingState>,
    held_elsewhere: &[HeldElsewhere],
) -> (Vec<(i64, MappingState)>, AutoSyncCounts) {
    let mut by_email: HashMap<String, Vec<&ExternalAccount>> = HashMap::new();
    for account in accounts {
        let keys: BTreeSet<String> = account.emails.iter().filter_map(|e| email_key(e)).collect();
        for key in keys {
            by_email.entry(key).or_default().push(account);
        }
    }
    let present: HashMap<&str, &ExternalAccount> = accounts.iter().map(|a| (a.id.as_str(), a)).collect();
    let names: HashMap<i64, &str> = users
        .iter()
        .map(|u| (u.record_id, u.name.as_str()))
        .chain(held_elsewhere.iter().map(|h| (h.record_id, h.holder.as_str())))
        .collect();
    // Accounts already linked, and to whom: kept mappings claim theirs first.
    // Accounts held before anyone is decided: by the mappings this run keeps (so an account a
    // changed user releases is free for everyone, whatever the order), and by users not in this run.
    let deciding: HashMap<i64, &MappingUser> = users.iter().map(|u| (u.record_id, u)).collect();
    let mut in_use: HashMap<String, i64> = current
        .iter()
        .filter(|(id, state)| match deciding.get(id) {
            Some(user) => keeps_account(user, state, &by_email, &present),
            None => state.status.is_some_and(MappingStatus::is_mapped),
        })
        .filter_map(|(user, s)| Some((s.account_id.clone()?, *user)))
        .chain(held_elsewhere.iter().map(|h| (h.account_id.clone(), h.record_id)))
        .collect();

    let mut counts = AutoSyncCounts::default();
    let mut decided = Vec::with_capacity(users.len());
    let mut order: Vec<&MappingUser> = users.iter().collect();
    order.sort_by_key(|u| u.record_id);
    for user in order {
        let old = current.get(&user.record_id).cloned().unwrap_or_default();
        let candidates: Vec<&ExternalAccount> = user
            .email_key
            .as_ref()
            .and_then(|k| by_email.get(k))
            .map(|v| v.to_vec())
            .unwrap_or_default();
        let fingerprint = fingerprint(user, &candidates);
        let state = decide(user, &old, &candidates, fingerprint, &present, &mut in_use, &names);
        counts.count(state.status.expect("every decision has a status"));
        decided.push((user.record_id, state));
    }
    (decided, counts)
}

/// Whether a stored mapping survives this run (the rules of [`decide`], in short).
fn keeps_account(
    user: &MappingUser,
    state: &MappingState,
    by_email: &HashMap<String, Vec<&ExternalAccount>>,
    present: &HashMap<&str, &ExternalAccount>,
) -> bool {
    match state.status {
        Some(MappingStatus::MappedManual) => true,
        Some(MappingStatus::MappedAuto) if user.can_map => {
            let Some(id) = state.account_id.as_deref() else {
                return false;
            };
            let still_matches = user
                .email_key
                .as_ref()
                .and_then(|k| by_email.get(k))
                .is_some_and(|accounts| accounts.iter().any(|a| a.id == id && a.active));
            still_matches || !present.contains_key(id)
        }
        _ => false,
    }
}

fn fingerprint(user: &MappingUser, candidates: &[&ExternalAccount]) -> String {
    let mut ids: Vec<String> = candidates.iter().map(|a| format!("{}:{}", a.id, a.active)).collect();
    ids.sort();
    format!("{}|{}", user.email_key.as_deref().unwrap_or(""), ids.join(","))
}

fn decide(
    user: &MappingUser,
    old: &MappingState,
    candidates: &[&ExternalAccount],
    fingerprint: String,
    present: &HashMap<&str, &ExternalAccount>,
    in_use: &mut HashMap<String, i64>,
    names: &HashMap<i64, &str>,
) -> MappingState {
    let keep = |status: MappingStatus, flag: Option<String>| MappingState {
        status: Some(status),
        flag,
        ..old.clone()
    };
    let gone = |account: &Option<String>| {
        account
            .as_deref()
            .filter(|id| !present.contains_key(id))
            .map(|_| "The account is no longer on the platform.".to_owned())
    };
    // Manual mappings are the administrator's: never changed here, only flagged when gone.
    if old.status == Some(MappingStatus::MappedManual) {
        return keep(MappingStatus::MappedManual, gone(&old.account_id));
    }
    if !user.can_map {
        // No account is kept for a skipped user, and its attempts start afresh once it may be mapped.
        return MappingState {
            status: Some(MappingStatus::SkippedNoPermission),
            account_id: None,
            detail: "The user's security profile lacks the User Mapping: Map permission.".into(),
            attempts: 0,
            fingerprint,
            blocked_account: old.blocked_account.clone(),
            flag: None,
        };
    }
    // An automatic mapping stands while its account does; when the account is gone it is kept,
    // flagged, for the administrator to look at.
    if old.status == Some(MappingStatus::MappedAuto) {
        let still_matches = old
            .account_id
            .as_deref()
            .is_some_and(|id| candidates.iter().any(|a| a.id == id && a.active));
        if still_matches || gone(&old.account_id).is_some() {
            return keep(MappingStatus::MappedAuto, gone(&old.account_id));
        }
        // The email changed on either side: decide afresh below (its account was never claimed).
    }
    let reopened = old.fingerprint != fingerprint;
    let was_unmapped = old
        .status
        .is_some_and(|s| !s.is_mapped() && s != MappingStatus::SkippedNoPermission);
    let waiting = was_unmapped && old.attempts >= MAX_ATTEMPTS && !reopened;
    if waiting || (old.status == Some(MappingStatus::UnmappedByAdmin) && !reopened) {
        return old.clone();
    }
    let attempts = if reopened || old.status.is_some_and(MappingStatus::is_mapped) {
        1
    } else {
        old.attempts + 1
    };
    let unmapped = |status: MappingStatus, detail: String| MappingState {
        status: Some(status),
        account_id: None,
        detail,
        attempts,
        fingerprint: fingerprint.clone(),
        blocked_account: old.blocked_account.clone(),
        flag: None,
    };
    let usable: Vec<&&ExternalAccount> = candidates
        .iter()
        .filter(|a| a.active && old.blocked_account.as_deref() != Some(a.id.as_str()))
        .collect();
    // The pair the administrator unmapped stays unmapped, even when that account is the only match.
    let blocked_matches = old
        .blocked_account
        .as_deref()
        .is_some_and(|blocked| candidates.iter().any(|a| a.active && a.id == blocked));
    if usable.is_empty() && blocked_matches {
        return MappingState {
            status: Some(MappingStatus::UnmappedByAdmin),
            account_id: None,
            detail: "Unmapped by the administrator; the only matching account is the one unmapped.".into(),
            attempts,
            fingerprint,
            blocked_account: old.blocked_account.clone(),
            flag: None,
        };
    }
    match usable.as_slice() {
        [] if candidates.iter().any(|a| !a.active) => {
            let names: Vec<String> = candidates.iter().filter(|a| !a.active).map(|a| describe(a)).collect();
            unmapped(
                MappingStatus::UnmappedOnlyInactive,
                format!("Only an inactive account matches: {}.", names.join(", ")),
            )
        }
        [] if user.email_key.is_none() => unmapped(
            MappingStatus::UnmappedNoMatch,
            "The user has no email address in CXone.".into(),
        ),
        [] => unmapped(
            MappingStatus::UnmappedNoMatch,
            "No account has this email address.".into(),
        ),
        [only] => match in_use.get(&only.id) {
            Some(holder) if *holder != user.record_id => {
                let who = names.get(holder).copied().unwrap_or("another user");
                unmapped(
                    MappingStatus::UnmappedInUse,
                    format!("{} is already mapped to {who}.", describe(only)),
                )
            }
            _ => {
                in_use.insert(only.id.clone(), user.record_id);
                MappingState {
                    status: Some(MappingStatus::MappedAuto),
                    account_id: Some(only.id.clone()),
                    detail: format!("Matched by email: {}.", describe(only)),
                    attempts: 0,
                    fingerprint,
                    blocked_account: old.blocked_account.clone(),
                    flag: None,
                }
            }
        },
        several => {
            let names: Vec<String> = several.iter().map(|a| describe(a)).collect();
            unmapped(
                MappingStatus::UnmappedMultiple,
                format!("{} accounts share this email: {}.", several.len(), names.join(", ")),
            )
        }
    }
}

/// The audit row of a user's mapping change, as History shows it: the platform's account before
/// and after, by name and id, or why the user has none ("Not mapped: no account has this email").
/// `account_name` finds an account's name by id (None for an account no longer listed).
pub fn mapping_change(
    platform: crate::vendor::directory::Platform,
    old: &MappingState,
    new: &MappingState,
    account_name: &dyn Fn(&str) -> Option<String>,
) -> crate::model::FieldChange {
    crate::model::FieldChange {
        field: format!("{} account", platform.label()),
        old: describe_state(old, account_name),
        new: describe_state(new, account_name),
    }
}

/// A state in a few words for the audit: "Ana Ruiz (62264000011), mapped by Auto Sync",
/// "Not mapped: several accounts have this email". None when the user had no state yet.
pub fn describe_state(state: &MappingState, account_name: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let status = state.status?;
    let account = state.account_id.as_deref().map(|id| match account_name(id) {
        Some(name) => format!("{name} ({id})"),
        None => format!("account {id}"),
    });
    let how = match status {
        MappingStatus::MappedAuto => "mapped by Auto Sync",
        MappingStatus::MappedManual => "mapped by hand",
        MappingStatus::UnmappedNoMatch => "Not mapped: no account has this email",
        MappingStatus::UnmappedMultiple => "Not mapped: several accounts have this email",
        MappingStatus::UnmappedInUse => "Not mapped: the matching account is mapped to another user",
        MappingStatus::UnmappedOnlyInactive => "Not mapped: only an inactive account has this email",
        MappingStatus::UnmappedByAdmin => "Unmapped by an administrator",
        MappingStatus::SkippedNoPermission => "Skipped: the user's security profile does not allow mapping",
    };
    Some(match (status.is_mapped(), account) {
        (true, Some(account)) => format!("{account}, {how}"),
        _ => how.to_owned(),
    })
}

fn describe(account: &ExternalAccount) -> String {
    format!("{} ({})", account.name, account.id)
}

/// The administrator links a user to an account by hand; Auto Sync will not change it.
pub fn map_manually(account: &ExternalAccount, old: &MappingState) -> MappingState {
    MappingState {
        status: Some(MappingStatus::MappedManual),
        account_id: Some(account.id.clone()),
        detail: format!("Mapped by hand: {}.", describe(account)),
        attempts: 0,
        fingerprint: old.fingerprint.clone(),
        blocked_account: None,
        flag: None,
    }
}

/// The administrator unmaps a user; Auto Sync will not link that pair again unless asked.
pub fn unmap(old: &MappingState) -> MappingState {
    MappingState {
        status: Some(MappingStatus::UnmappedByAdmin),
        account_id: None,
        detail: "Unmapped by the administrator.".into(),
        attempts: 0,
        fingerprint: old.fingerprint.clone(),
        blocked_account: old.account_id.clone().or_else(|| old.blocked_account.clone()),
        flag: None,
    }
}

/// The administrator asks Auto Sync to try a user again (and lifts any unmapped pair). A mapped
/// user is unmapped by this: Auto Sync decides afresh.
pub fn retry(old: &MappingState) -> MappingState {
    MappingState {
        status: None,
        account_id: None,
        detail: old.detail.clone(),
        attempts: 0,
        fingerprint: String::new(),
        blocked_account: None,
        flag: None,
    }
}

/// How a mapping was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MappingMethod {
    Auto,
    Manual,
}

/// One row of the User Mapping screen: a CXone user and where it stands on one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MappingRow {
    /// The user's row in the store (what map / unmap / retry take).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub record_id: i64,
    /// The CXone agent id.
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// `None`: Auto Sync has not looked at this user yet.
    pub status: Option<MappingStatus>,
    pub method: Option<MappingMethod>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub account_email: Option<String>,
    /// Why: candidates, who holds the account, which inactive account matched…
    pub detail: String,
    pub attempts: u32,
    /// Set when the user or the mapped account is gone upstream (the mapping is kept).
    pub flag: Option<String>,
    pub updated_at: Option<String>,
}

/// An account offered by Map User's search, with the parts that matched the query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountMatch {
    pub account_id: String,
    pub name: String,
    pub email: String,
    pub active: bool,
    /// Higher is better.
    pub score: f32,
    /// `[start, end)` character ranges of `name` that matched.
    pub name_highlights: Vec<(u32, u32)>,
    /// `[start, end)` character ranges of `email` that matched.
    pub email_highlights: Vec<(u32, u32)>,
    /// The CXone user this account is mapped to already, if any.
    pub mapped_to: Option<String>,
}
