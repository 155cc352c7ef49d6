//! Retrying vendor calls: `Retry-After` honoured on 429 and 503 (never retried sooner), exponential
//! backoff with jitter on other 5xx answers and on timeouts, a bounded number of tries, then an
//! error that names the endpoint and the status.

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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            rate_limit_default: Duration::from_secs(5),
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

/// `Retry-After` is seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = time::OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc2822).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(Duration::from_secs_f64(delta.as_seconds_f64().max(0.0)))
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
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert!(policy.backoff(1) >= Duration::from_millis(500) && policy.backoff(1) <= Duration::from_millis(750));
        assert!(policy.backoff(3) >= Duration::from_secs(2));
        assert!(policy.backoff(20) <= Duration::from_secs(45));
    }
}
