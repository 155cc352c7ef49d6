//! The error file: the rejected rows with an `Error` column, in the source file's own format,
//! so it imports once corrected.

use std::borrow::Cow;
use std::path::Path;

use crate::import::columns::ERROR_HEADER;
use crate::import::decode::Format;
use crate::import::rules::Action;
use crate::{Error, Result};

use super::Job;
use crate::spreadsheet::escape_formula;

impl Job {
    /// Writes the invalid rows to `out`: the original columns plus `Error`, in the file's own
    /// encoding (UTF-8 always with a BOM) and delimiter, so the file imports once corrected.
    /// Returns how many rows.
    pub fn write_errors(&self, out: &Path) -> Result<usize> {
        if std::fs::canonicalize(out).is_ok_and(|out| std::fs::canonicalize(&self.path).is_ok_and(|p| p == out)) {
            return Err(Error::InvalidInput(
                "The error file would replace the file being imported; choose another name.".into(),
            ));
        }
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.format.delimiter)
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let csv_error = |e: csv::Error| Error::Internal(format!("writing the error file: {e}"));
        // The Error column comes first, so a row with too many fields keeps every one of them; an
        // error file imported again has its Error column rewritten, not a second one added.
        let existing = self
            .headers()
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(ERROR_HEADER));
        let mut header: Vec<&str> = self.headers().iter().map(String::as_str).collect();
        if existing.is_none() {
            header.insert(0, ERROR_HEADER);
        }
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
            // Escaped again as our export escapes them (reading removed the apostrophe).
            let mut cells: Vec<Cow<'_, str>> = row.cells().into_iter().map(escape_formula).collect();
            match existing {
                Some(column) if column < cells.len() => cells[column] = errors.into(),
                Some(column) => {
                    cells.resize(column, Cow::Borrowed(""));
                    cells.push(errors.into());
                }
                None => cells.insert(0, errors.into()),
            }
            writer
                .write_record(cells.iter().map(|c| c.as_bytes()))
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
