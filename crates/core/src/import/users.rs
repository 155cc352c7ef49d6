//! The local user store as an import sees it: users by email (a profile set by an earlier import
//! wins over what CXone sent), and the writes a commit makes.

use std::collections::HashMap;

use rusqlite::{params, Connection, Row};

use super::rules::{ExistingUser, Licence, Lookup, UserValues};
use super::validate::Role;
use crate::model::{AuditAction, Entity, FieldChange};
use crate::store::runs;
use crate::{Error, Result};

/// The stored users, by email key.
#[derive(Debug, Default)]
pub struct UserIndex {
    users: HashMap<String, Stored>,
}

#[derive(Debug)]
enum Stored {
    One(ExistingUser),
    Many(usize),
}

impl UserIndex {
    pub fn lookup(&self, email_key: &str) -> Lookup<'_> {
        match self.users.get(email_key) {
            None => Lookup::New,
            Some(Stored::One(user)) => Lookup::Found(user),
            Some(Stored::Many(count)) => Lookup::Ambiguous(*count),
        }
    }

    fn add(&mut self, email_key: String, user: ExistingUser) {
        self.users
            .entry(email_key)
            .and_modify(|stored| {
                *stored = match stored {
                    Stored::One(_) => Stored::Many(2),
                    Stored::Many(count) => Stored::Many(*count + 1),
                }
            })
            .or_insert(Stored::One(user));
    }
}

const USER_SELECT: &str = "
    SELECT r.id, r.email_key, r.name, r.profile_set, r.first_name, r.last_name, r.display_name, r.phone,
           r.licence, r.role,
           CASE WHEN NOT r.profile_set THEN CAST(coalesce(json_extract(r.raw, '$.firstName'), '') AS TEXT) END,
           CASE WHEN NOT r.profile_set THEN CAST(coalesce(json_extract(r.raw, '$.lastName'), '') AS TEXT) END,
           r.detail
    FROM records r
    WHERE r.entity = 'users' AND r.email_key IS NOT NULL AND r.email_key <> ''";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<(String, ExistingUser)> {
    let has_profile: bool = row.get(3)?;
    let values = if has_profile {
        UserValues {
            first_name: row.get(4)?,
            last_name: row.get(5)?,
            display_name: row.get(6)?,
            phone: row.get(7)?,
            licence: Licence::parse(&row.get::<_, String>(8)?),
            role: Role::parse(&row.get::<_, String>(9)?),
        }
    } else {
        // Pulled from CXone and never imported: its names as CXone sent them.
        UserValues {
            first_name: row.get::<_, Option<String>>(10)?.unwrap_or_default(),
            last_name: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
            display_name: row.get(2)?,
            ..UserValues::default()
        }
    };
    Ok((
        row.get(1)?,
        ExistingUser {
            record_id: row.get(0)?,
            values,
        },
    ))
}

/// What a dry run plans against: the store's generation and its users by email. Taken at once, so
/// the store is free again while the file is read.
#[derive(Debug)]
pub struct Snapshot {
    pub generation: i64,
    pub users: UserIndex,
}

impl Snapshot {
    pub fn take(conn: &Connection) -> Result<Snapshot> {
        Ok(Snapshot {
            generation: store_generation(conn)?,
            users: load_users(conn)?,
        })
    }
}

/// Every stored user with an email.
fn load_users(conn: &Connection) -> Result<UserIndex> {
    let mut index = UserIndex::default();
    let mut stmt = conn.prepare(USER_SELECT)?;
    for user in stmt.query_map([], user_from_row)? {
        let (key, user) = user?;
        index.add(key, user);
    }
    Ok(index)
}

/// Every stored user with an email, as (email as written, user), by name: what an export writes.
pub fn load_users_ordered(conn: &Connection) -> Result<Vec<(String, ExistingUser)>> {
    let mut stmt = conn.prepare(&format!("{USER_SELECT} ORDER BY r.name COLLATE NOCASE, r.id"))?;
    let users = stmt.query_map([], |row| Ok((row.get::<_, String>(12)?, user_from_row(row)?.1)))?;
    Ok(users.collect::<rusqlite::Result<_>>()?)
}

/// What a commit has written so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub created: u32,
    pub updated: u32,
}

/// Writes users inside the commit's transaction, each with its audit row.
pub struct UserWriter<'c> {
    conn: &'c Connection,
    run_id: i64,
    now: String,
    pub written: Written,
}

impl<'c> UserWriter<'c> {
    pub fn new(conn: &'c Connection, run_id: i64, now: String) -> UserWriter<'c> {
        UserWriter {
            conn,
            run_id,
            now,
            written: Written::default(),
        }
    }

    /// A user the store did not have: a local record (business unit 0, id `import:<email>`) and
    /// its profile. A later pull of the same email from CXone is a separate record. As with a
    /// pull, the audit row marks the creation; the values are the record's own.
    pub fn create(&mut self, email: &str, email_key: &str, values: &UserValues) -> Result<()> {
        let raw = serde_json::json!({
            "source": "csv-import",
            "emailAddress": email,
            "firstName": values.first_name,
            "lastName": values.last_name,
        })
        .to_string();
        self.conn
            .prepare_cached(
                "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active,
                                      fields_hash, raw, group_name, first_synced_at, last_synced_at, profile_set,
                                      first_name, last_name, display_name, phone, licence, role)
                 VALUES ('users', 0, ?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?8, 1, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                format!("import:{email_key}"),
                values.list_name(email),
                email,
                email_key,
                fnv_hash(&raw),
                raw,
                Entity::Users.group_name(),
                self.now,
                values.first_name,
                values.last_name,
                values.display_name,
                values.phone,
                values.licence.as_str(),
                values.role.map_or("", Role::as_str),
            ])
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
                    Error::StaleImport
                }
                other => other.into(),
            })?;
        let record_id = self.conn.last_insert_rowid();
        runs::insert_audit(self.conn, self.run_id, record_id, AuditAction::Created, &[], &self.now)?;
        self.written.created += 1;
        Ok(())
    }

    pub fn update(&mut self, record_id: i64, email: &str, values: &UserValues, changes: &[FieldChange]) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE records SET name = ?2, last_synced_at = ?3, profile_set = 1, first_name = ?4, last_name = ?5,
                                    display_name = ?6, phone = ?7, licence = ?8, role = ?9
                 WHERE id = ?1",
            )?
            .execute(params![
                record_id,
                values.list_name(email),
                self.now,
                values.first_name,
                values.last_name,
                values.display_name,
                values.phone,
                values.licence.as_str(),
                values.role.map_or("", Role::as_str),
            ])?;
        runs::insert_audit(
            self.conn,
            self.run_id,
            record_id,
            AuditAction::Updated,
            changes,
            &self.now,
        )?;
        self.written.updated += 1;
        Ok(())
    }
}

fn fnv_hash(text: &str) -> i64 {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(text.as_bytes());
    hasher.finish() as i64
}

/// Changes nothing a dry run saw may have moved: the last pull or import that wrote users.
pub fn store_generation(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(id), 0) FROM sync_runs
         WHERE kind IN ('pull', 'import') AND status = 'succeeded' AND (entity = 'users' OR entity IS NULL)",
        [],
        |r| r.get(0),
    )?)
}
