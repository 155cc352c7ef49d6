//! Webex that lasts, against the emulator's token endpoint: a Service App keeps working across
//! access-token expiries and its rotated refresh token lands in the keyring; an Integration signs in
//! through the browser flow (the test plays the browser); a refresh token that no longer works
//! gives a sentence, and for a scheduled run a failed History row and a failure on the schedule;
//! the demo tenant's Webex connection refreshes by itself.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccsync_core::connections::Connections;
use ccsync_core::mapping::auto_sync::{self, AutoSyncOptions, PermissionGate, Runner};
use ccsync_core::mapping::links::{self, MappingLink};
use ccsync_core::mapping::schedule::{self, Schedule};
use ccsync_core::model::*;
use ccsync_core::progress::NoProgress;
use ccsync_core::secrets::{MemoryStore, SecretKey, SecretStore};
use ccsync_core::store::Store;
use ccsync_core::vendor::directory::{Directory, Platform};
use ccsync_core::vendor::retry::RetryPolicy;
use ccsync_core::vendor::webex::{WebexCredentials, WebexDirectory};
use ccsync_core::vendor::webex_oauth::{RefreshGrant, RefreshTokenSink, RefreshingKind, WebexAuth};
use ccsync_core::ErrorCode;
use ccsync_emulator::{demo, Emulator, Fault, FaultRule, TenantConfig};
use secrecy::{ExposeSecret, SecretString};
use tokio_util::sync::CancellationToken;

struct Fixture {
    emulator: Emulator,
    connections: Connections,
    secrets: MemoryStore,
    _dir: tempfile::TempDir,
}

/// The business unit's link to the Webex connection `webex` (name or id).
fn link_to(connections: &Connections, webex: &str) -> MappingLink {
    links::resolve(
        &connections.store_handle().lock().unwrap(),
        Platform::Webex,
        None,
        Some(webex),
    )
    .unwrap()
}

/// An emulator whose Webex access tokens last `ttl`, a store with the CXone users pulled, and the
/// keyring in memory (inspected by the tests).
async fn fixture(agents: usize, ttl: Duration) -> Fixture {
    let emulator = Emulator::start(TenantConfig {
        agents,
        webex_token_ttl: ttl,
        ..TenantConfig::demo(9)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let secrets = MemoryStore::default();
    let connections = Connections::new(store, Arc::new(secrets.clone())).unwrap();
    connections
        .create(common::cxone_draft("CXone", emulator.base_url()))
        .await
        .unwrap();
    common::pull_users(&connections, "CXone").await;
    PermissionGate::default()
        .save(&connections.store_handle().lock().unwrap())
        .unwrap();
    Fixture {
        emulator,
        connections,
        secrets,
        _dir: dir,
    }
}

fn service_app(url: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: "Webex".into(),
        settings: ConnectionSettings::Webex {
            api_url: url.into(),
            credential: WebexCredential::ServiceApp {
                client_id: demo::WEBEX_CLIENT_ID.into(),
            },
        },
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, demo::WEBEX_CLIENT_SECRET.into()),
            (SecretKind::RefreshToken, demo::WEBEX_REFRESH_TOKEN.into()),
        ]),
    }
}

fn integration(url: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: "Webex sign-in".into(),
        settings: ConnectionSettings::Webex {
            api_url: url.into(),
            credential: WebexCredential::Integration {
                client_id: demo::WEBEX_CLIENT_ID.into(),
                redirect_port: 0,
            },
        },
        secrets: BTreeMap::from([(SecretKind::ClientSecret, demo::WEBEX_CLIENT_SECRET.into())]),
    }
}

fn stored(secrets: &MemoryStore, id: &str, kind: SecretKind) -> Option<String> {
    secrets
        .get(&SecretKey::new(id, kind))
        .unwrap()
        .map(|s| s.expose_secret().to_owned())
}

fn gate_off() -> AutoSyncOptions {
    AutoSyncOptions {
        gate: PermissionGate::default(),
        retry: Some(RetryPolicy::quick()),
    }
}

#[tokio::test]
async fn a_service_app_lists_every_person_once_while_its_access_tokens_expire_mid_list() {
    // ~2,000 people in pages of 1,000, each page slowed so the 1-second tokens expire between pages.
    let f = fixture(2600, Duration::from_secs(1)).await;
    let people = f.emulator.with_data(|d| d.webex.accounts.len());
    assert!(people > 2000, "{people} people: at least three pages");
    f.emulator.set_faults(vec![FaultRule::always(
        "/v1/people",
        Fault::Delay(Duration::from_millis(550)),
    )]);
    let key = SecretKey::new("webex-1", SecretKind::RefreshToken);
    f.secrets
        .set(&key, &SecretString::from(demo::WEBEX_REFRESH_TOKEN))
        .unwrap();
    let directory = WebexDirectory {
        http: ccsync_core::vendor::http::client().unwrap(),
        creds: WebexCredentials {
            api_url: f.emulator.base_url().into(),
            auth: WebexAuth::refreshing(RefreshGrant {
                kind: RefreshingKind::ServiceApp,
                client_id: demo::WEBEX_CLIENT_ID.into(),
                client_secret: SecretString::from(demo::WEBEX_CLIENT_SECRET),
                refresh_token: SecretString::from(demo::WEBEX_REFRESH_TOKEN),
                sink: Some(RefreshTokenSink {
                    secrets: Arc::new(f.secrets.clone()),
                    key: key.clone(),
                }),
            }),
        },
        policy: RetryPolicy::quick(),
    };
    let accounts = directory
        .list_accounts(&NoProgress, &CancellationToken::new())
        .await
        .unwrap();
    let ids: HashSet<_> = accounts.iter().map(|a| a.id.clone()).collect();
    assert_eq!(
        (accounts.len(), ids.len()),
        (people, people),
        "every person exactly once"
    );
    let refreshes = f.emulator.request_count("/v1/access_token");
    assert!(
        refreshes >= 2,
        "the token was renewed mid-list ({refreshes} token requests)"
    );
    // Each refresh rotated the refresh token; the keyring holds the one that works now.
    let valid = f.emulator.valid_webex_refresh_tokens();
    assert_eq!(valid.len(), 1);
    assert_eq!(f.secrets.get(&key).unwrap().unwrap().expose_secret(), valid[0]);
}

#[tokio::test]
async fn a_service_app_connection_keeps_working_across_several_expiries_with_the_rotated_refresh_token_in_the_keyring()
{
    let f = fixture(120, Duration::from_secs(1)).await;
    let webex = f.connections.create(service_app(f.emulator.base_url())).await.unwrap();
    assert_eq!(
        webex.stored_secrets,
        vec![SecretKind::ClientSecret, SecretKind::RefreshToken]
    );
    let outcome = f.connections.test(&webex.id).await.unwrap();
    assert!(outcome.summary.contains("Demo Administrator"), "{}", outcome.summary);
    for round in 0..3 {
        // Past the access token's lifetime: each run needs a new token from the rotated refresh token
        // (the emulator refuses every refresh token but the latest).
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let result = auto_sync::run(
            &f.connections,
            &link_to(&f.connections, "Webex"),
            &gate_off(),
            &NoProgress,
            &CancellationToken::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(result.counts.mapped > 0);
    }
    let valid = f.emulator.valid_webex_refresh_tokens();
    assert_eq!(valid.len(), 1);
    let kept = stored(&f.secrets, &webex.id, SecretKind::RefreshToken).unwrap();
    assert_eq!(kept, valid[0]);
    assert_ne!(kept, demo::WEBEX_REFRESH_TOKEN, "rotated");
    assert!(f.emulator.request_count("/v1/access_token") >= 4);
}

/// Plays the browser: requests the authorize URL and follows the redirect to CC Sync's listener.
fn browser(url: &str) -> ccsync_core::Result<()> {
    let url = url.to_owned();
    tokio::spawn(async move {
        let page = reqwest::get(&url).await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Signed in to Webex"));
    });
    Ok(())
}

#[tokio::test]
async fn an_integration_signs_in_through_the_browser_flow_and_stays_signed_in() {
    let f = fixture(80, Duration::from_secs(1)).await;
    let webex = f.connections.create(integration(f.emulator.base_url())).await.unwrap();
    assert_eq!(
        webex.stored_secrets,
        vec![SecretKind::ClientSecret],
        "not signed in yet"
    );
    let before = auto_sync::run(
        &f.connections,
        &link_to(&f.connections, "Webex sign-in"),
        &gate_off(),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(before.code(), ErrorCode::AuthFailed);
    assert!(before.to_string().contains("Sign in with Webex"), "{before}");

    let mut opened = None;
    let outcome = f
        .connections
        .webex_sign_in(
            &webex.id,
            |url| {
                opened = Some(url.to_owned());
                browser(url)
            },
            Duration::from_secs(20),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(outcome.summary.contains("Demo Administrator"), "{}", outcome.summary);
    let opened = url::Url::parse(&opened.unwrap()).unwrap();
    assert_eq!(opened.path(), "/v1/authorize");
    let param = |name: &str| {
        opened
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert!(param("redirect_uri").unwrap().starts_with("http://127.0.0.1:"));
    let listed = f.connections.find(&webex.id).await.unwrap();
    assert_eq!(
        listed.stored_secrets,
        vec![SecretKind::ClientSecret, SecretKind::RefreshToken]
    );
    assert_eq!(listed.last_test.map(|t| t.ok), Some(true));

    // Signed in for good: runs after the access token expired still work.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    auto_sync::run(
        &f.connections,
        &link_to(&f.connections, "Webex sign-in"),
        &gate_off(),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    // The sign-in's refresh token was rotated by that run, and the keyring holds the new one.
    let kept = stored(&f.secrets, &webex.id, SecretKind::RefreshToken).unwrap();
    assert!(f.emulator.valid_webex_refresh_tokens().contains(&kept));
    assert_ne!(
        kept,
        demo::WEBEX_REFRESH_TOKEN,
        "from the sign-in, not the Service App's"
    );
}

#[tokio::test]
async fn a_sign_in_that_never_comes_back_stops_with_a_sentence() {
    let f = fixture(10, Duration::from_secs(60)).await;
    let webex = f.connections.create(integration(f.emulator.base_url())).await.unwrap();
    let err = f
        .connections
        .webex_sign_in(
            &webex.id,
            |_| Ok(()),
            Duration::from_millis(300),
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    assert!(err.to_string().contains("did not come back"), "{err}");
    assert_eq!(stored(&f.secrets, &webex.id, SecretKind::RefreshToken), None);
}

#[tokio::test]
async fn a_revoked_refresh_token_gives_a_sentence_and_a_failed_scheduled_run_shows_in_history_and_on_the_schedule() {
    let f = fixture(60, Duration::from_secs(60)).await;
    let webex = f.connections.create(service_app(f.emulator.base_url())).await.unwrap();
    f.emulator.revoke_webex_refresh_tokens();

    let err = f.connections.test(&webex.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    let sentence = err.to_string();
    assert!(
        sentence.contains("refresh token") && sentence.contains("under Connections"),
        "{sentence}"
    );
    assert!(!sentence.contains(demo::WEBEX_REFRESH_TOKEN) && !sentence.contains(demo::WEBEX_CLIENT_SECRET));

    let store = f.connections.store_handle();
    let link = link_to(&f.connections, &webex.id);
    schedule::set_schedule(&store.lock().unwrap(), link.id, &Schedule::Hourly).unwrap();
    let runner = Runner::new(f.connections.clone());
    let now = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
    let failed = runner.run_if_due(link.id, now).await.unwrap_err();
    assert_eq!(failed.code(), ErrorCode::AuthFailed);
    assert_eq!(failed.to_string(), sentence);

    let run = store.lock().unwrap().list_runs(1).unwrap().remove(0);
    assert_eq!((run.kind.as_str(), run.status.as_str()), ("auto_sync", "failed"));
    // History names the run by its link: the business unit → the Webex connection.
    assert_eq!(run.connection_name, link.label());
    assert!(run.connection_name.ends_with("→ Webex"), "{}", run.connection_name);
    assert_eq!(run.error.as_deref(), Some(sentence.as_str()));
    let info = schedule::schedule_info(&store.lock().unwrap(), link.id).unwrap();
    assert_eq!(info.last_error.as_deref(), Some(sentence.as_str()));
    assert!(info.last_run.is_some());

    // Fixed under Connections (here by switching to a pasted token, which must then be given):
    // the next scheduled run succeeds and the schedule's failure is gone.
    let mut draft = service_app(f.emulator.base_url());
    draft.settings = ConnectionSettings::Webex {
        api_url: f.emulator.base_url().into(),
        credential: WebexCredential::PersonalToken,
    };
    draft.secrets = BTreeMap::new();
    let refused = f.connections.update(&webex.id, draft.clone()).await.unwrap_err();
    assert!(refused.to_string().contains("access token"), "{refused}");
    draft.secrets = BTreeMap::from([(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN.into())]);
    let switched = f.connections.update(&webex.id, draft).await.unwrap();
    assert_eq!(switched.stored_secrets, vec![SecretKind::AccessToken]);
    assert_eq!(
        stored(&f.secrets, &webex.id, SecretKind::RefreshToken),
        None,
        "the old credential's secrets go"
    );
    runner
        .run_if_due(link.id, now + time::Duration::hours(2))
        .await
        .unwrap()
        .expect("due");
    let info = schedule::schedule_info(&store.lock().unwrap(), link.id).unwrap();
    assert_eq!(info.last_error, None);
}

#[tokio::test]
async fn an_integration_whose_sign_in_was_revoked_asks_to_sign_in_again() {
    let f = fixture(10, Duration::from_secs(60)).await;
    let webex = f.connections.create(integration(f.emulator.base_url())).await.unwrap();
    f.connections
        .webex_sign_in(&webex.id, browser, Duration::from_secs(20), &CancellationToken::new())
        .await
        .unwrap();
    f.emulator.revoke_webex_refresh_tokens();
    let err = f.connections.test(&webex.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    assert!(err.to_string().contains("Sign in with Webex again"), "{err}");
}

#[tokio::test]
async fn the_demo_tenants_webex_auto_sync_still_runs_after_its_first_access_token_expired() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store, Arc::new(MemoryStore::default())).unwrap();
    let tenant = ccsync_demo::start_with(
        &connections,
        TenantConfig {
            webex_token_ttl: Duration::from_secs(1),
            ..TenantConfig::demo(ccsync_demo::DEMO_SEED)
        },
    )
    .await
    .unwrap();
    let webex = tenant.units[0].webex.clone();
    assert!(matches!(
        webex.settings,
        ConnectionSettings::Webex {
            credential: WebexCredential::ServiceApp { .. },
            ..
        }
    ));
    common::pull_users(&connections, &tenant.connection.id).await;
    let (options, cancel) = (gate_off(), CancellationToken::new());
    let link = link_to(&connections, &webex.id);
    let run = || auto_sync::run(&connections, &link, &options, &NoProgress, &cancel);
    let first = run().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let second = run().await.unwrap();
    assert_eq!(second.counts.mapped, first.counts.mapped);
    assert!(tenant.emulator.request_count("/v1/access_token") >= 2);
}

/// The same with the OS keyring (skipped without one unless `CCSYNC_TEST_KEYRING=1`, as in
/// crates/core/tests/secrets.rs): the rotated refresh token is what the keyring holds afterwards.
#[tokio::test]
async fn with_the_os_keyring_the_rotated_refresh_token_is_saved_there() {
    use ccsync_core::secrets::KeyringStore;
    let probe = tokio::task::spawn_blocking(|| KeyringStore.probe()).await.unwrap();
    if let Err(error) = probe {
        assert!(
            std::env::var_os("CCSYNC_TEST_KEYRING").is_none_or(|v| v != "1"),
            "CCSYNC_TEST_KEYRING=1 but the keyring is unavailable: {error}"
        );
        eprintln!("skipped: no keyring in this session ({error})");
        return;
    }
    let emulator = Emulator::start(TenantConfig {
        webex_token_ttl: Duration::from_secs(1),
        ..TenantConfig::demo(9)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store, Arc::new(KeyringStore)).unwrap();
    let webex = connections.create(service_app(emulator.base_url())).await.unwrap();
    connections.test(&webex.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    connections.test(&webex.id).await.unwrap();
    let id = webex.id.clone();
    let kept = tokio::task::spawn_blocking(move || {
        KeyringStore
            .get(&SecretKey::new(&id, SecretKind::RefreshToken))
            .unwrap()
            .map(|s| s.expose_secret().to_owned())
    })
    .await
    .unwrap();
    assert_eq!(kept, emulator.valid_webex_refresh_tokens().pop());
    connections.delete(&webex.id).await.unwrap();
}

#[tokio::test]
async fn a_demo_webex_connection_saved_as_a_pasted_token_becomes_the_service_app() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let secrets = MemoryStore::default();
    let connections = Connections::new(store, Arc::new(secrets.clone())).unwrap();
    let old = connections
        .create_with(
            ConnectionDraft {
                name: "My demo Webex".into(),
                settings: ConnectionSettings::Webex {
                    api_url: "http://127.0.0.1:9".into(),
                    credential: WebexCredential::PersonalToken,
                },
                secrets: BTreeMap::from([(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN.into())]),
            },
            true,
        )
        .await
        .unwrap();
    let tenant = ccsync_demo::start(&connections).await.unwrap();
    let now = connections.find(&old.id).await.unwrap();
    assert_eq!(now.name, "My demo Webex", "the user's name is kept");
    assert_eq!(now.settings.base_url(), tenant.emulator.base_url());
    assert!(matches!(
        now.settings,
        ConnectionSettings::Webex {
            credential: WebexCredential::ServiceApp { .. },
            ..
        }
    ));
    assert_eq!(
        now.stored_secrets,
        vec![SecretKind::ClientSecret, SecretKind::RefreshToken]
    );
    assert_eq!(stored(&secrets, &old.id, SecretKind::AccessToken), None);
    connections.test(&old.id).await.unwrap();
}
