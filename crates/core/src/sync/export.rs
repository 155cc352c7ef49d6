//! The Records screen's CSV export of what Synchronize stored: UTF-8 with a BOM (so Excel shows
//! accents), every cell escaped by [`crate::spreadsheet::escape_formula`].

use std::path::Path;

use crate::model::Entity;
use crate::spreadsheet::{csv_writer, escape_formula, UTF8_BOM};
use crate::store::Store;
use crate::{Error, Result};

/// Writes every stored record of `entity` to `path`; returns the number of rows.
pub fn export_records(store: &Store, entity: Entity, path: &Path) -> Result<usize> {
    let records = store.list_records(entity)?;
    let detail = if entity == Entity::Users { "Email" } else { "Detail" };
    let mut bytes = Vec::from(UTF8_BOM.as_bytes());
    {
        let mut writer = csv_writer().from_writer(&mut bytes);
        let write_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        writer
            .write_record([
                "CXone ID",
                "Name",
                detail,
                "Active",
                "Group",
                "Password set",
                "Must change password",
                "Business unit",
                "First synced",
                "Last synced",
                "Missing upstream since",
            ])
            .map_err(write_err)?;
        for r in &records {
            let active = if r.is_active { "TRUE" } else { "FALSE" };
            let password = if r.password_set { "TRUE" } else { "FALSE" };
            let must_change = if r.must_change_password { "TRUE" } else { "FALSE" };
            let bu = r.business_unit_id.to_string();
            let cells = [
                r.id.as_str(),
                &r.name,
                &r.detail,
                active,
                &r.group_name,
                password,
                must_change,
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
    use super::*;

    #[test]
    fn every_cell_a_spreadsheet_would_run_is_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
        let names = [" =SUM(A1)", "＝HYPERLINK(\"x\")", "\t@cmd", "Ann", "+1+1", "－1"];
        for (i, name) in names.iter().enumerate() {
            store
                .conn()
                .execute(
                    "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active,
                                          fields_hash, raw, group_name, first_synced_at, last_synced_at)
                     VALUES ('users', 1, ?1, ?2, ?3, ?3, 1, 0, '{}', ?4, 'now', 'now')",
                    rusqlite::params![format!("-{i}"), name, format!("＠user{i}@example.com"), " +group"],
                )
                .unwrap();
        }
        let path = dir.path().join("records.csv");
        assert_eq!(export_records(&store, Entity::Users, &path).unwrap(), names.len());
        let text = std::fs::read_to_string(&path).unwrap();
        // What Excel on Windows expects, written the same on every OS.
        let body = text.strip_prefix('\u{feff}').expect("UTF-8 with a BOM");
        assert_eq!(body.matches("\r\n").count(), names.len() + 1, "{body:?}");
        assert_eq!(
            body.matches('\n').count(),
            body.matches("\r\n").count(),
            "CRLF line ends only"
        );
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let written: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
        for name in names {
            let expected = if name == "Ann" {
                name.to_owned()
            } else {
                format!("'{name}")
            };
            assert!(written.contains(&expected.as_str()), "{name:?} in {written:?}");
        }
        for row in &rows {
            assert!(
                row[0].starts_with("'-") && row[2].starts_with("'＠") && &row[4] == "' +group",
                "{row:?}"
            );
        }
    }
}
