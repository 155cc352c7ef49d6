//! User Mapping: link each CXone user to their account on RingCentral or Webex.
//!
//! - [`links`]: business units and the platform connection each is mapped to.
//! - [`rules`]: the pure Auto Sync rules (match by email, the states a mapping can be in).
//! - [`admin`]: the admin's actions on one user (Map User, Unmap, Retry) and the table's rows.
//! - [`search`]: the type-ahead account search behind Map User.
//! - [`transfer`]: mappings exported to and imported from CSV.
//! - [`auto_sync`]: one Auto Sync run end to end, and the runner that keeps runs apart.
//! - [`schedule`]: when Auto Sync runs by itself.
//! - [`session`]: what the app holds between calls: the runner, the schedule loop, the index.

pub mod admin;
pub mod auto_sync;
pub mod links;
pub mod names;
pub mod rules;
pub mod schedule;
pub mod search;
pub mod session;
pub mod transfer;

pub use rules::{AccountMatch, MappingRow, MappingStatus};
pub use session::MappingSession;
