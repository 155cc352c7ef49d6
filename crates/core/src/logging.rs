//! Logs go to a daily-rotated file in the OS log folder (a week kept). Secrets never reach a log:
//! they are `SecretString`s, whose Debug output is redacted, and no code formats their values.

use std::path::Path;

pub use tracing_appender::non_blocking::WorkerGuard as LogGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::{Error, Result};

pub const LOG_FILE_PREFIX: &str = "ccsync";
const KEEP_FILES: usize = 7;

/// Starts file logging; keep the guard alive for as long as the process should log.
pub fn init(log_dir: &Path) -> Result<LogGuard> {
    std::fs::create_dir_all(log_dir)?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(log_dir)
        .map_err(|e| Error::Internal(format!("cannot open the log file in {}: {e}", log_dir.display())))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("CCSYNC_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file_layer = fmt::layer().with_writer(writer).with_ansi(false);
    // A second init (tests, or the app restarting its core) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(file_layer.with_filter(filter))
        .try_init();
    Ok(guard)
}
