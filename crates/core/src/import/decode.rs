//! From the file's bytes to text and a delimiter.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use crate::{Error, Result};

/// How the file was written, so an error file can be written the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub encoding: &'static Encoding,
    pub bom: bool,
    pub delimiter: u8,
}

/// The text of the file and how it was written.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub format: Format,
}

/// Decodes the file: a BOM decides; else UTF-8 when the bytes are valid UTF-8; else Windows-1252.
/// Binary files (NUL bytes outside UTF-16) and empty files are refused with the reason.
pub fn decode(bytes: &[u8], delimiter: Option<u8>) -> Result<Decoded> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::InvalidInput("The file is empty.".into()));
    }
    let (encoding, bom_len) = match Encoding::for_bom(bytes) {
        Some((encoding, len)) => (encoding, len),
        None if std::str::from_utf8(bytes).is_ok() => (UTF_8, 0),
        None => (WINDOWS_1252, 0),
    };
    let body = &bytes[bom_len..];
    if encoding != UTF_16LE && encoding != UTF_16BE && body.contains(&0) {
        return Err(Error::InvalidInput(
            "This is not a text file (it contains binary data). Save the spreadsheet as CSV, or choose the .xlsx file."
                .into(),
        ));
    }
    let (text, _) = encoding.decode_without_bom_handling(body);
    let text = text.into_owned();
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    Ok(Decoded {
        text,
        format: Format {
            encoding,
            bom: bom_len > 0,
            delimiter,
        },
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode(
            "User ID/Email (Required),First Name\njosé@example.com,José\n".as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(
            (plain.format.encoding, plain.format.bom, plain.format.delimiter),
            (UTF_8, false, b',')
        );
        let with_bom = decode("\u{feff}a;b\n1;2\n".as_bytes(), None).unwrap();
        assert!(with_bom.format.bom);
        assert_eq!(with_bom.format.delimiter, b';');
        assert!(with_bom.text.starts_with("a;b"), "the BOM is not part of the text");
    }

    #[test]
    fn utf16_tab_separated_as_excel_unicode_text() {
        let text = "Email\tFirst Name\r\nzoë@example.com\tZoë\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let decoded = decode(&bytes, None).unwrap();
        assert_eq!((decoded.format.encoding, decoded.format.delimiter), (UTF_16LE, b'\t'));
        assert!(decoded.text.contains("Zoë"));
    }

    #[test]
    fn windows_1252_when_not_utf8() {
        // "Müller" as Excel's CSV (Comma delimited) writes it: ü is 0xFC.
        let bytes = b"Email,Last Name\nm@example.com,M\xFCller\n";
        let decoded = decode(bytes, None).unwrap();
        assert_eq!(decoded.format.encoding, WINDOWS_1252);
        assert!(decoded.text.contains("Müller"));
    }

    #[test]
    fn empty_and_binary_files_are_refused_with_the_reason() {
        assert!(decode(b"  \n", None).unwrap_err().to_string().contains("empty"));
        assert!(decode(b"PK\x03\x04\x00\x00binary", None)
            .unwrap_err()
            .to_string()
            .contains("binary"));
    }

    #[test]
    fn quoted_delimiters_do_not_fool_the_sniffer() {
        assert_eq!(sniff_delimiter("\"Name; with semicolons; inside\",Email,Phone\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n"), b'\t');
    }
}
