//! The small trait long operations report through: the UI's channel, the CLI's bar, or nothing.

use crate::model::ProgressEvent;

pub trait Progress: Send + Sync {
    fn report(&self, event: ProgressEvent);
}

/// For callers that show no progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _: ProgressEvent) {}
}

impl<F: Fn(ProgressEvent) + Send + Sync> Progress for F {
    fn report(&self, event: ProgressEvent) {
        self(event)
    }
}

pub fn event(phase: &str, done: u64, total: Option<u64>) -> ProgressEvent {
    ProgressEvent {
        phase: phase.to_owned(),
        done,
        total,
    }
}
