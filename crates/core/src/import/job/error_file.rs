//! The error file: the rejected rows with a `Row` column (the row's number in the source, as the
//! messages name it) and an `Error` column, in the source file's own format, so it imports once
//! corrected (both columns are ignored there).

use std::borrow::Cow;
use std::path::Path;

use crate::import::columns::{ERROR_HEADER, ROW_HEADER};
use crate::import::decode::Format;
use crate::import::rules::Action;
use crate::{Error, Result};

use super::Job;
use crate::spreadsheet::{self, escape_formula};

impl Job {
    /// Writes the invalid rows to `out`: `Row`, `Error`, then the original columns, in the file's own
    /// encoding (UTF-8 always with a BOM) and delimiter, so the file imports once corrected.
    /// Returns how many rows.
    pub fn write_errors(&self, out: &Path) -> Result<usize> {
        if std::fs::canonicalize(out).is_ok_and(|out| std::fs::canonicalize(&self.path).is_ok_and(|p| p == out)) {
            return Err(Error::InvalidInput(
                "The error file would replace the file being imported; choose another name.".into(),
            ));
        }
        let mut writer = spreadsheet::csv_writer()
            .delimiter(self.format.delimiter)
            .flexible(true)
            .from_writer(Vec::new());
        let csv_error = |e: csv::Error| Error::Internal(format!("writing the error file: {e}"));
        // `Row` (the row's number in this file, the one its messages use) and `Error` come first, so
        // a row with too many fields keeps every one of them. An error file imported again has them
        // rewritten in place, not a second pair added.
        let existing = |name: &str| self.headers().iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let (row_at, error_at) = (existing(ROW_HEADER), existing(ERROR_HEADER));
        let added: Vec<&str> = [(ROW_HEADER, row_at), (ERROR_HEADER, error_at)]
            .into_iter()
            .filter(|(_, at)| at.is_none())
            .map(|(name, _)| name)
            .collect();
        let header: Vec<&str> = added
            .iter()
            .copied()
            .chain(self.headers().iter().map(String::as_str))
            .collect();
        // Headers come from the source file: escaped like every other cell.
        writer
            .write_record(header.iter().map(|h| escape_formula(h).into_owned()))
            .map_err(csv_error)?;
        let mut written = 0;
        for row in self.rows.iter().filter(|r| r.action == Action::Invalid) {
            let errors: Vec<String> = row
                .findings
                .iter()
                .flatten()
                .filter(|f| !f.warning)
                .map(|f| match &f.column {
                    Some(column) => format!("{column}: {}", f.message),
                    None => f.message.clone(),
                })
                .collect();
            // The messages quote the cells and name the headers: escaped like them.
            let errors = escape_formula(&errors.join(" | ")).into_owned();
            let line = row.line.to_string();
            // Escaped again as our export escapes them (reading removed the apostrophe).
            let mut cells: Vec<Cow<'_, str>> = row.cells().into_iter().map(escape_formula).collect();
            let mut record: Vec<Cow<'_, str>> = Vec::with_capacity(added.len() + cells.len());
            for (at, value) in [(row_at, &line), (error_at, &errors)] {
                match at {
                    Some(column) => {
                        if column >= cells.len() {
                            cells.resize(column + 1, Cow::Borrowed(""));
                        }
                        cells[column] = Cow::Borrowed(value.as_str());
                    }
                    None => record.push(Cow::Borrowed(value.as_str())),
                }
            }
            record.extend(cells);
            writer
                .write_record(record.iter().map(|c| c.as_bytes()))
                .map_err(csv_error)?;
            written += 1;
        }
        let text = String::from_utf8(writer.into_inner().map_err(|e| Error::Internal(e.to_string()))?)
            .map_err(|e| Error::Internal(e.to_string()))?;
        // Excel opens UTF-8 without a BOM in the local code page, garbling accented names: an error
        // file of a UTF-8 source always has one (it reads back the same).
        let format = if self.format.encoding == encoding_rs::UTF_8 {
            Format {
                bom: true,
                ..self.format
            }
        } else {
            self.format
        };
        std::fs::write(out, crate::import::encode::encode(&text, format)).map_err(|e| Error::io_at(out, e))?;
        Ok(written)
    }
}
