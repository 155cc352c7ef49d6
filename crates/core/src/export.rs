//! CSV export of stored records: UTF-8 with a BOM (so Excel shows accents), and cells that a
//! spreadsheet would run as a formula escaped with a leading apostrophe.

use std::path::Path;

use crate::model::Entity;
use crate::store::Store;
use crate::{Error, Result};

/// Makes a cell safe to open in a spreadsheet: `=`, `+`, `-`, `@`, tab and CR start formulas there.
pub fn escape_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes every stored record of `entity` to `path`; returns the number of rows.
pub fn export_records(store: &Store, entity: Entity, path: &Path) -> Result<usize> {
    let records = store.list_records(entity)?;
    let detail = if entity == Entity::Users { "Email" } else { "Detail" };
    let mut bytes = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::Writer::from_writer(&mut bytes);
        let write_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        writer
            .write_record([
                "CXone ID",
                "Name",
                detail,
                "Active",
                "Group",
                "Password set",
                "Business unit",
                "First synced",
                "Last synced",
                "Missing upstream since",
            ])
            .map_err(write_err)?;
        for r in &records {
            let active = if r.is_active { "TRUE" } else { "FALSE" };
            let password = if r.password_set { "TRUE" } else { "FALSE" };
            let bu = r.business_unit_id.to_string();
            let cells = [
                r.id.as_str(),
                &r.name,
                &r.detail,
                active,
                &r.group_name,
                password,
                &bu,
                &r.first_synced_at,
                &r.last_synced_at,
                r.missing_upstream_since.as_deref().unwrap_or(""),
            ];
            writer
                .write_record(cells.iter().map(|c| escape_formula(c).into_owned()))
                .map_err(write_err)?;
        }
        writer.flush()?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io_at(path, e))?;
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::escape_formula;

    #[test]
    fn formula_starts_are_escaped_and_the_rest_kept() {
        assert_eq!(escape_formula("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(escape_formula("@cmd"), "'@cmd");
        assert_eq!(escape_formula("-1"), "'-1");
        assert_eq!(escape_formula("José"), "José");
        assert_eq!(escape_formula(""), "");
    }
}
