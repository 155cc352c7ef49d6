//! Token issuing and checking shared by the emulated vendors.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Tokens handed out, so later calls can be checked: opaque ones (RingCentral) with their expiry
/// and remaining uses, and a generation every token carries so all issued so far can be revoked.
#[derive(Debug, Default)]
pub(crate) struct IssuedTokens {
    opaque: HashMap<String, Opaque>,
    /// The generation the next token gets.
    generation: u64,
    /// Tokens of an older generation are revoked.
    valid_from: u64,
}

#[derive(Debug)]
struct Opaque {
    generation: u64,
    expires: Instant,
    /// Calls this token may still make (None: any number).
    calls_left: Option<usize>,
}

impl IssuedTokens {
    /// An opaque token that lasts `ttl` and at most `max_calls` calls.
    pub fn issue_opaque(&mut self, prefix: &str, ttl: Duration, max_calls: Option<usize>) -> String {
        let token = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
        let opaque = Opaque {
            generation: self.next_generation(),
            expires: Instant::now() + ttl,
            calls_left: max_calls,
        };
        self.opaque.insert(token.clone(), opaque);
        token
    }

    /// Whether `token` may make this call (which counts as one of its uses).
    pub fn use_opaque(&mut self, token: &str) -> bool {
        let valid_from = self.valid_from;
        let Some(found) = self.opaque.get_mut(token) else {
            return false;
        };
        if found.generation < valid_from || Instant::now() >= found.expires {
            return false;
        }
        match &mut found.calls_left {
            Some(0) => false,
            Some(left) => {
                *left -= 1;
                true
            }
            None => true,
        }
    }

    /// Whether an opaque token was issued and not revoked (expiry and uses aside): refresh tokens.
    pub fn is_issued_opaque(&self, token: &str) -> bool {
        self.opaque.get(token).is_some_and(|t| t.generation >= self.valid_from)
    }

    pub fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Revokes every token issued so far.
    pub fn revoke_all(&mut self) {
        self.valid_from = self.generation + 1;
    }

    pub fn is_revoked(&self, generation: u64) -> bool {
        generation < self.valid_from
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
    /// The emulator's issue counter (tokens of a revoked generation are refused).
    #[serde(default)]
    pub generation: u64,
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
        generation: state.issued.lock().unwrap().next_generation(),
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
        .map(|data| data.claims.typ == typ && !state.issued.lock().unwrap().is_revoked(data.claims.generation))
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
