//! The `connections` table.

use rusqlite::{params, OptionalExtension, Row};

use super::{now_rfc3339, Store};
use crate::model::{Connection, ConnectionSettings, LastTest};
use crate::{Error, Result};

const COLUMNS: &str =
    "id, name, settings, is_demo, created_at, updated_at, last_test_at, last_test_ok, last_test_message";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Connection> {
    let settings: String = row.get(2)?;
    let settings: ConnectionSettings = serde_json::from_str(&settings)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e)))?;
    let last_test = match (row.get::<_, Option<String>>(6)?, row.get::<_, Option<bool>>(7)?) {
        (Some(at), Some(ok)) => Some(LastTest {
            at,
            ok,
            message: row.get::<_, Option<String>>(8)?.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Connection {
        id: row.get(0)?,
        name: row.get(1)?,
        settings,
        is_demo: row.get(3)?,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
        last_test,
        stored_secrets: Vec::new(),
    })
}

fn name_taken(error: rusqlite::Error, name: &str) -> Error {
    match error {
        rusqlite::Error::SqliteFailure(e, _) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
            Error::NameTaken(name.to_owned())
        }
        other => other.into(),
    }
}

impl Store {
    pub fn list_connections(&self) -> Result<Vec<Connection>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM connections ORDER BY name"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn get_connection(&self, id: &str) -> Result<Option<Connection>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM connections WHERE id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }

    /// Finds a connection by id, or by name (case-insensitive) as the CLI takes it.
    pub fn find_connection(&self, id_or_name: &str) -> Result<Connection> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM connections WHERE id = ?1 OR name = ?1 COLLATE NOCASE"
        ))?;
        stmt.query_row([id_or_name], from_row).optional()?.ok_or_else(|| {
            Error::NotFound(format!(
                "No connection is named \"{id_or_name}\". `ccsync connection list` shows the saved ones."
            ))
        })
    }

    pub fn insert_connection(
        &self,
        id: &str,
        name: &str,
        settings: &ConnectionSettings,
        is_demo: bool,
    ) -> Result<Connection> {
        let now = now_rfc3339();
        let settings_json = serde_json::to_string(settings).map_err(|e| Error::Internal(e.to_string()))?;
        self.conn
            .prepare_cached(
                "INSERT INTO connections (id, name, kind, settings, is_demo, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?
            .execute(params![id, name, settings.kind().as_str(), settings_json, is_demo, now])
            .map_err(|e| name_taken(e, name))?;
        self.get_connection(id)?
            .ok_or_else(|| Error::Internal("a connection vanished right after it was saved".into()))
    }

    pub fn update_connection(&self, id: &str, name: &str, settings: &ConnectionSettings) -> Result<Connection> {
        let settings_json = serde_json::to_string(settings).map_err(|e| Error::Internal(e.to_string()))?;
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE connections SET name = ?2, kind = ?3, settings = ?4, updated_at = ?5 WHERE id = ?1",
            )?
            .execute(params![
                id,
                name,
                settings.kind().as_str(),
                settings_json,
                now_rfc3339()
            ])
            .map_err(|e| name_taken(e, name))?;
        if changed == 0 {
            return Err(Error::NotFound(format!("The connection \"{name}\" no longer exists.")));
        }
        self.get_connection(id)?
            .ok_or_else(|| Error::Internal("a connection vanished right after it was saved".into()))
    }

    pub fn delete_connection(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM connections WHERE id = ?1")?
            .execute([id])?
            > 0)
    }

    pub fn record_connection_test(&self, id: &str, ok: bool, message: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE connections SET last_test_at = ?2, last_test_ok = ?3, last_test_message = ?4 WHERE id = ?1",
            )?
            .execute(params![id, now_rfc3339(), ok, message])?;
        Ok(())
    }
}
