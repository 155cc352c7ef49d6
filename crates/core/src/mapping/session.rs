//! The User Mapping session the app holds: Auto Sync through the [`Runner`] (one run at a time
//! per mapping link, scheduled runs ticking in the background), Map User's search index, kept
//! until the accounts or the mappings change, and the last admin changes, for their Undo.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cancel::CancelSlot;
use crate::connections::Connections;
use crate::mapping::admin::{self, ChangeResult, MapCheck, MappingChange};
use crate::mapping::auto_sync::{AutoSyncResult, Runner};
use crate::mapping::links::{self, MappingLink};
use crate::mapping::rules::{AccountMatch, MappingRow};
use crate::mapping::schedule;
use crate::mapping::search::AccountIndex;
use crate::progress::{NoProgress, Progress};
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
    /// Map User's search index per link. Any change drops them all: a link's index also knows
    /// which accounts other units hold on the same platform connection.
    indexes: Mutex<HashMap<i64, Arc<AccountIndex>>>,
    /// Each link's Auto Sync has its own cancel button.
    cancels: Mutex<HashMap<i64, CancelSlot>>,
    /// The last changes by id, oldest first, for Undo.
    changes: Mutex<(u64, VecDeque<(u64, MappingChange)>)>,
}

impl MappingSession {
    pub fn new(connections: Connections) -> Arc<MappingSession> {
        Arc::new(MappingSession {
            runner: Runner::new(connections.clone()),
            connections,
            indexes: Mutex::new(HashMap::new()),
            cancels: Mutex::new(HashMap::new()),
            changes: Mutex::new((0, VecDeque::new())),
        })
    }

    fn link(&self, link_id: i64) -> Result<MappingLink> {
        let store = self.connections.store_handle();
        let store = store.lock().unwrap_or_else(|p| p.into_inner());
        links::get(&store, link_id)
    }

    /// Map User ([`admin::map_user`]: refused without `confirmed` when the guard has something to say).
    pub fn map_user(
        &self,
        link_id: i64,
        record_id: i64,
        account_id: &str,
        confirmed: bool,
    ) -> Result<MappingActionResult> {
        let link = self.link(link_id)?;
        self.act(|store| admin::map_user(store, &link, record_id, account_id, confirmed))
    }

    /// What Map User's guard says before mapping ([`admin::check_map`]).
    pub fn check_map(&self, link_id: i64, record_id: i64, account_id: &str) -> Result<MapCheck> {
        let link = self.link(link_id)?;
        let store = self.connections.store_handle();
        let store = store.lock().unwrap_or_else(|p| p.into_inner());
        admin::check_map(&store, &link, record_id, account_id)
    }

    pub fn unmap_user(&self, link_id: i64, record_id: i64) -> Result<MappingActionResult> {
        let link = self.link(link_id)?;
        self.act(|store| admin::unmap_user(store, &link, record_id))
    }

    pub fn retry_user(&self, link_id: i64, record_id: i64) -> Result<MappingActionResult> {
        let link = self.link(link_id)?;
        self.act(|store| admin::retry_user(store, &link, record_id))
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
        let result = self.act(|store| admin::undo(store, &change))?;
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .retain(|(id, _)| *id != undo_id);
        Ok(result)
    }

    /// Runs one admin change on the store, forgets the search indexes, keeps the change for Undo.
    fn act(&self, run: impl FnOnce(&mut crate::store::Store) -> Result<ChangeResult>) -> Result<MappingActionResult> {
        let store = self.connections.store_handle();
        let done = run(&mut store.lock().unwrap_or_else(|p| p.into_inner()));
        self.forget_indexes();
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

    /// Runs the link's Auto Sync now; refused while one of the same link runs (scheduled or not).
    pub async fn run_now(&self, link_id: i64, progress: &dyn Progress) -> Result<AutoSyncResult> {
        let cancel = self
            .cancels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(link_id)
            .or_default()
            .begin();
        let result = self.runner.run_now(link_id, progress, &cancel).await;
        self.forget_indexes();
        result
    }

    /// Stops the link's Auto Sync in progress (nothing is written by a cancelled run).
    pub fn cancel(&self, link_id: i64) {
        if let Some(slot) = self.cancels.lock().unwrap_or_else(|p| p.into_inner()).get(&link_id) {
            slot.cancel();
        }
    }

    /// Map User's search for `for_user` among the link's accounts (free, active accounts first:
    /// [`AccountIndex::search_for`]).
    pub fn search(&self, link_id: i64, query: &str, limit: usize, for_user: Option<i64>) -> Result<Vec<AccountMatch>> {
        let cached = self.indexes.lock().unwrap().get(&link_id).cloned();
        let index = match cached {
            Some(index) => index,
            None => {
                let link = self.link(link_id)?;
                let store = self.connections.store_handle();
                let index = Arc::new(AccountIndex::load(
                    &store.lock().unwrap_or_else(|p| p.into_inner()),
                    &link,
                )?);
                self.indexes.lock().unwrap().insert(link_id, index.clone());
                index
            }
        };
        Ok(index.search_for(query, limit, for_user))
    }

    /// Drops the search indexes after accounts or mappings changed.
    pub fn forget_indexes(&self) {
        self.indexes.lock().unwrap().clear();
    }

    /// Runs Auto Sync now for every link whose schedule is on (the tray's "Run Auto Sync now"),
    /// one after the other; each one's outcome, named as [`schedule::target_label`] names it.
    pub async fn run_scheduled_now(&self) -> Result<Vec<(String, Result<AutoSyncResult>)>> {
        let (on, targets) = {
            let store = self.connections.store_handle();
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            (schedule::overview(&store)?.on, schedule_targets(&store)?)
        };
        let mut outcomes = Vec::with_capacity(on.len());
        for link_id in on {
            let target = targets.get(&link_id).cloned().unwrap_or_default();
            outcomes.push((target, self.run_now(link_id, &NoProgress).await));
        }
        Ok(outcomes)
    }

    /// Runs due schedules, forever; started once with the app. `on_event` hears of each look at
    /// the schedules and of each scheduled run that failed (the app shows those as notifications).
    pub async fn run_schedules(self: Arc<Self>, on_event: impl Fn(ScheduleEvent<'_>) + Send + 'static) {
        loop {
            let targets = {
                let store = self.connections.store_handle();
                let store = store.lock().unwrap_or_else(|p| p.into_inner());
                schedule_targets(&store)
            };
            match targets {
                Ok(targets) => {
                    for (link_id, target) in targets {
                        self.scheduled_run(link_id, &target, &on_event).await;
                    }
                }
                // Reading the links failed (a busy store): nothing ran, the next tick tries again.
                Err(error) => tracing::warn!(%error, "the Auto Sync schedules could not be read"),
            }
            on_event(ScheduleEvent::Checked);
            tokio::time::sleep(TICK).await;
        }
    }

    async fn scheduled_run(&self, link_id: i64, target: &str, on_event: &impl Fn(ScheduleEvent<'_>)) {
        match self
            .runner
            .scheduled_run(link_id, time::OffsetDateTime::now_utc())
            .await
        {
            Ok(Some(Ok(result))) => {
                self.forget_indexes();
                tracing::info!(run_id = result.run_id, link_id, "scheduled Auto Sync done");
            }
            Ok(Some(Err(error))) => {
                self.forget_indexes();
                tracing::warn!(%error, link_id, "scheduled Auto Sync failed");
                on_event(ScheduleEvent::Failed { target, error: &error });
            }
            Ok(None) => {}
            // Reading the schedule failed (a busy store): nothing ran, the next tick tries again.
            Err(error) => tracing::warn!(%error, link_id, "the Auto Sync schedule could not be read"),
        }
    }
}

/// Every link with what the tray and notifications call it.
fn schedule_targets(store: &crate::store::Store) -> Result<std::collections::BTreeMap<i64, String>> {
    let links = links::list(store)?;
    let several_units = links
        .iter()
        .any(|l| l.cxone_connection_id != links[0].cxone_connection_id);
    Ok(links
        .iter()
        .map(|l| (l.id, schedule::target_label(l, several_units)))
        .collect())
}

/// What the schedule loop tells the app.
#[derive(Debug)]
pub enum ScheduleEvent<'a> {
    /// A scheduled run ended in an error (recorded with the schedule, which the screen shows).
    /// `target` says which: "RingCentral", with the business unit when there are several.
    Failed { target: &'a str, error: &'a Error },
    /// The schedules were looked at; a run may have moved the next one.
    Checked,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::links::testing::unit_link;
    use crate::secrets::MemoryStore;
    use crate::store::mappings::save_accounts;
    use crate::store::Store;
    use crate::vendor::directory::{ExternalAccount, Platform};
    use crate::ErrorCode;

    #[test]
    fn a_change_is_undone_once_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
        let link = unit_link(&store, 1, Platform::Ringcentral, "RC");
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
        save_accounts(&tx, "rc", Platform::Ringcentral, &[account], "now").unwrap();
        tx.commit().unwrap();
        let store = Arc::new(Mutex::new(store));
        let session = MappingSession::new(Connections::new(store, Arc::new(MemoryStore::default())).unwrap());

        let mapped = session.map_user(link.id, 1, "rc-1", false).unwrap();
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
