//! After adding and testing connections, no secret value is in the database file (WAL included)
//! or in the log file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use ccsync_core::connections::Connections;
use ccsync_core::model::{ConnectionDraft, ConnectionSettings, SecretKind, WebexCredential};
use ccsync_core::secrets::{KeyringStore, MemoryStore, SecretKey, SecretStore};
use ccsync_core::store::Store;
use ccsync_emulator::{Emulator, TenantConfig};
use secrecy::ExposeSecret;

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn secrets_never_reach_the_database_or_the_log() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let guard = ccsync_core::logging::init(logs.path()).unwrap();

    let mut tenant = TenantConfig::demo(42);
    tenant.cxone_client_secret = "CLIENT-SECRET-4f1d9a".into();
    tenant.access_key_secret = "ACCESS-KEY-SECRET-8c2e7b==".into();
    tenant.webex_client_secret = "WEBEX-CLIENT-SECRET-3e9f".into();
    tenant.webex_refresh_token = "WEBEX-REFRESH-TOKEN-71ac".into();
    let wrong_secret = "WRONG-KEY-SECRET-b7a301";
    let emulator = Emulator::start(tenant.clone()).await.unwrap();

    // The real keyring when the session has one (CI), else memory: either way not the disk.
    let secrets: Arc<dyn SecretStore> = if KeyringStore.probe().is_ok() {
        Arc::new(KeyringStore)
    } else {
        Arc::new(MemoryStore::default())
    };
    let store = Store::open(&data.path().join("ccsync.sqlite3")).unwrap();
    let connections = Connections::new(Arc::new(Mutex::new(store)), secrets.clone()).unwrap();

    let draft = |name: &str, key_secret: &str| ConnectionDraft {
        name: name.into(),
        settings: ConnectionSettings::Cxone {
            auth_url: emulator.base_url().into(),
            client_id: tenant.cxone_client_id.clone(),
            access_key_id: tenant.access_key_id.clone(),
            campaigns_from_skills: false,
        },
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, tenant.cxone_client_secret.clone().into()),
            (SecretKind::AccessKeySecret, key_secret.into()),
        ]),
    };
    let good = connections
        .create(draft("Good", &tenant.access_key_secret))
        .await
        .unwrap();
    connections.test(&good.id).await.unwrap();
    let bad = connections.create(draft("Bad", wrong_secret)).await.unwrap();
    let error = connections.test(&bad.id).await.unwrap_err();
    let _ = ccsync_core::ApiError::from(error); // logs the failure, as the app and CLI do
                                                // A Webex Service App: its refresh token rotates (the new one too must stay off the disk), then
                                                // is revoked and refused.
    let webex = connections
        .create(ConnectionDraft {
            name: "Webex".into(),
            settings: ConnectionSettings::Webex {
                api_url: emulator.base_url().into(),
                credential: WebexCredential::ServiceApp {
                    client_id: tenant.webex_client_id.clone(),
                },
            },
            secrets: BTreeMap::from([
                (SecretKind::ClientSecret, tenant.webex_client_secret.clone().into()),
                (SecretKind::RefreshToken, tenant.webex_refresh_token.clone().into()),
            ]),
        })
        .await
        .unwrap();
    connections.test(&webex.id).await.unwrap();
    let rotated = secrets
        .get(&SecretKey::new(&webex.id, SecretKind::RefreshToken))
        .unwrap()
        .unwrap()
        .expose_secret()
        .to_owned();
    assert_ne!(rotated, tenant.webex_refresh_token);
    emulator.revoke_webex_refresh_tokens();
    let _ = ccsync_core::ApiError::from(connections.test(&webex.id).await.unwrap_err());
    connections.delete(&good.id).await.unwrap();
    connections.delete(&bad.id).await.unwrap();
    connections.delete(&webex.id).await.unwrap();
    drop(guard); // flushes the log writer

    let log_files = files_under(logs.path());
    assert!(!log_files.is_empty() && log_files.iter().any(|(_, bytes)| contains(bytes, "connection tested")));
    let db_files = files_under(data.path());
    assert!(db_files.iter().any(|(name, _)| name.ends_with("ccsync.sqlite3")));
    for (name, bytes) in log_files.iter().chain(&db_files) {
        for secret in [
            tenant.cxone_client_secret.as_str(),
            &tenant.access_key_secret,
            wrong_secret,
            &tenant.webex_client_secret,
            &tenant.webex_refresh_token,
            &rotated,
        ] {
            assert!(!contains(bytes, secret), "{name} contains a secret value");
        }
    }
}
