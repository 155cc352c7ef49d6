//! CSV Import of users in the Control Hub style (issue 5). This session lays the reading and
//! checking down; the plan against the store, the commit and the screen come next.
//!
//! - [`decode`]: the file's bytes to text (UTF-8 with or without BOM, UTF-16 with BOM, else
//!   Windows-1252 as Excel's "CSV (Comma delimited)" writes it) and its delimiter.
//! - [`columns`]: headers matched to fields, licence columns recognized.
//! - [`validate`]: one row's findings, each with its column and a sentence.

pub mod columns;
pub mod decode;
pub mod validate;
