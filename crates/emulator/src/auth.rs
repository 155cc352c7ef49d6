//! Token issuing and checking shared by the emulated vendors.

use std::collections::HashSet;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Opaque tokens handed out (RingCentral), so later calls can be checked.
#[derive(Debug, Default)]
pub(crate) struct IssuedTokens {
    opaque: HashSet<String>,
}

impl IssuedTokens {
    pub fn issue_opaque(&mut self, prefix: &str) -> String {
        let token = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
        self.opaque.insert(token.clone());
        token
    }

    pub fn is_valid_opaque(&self, token: &str) -> bool {
        self.opaque.contains(token)
    }
}

/// Claims of an emulated CXone access token (names as CXone uses them).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CxoneClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    #[serde(rename = "icBUId")]
    pub ic_bu_id: u64,
    pub tenant_id: String,
    pub ic_cluster_id: String,
    pub name: String,
    pub iat: u64,
    pub exp: u64,
    /// "access" or "refresh".
    pub typ: String,
}

fn signing_secret(state: &AppState) -> Vec<u8> {
    format!("ccsync-emulator-{}", state.tenant.seed).into_bytes()
}

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The current time as CXone writes it, e.g. `2026-01-05T09:00:00.000Z`.
pub fn now_rfc3339() -> String {
    cxone_time(time::OffsetDateTime::now_utc())
}

/// A time as CXone writes it, in UTC with milliseconds: `2026-01-05T09:00:00.000Z`.
pub(crate) fn cxone_time(at: time::OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .expect("formatting a UTC time cannot fail")
}

pub(crate) fn sign(state: &AppState, typ: &str, ttl: u64) -> String {
    let now = now_secs();
    let claims = CxoneClaims {
        iss: state.base_url.clone(),
        sub: format!("user:{}", uuid::Uuid::from_u64_pair(state.tenant.seed, 4)),
        aud: "inContact Evolve@inContact.com".to_owned(),
        ic_bu_id: state.tenant.business_unit_id,
        tenant_id: state.tenant.tenant_id.clone(),
        ic_cluster_id: state.tenant.cluster.clone(),
        name: "sync.api@demo.example".to_owned(),
        iat: now,
        exp: now + ttl,
        typ: typ.to_owned(),
    };
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(&signing_secret(state)),
    )
    .expect("HS256 signing with an in-memory key cannot fail")
}

/// Checks a JWT this emulator issued: signature, expiry and type.
pub(crate) fn verify(state: &AppState, token: &str, typ: &str) -> bool {
    let validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    let mut validation = validation;
    validation.validate_aud = false;
    validation.leeway = 0;
    jsonwebtoken::decode::<CxoneClaims>(token, &DecodingKey::from_secret(&signing_secret(state)), &validation)
        .map(|data| data.claims.typ == typ)
        .unwrap_or(false)
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// `(client_id, client_secret)` from a Basic header.
pub(crate) fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// An OAuth-style error answer.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response()
}
