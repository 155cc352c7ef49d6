//! NICE CXone: global auth (password and refresh grants), the UserHub access-key token, OpenID and
//! tenant discovery, and the Admin API (`list` is the lists' one skeleton, `lists` the handlers).

mod list;
mod lists;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Form, Json, Router};
use serde_json::json;

use self::list::AdminCall;
use crate::auth::{self, oauth_error};
use crate::paths::route;
use crate::SharedState;

pub(crate) fn routes() -> Router<SharedState> {
    let admin: [(&str, MethodRouter<SharedState>); 12] = [
        ("business-unit", get(business_unit)),
        ("agents", get(lists::agents)),
        ("agents/{id}", get(lists::agent)),
        ("campaigns", get(lists::campaigns)),
        ("skills", get(lists::skills)),
        ("skills/{id}/dispositions", get(lists::skill_dispositions)),
        ("dispositions", get(lists::dispositions)),
        ("unavailable-codes", get(lists::unavailable_codes)),
        ("teams", get(lists::teams)),
        ("teams/{id}/unavailable-codes", get(lists::team_unavailable_codes)),
        ("security-profiles", get(lists::security_profiles)),
        ("server-time", get(server_time)),
    ];
    let mut router = Router::new();
    router = route(router, "/.well-known/openid-configuration", get(openid_configuration));
    router = route(router, "/.well-known/cxone-configuration", get(cxone_configuration));
    router = route(router, "/auth/token", post(token));
    router = route(router, "/authentication/v1/token/access-key", post(access_key_token));
    router = route(router, "/public/user/refresh", post(userhub_refresh));
    for (rest, handler) in admin {
        router = route(router, &format!("/inContactAPI/services/{{version}}/{rest}"), handler);
    }
    router
}

async fn openid_configuration(State(state): State<SharedState>) -> Json<serde_json::Value> {
    let base = &state.base_url;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/auth/authorize"),
        "token_endpoint": format!("{base}/auth/token"),
        "userinfo_endpoint": format!("{base}/auth/userinfo"),
        "jwks_uri": format!("{base}/auth/jwks"),
        "end_session_endpoint": format!("{base}/auth/authorize/logout"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid"],
        "code_challenge_methods_supported": ["S256"]
    }))
}

async fn cxone_configuration(
    State(state): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let asked = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("tenantId"))
        .map(|(_, v)| v.as_str());
    if asked != Some(state.tenant.tenant_id.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "not_found", "message": "Tenant not found"})),
        )
            .into_response();
    }
    let base = &state.base_url;
    Json(json!({
        "private": false,
        "area": state.tenant.area,
        "cluster": state.tenant.cluster,
        "domain": "niceincontact.com",
        "acdDomain": "nice-incontact.com",
        "uhDomain": "nice-incontact.com",
        "ui_endpoint": base,
        "auth_endpoint": base,
        "api_endpoint": base,
        "tenantId": state.tenant.tenant_id
    }))
    .into_response()
}

async fn token(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let tenant = &state.tenant;
    // client_secret_basic or client_secret_post, as the real endpoint accepts both.
    let client =
        auth::basic(&headers).or_else(|| Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone())));
    let client_ok =
        client.is_some_and(|(id, secret)| id == tenant.cxone_client_id && secret == tenant.cxone_client_secret);
    let grant = form.get("grant_type").map(String::as_str);
    match grant {
        Some("password") => {
            if !client_ok {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Client authentication failed",
                );
            }
            let key_ok = form.get("username") == Some(&tenant.access_key_id)
                && form.get("password") == Some(&tenant.access_key_secret);
            if !key_ok {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid access key");
            }
        }
        Some("refresh_token") => {
            let known_client = form.get("client_id") == Some(&tenant.cxone_client_id) || client_ok;
            let refresh_ok = form
                .get("refresh_token")
                .is_some_and(|t| auth::verify(&state, t, "refresh"));
            if !known_client || !refresh_ok {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid or expired refresh token",
                );
            }
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            )
        }
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required"),
    }
    issued_tokens(&state)
}

/// The token answer of `/auth/token` (and of the UserHub access-key route, which gives the same).
fn issued_tokens(state: &SharedState) -> Response {
    let ttl = state.tenant.token_ttl_secs;
    Json(json!({
        "access_token": auth::sign(state, "access", ttl),
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": auth::sign(state, "refresh", ttl * 2),
        "id_token": auth::sign(state, "id", ttl),
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"
    }))
    .into_response()
}

/// `POST /authentication/v1/token/access-key` with JSON `{"accessKeyId", "accessKeySecret"}`
/// (CXone UserHub): no client credentials, the same tokens as `/auth/token`; a wrong key is a 401.
async fn access_key_token(State(state): State<SharedState>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct AccessKey {
        access_key_id: String,
        access_key_secret: String,
    }
    let Ok(key) = serde_json::from_slice::<AccessKey>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body must be JSON with accessKeyId and accessKeySecret",
        );
    };
    let tenant = &state.tenant;
    if key.access_key_id != tenant.access_key_id || key.access_key_secret != tenant.access_key_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_grant", "Invalid access key");
    }
    issued_tokens(&state)
}

/// `POST /public/user/refresh` with `{"token": "<refresh token>"}` (the UserHub refresh, as `singer`
/// calls it): `{token, refreshToken, tokenExpirationTimeSec, refreshTokenExpirationTimeSec}`.
async fn userhub_refresh(State(state): State<SharedState>, body: Bytes) -> Response {
    let refresh = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("token")?.as_str().map(str::to_owned));
    if !refresh.is_some_and(|t| auth::verify(&state, &t, "refresh")) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "Invalid or expired refresh token",
        );
    }
    let ttl = state.tenant.token_ttl_secs;
    Json(json!({
        "token": auth::sign(&state, "access", ttl),
        "refreshToken": auth::sign(&state, "refresh", ttl * 2),
        "tokenExpirationTimeSec": ttl,
        "refreshTokenExpirationTimeSec": ttl * 2
    }))
    .into_response()
}

/// Checks the bearer token of an Admin API call and the `vNN.0` version segment.
pub(crate) fn check_admin_call(state: &SharedState, headers: &HeaderMap, version: &str) -> Result<(), Response> {
    let version_ok = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !version_ok {
        return Err((StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response());
    }
    match auth::bearer(headers) {
        Some(token) if auth::verify(state, token, "access") => Ok(()),
        _ => Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is missing, invalid or expired",
        )),
    }
}

async fn business_unit(call: AdminCall) -> Response {
    let tenant = &call.state.tenant;
    Json(json!({
        "businessUnits": [{
            "businessUnitId": tenant.business_unit_id,
            "businessUnitName": tenant.business_unit_name,
            "tenantId": tenant.tenant_id,
            "defaultTimeZone": "Mountain Standard Time",
            "isActive": true
        }]
    }))
    .into_response()
}

/// `GET /server-time`: `{"ServerTime": "…"}`, a cheap authorized call clients use as a ping.
async fn server_time(_call: AdminCall) -> Response {
    Json(json!({"ServerTime": auth::now_rfc3339()})).into_response()
}
