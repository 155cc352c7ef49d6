//! The User Mapping side of the app: Auto Sync (one at a time per platform, never overlapping the
//! schedule), the account search index, and the schedule ticking in the background.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccsync_core::auto_sync::{self, AutoSyncOptions, AutoSyncResult};
use ccsync_core::connections::Connections;
use ccsync_core::directory::Platform;
use ccsync_core::mapping::AccountMatch;
use ccsync_core::mapping_admin::{self, AccountIndex};
use ccsync_core::progress::Progress;
use ccsync_core::{Error, Result};
use tokio_util::sync::CancellationToken;

/// How often the background task looks at the schedules.
const TICK: Duration = Duration::from_secs(30);

pub struct MappingRuntime {
    connections: Connections,
    /// Held while an Auto Sync of the platform runs: a second one waits its turn or is refused.
    running: HashMap<Platform, tokio::sync::Mutex<()>>,
    indexes: Mutex<HashMap<Platform, Arc<AccountIndex>>>,
}

impl MappingRuntime {
    pub fn new(connections: Connections) -> Arc<MappingRuntime> {
        let running = [Platform::Ringcentral, Platform::Webex]
            .into_iter()
            .map(|p| (p, tokio::sync::Mutex::new(())))
            .collect();
        Arc::new(MappingRuntime {
            connections,
            running,
            indexes: Mutex::new(HashMap::new()),
        })
    }

    /// Runs Auto Sync now; refused while one of the same platform runs (scheduled or not).
    pub async fn run_now(
        &self,
        platform: Platform,
        progress: &dyn Progress,
        cancel: &CancellationToken,
    ) -> Result<AutoSyncResult> {
        let _running = self.running[&platform].try_lock().map_err(|_| {
            Error::InvalidInput("Auto Sync is already running for this platform; wait for it to finish.".into())
        })?;
        let connection = auto_sync::platform_connection(&self.connections, platform).await?;
        let options = {
            let store = self.connections.store_handle();
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            AutoSyncOptions::from_settings(&store)?
        };
        let result = auto_sync::run(&self.connections, &connection, &options, progress, cancel).await;
        self.forget_index(platform);
        result
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

    /// Runs due schedules, forever; started once with the app.
    pub async fn run_schedules(self: Arc<Self>) {
        loop {
            for platform in [Platform::Ringcentral, Platform::Webex] {
                if let Err(error) = self.run_if_due(platform).await {
                    tracing::warn!(%error, ?platform, "scheduled Auto Sync failed");
                }
            }
            tokio::time::sleep(TICK).await;
        }
    }

    async fn run_if_due(&self, platform: Platform) -> Result<()> {
        let now = time::OffsetDateTime::now_utc();
        let due = {
            let store = self.connections.store_handle();
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
            mapping_admin::is_due(&store, platform, now)?
        };
        if !due {
            return Ok(());
        }
        let stamp = now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let result = self
            .run_now(platform, &ccsync_core::progress::NoProgress, &CancellationToken::new())
            .await;
        // The run counts as done either way: a failing run is not retried every 30 s.
        let store = self.connections.store_handle();
        mapping_admin::record_scheduled_run(&store.lock().unwrap_or_else(|p| p.into_inner()), platform, &stamp)?;
        result.map(|r| tracing::info!(run_id = r.run_id, ?platform, "scheduled Auto Sync done"))
    }
}
