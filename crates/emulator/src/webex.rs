//! Webex: the people list, the caller's own person record (how a token is tested), and the OAuth
//! token endpoint — the refresh grant (refresh tokens rotate on every use; an unknown, revoked or
//! rotated-away one gets 400 `invalid_grant`), and the authorization code with PKCE, whose
//! `GET /v1/authorize` redirects straight back to the loopback `redirect_uri` (no human here).
//! Access tokens expire after `TenantConfig::webex_token_ttl`; an expired one gets 401.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth;
use crate::paths::route;
use crate::SharedState;

pub(crate) const ORG_ID: &str = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9kZW1vLW9yZw";

pub(crate) fn routes() -> Router<SharedState> {
    let router = route(Router::new(), "/v1/people/me", get(me));
    let router = route(router, "/v1/access_token", post(access_token));
    let router = route(router, "/v1/authorize", get(authorize));
    route(router, "/v1/people", get(people))
}

/// An authorization code waiting for its exchange.
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    issued: Instant,
}

/// The Webex tokens this emulator issued.
pub(crate) struct Tokens {
    /// Access token → when it stops working.
    access: HashMap<String, Instant>,
    refresh: std::collections::HashSet<String>,
    codes: HashMap<String, CodeGrant>,
}

impl Tokens {
    pub fn new(initial_refresh: &str) -> Tokens {
        Tokens {
            access: HashMap::new(),
            refresh: [initial_refresh.to_owned()].into_iter().collect(),
            codes: HashMap::new(),
        }
    }

    pub fn revoke_refresh(&mut self) {
        self.refresh.clear();
    }

    pub fn valid_refresh(&self) -> Vec<String> {
        self.refresh.iter().cloned().collect()
    }

    fn access_valid(&self, token: &str) -> bool {
        self.access.get(token).is_some_and(|until| Instant::now() < *until)
    }

    /// A new access token and refresh token pair (the old refresh token, if any, stops working).
    fn issue(&mut self, ttl: Duration, replacing: Option<&str>) -> serde_json::Value {
        let now = Instant::now();
        self.access.retain(|_, until| *until > now);
        if let Some(old) = replacing {
            self.refresh.remove(old);
        }
        let access = format!("wx-at-{}", uuid::Uuid::new_v4().simple());
        let refresh = format!("wx-rt-{}", uuid::Uuid::new_v4().simple());
        self.access.insert(access.clone(), now + ttl);
        self.refresh.insert(refresh.clone());
        json!({
            "access_token": access,
            "expires_in": ttl.as_secs().max(1),
            "refresh_token": refresh,
            "refresh_token_expires_in": 7_776_000,
            "token_type": "Bearer"
        })
    }
}

/// Webex's 400 for a token request, with the OAuth `error` code a client can read.
fn token_error(status: StatusCode, error: &str, message: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": message,
        "message": message,
        "errors": [{"description": message}],
        "trackingId": format!("ROUTER_{}", uuid::Uuid::new_v4().simple())
    });
    (status, Json(body)).into_response()
}

/// `POST /v1/access_token` (form): `grant_type=refresh_token` or `authorization_code` (+ PKCE).
async fn access_token(State(state): State<SharedState>, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let tenant = &state.tenant;
    if field("client_id") != tenant.webex_client_id || field("client_secret") != tenant.webex_client_secret {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The client ID or client secret is not valid.",
        );
    }
    let mut tokens = state.webex_tokens.lock().unwrap();
    match field("grant_type") {
        "refresh_token" => {
            let refresh = field("refresh_token");
            if !tokens.refresh.contains(refresh) {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token provided is expired, revoked, malformed, or invalid.",
                );
            }
            Json(tokens.issue(tenant.webex_token_ttl, Some(refresh))).into_response()
        }
        "authorization_code" => {
            let Some(grant) = tokens.codes.remove(field("code")) else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The authorization code is not valid.",
                );
            };
            let verifier = field("code_verifier");
            let challenge =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if grant.client_id != field("client_id")
                || grant.redirect_uri != field("redirect_uri")
                || grant.issued.elapsed() > Duration::from_secs(600)
                || verifier.len() < 43
                || challenge != grant.challenge
            {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The authorization code, redirect URI or code verifier does not match.",
                );
            }
            Json(tokens.issue(tenant.webex_token_ttl, None)).into_response()
        }
        _ => token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The grant type is not supported.",
        ),
    }
}

/// Plain `http://` redirect URIs only on loopback, any port (RFC 8252 §7.3).
fn loopback_redirect(uri: &str) -> bool {
    url_host(uri)
        .is_some_and(|(scheme, host)| scheme == "http" && matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]"))
}

fn url_host(uri: &str) -> Option<(String, String)> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// `GET /v1/authorize?client_id&response_type=code&redirect_uri&scope&state&code_challenge&
/// code_challenge_method=S256`: the admin "signs in and accepts" at once, and the browser is sent
/// back to the redirect URI with `code` and `state`.
async fn authorize(State(state): State<SharedState>, Query(query): Query<HashMap<String, String>>) -> Response {
    let field = |name: &str| query.get(name).map(String::as_str).unwrap_or("");
    let page = |text: &str| {
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!("<!doctype html><h1>Webex</h1><p>{text}</p>"),
        )
            .into_response()
    };
    if field("client_id") != state.tenant.webex_client_id {
        return page("The integration's client ID is not valid.");
    }
    let redirect_uri = field("redirect_uri");
    if !loopback_redirect(redirect_uri) {
        return page("The redirect URI does not match the integration's.");
    }
    if field("response_type") != "code"
        || field("code_challenge").len() < 43
        || field("code_challenge_method") != "S256"
    {
        let separator = if redirect_uri.contains('?') { '&' } else { '?' };
        let location = format!(
            "{redirect_uri}{separator}error=invalid_request&state={}",
            urlencode(field("state"))
        );
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    let code = format!("wx-code-{}", uuid::Uuid::new_v4().simple());
    state.webex_tokens.lock().unwrap().codes.insert(
        code.clone(),
        CodeGrant {
            client_id: field("client_id").to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            challenge: field("code_challenge").to_owned(),
            issued: Instant::now(),
        },
    );
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!(
        "{redirect_uri}{separator}code={code}&state={}",
        urlencode(field("state"))
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// Percent-encodes a query value (unreserved characters kept).
fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `GET /v1/people?max=N`: pages follow the `Link: <…>; rel="next"` URL, whose cursor is opaque.
async fn people(
    State(state): State<SharedState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(response) = check_token(&state, &headers) {
        return response;
    }
    let max: usize = query
        .get("max")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let start: usize = query
        .get("cursor")
        .and_then(|c| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let data = state.data.lock().unwrap();
    let accounts = &data.webex.accounts;
    let items: Vec<serde_json::Value> = accounts
        .iter()
        .skip(start)
        .take(max)
        .map(|a| {
            json!({
                "id": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("ciscospark://us/PEOPLE/{}", a.id)),
                "emails": a.email.iter().collect::<Vec<_>>(),
                "displayName": format!("{} {}", a.first_name, a.last_name),
                "firstName": a.first_name,
                "lastName": a.last_name,
                "orgId": ORG_ID,
                // Presence, not enablement: some enabled people are idle.
                "status": if !a.active || a.id.ends_with(['1', '2', '3']) { "inactive" } else { "active" },
                // The spec's example sends these as strings; clients must take both.
                "loginEnabled": if a.active { "true" } else { "false" },
                "invitePending": false,
                "type": "person"
            })
        })
        .collect();
    let mut response = Json(json!({ "items": items })).into_response();
    if start + max < accounts.len() {
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{}", start + max));
        let next = format!("<{}/v1/people?max={max}&cursor={cursor}>; rel=\"next\"", state.base_url);
        response
            .headers_mut()
            .insert(axum::http::header::LINK, next.parse().expect("a valid header"));
    }
    response
}

/// Checks a Webex bearer token: the pasted personal token, or an issued access token not yet expired.
pub(crate) fn check_token(state: &SharedState, headers: &HeaderMap) -> Result<(), Response> {
    match auth::bearer(headers) {
        Some(token) if token == state.tenant.webex_token => Ok(()),
        Some(token) if state.webex_tokens.lock().unwrap().access_valid(token) => Ok(()),
        _ => {
            let body = json!({
                "message": "The request requires a valid access token set in the Authorization request header.",
                "errors": [{"description": "The request requires a valid access token set in the Authorization request header."}],
                "trackingId": format!("ROUTER_{}", uuid::Uuid::new_v4().simple())
            });
            Err((StatusCode::UNAUTHORIZED, Json(body)).into_response())
        }
    }
}

async fn me(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    if let Err(response) = check_token(&state, &headers) {
        return response;
    }
    Json(json!({
        "id": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9kZW1vLWFkbWlu",
        "emails": ["admin@demo.example"],
        "displayName": "Demo Administrator",
        "firstName": "Demo",
        "lastName": "Administrator",
        "orgId": ORG_ID,
        "type": "person",
        "status": "active",
        "invitePending": false,
        "loginEnabled": true
    }))
    .into_response()
}
