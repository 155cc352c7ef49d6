//! Opening a user file and streaming its rows: delimited text in any encoding Excel writes
//! (transcoded to UTF-8 as it is read, never held whole), or the first sheet of an `.xlsx`
//! workbook with every cell read as text.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use csv::StringRecord;
use encoding_rs::{UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;
use serde::{Deserialize, Serialize};

use super::decode::{self, delimiter_name, Format, SNIFF_BYTES};
use crate::{Error, Result};

/// What kind of file was read and how, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportFileFormat"))]
pub struct FileFormat {
    /// "csv" or "xlsx".
    pub kind: String,
    /// e.g. "UTF-8", "UTF-16LE", "windows-1252" ("xlsx" for workbooks).
    pub encoding: String,
    pub bom: bool,
    /// "comma", "semicolon", "tab"…
    pub delimiter: String,
}

/// One row of the file: its number as a spreadsheet shows it (the header is row 1; a quoted
/// newline stays inside its row) and its cells.
#[derive(Debug, Clone, Default)]
pub struct SourceRow {
    pub line: u64,
    pub cells: StringRecord,
}

enum Rows {
    Csv(Box<csv::Reader<Box<dyn Read + Send>>>),
    Xlsx(std::vec::IntoIter<SourceRow>),
}

/// An open file: its header and a stream of its rows.
pub struct Source {
    /// How an error file is written back (xlsx: UTF-8 with a BOM, comma-separated).
    pub format: Format,
    pub shown: FileFormat,
    pub headers: Vec<String>,
    /// The size of the file in bytes (for progress).
    pub bytes: u64,
    rows: Rows,
    /// Records read so far, the header included.
    records: u64,
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("{} could not be read: {e}", path.display()))
}

impl Source {
    /// Opens `path`; `delimiter` overrides the sniffed one. Refused before any row: an empty or
    /// binary file, or one without a header row.
    pub fn open(path: &Path, delimiter: Option<u8>) -> Result<Source> {
        let mut file = File::open(path).map_err(|e| unreadable(path, e))?;
        let bytes = file.metadata().map_err(|e| unreadable(path, e))?.len();
        let mut prefix = Vec::with_capacity(SNIFF_BYTES);
        (&mut file)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut prefix)
            .map_err(|e| unreadable(path, e))?;
        if prefix.starts_with(b"PK\x03\x04") {
            return Source::open_xlsx(path, bytes);
        }
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx") || e.eq_ignore_ascii_case("xls"))
        {
            return Err(Error::InvalidInput(format!(
                "{} is not an Excel .xlsx workbook. Save it from Excel as \"Excel Workbook (.xlsx)\" or as CSV.",
                path.display()
            )));
        }
        let mut format = decode::sniff(&prefix, prefix.len() as u64 == bytes, delimiter)?;
        // The first block looked like UTF-8; a Windows-1252 byte further down would otherwise turn
        // into "�" in someone's name. One streaming pass over the rest decides.
        if format.encoding == UTF_8 && !format.bom && prefix.len() as u64 != bytes && !is_utf8_file(path)? {
            format.encoding = WINDOWS_1252;
        }
        let file = File::open(path).map_err(|e| unreadable(path, e))?;
        let text: Box<dyn Read + Send> = Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(format.encoding))
                .bom_override(true)
                .strip_bom(true)
                .build(BufReader::with_capacity(256 * 1024, file)),
        );
        let reader = csv::ReaderBuilder::new()
            .delimiter(format.delimiter)
            .flexible(true)
            .has_headers(false)
            .buffer_capacity(256 * 1024)
            .from_reader(text);
        let mut source = Source {
            format,
            shown: FileFormat {
                kind: "csv".into(),
                encoding: format.encoding.name().into(),
                bom: format.bom,
                delimiter: delimiter_name(format.delimiter),
            },
            headers: Vec::new(),
            bytes,
            rows: Rows::Csv(Box::new(reader)),
            records: 0,
        };
        source.read_headers()?;
        Ok(source)
    }

    fn open_xlsx(path: &Path, bytes: u64) -> Result<Source> {
        let not_a_workbook = |e: calamine::XlsxError| {
            Error::InvalidInput(format!(
                "{} could not be read as an Excel workbook ({e}). Save it again from Excel as .xlsx or CSV.",
                path.display()
            ))
        };
        let mut workbook: Xlsx<_> = calamine::open_workbook(path).map_err(not_a_workbook)?;
        let range = workbook
            .worksheet_range_at(0)
            .ok_or_else(|| Error::InvalidInput(format!("{} has no worksheet.", path.display())))?
            .map_err(not_a_workbook)?;
        let first_row = range.start().map_or(0, |(row, _)| row as u64);
        let width = range.width();
        let rows: Vec<SourceRow> = range
            .rows()
            .enumerate()
            .map(|(i, cells)| {
                let mut record = StringRecord::with_capacity(64, width);
                for cell in cells {
                    record.push_field(&cell_text(cell));
                }
                SourceRow {
                    line: first_row + i as u64 + 1,
                    cells: record,
                }
            })
            .collect();
        let format = Format {
            encoding: UTF_8,
            bom: true,
            delimiter: b',',
        };
        let mut source = Source {
            format,
            shown: FileFormat {
                kind: "xlsx".into(),
                encoding: "xlsx".into(),
                bom: false,
                delimiter: "cells".into(),
            },
            headers: Vec::new(),
            bytes,
            rows: Rows::Xlsx(rows.into_iter()),
            records: 0,
        };
        source.read_headers()?;
        Ok(source)
    }

    /// The first row that is not blank is the header.
    fn read_headers(&mut self) -> Result<()> {
        let mut row = SourceRow::default();
        if !self.next_row(&mut row)? {
            return Err(Error::InvalidInput(
                "The file has no header row: its first line must name the columns.".into(),
            ));
        }
        // Our own error files escape headers as they escape cells (crate::spreadsheet).
        self.headers = row
            .cells
            .iter()
            .map(|h| crate::spreadsheet::unescape_formula(h.trim()).trim().to_owned())
            .collect();
        Ok(())
    }

    /// Reads the next row that is not blank into `row`; false at the end of the file.
    pub fn next_row(&mut self, row: &mut SourceRow) -> Result<bool> {
        loop {
            let more = match &mut self.rows {
                Rows::Csv(reader) => {
                    let before = reader.position().line();
                    let more = reader
                        .read_record(&mut row.cells)
                        .map_err(|e| Error::InvalidInput(format!("The file could not be read: {e}")))?;
                    // The reader skips empty lines, but a spreadsheet shows each as a row: the lines
                    // read beyond the record's own (its quoted line breaks and its end) were empty.
                    // (A last line with no line break after it, right after empty lines, is the one
                    // case counted short.)
                    let inside = row.cells.as_slice().bytes().filter(|&b| b == b'\n').count() as u64;
                    let empty = reader.position().line().saturating_sub(before + inside + 1);
                    self.records += 1 + if more { empty } else { 0 };
                    row.line = self.records;
                    more
                }
                Rows::Xlsx(rows) => match rows.next() {
                    Some(next) => {
                        *row = next;
                        true
                    }
                    None => false,
                },
            };
            if !more {
                return Ok(false);
            }
            // Rows of empty cells (a spreadsheet's trailing rows) are not rows.
            if row.cells.iter().any(|c| !c.trim().is_empty()) {
                return Ok(true);
            }
        }
    }

    /// How far through the file reading is, in bytes (for progress).
    pub fn bytes_read(&self) -> u64 {
        match &self.rows {
            Rows::Csv(reader) => reader.position().byte(),
            // The sheet was read whole when the workbook opened.
            Rows::Xlsx(_) => self.bytes,
        }
    }
}

/// Whether the whole file is valid UTF-8, read a block at a time.
fn is_utf8_file(path: &Path) -> Result<bool> {
    let mut file = BufReader::with_capacity(1 << 20, File::open(path).map_err(|e| unreadable(path, e))?);
    let mut block = vec![0u8; 1 << 20];
    // Bytes of a character cut at the end of the previous block.
    let mut carried = 0usize;
    loop {
        let read = file.read(&mut block[carried..]).map_err(|e| unreadable(path, e))?;
        let filled = carried + read;
        if read == 0 {
            return Ok(carried == 0);
        }
        match std::str::from_utf8(&block[..filled]) {
            Ok(_) => carried = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                block.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// A cell as the text a person sees: whole numbers without ".0" (a phone number typed as a
/// number must keep its digits), TRUE/FALSE for booleans.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        other => other.to_string(),
    }
}
