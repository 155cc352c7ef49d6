//! Text back to bytes in a file's own format (the error file re-imports like the original).

use encoding_rs::{UTF_16BE, UTF_16LE, UTF_8};

use super::decode::Format;

/// `text` in `format`'s encoding, with its BOM when the original had one. UTF-16 is written by
/// hand: encoding_rs encodes only to ASCII-compatible encodings. Text Windows-1252 cannot hold
/// (a name corrected in the review table, say "Łukasz") is written as UTF-8 with a BOM instead,
/// which reads back the same, rather than with characters replaced.
pub fn encode(text: &str, format: Format) -> Vec<u8> {
    let encoding = format.encoding;
    if encoding == UTF_16LE || encoding == UTF_16BE {
        let little = encoding == UTF_16LE;
        let mut bytes = Vec::with_capacity(2 + text.len() * 2);
        let units = std::iter::once(0xFEFF).chain(text.encode_utf16());
        for unit in units {
            bytes.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        return bytes;
    }
    let mut bytes = Vec::with_capacity(text.len() + 3);
    if encoding == UTF_8 {
        if format.bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(text.as_bytes());
    } else {
        let (encoded, _, unmappable) = encoding.encode(text);
        if unmappable {
            return encode(
                text,
                Format {
                    encoding: UTF_8,
                    bom: true,
                    ..format
                },
            );
        }
        bytes.extend_from_slice(&encoded);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::decode::sniff;
    use encoding_rs::WINDOWS_1252;

    #[test]
    fn each_encoding_round_trips_through_the_sniffer() {
        let text = "Email;Last Name\r\nm@example.com;Müller\r\n";
        for (encoding, bom) in [
            (UTF_8, true),
            (UTF_8, false),
            (UTF_16LE, true),
            (UTF_16BE, true),
            (WINDOWS_1252, false),
        ] {
            let format = Format {
                encoding,
                bom,
                delimiter: b';',
            };
            let bytes = encode(text, format);
            assert_eq!(sniff(&bytes, true, None).unwrap(), format, "{}", encoding.name());
        }
        let windows = Format {
            encoding: WINDOWS_1252,
            bom: false,
            delimiter: b',',
        };
        let bytes = encode("Email,Name\r\nl@example.com,Łukasz\r\n", windows);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF") && String::from_utf8_lossy(&bytes).contains("Łukasz"));
    }
}
