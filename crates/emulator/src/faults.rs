//! Fault injection: rules matched by path prefix, applied before the real handler runs. Paths are
//! case-insensitive (see `paths`), so prefixes match in any letter case too.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::SharedState;

/// What to do instead of (or before) answering normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a JSON error body; `retry_after` sets the `Retry-After` header.
    Status { status: u16, retry_after: Option<u64> },
    /// Answer 200 with an HTML page, as a captive portal or a wrong URL would.
    NonJson,
    /// Answer 200 with the first half of the real body (a connection cut mid-transfer).
    Truncated,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Add this many agents at the front of the list, then answer normally (data changing
    /// while a client pages).
    InsertAgents(usize),
    /// Answer with this redirect status (301, 302, 303, 307, 308) and `Location` (a server that
    /// sends its clients, and whatever they carry, elsewhere).
    Redirect { status: u16, location: String },
    /// Answer with this status and `Retry-After` as an HTTP-date `seconds` from now, in the
    /// IMF-fixdate form or (`obsolete`) the RFC 850 form HTTP-date also allows.
    RetryAfterDate { status: u16, seconds: u64, obsolete: bool },
    /// Answer normally, but with every link in the body and the `Link` header pointing at this
    /// origin instead of the emulator's (`_links.next`, `navigation.nextPage.uri`, Webex `Link`).
    ForeignLinks(String),
    /// Answer as if no paging parameter (`skip`, `page`, `cursor`) had been sent: a server that
    /// ignores paging and hands back the first page forever.
    IgnorePaging,
    /// Revoke every token issued so far (CXone and RingCentral), then answer normally — so this
    /// request, and every other in flight with an old token, gets 401 (tokens revoked or expired
    /// server-side before their stated lifetime).
    RevokeTokens,
}

/// A fault applied to requests whose path starts with `path_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    pub path_prefix: String,
    pub fault: Fault,
    /// Let this many matching requests through untouched first.
    pub skip: usize,
    /// Apply to at most this many requests (None: every one after `skip`).
    pub times: Option<usize>,
}

impl FaultRule {
    /// A rule that applies to every matching request.
    pub fn always(path_prefix: &str, fault: Fault) -> FaultRule {
        FaultRule {
            path_prefix: path_prefix.to_owned(),
            fault,
            skip: 0,
            times: None,
        }
    }
}

impl std::str::FromStr for FaultRule {
    type Err = String;

    /// `PATH_PREFIX=KIND[,retry-after=S][,skip=N][,times=N]`, KIND being an HTTP status, `truncated`,
    /// `non-json`, `delay-MS`, `insert-N`, `redirect-STATUS:URL`, `foreign-links:ORIGIN`,
    /// `ignore-paging`, `revoke-tokens` or `STATUS-until-S` / `STATUS-until-S-rfc850` (Retry-After
    /// as an HTTP-date S seconds ahead); e.g. `/inContactAPI=500` or
    /// `/inContactAPI/services/v34.0/agents=429,retry-after=2,skip=1,times=1`.
    fn from_str(spec: &str) -> Result<FaultRule, String> {
        let bad = || format!("\"{spec}\" is not a fault; write PATH=KIND[,retry-after=S][,skip=N][,times=N]");
        let (path, rest) = spec.split_once('=').ok_or_else(bad)?;
        let mut parts = rest.split(',');
        let kind = parts.next().ok_or_else(bad)?.trim();
        let (mut retry_after, mut skip, mut times) = (None, 0, None);
        for option in parts {
            let (key, value) = option.split_once('=').ok_or_else(bad)?;
            let number: u64 = value.trim().parse().map_err(|_| bad())?;
            match key.trim() {
                "retry-after" => retry_after = Some(number),
                "skip" => skip = number as usize,
                "times" => times = Some(number as usize),
                _ => return Err(bad()),
            }
        }
        let fault = match kind {
            "ignore-paging" => Fault::IgnorePaging,
            "revoke-tokens" => Fault::RevokeTokens,
            k if k.starts_with("foreign-links:") => Fault::ForeignLinks(k["foreign-links:".len()..].to_owned()),
            k if k.starts_with("redirect-") => {
                let (status, location) = k["redirect-".len()..].split_once(':').ok_or_else(bad)?;
                Fault::Redirect {
                    status: status.parse().map_err(|_| bad())?,
                    location: location.to_owned(),
                }
            }
            k if k.contains("-until-") => {
                let (status, rest) = k.split_once("-until-").ok_or_else(bad)?;
                let (seconds, obsolete) = match rest.strip_suffix("-rfc850") {
                    Some(seconds) => (seconds, true),
                    None => (rest, false),
                };
                Fault::RetryAfterDate {
                    status: status.parse().map_err(|_| bad())?,
                    seconds: seconds.parse().map_err(|_| bad())?,
                    obsolete,
                }
            }
            "truncated" => Fault::Truncated,
            "non-json" => Fault::NonJson,
            k if k.starts_with("delay-") => Fault::Delay(Duration::from_millis(k[6..].parse().map_err(|_| bad())?)),
            k if k.starts_with("insert-") => Fault::InsertAgents(k[7..].parse().map_err(|_| bad())?),
            k => Fault::Status {
                status: k.parse().map_err(|_| bad())?,
                retry_after,
            },
        };
        Ok(FaultRule {
            path_prefix: path.trim().to_owned(),
            fault,
            skip,
            times,
        })
    }
}

#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    rules: Vec<(FaultRule, usize)>,
    seen_paths: Vec<String>,
}

impl FaultPlan {
    pub fn new(rules: Vec<FaultRule>) -> FaultPlan {
        FaultPlan {
            rules: rules.into_iter().map(|r| (r, 0)).collect(),
            seen_paths: Vec::new(),
        }
    }

    pub fn count(&self, prefix: &str) -> usize {
        let prefix = prefix.to_ascii_lowercase();
        self.seen_paths.iter().filter(|p| p.starts_with(&prefix)).count()
    }

    /// Records the request and returns the fault to apply to it, if any.
    fn next_fault(&mut self, path: &str) -> Option<Fault> {
        let path = path.to_ascii_lowercase();
        for (rule, matched) in &mut self.rules {
            if !path.starts_with(&rule.path_prefix.to_ascii_lowercase()) {
                continue;
            }
            *matched += 1;
            let applied = matched.saturating_sub(rule.skip);
            if *matched > rule.skip && rule.times.is_none_or(|t| applied <= t) {
                self.seen_paths.push(path);
                return Some(rule.fault.clone());
            }
        }
        self.seen_paths.push(path);
        None
    }
}

/// An HTTP-date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) or the obsolete RFC 850 form
/// (`Sunday, 06-Nov-94 08:49:37 GMT`).
fn http_date(at: time::OffsetDateTime, obsolete: bool) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format = if obsolete {
        time::macros::format_description!(
            "[weekday], [day]-[month repr:short]-[year repr:last_two] [hour]:[minute]:[second] GMT"
        )
    } else {
        time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        )
    };
    at.format(&format).unwrap_or_default()
}

/// The request's URI without its paging parameters (`skip`, `page`, `cursor`).
fn without_paging(uri: &axum::http::Uri) -> Option<axum::http::Uri> {
    let query = uri.query()?;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !["skip", "page", "cursor"].iter().any(|p| name.eq_ignore_ascii_case(p))
        })
        .collect();
    let path_and_query = if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    };
    path_and_query.parse().ok()
}

pub(crate) async fn inject(State(state): State<SharedState>, mut request: Request, next: Next) -> Response {
    let fault = state.faults.lock().unwrap().next_fault(request.uri().path());
    match fault {
        None => next.run(request).await,
        Some(Fault::Redirect { status, location }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            let mut response = status.into_response();
            if let Ok(value) = location.parse() {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Some(Fault::RetryAfterDate {
            status,
            seconds,
            obsolete,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
            let body = serde_json::json!({"error": "injected_fault", "error_description": status.to_string()});
            let mut response = (status, axum::Json(body)).into_response();
            let at = time::OffsetDateTime::now_utc() + Duration::from_secs(seconds);
            if let Ok(value) = http_date(at, obsolete).parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Fault::IgnorePaging) => {
            if let Some(uri) = without_paging(request.uri()) {
                *request.uri_mut() = uri;
            }
            next.run(request).await
        }
        Some(Fault::RevokeTokens) => {
            state.issued.lock().unwrap().revoke_all();
            next.run(request).await
        }
        Some(Fault::ForeignLinks(origin)) => {
            let own = state.base_url.clone();
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).replace(&own, &origin);
            if let Some(link) = parts.headers.get(header::LINK).and_then(|v| v.to_str().ok()) {
                if let Ok(value) = link.replace(&own, &origin).parse() {
                    parts.headers.insert(header::LINK, value);
                }
            }
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(text))
        }
        Some(Fault::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            next.run(request).await
        }
        Some(Fault::InsertAgents(count)) => {
            state
                .data
                .lock()
                .unwrap()
                .insert_agents_at_front(count, &crate::auth::now_rfc3339());
            next.run(request).await
        }
        Some(Fault::Status { status, retry_after }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({"error": "injected_fault", "error_description": status.to_string()});
            let mut response = (status, axum::Json(body)).into_response();
            if let Some(seconds) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            }
            response
        }
        Some(Fault::NonJson) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><html><body><h1>Welcome to the hotel Wi-Fi</h1></body></html>",
        )
            .into_response(),
        Some(Fault::Truncated) => {
            let response = next.run(request).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            let mut response = Response::from_parts(parts, Body::from(half));
            response.headers_mut().remove(header::CONTENT_LENGTH);
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_from_the_command_line_form() {
        let rule: FaultRule = "/inContactAPI/services/v34.0/agents=429,retry-after=2,skip=1,times=3"
            .parse()
            .unwrap();
        assert_eq!(
            rule.fault,
            Fault::Status {
                status: 429,
                retry_after: Some(2)
            }
        );
        assert_eq!((rule.skip, rule.times), (1, Some(3)));
        assert_eq!("/x=truncated".parse::<FaultRule>().unwrap().fault, Fault::Truncated);
        assert_eq!(
            "/x=delay-250".parse::<FaultRule>().unwrap().fault,
            Fault::Delay(Duration::from_millis(250))
        );
        assert_eq!(
            "/auth/token=redirect-307:http://127.0.0.2:9/auth/token"
                .parse::<FaultRule>()
                .unwrap()
                .fault,
            Fault::Redirect {
                status: 307,
                location: "http://127.0.0.2:9/auth/token".into()
            }
        );
        assert_eq!(
            "/v1/people=foreign-links:http://127.0.0.2:9"
                .parse::<FaultRule>()
                .unwrap()
                .fault,
            Fault::ForeignLinks("http://127.0.0.2:9".into())
        );
        assert_eq!(
            "/x=ignore-paging".parse::<FaultRule>().unwrap().fault,
            Fault::IgnorePaging
        );
        assert_eq!(
            "/x=revoke-tokens".parse::<FaultRule>().unwrap().fault,
            Fault::RevokeTokens
        );
        assert_eq!(
            "/x=429-until-2-rfc850".parse::<FaultRule>().unwrap().fault,
            Fault::RetryAfterDate {
                status: 429,
                seconds: 2,
                obsolete: true
            }
        );
        assert!("/x".parse::<FaultRule>().is_err());
        assert!("/x=boom".parse::<FaultRule>().is_err());
    }

    #[test]
    fn http_dates_come_in_both_forms() {
        let at = time::macros::datetime!(1994-11-06 08:49:37 UTC);
        assert_eq!(http_date(at, false), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(at, true), "Sunday, 06-Nov-94 08:49:37 GMT");
    }

    #[test]
    fn a_rule_skips_then_applies_a_bounded_number_of_times() {
        let fault = Fault::Status {
            status: 429,
            retry_after: Some(2),
        };
        let mut plan = FaultPlan::new(vec![FaultRule {
            path_prefix: "/inContactAPI".into(),
            fault: fault.clone(),
            skip: 1,
            times: Some(2),
        }]);
        let seen: Vec<_> = (0..5)
            .map(|_| plan.next_fault("/inContactAPI/services/v34.0/agents"))
            .collect();
        assert_eq!(seen, vec![None, Some(fault.clone()), Some(fault), None, None]);
        assert_eq!(plan.next_fault("/auth/token"), None, "other paths are untouched");
        assert_eq!(plan.count("/inContactAPI"), 5);
        assert_eq!(plan.count("/incontactapi"), 5, "prefixes match in any case");
        assert_eq!(plan.count("/"), 6);
    }
}
