//! The new records of a streamed pull, held from the page they arrive on until the final write:
//! their columns as read, their raw JSON compressed page by page (LZ4). 100,000 new users hold
//! about 20 MB instead of the 110 MB of JSON CXone sent, and nothing is written to disk and read
//! back before the write (a temporary table did that before: BENCHMARKS.md, issue 15).

use crate::vendor::cxone::records::FetchedRecord;
use crate::{Error, Result};

#[derive(Default)]
pub(super) struct StagedRecords {
    pages: Vec<StagedPage>,
    len: usize,
    /// Where a page's JSON is gathered to be compressed (kept: one allocation for the pull).
    gathered: String,
}

struct StagedPage {
    /// The raw JSON of the page's new records, one after another, LZ4-compressed.
    raw: Vec<u8>,
    /// Each record without its raw JSON (`raw` is empty), and that JSON's length in bytes.
    records: Vec<(FetchedRecord, usize)>,
}

impl StagedRecords {
    /// Holds the new records of one page.
    pub(super) fn push(&mut self, records: Vec<FetchedRecord>) {
        if records.is_empty() {
            return;
        }
        self.gathered.clear();
        let records: Vec<(FetchedRecord, usize)> = records
            .into_iter()
            .map(|mut record| {
                // Lets go of the page the record came on.
                let json = std::mem::take(&mut record.raw);
                self.gathered.push_str(&json);
                (record, json.len())
            })
            .collect();
        self.len += records.len();
        self.pages.push(StagedPage {
            raw: lz4_flex::compress_prepend_size(self.gathered.as_bytes()),
            records,
        });
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Hands the records over a page at a time, each with its raw JSON, in the order they
    /// arrived (one page unpacked at a time).
    pub(super) fn for_each_page(&self, mut write: impl FnMut(&[(&FetchedRecord, &str)]) -> Result<()>) -> Result<()> {
        for page in &self.pages {
            let bytes = lz4_flex::decompress_size_prepended(&page.raw)
                .map_err(|e| Error::Internal(format!("staged records could not be unpacked: {e}")))?;
            let raw =
                String::from_utf8(bytes).map_err(|e| Error::Internal(format!("staged records are not UTF-8: {e}")))?;
            let mut records = Vec::with_capacity(page.records.len());
            let mut at = 0;
            for (record, len) in &page.records {
                let json = raw
                    .get(at..at + len)
                    .ok_or_else(|| Error::Internal("staged records are cut short".into()))?;
                records.push((record, json));
                at += len;
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
        let raw = raw.into();
        FetchedRecord {
            id: id.to_string(),
            name: format!("Agent {id}"),
            detail: format!("a{id}@example.com"),
            is_active: id.is_multiple_of(2),
            email_key: Some(format!("a{id}@example.com")),
            fields_hash: id as i64,
            raw,
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
            staged.push(records);
        }
        assert_eq!(staged.len(), expected.len());
        let mut seen = Vec::new();
        staged
            .for_each_page(|records| {
                for (record, raw) in records {
                    seen.push(FetchedRecord {
                        raw: raw.to_string().into(),
                        ..(*record).clone()
                    });
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_failing_write_stops_the_walk() {
        let mut staged = StagedRecords::default();
        staged.push(vec![record(1, "{}".into())]);
        staged.push(vec![record(2, "{}".into())]);
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
