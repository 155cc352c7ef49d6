//! CSV Import of users in the Control Hub style.
//!
//! - [`source`]: opening a file (CSV in the encodings Excel writes, or .xlsx) and streaming rows;
//!   [`decode`] decides its encoding and delimiter, [`encode`] writes text back the same way.
//! - [`columns`]: headers matched to fields, licence columns recognized, hand mapping checked;
//!   [`presets`] saves mappings by header set.
//! - [`queue`]: dropped files waiting their turn.
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
pub mod queue;
pub mod rules;
pub mod source;
pub mod users;
pub mod validate;

pub use job::{Edited, Job, RowPage, RowView, Summary};
pub use rules::Mode;

use std::path::Path;

use phonenumber::country::Id;
use tokio_util::sync::CancellationToken;

use crate::progress::Progress;
use crate::store::Store;
use crate::{Error, Result};
use columns::{Columns, Field};

/// What a dry run is asked for beyond the file (the CLI's flags; the app passes its mapping).
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub mode: Mode,
    /// The default country for phone numbers; the saved setting when none.
    pub region: Option<Id>,
    pub delimiter: Option<u8>,
    /// A saved mapping to start from, by name.
    pub preset: Option<String>,
    /// Columns mapped by hand (header → field, `None` to ignore), applied last.
    pub overrides: Vec<(String, Option<Field>)>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            mode: Mode::Add,
            region: None,
            delimiter: None,
            preset: None,
            overrides: Vec::new(),
        }
    }
}

/// Opens `path`, maps its columns (preset, automatic, then `overrides`) and plans it. Writes nothing.
pub fn dry_run(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<Job> {
    let source = source::Source::open(path, options.delimiter)?;
    let headers = source.headers.clone();
    drop(source);
    let mut mappings = match &options.preset {
        Some(name) => {
            columns::guess_mappings(&headers)?;
            presets::named_preset(store, name, &headers)?.mappings
        }
        None if options.overrides.is_empty() => presets::preview(store, path, options.delimiter)?.mappings,
        // Hand mapping starts from a saved preset for these headers, else the automatic guess.
        None => match presets::preset_for(store, &headers)? {
            Some(preset) => {
                columns::guess_mappings(&headers)?;
                preset.mappings
            }
            None => columns::guess_mappings(&headers)?,
        },
    };
    for (header, field) in &options.overrides {
        let mapping = mappings
            .iter_mut()
            .find(|m| m.header.trim().eq_ignore_ascii_case(header.trim()))
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "The file has no column \"{header}\". Its columns are: {}.",
                    headers.join(", ")
                ))
            })?;
        mapping.field = *field;
    }
    let columns = Columns::resolve(&headers, &mappings)?;
    let region = match options.region {
        Some(region) => region,
        None => presets::default_region(store)?,
    };
    let rules = rules::Rules {
        columns,
        mode: options.mode,
        region,
    };
    let snapshot = users::Snapshot::take(store.conn())?;
    Job::plan(snapshot, path, rules, options.delimiter, progress, cancel)
}
