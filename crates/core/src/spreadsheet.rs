//! Cells made safe for spreadsheets: every CSV CC Sync writes (records, users, mappings, error
//! files, their header rows included) escapes what Excel, LibreOffice or Google Sheets would run
//! as a formula, and reading our own files back undoes it.
//!
//! The rules:
//! - a cell whose first character other than whitespace is `=`, `+`, `-` or `@`, or their
//!   full-width forms `＝ ＋ － ＠` (which an East Asian spreadsheet turns into the ASCII ones), or
//!   whose first character is a tab or a carriage return, gets an apostrophe in front;
//! - except a phone number in E.164 (`+` and digits only): it cannot compute or call anything, and
//!   an apostrophe would reach the directory with it;
//! - a cell that already starts with an apostrophe in front of something escapable gets one more,
//!   so that reading it back ([`unescape_formula`]) gives exactly what was written.
//!
//! Every such CSV is also written the same way on every OS ([`csv_writer`]): CRLF line ends (RFC
//! 4180, and what Excel on Windows expects) and, in UTF-8, a leading [`UTF8_BOM`] (without it
//! Excel reads the file in the local code page and garbles accented names).

use std::borrow::Cow;

/// The byte-order mark every UTF-8 CSV CC Sync writes starts with.
pub const UTF8_BOM: &str = "\u{feff}";

/// The CSV writer settings every file CC Sync writes starts from: CRLF line ends on every OS (the
/// `csv` crate's default is LF). Callers add a delimiter or quoting of their own.
pub fn csv_writer() -> csv::WriterBuilder {
    let mut builder = csv::WriterBuilder::new();
    builder.terminator(csv::Terminator::CRLF);
    builder
}

/// The signs that start a formula, ASCII and full-width.
const FORMULA_SIGNS: [char; 8] = ['=', '+', '-', '@', '＝', '＋', '－', '＠'];

/// `+` followed by digits only: a phone number in E.164, not a formula.
fn is_e164(cell: &str) -> bool {
    cell.strip_prefix('+')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether [`escape_formula`] puts an apostrophe in front of this cell.
fn needs_escape(cell: &str) -> bool {
    if cell.starts_with(['\t', '\r']) {
        return true;
    }
    if is_e164(cell) {
        return false;
    }
    if cell.trim_start().starts_with(FORMULA_SIGNS) {
        return true;
    }
    // Ours, escaped once already: one more apostrophe keeps the round trip exact.
    cell.strip_prefix('\'').is_some_and(needs_escape)
}

/// Makes a cell safe to open in a spreadsheet (the module's rules); every other cell is kept.
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    if needs_escape(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Our own exports escape formula starts with an apostrophe; reading one back removes it, so an
/// export imports unchanged: `unescape_formula(&escape_formula(x)) == x` for every `x`.
pub fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_escape(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_formula, unescape_formula};

    #[test]
    fn formula_starts_are_escaped_and_the_rest_kept() {
        assert_eq!(escape_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(escape_formula("@cmd"), "'@cmd");
        assert_eq!(escape_formula("-1"), "'-1");
        assert_eq!(escape_formula("José"), "José");
        assert_eq!(escape_formula(""), "");
    }

    #[test]
    fn whitespace_and_full_width_signs_are_escaped_but_e164_phones_kept() {
        for cell in [
            " =SUM(A1)",
            "  +cmd|' /C calc'!A0",
            "\u{a0}@SUM(1)",
            "\n=1+1",
            "\t",
            "\r=1",
            "＝HYPERLINK(\"http://x\")",
            "＋1",
            "－1",
            "＠SUM(1)",
            " ＝1",
            "+1 (201) 555-0123",
            "+",
            "+1+1",
            "'=1",
            "''=1",
        ] {
            let escaped = escape_formula(cell);
            assert_eq!(escaped, format!("'{cell}"), "{cell:?}");
            assert_eq!(unescape_formula(&escaped), cell, "{cell:?} round trip");
        }
        for cell in ["+12015550123", "+442071838750", "Jane", "a=b", "'quoted", "0123", "'"] {
            assert_eq!(escape_formula(cell), cell, "{cell:?}");
            assert_eq!(unescape_formula(cell), cell, "{cell:?} round trip");
        }
    }
}
