//! One Auto Sync run: list the platform's accounts, read the CXone users from the store (and, with
//! the permission gate on, which security profiles may be mapped), apply the mapping rules, and
//! write the accounts, every changed mapping with an audit row, and a `sync_runs` row — in one
//! transaction.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::connections::Connections;
use crate::mapping::links::{self, MappingLink};
use crate::mapping::rules::{self, AutoSyncCounts, MappingUser};
use crate::model::{AuditAction, RunKind};
use crate::progress::{self, Progress};
use crate::store::mappings::{held_elsewhere, mapping_states, platform_str, save_accounts, save_states};
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
use crate::vendor::cxone::profiles::{self, security_profiles};
use crate::vendor::directory::{ExternalAccount, Platform};
use crate::vendor::retry::RetryPolicy;
use crate::{Error, Result};

/// The security-profile permission key the gate looks for until the admin enters their own. CXone
/// does not document the key behind "User Mapping: Map"; this is the demo tenant's.
pub const DEFAULT_PERMISSION_KEY: &str = "UserMapping";

/// The permission gate as the admin sets it on the User Mapping screen (or `ccsync map settings`):
/// with it on, users whose CXone security profile lacks `permission_key` are skipped.
///
/// Off until turned on: the key is not documented, and a gate that guesses it wrong would stop
/// every Auto Sync on a real tenant. Turned on, a key that no profile carries stops the run with a
/// sentence instead of skipping everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PermissionGate {
    pub enabled: bool,
    pub permission_key: String,
}

impl Default for PermissionGate {
    fn default() -> Self {
        PermissionGate {
            enabled: false,
            permission_key: DEFAULT_PERMISSION_KEY.into(),
        }
    }
}

const GATE_SETTING: &str = "mapping.permission_gate";
const KEY_SETTING: &str = "mapping.permission_key";

impl PermissionGate {
    /// The saved gate (off, with the default key, until changed).
    pub fn load(store: &Store) -> Result<PermissionGate> {
        Ok(PermissionGate {
            enabled: store.setting(GATE_SETTING)?.is_some_and(|v| v == "on"),
            permission_key: store
                .setting(KEY_SETTING)?
                .unwrap_or_else(|| DEFAULT_PERMISSION_KEY.into()),
        })
    }

    /// Saves the gate and the key as the defaults of every later run.
    pub fn save(&self, store: &Store) -> Result<PermissionGate> {
        if self.permission_key.trim().is_empty() {
            return Err(Error::InvalidInput(
                "Enter the permission key that means \"User Mapping: Map\" in your CXone security profiles.".into(),
            ));
        }
        store.set_setting(GATE_SETTING, if self.enabled { "on" } else { "off" })?;
        store.set_setting(KEY_SETTING, self.permission_key.trim())?;
        PermissionGate::load(store)
    }
}

#[derive(Debug, Clone, Default)]
pub struct AutoSyncOptions {
    pub gate: PermissionGate,
    /// None: each platform's own (RingCentral waits 30 s after a 429 without Retry-After).
    pub retry: Option<RetryPolicy>,
}

impl AutoSyncOptions {
    /// The saved settings.
    pub fn from_settings(store: &Store) -> Result<AutoSyncOptions> {
        Ok(AutoSyncOptions {
            gate: PermissionGate::load(store)?,
            retry: None,
        })
    }
}

/// What `ccsync map auto --json` prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AutoSyncResult {
    pub platform: Platform,
    /// The mapping link it ran for.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub link_id: i64,
    #[serde(flatten)]
    pub counts: AutoSyncCounts,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub run_id: i64,
}

/// One Auto Sync run for `link`. A run that fails or is cancelled before it writes is recorded
/// too (a failed or cancelled `sync_runs` row with the sentence), so History shows it and not
/// only the log.
pub async fn run(
    connections: &Connections,
    link: &MappingLink,
    options: &AutoSyncOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<AutoSyncResult> {
    let started = std::time::Instant::now();
    let started_at = now_rfc3339();
    let result = run_once(connections, link, options, progress, cancel).await;
    if let Err(error) = &result {
        let label = link.label();
        let start = link.run_start(RunKind::AutoSync, &label, &started_at);
        let store = connections.store_handle();
        store.lock().unwrap_or_else(|p| p.into_inner()).record_failed_run(
            &start,
            &RunCounts::default(),
            started,
            error,
        );
    }
    result
}

async fn run_once(
    connections: &Connections,
    link: &MappingLink,
    options: &AutoSyncOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<AutoSyncResult> {
    let started = std::time::Instant::now();
    let started_at = now_rfc3339();
    let (_, directory) = connections
        .directory(&link.external_connection_id, options.retry.clone())
        .await?;
    let store = connections.store_handle();
    // One Auto Sync per link across processes (the app's and a cron job's): held to the end.
    let _job = store
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .acquire_job(&crate::store::locks::auto_sync_lock_name(link.id), &job_name(link))?;
    // A unit never signed in to yet: signing in tells its number (and so which users are its own).
    let link = &match link.business_unit_id {
        Some(_) => link.clone(),
        None => {
            connections
                .cxone_session(&link.cxone_connection_id, RetryPolicy::default())
                .await?;
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            links::get(&store, link.id)?
        }
    };
    let mut users = store.lock().unwrap_or_else(|p| p.into_inner()).mapping_users(link)?;
    if users.is_empty() {
        let cxone = cxone_name(connections, link).await;
        return Err(Error::InvalidInput(format!(
            "There are no CXone users of business unit {} to map yet. Pull them first: Synchronize → Users \
             (connection \"{cxone}\"), or `ccsync pull users --connection \"{cxone}\"`.",
            link.business_unit
        )));
    }
    if options.gate.enabled {
        let allowed = mappable_profiles(connections, link, &options.gate.permission_key, cancel).await?;
        for (user, profile) in &mut users {
            user.can_map = profile.as_ref().is_some_and(|p| allowed.contains(p));
        }
    }
    progress.report(progress::event("fetching", 0, None));
    let accounts = directory.list_accounts(progress, cancel).await?;
    progress.report(progress::event("matching", 0, Some(users.len() as u64)));
    let users: Vec<_> = users.into_iter().map(|(user, _)| user).collect();
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let source = RunSource {
        started_at: &started_at,
        started,
    };
    match_and_write(&mut guard, link, &users, &accounts, &source)
}

/// "Auto Sync for RingCentral — Demo Contact Center (4600002)": what the job lock tells another process.
fn job_name(link: &MappingLink) -> String {
    format!(
        "Auto Sync for {} — {}",
        platform_label(link.platform),
        link.business_unit
    )
}

async fn cxone_name(connections: &Connections, link: &MappingLink) -> String {
    connections
        .find(&link.cxone_connection_id)
        .await
        .map(|c| c.name)
        .unwrap_or_else(|_| link.business_unit.clone())
}

/// Since when a run goes.
pub struct RunSource<'a> {
    pub started_at: &'a str,
    pub started: std::time::Instant,
}

/// Applies the rules to `users` and `accounts` and writes the accounts, every changed mapping with
/// its audit row, and the run — in one transaction. The mapping states (and the accounts other
/// units hold on the same platform connection) are read inside it (`BEGIN IMMEDIATE`), so a manual
/// mapping another process made a moment ago is seen and kept.
pub fn match_and_write(
    store: &mut Store,
    link: &MappingLink,
    users: &[MappingUser],
    accounts: &[ExternalAccount],
    source: &RunSource<'_>,
) -> Result<AutoSyncResult> {
    let platform = link.platform;
    let tx = store.write_tx()?;
    let current = mapping_states(&tx, link)?;
    let others = held_elsewhere(&tx, link)?;
    let (decided, counts) = rules::auto_sync_in_unit(users, accounts, &current, &others);
    let now = now_rfc3339();
    let label = link.label();
    let start = link.run_start(RunKind::AutoSync, &label, source.started_at);
    let run_id = runs::insert_run(&tx, &start)?;
    save_accounts(&tx, &link.external_connection_id, platform, accounts, &now)?;
    let names: HashMap<&str, &str> = accounts.iter().map(|a| (a.id.as_str(), a.name.as_str())).collect();
    let name = |id: &str| names.get(id).map(|n| (*n).to_owned());
    let mut states = Vec::new();
    let mut audits = Vec::new();
    for (user, state) in &decided {
        let old = current.get(user).cloned().unwrap_or_default();
        if &old == state {
            continue;
        }
        states.push((*user, state));
        if old.status != state.status || old.account_id != state.account_id || old.flag != state.flag {
            let change = rules::mapping_change(platform, &old, state, &name);
            let change = serde_json::to_string(&[change]).map_err(|e| crate::Error::Internal(e.to_string()))?;
            audits.push((*user, AuditAction::Mapping, change));
        }
    }
    // Many rows to a statement (store::batch).
    save_states(&tx, link, &states, &now)?;
    let audit_rows: Vec<(i64, AuditAction, &str)> = audits
        .iter()
        .map(|(user, action, change)| (*user, *action, change.as_str()))
        .collect();
    runs::insert_audits(&tx, run_id, &audit_rows, &now)?;
    let changed = audits.len() as u32;
    let run_counts = RunCounts {
        fetched: accounts.len() as u32,
        updated: changed,
        unchanged: decided.len() as u32 - changed,
        ..RunCounts::default()
    };
    runs::finish_succeeded(&tx, run_id, &run_counts, source.started)?;
    tx.commit()?;
    tracing::info!(
        run_id,
        link = link.id,
        platform = platform_str(platform),
        mapped = counts.mapped,
        "auto sync done"
    );
    Ok(AutoSyncResult {
        platform,
        link_id: link.id,
        counts,
        run_id,
    })
}

/// The platform's name as the screens write it.
pub(crate) fn platform_label(platform: Platform) -> &'static str {
    match platform {
        Platform::Ringcentral => "RingCentral",
        Platform::Webex => "Webex",
    }
}

/// The security profiles that carry the map permission, read from the link's own CXone
/// connection: profile ids belong to a business unit.
async fn mappable_profiles(
    connections: &Connections,
    link: &MappingLink,
    permission_key: &str,
    cancel: &CancellationToken,
) -> Result<HashSet<String>> {
    let (cxone, session) = connections
        .cxone_session(&link.cxone_connection_id, RetryPolicy::default())
        .await?;
    let profiles = security_profiles(&session, profiles::PAGE_SIZE, cancel).await?;
    let allowed: HashSet<String> = profiles
        .iter()
        .filter(|p| p.grants(permission_key))
        .map(|p| p.id.clone())
        .collect();
    if allowed.is_empty() {
        // Skipping everyone would look like a run that worked.
        return Err(Error::InvalidInput(format!(
            "None of the {} security profiles in CXone ({}) grants the permission key \"{permission_key}\", so \
             the permission gate would skip every user. Nothing was changed. Enter the key your tenant uses for \
             \"User Mapping: Map\" under Permission gate on the User Mapping screen (or `ccsync map settings \
             --permission-key KEY`), or turn the gate off.",
            profiles.len(),
            cxone.name
        )));
    }
    Ok(allowed)
}

/// Runs Auto Sync for the app and its schedule: one run per link at a time (a second is refused,
/// not queued), and a scheduled run only when due at the given time.
pub struct Runner {
    connections: Connections,
    running: std::sync::Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl Runner {
    pub fn new(connections: Connections) -> Runner {
        Runner {
            connections,
            running: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Runs the link's Auto Sync now with the saved settings; refused while one of the same link goes on.
    pub async fn run_now(
        &self,
        link_id: i64,
        progress: &dyn Progress,
        cancel: &CancellationToken,
    ) -> Result<AutoSyncResult> {
        let slot = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(link_id)
            .or_default()
            .clone();
        let _running = slot.try_lock().map_err(|_| {
            Error::InvalidInput(
                "Auto Sync is already running for this business unit and platform; wait for it to finish.".into(),
            )
        })?;
        let (link, options) = {
            let store = self.connections.store_handle();
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            (links::get(&store, link_id)?, AutoSyncOptions::from_settings(&store)?)
        };
        run(&self.connections, &link, &options, progress, cancel).await
    }

    /// Runs the link's scheduled Auto Sync if it is due at `now` (the clock is passed in, so
    /// tests need no waiting). The run counts as done even when it fails: a failing run is not
    /// retried at every tick.
    pub async fn run_if_due(&self, link_id: i64, now: time::OffsetDateTime) -> Result<Option<AutoSyncResult>> {
        self.scheduled_run(link_id, now).await?.transpose()
    }

    /// As [`Runner::run_if_due`], telling a run that failed (`Ok(Some(Err(…)))`, recorded with the
    /// schedule) from a look at the schedule that failed (`Err`, tried again at the next tick).
    pub async fn scheduled_run(
        &self,
        link_id: i64,
        now: time::OffsetDateTime,
    ) -> Result<Option<Result<AutoSyncResult>>> {
        let due = {
            let store = self.connections.store_handle();
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            crate::mapping::schedule::is_due(&store, link_id, now)?
        };
        if !due {
            return Ok(None);
        }
        // Another process (a cron `ccsync map auto`) runs this link's Auto Sync: the scheduled
        // run waits for it — still due, it is tried again at the next tick — instead of failing.
        let holder = {
            let store = self.connections.store_handle();
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            store.job_holder(&crate::store::locks::auto_sync_lock_name(link_id))?
        };
        if let Some(holder) = holder {
            tracing::info!(link_id, holder = %holder.describe(), "scheduled Auto Sync waits for the running one");
            return Ok(None);
        }
        let result = self
            .run_now(link_id, &crate::progress::NoProgress, &CancellationToken::new())
            .await;
        let stamp = now
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let store = self.connections.store_handle();
        // The outcome is kept with the schedule, so the User Mapping screen can say a scheduled
        // run failed (e.g. a Webex credential that can no longer be refreshed) and why.
        let error = result.as_ref().err().map(ToString::to_string);
        crate::mapping::schedule::record_scheduled_run(
            &store.lock().unwrap_or_else(|p| p.into_inner()),
            link_id,
            &stamp,
            error.as_deref(),
        )?;
        Ok(Some(result))
    }
}

/// What `ccsync directory pull` prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirectoryPull {
    pub platform: Platform,
    pub accounts: u32,
    pub active: u32,
    pub without_email: u32,
    pub run_id: i64,
}

/// Refreshes the stored accounts of a platform without mapping anyone: accounts listed are
/// upserted, accounts no longer listed are flagged (never deleted).
pub async fn pull_directory(
    connections: &Connections,
    platform_connection: &str,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<DirectoryPull> {
    let started = std::time::Instant::now();
    let started_at = now_rfc3339();
    let (connection, directory) = connections.directory(platform_connection, None).await?;
    let platform = directory.platform();
    let accounts = directory.list_accounts(progress, cancel).await?;
    let store = connections.store_handle();
    let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
    let tx = guard.write_tx()?;
    let start = RunStart {
        kind: RunKind::DirectoryPull,
        entity: None,
        connection_id: Some(&connection.id),
        connection_name: &connection.name,
        started_at: &started_at,
        link_id: None,
    };
    let run_id = runs::insert_run(&tx, &start)?;
    save_accounts(&tx, &connection.id, platform, &accounts, &now_rfc3339())?;
    let counts = RunCounts {
        fetched: accounts.len() as u32,
        ..RunCounts::default()
    };
    runs::finish_succeeded(&tx, run_id, &counts, started)?;
    tx.commit()?;
    Ok(DirectoryPull {
        platform,
        accounts: accounts.len() as u32,
        active: accounts.iter().filter(|a| a.active).count() as u32,
        without_email: accounts.iter().filter(|a| a.emails.is_empty()).count() as u32,
        run_id,
    })
}
