//! Secrets live only in the OS keyring. `SecretStore` is the seam: the keyring in the product,
//! an in-memory map in logic tests, and an environment overlay for headless CLI runs.
//! Nothing here ever falls back silently to another store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};

use crate::model::{ConnectionKind, SecretKind};
use crate::{Error, Result};

/// The keyring service name every CC Sync secret is filed under.
pub const KEYRING_SERVICE: &str = "CC Sync";

/// Which secret of which connection. Keyed by the connection id, so renaming keeps the secrets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    pub connection_id: String,
    pub kind: SecretKind,
}

impl SecretKey {
    pub fn new(connection_id: &str, kind: SecretKind) -> Self {
        SecretKey {
            connection_id: connection_id.to_owned(),
            kind,
        }
    }

    /// The keyring "account" name, e.g. `3f0c…/client_secret`.
    pub fn account(&self) -> String {
        format!("{}/{}", self.connection_id, self.kind.as_str())
    }
}

/// A place to keep secrets. Calls may block (D-Bus, Keychain): call them off async threads.
pub trait SecretStore: Send + Sync {
    /// `Ok(None)` when no secret is stored under `key`.
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>>;
    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<()>;
    /// Deleting a secret that is not there is not an error.
    fn delete(&self, key: &SecretKey) -> Result<()>;
}

/// The OS keyring: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Default, Clone)]
pub struct KeyringStore;

impl KeyringStore {
    fn entry(key: &SecretKey) -> Result<keyring::Entry> {
        keyring::Entry::new(KEYRING_SERVICE, &key.account()).map_err(keyring_error)
    }

    /// Checks that a keyring answers, by reading an entry that need not exist.
    pub fn probe(&self) -> Result<()> {
        self.get(&SecretKey::new("probe", SecretKind::AccessToken)).map(|_| ())
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>> {
        match Self::entry(key)?.get_password() {
            Ok(value) => Ok(Some(SecretString::from(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<()> {
        Self::entry(key)?
            .set_password(value.expose_secret())
            .map_err(keyring_error)
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        match Self::entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// Turns a keyring failure into a sentence. The keyring crate's messages name the platform problem
/// (a D-Bus autolaunch failure, a locked collection) and never contain the secret.
fn keyring_error(error: keyring::Error) -> Error {
    match error {
        keyring::Error::NoStorageAccess(inner) => Error::KeyringUnavailable {
            detail: format!("the keyring is locked or refused access: {inner}"),
        },
        keyring::Error::PlatformFailure(inner) => Error::KeyringUnavailable {
            detail: format!("the system keyring service did not answer: {inner}"),
        },
        keyring::Error::TooLong(field, limit) => Error::InvalidInput(format!(
            "The {field} is too long for the system keyring (at most {limit} characters)."
        )),
        keyring::Error::Invalid(field, reason) => {
            Error::InvalidInput(format!("The keyring rejected the {field}: {reason}."))
        }
        other => Error::KeyringUnavailable {
            detail: other.to_string(),
        },
    }
}

/// An in-memory store for tests. Clones share the same map.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<SecretKey, String>>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>> {
        Ok(self.entries.lock().unwrap().get(key).cloned().map(SecretString::from))
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<()> {
        self.entries
            .lock()
            .unwrap()
            .insert(key.clone(), value.expose_secret().to_owned());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        self.entries.lock().unwrap().remove(key);
        Ok(())
    }
}

/// A store that always fails as a missing keyring does; for testing what users see then.
#[derive(Debug, Default, Clone)]
pub struct UnavailableStore;

impl SecretStore for UnavailableStore {
    fn get(&self, _: &SecretKey) -> Result<Option<SecretString>> {
        Err(Error::KeyringUnavailable {
            detail: "no Secret Service on the session bus".into(),
        })
    }
    fn set(&self, key: &SecretKey, _: &SecretString) -> Result<()> {
        self.get(key).map(|_| ())
    }
    fn delete(&self, key: &SecretKey) -> Result<()> {
        self.get(key).map(|_| ())
    }
}

/// The environment variable a headless run may set instead of storing a secret.
pub fn env_var_for(kind: ConnectionKind, secret: SecretKind) -> Option<&'static str> {
    match (kind, secret) {
        (ConnectionKind::Cxone, SecretKind::ClientSecret) => Some("CCSYNC_CXONE_CLIENT_SECRET"),
        (ConnectionKind::Cxone, SecretKind::AccessKeySecret) => Some("CCSYNC_CXONE_ACCESS_KEY_SECRET"),
        (ConnectionKind::Ringcentral, SecretKind::ClientSecret) => Some("CCSYNC_RINGCENTRAL_CLIENT_SECRET"),
        (ConnectionKind::Ringcentral, SecretKind::JwtCredential) => Some("CCSYNC_RINGCENTRAL_JWT"),
        (ConnectionKind::Webex, SecretKind::AccessToken) => Some("CCSYNC_WEBEX_TOKEN"),
        (ConnectionKind::Webex, SecretKind::ClientSecret) => Some("CCSYNC_WEBEX_CLIENT_SECRET"),
        (ConnectionKind::Webex, SecretKind::RefreshToken) => Some("CCSYNC_WEBEX_REFRESH_TOKEN"),
        _ => None,
    }
}

/// Reads a secret from its environment variable when one is set (non-empty).
pub fn from_env(kind: ConnectionKind, secret: SecretKind) -> Option<SecretString> {
    let name = env_var_for(kind, secret)?;
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
}
