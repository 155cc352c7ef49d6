//! Connection profiles: add, edit, delete, list and test. Settings go to the store, secrets to the
//! `SecretStore`; a profile is never saved without its secrets, nor secrets without their profile.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use secrecy::{ExposeSecret, SecretString};

use crate::model::{
    Connection, ConnectionDraft, ConnectionKind, ConnectionSettings, SaveAndTest, SecretKind, TestOutcome,
    WebexCredential,
};
use crate::os::Os;
use crate::secrets::{self, SecretKey, SecretStore};
use crate::store::Store;
use crate::vendor::cxone::{self, CxoneCredentials};
use crate::vendor::http;
use crate::vendor::ringcentral::{self, RingCentralCredentials};
use crate::vendor::webex::{self, WebexCredentials};
use crate::vendor::webex_oauth::{self, RefreshGrant, RefreshTokenSink, RefreshingKind, WebexAuth};
use crate::{Error, Result};

const MAX_NAME_CHARS: usize = 80;

/// The connection operations the app and the CLI share.
#[derive(Clone)]
pub struct Connections {
    store: Arc<Mutex<Store>>,
    secrets: Arc<dyn SecretStore>,
    /// Headless runs: a secret set in its `CCSYNC_…` environment variable wins over the keyring.
    env_overrides: bool,
    http: reqwest::Client,
}

impl Connections {
    pub fn new(store: Arc<Mutex<Store>>, secrets: Arc<dyn SecretStore>) -> Result<Connections> {
        Ok(Connections {
            store,
            secrets,
            env_overrides: false,
            http: http::client()?,
        })
    }

    pub fn with_env_overrides(mut self) -> Connections {
        self.env_overrides = true;
        self
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs a keyring call off the async threads (Secret Service and Keychain calls block).
    async fn with_secrets<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || work(secrets.as_ref()))
            .await
            .map_err(|e| Error::Internal(format!("the keyring call did not finish: {e}")))?
    }

    /// Every connection, with the names of the secrets the keyring holds for it. When the keyring
    /// cannot be read the list still loads (the banner explains the keyring).
    pub async fn list(&self) -> Result<Vec<Connection>> {
        let connections = self.store().list_connections()?;
        self.with_secrets(move |secrets| {
            Ok(connections
                .into_iter()
                .map(|c| with_stored_secrets(c, secrets))
                .collect())
        })
        .await
    }

    /// A connection by id or (case-insensitive) name.
    pub async fn find(&self, id_or_name: &str) -> Result<Connection> {
        let connection = self.store().find_connection(id_or_name)?;
        self.with_secrets(move |secrets| Ok(with_stored_secrets(connection, secrets)))
            .await
    }

    pub async fn create(&self, draft: ConnectionDraft) -> Result<Connection> {
        self.create_with(draft, false).await
    }

    /// Creates a connection; `is_demo` marks the one the demo tenant owns.
    pub async fn create_with(&self, draft: ConnectionDraft, is_demo: bool) -> Result<Connection> {
        let (name, settings) = validate(&draft)?;
        let kind = settings.kind();
        let secrets = self.secret_values(&settings, &draft.secrets, true)?;
        if self.store().find_connection(&name).is_ok() {
            return Err(Error::NameTaken(name).in_field("name"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        // Secrets first: if the keyring is unavailable nothing is saved at all.
        self.save_secrets(&id, secrets).await?;
        let saved = self.store().insert_connection(&id, &name, &settings, is_demo);
        match saved {
            Ok(connection) => {
                tracing::info!(id = %connection.id, kind = kind.as_str(), "connection added");
                self.find(&connection.id).await
            }
            Err(error) => {
                let _ = self.delete_secrets(&id, kind).await;
                Err(error)
            }
        }
    }

    /// Saves new settings; secrets in the draft replace the stored ones, absent ones are kept.
    pub async fn update(&self, id: &str, draft: ConnectionDraft) -> Result<Connection> {
        let existing = self.store().find_connection(id)?;
        let (name, settings) = validate(&draft)?;
        if settings.kind() != existing.settings.kind() {
            return Err(Error::InvalidInput(
                "A connection's type cannot change. Add a new connection of the other type instead.".into(),
            ));
        }
        // Secrets entered for one host never go to another: a new host needs them all again. A
        // Webex connection switched to another credential needs that credential's secrets.
        let host_changed = origin(existing.settings.base_url()) != origin(settings.base_url());
        let credential_changed = std::mem::discriminant(&webex_credential(&settings))
            != std::mem::discriminant(&webex_credential(&existing.settings));
        let secrets = self
            .secret_values(&settings, &draft.secrets, host_changed || credential_changed)
            .map_err(|error| match error {
                Error::InField { field, error } if host_changed => match *error {
                    Error::InvalidInput(missing) => Error::InvalidInput(format!(
                        "The URL now points at another server ({}), so the saved secrets are not sent there. {missing}",
                        origin(settings.base_url())
                    ))
                    .in_field(field),
                    other => other.in_field(field),
                },
                other => other,
            })?;
        // A name taken by another connection is refused before any secret is replaced.
        if self
            .store()
            .find_connection(&name)
            .is_ok_and(|other| other.id != existing.id)
        {
            return Err(Error::NameTaken(name).in_field("name"));
        }
        self.save_secrets(&existing.id, secrets).await?;
        let updated = self.store().update_connection(&existing.id, &name, &settings)?;
        if credential_changed {
            self.delete_secrets_except(&existing.id, &settings).await?;
        }
        tracing::info!(id = %updated.id, "connection updated");
        self.find(&updated.id).await
    }

    /// Removes the connection and its secrets. The secrets go first, so a keyring failure leaves
    /// the connection in place rather than orphaning its secrets.
    pub async fn delete(&self, id_or_name: &str) -> Result<()> {
        self.delete_with(id_or_name, true).await
    }

    /// Removes only the profile, for machines with no keyring (where no secret can be stored).
    pub async fn delete_profile_only(&self, id_or_name: &str) -> Result<()> {
        self.delete_with(id_or_name, false).await
    }

    async fn delete_with(&self, id_or_name: &str, with_secrets: bool) -> Result<()> {
        let existing = self.store().find_connection(id_or_name)?;
        if with_secrets {
            self.delete_secrets(&existing.id, existing.settings.kind()).await?;
        }
        self.store().delete_connection(&existing.id)?;
        tracing::info!(id = %existing.id, "connection deleted");
        Ok(())
    }

    /// Runs the vendor's token / identity calls and records the outcome on the connection.
    pub async fn test(&self, id_or_name: &str) -> Result<TestOutcome> {
        let connection = self.store().find_connection(id_or_name)?;
        let result = self.run_test(&connection).await;
        tracing::info!(id = %connection.id, ok = result.is_ok(), "connection tested");
        self.record_test(&connection.id, &result)?;
        result
    }

    /// Keeps a test's outcome on the connection, and the business unit a CXone test signed in to.
    fn record_test(&self, id: &str, result: &Result<TestOutcome>) -> Result<()> {
        let store = self.store();
        match result {
            Ok(outcome) => {
                store.record_connection_test(id, true, &outcome.summary)?;
                if let Some((unit, name)) = &outcome.business_unit {
                    store.set_connection_business_unit(id, *unit, name.as_deref())?;
                }
            }
            Err(error) => store.record_connection_test(id, false, &error.to_string())?,
        }
        Ok(())
    }

    async fn run_test(&self, connection: &Connection) -> Result<TestOutcome> {
        let secrets = self.resolve_secrets(connection).await?;
        self.test_with(connection, secrets).await
    }

    /// "Save and test" in the form: tests the draft as typed (with the stored secrets it leaves
    /// blank, when they may still be sent to its URL) before anything is saved. It is saved — and
    /// the test recorded on it — when the test passes, or when `keep_if_failed` (the admin chose
    /// "Save anyway"); otherwise nothing changes and the failure is returned to show in the form.
    /// A draft the form cannot save (a field empty or wrong, a name taken) is an error naming the
    /// field, before any test.
    pub async fn save_and_test(
        &self,
        id: Option<&str>,
        draft: ConnectionDraft,
        keep_if_failed: bool,
    ) -> Result<SaveAndTest> {
        let Some(id) = id else {
            return self.create_and_test(draft, keep_if_failed).await;
        };
        let (name, settings) = validate(&draft)?;
        let existing = self.store().find_connection(id)?;
        if self
            .store()
            .find_connection(&name)
            .is_ok_and(|other| other.id != existing.id)
        {
            return Err(Error::NameTaken(name).in_field("name"));
        }
        let host_changed = origin(existing.settings.base_url()) != origin(settings.base_url());
        let credential_changed = std::mem::discriminant(&webex_credential(&settings))
            != std::mem::discriminant(&webex_credential(&existing.settings));
        let given = self.secret_values(&settings, &draft.secrets, host_changed || credential_changed)?;
        let tested = Connection {
            name,
            settings,
            ..existing.clone()
        };
        // The secrets left blank are the stored ones (only when they may go to this URL).
        let typed: Vec<SecretKind> = given.iter().map(|(k, _)| *k).collect();
        let rest: Vec<SecretKind> = (tested.settings.secret_kinds().iter().copied())
            .filter(|k| !typed.contains(k))
            .collect();
        let refresh_before = self.stored_refresh_token(&existing.id).await;
        let result = match self.resolve_secrets_of(&tested, &rest).await {
            Ok(mut secrets) => {
                secrets.extend(given);
                self.test_with(&tested, secrets).await
            }
            Err(error) => Err(error),
        };
        tracing::info!(id = %existing.id, ok = result.is_ok(), "connection edit tested before saving");
        if let Err(error) = &result {
            if !keep_if_failed {
                return Ok(SaveAndTest::failed(None, error));
            }
        }
        let mut draft = draft;
        if self.stored_refresh_token(&existing.id).await != refresh_before {
            // The test rotated a typed refresh token and kept the new one: the typed one is spent.
            draft.secrets.remove(&SecretKind::RefreshToken);
        }
        let saved = self.update(&existing.id, draft).await?;
        self.record_test(&saved.id, &result)?;
        let saved = self.find(&saved.id).await?;
        Ok(match result {
            Ok(outcome) => SaveAndTest::passed(saved, outcome),
            Err(error) => SaveAndTest::failed(Some(saved), &error),
        })
    }

    /// "Save and test" of a new connection: saved, tested as saved (so a Webex refresh token the
    /// test rotates is kept in its keyring entry), and removed again if the test failed and the
    /// admin did not choose "Save anyway".
    async fn create_and_test(&self, draft: ConnectionDraft, keep_if_failed: bool) -> Result<SaveAndTest> {
        let saved = self.create(draft).await?;
        match self.test(&saved.id).await {
            Ok(outcome) => Ok(SaveAndTest::passed(self.find(&saved.id).await?, outcome)),
            Err(error) if keep_if_failed => Ok(SaveAndTest::failed(Some(self.find(&saved.id).await?), &error)),
            Err(error) => {
                self.delete(&saved.id).await?;
                Ok(SaveAndTest::failed(None, &error))
            }
        }
    }

    /// The refresh token the keyring holds for a connection (to notice a test rotating it).
    async fn stored_refresh_token(&self, id: &str) -> Option<String> {
        let key = SecretKey::new(id, SecretKind::RefreshToken);
        self.with_secrets(move |store| store.get(&key))
            .await
            .ok()
            .flatten()
            .map(|v| v.expose_secret().to_owned())
    }

    async fn test_with(
        &self,
        connection: &Connection,
        mut secrets: BTreeMap<SecretKind, SecretString>,
    ) -> Result<TestOutcome> {
        let mut take = |kind: SecretKind| {
            secrets
                .remove(&kind)
                .expect("resolve_secrets returns every secret of the kind")
        };
        match &connection.settings {
            ConnectionSettings::Cxone {
                auth_url,
                client_id,
                access_key_id,
                ..
            } => {
                let creds = CxoneCredentials {
                    auth_url: auth_url.clone(),
                    client_id: client_id.clone(),
                    client_secret: take(SecretKind::ClientSecret),
                    access_key_id: access_key_id.clone(),
                    access_key_secret: take(SecretKind::AccessKeySecret),
                };
                cxone::test_connection(&self.http, &creds).await
            }
            ConnectionSettings::Ringcentral { server_url, client_id } => {
                let creds = RingCentralCredentials {
                    server_url: server_url.clone(),
                    client_id: client_id.clone(),
                    client_secret: take(SecretKind::ClientSecret),
                    jwt: take(SecretKind::JwtCredential),
                };
                ringcentral::test_connection(&self.http, &creds).await
            }
            ConnectionSettings::Webex { api_url, credential } => {
                let creds = WebexCredentials {
                    api_url: api_url.clone(),
                    auth: self.webex_auth(&connection.id, credential, &mut take),
                };
                webex::test_connection(&self.http, &creds).await
            }
        }
    }

    /// Signs in to a CXone connection for Admin API calls.
    pub async fn cxone_session(
        &self,
        id_or_name: &str,
        policy: crate::vendor::retry::RetryPolicy,
    ) -> Result<(Connection, crate::vendor::cxone::session::CxoneSession)> {
        let connection = self.store().find_connection(id_or_name)?;
        let ConnectionSettings::Cxone {
            auth_url,
            client_id,
            access_key_id,
            ..
        } = &connection.settings
        else {
            return Err(Error::InvalidInput(format!(
                "\"{}\" is a {} connection; records are pulled from a NICE CXone connection.",
                connection.name,
                connection.settings.kind().display_name()
            )));
        };
        let mut secrets = self.resolve_secrets(&connection).await?;
        let creds = CxoneCredentials {
            auth_url: auth_url.clone(),
            client_id: client_id.clone(),
            client_secret: secrets.remove(&SecretKind::ClientSecret).expect("resolved"),
            access_key_id: access_key_id.clone(),
            access_key_secret: secrets.remove(&SecretKind::AccessKeySecret).expect("resolved"),
        };
        let session = crate::vendor::cxone::session::CxoneSession::connect(self.http.clone(), creds, policy).await?;
        // Every sign-in tells which business unit the connection's users belong to.
        self.store()
            .set_connection_business_unit(&connection.id, session.business_unit_id, None)?;
        Ok((connection, session))
    }

    /// The account directory of a RingCentral or Webex connection.
    pub async fn directory(
        &self,
        id_or_name: &str,
        policy: Option<crate::vendor::retry::RetryPolicy>,
    ) -> Result<(Connection, Box<dyn crate::vendor::directory::Directory>)> {
        let connection = self.store().find_connection(id_or_name)?;
        let mut secrets = self.resolve_secrets(&connection).await?;
        let mut take = |kind: SecretKind| secrets.remove(&kind).expect("resolved");
        let directory: Box<dyn crate::vendor::directory::Directory> = match &connection.settings {
            ConnectionSettings::Ringcentral { server_url, client_id } => Box::new(ringcentral::RingCentralDirectory {
                http: self.http.clone(),
                creds: RingCentralCredentials {
                    server_url: server_url.clone(),
                    client_id: client_id.clone(),
                    client_secret: take(SecretKind::ClientSecret),
                    jwt: take(SecretKind::JwtCredential),
                },
                policy: policy.unwrap_or_else(ringcentral::RingCentralDirectory::default_policy),
            }),
            ConnectionSettings::Webex { api_url, credential } => Box::new(webex::WebexDirectory {
                http: self.http.clone(),
                creds: WebexCredentials {
                    api_url: api_url.clone(),
                    auth: self.webex_auth(&connection.id, credential, &mut take),
                },
                policy: policy.unwrap_or_default(),
            }),
            ConnectionSettings::Cxone { .. } => {
                return Err(Error::InvalidInput(format!(
                    "\"{}\" is a CXone connection; users are mapped to a RingCentral or Webex connection.",
                    connection.name
                )))
            }
        };
        Ok((connection, directory))
    }

    /// The id of the one connection of `kind` (the demo tenant's included); with none or several,
    /// a sentence saying what to do.
    pub async fn only_of_kind(&self, kind: ConnectionKind) -> Result<String> {
        let matching: Vec<Connection> = self
            .list()
            .await?
            .into_iter()
            .filter(|c| c.settings.kind() == kind)
            .collect();
        match matching.as_slice() {
            [only] => Ok(only.id.clone()),
            [] => Err(Error::NoConnection(format!(
                "There is no {} connection yet. Add one under Connections (or `ccsync connection add {} …`).",
                kind.display_name(),
                kind.as_str()
            ))),
            many => Err(Error::InvalidInput(format!(
                "There are several {} connections ({}); choose one with --connection.",
                kind.display_name(),
                many.iter()
                    .map(|c| format!("\"{}\"", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The store these connections live in (the sync engine writes records beside them).
    pub fn store_handle(&self) -> Arc<Mutex<Store>> {
        self.store.clone()
    }

    /// How a Webex connection gets its tokens; a refreshing credential saves a rotated refresh
    /// token back to this connection's keyring entry (unless it came from the environment).
    fn webex_auth(
        &self,
        connection_id: &str,
        credential: &WebexCredential,
        take: &mut dyn FnMut(SecretKind) -> SecretString,
    ) -> WebexAuth {
        let kind = match credential {
            WebexCredential::PersonalToken => return WebexAuth::personal(take(SecretKind::AccessToken)),
            WebexCredential::ServiceApp { .. } => RefreshingKind::ServiceApp,
            WebexCredential::Integration { .. } => RefreshingKind::Integration,
        };
        let from_env =
            self.env_overrides && secrets::from_env(ConnectionKind::Webex, SecretKind::RefreshToken).is_some();
        WebexAuth::refreshing(RefreshGrant {
            kind,
            client_id: credential.client_id().unwrap_or_default().to_owned(),
            client_secret: take(SecretKind::ClientSecret),
            refresh_token: take(SecretKind::RefreshToken),
            sink: (!from_env).then(|| RefreshTokenSink {
                secrets: self.secrets.clone(),
                key: SecretKey::new(connection_id, SecretKind::RefreshToken),
            }),
        })
    }

    /// Signs a Webex Integration connection in: binds the loopback redirect, hands the authorize
    /// URL to `open` (the system browser in the app; printed by the CLI), waits for the browser to
    /// come back, exchanges the code and PKCE verifier, keeps the refresh token in the keyring,
    /// then tests the connection with it.
    pub async fn webex_sign_in(
        &self,
        id_or_name: &str,
        open: impl FnOnce(&str) -> Result<()>,
        timeout: std::time::Duration,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<TestOutcome> {
        let connection = self.store().find_connection(id_or_name)?;
        let ConnectionSettings::Webex {
            api_url,
            credential:
                WebexCredential::Integration {
                    client_id,
                    redirect_port,
                },
        } = &connection.settings
        else {
            return Err(Error::InvalidInput(format!(
                "\"{}\" is not a Webex Integration connection; only those sign in through the browser.",
                connection.name
            )));
        };
        let mut secrets = self
            .resolve_secrets_of(&connection, &[SecretKind::ClientSecret])
            .await?;
        let client_secret = secrets.remove(&SecretKind::ClientSecret).expect("resolved");
        let pending = webex_oauth::PendingSignIn::start(api_url, client_id, *redirect_port).await?;
        open(pending.authorize_url())?;
        let refresh_token = pending.finish(&self.http, &client_secret, timeout, cancel).await?;
        self.save_secrets(&connection.id, vec![(SecretKind::RefreshToken, refresh_token)])
            .await?;
        tracing::info!(id = %connection.id, "Webex sign-in finished");
        self.test(&connection.id).await
    }

    /// Every secret the connection needs: from the environment on headless runs, else the keyring.
    async fn resolve_secrets(&self, connection: &Connection) -> Result<BTreeMap<SecretKind, SecretString>> {
        self.resolve_secrets_of(connection, connection.settings.secret_kinds())
            .await
    }

    async fn resolve_secrets_of(
        &self,
        connection: &Connection,
        wanted: &[SecretKind],
    ) -> Result<BTreeMap<SecretKind, SecretString>> {
        let kind = connection.settings.kind();
        let signs_in = matches!(
            connection.settings,
            ConnectionSettings::Webex {
                credential: WebexCredential::Integration { .. },
                ..
            }
        );
        let mut found = BTreeMap::new();
        let mut from_keyring = Vec::new();
        for &secret in wanted {
            match self.env_overrides.then(|| secrets::from_env(kind, secret)).flatten() {
                Some(value) => {
                    found.insert(secret, value);
                }
                None => from_keyring.push(secret),
            }
        }
        let id = connection.id.clone();
        let name = connection.name.clone();
        let env_overrides = self.env_overrides;
        let stored = self
            .with_secrets(move |store| {
                let mut values = Vec::new();
                for secret in from_keyring {
                    match store.get(&SecretKey::new(&id, secret))? {
                        Some(value) => values.push((secret, value)),
                        None if signs_in && secret == SecretKind::RefreshToken => {
                            return Err(Error::AuthFailed(format!(
                                "The Webex connection \"{name}\" is not signed in. Under Connections, edit it and choose Sign in with Webex."
                            )))
                        }
                        None => {
                            return Err(Error::SecretMissing {
                                connection: name,
                                secret: secret.label(),
                                env_var: env_overrides.then(|| secrets::env_var_for(kind, secret)).flatten(),
                            })
                        }
                    }
                }
                Ok(values)
            })
            .await?;
        found.extend(stored);
        Ok(found)
    }

    /// Picks the draft's secrets for `kind`; on create every one is required (or, headless, set in
    /// the environment).
    fn secret_values(
        &self,
        settings: &ConnectionSettings,
        given: &BTreeMap<SecretKind, SecretString>,
        require_all: bool,
    ) -> Result<Vec<(SecretKind, SecretString)>> {
        let kind = settings.kind();
        let mut values = Vec::new();
        let mut missing = Vec::new();
        let mut first_missing = None;
        for &secret in settings.entered_secret_kinds() {
            match given
                .get(&secret)
                .map(|v| v.expose_secret().trim())
                .filter(|v| !v.is_empty())
            {
                Some(value) => {
                    // Checked for every secret before any is stored: none is half-saved.
                    secrets::check_storable(Os::current(), secret, value)?;
                    values.push((secret, SecretString::from(value.to_owned())))
                }
                None if require_all && !(self.env_overrides && secrets::from_env(kind, secret).is_some()) => {
                    first_missing.get_or_insert(secret.as_str());
                    missing.push(secret.label())
                }
                None => {}
            }
        }
        if let Some(field) = first_missing {
            let error = Error::InvalidInput(format!("Enter the {}.", missing.join(" and the ")));
            return Err(error.in_field(field));
        }
        Ok(values)
    }

    async fn save_secrets(&self, id: &str, values: Vec<(SecretKind, SecretString)>) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let id = id.to_owned();
        self.with_secrets(move |store| {
            values
                .iter()
                .try_for_each(|(kind, value)| store.set(&SecretKey::new(&id, *kind), value))
        })
        .await
    }

    async fn delete_secrets(&self, id: &str, kind: ConnectionKind) -> Result<()> {
        let id = id.to_owned();
        self.with_secrets(move |store| {
            kind.secret_kinds()
                .iter()
                .try_for_each(|secret| store.delete(&SecretKey::new(&id, *secret)))
        })
        .await
    }

    /// Removes the secrets a connection's current settings no longer use (after a Webex
    /// connection switched credential).
    async fn delete_secrets_except(&self, id: &str, settings: &ConnectionSettings) -> Result<()> {
        let id = id.to_owned();
        let kind = settings.kind();
        let keep = settings.secret_kinds();
        self.with_secrets(move |store| {
            kind.secret_kinds()
                .iter()
                .filter(|secret| !keep.contains(secret))
                .try_for_each(|secret| store.delete(&SecretKey::new(&id, *secret)))
        })
        .await
    }

    /// Points a demo connection at its emulator's current address (it may get a new port each start).
    pub fn repoint_demo(&self, connection: &Connection, base_url: &str) -> Result<Connection> {
        let mut settings = connection.settings.clone();
        match &mut settings {
            ConnectionSettings::Cxone { auth_url: url, .. }
            | ConnectionSettings::Ringcentral { server_url: url, .. }
            | ConnectionSettings::Webex { api_url: url, .. } => *url = base_url.to_owned(),
        }
        self.store()
            .update_connection(&connection.id, &connection.name, &settings)
    }

    /// The demo tenant's connections (of each of its business units), by name. The demo tells
    /// its units' connections apart by their client IDs, as a user may have renamed them.
    pub fn demo_connections(&self) -> Result<Vec<Connection>> {
        Ok(self
            .store()
            .list_connections()?
            .into_iter()
            .filter(|c| c.is_demo)
            .collect())
    }

    /// Saves secrets for an existing connection (the demo tenant puts back any that went missing).
    pub async fn store_secrets(&self, id: &str, values: Vec<(SecretKind, SecretString)>) -> Result<()> {
        self.save_secrets(id, values).await
    }
}

fn with_stored_secrets(mut connection: Connection, secrets: &dyn SecretStore) -> Connection {
    connection.stored_secrets = connection
        .settings
        .secret_kinds()
        .iter()
        .copied()
        .filter(|kind| matches!(secrets.get(&SecretKey::new(&connection.id, *kind)), Ok(Some(_))))
        .collect();
    connection
}

/// Trims the draft and checks every field, naming the first one that is wrong.
/// Scheme, host and port of a saved URL: what decides where secrets are sent.
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.origin().ascii_serialization(),
        Err(_) => url.to_owned(),
    }
}

fn validate(draft: &ConnectionDraft) -> Result<(String, ConnectionSettings)> {
    let name = draft.name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::InvalidInput("Enter a name for the connection.".into()).in_field("name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::InvalidInput(format!("Keep the name under {MAX_NAME_CHARS} characters.")).in_field("name"));
    }
    // Each error names its field (the draft's key), so the form shows it there.
    let required = |value: &str, label: &str, field: &'static str| -> Result<String> {
        let value = value.trim();
        if value.is_empty() {
            Err(Error::InvalidInput(format!("Enter the {label}.")).in_field(field))
        } else {
            Ok(value.to_owned())
        }
    };
    let url = |value: &str, label: &str, field: &'static str| -> Result<String> {
        let value = required(value, label, field)?;
        let parsed = http::parse_base_url(&value).map_err(|e| e.in_field(field))?;
        Ok(parsed.as_str().trim_end_matches('/').to_owned())
    };
    let settings = match &draft.settings {
        ConnectionSettings::Cxone {
            auth_url,
            client_id,
            access_key_id,
            campaigns_from_skills,
        } => ConnectionSettings::Cxone {
            auth_url: url(auth_url, "auth URL", "auth_url")?,
            client_id: required(client_id, "client ID", "client_id")?,
            access_key_id: required(access_key_id, "access key ID", "access_key_id")?,
            campaigns_from_skills: *campaigns_from_skills,
        },
        ConnectionSettings::Ringcentral { server_url, client_id } => ConnectionSettings::Ringcentral {
            server_url: url(server_url, "server URL", "server_url")?,
            client_id: required(client_id, "client ID", "client_id")?,
        },
        ConnectionSettings::Webex { api_url, credential } => ConnectionSettings::Webex {
            api_url: url(api_url, "API URL", "api_url")?,
            credential: match credential {
                WebexCredential::PersonalToken => WebexCredential::PersonalToken,
                WebexCredential::ServiceApp { client_id } => WebexCredential::ServiceApp {
                    client_id: required(client_id, "Service App's client ID", "client_id")?,
                },
                WebexCredential::Integration {
                    client_id,
                    redirect_port,
                } => WebexCredential::Integration {
                    client_id: required(client_id, "Integration's client ID", "client_id")?,
                    redirect_port: *redirect_port,
                },
            },
        },
    };
    Ok((name, settings))
}

/// A Webex connection's credential (a default one for other kinds, which never change it).
fn webex_credential(settings: &ConnectionSettings) -> WebexCredential {
    match settings {
        ConnectionSettings::Webex { credential, .. } => credential.clone(),
        _ => WebexCredential::PersonalToken,
    }
}
