//! The User Mapping session the app holds: Auto Sync through the [`Runner`] (one run at a time
//! per platform, scheduled runs ticking in the background), and Map User's search index, kept
//! until the accounts or the mappings change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cancel::CancelSlot;
use crate::connections::Connections;
use crate::mapping::auto_sync::{AutoSyncResult, Runner};
use crate::mapping::rules::AccountMatch;
use crate::mapping::schedule;
use crate::mapping::search::AccountIndex;
use crate::progress::{NoProgress, Progress};
use crate::vendor::directory::Platform;
use crate::{Error, Result};

/// How often the background task looks at the schedules.
const TICK: Duration = Duration::from_secs(30);

pub struct MappingSession {
    connections: Connections,
    runner: Runner,
    indexes: Mutex<HashMap<Platform, Arc<AccountIndex>>>,
    /// Each platform's Auto Sync has its own cancel button.
    cancels: HashMap<Platform, CancelSlot>,
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

    pub fn search(&self, platform: Platform, query: &str, limit: usize) -> Result<Vec<AccountMatch>> {
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
        Ok(index.search(query, limit))
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
