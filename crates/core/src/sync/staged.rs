//! The new records of a streamed pull, held from the page they arrive on until the final write:
//! each page's records (their columns and the JSON CXone sent) packed into one LZ4-compressed
//! block. 100,000 new users hold about 12 MB instead of the 110 MB of JSON CXone sent plus their
//! columns scattered over the parsing threads' memory, and nothing is written to disk and read
//! back before the write (a temporary table did that before: BENCHMARKS.md, issue 15).

use crate::vendor::cxone::records::FetchedRecord;
use crate::{Error, Result};

/// A record to create, borrowed from wherever it is held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct NewRecord<'a> {
    pub(super) id: &'a str,
    pub(super) name: &'a str,
    pub(super) detail: &'a str,
    pub(super) email_key: Option<&'a str>,
    pub(super) is_active: bool,
    pub(super) fields_hash: i64,
    pub(super) raw: &'a str,
}

impl<'a> From<&'a FetchedRecord> for NewRecord<'a> {
    fn from(record: &'a FetchedRecord) -> NewRecord<'a> {
        NewRecord {
            id: &record.id,
            name: &record.name,
            detail: &record.detail,
            email_key: record.email_key.as_deref(),
            is_active: record.is_active,
            fields_hash: record.fields_hash,
            raw: &record.raw,
        }
    }
}

#[derive(Default)]
pub(super) struct StagedRecords {
    pages: Vec<StagedPage>,
    /// Where a page's records are packed to be compressed (kept: one allocation for the pull).
    packed: String,
}

struct StagedPage {
    /// The page's records' text, one after another (id, name, detail, email key, JSON),
    /// LZ4-compressed.
    text: Vec<u8>,
    records: Vec<StagedRecord>,
}

/// What a packed record keeps outside the compressed text.
struct StagedRecord {
    /// The byte lengths of its id, name, detail, email key and JSON in the packed text.
    lengths: [u32; 5],
    has_email_key: bool,
    is_active: bool,
    fields_hash: i64,
}

impl StagedRecords {
    /// Packs the new records of one page (and lets go of the page they came on).
    pub(super) fn push(&mut self, records: Vec<FetchedRecord>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        self.packed.clear();
        let mut staged = Vec::with_capacity(records.len());
        for record in &records {
            let texts = [
                record.id.as_str(),
                &record.name,
                &record.detail,
                record.email_key.as_deref().unwrap_or(""),
                &record.raw,
            ];
            let mut lengths = [0u32; 5];
            for (length, text) in lengths.iter_mut().zip(texts) {
                *length = u32::try_from(text.len())
                    .map_err(|_| Error::Internal("a record of more than 4 GB was sent".into()))?;
                self.packed.push_str(text);
            }
            staged.push(StagedRecord {
                lengths,
                has_email_key: record.email_key.is_some(),
                is_active: record.is_active,
                fields_hash: record.fields_hash,
            });
        }
        self.pages.push(StagedPage {
            text: lz4_flex::compress_prepend_size(self.packed.as_bytes()),
            records: staged,
        });
        Ok(())
    }

    pub(super) fn len(&self) -> usize {
        self.pages.iter().map(|page| page.records.len()).sum()
    }

    /// The memory the compressed text takes.
    pub(super) fn compressed_bytes(&self) -> usize {
        self.pages.iter().map(|page| page.text.len()).sum()
    }

    /// Hands the records over a page at a time, in the order they arrived (one page unpacked
    /// at a time).
    pub(super) fn for_each_page(&self, mut write: impl FnMut(&[NewRecord<'_>]) -> Result<()>) -> Result<()> {
        for page in &self.pages {
            let bytes = lz4_flex::decompress_size_prepended(&page.text)
                .map_err(|e| Error::Internal(format!("staged records could not be unpacked: {e}")))?;
            let text =
                String::from_utf8(bytes).map_err(|e| Error::Internal(format!("staged records are not UTF-8: {e}")))?;
            let mut records = Vec::with_capacity(page.records.len());
            let mut at = 0;
            for record in &page.records {
                let mut texts = [""; 5];
                for (slot, &length) in texts.iter_mut().zip(&record.lengths) {
                    let end = at + length as usize;
                    *slot = text
                        .get(at..end)
                        .ok_or_else(|| Error::Internal("staged records are cut short".into()))?;
                    at = end;
                }
                let [id, name, detail, email_key, raw] = texts;
                records.push(NewRecord {
                    id,
                    name,
                    detail,
                    email_key: record.has_email_key.then_some(email_key),
                    is_active: record.is_active,
                    fields_hash: record.fields_hash,
                    raw,
                });
            }
            write(&records)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: usize, raw: String) -> FetchedRecord {
        FetchedRecord {
            id: id.to_string(),
            name: if id.is_multiple_of(4) {
                String::new()
            } else {
                format!("Agent Zoë {id}")
            },
            detail: format!("a{id}@example.com"),
            is_active: id.is_multiple_of(2),
            // No key, and an empty one, both come back as they were.
            email_key: match id % 3 {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!("a{id}@example.com")),
            },
            fields_hash: id as i64 * -7,
            raw: raw.into(),
        }
    }

    #[test]
    fn every_record_comes_back_whole_and_in_order() {
        let mut staged = StagedRecords::default();
        let mut expected = Vec::new();
        for page in 0..5 {
            let records: Vec<FetchedRecord> = (0..page * 7)
                .map(|n| {
                    let id = page * 100 + n;
                    // Multi-byte characters, empty and long bodies.
                    let raw = match n % 3 {
                        0 => String::new(),
                        1 => format!(r#"{{"agentId":{id},"name":"Zoë 日本 😀"}}"#),
                        _ => format!(r#"{{"agentId":{id},"x":"{}"}}"#, "y".repeat(n * 50)),
                    };
                    record(id, raw)
                })
                .collect();
            expected.extend(records.iter().cloned());
            staged.push(records).unwrap();
        }
        assert_eq!(staged.len(), expected.len());
        let mut seen = 0;
        staged
            .for_each_page(|records| {
                for record in records {
                    assert_eq!(*record, NewRecord::from(&expected[seen]));
                    seen += 1;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, expected.len());
    }

    #[test]
    fn a_failing_write_stops_the_walk() {
        let mut staged = StagedRecords::default();
        staged.push(vec![record(1, "{}".into())]).unwrap();
        staged.push(vec![record(2, "{}".into())]).unwrap();
        let mut calls = 0;
        let error = staged
            .for_each_page(|_| {
                calls += 1;
                Err(Error::Cancelled)
            })
            .unwrap_err();
        assert!(matches!(error, Error::Cancelled));
        assert_eq!(calls, 1);
    }
}
