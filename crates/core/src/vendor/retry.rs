//! Retrying vendor calls: `Retry-After` honoured on 429 and 503 (never retried sooner) up to a
//! ceiling — a server that asks for longer fails the run at once with `rate_limited` and the time
//! to try again —, exponential backoff with jitter on other 5xx answers and on timeouts, a bounded
//! number of tries, then an error that names the endpoint and the status.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use url::Url;

use crate::vendor::http::{self, Answer};
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub max_attempts: u32,
    /// First backoff after a 5xx or a timeout; doubles each time, plus up to 50 % jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Wait after a 429 / 503 that carries no `Retry-After` (RingCentral documents 30 s).
    pub rate_limit_default: Duration,
    /// The longest `Retry-After` a run waits out; a server asking for more fails the run at once
    /// (a cron job must not sleep for a day because a header said so).
    pub max_retry_after: Duration,
}

/// The default ceiling on `Retry-After`: five minutes, above RingCentral's 60 s penalty window.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5 * 60);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            rate_limit_default: Duration::from_secs(5),
            max_retry_after: MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// A policy with short waits, for tests against the emulator.
    pub fn quick() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            rate_limit_default: Duration::from_millis(20),
            max_retry_after: MAX_RETRY_AFTER,
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let capped = exp.min(self.max_delay);
        capped + capped.mul_f64(fastrand::f64() * 0.5)
    }
}

/// Why the last try failed, for the final error.
enum LastFailure {
    Status(u16),
    Transport(Error),
}

/// Sends the request `build` makes until it gets an answer worth returning (any 2xx, 3xx or 4xx
/// other than 429), retrying as the policy says. `what` names the endpoint in errors.
pub async fn send(
    build: impl Fn() -> reqwest::RequestBuilder,
    url: &Url,
    what: &str,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<Answer> {
    let mut last = LastFailure::Status(0);
    for attempt in 1..=policy.max_attempts {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let sent = tokio::select! {
            sent = build().send() => sent,
            _ = cancel.cancelled() => return Err(Error::Cancelled),
        };
        let wait = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                let waits = status == 429 || status >= 500;
                if let Some(asked) = retry_after.filter(|&wait| waits && wait > policy.max_retry_after) {
                    return Err(too_long(asked, status, url, what, policy));
                }
                match status {
                    429 | 503 => {
                        last = LastFailure::Status(status);
                        retry_after.unwrap_or_else(|| policy.rate_limit_default.max(policy.backoff(attempt)))
                    }
                    500..=599 => {
                        last = LastFailure::Status(status);
                        // A server that asks for a pause gets it, whatever the status.
                        retry_after.unwrap_or_else(|| policy.backoff(attempt))
                    }
                    _ => match Answer::read(response, url).await {
                        Ok(answer) => return Ok(answer),
                        // The body was cut off or timed out on the way: a transient failure.
                        Err(error) => {
                            last = LastFailure::Transport(error);
                            policy.backoff(attempt)
                        }
                    },
                }
            }
            // Timeouts and dropped connections can pass; TLS failures and refused or unresolvable
            // hosts will not, so they fail at once.
            Err(error) if error.is_timeout() || (error.is_request() && !error.is_connect()) => {
                last = LastFailure::Transport(http::transport_error(error, url));
                policy.backoff(attempt)
            }
            Err(error) => return Err(http::transport_error(error, url)),
        };
        if attempt == policy.max_attempts {
            break;
        }
        tracing::info!(what, attempt, wait_ms = wait.as_millis() as u64, "retrying");
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => return Err(Error::Cancelled),
        }
    }
    Err(match last {
        LastFailure::Status(status @ (429 | 503)) => Error::RateLimited(format!(
            "{} kept answering HTTP {status} ({}) to the {what} request after {} tries. Wait a few minutes and try again.",
            http::origin(url),
            if status == 429 { "too many requests" } else { "service unavailable" },
            policy.max_attempts
        )),
        LastFailure::Status(status) => Error::UnexpectedResponse(format!(
            "{} answered the {what} request with HTTP {status} (a server error) {} times in a row. Try again later; if it persists, contact the vendor's support with the time of the failure.",
            http::origin(url),
            policy.max_attempts
        )),
        LastFailure::Transport(error) => error,
    })
}

/// A `Retry-After` past the ceiling: fail now, and say when to try again.
fn too_long(asked: Duration, status: u16, url: &Url, what: &str, policy: &RetryPolicy) -> Error {
    let at = time::OffsetDateTime::now_utc() + asked;
    let when = at
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_else(|_| "later".into());
    Error::RateLimited(format!(
        "{} answered the {what} request with HTTP {status} and asked CC Sync to wait {} before trying again, \
         longer than the {} a run waits. Nothing was written. Try again after {when}.",
        http::origin(url),
        human(asked),
        human(policy.max_retry_after)
    ))
}

/// "90 seconds", "5 minutes", "24 hours".
fn human(wait: Duration) -> String {
    let secs = wait.as_secs();
    match secs {
        0..=119 => format!("{secs} seconds"),
        120..=7199 => format!("{} minutes", secs.div_ceil(60)),
        _ => format!("{} hours", secs.div_ceil(3600)),
    }
}

/// `Retry-After` is delay-seconds or an HTTP-date (RFC 9110 §10.2.3), read by `httpdate`.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    // A date in the past means "now".
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn retry_after_dates_in_every_http_date_form_are_read() {
        let in_90s = std::time::SystemTime::now() + Duration::from_secs(90);
        // IMF-fixdate, as servers send it today.
        let wait = parse_retry_after(&httpdate::fmt_http_date(in_90s)).unwrap();
        assert!(
            wait > Duration::from_secs(80) && wait <= Duration::from_secs(90),
            "{wait:?}"
        );
        // The obsolete RFC 850 and asctime forms HTTP-date also allows (RFC 2822 parsing took neither).
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:37 1994"), Some(Duration::ZERO));
        // Not an HTTP-date: RFC 2822 with a numeric zone.
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 +0000"), None);
    }

    #[test]
    fn waits_are_said_in_words() {
        assert_eq!(human(Duration::from_secs(30)), "30 seconds");
        assert_eq!(human(Duration::from_secs(300)), "5 minutes");
        assert_eq!(human(Duration::from_secs(86400)), "24 hours");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert!(policy.backoff(1) >= Duration::from_millis(500) && policy.backoff(1) <= Duration::from_millis(750));
        assert!(policy.backoff(3) >= Duration::from_secs(2));
        assert!(policy.backoff(20) <= Duration::from_secs(45));
    }
}
