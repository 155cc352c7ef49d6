//! Auto Sync end to end against the emulator: the counts equal the emulator's known overlap.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ccsync_core::auto_sync::{self, AutoSyncOptions};
use ccsync_core::connections::Connections;
use ccsync_core::model::*;
use ccsync_core::progress::NoProgress;
use ccsync_core::retry::RetryPolicy;
use ccsync_core::secrets::MemoryStore;
use ccsync_core::store::Store;
use ccsync_core::sync::{self, PullOptions};
use ccsync_emulator::{demo, Emulator, TenantConfig};
use tokio_util::sync::CancellationToken;

async fn setup(agents: usize) -> (Emulator, Connections, tempfile::TempDir) {
    let emulator = Emulator::start(TenantConfig {
        agents,
        ..TenantConfig::demo(5)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store, Arc::new(MemoryStore::default())).unwrap();
    let url = emulator.base_url().to_owned();
    let drafts = [
        ConnectionDraft {
            name: "CXone".into(),
            settings: ConnectionSettings::Cxone {
                auth_url: url.clone(),
                client_id: demo::CXONE_CLIENT_ID.into(),
                access_key_id: demo::CXONE_ACCESS_KEY_ID.into(),
                campaigns_from_skills: false,
            },
            secrets: BTreeMap::from([
                (SecretKind::ClientSecret, demo::CXONE_CLIENT_SECRET.into()),
                (SecretKind::AccessKeySecret, demo::CXONE_ACCESS_KEY_SECRET.into()),
            ]),
        },
        ConnectionDraft {
            name: "RingCentral".into(),
            settings: ConnectionSettings::Ringcentral {
                server_url: url.clone(),
                client_id: demo::RINGCENTRAL_CLIENT_ID.into(),
            },
            secrets: BTreeMap::from([
                (SecretKind::ClientSecret, demo::RINGCENTRAL_CLIENT_SECRET.into()),
                (SecretKind::JwtCredential, demo::RINGCENTRAL_JWT.into()),
            ]),
        },
        ConnectionDraft {
            name: "Webex".into(),
            settings: ConnectionSettings::Webex { api_url: url },
            secrets: BTreeMap::from([(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN.into())]),
        },
    ];
    for draft in drafts {
        connections.create(draft).await.unwrap();
    }
    let options = PullOptions {
        full: true,
        retry: RetryPolicy::quick(),
        ..PullOptions::default()
    };
    sync::pull_all(
        &connections,
        "CXone",
        Entity::Users,
        &options,
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    (emulator, connections, dir)
}

fn gate(on: bool) -> AutoSyncOptions {
    AutoSyncOptions {
        permission_gate: on,
        retry: Some(RetryPolicy::quick()),
        ..AutoSyncOptions::default()
    }
}

#[tokio::test]
async fn auto_sync_counts_equal_the_known_overlap_on_both_platforms() {
    let (emulator, connections, _dir) = setup(400).await;
    for (name, overlap) in [
        ("RingCentral", emulator.with_data(|d| d.ringcentral.overlap.clone())),
        ("Webex", emulator.with_data(|d| d.webex.overlap.clone())),
    ] {
        let result = auto_sync::run(&connections, name, &gate(false), &NoProgress, &CancellationToken::new())
            .await
            .unwrap();
        let c = &result.counts;
        assert_eq!(c.mapped as usize, overlap.single, "{name}");
        assert_eq!(c.unmapped_multiple as usize, overlap.multiple, "{name}");
        assert_eq!(c.unmapped_only_inactive as usize, overlap.only_inactive, "{name}");
        assert_eq!(c.unmapped_no_match as usize, overlap.none, "{name}");
        assert_eq!((c.unmapped_in_use, c.skipped_no_permission, c.manual_kept), (0, 0, 0));
    }
}

#[tokio::test]
async fn the_permission_gate_skips_restricted_profiles_and_a_second_run_keeps_mappings() {
    let (emulator, connections, _dir) = setup(300).await;
    let restricted = emulator.with_data(|d| d.agents.iter().filter(|a| a.profile == 3).count());
    assert!(restricted > 0);
    let first = auto_sync::run(
        &connections,
        "RingCentral",
        &gate(true),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(first.counts.skipped_no_permission as usize, restricted);
    let second = auto_sync::run(
        &connections,
        "RingCentral",
        &gate(true),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        second.counts, first.counts,
        "nothing upstream changed, so nothing moves"
    );
    let store = connections.store_handle();
    let audit = store.lock().unwrap().run_audit(first.run_id).unwrap();
    assert!(
        audit.iter().any(|a| a.action == "mapping"),
        "mapping changes are audited"
    );
    assert!(store.lock().unwrap().run_audit(second.run_id).unwrap().len() < audit.len());
}

#[tokio::test]
async fn auto_sync_needs_users_first() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store, Arc::new(MemoryStore::default())).unwrap();
    connections
        .create(ConnectionDraft {
            name: "Webex".into(),
            settings: ConnectionSettings::Webex {
                api_url: emulator.base_url().into(),
            },
            secrets: BTreeMap::from([(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN.into())]),
        })
        .await
        .unwrap();
    let error = auto_sync::run(
        &connections,
        "Webex",
        &gate(false),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("pull users"), "{error}");
}
