//! What every vendor client shares: one configured HTTP client, the plain-http policy, and the
//! mapping of transport failures to sentences a person can act on.

use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::{Error, Result};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP client all vendor calls go through (rustls; system and bundled roots).
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("CCSync/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| Error::Internal(format!("cannot set up HTTPS: {e}")))
}

/// Parses a URL the user typed and applies the transport policy: https anywhere, plain http only
/// on loopback (the built-in emulator), nothing else.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|_| {
        Error::InvalidInput(format!(
            "\"{trimmed}\" is not a URL. Enter it in full, for example https://cxone.niceincontact.com."
        ))
    })?;
    check_transport(&url)?;
    Ok(url)
}

/// Refuses plain http to anything but a loopback address.
pub fn check_transport(url: &Url) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::InsecureUrl {
            url: url.as_str().trim_end_matches('/').to_owned(),
        }),
        other => Err(Error::InvalidInput(format!(
            "{url} uses \"{other}:\"; CC Sync speaks https:// only."
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `scheme://host[:port]` of a URL, for messages.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Turns a transport failure (no answer, TLS, timeout) into an error a person can act on.
pub fn transport_error(error: reqwest::Error, url: &Url) -> Error {
    let host = origin(url);
    let chain = error_chain(&error);
    if error.is_timeout() {
        return Error::Timeout {
            host,
            seconds: REQUEST_TIMEOUT.as_secs(),
        };
    }
    let lower = chain.to_lowercase();
    // rustls reports through io::Error text; these are the phrases of its handshake failures.
    const TLS_SIGNS: [&str; 5] = [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "received fatal alert",
    ];
    if TLS_SIGNS.iter().any(|sign| lower.contains(sign)) {
        return Error::TlsFailed {
            host,
            detail: last_cause(&chain),
        };
    }
    if error.is_connect() || error.is_request() {
        let detail = if lower.contains("dns") || lower.contains("resolve") || lower.contains("name or service") {
            "the host name could not be resolved".to_owned()
        } else if lower.contains("refused") {
            "the connection was refused".to_owned()
        } else {
            last_cause(&chain)
        };
        return Error::HostUnreachable { host, detail };
    }
    Error::UnexpectedResponse(format!(
        "The answer from {host} could not be read ({}).",
        last_cause(&chain)
    ))
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

fn last_cause(chain: &str) -> String {
    chain.rsplit(": ").next().unwrap_or(chain).to_owned()
}

/// A response read to the end: status, content type and body text.
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub async fn read(response: reqwest::Response, url: &Url) -> Result<Answer> {
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = response.text().await.map_err(|e| transport_error(e, url))?;
        Ok(Answer {
            status,
            headers,
            content_type,
            body,
        })
    }

    /// Parses the body as JSON of type `T`, or explains what came back instead.
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str, url: &Url) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|_| self.unexpected(what, url))
    }

    /// "The server at X answered … with …, not …": for answers that are not what the API sends.
    pub fn unexpected(&self, what: &str, url: &Url) -> Error {
        let kind = if self.content_type.is_empty() {
            "no content type".to_owned()
        } else {
            self.content_type.clone()
        };
        let shown = if self.body.trim().is_empty() {
            "an empty body".to_owned()
        } else {
            kind
        };
        Error::UnexpectedResponse(format!(
            "{} answered the {what} with HTTP {} and {shown}, which is not what the API sends. \
             Check that the URL points at the right service.",
            origin(url),
            self.status.as_u16()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_accepted_anywhere() {
        assert!(parse_base_url("https://cxone.niceincontact.com").is_ok());
    }

    #[test]
    fn plain_http_is_accepted_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.4.5.6",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok} should be allowed");
        }
        for bad in [
            "http://cxone.niceincontact.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
        ] {
            let err = parse_base_url(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InsecureUrl, "{bad}");
            assert!(err.to_string().contains("https://"), "{err}");
        }
    }

    #[test]
    fn other_schemes_and_garbage_are_refused() {
        assert_eq!(
            parse_base_url("ftp://x.example").unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
        assert_eq!(
            parse_base_url("cxone").unwrap_err().code(),
            crate::ErrorCode::InvalidInput
        );
    }
}
