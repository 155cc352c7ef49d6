//! RingCentral: the JWT-bearer token grant, the account's extension list and single extensions,
//! under `~` or the numeric account id alike.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use crate::auth;
use crate::directory::Account;
use crate::paths::route;
use crate::SharedState;

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub(crate) const ACCOUNT_ID: u64 = 159_048_008;
const OWN_EXTENSION_ID: u64 = 62_264_425_008;

pub(crate) fn routes() -> Router<SharedState> {
    let mut router = Router::new();
    router = route(router, "/restapi/oauth/token", post(token));
    router = route(router, "/restapi/v1.0/account/{account}/extension", get(extensions));
    router = route(
        router,
        "/restapi/v1.0/account/{account}/extension/{extension}",
        get(extension),
    );
    router
}

/// The account in a path: `~` (the caller's) or its numeric id, which links and `uri` fields use.
fn check_account(account: &str) -> Result<(), Response> {
    if account == "~" || account == ACCOUNT_ID.to_string() {
        Ok(())
    } else {
        Err(not_found("accountId", account))
    }
}

/// RingCentral's 404: `CMN-102`, naming the parameter that matched nothing.
fn not_found(parameter: &str, value: &str) -> Response {
    let message = format!("Resource for parameter [{parameter}] is not found");
    let body = json!({
        "errorCode": "CMN-102",
        "message": message,
        "errors": [{"errorCode": "CMN-102", "message": message, "parameterName": parameter, "parameterValue": value}]
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// `…/account/{~|id}/extension`: the account's own extensions base URL, with the numeric id.
fn extensions_base(state: &SharedState) -> String {
    format!("{}/restapi/v1.0/account/{ACCOUNT_ID}/extension", state.base_url)
}

/// One extension record, as the list and `extension/{id}` give it.
fn extension_json(base: &str, account: &Account) -> Value {
    let id = account.id.parse::<u64>().unwrap_or_default();
    json!({
        "uri": format!("{base}/{}", account.id),
        "id": id,
        "extensionNumber": (id % 10_000).to_string(),
        "name": format!("{} {}", account.first_name, account.last_name),
        "type": "User",
        "status": if account.active { "Enabled" } else { "Disabled" },
        "contact": {"firstName": account.first_name, "lastName": account.last_name, "email": account.email},
        "hidden": false
    })
}

/// `GET /restapi/v1.0/account/{~|id}/extension?type=User&page=N&perPage=M` (1-based pages, at
/// most 1000 a page; `navigation.nextPage` only when there is one). Links carry the numeric
/// account id and the caller's other parameters, as the real API's do.
async fn extensions(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(account): Path<String>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = check_token(&state, &headers).and_then(|()| check_account(&account)) {
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
    let base = extensions_base(&state);
    let start = (page - 1).saturating_mul(per_page);
    let records: Vec<Value> = accounts
        .iter()
        .skip(start)
        .take(per_page)
        .map(|a| extension_json(&base, a))
        .collect();
    let others: String = uri
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !name.is_empty() && !name.eq_ignore_ascii_case("page") && !name.eq_ignore_ascii_case("perPage")
        })
        .map(|pair| format!("&{pair}"))
        .collect();
    let page_uri = |p: usize| format!("{base}?page={p}&perPage={per_page}{others}");
    let link = |p: usize| json!({"uri": page_uri(p)});
    let mut navigation = serde_json::Map::new();
    navigation.insert("firstPage".into(), link(1));
    navigation.insert("lastPage".into(), link(total_pages));
    if page < total_pages {
        navigation.insert("nextPage".into(), link(page + 1));
    }
    if page > 1 {
        navigation.insert("previousPage".into(), link(page - 1));
    }
    let mut paging = json!({"page": page, "totalPages": total_pages, "perPage": per_page, "totalElements": total});
    if !records.is_empty() {
        // 0-based indexes of the page's first and last element; omitted when it is empty.
        paging["pageStart"] = json!(start);
        paging["pageEnd"] = json!(start + records.len() - 1);
    }
    Json(json!({
        "uri": page_uri(page),
        "records": records,
        "paging": paging,
        "navigation": navigation
    }))
    .into_response()
}

/// `GET /restapi/v1.0/account/{~|id}/extension/{~|extensionId}`: one extension (`~` is the caller's).
async fn extension(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path((account, extension)): Path<(String, String)>,
) -> Response {
    if let Err(response) = check_token(&state, &headers).and_then(|()| check_account(&account)) {
        return response;
    }
    if extension == "~" || extension == OWN_EXTENSION_ID.to_string() {
        return own_extension(&state);
    }
    let data = state.data.lock().unwrap();
    match data.ringcentral.accounts.iter().find(|a| a.id == extension) {
        Some(found) => Json(extension_json(&extensions_base(&state), found)).into_response(),
        None => not_found("extensionId", &extension),
    }
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
    match form.get("grant_type").map(String::as_str) {
        Some(JWT_GRANT) => {
            if form.get("assertion") != Some(&tenant.ringcentral_jwt) {
                return rc_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "OAU-140",
                    "Invalid resource owner credentials",
                );
            }
        }
        // The refresh grant: a refresh token this emulator issued and did not revoke.
        Some("refresh_token") => {
            let known = form
                .get("refresh_token")
                .is_some_and(|t| t.starts_with("rc-refresh-") && state.issued.lock().unwrap().is_issued_opaque(t));
            if !known {
                return rc_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "OAU-211",
                    "Token is revoked or expired",
                );
            }
        }
        _ => {
            return rc_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "OAU-101",
                "Unsupported grant type",
            )
        }
    }
    let ttl = std::time::Duration::from_secs(tenant.token_ttl_secs);
    let access = state
        .issued
        .lock()
        .unwrap()
        .issue_opaque("rc-access", ttl, tenant.token_max_calls);
    let refresh =
        state
            .issued
            .lock()
            .unwrap()
            .issue_opaque("rc-refresh", std::time::Duration::from_secs(604_800), None);
    Json(json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": tenant.token_ttl_secs,
        "refresh_token": refresh,
        "refresh_token_expires_in": 604800,
        "scope": "ReadAccounts",
        "owner_id": OWN_EXTENSION_ID.to_string(),
        "endpoint_id": "p7GZlEVHRwKDwbx6UkH0YQ"
    }))
    .into_response()
}

/// Checks a RingCentral bearer token issued by this emulator.
pub(crate) fn check_token(state: &SharedState, headers: &HeaderMap) -> Result<(), Response> {
    match auth::bearer(headers) {
        Some(token) if token.starts_with("rc-access-") && state.issued.lock().unwrap().use_opaque(token) => Ok(()),
        _ => Err(rc_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "OAU-213",
            "Token not found",
        )),
    }
}

/// The API user's own extension (the admin who signed in; not one of the directory's users).
fn own_extension(state: &SharedState) -> Response {
    let base = &state.base_url;
    Json(json!({
        "uri": format!("{base}/restapi/v1.0/account/{ACCOUNT_ID}/extension/{OWN_EXTENSION_ID}"),
        "id": OWN_EXTENSION_ID,
        "extensionNumber": "101",
        "name": "Demo Administrator",
        "type": "User",
        "status": "Enabled",
        "contact": {"firstName": "Demo", "lastName": "Administrator", "email": "admin@demo.example", "company": "Demo Contact Center"},
        "account": {"id": ACCOUNT_ID.to_string(), "uri": format!("{base}/restapi/v1.0/account/{ACCOUNT_ID}")}
    }))
    .into_response()
}
