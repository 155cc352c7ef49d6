//! The one skeleton every CXone Admin API list answers through: the call is checked (token,
//! `vNN.0`), the paging and filter parameters are validated (400 with the service's error body),
//! the records are filtered and sliced with `skip`/`top`, and the page is wrapped in the list's
//! envelope (`_links` keeping the caller's other parameters), or 204 when it is empty.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Query, RawPathParams};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::check_admin_call;
use crate::auth;
use crate::data::{Agent, Named, TenantData, SEEDED_AT};
use crate::tenant::Shape;
use crate::SharedState;

/// An authorized Admin API call: the state, the path's version, and the query as sent.
pub(crate) struct AdminCall {
    pub state: SharedState,
    pub version: String,
    pairs: Vec<(String, String)>,
    raw_query: Option<String>,
}

impl FromRequestParts<SharedState> for AdminCall {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<AdminCall, Response> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let version = params
            .iter()
            .find(|(name, _)| *name == "version")
            .map(|(_, value)| value.to_owned())
            .unwrap_or_default();
        check_admin_call(state, &parts.headers, &version)?;
        let Query(pairs) =
            Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).map_err(IntoResponse::into_response)?;
        Ok(AdminCall {
            state: state.clone(),
            version,
            pairs,
            raw_query: parts.uri.query().map(str::to_owned),
        })
    }
}

impl AdminCall {
    pub fn shape(&self) -> Shape {
        self.state.tenant.shape
    }

    /// The canonical path of `rest` (what follows the version), as error bodies and links name it.
    pub fn path(&self, rest: &str) -> String {
        format!("/inContactAPI/services/{}/{rest}", self.version)
    }

    /// A query parameter's value, its name matched case-insensitively (`orderBy`/`orderby`);
    /// an empty value counts as absent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Answers one page of the records `select` picks, rendered by `render`, as `spec` describes.
    pub fn list<T: Listed>(
        &self,
        spec: ListSpec,
        select: impl FnOnce(&TenantData) -> Vec<&T>,
        render: impl Fn(&TenantData, &T) -> Box<RawValue>,
    ) -> Response {
        let query = match ListQuery::parse(self, &spec) {
            Ok(query) => query,
            Err(message) => {
                return spec
                    .errors
                    .answer(StatusCode::BAD_REQUEST, &self.path(&spec.path), &message)
            }
        };
        let max = self.state.tenant.max_page_size;
        let (skip, top) = (query.skip, query.top.unwrap_or(max).min(max));
        let (total, page) = {
            let data = self.state.data.lock().unwrap();
            let matching: Vec<&T> = select(&data).into_iter().filter(|item| query.keeps(*item)).collect();
            let page: Vec<Box<RawValue>> = matching
                .iter()
                .skip(skip)
                .take(top)
                .map(|item| render(&data, item))
                .collect();
            (matching.len(), page)
        };
        if page.is_empty() {
            return StatusCode::NO_CONTENT.into_response();
        }
        // Values stay raw JSON so a page of thousands of records is joined, not re-serialized.
        let mut body: BTreeMap<&str, Box<RawValue>> = BTreeMap::new();
        if spec.business_unit {
            body.insert("businessUnitId", raw(json!(self.state.tenant.business_unit_id)));
        }
        if spec.poll_time {
            body.insert("lastPollTime", raw(json!(auth::now_rfc3339())));
        }
        if spec.total {
            body.insert("totalRecords", raw(json!(total)));
        }
        if spec.links {
            let link = |skip: usize| json!(self.link(&spec.path, skip, top));
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
        for (key, value) in &spec.extra {
            body.insert(key, raw(value.clone()));
        }
        let items: Vec<&str> = page.iter().map(|item| item.get()).collect();
        let list = RawValue::from_string(format!("[{}]", items.join(","))).expect("joined JSON values are JSON");
        body.insert(spec.collection, list);
        let text = if spec.result_set {
            serde_json::to_string(&BTreeMap::from([("resultSet", &body)]))
        } else {
            serde_json::to_string(&body)
        }
        .expect("a page serializes");
        ([(header::CONTENT_TYPE, "application/json")], text).into_response()
    }

    /// An absolute link to another page: `skip`/`top` first, then the caller's other parameters
    /// as sent (filters must survive paging).
    fn link(&self, rest: &str, skip: usize, top: usize) -> String {
        let mut link = format!("{}{}?skip={skip}&top={top}", self.state.base_url, self.path(rest));
        let others = self.raw_query.iter().flat_map(|q| q.split('&')).filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !name.is_empty() && !name.eq_ignore_ascii_case("skip") && !name.eq_ignore_ascii_case("top")
        });
        for pair in others {
            link.push('&');
            link.push_str(pair);
        }
        link
    }
}

pub(crate) fn raw(value: Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(&value).expect("JSON values serialize")
}

/// Which error body a service answers with (external-apis.md §2.1: they differ by service).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ErrorStyle {
    /// Agents, teams, campaigns, skills: `{error, error_description}`.
    Acd,
    /// Dispositions, unavailable codes: `{errorCode, errorMessage, path, timestamp}`.
    Dated,
    /// General (security profiles): `{error, errorDescription}`.
    General,
}

impl ErrorStyle {
    pub fn answer(self, status: StatusCode, path: &str, message: &str) -> Response {
        let error = match status {
            StatusCode::NOT_FOUND => "not_found",
            _ => "invalid_request",
        };
        let body = match self {
            ErrorStyle::Acd => json!({"error": error, "error_description": message}),
            ErrorStyle::Dated => json!({"errorCode": status.as_u16(), "errorMessage": message, "path": path,
                                        "timestamp": auth::now_rfc3339()}),
            ErrorStyle::General => json!({"error": error, "errorDescription": message}),
        };
        (status, Json(body)).into_response()
    }
}

/// What a list accepts and what its envelope carries besides the items.
pub(crate) struct ListSpec {
    /// What follows the version in the path, e.g. `agents` or `skills/4001/dispositions`.
    path: String,
    collection: &'static str,
    errors: ErrorStyle,
    /// The active filter's parameter (`isActive`, or `activeOnly` on older calls), if any.
    active_param: Option<&'static str>,
    /// Whether `updatedSince` / `updateSince` filters the list.
    since: bool,
    business_unit: bool,
    total: bool,
    links: bool,
    poll_time: bool,
    result_set: bool,
    extra: Vec<(&'static str, Value)>,
}

impl ListSpec {
    /// A list with `businessUnitId`, `totalRecords` and `_links`, filtered by `isActive`.
    pub fn new(path: impl Into<String>, collection: &'static str) -> ListSpec {
        ListSpec {
            path: path.into(),
            collection,
            errors: ErrorStyle::Acd,
            active_param: Some("isActive"),
            since: false,
            business_unit: true,
            total: true,
            links: true,
            poll_time: false,
            result_set: false,
            extra: Vec::new(),
        }
    }

    pub fn errors(mut self, style: ErrorStyle) -> ListSpec {
        self.errors = style;
        self
    }

    pub fn active_param(mut self, name: Option<&'static str>) -> ListSpec {
        self.active_param = name;
        self
    }

    /// Filtered by `updatedSince` / `updateSince`.
    pub fn since(mut self) -> ListSpec {
        self.since = true;
        self
    }

    pub fn poll_time(mut self) -> ListSpec {
        self.poll_time = true;
        self
    }

    pub fn business_unit(mut self, on: bool) -> ListSpec {
        self.business_unit = on;
        self
    }

    pub fn total(mut self, on: bool) -> ListSpec {
        self.total = on;
        self
    }

    pub fn links(mut self, on: bool) -> ListSpec {
        self.links = on;
        self
    }

    /// Wrapped in `{"resultSet": {…}}`, as older versions answer.
    pub fn result_set(mut self, on: bool) -> ListSpec {
        self.result_set = on;
        self
    }

    pub fn extra(mut self, key: &'static str, value: Value) -> ListSpec {
        self.extra.push((key, value));
        self
    }
}

/// What the list filters read from a record.
pub(crate) trait Listed {
    fn is_active(&self) -> bool;
    fn last_updated(&self) -> &str;
}

impl Listed for Agent {
    fn is_active(&self) -> bool {
        self.is_active
    }
    fn last_updated(&self) -> &str {
        &self.last_updated
    }
}

impl Listed for Named {
    fn is_active(&self) -> bool {
        self.is_active
    }
    fn last_updated(&self) -> &str {
        &self.last_updated
    }
}

/// A security profile: id, name, whether it may map users.
impl Listed for (u64, &'static str, bool) {
    fn is_active(&self) -> bool {
        true
    }
    fn last_updated(&self) -> &str {
        SEEDED_AT
    }
}

/// The validated paging and filter parameters of one list call.
struct ListQuery {
    skip: usize,
    top: Option<usize>,
    /// Normalized to CXone's own format, so it compares with `lastUpdated` as text.
    since: Option<String>,
    is_active: Option<bool>,
}

impl ListQuery {
    /// The parameters `spec` knows, or the sentence of a 400. Others are accepted and ignored.
    fn parse(call: &AdminCall, spec: &ListSpec) -> Result<ListQuery, String> {
        let skip = match call.param("skip") {
            None => 0,
            Some(v) => v
                .parse()
                .map_err(|_| format!("Invalid skip '{v}': expected a whole number, 0 or more."))?,
        };
        let top = match call.param("top") {
            None => None,
            Some(v) => Some(
                v.parse()
                    .ok()
                    .filter(|&top: &usize| top >= 1)
                    .ok_or_else(|| format!("Invalid top '{v}': expected a whole number, 1 or more."))?,
            ),
        };
        let is_active = match spec.active_param.and_then(|name| Some((name, call.param(name)?))) {
            None => None,
            Some((name, v)) => Some(match v.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(format!("Invalid {name} '{v}': expected true or false.")),
            }),
        };
        let since_param = ["updatedSince", "updateSince"]
            .into_iter()
            .find_map(|name| Some((name, call.param(name)?)))
            .filter(|_| spec.since);
        let since = match since_param {
            None => None,
            Some((name, v)) => Some(normalize_time(v).ok_or_else(|| {
                format!("Invalid {name} '{v}': expected an ISO-8601 date and time such as 2024-05-01T00:00:00.000Z.")
            })?),
        };
        Ok(ListQuery {
            skip,
            top,
            since,
            is_active,
        })
    }

    fn keeps(&self, item: &impl Listed) -> bool {
        self.is_active.is_none_or(|wanted| wanted == item.is_active())
            && self.since.as_deref().is_none_or(|since| item.last_updated() > since)
    }
}

/// An ISO-8601 time (with an offset, without one meaning UTC, or a bare date) in CXone's format.
fn normalize_time(text: &str) -> Option<String> {
    use time::format_description::well_known::Iso8601;
    let at = time::OffsetDateTime::parse(text, &Iso8601::DEFAULT)
        .or_else(|_| time::PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).map(|t| t.assume_utc()))
        .or_else(|_| time::Date::parse(text, &Iso8601::DEFAULT).map(|d| d.midnight().assume_utc()))
        .ok()?;
    Some(auth::cxone_time(at))
}

#[cfg(test)]
mod tests {
    use super::normalize_time;

    #[test]
    fn times_are_read_in_their_iso_forms_and_rewritten_in_cxones() {
        let cases = [
            ("2026-01-05T09:00:00.000Z", "2026-01-05T09:00:00.000Z"),
            ("2026-01-05T09:00:00Z", "2026-01-05T09:00:00.000Z"),
            ("2026-01-05T10:00:00+01:00", "2026-01-05T09:00:00.000Z"),
            ("2026-01-05T09:00:00.1234567Z", "2026-01-05T09:00:00.123Z"),
            ("2026-01-05T09:00:00", "2026-01-05T09:00:00.000Z"),
            ("2026-01-05", "2026-01-05T00:00:00.000Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(normalize_time(text).as_deref(), Some(expected), "{text}");
        }
        for bad in ["garbage", "2026-13-01", "yesterday", "1735689600"] {
            assert_eq!(normalize_time(bad), None, "{bad}");
        }
    }
}
