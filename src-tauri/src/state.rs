//! What the app holds while it runs: the core services, the log guard, the demo tenant.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use ccsync_core::connections::Connections;
use ccsync_core::logging::LogGuard;
use ccsync_core::model::{AppInfo, ApplyResult, Connection, Entity, ProgressEvent, Selection, SyncPlan};
use ccsync_core::secrets::KeyringStore;
use ccsync_core::store::Store;
use ccsync_core::sync::{self, PreparedPlan, PullOptions};
use ccsync_core::{paths, Result};
use ccsync_demo::{self as demo, DemoTenant};
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;

pub struct AppState {
    pub connections: Connections,
    pub log_dir: PathBuf,
    database_path: PathBuf,
    demo: tokio::sync::Mutex<Option<DemoTenant>>,
    store: Arc<Mutex<Store>>,
    /// Fetched plans waiting for "Add Selected", by plan id.
    plans: Mutex<HashMap<String, Arc<PreparedPlan>>>,
    /// Cancels the fetch, apply or Auto Sync in progress.
    job: Mutex<Option<CancellationToken>>,
    pub mapping: Arc<crate::mapping::rules::MappingRuntime>,
    pub import: Arc<crate::import::ImportRuntime>,
    /// Keeps the log writer flushing for the life of the app.
    _log_guard: Option<LogGuard>,
}

impl AppState {
    pub async fn start(want_demo: bool) -> Result<AppState> {
        let log_dir = paths::log_dir()?;
        let log_guard = ccsync_core::logging::init(&log_dir).ok();
        let database_path = paths::database_path(None)?;
        tracing::info!(version = env!("CARGO_PKG_VERSION"), db = %database_path.display(), "CC Sync starting");
        let store = Arc::new(Mutex::new(Store::open(&database_path)?));
        let connections = Connections::new(store.clone(), Arc::new(KeyringStore))?;

        // The demo tenant lives in this process: restart it when a demo connection exists.
        let demo = match demo::resume(&connections).await {
            Ok(running) => running,
            Err(error) => {
                tracing::warn!(%error, "the demo tenant could not be resumed");
                None
            }
        };
        let mapping = crate::mapping::rules::MappingRuntime::new(connections.clone());
        let state = AppState {
            connections,
            log_dir,
            database_path,
            demo: tokio::sync::Mutex::new(demo),
            store: store.clone(),
            plans: Mutex::new(HashMap::new()),
            job: Mutex::new(None),
            mapping,
            import: crate::import::ImportRuntime::new(store.clone()),
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

    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh cancellation token for the job about to run (one sync job at a time).
    pub fn begin_job(&self) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(previous) = self.job.lock().unwrap().replace(token.clone()) {
            previous.cancel();
        }
        token
    }

    pub fn cancel_job(&self) {
        if let Some(job) = self.job.lock().unwrap().as_ref() {
            job.cancel();
        }
    }

    pub async fn fetch_plan(
        &self,
        connection_id: &str,
        entity: Entity,
        full: bool,
        progress: Channel<ProgressEvent>,
    ) -> Result<SyncPlan> {
        let cancel = self.begin_job();
        let options = PullOptions {
            full,
            ..PullOptions::default()
        };
        let report = move |event: ProgressEvent| {
            let _ = progress.send(event);
        };
        let prepared = sync::prepare(&self.connections, connection_id, entity, &options, &report, &cancel).await?;
        let plan = prepared.plan.clone();
        self.plans
            .lock()
            .unwrap()
            .insert(plan.plan_id.clone(), Arc::new(prepared));
        Ok(plan)
    }

    pub async fn apply_plan(
        &self,
        plan_id: &str,
        selection: Selection,
        progress: Channel<ProgressEvent>,
    ) -> Result<ApplyResult> {
        let prepared = self.plans.lock().unwrap().get(plan_id).cloned().ok_or_else(|| {
            ccsync_core::Error::NotFound("This list is out of date. Fetch it again, then choose the records.".into())
        })?;
        let cancel = self.begin_job();
        let store = self.store.clone();
        let report = move |event: ProgressEvent| {
            let _ = progress.send(event);
        };
        let applied = prepared.clone();
        let result = tokio::task::spawn_blocking(move || {
            let result = sync::apply(&store, &applied, &selection, &report, &cancel);
            if let Err(error) = &result {
                sync::record_failed_apply(&store, &applied, error);
            }
            result
        })
        .await
        .map_err(|e| ccsync_core::Error::Internal(e.to_string()))?;
        if result.is_ok() {
            // Written: the plan no longer matches the store.
            self.plans.lock().unwrap().remove(plan_id);
        }
        result
    }

    pub fn discard_plan(&self, plan_id: &str) {
        self.plans.lock().unwrap().remove(plan_id);
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
