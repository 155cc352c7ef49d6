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
        .route("/restapi/v1.0/account/~/extension", get(extensions))
}

/// `GET /restapi/v1.0/account/~/extension?type=User&page=N&perPage=M` (1-based pages, at most
/// 1000 a page; `navigation.nextPage` only when there is one).
async fn extensions(
    State(state): State<SharedState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = check_token(&state, &headers) {
        return response;
    }
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let page: usize = get("page").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let per_page: usize = get("perPage")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let data = state.data.lock().unwrap();
    let accounts = &data.ringcentral.accounts;
    let total = accounts.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let base = format!("{}/restapi/v1.0/account/{ACCOUNT_ID}/extension", state.base_url);
    let records: Vec<serde_json::Value> = accounts
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|a| {
            json!({
                "uri": format!("{base}/{}", a.id),
                "id": a.id.parse::<u64>().unwrap_or_default(),
                "extensionNumber": (a.id.parse::<u64>().unwrap_or_default() % 10_000).to_string(),
                "name": format!("{} {}", a.first_name, a.last_name),
                "type": "User",
                "status": if a.active { "Enabled" } else { "Disabled" },
                "contact": {"firstName": a.first_name, "lastName": a.last_name, "email": a.email},
                "hidden": false
            })
        })
        .collect();
    let link = |p: usize| json!({"uri": format!("{base}?page={p}&perPage={per_page}")});
    let mut navigation = serde_json::Map::new();
    navigation.insert("firstPage".into(), link(1));
    navigation.insert("lastPage".into(), link(total_pages));
    if page < total_pages {
        navigation.insert("nextPage".into(), link(page + 1));
    }
    if page > 1 {
        navigation.insert("previousPage".into(), link(page - 1));
    }
    Json(json!({
        "uri": format!("{base}?page={page}&perPage={per_page}"),
        "records": records,
        "paging": {"page": page, "totalPages": total_pages, "perPage": per_page, "totalElements": total},
        "navigation": navigation
    }))
    .into_response()
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
