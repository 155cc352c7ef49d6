//! NICE CXone: global auth (password and refresh grants), OpenID and tenant discovery, and the
//! Admin API's business-unit call. Later issues add the list endpoints here.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::auth::{self, oauth_error};
use crate::data::{self, SEEDED_AT};
use crate::tenant::Shape;
use crate::SharedState;

pub(crate) fn routes() -> Router<SharedState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(openid_configuration))
        .route("/.well-known/cxone-configuration", get(cxone_configuration))
        .route("/auth/token", post(token))
        .route("/inContactAPI/services/{version}/business-unit", get(business_unit))
        .route("/inContactAPI/services/{version}/agents", get(agents))
        .route("/inContactAPI/services/{version}/campaigns", get(campaigns))
        .route("/inContactAPI/services/{version}/skills", get(skills))
        .route("/inContactAPI/services/{version}/dispositions", get(dispositions))
        .route(
            "/inContactAPI/services/{version}/unavailable-codes",
            get(unavailable_codes),
        )
        .route("/inContactAPI/services/{version}/teams", get(teams))
        .route(
            "/inContactAPI/services/{version}/security-profiles",
            get(security_profiles),
        )
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

/// `skip`, `top`, `updatedSince` / `updateSince` and `isActive`, with names matched case-insensitively.
struct ListQuery {
    skip: usize,
    top: Option<usize>,
    since: Option<String>,
    is_active: Option<bool>,
}

impl ListQuery {
    fn parse(query: &HashMap<String, String>) -> ListQuery {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        ListQuery {
            skip: get("skip").and_then(|v| v.parse().ok()).unwrap_or(0),
            top: get("top").and_then(|v| v.parse().ok()),
            since: get("updatedSince").or_else(|| get("updateSince")).map(str::to_owned),
            is_active: get("isActive").map(|v| v.eq_ignore_ascii_case("true")),
        }
    }

    fn keeps(&self, is_active: bool, last_updated: &str) -> bool {
        self.is_active.is_none_or(|wanted| wanted == is_active)
            && self.since.as_deref().is_none_or(|since| last_updated > since)
    }
}

/// What a list answer carries besides its items.
struct Envelope {
    collection: &'static str,
    links: bool,
    last_poll_time: bool,
    total: bool,
    wrap_in_result_set: bool,
}

impl ListQuery {
    /// `(skip, top)` with `top` capped at the tenant's maximum page size.
    fn window(&self, state: &SharedState) -> (usize, usize) {
        let max = state.tenant.max_page_size;
        (self.skip, self.top.unwrap_or(max).clamp(1, max))
    }
}

/// Wraps one page as CXone does; 204 with no body when there is nothing on it.
#[allow(clippy::too_many_arguments)]
fn list_answer(
    state: &SharedState,
    path: &str,
    version: &str,
    query: &ListQuery,
    total: usize,
    page: Vec<Box<RawValue>>,
    envelope: Envelope,
) -> Response {
    if page.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let (skip, top) = query.window(state);
    let base = format!("{}/inContactAPI/services/{version}/{path}", state.base_url);
    let link = |skip: usize| json!(format!("{base}?skip={skip}&top={top}"));
    // Values stay raw JSON so a page of thousands of records is joined, not re-serialized.
    let mut body: BTreeMap<&str, Box<RawValue>> = BTreeMap::new();
    body.insert("businessUnitId", raw(json!(state.tenant.business_unit_id)));
    if envelope.last_poll_time {
        body.insert("lastPollTime", raw(json!(auth::now_rfc3339())));
    }
    if envelope.total {
        body.insert("totalRecords", raw(json!(total)));
    }
    if envelope.links {
        let next = if skip + top < total {
            link(skip + top)
        } else {
            Value::Null
        };
        let previous = if skip > 0 {
            link(skip.saturating_sub(top))
        } else {
            Value::Null
        };
        body.insert(
            "_links",
            raw(json!({"self": link(skip), "next": next, "previous": previous})),
        );
    }
    let items: Vec<&str> = page.iter().map(|item| item.get()).collect();
    let list = RawValue::from_string(format!("[{}]", items.join(","))).expect("joined JSON values are JSON");
    body.insert(envelope.collection, list);
    let text = if envelope.wrap_in_result_set {
        serde_json::to_string(&BTreeMap::from([("resultSet", &body)]))
    } else {
        serde_json::to_string(&body)
    }
    .expect("a page serializes");
    ([(axum::http::header::CONTENT_TYPE, "application/json")], text).into_response()
}

fn raw(value: Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(&value).expect("JSON values serialize")
}

/// The filtered records' count and the current page of them, rendered.
fn paged<T>(
    state: &SharedState,
    query: &ListQuery,
    matching: Vec<&T>,
    render: impl Fn(&T) -> Box<RawValue>,
) -> (usize, Vec<Box<RawValue>>) {
    let (skip, top) = query.window(state);
    (
        matching.len(),
        matching.iter().skip(skip).take(top).map(|item| render(item)).collect(),
    )
}

macro_rules! admin_call {
    ($state:expr, $headers:expr, $version:expr) => {
        if let Err(response) = check_admin_call(&$state, &$headers, &$version) {
            return response;
        }
    };
}

async fn agents(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    admin_call!(state, headers, version);
    let query = ListQuery::parse(&query);
    let (total, page) = {
        let data = state.data.lock().unwrap();
        let matching = data
            .agents
            .iter()
            .filter(|a| query.keeps(a.is_active, &a.last_updated))
            .collect();
        paged(&state, &query, matching, |a| data.agent_json(a, state.tenant.shape))
    };
    let envelope = Envelope {
        collection: "agents",
        links: true,
        last_poll_time: true,
        total: true,
        wrap_in_result_set: false,
    };
    list_answer(&state, "agents", &version, &query, total, page, envelope)
}

async fn campaigns(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    admin_call!(state, headers, version);
    let query = ListQuery::parse(&query);
    let shape = state.tenant.shape;
    let (total, page) = {
        let data = state.data.lock().unwrap();
        let matching = data
            .campaigns
            .iter()
            .filter(|c| query.keeps(c.is_active, SEEDED_AT))
            .collect();
        paged(&state, &query, matching, |c| raw(data.campaign_json(c, shape)))
    };
    // v34 campaigns have neither _links nor lastPollTime; the legacy shape wraps in resultSet.
    let legacy = shape == Shape::Legacy;
    let envelope = Envelope {
        collection: "campaigns",
        links: legacy,
        last_poll_time: false,
        total: true,
        wrap_in_result_set: legacy,
    };
    list_answer(&state, "campaigns", &version, &query, total, page, envelope)
}

async fn skills(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    admin_call!(state, headers, version);
    let query = ListQuery::parse(&query);
    let (total, page) = {
        let data = state.data.lock().unwrap();
        let matching = data
            .skills
            .iter()
            .filter(|s| query.keeps(s.is_active, &s.last_updated))
            .collect();
        paged(&state, &query, matching, |s| raw(data.skill_json(s)))
    };
    let envelope = Envelope {
        collection: "skills",
        links: true,
        last_poll_time: true,
        total: true,
        wrap_in_result_set: false,
    };
    list_answer(&state, "skills", &version, &query, total, page, envelope)
}

async fn dispositions(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    admin_call!(state, headers, version);
    let query = ListQuery::parse(&query);
    let (total, page) = {
        let data = state.data.lock().unwrap();
        let matching = data
            .dispositions
            .iter()
            .filter(|d| query.keeps(d.is_active, &d.last_updated))
            .collect();
        paged(&state, &query, matching, |d| raw(data.disposition_json(d)))
    };
    let envelope = Envelope {
        collection: "dispositions",
        links: true,
        last_poll_time: false,
        total: true,
        wrap_in_result_set: false,
    };
    list_answer(&state, "dispositions", &version, &query, total, page, envelope)
}

async fn unavailable_codes(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    admin_call!(state, headers, version);
    let query = ListQuery::parse(&query);
    let shape = state.tenant.shape;
    let (total, page) = {
        let data = state.data.lock().unwrap();
        let matching = data
            .codes
            .iter()
            .filter(|c| query.keeps(c.is_active, SEEDED_AT))
            .collect();
        paged(&state, &query, matching, |c| raw(data.code_json(c, shape)))
    };
    // The legacy shape is a bare list: no total, no links.
    let v34 = shape == Shape::V34;
    let envelope = Envelope {
        collection: "unavailableCodes",
        links: v34,
        last_poll_time: false,
        total: v34,
        wrap_in_result_set: false,
    };
    list_answer(&state, "unavailable-codes", &version, &query, total, page, envelope)
}

async fn teams(State(state): State<SharedState>, headers: HeaderMap, Path(version): Path<String>) -> Response {
    admin_call!(state, headers, version);
    let teams: Vec<Value> = data::TEAMS
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"teamId": 11070 + i, "teamName": name, "isActive": true, "description": "", "lastUpdateTime": SEEDED_AT}))
        .collect();
    Json(
        json!({"businessUnitId": state.tenant.business_unit_id, "lastPollTime": auth::now_rfc3339(),
                "totalRecords": teams.len(), "teams": teams}),
    )
    .into_response()
}

async fn security_profiles(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(version): Path<String>,
) -> Response {
    admin_call!(state, headers, version);
    let profiles: Vec<Value> = data::PROFILES
        .iter()
        .map(|(id, name, can_map)| {
            let mut permissions = vec![json!({"permissionKey": "Agents", "optionKeys": ["View"]})];
            if *can_map {
                permissions.push(json!({"permissionKey": data::MAP_PERMISSION_KEY, "optionKeys": ["Map"]}));
            }
            json!({"securityProfileId": id, "securityProfileName": name, "securityProfileStatusName": "Active",
                   "isInternal": false, "permissions": permissions})
        })
        .collect();
    Json(json!({"profiles": profiles})).into_response()
}
