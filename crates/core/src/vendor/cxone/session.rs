//! An authenticated CXone session for Admin API calls: the password grant, tenant discovery, a
//! token refreshed before it expires, and one re-authentication when a call gets 401 mid-run.

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
}

impl Token {
    fn from_set(set: TokenSet) -> Token {
        Token {
            access: set.access_token,
            refresh: set.refresh_token,
            expires_at: Instant::now() + Duration::from_secs(set.expires_in),
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
        let set = auth::password_grant(&http, &creds).await?;
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
            token: Mutex::new(Token::from_set(set)),
            admin_base,
            business_unit_id,
            policy,
        })
    }

    /// A current access token: refreshed (or, failing that, re-granted) when about to expire.
    async fn bearer(&self) -> Result<SecretString> {
        let mut token = self.token.lock().await;
        if Instant::now() + REFRESH_MARGIN >= token.expires_at {
            let refreshed = match &token.refresh {
                Some(refresh) => auth::refresh_grant(&self.http, &self.creds, refresh).await.ok(),
                None => None,
            };
            let set = match refreshed {
                Some(set) => set,
                None => auth::password_grant(&self.http, &self.creds).await?,
            };
            *token = Token::from_set(set);
        }
        Ok(token.access.clone())
    }

    /// Signs in again after a 401, unless another task already did since `stale` was handed out.
    async fn reauthenticate(&self, stale: &SecretString) -> Result<()> {
        let mut token = self.token.lock().await;
        if token.access.expose_secret() == stale.expose_secret() {
            *token = Token::from_set(auth::password_grant(&self.http, &self.creds).await?);
        }
        Ok(())
    }

    pub fn admin_url(&self, path: &str) -> Result<Url> {
        self.admin_base.join(path).map_err(|e| Error::Internal(e.to_string()))
    }

    /// GET an Admin API path with retries; a 401 triggers one re-authentication and one more try.
    pub async fn get(&self, url: &Url, what: &str, cancel: &CancellationToken) -> Result<Answer> {
        let mut reauthenticated = false;
        loop {
            let token = self.bearer().await?;
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
            if answer.status == reqwest::StatusCode::UNAUTHORIZED && !reauthenticated {
                tracing::info!(what, "401 mid-run: signing in again");
                self.reauthenticate(&token).await?;
                reauthenticated = true;
                continue;
            }
            return Ok(answer);
        }
    }
}
