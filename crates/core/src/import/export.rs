//! Users to a Control Hub-style CSV: the headers an import recognizes, licences as TRUE / FALSE,
//! UTF-8 with a BOM so Excel shows accents, formula starts escaped by `crate::spreadsheet::escape_formula`
//! (E.164 phone numbers stay intact). Importing the file back changes nothing.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::rules::Licence;
use super::users::load_users_ordered;
use super::validate::Role;
use crate::spreadsheet::{csv_writer, escape_formula, UTF8_BOM};
use crate::store::Store;
use crate::{Error, Result};

pub const HEADERS: [&str; 8] = [
    "User ID/Email (Required)",
    "First Name",
    "Last Name",
    "Display Name",
    "Phone Number",
    "Contact Center Standard Agent",
    "Contact Center Premium Agent",
    "Role",
];

/// Writes every stored user with an email to `path`; returns how many.
pub fn export_users(store: &Store, path: &Path) -> Result<usize> {
    let io_error = |e| Error::io_at(path, e);
    let file = std::fs::File::create(path).map_err(io_error)?;
    let mut out = BufWriter::new(file);
    out.write_all(UTF8_BOM.as_bytes()).map_err(io_error)?;
    let mut writer = csv_writer().from_writer(out);
    let csv_error = |e: csv::Error| Error::Internal(format!("writing {}: {e}", path.display()));
    writer.write_record(HEADERS).map_err(csv_error)?;
    let mut count = 0;
    for (email, user) in load_users_ordered(store.conn())? {
        let values = &user.values;
        let flag = |on: bool| if on { "TRUE" } else { "FALSE" };
        let cells: [std::borrow::Cow<'_, str>; 8] = [
            escape_formula(&email),
            escape_formula(&values.first_name),
            escape_formula(&values.last_name),
            escape_formula(&values.display_name),
            escape_formula(&values.phone),
            flag(values.licence == Licence::Standard).into(),
            flag(values.licence == Licence::Premium).into(),
            values.role.map_or("", Role::label).into(),
        ];
        writer
            .write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(csv_error)?;
        count += 1;
    }
    writer.flush().map_err(io_error)?;
    Ok(count)
}
