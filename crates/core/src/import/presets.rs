//! Opening a file for import (its format, headers and column mapping) and the mappings saved as
//! named presets, reused automatically for files with the same headers.

use std::path::Path;
use std::str::FromStr;

use phonenumber::country::Id;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::columns::{guess_mappings, header_key, ignored_note, is_error_file_column, map_headers, ColumnMapping};
use super::source::{FileFormat, Source, SourceRow};
use crate::spreadsheet::unescape_formula;
use crate::store::{now_rfc3339, Store};
use crate::{Error, Result};

/// What the mapping step shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportPreview"))]
pub struct Preview {
    pub path: String,
    pub file: String,
    pub format: FileFormat,
    pub headers: Vec<String>,
    pub mappings: Vec<ColumnMapping>,
    /// The preset the mapping came from, when one matched these headers.
    pub preset: Option<String>,
    /// The default country for phone numbers without a country code (ISO code).
    pub region: String,
    /// Per column (in the file's order), its first few values that are not blank, on one line and
    /// cut short when long: what the mapping step shows so a column can be checked against its
    /// data.
    pub samples: Vec<Vec<String>>,
}

/// How many values of each column the mapping step shows.
pub const SAMPLES: usize = 3;
/// How many rows are read for them at most (a column blank in all of them shows none).
const SAMPLE_ROWS: usize = 100;
/// A longer value is cut to this many characters, with "…".
const SAMPLE_CHARS: usize = 60;

/// A saved mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportPreset"))]
pub struct Preset {
    pub name: String,
    pub mappings: Vec<ColumnMapping>,
}

const REGION_SETTING: &str = "import.default_region";

/// Reads `path`'s header and proposes a mapping: a saved preset for the same headers, else the
/// automatic one. Refused before any row when the file cannot be read.
pub fn preview(store: &Store, path: &Path, delimiter: Option<u8>) -> Result<Preview> {
    let mut source = Source::open(path, delimiter)?;
    let headers = source.headers.clone();
    guess_mappings(&headers)?;
    let samples = samples(&mut source)?;
    let (mappings, preset) = match preset_for(store, &headers)? {
        Some(preset) => (preset.mappings, Some(preset.name)),
        None => (map_headers(&headers)?, None),
    };
    Ok(Preview {
        path: path.display().to_string(),
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        format: source.shown,
        headers,
        mappings,
        preset,
        region: default_region(store)?.as_ref().to_owned(),
        samples,
    })
}

/// The first [`SAMPLES`] values of each column that are not blank, read from the first rows.
fn samples(source: &mut Source) -> Result<Vec<Vec<String>>> {
    let width = source.headers.len();
    let mut samples: Vec<Vec<String>> = vec![Vec::new(); width];
    let mut row = SourceRow::default();
    for _ in 0..SAMPLE_ROWS {
        if samples.iter().all(|s| s.len() >= SAMPLES) || !source.next_row(&mut row)? {
            break;
        }
        for (column, cell) in row.cells.iter().take(width).enumerate() {
            let text = sample_text(unescape_formula(cell));
            if !text.is_empty() && samples[column].len() < SAMPLES {
                samples[column].push(text);
            }
        }
    }
    Ok(samples)
}

/// A cell on one line (line breaks and runs of spaces become one space), cut to
/// [`SAMPLE_CHARS`] characters with "…".
fn sample_text(cell: &str) -> String {
    let one_line = cell.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line: String = one_line.chars().filter(|c| !c.is_control()).collect();
    match one_line.char_indices().nth(SAMPLE_CHARS) {
        Some((cut, _)) => format!("{}…", one_line[..cut].trim_end()),
        None => one_line,
    }
}

/// The most recently saved preset for these headers, its mapping laid over this file's header text.
pub fn preset_for(store: &Store, headers: &[String]) -> Result<Option<Preset>> {
    let found: Option<(String, String)> = store
        .conn()
        .query_row(
            "SELECT name, mappings FROM import_presets WHERE header_key = ?1 ORDER BY updated_at DESC LIMIT 1",
            [header_key(headers)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((name, mappings)) = found else { return Ok(None) };
    let saved: Vec<ColumnMapping> = serde_json::from_str(&mappings).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Some(Preset {
        name,
        mappings: fit_to_headers(&saved, headers),
    }))
}

/// The preset named `name`, laid over `headers` (columns it does not know are ignored).
pub fn named_preset(store: &Store, name: &str, headers: &[String]) -> Result<Preset> {
    let mappings: Option<String> = store
        .conn()
        .query_row("SELECT mappings FROM import_presets WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(mappings) = mappings else {
        let saved = list_presets(store)?;
        let known = if saved.is_empty() {
            "No preset is saved yet (--save-preset NAME saves one).".to_owned()
        } else {
            format!("Saved presets: {}.", saved.join(", "))
        };
        return Err(Error::NotFound(format!(
            "There is no import preset named \"{name}\". {known}"
        )));
    };
    let saved: Vec<ColumnMapping> = serde_json::from_str(&mappings).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Preset {
        name: name.to_owned(),
        mappings: fit_to_headers(&saved, headers),
    })
}

fn fit_to_headers(saved: &[ColumnMapping], headers: &[String]) -> Vec<ColumnMapping> {
    let squash = |h: &str| header_key(&[h.to_owned()]);
    headers
        .iter()
        .map(|header| {
            // An error file's Row and Error columns stay ignored, whatever the preset says.
            let known = (!is_error_file_column(header))
                .then(|| saved.iter().find(|m| squash(&m.header) == squash(header)))
                .flatten();
            ColumnMapping {
                header: header.clone(),
                field: known.and_then(|m| m.field),
                suspended: known.is_some_and(|m| m.suspended),
                note: known.and_then(|m| m.note.clone()).or_else(|| ignored_note(header)),
            }
        })
        .collect()
}

/// Saves `mappings` as preset `name` (replacing one of that name). The columns an error file adds
/// (`Row`, `Error`) are left out: a preset made from an error file fits the original file too.
pub fn save_preset(store: &Store, name: &str, mappings: &[ColumnMapping]) -> Result<()> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::InvalidInput("Give the preset a name.".into()));
    }
    let mappings: Vec<&ColumnMapping> = mappings.iter().filter(|m| !is_error_file_column(&m.header)).collect();
    let headers: Vec<String> = mappings.iter().map(|m| m.header.clone()).collect();
    let json = serde_json::to_string(&mappings).map_err(|e| Error::Internal(e.to_string()))?;
    store.conn().execute(
        "INSERT INTO import_presets (name, header_key, mappings, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET header_key = excluded.header_key, mappings = excluded.mappings,
            updated_at = excluded.updated_at",
        params![name, header_key(&headers), json, now_rfc3339()],
    )?;
    Ok(())
}

pub fn list_presets(store: &Store) -> Result<Vec<String>> {
    let mut stmt = store.conn().prepare("SELECT name FROM import_presets ORDER BY name")?;
    let names = stmt.query_map([], |r| r.get(0))?;
    Ok(names.collect::<rusqlite::Result<_>>()?)
}

/// Parses an ISO country code ("US", "gb").
pub fn parse_region(code: &str) -> Result<Id> {
    Id::from_str(&code.trim().to_uppercase()).map_err(|_| {
        Error::InvalidInput(format!(
            "\"{code}\" is not a country code; use a two-letter ISO code such as US, GB or DE."
        ))
    })
}

/// The country assumed for phone numbers written without one (a setting; US unless changed).
pub fn default_region(store: &Store) -> Result<Id> {
    match store.setting(REGION_SETTING)? {
        Some(code) => parse_region(&code),
        None => Ok(Id::US),
    }
}

pub fn set_default_region(store: &Store, code: &str) -> Result<Id> {
    let region = parse_region(code)?;
    store.set_setting(REGION_SETTING, region.as_ref())?;
    Ok(region)
}
