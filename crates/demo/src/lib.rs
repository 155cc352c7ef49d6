//! The demo tenant: two business units, each an emulator started in-process, with a CXone, a
//! RingCentral and a Webex connection pointing at it and each unit linked to its own RingCentral
//! and Webex connection, so every screen (the business-unit choice included) works without a
//! vendor account. Its secrets still go through the `SecretStore`.

use ccsync_emulator::{demo as creds, Emulator, TenantConfig};
use secrecy::SecretString;

use ccsync_core::connections::Connections;
use ccsync_core::mapping::links;
use ccsync_core::model::{
    Connection, ConnectionDraft, ConnectionKind, ConnectionSettings, SecretKind, WebexCredential,
};
use ccsync_core::vendor::directory::Platform;
use ccsync_core::{Error, Result};

pub const DEMO_CONNECTION_NAME: &str = "Demo tenant";
/// The seed of the demo tenant's generated data: the same seed always gives the same tenant.
pub const DEMO_SEED: u64 = 1;
/// The demo tenant's usual port, so its URL stays the same from one launch to the next (any
/// connection the user points at it keeps working). Taken → any free port, and the demo
/// connections follow.
pub const DEMO_PORT: u16 = 47831;

/// The second business unit's CXone connection ("West": its own unit, users and accounts).
pub const DEMO_WEST_CONNECTION_NAME: &str = "Demo tenant West";
/// The seed of the second business unit's data.
pub const DEMO_WEST_SEED: u64 = creds::west::SEED;
/// The second business unit's usual port (taken → any free port, as [`DEMO_PORT`]).
pub const DEMO_WEST_PORT: u16 = 47832;

/// The names the demo gives one unit's connections (CXone, RingCentral, Webex) when it makes them.
const FIRST_NAMES: [&str; 3] = [DEMO_CONNECTION_NAME, "Demo RingCentral", "Demo Webex"];
const WEST_NAMES: [&str; 3] = [DEMO_WEST_CONNECTION_NAME, "Demo RingCentral West", "Demo Webex West"];

/// One business unit of the running demo tenant: its address and its three connections.
#[derive(Debug, Clone)]
pub struct DemoUnit {
    /// The unit's number, as CXone sign-ins report it.
    pub business_unit_id: i64,
    pub business_unit_name: String,
    /// `http://127.0.0.1:<port>` of the unit's emulator.
    pub base_url: String,
    pub cxone: Connection,
    pub ringcentral: Connection,
    pub webex: Connection,
}

/// A running demo tenant. Dropping it stops both emulators.
pub struct DemoTenant {
    /// The first business unit's emulator ("Demo Contact Center").
    pub emulator: Emulator,
    /// The first business unit's CXone connection.
    pub connection: Connection,
    /// The second business unit's emulator ("Demo Contact Center West").
    pub west_emulator: Emulator,
    /// Both units: the first, then West.
    pub units: [DemoUnit; 2],
}

impl DemoTenant {
    /// The second business unit ("West").
    pub fn west(&self) -> &DemoUnit {
        &self.units[1]
    }

    /// Every connection the demo owns (six).
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.units.iter().flat_map(|u| [&u.cxone, &u.ringcentral, &u.webex])
    }
}

/// Starts both units' emulators and creates their connections and links, or reuses those made
/// earlier (their URLs are moved to the emulators' new ports, and any secret missing from the
/// keyring is put back).
pub async fn start(connections: &Connections) -> Result<DemoTenant> {
    start_with(connections, demo_tenant(TenantConfig::demo(DEMO_SEED))).await
}

/// A unit's data. `CCSYNC_DEMO_WEBEX_TOKEN_TTL` (seconds) shortens its Webex access tokens, to
/// rehearse a credential that must renew itself.
fn demo_tenant(mut tenant: TenantConfig) -> TenantConfig {
    if let Some(seconds) = std::env::var(WEBEX_TOKEN_TTL_ENV).ok().and_then(|v| v.parse().ok()) {
        tenant.webex_token_ttl = std::time::Duration::from_secs(seconds);
    }
    tenant
}

/// See [`demo_tenant`].
pub const WEBEX_TOKEN_TTL_ENV: &str = "CCSYNC_DEMO_WEBEX_TOKEN_TTL";

/// [`start`] with another configuration of the first unit (tests: e.g. short Webex access-token
/// lifetimes). The West unit is the usual one, with the same Webex token lifetime.
pub async fn start_with(connections: &Connections, tenant: TenantConfig) -> Result<DemoTenant> {
    let west = TenantConfig {
        webex_token_ttl: tenant.webex_token_ttl,
        ..demo_tenant(TenantConfig::demo_west(DEMO_WEST_SEED))
    };
    let emulator = start_emulator(tenant, DEMO_PORT).await?;
    let west_emulator = start_emulator(west, DEMO_WEST_PORT).await?;
    let known = [emulator.tenant().clone(), west_emulator.tenant().clone()];
    let first = unit_connections(connections, &emulator, 0, &known, FIRST_NAMES).await?;
    let west = unit_connections(connections, &west_emulator, 1, &known, WEST_NAMES).await?;
    {
        let store = connections.store_handle();
        let store = store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for unit in [&first, &west] {
            // The emulator is the demo's own, so its unit is known before any test.
            store.set_connection_business_unit(
                &unit.cxone.id,
                unit.business_unit_id,
                Some(&unit.business_unit_name),
            )?;
            link_unit(&store, unit)?;
        }
    }
    tracing::info!(first = %first.base_url, west = %west.base_url, "demo tenant running");
    Ok(DemoTenant {
        emulator,
        connection: first.cxone.clone(),
        west_emulator,
        units: [first, west],
    })
}

/// Starts a unit's emulator on its usual port, else on any free one.
async fn start_emulator(tenant: TenantConfig, port: u16) -> Result<Emulator> {
    match Emulator::start_on(tenant.clone(), port).await {
        Ok(emulator) => Ok(emulator),
        Err(_) => Emulator::start(tenant)
            .await
            .map_err(|e| Error::Internal(format!("the demo tenant could not start on 127.0.0.1: {e}"))),
    }
}

/// Links the unit to its own RingCentral and Webex connections, for each platform it has no link
/// for yet (a link the admin changed is kept). A link refused (another CXone connection to the
/// same unit holds that platform's link) is left to the admin: the demo still starts.
fn link_unit(store: &ccsync_core::store::Store, unit: &DemoUnit) -> Result<()> {
    let existing = links::list(store)?;
    for (platform, external) in [
        (Platform::Ringcentral, &unit.ringcentral),
        (Platform::Webex, &unit.webex),
    ] {
        let linked = existing
            .iter()
            .any(|l| l.cxone_connection_id == unit.cxone.id && l.platform == platform);
        if linked {
            continue;
        }
        if let Err(error) = links::link(store, &unit.cxone.id, &external.id) {
            tracing::info!(%error, connection = %unit.cxone.name, "the demo unit was not linked");
        }
    }
    Ok(())
}

/// The unit's three connections: the demo connections made for it earlier (re-pointed, secrets
/// put back), else new ones.
async fn unit_connections(
    connections: &Connections,
    emulator: &Emulator,
    unit: usize,
    known: &[TenantConfig; 2],
    names: [&str; 3],
) -> Result<DemoUnit> {
    let base_url = emulator.base_url().to_owned();
    let tenant = emulator.tenant();
    let mut made = Vec::with_capacity(3);
    for draft in demo_connections(&base_url, tenant, names) {
        let kind = draft.settings.kind();
        let connection = match find_demo(&connections.demo_connections()?, kind, unit, known) {
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
        made.push(connection);
    }
    let [cxone, ringcentral, webex]: [Connection; 3] = made.try_into().expect("three drafts");
    Ok(DemoUnit {
        business_unit_id: tenant.business_unit_id as i64,
        business_unit_name: tenant.business_unit_name.clone(),
        base_url,
        cxone,
        ringcentral,
        webex,
    })
}

/// The client ID a connection signs in with (none for a pasted Webex token).
fn client_id(settings: &ConnectionSettings) -> Option<&str> {
    match settings {
        ConnectionSettings::Cxone { client_id, .. } | ConnectionSettings::Ringcentral { client_id, .. } => {
            Some(client_id)
        }
        ConnectionSettings::Webex { credential, .. } => credential.client_id(),
    }
}

/// The client ID unit `tenant` gives its connection of `kind`.
fn tenant_client_id(tenant: &TenantConfig, kind: ConnectionKind) -> &str {
    match kind {
        ConnectionKind::Cxone => &tenant.cxone_client_id,
        ConnectionKind::Ringcentral => &tenant.ringcentral_client_id,
        ConnectionKind::Webex => &tenant.webex_client_id,
    }
}

/// Unit `unit`'s demo connection of `kind` among `demo`: the one with that unit's client ID (the
/// user may have renamed it). The first unit also takes a demo connection no unit's client ID
/// claims: one made before the demo had two units (e.g. a pasted Webex token, with no client ID).
fn find_demo(demo: &[Connection], kind: ConnectionKind, unit: usize, known: &[TenantConfig; 2]) -> Option<Connection> {
    let of_kind = || demo.iter().filter(|c| c.settings.kind() == kind);
    let wanted = tenant_client_id(&known[unit], kind);
    if let Some(found) = of_kind().find(|c| client_id(&c.settings) == Some(wanted)) {
        return Some(found.clone());
    }
    if unit != 0 {
        return None;
    }
    of_kind()
        .find(|c| {
            !known
                .iter()
                .any(|t| client_id(&c.settings) == Some(tenant_client_id(t, kind)))
        })
        .cloned()
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

    /// Starts the demo tenant, or returns its (first unit's CXone) connection when it already
    /// runs with all six connections.
    pub async fn start(&self, connections: &Connections) -> Result<Connection> {
        let mut running = self.0.lock().await;
        if let Some(tenant) = running.as_ref() {
            let demo = connections.demo_connections()?;
            let complete = tenant.connections().all(|c| demo.iter().any(|d| d.id == c.id));
            if complete {
                return connections.find(&tenant.connection.id).await;
            }
            // The user deleted a demo connection: stop the emulators, then start over (the
            // connections left are reused, the deleted ones made afresh).
            tracing::info!("a demo connection was deleted; restarting the demo tenant");
            *running = None;
        }
        let tenant = start(connections).await?;
        let connection = tenant.connection.clone();
        *running = Some(tenant);
        Ok(connection)
    }

    /// The running demo tenant's units (empty when it does not run).
    pub async fn units(&self) -> Vec<DemoUnit> {
        self.0
            .lock()
            .await
            .as_ref()
            .map(|t| t.units.to_vec())
            .unwrap_or_default()
    }
}

/// Restarts the demo tenant at launch when a demo CXone connection exists, so it keeps working.
pub async fn resume(connections: &Connections) -> Result<Option<DemoTenant>> {
    let any_cxone = connections
        .demo_connections()?
        .iter()
        .any(|c| c.settings.kind() == ConnectionKind::Cxone);
    if !any_cxone {
        return Ok(None);
    }
    start(connections).await.map(Some)
}

/// A unit's connections: CXone to pull from, RingCentral and Webex to map users to, with the
/// credentials its emulator accepts.
fn demo_connections(url: &str, tenant: &TenantConfig, names: [&str; 3]) -> Vec<ConnectionDraft> {
    let draft = |name: &str, settings, secrets: &[(SecretKind, &str)]| ConnectionDraft {
        name: name.to_owned(),
        settings,
        secrets: secrets.iter().map(|(k, v)| (*k, SecretString::from(*v))).collect(),
    };
    let [cxone, ringcentral, webex] = names;
    vec![
        draft(
            cxone,
            ConnectionSettings::Cxone {
                auth_url: url.to_owned(),
                client_id: tenant.cxone_client_id.clone(),
                access_key_id: tenant.access_key_id.clone(),
                campaigns_from_skills: false,
            },
            &[
                (SecretKind::ClientSecret, &tenant.cxone_client_secret),
                (SecretKind::AccessKeySecret, &tenant.access_key_secret),
            ],
        ),
        draft(
            ringcentral,
            ConnectionSettings::Ringcentral {
                server_url: url.to_owned(),
                client_id: tenant.ringcentral_client_id.clone(),
            },
            &[
                (SecretKind::ClientSecret, &tenant.ringcentral_client_secret),
                (SecretKind::JwtCredential, &tenant.ringcentral_jwt),
            ],
        ),
        draft(
            webex,
            // A Service App, whose access tokens are refreshed (and refresh token rotated) as a
            // real unattended connection's are. Each start puts the initial refresh token back:
            // a fresh emulator knows only that one.
            ConnectionSettings::Webex {
                api_url: url.to_owned(),
                credential: WebexCredential::ServiceApp {
                    client_id: tenant.webex_client_id.clone(),
                },
            },
            &[
                (SecretKind::ClientSecret, &tenant.webex_client_secret),
                (SecretKind::RefreshToken, &tenant.webex_refresh_token),
            ],
        ),
    ]
}
