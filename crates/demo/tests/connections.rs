//! "Test connection" and the connection lifecycle, against the emulator on an ephemeral port.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ccsync_core::connections::Connections;
use ccsync_core::model::{ConnectionDraft, ConnectionSettings, SecretKind, WebexCredential};
use ccsync_core::secrets::{MemoryStore, SecretKey, SecretStore, UnavailableStore};
use ccsync_core::store::Store;
use ccsync_core::ErrorCode;
use ccsync_emulator::{demo, Emulator, Fault, FaultRule, TenantConfig};

struct Fixture {
    connections: Connections,
    secrets: MemoryStore,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
    let secrets = MemoryStore::default();
    let connections = Connections::new(Arc::new(Mutex::new(store)), Arc::new(secrets.clone())).unwrap();
    Fixture {
        connections,
        secrets,
        _dir: dir,
    }
}

fn cxone_draft(name: &str, auth_url: &str, client_secret: &str, key_secret: &str) -> ConnectionDraft {
    ConnectionDraft {
        name: name.into(),
        settings: ConnectionSettings::Cxone {
            auth_url: auth_url.into(),
            client_id: demo::CXONE_CLIENT_ID.into(),
            access_key_id: demo::CXONE_ACCESS_KEY_ID.into(),
            campaigns_from_skills: false,
        },
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, client_secret.into()),
            (SecretKind::AccessKeySecret, key_secret.into()),
        ]),
    }
}

fn good_cxone(name: &str, emulator: &Emulator) -> ConnectionDraft {
    cxone_draft(
        name,
        emulator.base_url(),
        demo::CXONE_CLIENT_SECRET,
        demo::CXONE_ACCESS_KEY_SECRET,
    )
}

#[tokio::test]
async fn cxone_test_shows_business_unit_and_api_endpoint() {
    let emulator = Emulator::start(TenantConfig::demo(7)).await.unwrap();
    let f = fixture();
    let conn = f.connections.create(good_cxone("Prod", &emulator)).await.unwrap();
    let outcome = f.connections.test(&conn.id).await.unwrap();

    let bu = emulator.tenant().business_unit_id.to_string();
    assert!(outcome.summary.contains(&bu), "{}", outcome.summary);
    assert!(
        outcome.summary.contains(demo::BUSINESS_UNIT_NAME),
        "{}",
        outcome.summary
    );
    assert!(outcome.summary.contains(emulator.base_url()), "{}", outcome.summary);
    let fact = |label: &str| outcome.facts.iter().find(|f| f.label == label).map(|f| f.value.clone());
    assert_eq!(
        fact("Business unit"),
        Some(format!("{bu} ({})", demo::BUSINESS_UNIT_NAME))
    );
    assert_eq!(fact("API endpoint").as_deref(), Some(emulator.base_url()));
    assert_eq!(fact("Tenant ID"), Some(emulator.tenant().tenant_id.clone()));

    let listed = f.connections.find("prod").await.unwrap();
    let last = listed.last_test.expect("the outcome is recorded");
    assert!(last.ok);
    assert_eq!(last.message, outcome.summary);
    assert_eq!(
        listed.stored_secrets,
        vec![SecretKind::ClientSecret, SecretKind::AccessKeySecret]
    );
}

#[tokio::test]
async fn wrong_access_key_secret_says_so() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let f = fixture();
    let draft = cxone_draft("Prod", emulator.base_url(), demo::CXONE_CLIENT_SECRET, "not-the-key");
    let conn = f.connections.create(draft).await.unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    assert!(err.to_string().contains("rejected the access key"), "{err}");
    let last = f.connections.find(&conn.id).await.unwrap().last_test.unwrap();
    assert!(!last.ok);
    assert_eq!(last.message, err.to_string());
}

#[tokio::test]
async fn wrong_client_secret_says_so() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let f = fixture();
    let draft = cxone_draft(
        "Prod",
        emulator.base_url(),
        "wrong-client-secret",
        demo::CXONE_ACCESS_KEY_SECRET,
    );
    let conn = f.connections.create(draft).await.unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    assert!(err.to_string().contains("client ID or client secret"), "{err}");
}

#[tokio::test]
async fn unreachable_host_says_so() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let f = fixture();
    let url = format!("http://127.0.0.1:{port}");
    let conn = f.connections.create(cxone_draft("Down", &url, "a", "b")).await.unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::HostUnreachable);
    assert!(err.to_string().contains(&format!("Could not reach {url}")), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");
}

#[tokio::test]
async fn unknown_host_name_says_it_could_not_be_resolved() {
    let f = fixture();
    let conn = f
        .connections
        .create(cxone_draft("Typo", "https://cxone.invalid", "a", "b"))
        .await
        .unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::HostUnreachable, "{err}");
}

#[tokio::test]
async fn https_to_a_server_that_does_not_speak_tls_is_a_tls_failure() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let f = fixture();
    let url = emulator.base_url().replace("http://", "https://");
    let conn = f.connections.create(cxone_draft("Tls", &url, "a", "b")).await.unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TlsFailed, "{err}");
    assert!(err.to_string().contains("secure connection"), "{err}");
}

#[tokio::test]
async fn a_non_json_answer_is_an_unexpected_response() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    emulator.set_faults(vec![FaultRule::always("/auth/token", Fault::NonJson)]);
    let f = fixture();
    let conn = f.connections.create(good_cxone("Portal", &emulator)).await.unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnexpectedResponse);
    assert!(err.to_string().contains("text/html"), "{err}");
    assert!(err.to_string().contains("Check that the URL"), "{err}");
}

#[tokio::test]
async fn a_truncated_answer_is_an_unexpected_response() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    emulator.set_faults(vec![FaultRule::always(
        "/.well-known/cxone-configuration",
        Fault::Truncated,
    )]);
    let f = fixture();
    let conn = f.connections.create(good_cxone("Cut", &emulator)).await.unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnexpectedResponse, "{err}");
}

#[tokio::test]
async fn a_server_error_during_discovery_is_reported_with_its_status() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    emulator.set_faults(vec![FaultRule::always(
        "/.well-known/cxone-configuration",
        Fault::Status {
            status: 503,
            retry_after: None,
        },
    )]);
    let f = fixture();
    let conn = f.connections.create(good_cxone("Busy", &emulator)).await.unwrap();
    let err = f.connections.test(&conn.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnexpectedResponse);
    assert!(err.to_string().contains("HTTP 503"), "{err}");
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_and_nothing_is_saved() {
    let f = fixture();
    let err = f
        .connections
        .create(cxone_draft("Bad", "http://cxone.niceincontact.com", "a", "b"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InsecureUrl);
    assert!(err.to_string().contains("https://"), "{err}");
    assert!(f.connections.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn every_secret_is_required_on_create() {
    let f = fixture();
    let mut draft = cxone_draft("Prod", "https://cxone.niceincontact.com", "a", "  ");
    let err = f.connections.create(draft.clone()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("access key secret"), "{err}");
    draft.secrets.clear();
    let err = f.connections.create(draft).await.unwrap_err();
    assert!(
        err.to_string().contains("client secret and the access key secret"),
        "{err}"
    );
    assert!(f.connections.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn edit_keeps_secrets_left_blank_and_replaces_given_ones() {
    let f = fixture();
    let conn = f
        .connections
        .create(cxone_draft("Prod", "https://a.example/", "one", "two"))
        .await
        .unwrap();
    assert_eq!(
        conn.settings.base_url(),
        "https://a.example",
        "the trailing slash is trimmed"
    );
    // The same host (the trailing slash aside): secrets left blank are kept.
    let mut draft = cxone_draft("Production", "https://A.example", "", "");
    draft.secrets = BTreeMap::from([(SecretKind::AccessKeySecret, "three".into())]);
    let updated = f.connections.update(&conn.id, draft).await.unwrap();
    assert_eq!(updated.name, "Production");
    assert_eq!(updated.settings.base_url(), "https://a.example");
    let get = |kind| {
        use secrecy::ExposeSecret;
        f.secrets
            .get(&SecretKey::new(&conn.id, kind))
            .unwrap()
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    assert_eq!(get(SecretKind::ClientSecret), "one");
    assert_eq!(get(SecretKind::AccessKeySecret), "three");
}

/// Secrets entered for one server never go to another: a URL pointing at a new host (or port, or
/// scheme) needs every secret again, and a refused edit changes nothing.
#[tokio::test]
async fn a_new_host_needs_every_secret_again() {
    use secrecy::ExposeSecret;
    let f = fixture();
    let conn = f
        .connections
        .create(cxone_draft("Prod", "https://a.example", "one", "two"))
        .await
        .unwrap();
    let get = |kind| {
        f.secrets
            .get(&SecretKey::new(&conn.id, kind))
            .unwrap()
            .map(|s| s.expose_secret().to_owned())
    };
    for elsewhere in ["https://evil.example", "https://a.example:8443", "http://127.0.0.1:9"] {
        let mut draft = cxone_draft("Prod", elsewhere, "", "");
        draft.secrets = BTreeMap::from([(SecretKind::AccessKeySecret, "three".into())]);
        let error = f.connections.update(&conn.id, draft).await.unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{elsewhere}");
        let message = error.to_string();
        assert!(
            message.contains("another server") && message.contains("client secret"),
            "{elsewhere}: {message}"
        );
        let kept = f.connections.find(&conn.id).await.unwrap();
        assert_eq!(kept.settings.base_url(), "https://a.example");
        assert_eq!(get(SecretKind::ClientSecret).as_deref(), Some("one"));
        assert_eq!(get(SecretKind::AccessKeySecret).as_deref(), Some("two"));
    }
    // With every secret entered again, the move is saved.
    let moved = f
        .connections
        .update(&conn.id, cxone_draft("Prod", "https://b.example", "four", "five"))
        .await
        .unwrap();
    assert_eq!(moved.settings.base_url(), "https://b.example");
    assert_eq!(get(SecretKind::ClientSecret).as_deref(), Some("four"));
    assert_eq!(get(SecretKind::AccessKeySecret).as_deref(), Some("five"));
}

/// The form's draft arrives as JSON; its secrets can be neither printed nor written back out.
#[test]
fn a_drafts_secrets_do_not_print() {
    let json = serde_json::json!({
        "name": "Prod",
        "settings": {"kind": "cxone", "auth_url": "https://a.example", "client_id": "id", "access_key_id": "key"},
        "secrets": {"client_secret": "s3cr3t-client", "access_key_secret": "s3cr3t-key"}
    });
    let draft: ConnectionDraft = serde_json::from_value(json).unwrap();
    let shown = format!("{draft:?} {draft:#?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
    let secrets = &draft.secrets;
    assert_eq!(secrets.len(), 2);
}

#[tokio::test]
async fn delete_removes_the_profile_and_its_secrets() {
    let f = fixture();
    let conn = f
        .connections
        .create(cxone_draft("Prod", "https://a.example", "one", "two"))
        .await
        .unwrap();
    f.connections.delete("PROD").await.unwrap();
    assert!(f.connections.list().await.unwrap().is_empty());
    assert!(f
        .secrets
        .get(&SecretKey::new(&conn.id, SecretKind::ClientSecret))
        .unwrap()
        .is_none());
    let err = f.connections.delete("Prod").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn duplicate_name_is_refused_before_touching_the_keyring() {
    let f = fixture();
    f.connections
        .create(cxone_draft("Prod", "https://a.example", "one", "two"))
        .await
        .unwrap();
    let err = f
        .connections
        .create(cxone_draft("prod", "https://b.example", "x", "y"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NameTaken);
    assert!(err.to_string().contains("already exists"), "{err}");
}

#[tokio::test]
async fn without_a_keyring_nothing_is_saved_and_the_error_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store.clone(), Arc::new(UnavailableStore)).unwrap();
    let err = connections
        .create(cxone_draft("Prod", "https://a.example", "one", "two"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeyringUnavailable);
    assert!(err.to_string().contains("gnome-keyring"), "{err}");
    assert!(
        store.lock().unwrap().list_connections().unwrap().is_empty(),
        "no profile without its secrets"
    );
}

#[tokio::test]
async fn a_secret_missing_from_the_keyring_is_named() {
    let f = fixture();
    let conn = f
        .connections
        .create(cxone_draft("Prod", "https://a.example", "one", "two"))
        .await
        .unwrap();
    f.secrets
        .delete(&SecretKey::new(&conn.id, SecretKind::AccessKeySecret))
        .unwrap();
    let err = f.connections.test("Prod").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SecretMissing);
    assert!(
        err.to_string().contains("access key secret for connection \"Prod\""),
        "{err}"
    );
}

#[tokio::test]
async fn ringcentral_test_signs_in_with_the_jwt_and_names_the_user() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let f = fixture();
    let mut draft = ConnectionDraft {
        name: "RC".into(),
        settings: ConnectionSettings::Ringcentral {
            server_url: emulator.base_url().into(),
            client_id: demo::RINGCENTRAL_CLIENT_ID.into(),
        },
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, demo::RINGCENTRAL_CLIENT_SECRET.into()),
            (SecretKind::JwtCredential, demo::RINGCENTRAL_JWT.into()),
        ]),
    };
    let conn = f.connections.create(draft.clone()).await.unwrap();
    let outcome = f.connections.test(&conn.id).await.unwrap();
    assert!(outcome.summary.contains("Demo Administrator"), "{}", outcome.summary);
    assert!(outcome.facts.iter().any(|f| f.label == "Extension" && f.value == "101"));

    draft.name = "RC bad".into();
    draft.secrets.insert(SecretKind::JwtCredential, "revoked".into());
    let bad = f.connections.create(draft.clone()).await.unwrap();
    let err = f.connections.test(&bad.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    assert!(err.to_string().contains("JWT credential"), "{err}");

    draft.name = "RC bad client".into();
    draft.secrets.insert(SecretKind::ClientSecret, "nope".into());
    let bad = f.connections.create(draft).await.unwrap();
    let err = f.connections.test(&bad.id).await.unwrap_err();
    assert!(err.to_string().contains("client ID or client secret"), "{err}");
}

#[tokio::test]
async fn webex_test_checks_the_token() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let f = fixture();
    let draft = |name: &str, token: &str| ConnectionDraft {
        name: name.into(),
        settings: ConnectionSettings::Webex {
            api_url: emulator.base_url().into(),
            credential: WebexCredential::PersonalToken,
        },
        secrets: BTreeMap::from([(SecretKind::AccessToken, token.into())]),
    };
    let conn = f
        .connections
        .create(draft("Webex", demo::WEBEX_ACCESS_TOKEN))
        .await
        .unwrap();
    let outcome = f.connections.test(&conn.id).await.unwrap();
    assert!(outcome.summary.contains("Demo Administrator"), "{}", outcome.summary);

    let bad = f.connections.create(draft("Webex old", "expired")).await.unwrap();
    let err = f.connections.test(&bad.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    assert!(err.to_string().contains("access token"), "{err}");
}

#[tokio::test]
async fn the_demo_tenant_creates_its_connections_that_test_green_and_survive_restarts() {
    let f = fixture();
    let first = ccsync_demo::start(&f.connections).await.unwrap();
    assert!(first.connection.is_demo);
    let outcome = f.connections.test(&first.connection.id).await.unwrap();
    assert!(outcome.summary.contains(demo::BUSINESS_UNIT_NAME));
    drop(first);

    // The next launch gets a new port; the same connection follows it.
    let again = ccsync_demo::resume(&f.connections)
        .await
        .unwrap()
        .expect("a demo connection exists");
    let all = f.connections.list().await.unwrap();
    assert_eq!(
        all.len(),
        6,
        "CXone, RingCentral and Webex, for each of the two business units"
    );
    for connection in &all {
        let first_unit = again.units[0].cxone.id == connection.id
            || again.units[0].ringcentral.id == connection.id
            || again.units[0].webex.id == connection.id;
        let emulator = if first_unit {
            &again.emulator
        } else {
            &again.west_emulator
        };
        assert_eq!(
            connection.settings.base_url(),
            emulator.base_url(),
            "{}",
            connection.name
        );
        f.connections.test(&connection.id).await.unwrap();
    }
    f.connections.test(&again.connection.id).await.unwrap();
}

#[tokio::test]
async fn renaming_to_a_taken_name_changes_nothing_not_even_the_secret() {
    use secrecy::ExposeSecret;
    let f = fixture();
    f.connections
        .create(cxone_draft("Prod", "https://a.example", "one", "two"))
        .await
        .unwrap();
    let test = f
        .connections
        .create(cxone_draft("Test", "https://b.example", "three", "four"))
        .await
        .unwrap();
    let mut draft = cxone_draft("prod", "https://b.example", "", "");
    draft.secrets = BTreeMap::from([(SecretKind::ClientSecret, "replaced".into())]);
    let err = f.connections.update(&test.id, draft).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NameTaken);
    let kept = f
        .secrets
        .get(&SecretKey::new(&test.id, SecretKind::ClientSecret))
        .unwrap()
        .unwrap();
    assert_eq!(kept.expose_secret(), "three");
}

/// "Save and test" in the form: a draft whose test fails is not saved unless the admin chooses
/// "Save anyway" (then it is, with the failed test recorded); a passing one is saved with its
/// test; an edit is tested as typed and left as it was when its test fails.
#[tokio::test]
async fn save_and_test_saves_a_failing_draft_only_when_asked() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let f = fixture();
    let wrong = cxone_draft("Prod", emulator.base_url(), demo::CXONE_CLIENT_SECRET, "not-the-key");
    let refused = f.connections.save_and_test(None, wrong.clone(), false).await.unwrap();
    assert!(refused.connection.is_none());
    let error = refused.error.expect("the failure is returned");
    assert_eq!(error.code, ErrorCode::AuthFailed);
    assert!(f.connections.list().await.unwrap().is_empty(), "nothing saved");

    let kept = f.connections.save_and_test(None, wrong, true).await.unwrap();
    let saved = kept.connection.expect("Save anyway saves");
    assert!(kept.error.is_some() && kept.outcome.is_none());
    assert!(!saved.last_test.as_ref().unwrap().ok, "the failed test is recorded");

    // Fixing the secret in the edit form: tested as typed, then saved with the passing test.
    let fixed = good_cxone("Prod", &emulator);
    let passed = f
        .connections
        .save_and_test(Some(&saved.id), fixed, false)
        .await
        .unwrap();
    assert!(passed.outcome.is_some() && passed.error.is_none());
    assert!(passed.connection.unwrap().last_test.unwrap().ok);

    // An edit that breaks it is not saved: the working secret stays.
    let broken = cxone_draft("Prod", emulator.base_url(), "wrong-client-secret", "");
    let refused = f
        .connections
        .save_and_test(Some(&saved.id), broken, false)
        .await
        .unwrap();
    assert!(refused.connection.is_none() && refused.error.is_some());
    assert!(
        f.connections.test(&saved.id).await.is_ok(),
        "the stored secrets are unchanged"
    );
}

/// Errors about what the admin typed name the field, so the form shows them there.
#[tokio::test]
async fn a_wrong_field_is_named_in_the_error() {
    let f = fixture();
    let http = cxone_draft("Prod", "http://cxone.example.com", "a", "b");
    for error in [
        f.connections.create(http.clone()).await.unwrap_err(),
        f.connections.save_and_test(None, http, false).await.unwrap_err(),
    ] {
        assert_eq!(error.code(), ErrorCode::InsecureUrl);
        let api = ccsync_core::ApiError::from(&error);
        assert_eq!(api.field.as_deref(), Some("auth_url"), "{api:?}");
        assert!(api.message.contains("http://"), "{}", api.message);
    }
    let missing = f
        .connections
        .create(cxone_draft("Prod", "https://cxone.example.com", "a", " "))
        .await
        .unwrap_err();
    assert_eq!(missing.field(), Some("access_key_secret"));
    let unnamed = f
        .connections
        .create(cxone_draft(" ", "https://cxone.example.com", "a", "b"))
        .await
        .unwrap_err();
    assert_eq!(unnamed.field(), Some("name"));
    f.connections
        .create(cxone_draft("Prod", "https://cxone.example.com", "a", "b"))
        .await
        .unwrap();
    let taken = f
        .connections
        .save_and_test(None, cxone_draft("prod", "https://cxone.example.com", "a", "b"), false)
        .await
        .unwrap_err();
    assert_eq!((taken.code(), taken.field()), (ErrorCode::NameTaken, Some("name")));
}
