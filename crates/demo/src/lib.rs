//! The demo tenant: the emulator started in-process plus a CXone connection pointing at it, so every
//! screen works without a vendor account. Its secrets still go through the `SecretStore`.

use ccsync_emulator::{demo as creds, Emulator, TenantConfig};
use secrecy::SecretString;

use ccsync_core::connections::Connections;
use ccsync_core::model::{
    Connection, ConnectionDraft, ConnectionKind, ConnectionSettings, SecretKind, WebexCredential,
};
use ccsync_core::{Error, Result};

pub const DEMO_CONNECTION_NAME: &str = "Demo tenant";
/// The seed of the demo tenant's generated data: the same seed always gives the same tenant.
pub const DEMO_SEED: u64 = 1;
/// The demo tenant's usual port, so its URL stays the same from one launch to the next (any
/// connection the user points at it keeps working). Taken → any free port, and the demo
/// connection follows.
pub const DEMO_PORT: u16 = 47831;

/// A running demo tenant. Dropping it stops the emulator.
pub struct DemoTenant {
    pub emulator: Emulator,
    pub connection: Connection,
}

/// Starts the emulator and creates the demo connection, or reuses the one made earlier (its auth
/// URL is moved to the emulator's new port, and any secret missing from the keyring is put back).
pub async fn start(connections: &Connections) -> Result<DemoTenant> {
    start_with(connections, demo_tenant()).await
}

/// The demo tenant's data. `CCSYNC_DEMO_WEBEX_TOKEN_TTL` (seconds) shortens its Webex access
/// tokens, to rehearse a credential that must renew itself.
fn demo_tenant() -> TenantConfig {
    let mut tenant = TenantConfig::demo(DEMO_SEED);
    if let Some(seconds) = std::env::var(WEBEX_TOKEN_TTL_ENV).ok().and_then(|v| v.parse().ok()) {
        tenant.webex_token_ttl = std::time::Duration::from_secs(seconds);
    }
    tenant
}

/// See [`demo_tenant`].
pub const WEBEX_TOKEN_TTL_ENV: &str = "CCSYNC_DEMO_WEBEX_TOKEN_TTL";

/// [`start`] with another tenant configuration (tests: e.g. short Webex access-token lifetimes).
pub async fn start_with(connections: &Connections, tenant: TenantConfig) -> Result<DemoTenant> {
    let emulator = match Emulator::start_on(tenant.clone(), DEMO_PORT).await {
        Ok(emulator) => emulator,
        Err(_) => Emulator::start(tenant)
            .await
            .map_err(|e| Error::Internal(format!("the demo tenant could not start on 127.0.0.1: {e}")))?,
    };
    let base_url = emulator.base_url().to_owned();
    let mut cxone = None;
    for draft in demo_connections(&base_url) {
        let kind = draft.settings.kind();
        let connection = match connections.demo_connection(kind)? {
            // A demo Webex connection made before credential kinds (a pasted token) becomes the
            // Service App the demo tenant now uses.
            Some(existing) if kind == ConnectionKind::Webex && existing.settings != draft.settings => {
                let settings = draft.settings.clone();
                let draft = ConnectionDraft {
                    name: existing.name.clone(),
                    ..draft
                };
                connections.repoint_demo(&existing, &base_url)?;
                let upgraded = connections.update(&existing.id, draft).await?;
                debug_assert_eq!(upgraded.settings, settings);
                upgraded
            }
            Some(existing) => {
                let connection = connections.repoint_demo(&existing, &base_url)?;
                let values = draft.secrets.into_iter().collect();
                connections.store_secrets(&connection.id, values).await?;
                connection
            }
            None => connections.create_with(draft, true).await?,
        };
        if kind == ConnectionKind::Cxone {
            cxone = Some(connection);
        }
    }
    let connection = cxone.expect("the demo tenant has a CXone connection");
    tracing::info!(url = %base_url, "demo tenant running");
    Ok(DemoTenant { emulator, connection })
}

/// The app's demo tenant, started on demand and kept running for the life of the app.
#[derive(Default)]
pub struct DemoSlot(tokio::sync::Mutex<Option<DemoTenant>>);

impl DemoSlot {
    /// Restarts the demo tenant at launch when a demo connection exists, so it keeps working.
    pub async fn resume(connections: &Connections) -> DemoSlot {
        let running = match resume(connections).await {
            Ok(running) => running,
            Err(error) => {
                tracing::warn!(%error, "the demo tenant could not be resumed");
                None
            }
        };
        DemoSlot(tokio::sync::Mutex::new(running))
    }

    /// Starts the demo tenant, or returns its connection when it already runs.
    pub async fn start(&self, connections: &Connections) -> Result<Connection> {
        let mut running = self.0.lock().await;
        if let Some(tenant) = running.as_ref() {
            match connections.find(&tenant.connection.id).await {
                // The user deleted the demo connection: start over with a fresh one.
                Err(error) if error.code() == ccsync_core::ErrorCode::NotFound => *running = None,
                found => return found,
            }
        }
        let tenant = start(connections).await?;
        let connection = tenant.connection.clone();
        *running = Some(tenant);
        Ok(connection)
    }
}

/// Restarts the demo tenant at launch when a demo connection exists, so it keeps working.
pub async fn resume(connections: &Connections) -> Result<Option<DemoTenant>> {
    if connections.demo_connection(ConnectionKind::Cxone)?.is_none() {
        return Ok(None);
    }
    start(connections).await.map(Some)
}

/// The demo tenant's connections: CXone to pull from, RingCentral and Webex to map users to.
fn demo_connections(url: &str) -> Vec<ConnectionDraft> {
    let draft = |name: &str, settings, secrets: &[(SecretKind, &str)]| ConnectionDraft {
        name: name.to_owned(),
        settings,
        secrets: secrets.iter().map(|(k, v)| (*k, SecretString::from(*v))).collect(),
    };
    vec![
        draft(
            DEMO_CONNECTION_NAME,
            ConnectionSettings::Cxone {
                auth_url: url.to_owned(),
                client_id: creds::CXONE_CLIENT_ID.to_owned(),
                access_key_id: creds::CXONE_ACCESS_KEY_ID.to_owned(),
                campaigns_from_skills: false,
            },
            &[
                (SecretKind::ClientSecret, creds::CXONE_CLIENT_SECRET),
                (SecretKind::AccessKeySecret, creds::CXONE_ACCESS_KEY_SECRET),
            ],
        ),
        draft(
            "Demo RingCentral",
            ConnectionSettings::Ringcentral {
                server_url: url.to_owned(),
                client_id: creds::RINGCENTRAL_CLIENT_ID.to_owned(),
            },
            &[
                (SecretKind::ClientSecret, creds::RINGCENTRAL_CLIENT_SECRET),
                (SecretKind::JwtCredential, creds::RINGCENTRAL_JWT),
            ],
        ),
        draft(
            "Demo Webex",
            // A Service App, whose access tokens are refreshed (and refresh token rotated) as a
            // real unattended connection's are. Each start puts the initial refresh token back:
            // a fresh emulator knows only that one.
            ConnectionSettings::Webex {
                api_url: url.to_owned(),
                credential: WebexCredential::ServiceApp {
                    client_id: creds::WEBEX_CLIENT_ID.to_owned(),
                },
            },
            &[
                (SecretKind::ClientSecret, creds::WEBEX_CLIENT_SECRET),
                (SecretKind::RefreshToken, creds::WEBEX_REFRESH_TOKEN),
            ],
        ),
    ]
}
