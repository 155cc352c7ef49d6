//! Starting the emulator and signing in, as a client would.

use ccsync_emulator::{demo, Emulator, TenantConfig};
use serde_json::Value;

pub const ADMIN: &str = "/inContactAPI/services/v34.0";

pub async fn start() -> Emulator {
    Emulator::start(TenantConfig::default())
        .await
        .expect("the emulator starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// A CXone access token from the password grant.
pub async fn cxone_token(emulator: &Emulator) -> String {
    let answer = http()
        .post(format!("{}/auth/token", emulator.base_url()))
        .basic_auth(demo::CXONE_CLIENT_ID, Some(demo::CXONE_CLIENT_SECRET))
        .form(&[
            ("grant_type", "password"),
            ("username", demo::CXONE_ACCESS_KEY_ID),
            ("password", demo::CXONE_ACCESS_KEY_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// A RingCentral access token from the JWT grant.
pub async fn rc_token(emulator: &Emulator) -> String {
    let answer = http()
        .post(format!("{}/restapi/oauth/token", emulator.base_url()))
        .basic_auth(demo::RINGCENTRAL_CLIENT_ID, Some(demo::RINGCENTRAL_CLIENT_SECRET))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", demo::RINGCENTRAL_JWT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// `GET base + path_and_query` with a bearer token: the status and the body (Null when empty).
pub async fn get(emulator: &Emulator, token: &str, path_and_query: &str) -> (u16, Value) {
    get_url(&format!("{}{path_and_query}", emulator.base_url()), token).await
}

/// `GET url` with a bearer token: the status and the body (Null when empty).
pub async fn get_url(url: &str, token: &str) -> (u16, Value) {
    let answer = http().get(url).bearer_auth(token).send().await.unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url} answered non-JSON ({e}): {text}"))
    };
    (status, body)
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("an object").keys().cloned().collect();
    keys.sort();
    keys
}
