//! What the app holds while it runs: the core's sessions (one per screen's job), the demo tenant,
//! or, when the store could not be opened, why. Every state machine is in ccsync-core; this only
//! wires them together.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use ccsync_core::cancel::CancelSlot;
use ccsync_core::connections::Connections;
use ccsync_core::import::ImportSession;
use ccsync_core::logging::LogGuard;
use ccsync_core::mapping::MappingSession;
use ccsync_core::model::{AppInfo, ProgressEvent};
use ccsync_core::secrets::KeyringStore;
use ccsync_core::store::recovery::StoreProblem;
use ccsync_core::store::Store;
use ccsync_core::sync::PullSession;
use ccsync_core::{paths, Result};
use ccsync_demo::DemoSlot;
use tauri::ipc::Channel;

pub struct AppState {
    pub connections: Connections,
    pub log_dir: PathBuf,
    database_path: PathBuf,
    pub demo: DemoSlot,
    store: Arc<Mutex<Store>>,
    pub pull: Arc<PullSession>,
    /// The Webex sign-in waiting for the browser (a new one, or Cancel, stops it).
    pub webex_sign_in: CancelSlot,
    pub mapping: Arc<MappingSession>,
    pub import: Arc<ImportSession>,
}

/// Why the store could not be opened at launch, until the admin chooses a way out.
pub struct Startup {
    pub database_path: PathBuf,
    pub problem: Mutex<Option<StoreProblem>>,
}

impl Startup {
    pub fn problem(&self) -> Option<StoreProblem> {
        self.problem.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, problem: Option<StoreProblem>) {
        *self.problem.lock().unwrap_or_else(|p| p.into_inner()) = problem;
    }
}

/// Starts file logging for the life of the process, before anything can fail.
pub fn start_logging() {
    static GUARD: OnceLock<Option<LogGuard>> = OnceLock::new();
    GUARD.get_or_init(|| {
        paths::log_dir()
            .ok()
            .and_then(|dir| ccsync_core::logging::init(&dir).ok())
    });
}

impl AppState {
    pub async fn start(want_demo: bool) -> Result<AppState> {
        let log_dir = paths::log_dir()?;
        let database_path = paths::database_path(None)?;
        tracing::info!(version = env!("CARGO_PKG_VERSION"), db = %database_path.display(), "CC Sync starting");
        let store = Arc::new(Mutex::new(Store::open(&database_path)?));
        let connections = Connections::new(store.clone(), Arc::new(KeyringStore))?;
        let state = AppState {
            demo: DemoSlot::resume(&connections).await,
            pull: Arc::new(PullSession::new(connections.clone())),
            webex_sign_in: CancelSlot::default(),
            mapping: MappingSession::new(connections.clone()),
            import: Arc::new(ImportSession::new(store.clone())),
            connections,
            log_dir,
            database_path,
            store,
        };
        if want_demo && state.connections.list().await.is_ok_and(|all| all.is_empty()) {
            if let Err(error) = state.demo.start(&state.connections).await {
                tracing::warn!(%error, "--demo: the demo tenant could not start");
            }
        }
        Ok(state)
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The store itself, for core work that takes the lock only when it writes.
    pub fn shared_store(&self) -> &Mutex<Store> {
        &self.store
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

/// A front-end channel as the core's progress sink.
pub fn reporter(channel: Channel<ProgressEvent>) -> impl Fn(ProgressEvent) + Send + Sync + 'static {
    move |event| {
        let _ = channel.send(event);
    }
}
