//! How a text file was written: its encoding (from a BOM, else UTF-8 when the bytes are UTF-8, else
//! Windows-1252 as Excel's "CSV (Comma delimited)" writes it) and its delimiter. Decided from the
//! first block of the file, so the rest can be streamed.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use crate::{Error, Result};

/// How many bytes the encoding and delimiter are decided from.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// How the file was written, so an error file can be written the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub encoding: &'static Encoding,
    pub bom: bool,
    pub delimiter: u8,
}

/// Decides the format from the file's first bytes (`whole` when they are the whole file).
/// Binary files (NUL bytes outside UTF-16) and empty files are refused with the reason.
pub fn sniff(prefix: &[u8], whole: bool, delimiter: Option<u8>) -> Result<Format> {
    if whole && prefix.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::InvalidInput("The file is empty.".into()));
    }
    let (encoding, bom_len) = match Encoding::for_bom(prefix) {
        Some((encoding, len)) => (encoding, len),
        None if is_utf8_prefix(prefix, whole) => (UTF_8, 0),
        None => (WINDOWS_1252, 0),
    };
    let body = &prefix[bom_len..];
    let utf16 = encoding == UTF_16LE || encoding == UTF_16BE;
    if !utf16 && body.contains(&0) {
        return Err(Error::InvalidInput(
            "This is not a text file (it contains binary data). Save the spreadsheet as CSV, or choose the .xlsx file."
                .into(),
        ));
    }
    let (text, _) = encoding.decode_without_bom_handling(body);
    if whole && text.trim().is_empty() {
        return Err(Error::InvalidInput("The file is empty.".into()));
    }
    Ok(Format {
        encoding,
        bom: bom_len > 0,
        delimiter: delimiter.unwrap_or_else(|| sniff_delimiter(&text)),
    })
}

/// Valid UTF-8, allowing a character cut off at the end of a block that is not the whole file.
fn is_utf8_prefix(bytes: &[u8], whole: bool) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => !whole && e.error_len().is_none(),
    }
}

/// The delimiter among `,` `;` and tab that splits the header line into the most fields, quotes
/// respected (Excel's "Unicode Text" uses tabs; European locales use semicolons).
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |delimiter: char| {
        let mut quoted = false;
        header
            .chars()
            .filter(|&c| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == delimiter && !quoted
            })
            .count()
    };
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (count(d as char), d == b','))
        .unwrap_or(b',')
}

/// The delimiter as people name it.
pub fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".into(),
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        other => format!("\"{}\"", other as char),
    }
}

/// Parses a delimiter a person typed: `,` `;` `tab` `\t` `|` …
/// A delimiter as typed, when one was (blank means "sniff it").
pub fn typed_delimiter(text: Option<&str>) -> Result<Option<u8>> {
    text.filter(|t| !t.trim().is_empty()).map(parse_delimiter).transpose()
}

pub fn parse_delimiter(text: &str) -> Result<u8> {
    match text.trim().to_lowercase().as_str() {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        other if other.len() == 1 && other.is_ascii() => Ok(other.as_bytes()[0]),
        _ => Err(Error::InvalidInput(format!(
            "\"{text}\" is not a delimiter: use , ; tab or another single character."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = sniff(
            "User ID/Email (Required),First Name\njosé@example.com,José\n".as_bytes(),
            true,
            None,
        )
        .unwrap();
        assert_eq!((plain.encoding, plain.bom, plain.delimiter), (UTF_8, false, b','));
        let with_bom = sniff("\u{feff}a;b\n1;2\n".as_bytes(), true, None).unwrap();
        assert!(with_bom.bom);
        assert_eq!(with_bom.delimiter, b';');
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_block_is_still_utf8() {
        let text = "Email,Name\nj@example.com,José";
        let cut = &text.as_bytes()[..text.len() - 1];
        assert_eq!(sniff(cut, false, None).unwrap().encoding, UTF_8);
        assert_eq!(sniff(cut, true, None).unwrap().encoding, WINDOWS_1252);
    }

    #[test]
    fn utf16_tab_separated_as_excel_unicode_text() {
        let text = "Email\tFirst Name\r\nzoë@example.com\tZoë\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let format = sniff(&bytes, true, None).unwrap();
        assert_eq!((format.encoding, format.delimiter), (UTF_16LE, b'\t'));
    }

    #[test]
    fn windows_1252_when_not_utf8() {
        // "Müller" as Excel's CSV (Comma delimited) writes it: ü is 0xFC.
        let format = sniff(b"Email,Last Name\nm@example.com,M\xFCller\n", true, None).unwrap();
        assert_eq!(format.encoding, WINDOWS_1252);
    }

    #[test]
    fn empty_and_binary_files_are_refused_with_the_reason() {
        assert!(sniff(b"  \n", true, None).unwrap_err().to_string().contains("empty"));
        assert!(sniff(b"\xFF\xFE", true, None)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(sniff(b"\x7FELF\x00\x00binary", true, None)
            .unwrap_err()
            .to_string()
            .contains("binary"));
    }

    #[test]
    fn quoted_delimiters_do_not_fool_the_sniffer_and_overrides_win() {
        assert_eq!(sniff_delimiter("\"Name; with semicolons; inside\",Email,Phone\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n"), b'\t');
        assert_eq!(sniff(b"a;b,c;d\n", true, Some(b',')).unwrap().delimiter, b',');
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert!(parse_delimiter("ab").is_err());
    }
}
