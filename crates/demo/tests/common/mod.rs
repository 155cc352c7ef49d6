//! What several test files of this crate share.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ccsync_core::connections::Connections;
use ccsync_core::model::{ConnectionDraft, ConnectionSettings, Entity, SecretKind};
use ccsync_core::progress::NoProgress;
use ccsync_core::secrets::MemoryStore;
use ccsync_core::store::Store;
use ccsync_core::sync::{self, PullOptions};
use ccsync_core::vendor::retry::RetryPolicy;
use ccsync_emulator::{demo, Emulator, TenantConfig};
use tokio_util::sync::CancellationToken;

/// An emulator, a store in a temporary folder, and a CXone connection "Tenant" to the emulator.
// Each test file is its own crate and not every one uses every part of this module.
#[allow(dead_code)]
pub struct Fixture {
    pub emulator: Emulator,
    pub connections: Connections,
    pub store: Arc<Mutex<Store>>,
    pub dir: tempfile::TempDir,
}

#[allow(dead_code)]
pub async fn fixture(tenant: TenantConfig) -> Fixture {
    let emulator = Emulator::start(tenant).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("ccsync.sqlite3")).unwrap()));
    let connections = Connections::new(store.clone(), Arc::new(MemoryStore::default())).unwrap();
    connections
        .create(cxone_draft("Tenant", emulator.base_url()))
        .await
        .unwrap();
    Fixture {
        emulator,
        connections,
        store,
        dir,
    }
}

/// A CXone connection to an emulator at `url`, with the demo tenant's credentials.
pub fn cxone_draft(name: &str, url: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: name.into(),
        settings: ConnectionSettings::Cxone {
            auth_url: url.into(),
            client_id: demo::CXONE_CLIENT_ID.into(),
            access_key_id: demo::CXONE_ACCESS_KEY_ID.into(),
            campaigns_from_skills: false,
        },
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, demo::CXONE_CLIENT_SECRET.into()),
            (SecretKind::AccessKeySecret, demo::CXONE_ACCESS_KEY_SECRET.into()),
        ]),
    }
}

/// A RingCentral connection to an emulator at `url`, with the demo tenant's credentials.
#[allow(dead_code)]
pub fn ringcentral_draft(name: &str, url: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: name.into(),
        settings: ConnectionSettings::Ringcentral {
            server_url: url.into(),
            client_id: demo::RINGCENTRAL_CLIENT_ID.into(),
        },
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, demo::RINGCENTRAL_CLIENT_SECRET.into()),
            (SecretKind::JwtCredential, demo::RINGCENTRAL_JWT.into()),
        ]),
    }
}

/// A full pull of the users of the CXone connection `connection` (name or id), retrying quickly.
#[allow(dead_code)]
pub async fn pull_users(connections: &Connections, connection: &str) {
    let options = PullOptions {
        full: true,
        retry: RetryPolicy::quick(),
        ..PullOptions::default()
    };
    sync::pull_all(
        connections,
        connection,
        Entity::Users,
        &options,
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
}
