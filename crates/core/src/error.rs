//! One error type for the core. What crosses to the UI and the CLI is `{code, message}`:
//! a stable code to branch on and a sentence a person can act on. Never put a secret in a message.

use serde::{Deserialize, Serialize};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable, machine-readable error codes (the UI branches on these, never on messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    KeyringUnavailable,
    SecretMissing,
    AuthFailed,
    HostUnreachable,
    TlsFailed,
    Timeout,
    UnexpectedResponse,
    InsecureUrl,
    InvalidInput,
    NotFound,
    /// No connection of the kind the job needs exists yet: the fix is on the Connections screen.
    NoConnection,
    NameTaken,
    RateLimited,
    Cancelled,
    Stale,
    /// The action needs the administrator's confirmation first (Map User: an inactive account, one
    /// whose name does not resemble the user's, or one mapped to someone else). Nothing was changed.
    ConfirmationRequired,
    /// Another CC Sync (the app, or a scheduled job from the command line) holds the job or the
    /// database: nothing was changed, and trying again after it finishes works.
    Busy,
    Database,
    Io,
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "No system keyring is available ({detail}). CC Sync keeps credentials only in the operating system's keyring. \
         On Linux, install a Secret Service provider and make sure it runs unlocked in your session \
         (for example `sudo apt install gnome-keyring`, then log out and back in), and try again."
    )]
    KeyringUnavailable { detail: String },

    #[error(
        "The {secret} for connection \"{connection}\" is not in the keyring. Edit the connection and enter it again{}.",
        env_var.map(|var| format!(", or for a headless run set {var}")).unwrap_or_default()
    )]
    SecretMissing {
        connection: String,
        secret: &'static str,
        env_var: Option<&'static str>,
    },

    #[error("{0}")]
    AuthFailed(String),

    #[error("Could not reach {host}: {detail}. Check the URL and your network or proxy settings.")]
    HostUnreachable { host: String, detail: String },

    #[error("The secure connection to {host} failed: {detail}. Check the URL; a proxy that inspects TLS needs its certificate installed in the system store.")]
    TlsFailed { host: String, detail: String },

    #[error("{host} did not answer within {seconds} seconds. Try again, or check your network.")]
    Timeout { host: String, seconds: u64 },

    #[error("{0}")]
    UnexpectedResponse(String),

    #[error("{url} uses plain http://, which would send credentials unencrypted. Use https:// (plain http is allowed only for 127.0.0.1 and localhost).")]
    InsecureUrl { url: String },

    #[error("{0}")]
    InvalidInput(String),

    #[error("{0}")]
    NotFound(String),

    #[error("{0}")]
    NoConnection(String),

    #[error("A connection named \"{0}\" already exists. Choose another name.")]
    NameTaken(String),

    #[error("{0}")]
    RateLimited(String),

    #[error("Cancelled: nothing was written.")]
    Cancelled,

    #[error("This list of {0} is out of date: another pull wrote some of them after it was fetched. Nothing was written; fetch again, then choose.")]
    Stale(&'static str),

    /// An Undo found the mapping changed since the change it would reverse: nothing was written.
    #[error("{0}")]
    StaleUndo(String),

    /// The sentence says what to confirm; nothing was written.
    #[error("{0}")]
    NeedsConfirmation(String),

    #[error("The local user store changed since this dry run (a pull or another import wrote users). Nothing was written; run the dry run again.")]
    StaleImport,

    #[error("The local database failed: {0}. If this persists, see the log file.")]
    Database(rusqlite::Error),

    /// SQLite said busy or locked after the busy timeout: another process kept writing.
    #[error(
        "The local database is busy: another CC Sync (the app, or a scheduled job from the command line) has been \
         writing to it for more than {BUSY_TIMEOUT_SECS} seconds. Nothing was changed; try again when it finishes."
    )]
    DatabaseBusy(rusqlite::Error),

    /// A job of the same kind holds its lock row (`store::locks`): `holder` names who, e.g.
    /// "A scheduled job from the command line, `ccsync pull users` (pid 1234, started 02:00 UTC),".
    #[error("{holder} is running; try again when it finishes.")]
    JobRunning { holder: String },

    #[error("The local database could not be upgraded: {0}")]
    Migration(String),

    #[error(
        "{path} was written by a newer CC Sync ({}schema {schema}; this version knows {known}). Install the \
         newer version, or use another file.",
        written_by.as_ref().map(|v| format!("version {v}, ")).unwrap_or_default()
    )]
    NewerStore {
        path: String,
        schema: usize,
        known: usize,
        written_by: Option<String>,
    },

    #[error("A file operation failed: {0}")]
    Io(#[from] std::io::Error),

    #[error("Internal error: {0}. Please report it with the log file.")]
    Internal(String),

    /// `error` is about one field of a form the admin filled in (a connection's URL, a missing
    /// secret): the UI shows it at that field. Same code and sentence as `error`.
    #[error("{error}")]
    InField { field: &'static str, error: Box<Error> },
}

/// How long a write waits for another process's write before it gives up (`Store::open`).
pub const BUSY_TIMEOUT_SECS: u64 = 5;

impl From<rusqlite::Error> for Error {
    /// `SQLITE_BUSY` and `SQLITE_LOCKED` become a sentence, never a raw "database is locked".
    fn from(error: rusqlite::Error) -> Error {
        if is_busy(&error) {
            Error::DatabaseBusy(error)
        } else {
            Error::Database(error)
        }
    }
}

/// Whether SQLite gave up waiting for another connection's lock.
pub fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl Error {
    /// A file operation on `path` failed: the error names the file.
    pub fn io_at(path: &std::path::Path, error: std::io::Error) -> Error {
        Error::Io(std::io::Error::new(
            error.kind(),
            format!("{}: {error}", path.display()),
        ))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::KeyringUnavailable { .. } => ErrorCode::KeyringUnavailable,
            Error::SecretMissing { .. } => ErrorCode::SecretMissing,
            Error::AuthFailed(_) => ErrorCode::AuthFailed,
            Error::HostUnreachable { .. } => ErrorCode::HostUnreachable,
            Error::TlsFailed { .. } => ErrorCode::TlsFailed,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::UnexpectedResponse(_) => ErrorCode::UnexpectedResponse,
            Error::InsecureUrl { .. } => ErrorCode::InsecureUrl,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::NoConnection(_) => ErrorCode::NoConnection,
            Error::NameTaken(_) => ErrorCode::NameTaken,
            Error::RateLimited(_) => ErrorCode::RateLimited,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Stale(_) | Error::StaleImport | Error::StaleUndo(_) => ErrorCode::Stale,
            Error::NeedsConfirmation(_) => ErrorCode::ConfirmationRequired,
            Error::DatabaseBusy(_) | Error::JobRunning { .. } => ErrorCode::Busy,
            Error::Database(_) | Error::Migration(_) | Error::NewerStore { .. } => ErrorCode::Database,
            Error::Io(_) => ErrorCode::Io,
            Error::Internal(_) => ErrorCode::Internal,
            Error::InField { error, .. } => error.code(),
        }
    }

    /// Marks this error as about the form field `field` (its key in the draft: `auth_url`,
    /// `client_secret`…).
    pub fn in_field(self, field: &'static str) -> Error {
        match self {
            already @ Error::InField { .. } => already,
            error => Error::InField {
                field,
                error: Box::new(error),
            },
        }
    }

    /// The form field the error is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::InField { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// The shape every failure takes on its way to the UI or to `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// The form field the error is about (its key in the draft, e.g. `auth_url`), for errors
    /// about what the admin typed; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
}

impl From<&Error> for ApiError {
    fn from(error: &Error) -> Self {
        ApiError {
            code: error.code(),
            message: error.to_string(),
            field: error.field().map(str::to_owned),
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        // The whole chain goes to the log; the UI gets the sentence.
        tracing::warn!(code = ?error.code(), error = ?error, "operation failed");
        ApiError::from(&error)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
