//! ccsync-core: every rule of CC Sync. Nothing here depends on Tauri or on the emulator, so it
//! builds and tests in seconds. The product's three jobs are three modules — [`sync`],
//! [`mapping`], [`import`] — over [`vendor`] (what talks to the outside) and [`store`] (SQLite).
//! `docs/ARCHITECTURE.md` is the map.

pub mod cancel;
pub mod chosen;
pub mod connections;
pub mod error;
pub mod import;
pub mod logging;
pub mod mapping;
pub mod model;
pub mod os;
pub mod passwords;
pub mod paths;
pub mod progress;
pub mod secrets;
pub mod spreadsheet;
pub mod store;
pub mod sync;
pub mod vendor;

pub use error::{ApiError, Error, ErrorCode, Result};
