//! Secrets live only in the OS keyring. `SecretStore` is the seam: the keyring in the product,
//! an in-memory map in logic tests, and an environment overlay for headless CLI runs.
//! Nothing here ever falls back silently to another store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};

use crate::model::{ConnectionKind, SecretKind};
use crate::os::Os;
use crate::{Error, Result};

/// The keyring service name every CC Sync secret is filed under. With the account name below, an
/// entry reads `CC Sync` / `<connection id>/client_secret` in Keychain Access and Seahorse, and
/// `<connection id>/client_secret.CC Sync` in Windows Credential Manager.
pub const KEYRING_SERVICE: &str = "CC Sync";

/// Windows Credential Manager keeps at most 2,560 bytes per secret, and `keyring` stores text
/// there as UTF-16: 1,280 characters of ASCII. macOS Keychain and the Secret Service have no limit
/// a credential comes near.
pub const WINDOWS_SECRET_BYTES: usize = 2560;

/// Refuses, before anything is stored, a secret the keyring on `os` cannot hold, naming the
/// limit. Real credentials fit (a RingCentral JWT credential is about 1,000 characters, a Webex
/// token about 100): a longer value is almost always a paste of more than the secret, so it is
/// refused rather than split over several entries.
pub fn check_storable(os: Os, kind: SecretKind, value: &str) -> Result<()> {
    match os {
        Os::Windows => {
            let bytes = value.encode_utf16().count() * 2;
            if bytes > WINDOWS_SECRET_BYTES {
                let error = Error::InvalidInput(format!(
                    "The {} is {} characters long, more than Windows Credential Manager can keep \
                     (1,280 characters, 2,560 bytes). Check that you pasted only the {}.",
                    kind.label(),
                    value.chars().count(),
                    kind.label()
                ));
                return Err(error.in_field(kind.as_str()));
            }
            Ok(())
        }
        Os::Linux | Os::MacOs => Ok(()),
    }
}

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
        check_storable(Os::current(), key.kind, value.expose_secret())?;
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
        // `limit` counts bytes for a Windows secret and characters for names.
        keyring::Error::TooLong(field, limit) => Error::InvalidInput(format!(
            "The {field} is too long for the system keyring (its limit is {limit})."
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_refuses_a_secret_over_its_credential_limit_and_names_it() {
        let fits = "e".repeat(1280);
        let too_long = "e".repeat(1281);
        assert!(check_storable(Os::Windows, SecretKind::JwtCredential, &fits).is_ok());
        let error = check_storable(Os::Windows, SecretKind::JwtCredential, &too_long).unwrap_err();
        assert!(
            matches!(
                &error,
                Error::InField {
                    field: "jwt_credential",
                    ..
                }
            ),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.contains("JWT credential is 1281 characters long"), "{text}");
        assert!(
            text.contains("Windows Credential Manager") && text.contains("2,560 bytes"),
            "{text}"
        );
        // UTF-16 counts: 1,000 characters outside the BMP take 4,000 bytes.
        let wide = "\u{1F511}".repeat(700);
        assert!(check_storable(Os::Windows, SecretKind::RefreshToken, &wide).is_err());
        // The other keyrings hold it.
        for os in [Os::Linux, Os::MacOs] {
            assert!(check_storable(os, SecretKind::JwtCredential, &too_long.repeat(10)).is_ok());
        }
    }

    #[test]
    fn entry_names_stay_those_existing_users_have() {
        let key = SecretKey::new("3f0c1a2b-0000-4000-8000-000000000001", SecretKind::ClientSecret);
        assert_eq!(KEYRING_SERVICE, "CC Sync");
        assert_eq!(key.account(), "3f0c1a2b-0000-4000-8000-000000000001/client_secret");
    }
}
