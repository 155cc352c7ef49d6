//! The commit of an import: every valid row written in one transaction, or nothing.

use std::time::Instant;

use rayon::prelude::*;
use rusqlite::TransactionBehavior;
use tokio_util::sync::CancellationToken;

use crate::import::rules::{Action, Checked};
use crate::import::users::{self, UserWriter};
use crate::model::{Entity, RunKind};
use crate::progress::{event, Progress};
use crate::store::runs::{self, RunCounts, RunStart};
use crate::store::{now_rfc3339, Store};
use crate::{Error, Result};

use super::{Job, Summary, CHUNK};

impl Job {
    /// Writes every valid row that creates or updates a user, in one transaction with its
    /// `sync_runs` row and audit rows: all of it, or (on any error or Cancel) nothing.
    pub fn commit(
        &mut self,
        store: &mut Store,
        progress: &dyn Progress,
        cancel: &CancellationToken,
    ) -> Result<Summary> {
        if self.summary.run_id.is_some() {
            return Err(Error::InvalidInput("This import is already committed.".into()));
        }
        let started = Instant::now();
        let file = self.file_name();
        let tx = store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if users::store_generation(&tx)? != self.generation {
            return Err(Error::StaleImport);
        }
        let now = now_rfc3339();
        let run_id = runs::insert_run(
            &tx,
            &RunStart {
                kind: RunKind::Import,
                entity: Some(Entity::Users),
                connection_id: None,
                connection_name: &file,
                started_at: &now,
                link_id: None,
            },
        )?;
        let mut writer = UserWriter::new(&tx, run_id, now);
        let to_write: Vec<usize> = (0..self.rows.len())
            .filter(|&i| matches!(self.rows[i].action, Action::Create | Action::Update))
            .collect();
        let total = to_write.len() as u64;
        let (rows, rules, existing) = (&self.rows, &self.rules, &self.existing);
        std::thread::scope(|scope| -> Result<()> {
            // What each user gets is worked out again on the other core while this one writes,
            // against the users the dry run loaded (the store's generation is unchanged).
            let (batches, checked_batches) = std::sync::mpsc::sync_channel::<Vec<(usize, Checked)>>(2);
            scope.spawn(move || {
                for batch in to_write.chunks(CHUNK) {
                    let checked = batch
                        .par_iter()
                        .map(|&i| (i, rules.check(&rows[i].cells(), |key| existing.lookup(key))))
                        .collect();
                    if batches.send(checked).is_err() {
                        return; // the writer stopped
                    }
                }
            });
            let mut done = 0u64;
            for batch in checked_batches {
                for (i, checked) in batch {
                    match (rows[i].action, checked.action, checked.record_id) {
                        (Action::Create, Action::Create, _) => {
                            writer.create(&checked.email, &checked.email_key, &checked.target)?
                        }
                        (Action::Update, Action::Update, Some(record_id)) => {
                            writer.update(record_id, &checked.email, &checked.target, &checked.changes)?
                        }
                        _ => return Err(Error::StaleImport),
                    }
                    done += 1;
                }
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                progress.report(event("writing", done, Some(total)));
            }
            Ok(())
        })?;
        let counts = RunCounts {
            fetched: self.rows.len() as u32,
            created: writer.written.created,
            updated: writer.written.updated,
            unchanged: self.summary.unchanged as u32,
            missing_upstream: 0,
        };
        runs::finish_succeeded(&tx, run_id, &counts, started)?;
        tx.commit()?;
        progress.report(event("writing", total, Some(total)));
        tracing::info!(
            run_id,
            file,
            created = counts.created,
            updated = counts.updated,
            "users imported"
        );
        self.summary.run_id = Some(run_id);
        Ok(self.summary.clone())
    }
}
