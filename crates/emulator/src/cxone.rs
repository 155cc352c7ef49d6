//! NICE CXone: global auth (password and refresh grants), OpenID and tenant discovery, and the
//! Admin API's business-unit call. Later issues add the list endpoints here.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;

use crate::auth::{self, oauth_error};
use crate::SharedState;

pub(crate) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(openid_configuration))
        .route("/.well-known/cxone-configuration", get(cxone_configuration))
        .route("/auth/token", post(token))
        .route("/inContactAPI/services/{version}/business-unit", get(business_unit))
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
    let ttl = tenant.token_ttl_secs;
    Json(json!({
        "access_token": auth::sign(&state, "access", ttl),
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": auth::sign(&state, "refresh", ttl * 2),
        "id_token": auth::sign(&state, "id", ttl),
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"
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

async fn business_unit(State(state): State<SharedState>, headers: HeaderMap, Path(version): Path<String>) -> Response {
    if let Err(response) = check_admin_call(&state, &headers, &version) {
        return response;
    }
    let tenant = &state.tenant;
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
