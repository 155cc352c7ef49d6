//! ccsync-core: every rule of CC Sync. Nothing here depends on Tauri, so it builds and tests in seconds.

pub mod auto_sync;
pub mod connections;
pub mod cxone;
pub mod demo;
pub mod directory;
pub mod error;
pub mod export;
pub mod http;
pub mod import;
pub mod logging;
pub mod mapping;
pub mod mapping_admin;
pub mod mapping_import;
pub mod model;
pub mod paths;
pub mod progress;
pub mod retry;
pub mod schedule;
pub mod secrets;
pub mod store;
pub mod sync;

pub use error::{ApiError, Error, ErrorCode, Result};
