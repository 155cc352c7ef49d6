//! The Records screen's CSV export of what Synchronize stored: UTF-8 with a BOM (so Excel shows
//! accents), every cell escaped by [`crate::spreadsheet::escape_formula`].

use std::path::Path;

use crate::model::Entity;
use crate::spreadsheet::escape_formula;
use crate::store::Store;
use crate::{Error, Result};

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
