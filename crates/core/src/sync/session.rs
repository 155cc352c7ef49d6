//! The Synchronize session the app and `ccsync pull` share: fetched plans wait here for the
//! admin's selection ("Add Selected"), an apply runs off the async threads, a failed or cancelled
//! apply is recorded in History. A written plan stays, its written rows marked added or updated
//! (no longer selectable), so the admin can add more of the same list in another batch.
//! The fetch and the apply each have their own cancel button: nothing else stops them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{apply, mark_written, prepare, record_failed_apply, PreparedPlan, PullOptions};
use crate::cancel::CancelSlot;
use crate::connections::Connections;
use crate::model::{ApplyResult, Entity, Selection, SyncPlan};
use crate::progress::Progress;
use crate::{Error, Result};

pub struct PullSession {
    connections: Connections,
    /// Fetched plans waiting for a selection, by plan id.
    plans: Mutex<HashMap<String, Arc<Mutex<PreparedPlan>>>>,
    fetching: CancelSlot,
    applying: CancelSlot,
}

impl PullSession {
    pub fn new(connections: Connections) -> PullSession {
        PullSession {
            connections,
            plans: Mutex::new(HashMap::new()),
            fetching: CancelSlot::default(),
            applying: CancelSlot::default(),
        }
    }

    fn plans(&self) -> MutexGuard<'_, HashMap<String, Arc<Mutex<PreparedPlan>>>> {
        self.plans.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Fetches `entity` and compares it with the store; the plan waits for [`PullSession::apply`].
    pub async fn prepare(
        &self,
        connection: &str,
        entity: Entity,
        options: &PullOptions,
        progress: &dyn Progress,
    ) -> Result<SyncPlan> {
        let cancel = self.fetching.begin();
        let prepared = prepare(&self.connections, connection, entity, options, progress, &cancel).await?;
        let plan = prepared.plan.clone();
        self.plans()
            .insert(plan.plan_id.clone(), Arc::new(Mutex::new(prepared)));
        Ok(plan)
    }

    /// Writes the selected rows of a waiting plan in one transaction (on a blocking thread). A
    /// failure or a cancel is a run in History; success marks the written rows in the plan, which
    /// keeps waiting for another batch until it is discarded.
    pub async fn apply(&self, plan_id: &str, selection: Selection, progress: Arc<dyn Progress>) -> Result<ApplyResult> {
        let cancel = self.applying.begin();
        let prepared = self.plans().get(plan_id).cloned().ok_or_else(|| {
            Error::NotFound("This list is out of date. Fetch it again, then choose the records.".into())
        })?;
        let store = self.connections.store_handle();
        let result = tokio::task::spawn_blocking(move || {
            // One batch of a list at a time.
            let mut prepared = prepared.lock().unwrap_or_else(|p| p.into_inner());
            let writing = std::time::Instant::now();
            // Not while a pull of the same connection and entity writes (a cron job's, say).
            let job = super::lock(&store).acquire_job(
                &crate::store::locks::pull_lock_name(&prepared.connection.id, prepared.plan.entity),
                &format!("Add Selected of {}", prepared.plan.entity.label()),
            );
            let result = job.and_then(|_job| apply(&store, &prepared, &selection, progress.as_ref(), &cancel));
            match &result {
                Ok(_) => mark_written(&mut prepared, &selection)?,
                Err(error) => record_failed_apply(&store, &prepared, writing, error),
            }
            result
        })
        .await
        .map_err(|e| Error::Internal(format!("the write stopped unexpectedly: {e}")))?;
        result
    }

    /// Stops the fetch or the apply in progress (an apply cancelled writes nothing).
    pub fn cancel(&self) {
        self.fetching.cancel();
        self.applying.cancel();
    }

    /// Forgets a plan the admin walked away from.
    pub fn discard(&self, plan_id: &str) {
        self.plans().remove(plan_id);
    }
}
