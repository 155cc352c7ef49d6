//! CSV Import of users in the Control Hub style.
//!
//! - [`source`]: opening a file (CSV in the encodings Excel writes, or .xlsx) and streaming rows;
//!   [`decode`] decides its encoding and delimiter, [`encode`] writes text back the same way.
//! - [`columns`]: headers matched to fields, licence columns recognized, hand mapping checked;
//!   [`presets`] saves mappings by header set.
//! - [`queue`]: dropped files waiting their turn; [`session`]: the import the app and the CLI
//!   drive, from a dropped file to its commit.
//! - [`validate`]: one cell's checks; [`rules`]: one row against the user it names.
//! - [`job`]: the dry run, the review table's pages and edits, the commit, the error file.
//! - [`users`]: the user store as an import reads and writes it; [`export`]: the Control Hub-style
//!   export that imports back unchanged.

pub mod columns;
pub mod decode;
pub mod encode;
pub mod export;
pub mod job;
pub mod phone;
pub mod presets;
pub mod queue;
pub mod rules;
pub mod session;
pub mod source;
pub mod users;
pub mod validate;

pub use job::{Edited, Job, RowPage, RowView, Summary};
pub use rules::Mode;
pub use session::ImportSession;

use std::path::Path;

use phonenumber::country::Id;
use tokio_util::sync::CancellationToken;

use crate::progress::Progress;
use crate::store::Store;
use crate::{Error, Result};
use columns::{ColumnMapping, Columns, Field};

/// What a dry run is asked for beyond the file: the app's mapping as the screen shows it, or the
/// CLI's preset and hand-mapped columns.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub mode: Mode,
    /// The default country for phone numbers; given, it is saved as the default; else the saved one.
    pub region: Option<Id>,
    pub delimiter: Option<u8>,
    /// A saved mapping to start from, by name.
    pub preset: Option<String>,
    /// Columns mapped by hand (header → field, `None` to ignore), applied last.
    pub overrides: Vec<(String, Option<Field>)>,
    /// The whole mapping, one per column in the file's order (the app's mapping step). It is
    /// checked against the file's own headers; `preset` and `overrides` then do not apply.
    pub mappings: Option<Vec<ColumnMapping>>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            mode: Mode::Add,
            region: None,
            delimiter: None,
            preset: None,
            overrides: Vec::new(),
            mappings: None,
        }
    }
}

impl ImportOptions {
    /// Options from what a person typed: a country code and a delimiter (`,` `;` `tab` or one
    /// character), each optional (blank is the same as none).
    pub fn typed(mode: Mode, region: Option<&str>, delimiter: Option<&str>) -> Result<ImportOptions> {
        Ok(ImportOptions {
            mode,
            region: region
                .map(str::trim)
                .filter(|code| !code.is_empty())
                .map(presets::parse_region)
                .transpose()?,
            delimiter: decode::typed_delimiter(delimiter)?,
            ..ImportOptions::default()
        })
    }
}

/// Opens `path`, maps its columns (the given mapping, or preset, automatic, then `overrides`) and
/// plans it. Writes nothing but the default region when one is given.
pub fn dry_run(
    store: &Store,
    path: &Path,
    options: &ImportOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<Job> {
    let (rules, snapshot) = prepare(store, path, options)?;
    Job::plan(snapshot, path, rules, options.delimiter, progress, cancel)
}

/// The part of a dry run that needs the store: the columns resolved against the file's own
/// headers, the region, and a snapshot of the users to compare with. The file's rows are read
/// after, without the store.
pub fn prepare(store: &Store, path: &Path, options: &ImportOptions) -> Result<(rules::Rules, users::Snapshot)> {
    let source = source::Source::open(path, options.delimiter)?;
    let headers = source.headers.clone();
    drop(source);
    let mappings = match &options.mappings {
        Some(mappings) => mappings.clone(),
        None => chosen_mappings(store, path, &headers, options)?,
    };
    let columns = Columns::resolve(&headers, &mappings)?;
    let region = match options.region {
        Some(region) => presets::set_default_region(store, region.as_ref())?,
        None => presets::default_region(store)?,
    };
    let rules = rules::Rules {
        columns,
        mode: options.mode,
        region,
    };
    Ok((rules, users::Snapshot::take(store.conn())?))
}

/// The CLI's mapping: a named preset, else a saved one for these headers, else the automatic
/// guess; then the columns mapped by hand.
fn chosen_mappings(
    store: &Store,
    path: &Path,
    headers: &[String],
    options: &ImportOptions,
) -> Result<Vec<ColumnMapping>> {
    let mut mappings = match &options.preset {
        Some(name) => {
            columns::guess_mappings(headers)?;
            presets::named_preset(store, name, headers)?.mappings
        }
        None if options.overrides.is_empty() => presets::preview(store, path, options.delimiter)?.mappings,
        // Hand mapping starts from a saved preset for these headers, else the automatic guess.
        None => match presets::preset_for(store, headers)? {
            Some(preset) => {
                columns::guess_mappings(headers)?;
                preset.mappings
            }
            None => columns::guess_mappings(headers)?,
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
    Ok(mappings)
}
