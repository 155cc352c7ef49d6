//! The cross-process job lock: one `job_locks` row per running job, so the app and a `ccsync` cron
//! job see each other. A second job of the same name is refused with a sentence naming who holds
//! it; a holder that died (its process is gone, or its heartbeat stopped) is taken over.
//!
//! Rules:
//! - a row is taken in a `BEGIN IMMEDIATE` transaction, so two processes cannot both take it;
//! - the holder beats every [`HEARTBEAT`] from a thread with its own connection (never across the
//!   network with a transaction open: each beat is one short write);
//! - a row is stale when its pid is not running (checked where the OS lets us: Linux `/proc`), or
//!   when its heartbeat is older than [`STALE_AFTER`] (a crashed holder anywhere, or a pid reused);
//! - the row is deleted when the [`JobLock`] is dropped: on success, failure and cancel alike.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};

use super::{now_rfc3339, Store};
use crate::{Error, Result};

/// How often a holder says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// A heartbeat older than this means the holder is gone (generous: a busy machine, a laptop lid).
pub const STALE_AFTER: Duration = Duration::from_secs(120);

/// Which kind of process holds a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolderKind {
    App,
    Cli,
}

impl HolderKind {
    fn as_str(self) -> &'static str {
        match self {
            HolderKind::App => "app",
            HolderKind::Cli => "cli",
        }
    }
}

/// Who this process is, as other processes will read it.
static IDENTITY: Mutex<Option<(HolderKind, String)>> = Mutex::new(None);

/// Says who this process is: the CLI passes its command line (`ccsync pull users --select all`),
/// the app `HolderKind::App` with no command. Unset, a process counts as the app.
pub fn identify(kind: HolderKind, command: Option<String>) {
    *IDENTITY.lock().unwrap_or_else(|p| p.into_inner()) = Some((kind, command.unwrap_or_default()));
}

fn identity() -> (HolderKind, String) {
    IDENTITY
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or((HolderKind::App, String::new()))
}

/// A lock row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRow {
    pub name: String,
    pub holder: String,
    pub command: String,
    pub pid: u32,
    pub token: String,
    pub started_at: String,
    pub heartbeat_at: String,
}

impl LockRow {
    /// Whether the holder is gone: its process is not running, or it stopped beating.
    pub fn is_stale(&self, now: time::OffsetDateTime) -> bool {
        if pid_running(self.pid) == Some(false) {
            return true;
        }
        match parse_time(&self.heartbeat_at) {
            Some(beat) => now - beat > STALE_AFTER,
            None => true,
        }
    }

    /// Who holds it, in words: the start of the sentence "… is running; try again when it finishes."
    pub fn describe(&self) -> String {
        let started = parse_time(&self.started_at)
            .map(|t| format!("{:02}:{:02} UTC", t.hour(), t.minute()))
            .unwrap_or_else(|| self.started_at.clone());
        if self.holder == HolderKind::Cli.as_str() {
            format!(
                "A scheduled job from the command line, `{}` (pid {}, started {started}),",
                self.command, self.pid
            )
        } else {
            format!(
                "The CC Sync app's {} (pid {}, started {started})",
                self.command, self.pid
            )
        }
    }
}

fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// Whether a process is running, where the OS tells us without unsafe code (None: cannot tell,
/// the heartbeat decides).
fn pid_running(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") {
        Some(std::path::Path::new("/proc").join(pid.to_string()).exists())
    } else {
        None
    }
}

/// A held job: the row is beaten while it lives and deleted when it is dropped.
#[derive(Debug)]
pub struct JobLock {
    path: PathBuf,
    name: String,
    token: String,
    stop: Option<mpsc::Sender<()>>,
    beat: Option<std::thread::JoinHandle<()>>,
}

impl JobLock {
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The lock name of a pull: one at a time per connection and entity.
pub fn pull_lock_name(connection_id: &str, entity: crate::model::Entity) -> String {
    format!("pull:{connection_id}:{}", entity.as_str())
}

/// The lock name of Auto Sync: one at a time per mapping link (business unit and platform).
pub fn auto_sync_lock_name(link_id: i64) -> String {
    format!("auto_sync:link:{link_id}")
}

impl Store {
    /// Takes the job `name` for this process, or refuses with [`Error::JobRunning`] naming the
    /// holder. `job` says what runs in the app's words ("Auto Sync for RingCentral"); a CLI process
    /// shows its command line instead. A stale row (its holder died) is taken over.
    pub fn acquire_job(&mut self, name: &str, job: &str) -> Result<JobLock> {
        let (kind, command) = identity();
        let command = if kind == HolderKind::Cli && !command.is_empty() {
            command
        } else {
            job.to_owned()
        };
        let token = uuid::Uuid::new_v4().to_string();
        let now = now_rfc3339();
        let pid = std::process::id();
        let tx = self.write_tx()?;
        if let Some(row) = lock_row(&tx, name)? {
            if !row.is_stale(time::OffsetDateTime::now_utc()) {
                return Err(Error::JobRunning { holder: row.describe() });
            }
            tracing::warn!(name, pid = row.pid, command = %row.command, heartbeat = %row.heartbeat_at,
                "taking over a job lock whose holder is gone");
        }
        tx.execute(
            "INSERT OR REPLACE INTO job_locks (name, holder, command, pid, token, started_at, heartbeat_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![name, kind.as_str(), command, pid, token, now],
        )?;
        tx.commit()?;
        let (stop, stopped) = mpsc::channel::<()>();
        let beat = {
            let (path, name, token) = (self.path.clone(), name.to_owned(), token.clone());
            std::thread::Builder::new()
                .name("ccsync-job-heartbeat".into())
                .spawn(move || heartbeat(&path, &name, &token, &stopped))
                .map_err(|e| Error::Internal(format!("could not start the job heartbeat: {e}")))?
        };
        Ok(JobLock {
            path: self.path.clone(),
            name: name.to_owned(),
            token,
            stop: Some(stop),
            beat: Some(beat),
        })
    }

    /// Who holds the job `name` now, if anyone alive does.
    pub fn job_holder(&self, name: &str) -> Result<Option<LockRow>> {
        let now = time::OffsetDateTime::now_utc();
        Ok(lock_row(&self.conn, name)?.filter(|row| !row.is_stale(now)))
    }

    /// Every job lock row (stale ones included).
    pub fn job_locks(&self) -> Result<Vec<LockRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, holder, command, pid, token, started_at, heartbeat_at FROM job_locks ORDER BY name",
        )?;
        let rows = stmt.query_map([], read_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LockRow> {
    Ok(LockRow {
        name: r.get(0)?,
        holder: r.get(1)?,
        command: r.get(2)?,
        pid: r.get(3)?,
        token: r.get(4)?,
        started_at: r.get(5)?,
        heartbeat_at: r.get(6)?,
    })
}

fn lock_row(conn: &rusqlite::Connection, name: &str) -> Result<Option<LockRow>> {
    Ok(conn
        .query_row(
            "SELECT name, holder, command, pid, token, started_at, heartbeat_at FROM job_locks WHERE name = ?1",
            [name],
            read_row,
        )
        .optional()?)
}

fn open_side_connection(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(crate::error::BUSY_TIMEOUT_SECS))?;
    Ok(conn)
}

fn heartbeat(path: &std::path::Path, name: &str, token: &str, stopped: &mpsc::Receiver<()>) {
    let conn = match open_side_connection(path) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::warn!(%error, name, "the job heartbeat could not open the database");
            return;
        }
    };
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(HEARTBEAT) {
        if let Err(error) = conn.execute(
            "UPDATE job_locks SET heartbeat_at = ?3 WHERE name = ?1 AND token = ?2",
            params![name, token, now_rfc3339()],
        ) {
            tracing::warn!(%error, name, "the job heartbeat could not be written");
        }
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(beat) = self.beat.take() {
            let _ = beat.join();
        }
        let released = open_side_connection(&self.path).and_then(|conn| {
            conn.execute(
                "DELETE FROM job_locks WHERE name = ?1 AND token = ?2",
                params![self.name, self.token],
            )
        });
        if let Err(error) = released {
            // Left behind, the row goes stale and is taken over by the next run.
            tracing::warn!(%error, name = %self.name, "the job lock could not be released");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
        (dir, store)
    }

    fn plant(store: &Store, name: &str, holder: &str, pid: u32, heartbeat: time::OffsetDateTime) {
        let beat = heartbeat
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO job_locks (name, holder, command, pid, token, started_at, heartbeat_at)
                 VALUES (?1, ?2, 'ccsync pull users', ?3, 'planted', '2026-12-01T02:00:00Z', ?4)",
                params![name, holder, pid, beat],
            )
            .unwrap();
    }

    /// Above Linux's highest possible pid (2^22), so never running.
    const DEAD_PID: u32 = 4_194_305;

    #[test]
    fn a_second_holder_is_refused_with_a_sentence_naming_the_first() {
        let (_dir, mut store) = store();
        let held = store.acquire_job("pull:c:users", "pull of users").unwrap();
        let error = store.acquire_job("pull:c:users", "pull of users").unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::Busy);
        let message = error.to_string();
        assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
        assert!(message.contains("try again when it finishes"), "{message}");
        // Another job name is free.
        let other = store.acquire_job("pull:c:campaigns", "pull of campaigns").unwrap();
        drop((held, other));
        assert!(store.job_locks().unwrap().is_empty(), "released on drop");
        store.acquire_job("pull:c:users", "pull of users").unwrap();
    }

    #[test]
    fn a_command_line_holder_is_named_as_a_scheduled_job() {
        let (_dir, mut store) = store();
        plant(
            &store,
            "pull:c:users",
            "cli",
            std::process::id(),
            time::OffsetDateTime::now_utc(),
        );
        let message = store.acquire_job("pull:c:users", "pull").unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "A scheduled job from the command line, `ccsync pull users` (pid {}, started 02:00 UTC), is running; \
                 try again when it finishes.",
                std::process::id()
            )
        );
    }

    #[test]
    fn a_lock_whose_process_is_gone_is_taken_over() {
        let (_dir, mut store) = store();
        plant(
            &store,
            "auto_sync:webex",
            "cli",
            DEAD_PID,
            time::OffsetDateTime::now_utc(),
        );
        let lock = store.acquire_job("auto_sync:webex", "Auto Sync for Webex").unwrap();
        let rows = store.job_locks().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].pid, std::process::id());
        assert_eq!(rows[0].holder, "app");
        drop(lock);
        assert!(store.job_locks().unwrap().is_empty());
    }

    #[test]
    fn a_lock_whose_heartbeat_stopped_is_taken_over() {
        let (_dir, mut store) = store();
        let old = time::OffsetDateTime::now_utc() - STALE_AFTER - Duration::from_secs(1);
        // A running pid (this one) that stopped beating: reused, or hung past any reason.
        plant(&store, "auto_sync:webex", "cli", std::process::id(), old);
        store.acquire_job("auto_sync:webex", "Auto Sync for Webex").unwrap();
    }
}
