//! RingCentral: the JWT-bearer token grant and the caller's own extension.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::json;

use crate::auth;
use crate::SharedState;

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub(crate) const ACCOUNT_ID: u64 = 159_048_008;

pub(crate) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/restapi/oauth/token", post(token))
        .route("/restapi/v1.0/account/~/extension/~", get(own_extension))
}

fn rc_error(status: StatusCode, error: &str, code: &str, message: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": message,
        "errors": [{"errorCode": code, "message": message}]
    });
    (status, Json(body)).into_response()
}

async fn token(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let tenant = &state.tenant;
    let client_ok = auth::basic(&headers)
        .is_some_and(|(id, secret)| id == tenant.ringcentral_client_id && secret == tenant.ringcentral_client_secret);
    if !client_ok {
        return rc_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "OAU-123",
            "Invalid client credentials",
        );
    }
    if form.get("grant_type").map(String::as_str) != Some(JWT_GRANT) {
        return rc_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "OAU-101",
            "Unsupported grant type",
        );
    }
    if form.get("assertion") != Some(&tenant.ringcentral_jwt) {
        return rc_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "OAU-140",
            "Invalid resource owner credentials",
        );
    }
    let access = state.issued.lock().unwrap().issue_opaque("rc-access");
    let refresh = state.issued.lock().unwrap().issue_opaque("rc-refresh");
    Json(json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": tenant.token_ttl_secs,
        "refresh_token": refresh,
        "refresh_token_expires_in": 604800,
        "scope": "ReadAccounts",
        "owner_id": "62264425008",
        "endpoint_id": "p7GZlEVHRwKDwbx6UkH0YQ"
    }))
    .into_response()
}

/// Checks a RingCentral bearer token issued by this emulator.
pub(crate) fn check_token(state: &SharedState, headers: &HeaderMap) -> Result<(), Response> {
    match auth::bearer(headers) {
        Some(token) if state.issued.lock().unwrap().is_valid_opaque(token) => Ok(()),
        _ => Err(rc_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "OAU-213",
            "Token not found",
        )),
    }
}

async fn own_extension(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    if let Err(response) = check_token(&state, &headers) {
        return response;
    }
    let base = &state.base_url;
    Json(json!({
        "uri": format!("{base}/restapi/v1.0/account/{ACCOUNT_ID}/extension/62264425008"),
        "id": 62264425008u64,
        "extensionNumber": "101",
        "name": "Demo Administrator",
        "type": "User",
        "status": "Enabled",
        "contact": {"firstName": "Demo", "lastName": "Administrator", "email": "admin@demo.example", "company": "Demo Contact Center"},
        "account": {"id": ACCOUNT_ID.to_string(), "uri": format!("{base}/restapi/v1.0/account/{ACCOUNT_ID}")}
    }))
    .into_response()
}
