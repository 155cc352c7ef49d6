//! The User Mapping session the app holds: Auto Sync through the [`Runner`] (one run at a time
//! per platform, scheduled runs ticking in the background), Map User's search index, kept
//! until the accounts or the mappings change, and the last admin changes, for their Undo.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cancel::CancelSlot;
use crate::connections::Connections;
use crate::mapping::admin::{self, ChangeResult, MapCheck, MappingChange};
use crate::mapping::auto_sync::{AutoSyncResult, Runner};
use crate::mapping::rules::{AccountMatch, MappingRow};
use crate::mapping::schedule;
use crate::mapping::search::AccountIndex;
use crate::progress::{NoProgress, Progress};
use crate::vendor::directory::Platform;
use crate::{Error, Result};

/// How many recent changes keep their Undo.
const UNDO_KEPT: usize = 50;

/// What Map User, Unmap, Retry or Undo did, for the screen: the rows to show and the sentence of
/// its toast, with the id its Undo takes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MappingActionResult {
    /// The rows as they are now, the user acted on first (Map User of an account someone else
    /// held unmaps that user too).
    pub rows: Vec<MappingRow>,
    pub message: String,
    /// What [`MappingSession::undo`] takes to reverse exactly this change.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub undo_id: u64,
}

/// How often the background task looks at the schedules.
const TICK: Duration = Duration::from_secs(30);

pub struct MappingSession {
    connections: Connections,
    runner: Runner,
    indexes: Mutex<HashMap<Platform, Arc<AccountIndex>>>,
    /// Each platform's Auto Sync has its own cancel button.
    cancels: HashMap<Platform, CancelSlot>,
    /// The last changes by id, oldest first, for Undo.
    changes: Mutex<(u64, VecDeque<(u64, MappingChange)>)>,
}

impl MappingSession {
    pub fn new(connections: Connections) -> Arc<MappingSession> {
        Arc::new(MappingSession {
            runner: Runner::new(connections.clone()),
            connections,
            indexes: Mutex::new(HashMap::new()),
            cancels: [Platform::Ringcentral, Platform::Webex]
                .into_iter()
                .map(|platform| (platform, CancelSlot::default()))
                .collect(),
            changes: Mutex::new((0, VecDeque::new())),
        })
    }

    /// Map User ([`admin::map_user`]: refused without `confirmed` when the guard has something to say).
    pub fn map_user(
        &self,
        platform: Platform,
        record_id: i64,
        account_id: &str,
        confirmed: bool,
    ) -> Result<MappingActionResult> {
        self.act(platform, |store| {
            admin::map_user(store, platform, record_id, account_id, confirmed)
        })
    }

    /// What Map User's guard says before mapping ([`admin::check_map`]).
    pub fn check_map(&self, platform: Platform, record_id: i64, account_id: &str) -> Result<MapCheck> {
        let store = self.connections.store_handle();
        let store = store.lock().unwrap_or_else(|p| p.into_inner());
        admin::check_map(&store, platform, record_id, account_id)
    }

    pub fn unmap_user(&self, platform: Platform, record_id: i64) -> Result<MappingActionResult> {
        self.act(platform, |store| admin::unmap_user(store, platform, record_id))
    }

    pub fn retry_user(&self, platform: Platform, record_id: i64) -> Result<MappingActionResult> {
        self.act(platform, |store| admin::retry_user(store, platform, record_id))
    }

    /// Reverses the change `undo_id` names ([`admin::undo`]: refused if its rows changed since).
    /// A change is undone at most once.
    pub fn undo(&self, undo_id: u64) -> Result<MappingActionResult> {
        let change = {
            let changes = self.changes.lock().unwrap_or_else(|p| p.into_inner());
            changes.1.iter().find(|(id, _)| *id == undo_id).map(|(_, c)| c.clone())
        };
        let change = change.ok_or_else(|| {
            Error::StaleUndo(
                "That change can no longer be undone: it was undone already, or it is too old. Change the row by hand."
                    .into(),
            )
        })?;
        let result = self.act(change.platform, |store| admin::undo(store, &change))?;
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .retain(|(id, _)| *id != undo_id);
        Ok(result)
    }

    /// Runs one admin change on the store, forgets the search index, keeps the change for Undo.
    fn act(
        &self,
        platform: Platform,
        run: impl FnOnce(&mut crate::store::Store) -> Result<ChangeResult>,
    ) -> Result<MappingActionResult> {
        let store = self.connections.store_handle();
        let done = run(&mut store.lock().unwrap_or_else(|p| p.into_inner()));
        self.forget_index(platform);
        let done = done?;
        let mut changes = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        changes.0 += 1;
        let undo_id = changes.0;
        changes.1.push_back((undo_id, done.change));
        while changes.1.len() > UNDO_KEPT {
            changes.1.pop_front();
        }
        Ok(MappingActionResult {
            rows: done.rows,
            message: done.message,
            undo_id,
        })
    }

    /// Runs Auto Sync now; refused while one of the same platform runs (scheduled or not).
    pub async fn run_now(&self, platform: Platform, progress: &dyn Progress) -> Result<AutoSyncResult> {
        let cancel = self.cancels[&platform].begin();
        let result = self.runner.run_now(platform, progress, &cancel).await;
        self.forget_index(platform);
        result
    }

    /// Stops the platform's Auto Sync in progress (nothing is written by a cancelled run).
    pub fn cancel(&self, platform: Platform) {
        self.cancels[&platform].cancel();
    }

    /// Map User's search for `for_user` (free, active accounts first: [`AccountIndex::search_for`]).
    pub fn search(
        &self,
        platform: Platform,
        query: &str,
        limit: usize,
        for_user: Option<i64>,
    ) -> Result<Vec<AccountMatch>> {
        let cached = self.indexes.lock().unwrap().get(&platform).cloned();
        let index = match cached {
            Some(index) => index,
            None => {
                let store = self.connections.store_handle();
                let index = Arc::new(AccountIndex::load(
                    &store.lock().unwrap_or_else(|p| p.into_inner()),
                    platform,
                )?);
                self.indexes.lock().unwrap().insert(platform, index.clone());
                index
            }
        };
        Ok(index.search_for(query, limit, for_user))
    }

    /// Drops the search index after the accounts or the mappings changed.
    pub fn forget_index(&self, platform: Platform) {
        self.indexes.lock().unwrap().remove(&platform);
    }

    /// Runs Auto Sync now for every platform whose schedule is on (the tray's "Run Auto Sync
    /// now"), one after the other; each platform's outcome.
    pub async fn run_scheduled_now(&self) -> Result<Vec<(Platform, Result<AutoSyncResult>)>> {
        let on = {
            let store = self.connections.store_handle();
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            schedule::overview(&store)?.on
        };
        let mut outcomes = Vec::with_capacity(on.len());
        for platform in on {
            outcomes.push((platform, self.run_now(platform, &NoProgress).await));
        }
        Ok(outcomes)
    }

    /// Runs due schedules, forever; started once with the app. `on_event` hears of each look at
    /// the schedules and of each scheduled run that failed (the app shows those as notifications).
    pub async fn run_schedules(self: Arc<Self>, on_event: impl Fn(ScheduleEvent<'_>) + Send + 'static) {
        loop {
            for platform in schedule::PLATFORMS {
                match self
                    .runner
                    .scheduled_run(platform, time::OffsetDateTime::now_utc())
                    .await
                {
                    Ok(Some(Ok(result))) => {
                        self.forget_index(platform);
                        tracing::info!(run_id = result.run_id, ?platform, "scheduled Auto Sync done");
                    }
                    Ok(Some(Err(error))) => {
                        self.forget_index(platform);
                        tracing::warn!(%error, ?platform, "scheduled Auto Sync failed");
                        on_event(ScheduleEvent::Failed {
                            platform,
                            error: &error,
                        });
                    }
                    Ok(None) => {}
                    // Reading the schedule failed (a busy store): nothing ran, the next tick tries again.
                    Err(error) => tracing::warn!(%error, ?platform, "the Auto Sync schedule could not be read"),
                }
            }
            on_event(ScheduleEvent::Checked);
            tokio::time::sleep(TICK).await;
        }
    }
}

/// What the schedule loop tells the app.
#[derive(Debug)]
pub enum ScheduleEvent<'a> {
    /// A scheduled run ended in an error (recorded with the schedule, which the screen shows).
    Failed { platform: Platform, error: &'a Error },
    /// The schedules were looked at; a run may have moved the next one.
    Checked,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;
    use crate::store::mappings::save_accounts;
    use crate::store::Store;
    use crate::vendor::directory::ExternalAccount;
    use crate::ErrorCode;

    #[test]
    fn a_change_is_undone_once_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
        let tx = store.conn_mut().transaction().unwrap();
        tx.execute(
            "INSERT INTO records (id, entity, business_unit_id, cxone_id, name, detail, email_key, is_active,
                                  fields_hash, raw, group_name, first_synced_at, last_synced_at)
             VALUES (1, 'users', 1, '1', 'Ana Silva', 'ana@example.com', 'ana@example.com', 1, 0, '{}', '', 'now', 'now')",
            [],
        )
        .unwrap();
        let account = ExternalAccount {
            id: "rc-1".into(),
            name: "Ana Silva".into(),
            emails: vec!["ana@example.com".into()],
            active: true,
            raw: "{}".into(),
        };
        save_accounts(&tx, Platform::Ringcentral, &[account], "now").unwrap();
        tx.commit().unwrap();
        let store = Arc::new(Mutex::new(store));
        let session = MappingSession::new(Connections::new(store, Arc::new(MemoryStore::default())).unwrap());

        let mapped = session.map_user(Platform::Ringcentral, 1, "rc-1", false).unwrap();
        assert_eq!(mapped.message, "Mapped Ana Silva to ana@example.com (RingCentral).");
        let undone = session.undo(mapped.undo_id).unwrap();
        assert_eq!(undone.rows[0].status, None);
        let again = session.undo(mapped.undo_id).unwrap_err();
        assert_eq!(again.code(), ErrorCode::Stale);
        assert!(again.to_string().contains("can no longer be undone"), "{again}");
        // The undo is a change of its own: undoing it maps again.
        let redone = session.undo(undone.undo_id).unwrap();
        assert_eq!(redone.rows[0].account_id.as_deref(), Some("rc-1"));
    }
}
