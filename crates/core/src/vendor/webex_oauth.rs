//! Webex tokens that last: the refresh grant of `POST /v1/access_token` (Service Apps and
//! Integrations), with the rotated refresh token saved to the keyring whenever Webex returns a new
//! one; and the Integration sign-in (authorization code with PKCE in the system browser, redirected
//! to a one-shot listener on 127.0.0.1). External-apis.md §5.1.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::secrets::{SecretKey, SecretStore};
use crate::vendor::http;
use crate::vendor::retry::{self, RetryPolicy};
use crate::{Error, Result};

/// The scopes an Integration sign-in asks for: the admin people list, and the caller's own record
/// (how "Test connection" checks a token).
pub const INTEGRATION_SCOPES: &str = "spark:people_read spark-admin:people_read";

/// How long a sign-in waits for the browser to come back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// The path of the loopback redirect URI.
pub const CALLBACK_PATH: &str = "/callback";

/// Which refreshing credential this is, for the sentence when it can no longer be refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshingKind {
    ServiceApp,
    Integration,
}

/// Where a rotated refresh token goes: the connection's keyring entry.
#[derive(Clone)]
pub struct RefreshTokenSink {
    pub secrets: Arc<dyn SecretStore>,
    pub key: SecretKey,
}

/// The client id, secret and current refresh token of a Service App or an Integration.
pub struct RefreshGrant {
    pub kind: RefreshingKind,
    pub client_id: String,
    pub client_secret: SecretString,
    pub refresh_token: SecretString,
    /// `None` (a refresh token from the environment on a headless run): a rotation is only logged.
    pub sink: Option<RefreshTokenSink>,
}

/// An access token and when to stop using it.
struct Current {
    token: SecretString,
    use_until: Instant,
}

/// The access tokens of one Webex connection during one job.
pub struct WebexAuth(Auth);

enum Auth {
    /// A pasted personal token: used as is (it lasts 12 hours).
    Personal(SecretString),
    /// Refreshed through `POST /v1/access_token` before it expires and after a 401.
    Refreshing {
        grant: Box<tokio::sync::Mutex<RefreshGrant>>,
        current: tokio::sync::Mutex<Option<Current>>,
    },
}

impl WebexAuth {
    /// A pasted personal token.
    pub fn personal(token: SecretString) -> WebexAuth {
        WebexAuth(Auth::Personal(token))
    }

    /// A Service App's or Integration's refresh grant.
    pub fn refreshing(grant: RefreshGrant) -> WebexAuth {
        WebexAuth(Auth::Refreshing {
            grant: Box::new(tokio::sync::Mutex::new(grant)),
            current: tokio::sync::Mutex::new(None),
        })
    }

    /// An access token to send now: the pasted one, or a current one (refreshed when due).
    pub async fn access_token(
        &self,
        client: &reqwest::Client,
        api: &Url,
        policy: &RetryPolicy,
        cancel: &CancellationToken,
    ) -> Result<SecretString> {
        match &self.0 {
            Auth::Personal(token) => Ok(token.clone()),
            Auth::Refreshing { grant, current } => {
                let mut current = current.lock().await;
                if let Some(now) = current.as_ref().filter(|c| Instant::now() < c.use_until) {
                    return Ok(now.token.clone());
                }
                let fresh = refresh(client, api, &mut *grant.lock().await, policy, cancel).await?;
                let token = fresh.token.clone();
                *current = Some(fresh);
                Ok(token)
            }
        }
    }

    /// After a 401 with `used`: whether a new token was obtained (so the request is worth one more
    /// try). A pasted token cannot be renewed.
    pub async fn renew_after_401(
        &self,
        client: &reqwest::Client,
        api: &Url,
        used: &SecretString,
        policy: &RetryPolicy,
        cancel: &CancellationToken,
    ) -> Result<bool> {
        match &self.0 {
            Auth::Personal(_) => Ok(false),
            Auth::Refreshing { current, .. } => {
                let mut current = current.lock().await;
                // Forget the refused token, unless another request already replaced it.
                if current
                    .as_ref()
                    .is_none_or(|c| c.token.expose_secret() == used.expose_secret())
                {
                    *current = None;
                }
                drop(current);
                self.access_token(client, api, policy, cancel).await.map(|_| true)
            }
        }
    }

    /// The sentence for a 401 on an API call with a token that was just obtained or pasted.
    pub fn rejected_sentence(&self) -> String {
        match &self.0 {
            Auth::Personal(_) => "Webex rejected the access token: it is wrong or has expired (personal tokens from developer.webex.com last 12 hours). Paste a current token under Connections, or switch the connection to a Service App or an Integration sign-in, which renew themselves.".into(),
            Auth::Refreshing { .. } => "Webex rejected an access token it had just issued. Check that the Service App or Integration is still authorized for this organization (Control Hub), then test the connection under Connections.".into(),
        }
    }
}

/// `POST /v1/access_token` answers.
#[derive(Deserialize)]
pub struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: String,
}

/// Keeps a margin before expiry: a fifth of the lifetime, at most a minute.
fn use_until(expires_in: Option<u64>) -> Instant {
    let lifetime = Duration::from_secs(expires_in.unwrap_or(3600));
    let margin = (lifetime / 5).min(Duration::from_secs(60));
    Instant::now() + lifetime - margin
}

fn token_url(api: &Url) -> Result<Url> {
    api.join("/v1/access_token")
        .map_err(|e| Error::InvalidInput(format!("The Webex API URL cannot take a token path: {e}.")))
}

/// Posts a form to the token endpoint (under the retry policy) and reads the answer, or the
/// sentence for why Webex refused it.
async fn post_token(
    client: &reqwest::Client,
    api: &Url,
    form: &[(&str, &str)],
    refused: impl Fn(&str) -> String,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<TokenAnswer> {
    let url = token_url(api)?;
    let answer = retry::send(
        || client.post(url.clone()).form(form),
        &url,
        "token request",
        policy,
        cancel,
    )
    .await?;
    match answer.status.as_u16() {
        200 => answer.json("token request", &url),
        400 | 401 => {
            let error: OAuthError = serde_json::from_str(&answer.body).unwrap_or_default();
            Err(Error::AuthFailed(refused(&error.error)))
        }
        _ => Err(answer.unexpected("token request", &url)),
    }
}

/// The refresh grant: a new access token, and the rotated refresh token saved when Webex sends one.
async fn refresh(
    client: &reqwest::Client,
    api: &Url,
    grant: &mut RefreshGrant,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<Current> {
    let kind = grant.kind;
    let refused = |error: &str| {
        match (error, kind) {
        ("invalid_client" | "unauthorized_client", _) => "Webex rejected the client ID or client secret of this connection. Check them under Connections.".to_owned(),
        (_, RefreshingKind::ServiceApp) => "Webex no longer accepts this connection's Service App refresh token (it expired or the authorization was revoked). Authorize the Service App again in Control Hub and paste the new refresh token under Connections.".to_owned(),
        (_, RefreshingKind::Integration) => "Webex no longer accepts this connection's sign-in (the refresh token expired or was revoked). Under Connections, edit the connection and choose Sign in with Webex again.".to_owned(),
    }
    };
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", grant.client_id.as_str()),
        ("client_secret", grant.client_secret.expose_secret()),
        ("refresh_token", grant.refresh_token.expose_secret()),
    ];
    let answer = post_token(client, api, &form, refused, policy, cancel).await?;
    if let Some(rotated) = answer
        .refresh_token
        .filter(|t| !t.is_empty() && t != grant.refresh_token.expose_secret())
    {
        let rotated = SecretString::from(rotated);
        match &grant.sink {
            Some(sink) => save(sink.clone(), rotated.clone()).await?,
            None => tracing::warn!("Webex rotated the refresh token, which came from the environment: set the new one from the keyring or a new authorization"),
        }
        grant.refresh_token = rotated;
        tracing::info!("Webex refresh token rotated and saved");
    }
    Ok(Current {
        token: SecretString::from(answer.access_token),
        use_until: use_until(answer.expires_in),
    })
}

async fn save(sink: RefreshTokenSink, token: SecretString) -> Result<()> {
    tokio::task::spawn_blocking(move || sink.secrets.set(&sink.key, &token))
        .await
        .map_err(|e| Error::Internal(format!("the keyring call did not finish: {e}")))?
}

/// A PKCE verifier (43+ URL-safe characters from 48 random bytes) and its S256 challenge.
pub fn pkce_pair() -> (String, String) {
    let mut bytes = Vec::with_capacity(48);
    while bytes.len() < 48 {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes.truncate(48);
    let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    (verifier.clone(), pkce_challenge(&verifier))
}

/// `BASE64URL(SHA256(verifier))`, RFC 7636 §4.2.
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A sign-in under way: the loopback listener is bound and the browser URL is ready.
pub struct PendingSignIn {
    listener: TcpListener,
    api: Url,
    client_id: String,
    redirect_uri: String,
    verifier: SecretString,
    state: String,
    authorize_url: String,
}

impl PendingSignIn {
    /// Binds `127.0.0.1:port` (0: a free port) and builds the authorize URL.
    pub async fn start(api_url: &str, client_id: &str, port: u16) -> Result<PendingSignIn> {
        let api = http::parse_base_url(api_url)?;
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "CC Sync could not listen on 127.0.0.1:{port} for the sign-in ({e}). Close the program using that port, or set the redirect port to 0."
                ))
            })?;
        let bound = listener.local_addr()?.port();
        let redirect_uri = format!("http://127.0.0.1:{bound}{CALLBACK_PATH}");
        let (verifier, challenge) = pkce_pair();
        let state = uuid::Uuid::new_v4().simple().to_string();
        let mut authorize = api
            .join("/v1/authorize")
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        authorize
            .query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", INTEGRATION_SCOPES)
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(PendingSignIn {
            listener,
            api,
            client_id: client_id.to_owned(),
            redirect_uri,
            verifier: SecretString::from(verifier),
            state,
            authorize_url: authorize.to_string(),
        })
    }

    /// The URL to open in the system browser.
    pub fn authorize_url(&self) -> &str {
        &self.authorize_url
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser to come back (at most `timeout`), then exchanges the code and the
    /// PKCE verifier for tokens. Returns the refresh token.
    pub async fn finish(
        self,
        client: &reqwest::Client,
        client_secret: &SecretString,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<SecretString> {
        let params = tokio::select! {
            got = tokio::time::timeout(timeout, wait_for_callback(&self.listener)) => got.map_err(|_| {
                Error::AuthFailed(format!(
                    "The Webex sign-in did not come back within {} minutes. Choose Sign in with Webex again and finish signing in in the browser.",
                    timeout.as_secs().div_ceil(60)
                ))
            })??,
            _ = cancel.cancelled() => return Err(Error::Cancelled),
        };
        drop(self.listener);
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if get("state") != Some(self.state.as_str()) {
            return Err(Error::AuthFailed(
                "The Webex sign-in came back with an answer that does not belong to it. Choose Sign in with Webex again.".into(),
            ));
        }
        if let Some(error) = get("error") {
            return Err(Error::AuthFailed(match error {
                "access_denied" => "The Webex sign-in was declined in the browser. Choose Sign in with Webex again and accept the access CC Sync asks for.".into(),
                _ => format!("Webex refused the sign-in ({}). Check the Integration's client ID and its redirect URI ({}), then sign in again.", error.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>(), self.redirect_uri),
            }));
        }
        let code = get("code").ok_or_else(|| {
            Error::AuthFailed(
                "The Webex sign-in came back without an authorization code. Choose Sign in with Webex again.".into(),
            )
        })?;
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", client_secret.expose_secret()),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", self.verifier.expose_secret()),
        ];
        let refused = |error: &str| match error {
            "invalid_client" | "unauthorized_client" => {
                "Webex rejected the Integration's client ID or client secret. Check them under Connections.".to_owned()
            }
            _ => "Webex refused the sign-in's authorization code. Choose Sign in with Webex again.".to_owned(),
        };
        let answer = post_token(client, &self.api, &form, refused, &RetryPolicy::default(), cancel).await?;
        answer.refresh_token.filter(|t| !t.is_empty()).map(SecretString::from).ok_or_else(|| {
            Error::UnexpectedResponse(
                "Webex signed in but sent no refresh token, so the sign-in could not last. Check that the Integration is allowed to get refresh tokens.".into(),
            )
        })
    }
}

/// Serves the loopback redirect: answers other paths with 404 and returns the query of the first
/// `GET /callback`.
async fn wait_for_callback(listener: &TcpListener) -> Result<Vec<(String, String)>> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 1024];
        // Read the request head (bounded), never the body.
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && buffer.len() < 16 * 1024 {
            let read = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Err(_) => break,
                Ok(Ok(n)) => n,
                Ok(Err(_)) => break,
            };
            buffer.extend_from_slice(&chunk[..read]);
        }
        let head = String::from_utf8_lossy(&buffer);
        let target = head
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("GET "))
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or("");
        let parsed = Url::parse(&format!("http://127.0.0.1{target}")).ok();
        match parsed.filter(|u| u.path() == CALLBACK_PATH) {
            Some(url) => {
                let params: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let ok = params.iter().any(|(k, _)| k == "code");
                let page = if ok {
                    "<!doctype html><meta charset=utf-8><title>CC Sync</title><h1>Signed in to Webex</h1><p>You can close this tab and return to CC Sync.</p>"
                } else {
                    "<!doctype html><meta charset=utf-8><title>CC Sync</title><h1>Webex sign-in did not finish</h1><p>Return to CC Sync to see why.</p>"
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
                return Ok(params);
            }
            None => {
                let _ = stream
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_the_base64url_sha256_of_the_verifier() {
        // Computed independently (Python's hashlib and base64.urlsafe_b64encode, padding dropped).
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mJ0q7yWcwgpDsoiNi8OaD8B4bqR8lA"),
            "EGJpnQwsr34L7STS18UoKAd57IyCKUIZ9982GKx7F4Q"
        );
        let (verifier, challenge) = pkce_pair();
        assert!(verifier.len() >= 43 && verifier.len() <= 128);
        assert_eq!(challenge, pkce_challenge(&verifier));
        assert_ne!(pkce_pair().0, verifier);
    }

    #[test]
    fn a_token_is_used_until_shortly_before_it_expires() {
        let soon = use_until(Some(10));
        let remaining = soon.saturating_duration_since(Instant::now());
        assert!(remaining <= Duration::from_secs(8) && remaining > Duration::from_secs(7));
        let hour = use_until(Some(3600)).saturating_duration_since(Instant::now());
        assert!(hour > Duration::from_secs(3530) && hour <= Duration::from_secs(3540));
    }
}
