//! An authenticated CXone session for Admin API calls: the password grant, tenant discovery, a
//! token refreshed before it expires, and one re-authentication when a call gets 401 mid-run —
//! shared by every call in flight that saw the same token refused. A 401 on the token a fresh
//! sign-in just gave says so (it is not a missing permission). Token requests go through the
//! same retry policy as every other call.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::auth::{self, CxoneCredentials, TokenSet};
use super::ADMIN_API_PATH;
use crate::vendor::http::Answer;
use crate::vendor::retry::{self, RetryPolicy};
use crate::{Error, Result};

/// Refresh this long before the token's stated expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

struct Token {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_at: Instant,
    /// Which sign-in or refresh gave this token: calls that saw a 401 with the same generation
    /// share one new sign-in.
    generation: u64,
}

impl Token {
    fn from_set(set: TokenSet, generation: u64) -> Token {
        Token {
            access: set.access_token,
            refresh: set.refresh_token,
            expires_at: Instant::now() + Duration::from_secs(set.expires_in),
            generation,
        }
    }
}

pub struct CxoneSession {
    http: reqwest::Client,
    creds: CxoneCredentials,
    token: Mutex<Token>,
    /// `{api_endpoint}/inContactAPI/services/v34.0/`
    admin_base: Url,
    pub business_unit_id: i64,
    pub policy: RetryPolicy,
}

impl CxoneSession {
    /// Signs in and finds the tenant's API endpoint.
    pub async fn connect(http: reqwest::Client, creds: CxoneCredentials, policy: RetryPolicy) -> Result<CxoneSession> {
        let set = auth::password_grant_with(&http, &creds, &policy, &CancellationToken::new()).await?;
        let business_unit_id = set
            .claims
            .business_unit()
            .and_then(|b| b.parse().ok())
            .ok_or_else(|| Error::UnexpectedResponse("CXone's token carries no business unit (icBUId).".into()))?;
        let discovery = auth::discover(&http, &creds.auth_url, &set.claims.tenant_id).await?;
        let admin_base = discovery
            .api_endpoint
            .join(&format!("{ADMIN_API_PATH}/"))
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(CxoneSession {
            http,
            creds,
            token: Mutex::new(Token::from_set(set, 1)),
            admin_base,
            business_unit_id,
            policy,
        })
    }

    /// A current access token: refreshed (or, failing that, re-granted) when about to expire.
    async fn bearer(&self, cancel: &CancellationToken) -> Result<(SecretString, u64)> {
        let mut token = self.token.lock().await;
        if Instant::now() + REFRESH_MARGIN >= token.expires_at {
            let refreshed = match &token.refresh {
                Some(refresh) => auth::refresh_grant(&self.http, &self.creds, refresh, &self.policy, cancel)
                    .await
                    .ok(),
                None => None,
            };
            let set = match refreshed {
                Some(set) => set,
                None => auth::password_grant_with(&self.http, &self.creds, &self.policy, cancel).await?,
            };
            *token = Token::from_set(set, token.generation + 1);
        }
        Ok((token.access.clone(), token.generation))
    }

    /// Signs in again after a 401, unless another call already did since `generation` was handed
    /// out: every call that saw the same token refused shares one sign-in.
    async fn reauthenticate(&self, generation: u64, cancel: &CancellationToken) -> Result<()> {
        let mut token = self.token.lock().await;
        if token.generation == generation {
            let set = auth::password_grant_with(&self.http, &self.creds, &self.policy, cancel).await?;
            *token = Token::from_set(set, generation + 1);
        }
        Ok(())
    }

    pub fn admin_url(&self, path: &str) -> Result<Url> {
        self.admin_base.join(path).map_err(|e| Error::Internal(e.to_string()))
    }

    /// GET an Admin API path with retries; a 401 triggers one re-authentication (shared with the
    /// other calls in flight) and one more try. A 401 on that try is an error: CXone refused a
    /// token it had just issued.
    pub async fn get(&self, url: &Url, what: &str, cancel: &CancellationToken) -> Result<Answer> {
        let mut reauthenticated = false;
        loop {
            let (token, generation) = self.bearer(cancel).await?;
            let answer = retry::send(
                || {
                    self.http
                        .get(url.clone())
                        .bearer_auth(token.expose_secret())
                        .header(reqwest::header::ACCEPT, "application/json")
                },
                url,
                what,
                &self.policy,
                cancel,
            )
            .await?;
            if answer.status == reqwest::StatusCode::UNAUTHORIZED {
                if reauthenticated {
                    return Err(token_refused(what));
                }
                tracing::info!(what, "401 mid-run: signing in again");
                self.reauthenticate(generation, cancel).await?;
                reauthenticated = true;
                continue;
            }
            return Ok(answer);
        }
    }
}

/// A 401 on a token CXone had just issued: not a permission (that is a 403).
pub fn token_refused(what: &str) -> Error {
    Error::AuthFailed(format!(
        "CXone refused the access token it had just issued (HTTP 401 on the {what} request, again right after \
         signing in). This is not a missing permission: check that the auth URL and the API endpoint belong to the \
         same CXone environment and that the access key's user is active, then try again."
    ))
}
