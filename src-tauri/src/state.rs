//! What the app holds while it runs: the core services, the log guard, the demo tenant.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ccsync_core::connections::Connections;
use ccsync_core::demo::{self, DemoTenant};
use ccsync_core::logging::LogGuard;
use ccsync_core::model::{AppInfo, Connection};
use ccsync_core::secrets::KeyringStore;
use ccsync_core::store::Store;
use ccsync_core::{paths, Result};

pub struct AppState {
    pub connections: Connections,
    pub log_dir: PathBuf,
    database_path: PathBuf,
    demo: tokio::sync::Mutex<Option<DemoTenant>>,
    /// Keeps the log writer flushing for the life of the app.
    _log_guard: Option<LogGuard>,
}

impl AppState {
    pub async fn start(want_demo: bool) -> Result<AppState> {
        let log_dir = paths::log_dir()?;
        let log_guard = ccsync_core::logging::init(&log_dir).ok();
        let database_path = paths::database_path(None)?;
        tracing::info!(version = env!("CARGO_PKG_VERSION"), db = %database_path.display(), "CC Sync starting");
        let store = Store::open(&database_path)?;
        let connections = Connections::new(Arc::new(Mutex::new(store)), Arc::new(KeyringStore))?;

        // The demo tenant lives in this process: restart it when a demo connection exists.
        let demo = match demo::resume(&connections).await {
            Ok(running) => running,
            Err(error) => {
                tracing::warn!(%error, "the demo tenant could not be resumed");
                None
            }
        };
        let state = AppState {
            connections,
            log_dir,
            database_path,
            demo: tokio::sync::Mutex::new(demo),
            _log_guard: log_guard,
        };
        if want_demo
            && state
                .connections
                .list()
                .await
                .map(|all| all.is_empty())
                .unwrap_or(false)
        {
            if let Err(error) = state.start_demo().await {
                tracing::warn!(%error, "--demo: the demo tenant could not start");
            }
        }
        Ok(state)
    }

    /// Starts the demo tenant, or returns its connection when it already runs.
    pub async fn start_demo(&self) -> Result<Connection> {
        let mut running = self.demo.lock().await;
        if let Some(tenant) = running.as_ref() {
            match self.connections.find(&tenant.connection.id).await {
                // The user deleted the demo connection: start over with a fresh one.
                Err(error) if error.code() == ccsync_core::ErrorCode::NotFound => *running = None,
                found => return found,
            }
        }
        let tenant = demo::start(&self.connections).await?;
        let connection = tenant.connection.clone();
        *running = Some(tenant);
        Ok(connection)
    }

    pub async fn info(&self) -> AppInfo {
        let keyring = tokio::task::spawn_blocking(|| KeyringStore.probe()).await;
        let keyring_problem = match keyring {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(error) => Some(error.to_string()),
        };
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database_path: self.database_path.display().to_string(),
            log_dir: self.log_dir.display().to_string(),
            keyring_problem,
        }
    }
}
