//! RingCentral: JWT-bearer token grant and the caller's own extension (external-apis.md §4), and
//! the extension list read like a long-lived client: every token request through the retry policy
//! (the Auth group allows about five a minute), the token refreshed before it expires, one new JWT
//! grant when a call gets 401 mid-list (shared by whoever saw it), a cut-off page read again, and
//! paging bounded (see [`http::PageGuard`]).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::model::{Fact, TestOutcome};
use crate::vendor::http::{self, Answer};
use crate::vendor::retry::{self, RetryPolicy};
use crate::{Error, Result};

pub const DEFAULT_SERVER_URL: &str = "https://platform.ringcentral.com";
const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub struct RingCentralCredentials {
    pub server_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub jwt: SecretString,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct RcError {
    error: Option<String>,
    #[serde(default)]
    errors: Vec<RcErrorItem>,
}

#[derive(Deserialize)]
struct RcErrorItem {
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
}

#[derive(Deserialize)]
struct Extension {
    id: serde_json::Value,
    #[serde(rename = "extensionNumber")]
    extension_number: Option<String>,
    name: Option<String>,
    contact: Option<Contact>,
    account: Option<Account>,
}

#[derive(Deserialize)]
struct Contact {
    email: Option<String>,
}

#[derive(Deserialize)]
struct Account {
    id: serde_json::Value,
}

/// Gets an access token with the JWT credential.
pub async fn token(client: &reqwest::Client, creds: &RingCentralCredentials) -> Result<SecretString> {
    let form = [
        ("grant_type", JWT_GRANT),
        ("assertion", creds.jwt.expose_secret().trim()),
    ];
    let set = token_request(client, creds, &form, &RetryPolicy::default(), &CancellationToken::new()).await?;
    Ok(set.access)
}

/// A token answer: the access token, the refresh token, and when the access token expires.
struct TokenSet {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_in: Duration,
}

/// `POST {server}/restapi/oauth/token` (client_secret_basic) through the retry policy: a 429 is
/// waited out as `Retry-After` says, a 5xx retried with backoff.
async fn token_request(
    client: &reqwest::Client,
    creds: &RingCentralCredentials,
    form: &[(&str, &str)],
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<TokenSet> {
    let base = http::parse_base_url(&creds.server_url)?;
    let url = base
        .join("/restapi/oauth/token")
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let answer = retry::send(
        || {
            client
                .post(url.clone())
                .basic_auth(creds.client_id.trim(), Some(creds.client_secret.expose_secret()))
                .header(reqwest::header::ACCEPT, "application/json")
                .form(form)
        },
        &url,
        "token request",
        policy,
        cancel,
    )
    .await?;
    if answer.status.is_success() {
        let token: TokenResponse = answer.json("token request", &url)?;
        return Ok(TokenSet {
            access: SecretString::from(token.access_token),
            refresh: token.refresh_token.map(SecretString::from),
            expires_in: Duration::from_secs(token.expires_in.unwrap_or(3600)),
        });
    }
    let parsed: Option<RcError> = serde_json::from_str(&answer.body).ok();
    let Some(parsed) = parsed else {
        return Err(answer.unexpected("token request", &url));
    };
    let code = parsed
        .errors
        .iter()
        .find_map(|e| e.error_code.clone())
        .unwrap_or_default();
    Err(match parsed.error.as_deref() {
        Some("invalid_client" | "unauthorized_client") => Error::AuthFailed(
            "RingCentral rejected the client ID or client secret. Check them against the app in the RingCentral developer console.".into(),
        ),
        Some("invalid_grant") => Error::AuthFailed(
            "RingCentral rejected the JWT credential: it may be revoked, expired, or made for another app. Create a new JWT credential and paste it under Connections.".into(),
        ),
        other => Error::AuthFailed(format!(
            "RingCentral refused the token request ({}{}). Check the connection settings.",
            other.unwrap_or("error"),
            if code.is_empty() { String::new() } else { format!(", {code}") }
        )),
    })
}

/// Token grant, then `GET /restapi/v1.0/account/~/extension/~`.
pub async fn test_connection(client: &reqwest::Client, creds: &RingCentralCredentials) -> Result<TestOutcome> {
    let token = token(client, creds).await?;
    let base = http::parse_base_url(&creds.server_url)?;
    let url = base
        .join("/restapi/v1.0/account/~/extension/~")
        .map_err(|e| Error::Internal(e.to_string()))?;
    let response = client
        .get(url.clone())
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .map_err(|e| http::transport_error(e, &url))?;
    let answer = Answer::read(response, &url).await?;
    if !answer.status.is_success() {
        return Err(answer.unexpected("identity request", &url));
    }
    let me: Extension = answer.json("identity request", &url)?;
    let name = me.name.unwrap_or_else(|| "unnamed".into());
    let mut facts = vec![Fact {
        label: "Signed in as".into(),
        value: name.clone(),
    }];
    if let Some(number) = &me.extension_number {
        facts.push(Fact {
            label: "Extension".into(),
            value: number.clone(),
        });
    }
    if let Some(email) = me.contact.and_then(|c| c.email) {
        facts.push(Fact {
            label: "Email".into(),
            value: email,
        });
    }
    let account = me.account.map(|a| json_id(&a.id));
    if let Some(account) = &account {
        facts.push(Fact {
            label: "Account".into(),
            value: account.clone(),
        });
    }
    facts.push(Fact {
        label: "Extension ID".into(),
        value: json_id(&me.id),
    });
    Ok(TestOutcome {
        summary: format!(
            "Signed in to RingCentral as {name}{}.",
            account.map(|a| format!(" (account {a})")).unwrap_or_default()
        ),
        facts,
        business_unit: None,
    })
}

fn json_id(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// RingCentral's user directory: `GET /restapi/v1.0/account/~/extension?type=User`, 1,000 a page,
/// until `navigation.nextPage` is absent. A 429 is waited out (`Retry-After`, else 30 s) before
/// anything else is sent.
pub struct RingCentralDirectory {
    pub http: reqwest::Client,
    pub creds: RingCentralCredentials,
    pub policy: crate::vendor::retry::RetryPolicy,
}

/// Records asked for per page (RingCentral's maximum).
const PER_PAGE: u64 = 1000;

/// The current access token, and which sign-in gave it (so tasks that saw the same 401 share one
/// new sign-in).
struct Token {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_at: Instant,
    /// Renew this long before `expires_at`: a minute, or a quarter of a short lifetime.
    margin: Duration,
    generation: u64,
}

/// A signed-in RingCentral client for one listing.
struct Session<'a> {
    http: &'a reqwest::Client,
    creds: &'a RingCentralCredentials,
    policy: &'a RetryPolicy,
    token: tokio::sync::Mutex<Token>,
}

impl<'a> Session<'a> {
    async fn connect(dir: &'a RingCentralDirectory, cancel: &CancellationToken) -> Result<Session<'a>> {
        let set = Self::jwt_grant(&dir.http, &dir.creds, &dir.policy, cancel).await?;
        Ok(Session {
            http: &dir.http,
            creds: &dir.creds,
            policy: &dir.policy,
            token: tokio::sync::Mutex::new(Token::from_set(set, 1)),
        })
    }

    async fn jwt_grant(
        client: &reqwest::Client,
        creds: &RingCentralCredentials,
        policy: &RetryPolicy,
        cancel: &CancellationToken,
    ) -> Result<TokenSet> {
        let form = [
            ("grant_type", JWT_GRANT),
            ("assertion", creds.jwt.expose_secret().trim()),
        ];
        token_request(client, creds, &form, policy, cancel).await
    }

    /// A current access token: refreshed (or, failing that, granted again from the JWT) when
    /// about to expire.
    async fn bearer(&self, cancel: &CancellationToken) -> Result<(SecretString, u64)> {
        let mut token = self.token.lock().await;
        if Instant::now() + token.margin >= token.expires_at {
            let refreshed = match &token.refresh {
                Some(refresh) => {
                    let form = [
                        ("grant_type", "refresh_token"),
                        ("refresh_token", refresh.expose_secret()),
                    ];
                    token_request(self.http, self.creds, &form, self.policy, cancel)
                        .await
                        .ok()
                }
                None => None,
            };
            let set = match refreshed {
                Some(set) => set,
                None => Self::jwt_grant(self.http, self.creds, self.policy, cancel).await?,
            };
            *token = Token::from_set(set, token.generation + 1);
        }
        Ok((token.access.clone(), token.generation))
    }

    /// Signs in again (JWT grant) after a 401, unless another call already did since `generation`.
    async fn reauthenticate(&self, generation: u64, cancel: &CancellationToken) -> Result<()> {
        let mut token = self.token.lock().await;
        if token.generation == generation {
            let set = Self::jwt_grant(self.http, self.creds, self.policy, cancel).await?;
            *token = Token::from_set(set, generation + 1);
        }
        Ok(())
    }

    /// One page of the extension list: retries as the policy says, one new sign-in on a 401, and
    /// the page read again when its JSON arrives cut off.
    async fn page(&self, url: &Url, page: u64, cancel: &CancellationToken) -> Result<ExtensionList> {
        let mut signed_in_again = false;
        let mut unreadable = 0;
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
                "extension list",
                self.policy,
                cancel,
            )
            .await?;
            if answer.status == reqwest::StatusCode::UNAUTHORIZED {
                if signed_in_again {
                    return Err(Error::AuthFailed(
                        "RingCentral refused the access token it had just issued (HTTP 401 on the extension list right \
                         after signing in again). Check that the server URL is the RingCentral environment the app and \
                         JWT credential were made for (production or sandbox), then try again."
                            .into(),
                    ));
                }
                tracing::info!(page, "401 mid-list: signing in to RingCentral again");
                self.reauthenticate(generation, cancel).await?;
                signed_in_again = true;
                continue;
            }
            if answer.status == reqwest::StatusCode::FORBIDDEN {
                return Err(Error::AuthFailed(
                    "RingCentral refused to list the extensions (HTTP 403): the app needs the ReadAccounts permission \
                     and the JWT's user the ReadExtensions permission."
                        .into(),
                ));
            }
            if !answer.status.is_success() {
                return Err(answer.unexpected("extension list", url));
            }
            match serde_json::from_str::<ExtensionList>(&answer.body) {
                Ok(list) => return Ok(list),
                // JSON that starts but does not parse: the transfer was cut off. Read it again.
                Err(_) if looks_like_json(&answer) => {
                    unreadable += 1;
                    if unreadable >= self.policy.max_attempts {
                        return Err(Error::UnexpectedResponse(format!(
                            "RingCentral's answer to the extension list request (page {page}) could not be read: the \
                             JSON was cut off or malformed {unreadable} times in a row. This is usually the network or a \
                             proxy cutting the transfer short; try again later."
                        )));
                    }
                    tracing::info!(page, "cut-off extension page, reading it again");
                }
                Err(_) => return Err(answer.unexpected("extension list", url)),
            }
        }
    }
}

impl Token {
    fn from_set(set: TokenSet, generation: u64) -> Token {
        Token {
            access: set.access,
            refresh: set.refresh,
            expires_at: Instant::now() + set.expires_in,
            margin: (set.expires_in / 4).min(Duration::from_secs(60)),
            generation,
        }
    }
}

/// A body that claims to be JSON (by content type or by its first character).
fn looks_like_json(answer: &Answer) -> bool {
    answer.content_type.contains("json") || answer.body.trim_start().starts_with(['{', '['])
}

impl RingCentralDirectory {
    /// RingCentral's documented wait after a 429 without `Retry-After`.
    pub fn default_policy() -> crate::vendor::retry::RetryPolicy {
        crate::vendor::retry::RetryPolicy {
            rate_limit_default: std::time::Duration::from_secs(30),
            ..Default::default()
        }
    }

    async fn list(
        &self,
        progress: &dyn crate::progress::Progress,
        cancel: &CancellationToken,
    ) -> Result<Vec<super::directory::ExternalAccount>> {
        let base = http::parse_base_url(&self.creds.server_url)?;
        let session = Session::connect(self, cancel).await?;
        let mut guard = http::PageGuard::new("RingCentral's extension list", &base);
        let mut seen = HashSet::new();
        let mut accounts = Vec::new();
        let mut page = 1u64;
        loop {
            let mut url = base
                .join("/restapi/v1.0/account/~/extension")
                .map_err(|e| Error::Internal(e.to_string()))?;
            url.query_pairs_mut()
                .append_pair("type", "User")
                .append_pair("perPage", &PER_PAGE.to_string())
                .append_pair("page", &page.to_string());
            let list = session.page(&url, page, cancel).await?;
            let on_page = list.records.len();
            let before = accounts.len();
            accounts.extend(list.records.into_iter().filter_map(|record| {
                let extension: Extension = serde_json::from_value(record.clone()).ok()?;
                let id = json_id(&extension.id);
                if !seen.insert(id.clone()) {
                    return None;
                }
                let kind = record.get("type").and_then(|t| t.as_str()).unwrap_or("User");
                let status = record.get("status").and_then(|s| s.as_str()).unwrap_or("");
                Some(super::directory::ExternalAccount {
                    id,
                    name: extension.name.unwrap_or_default(),
                    emails: extension.contact.and_then(|c| c.email).into_iter().collect(),
                    active: kind == "User" && status == "Enabled",
                    raw: record.to_string(),
                })
            }));
            let total = list.paging.and_then(|p| p.total_elements);
            guard.page(on_page, accounts.len() - before, total, PER_PAGE)?;
            progress.report(crate::progress::event("fetching", accounts.len() as u64, total));
            let Some(next) = list.navigation.and_then(|n| n.next_page) else {
                return Ok(accounts);
            };
            // Pages are asked for by number; the link the server gave must still be its own.
            if let Some(uri) = next.get("uri").and_then(|u| u.as_str()) {
                guard.next_url(uri, &url)?;
            }
            page += 1;
        }
    }
}

#[derive(Deserialize)]
struct ExtensionList {
    #[serde(default)]
    records: Vec<serde_json::Value>,
    paging: Option<Paging>,
    navigation: Option<Navigation>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(rename = "totalElements")]
    total_elements: Option<u64>,
}

#[derive(Deserialize)]
struct Navigation {
    #[serde(rename = "nextPage")]
    next_page: Option<serde_json::Value>,
}

impl super::directory::Directory for RingCentralDirectory {
    fn platform(&self) -> super::directory::Platform {
        super::directory::Platform::Ringcentral
    }

    fn list_accounts<'a>(
        &'a self,
        progress: &'a dyn crate::progress::Progress,
        cancel: &'a tokio_util::sync::CancellationToken,
    ) -> futures::future::BoxFuture<'a, Result<Vec<super::directory::ExternalAccount>>> {
        Box::pin(self.list(progress, cancel))
    }
}
