//! The Webex token endpoint: the refresh grant (refresh tokens rotate; a used, revoked or unknown
//! one gets 400 `invalid_grant`), the authorization code with PKCE (S256 checked at the exchange),
//! `GET /v1/authorize` redirecting straight back to a loopback redirect URI, and short access-token
//! lifetimes (an expired access token gets 401 on `/v1/people`).

use std::time::Duration;

use base64::Engine;
use ccsync_emulator::{demo, Emulator, TenantConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{get, http};

async fn token(emulator: &Emulator, form: &[(&str, &str)]) -> (u16, Value) {
    let answer = http()
        .post(format!("{}/v1/access_token", emulator.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

async fn refresh(emulator: &Emulator, refresh_token: &str) -> (u16, Value) {
    token(
        emulator,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", demo::WEBEX_CLIENT_ID),
            ("client_secret", demo::WEBEX_CLIENT_SECRET),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

#[tokio::test]
async fn the_refresh_grant_rotates_the_refresh_token_and_refuses_the_old_one() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let (status, first) = refresh(&emulator, demo::WEBEX_REFRESH_TOKEN).await;
    assert_eq!(status, 200, "{first}");
    for key in [
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "token_type",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let rotated = first["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, demo::WEBEX_REFRESH_TOKEN);
    let (status, _) = get(&emulator, first["access_token"].as_str().unwrap(), "/v1/people/me").await;
    assert_eq!(status, 200);

    let (status, old) = refresh(&emulator, demo::WEBEX_REFRESH_TOKEN).await;
    assert_eq!((status, old["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(emulator.valid_webex_refresh_tokens(), vec![rotated.to_owned()]);
    let (status, _) = refresh(&emulator, rotated).await;
    assert_eq!(status, 200);

    let (status, bad_client) = token(
        &emulator,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", demo::WEBEX_CLIENT_ID),
            ("client_secret", "wrong"),
            ("refresh_token", rotated),
        ],
    )
    .await;
    assert_eq!((status, bad_client["error"].as_str()), (401, Some("invalid_client")));

    emulator.revoke_webex_refresh_tokens();
    let current = emulator.valid_webex_refresh_tokens();
    assert!(current.is_empty());
    let (status, revoked) = refresh(&emulator, rotated).await;
    assert_eq!((status, revoked["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn access_tokens_expire_after_the_configured_lifetime() {
    let emulator = Emulator::start(TenantConfig {
        webex_token_ttl: Duration::from_millis(700),
        ..TenantConfig::default()
    })
    .await
    .unwrap();
    let (_, answer) = refresh(&emulator, demo::WEBEX_REFRESH_TOKEN).await;
    assert_eq!(answer["expires_in"], 1, "whole seconds, at least one");
    let access = answer["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&emulator, &access, "/v1/people?max=5").await.0, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (status, body) = get(&emulator, &access, "/v1/people?max=5").await;
    assert_eq!(status, 401, "{body}");
    // The pasted personal token is not issued here and keeps working.
    assert_eq!(
        get(&emulator, demo::WEBEX_ACCESS_TOKEN, "/v1/people?max=5").await.0,
        200
    );
}

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `GET /v1/authorize`, not following the redirect: the `Location`.
async fn authorize(emulator: &Emulator, params: &[(&str, &str)]) -> (u16, Option<url::Url>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = client
        .get(format!("{}/v1/authorize", emulator.base_url()))
        .query(params)
        .send()
        .await
        .unwrap();
    let location = answer
        .headers()
        .get("location")
        .map(|l| url::Url::parse(l.to_str().unwrap()).unwrap());
    (answer.status().as_u16(), location)
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn the_authorization_code_with_pkce_redirects_to_the_loopback_uri_and_checks_the_verifier() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";
    let redirect = "http://127.0.0.1:53682/callback";
    let authorize_with = |challenge: String| {
        vec![
            ("client_id", demo::WEBEX_CLIENT_ID.to_owned()),
            ("response_type", "code".to_owned()),
            ("redirect_uri", redirect.to_owned()),
            ("scope", "spark:people_read spark-admin:people_read".to_owned()),
            ("state", "st/ate 1".to_owned()),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256".to_owned()),
        ]
    };
    let params = authorize_with(challenge(verifier));
    let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = authorize(&emulator, &refs).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert_eq!(
        format!("{}://{}{}", location.scheme(), location.authority(), location.path()),
        redirect
    );
    assert_eq!(param(&location, "state").as_deref(), Some("st/ate 1"));
    let code = param(&location, "code").unwrap();

    let exchange = |code: String, verifier: String| {
        let emulator = &emulator;
        async move {
            token(
                emulator,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", demo::WEBEX_CLIENT_ID),
                    ("client_secret", demo::WEBEX_CLIENT_SECRET),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", &verifier),
                ],
            )
            .await
        }
    };
    // A wrong verifier is refused, and the code is then spent.
    let (status, wrong) = exchange(code.clone(), format!("{verifier}-other")).await;
    assert_eq!((status, wrong["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(exchange(code, verifier.to_owned()).await.0, 400);

    let (_, location) = authorize(&emulator, &refs).await;
    let code = param(&location.unwrap(), "code").unwrap();
    let (status, tokens) = exchange(code.clone(), verifier.to_owned()).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(get(&emulator, access, "/v1/people/me").await.0, 200);
    assert!(tokens["refresh_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(exchange(code, verifier.to_owned()).await.0, 400, "a code is used once");

    // No PKCE: back to the redirect URI with an error; a non-loopback redirect URI: refused here.
    let mut plain = params.clone();
    plain.retain(|(k, _)| !k.starts_with("code_challenge"));
    let refs: Vec<(&str, &str)> = plain.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = authorize(&emulator, &refs).await;
    assert_eq!(status, 302);
    assert_eq!(param(&location.unwrap(), "error").as_deref(), Some("invalid_request"));
    let mut elsewhere = params.clone();
    elsewhere[2].1 = "http://evil.example/callback".into();
    let refs: Vec<(&str, &str)> = elsewhere.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(authorize(&emulator, &refs).await, (400, None));
}
