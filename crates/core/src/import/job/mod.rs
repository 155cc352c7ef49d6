//! An import job: a file read once into a plan (every row checked against the store and against
//! the other rows), then paged to the review table, corrected cell by cell, committed in one
//! transaction, or saved as an error file. Rows keep only their cells and their verdict, so a
//! million-row plan stays small; what a row would change is worked out again when it is shown or
//! written. [`commit`] writes it; [`error_file`] saves its rejected rows.

mod commit;
mod error_file;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::columns::ColumnMapping;
use super::decode::Format;
use super::rules::{Action, Checked, Finding, LicenceEffect, Rules};
use super::source::{FileFormat, Source, SourceRow};
use super::users::{Snapshot, UserIndex};
use crate::model::FieldChange;
use crate::progress::{event, Progress};
use crate::spreadsheet::unescape_formula;
use crate::{Error, Result};

/// Cells are kept joined by this separator (one allocation per row).
const SEP: char = '\u{1f}';

/// How often a long loop reports progress and checks for Cancel.
const CHUNK: usize = 8192;

/// The dry run's counts (and, once committed, the run that wrote them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportSummary"))]
pub struct Summary {
    pub file: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rows: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub invalid: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub warnings: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub licences_added: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub licences_removed: u64,
    /// Users left with no Contact Center licence ("Add and remove services", both FALSE).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub cc_licences_removed: u64,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub run_id: Option<i64>,
}

/// One row as the review table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportRow"))]
pub struct RowView {
    /// Position in the plan (what an edit names).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub index: u64,
    /// The row's line in the file, as a spreadsheet numbers it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: u64,
    pub action: Action,
    pub email: String,
    pub cells: Vec<String>,
    pub findings: Vec<Finding>,
    pub changes: Vec<FieldChange>,
}

/// A page of the review table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportPage"))]
pub struct RowPage {
    /// Rows matching the filter.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    pub rows: Vec<RowView>,
}

/// An edited row and the summary it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportEdit"))]
pub struct Edited {
    pub row: RowView,
    pub summary: Summary,
}

struct PlanRow {
    line: u64,
    cells: Box<str>,
    action: Action,
    warnings: u16,
    licence: LicenceEffect,
    /// None for the (many) rows without findings.
    findings: Option<Box<[Finding]>>,
}

impl PlanRow {
    fn cells(&self) -> Vec<&str> {
        self.cells.split(SEP).collect()
    }

    fn has_problem(&self) -> bool {
        self.action == Action::Invalid || self.warnings > 0
    }
}

/// A planned import.
pub struct Job {
    path: PathBuf,
    format: Format,
    pub shown: FileFormat,
    rules: Rules,
    rows: Vec<PlanRow>,
    summary: Summary,
    /// The store as the dry run saw it: its generation, and its users by email.
    generation: i64,
    existing: UserIndex,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("path", &self.path)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

fn join_cells<'a>(cells: impl Iterator<Item = &'a str>) -> Box<str> {
    let mut joined = String::new();
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            joined.push(SEP);
        }
        joined.extend(cell.chars().map(|c| if c == SEP { ' ' } else { c }));
    }
    joined.into_boxed_str()
}

fn plan_row(line: u64, cells: Box<str>, checked: &Checked) -> PlanRow {
    PlanRow {
        line,
        cells,
        action: checked.action,
        warnings: checked.warnings().min(u16::MAX as usize) as u16,
        licence: checked.licence,
        findings: (!checked.findings.is_empty()).then(|| checked.findings.clone().into_boxed_slice()),
    }
}

/// The finding each of a duplicated email's rows gets, naming the others.
fn duplicate_finding(column: &str, email: &str, lines: &[u64], own: u64) -> Finding {
    let others: Vec<String> = lines.iter().filter(|&&l| l != own).map(u64::to_string).collect();
    let rows = match others.len() {
        1 => format!("row {}", others[0]),
        _ => format!("rows {}", others.join(", ")),
    };
    Finding {
        column: Some(column.to_owned()),
        message: format!("{email} also appears on {rows}; each user may appear only once in a file."),
        warning: false,
    }
}

impl Job {
    /// The dry run: reads `path` with the confirmed columns and checks every row. Writes nothing.
    pub fn plan(
        snapshot: Snapshot,
        path: &Path,
        rules: Rules,
        delimiter: Option<u8>,
        progress: &dyn Progress,
        cancel: &CancellationToken,
    ) -> Result<Job> {
        let mut source = Source::open(path, delimiter)?;
        if source.headers != rules.columns.headers {
            return Err(Error::InvalidInput(
                "The file's headers changed since its columns were mapped; open it again.".into(),
            ));
        }
        let Snapshot {
            generation,
            users: existing,
        } = snapshot;
        let mut rows: Vec<PlanRow> = Vec::new();
        // First row of each email; duplicates are gathered and marked once every row is read.
        let mut first_row: HashMap<Box<str>, u32> = HashMap::new();
        let mut duplicates: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        // Rows are read a chunk at a time (the records' buffers reused) and checked on every core;
        // uniqueness is then tracked in file order.
        let mut chunk: Vec<SourceRow> = Vec::new();
        loop {
            let mut filled = 0;
            while filled < CHUNK {
                if filled == chunk.len() {
                    chunk.push(SourceRow::default());
                }
                if !source.next_row(&mut chunk[filled])? {
                    break;
                }
                filled += 1;
            }
            let checked: Vec<(PlanRow, String)> = chunk[..filled]
                .par_iter()
                .map(|row| {
                    let cells: Vec<&str> = row.cells.iter().map(unescape_formula).collect();
                    let checked = rules.check(&cells, |key| existing.lookup(key));
                    let planned = plan_row(row.line, join_cells(cells.into_iter()), &checked);
                    (planned, checked.email_key)
                })
                .collect();
            for (planned, email_key) in checked {
                let index = rows.len() as u32;
                if !email_key.is_empty() {
                    let key: Box<str> = email_key.into_boxed_str();
                    match first_row.get(&key) {
                        None => {
                            first_row.insert(key, index);
                        }
                        Some(&first) => duplicates.entry(key).or_insert_with(|| vec![first]).push(index),
                    }
                }
                rows.push(planned);
            }
            if filled < CHUNK {
                break;
            }
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            progress.report(event("reading", source.bytes_read(), Some(source.bytes)));
        }
        drop(first_row);
        if rows.is_empty() {
            return Err(Error::InvalidInput(
                "The file has a header row but no users below it.".into(),
            ));
        }
        let mut job = Job {
            path: path.to_owned(),
            format: source.format,
            shown: source.shown.clone(),
            rules,
            rows,
            summary: Summary::default(),
            generation,
            existing,
        };
        for indices in duplicates.into_values() {
            job.mark_duplicates(&indices);
        }
        job.summary = job.count();
        progress.report(event("reading", source.bytes, Some(source.bytes)));
        Ok(job)
    }

    fn mark_duplicates(&mut self, indices: &[u32]) {
        let column = self.rules.columns.header(self.rules.columns.email).to_owned();
        let lines: Vec<u64> = indices.iter().map(|&i| self.rows[i as usize].line).collect();
        for &i in indices {
            let row = &mut self.rows[i as usize];
            let email = row
                .cells()
                .get(self.rules.columns.email)
                .map(|e| e.trim().to_owned())
                .unwrap_or_default();
            let mut findings: Vec<Finding> = row.findings.take().map(Vec::from).unwrap_or_default();
            findings.insert(0, duplicate_finding(&column, &email, &lines, row.line));
            row.findings = Some(findings.into_boxed_slice());
            row.action = Action::Invalid;
            row.licence = LicenceEffect::default();
        }
    }

    fn count(&self) -> Summary {
        let mut summary = Summary {
            file: self.file_name(),
            rows: self.rows.len() as u64,
            ..Summary::default()
        };
        for row in &self.rows {
            match row.action {
                Action::Create => summary.created += 1,
                Action::Update => summary.updated += 1,
                Action::Unchanged => summary.unchanged += 1,
                Action::Invalid => summary.invalid += 1,
            }
            summary.warnings += u64::from(row.warnings);
            summary.licences_added += u64::from(row.licence.added);
            summary.licences_removed += u64::from(row.licence.removed);
            summary.cc_licences_removed += u64::from(row.licence.cc_removed);
        }
        summary
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn headers(&self) -> &[String] {
        &self.rules.columns.headers
    }

    pub fn mappings(&self) -> &[ColumnMapping] {
        &self.rules.columns.mappings
    }

    /// The first `limit` findings as lines of text ("Row 5, Phone Number: …"), for the CLI.
    pub fn problems(&self, limit: usize) -> Vec<String> {
        let mut lines: Vec<String> = self
            .rows
            .iter()
            .filter_map(|row| Some((row.line, row.findings.as_deref()?)))
            .flat_map(|(line, findings)| {
                findings.iter().map(move |f| {
                    let kind = if f.warning { "warning" } else { "error" };
                    match &f.column {
                        Some(column) => format!("Row {line} ({kind}), {column}: {}", f.message),
                        None => format!("Row {line} ({kind}): {}", f.message),
                    }
                })
            })
            .take(limit + 1)
            .collect();
        if lines.len() > limit {
            lines[limit] = "… (the rest: --errors OUT.csv writes every invalid row)".into();
        }
        lines
    }

    /// Checks row `index` again against the users the dry run loaded (a commit refuses to run if
    /// the store has changed since).
    fn recheck(&self, index: usize) -> Checked {
        self.rules
            .check(&self.rows[index].cells(), |key| self.existing.lookup(key))
    }

    fn view(&self, index: usize) -> RowView {
        let row = &self.rows[index];
        let checked = self.recheck(index);
        RowView {
            index: index as u64,
            line: row.line,
            action: row.action,
            email: checked.email.clone(),
            cells: row.cells().into_iter().map(str::to_owned).collect(),
            findings: row.findings.as_deref().map(<[Finding]>::to_vec).unwrap_or_default(),
            changes: if row.action == Action::Invalid {
                Vec::new()
            } else {
                checked.changes
            },
        }
    }

    /// A page of the review table; `problems_only` keeps the rows with errors or warnings.
    pub fn page(&self, offset: u64, limit: u64, problems_only: bool) -> RowPage {
        let matching = |row: &&PlanRow| !problems_only || row.has_problem();
        let total = self.rows.iter().filter(matching).count() as u64;
        let indices: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| matching(row))
            .skip(offset as usize)
            .take(limit.min(1000) as usize)
            .map(|(i, _)| i)
            .collect();
        let rows = indices.into_iter().map(|i| self.view(i)).collect();
        RowPage { total, rows }
    }

    /// Sets one cell and checks its row again at once, with every row that shared or now shares its
    /// email (their duplicate findings come and go with it).
    pub fn edit(&mut self, index: u64, column: usize, value: &str) -> Result<RowView> {
        let index = usize::try_from(index)
            .ok()
            .filter(|&i| i < self.rows.len())
            .ok_or_else(|| Error::InvalidInput(format!("There is no row {index} in this import.")))?;
        if self.summary.run_id.is_some() {
            return Err(Error::InvalidInput(
                "This import is already committed; its rows can no longer be changed.".into(),
            ));
        }
        let width = self.rules.columns.headers.len();
        if column >= width {
            return Err(Error::InvalidInput(format!(
                "There is no column {} in this file.",
                column + 1
            )));
        }
        let mut cells: Vec<String> = self.rows[index].cells().into_iter().map(str::to_owned).collect();
        if cells[width.min(cells.len())..].iter().any(|c| !c.trim().is_empty()) {
            return Err(Error::InvalidInput(format!(
                "This row has {} fields for {width} columns, so which value belongs where is unclear. Correct it in \
                 the file (a value probably contains the delimiter without quotes), or save the error file and fix it \
                 there.",
                cells.len()
            )));
        }
        // A short row is padded to the header as it is corrected (empty extra fields go).
        cells.resize(width, String::new());
        let old_key = self.email_key(index);
        cells[column] = value.to_owned();
        self.rows[index].cells = join_cells(cells.iter().map(String::as_str));
        let new_key = self.email_key(index);

        let mut affected = vec![index];
        for key in [old_key, new_key].into_iter().filter(|k| !k.is_empty()) {
            affected.extend((0..self.rows.len()).filter(|&i| i != index && self.email_key(i) == key));
        }
        affected.sort_unstable();
        affected.dedup();
        for &i in &affected {
            let checked = self.recheck(i);
            let line = self.rows[i].line;
            self.rows[i] = plan_row(line, std::mem::take(&mut self.rows[i].cells), &checked);
        }
        let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
        for &i in &affected {
            let key = self.email_key(i);
            if !key.is_empty() && self.rows[i].cells().len() == self.rules.columns.headers.len() {
                groups.entry(key).or_default().push(i as u32);
            }
        }
        for indices in groups.values().filter(|g| g.len() > 1) {
            self.mark_duplicates(indices);
        }
        self.summary = Summary {
            run_id: self.summary.run_id,
            ..self.count()
        };
        Ok(self.view(index))
    }

    fn email_key(&self, index: usize) -> String {
        let row = &self.rows[index];
        if row.cells.split(SEP).count() != self.rules.columns.headers.len() {
            return String::new();
        }
        row.cells
            .split(SEP)
            .nth(self.rules.columns.email)
            .map(|e| e.trim().to_lowercase())
            .unwrap_or_default()
    }
}
