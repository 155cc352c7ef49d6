//! The cancel button of one kind of job: starting a job of that kind cancels the one before it,
//! and Cancel reaches whichever is running. Each screen's jobs have their own slot.

use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct CancelSlot(Mutex<Option<CancellationToken>>);

impl CancelSlot {
    /// A fresh token for the job about to start; the previous job of this slot is cancelled.
    pub fn begin(&self) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(previous) = self.lock().replace(token.clone()) {
            previous.cancel();
        }
        token
    }

    /// Cancels the job of this slot that is running, if any.
    pub fn cancel(&self) {
        if let Some(token) = self.lock().as_ref() {
            token.cancel();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<CancellationToken>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::CancelSlot;

    #[test]
    fn a_new_job_cancels_the_previous_and_cancel_reaches_the_current() {
        let slot = CancelSlot::default();
        slot.cancel(); // nothing running: nothing to do
        let first = slot.begin();
        let second = slot.begin();
        assert!(first.is_cancelled());
        assert!(!second.is_cancelled());
        slot.cancel();
        assert!(second.is_cancelled());
    }
}
