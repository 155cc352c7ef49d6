//! Webex: the caller's own person record, which is how a token is tested.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::auth;
use crate::paths::route;
use crate::SharedState;

pub(crate) const ORG_ID: &str = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9kZW1vLW9yZw";

pub(crate) fn routes() -> Router<SharedState> {
    let router = route(Router::new(), "/v1/people/me", get(me));
    route(router, "/v1/people", get(people))
}

/// `GET /v1/people?max=N`: pages follow the `Link: <…>; rel="next"` URL, whose cursor is opaque.
async fn people(
    State(state): State<SharedState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    use base64::Engine;
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

/// Checks a Webex bearer token.
pub(crate) fn check_token(state: &SharedState, headers: &HeaderMap) -> Result<(), Response> {
    match auth::bearer(headers) {
        Some(token) if token == state.tenant.webex_token => Ok(()),
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
