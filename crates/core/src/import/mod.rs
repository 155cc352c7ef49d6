//! CSV Import of users in the Control Hub style.
//!
//! - [`source`]: opening a file (CSV in the encodings Excel writes, or .xlsx) and streaming rows;
//!   [`decode`] decides its encoding and delimiter, [`encode`] writes text back the same way.
//! - [`columns`]: headers matched to fields, licence columns recognized, hand mapping checked;
//!   [`presets`] saves mappings by header set.
//! - [`validate`]: one cell's checks; [`rules`]: one row against the user it names.
//! - [`job`]: the dry run, the review table's pages and edits, the commit, the error file.
//! - [`users`]: the user store as an import reads and writes it; [`export`]: the Control Hub-style
//!   export that imports back unchanged.

pub mod columns;
pub mod decode;
pub mod encode;
pub mod export;
pub mod job;
pub mod presets;
pub mod rules;
pub mod source;
pub mod users;
pub mod validate;

pub use job::{Job, RowPage, RowView, Summary};
pub use rules::Mode;
