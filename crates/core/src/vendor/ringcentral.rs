//! RingCentral: JWT-bearer token grant and the caller's own extension (external-apis.md §4).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::model::{Fact, TestOutcome};
use crate::vendor::http::{self, Answer};
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
    let base = http::parse_base_url(&creds.server_url)?;
    let url = base
        .join("/restapi/oauth/token")
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let response = client
        .post(url.clone())
        .basic_auth(creds.client_id.trim(), Some(creds.client_secret.expose_secret()))
        .form(&[
            ("grant_type", JWT_GRANT),
            ("assertion", creds.jwt.expose_secret().trim()),
        ])
        .send()
        .await
        .map_err(|e| http::transport_error(e, &url))?;
    let answer = Answer::read(response, &url).await?;
    if answer.status.is_success() {
        return Ok(SecretString::from(
            answer.json::<TokenResponse>("token request", &url)?.access_token,
        ));
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
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Vec<super::directory::ExternalAccount>> {
        let token = token(&self.http, &self.creds).await?;
        let base = http::parse_base_url(&self.creds.server_url)?;
        let mut accounts = Vec::new();
        let mut page = 1u32;
        loop {
            let mut url = base
                .join("/restapi/v1.0/account/~/extension")
                .map_err(|e| Error::Internal(e.to_string()))?;
            url.query_pairs_mut()
                .append_pair("type", "User")
                .append_pair("perPage", "1000")
                .append_pair("page", &page.to_string());
            let answer = crate::vendor::retry::send(
                || self.http.get(url.clone()).bearer_auth(token.expose_secret()),
                &url,
                "extension list",
                &self.policy,
                cancel,
            )
            .await?;
            if !answer.status.is_success() {
                return Err(answer.unexpected("extension list", &url));
            }
            let list: ExtensionList = answer.json("extension list", &url)?;
            accounts.extend(list.records.into_iter().filter_map(|record| {
                let extension: Extension = serde_json::from_value(record.clone()).ok()?;
                let kind = record.get("type").and_then(|t| t.as_str()).unwrap_or("User");
                let status = record.get("status").and_then(|s| s.as_str()).unwrap_or("");
                Some(super::directory::ExternalAccount {
                    id: json_id(&extension.id),
                    name: extension.name.unwrap_or_default(),
                    emails: extension.contact.and_then(|c| c.email).into_iter().collect(),
                    active: kind == "User" && status == "Enabled",
                    raw: record.to_string(),
                })
            }));
            progress.report(crate::progress::event(
                "fetching",
                accounts.len() as u64,
                list.paging.and_then(|p| p.total_elements),
            ));
            if list.navigation.and_then(|n| n.next_page).is_none() {
                return Ok(accounts);
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
