//! Webex: the caller's own person record, which is how a token is tested.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::auth;
use crate::SharedState;

pub(crate) const ORG_ID: &str = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9kZW1vLW9yZw";

pub(crate) fn routes() -> Router<SharedState> {
    Router::new().route("/v1/people/me", get(me))
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
