//! CXone authentication (reference: external-apis.md §1).

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::ADMIN_API_PATH;
use crate::model::{Fact, TestOutcome};
use crate::vendor::http::{self, Answer};
use crate::vendor::retry::{self, RetryPolicy};
use crate::{Error, Result};

/// What the password grant needs. Secrets stay wrapped until the moment they are sent.
pub struct CxoneCredentials {
    pub auth_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub access_key_id: String,
    pub access_key_secret: SecretString,
}

/// A token response. The tokens are secrets too.
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_in: u64,
    pub claims: TokenClaims,
}

/// The access-token claims CC Sync reads (no signature check: the token came straight from the
/// auth server over TLS, and the API checks it on every call).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenClaims {
    #[serde(rename = "tenantId")]
    pub tenant_id: String,
    #[serde(rename = "icBUId")]
    pub business_unit_id: Option<serde_json::Value>,
    #[serde(rename = "icClusterId")]
    pub cluster: Option<String>,
    pub name: Option<String>,
}

impl TokenClaims {
    /// The business unit number; some tokens carry it as a string.
    pub fn business_unit(&self) -> Option<String> {
        match &self.business_unit_id {
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

/// Where the tenant's APIs live, from `/.well-known/cxone-configuration`.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub api_endpoint: Url,
    pub area: Option<String>,
}

#[derive(Deserialize)]
struct DiscoveryResponse {
    api_endpoint: Option<String>,
    area: Option<String>,
    region: Option<String>,
}

/// `POST {auth_url}/auth/token` with `grant_type=password` (client_secret_basic), with the
/// default retry policy.
pub async fn password_grant(client: &reqwest::Client, creds: &CxoneCredentials) -> Result<TokenSet> {
    password_grant_with(client, creds, &RetryPolicy::default(), &CancellationToken::new()).await
}

/// The password grant under `policy`: a 429 is waited out as `Retry-After` says, a 5xx retried.
pub async fn password_grant_with(
    client: &reqwest::Client,
    creds: &CxoneCredentials,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<TokenSet> {
    let form = [
        ("grant_type", "password"),
        ("username", creds.access_key_id.trim()),
        ("password", creds.access_key_secret.expose_secret()),
    ];
    token_request(client, creds, &form, policy, cancel).await
}

/// `POST {auth_url}/auth/token` with `grant_type=refresh_token`.
pub async fn refresh_grant(
    client: &reqwest::Client,
    creds: &CxoneCredentials,
    refresh_token: &SecretString,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<TokenSet> {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", creds.client_id.trim()),
        ("refresh_token", refresh_token.expose_secret()),
    ];
    token_request(client, creds, &form, policy, cancel).await
}

/// Every token request goes through the retry policy, like every other call.
async fn token_request(
    client: &reqwest::Client,
    creds: &CxoneCredentials,
    form: &[(&str, &str)],
    policy: &RetryPolicy,
    cancel: &CancellationToken,
) -> Result<TokenSet> {
    let base = http::parse_base_url(&creds.auth_url)?;
    let url = base
        .join("/auth/token")
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
        let claims = read_claims(&token.access_token)?;
        return Ok(TokenSet {
            access_token: SecretString::from(token.access_token),
            refresh_token: token.refresh_token.map(SecretString::from),
            expires_in: token.expires_in.unwrap_or(3600),
            claims,
        });
    }
    Err(token_error(&answer, &url))
}

/// Maps a refused token request to what the administrator should check.
fn token_error(answer: &Answer, url: &Url) -> Error {
    let parsed: Option<OAuthError> = serde_json::from_str(&answer.body).ok();
    let status = answer.status.as_u16();
    match parsed.as_ref().map(|e| e.error.as_str()) {
        Some("invalid_client" | "unauthorized_client") => Error::AuthFailed(
            "CXone rejected the client ID or client secret. Check both under Connections; they come from the \
             application registration, not from the access key."
                .into(),
        ),
        Some("invalid_grant") => Error::AuthFailed(
            "CXone rejected the access key. Check the access key ID and secret under Connections, and that the \
             key is active for its user."
                .into(),
        ),
        Some(other) => Error::AuthFailed(format!(
            "CXone refused the token request ({other}: {}). Check the connection settings.",
            parsed.as_ref().and_then(|e| e.error_description.clone()).unwrap_or_default()
        )),
        None if status == 401 || status == 403 => Error::AuthFailed(format!(
            "CXone refused the credentials (HTTP {status}). Check the client ID, client secret and access key under Connections."
        )),
        None => answer.unexpected("token request", url),
    }
}

/// Reads the claims from the middle part of a JWT.
fn read_claims(access_token: &str) -> Result<TokenClaims> {
    let not_jwt = || {
        Error::UnexpectedResponse(
            "CXone returned an access token CC Sync cannot read (it is not a JWT carrying tenantId). \
             Check that the auth URL is the CXone global auth host."
                .into(),
        )
    };
    let payload = access_token.split('.').nth(1).ok_or_else(not_jwt)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| not_jwt())?;
    serde_json::from_slice(&bytes).map_err(|_| not_jwt())
}

/// `GET {auth_url}/.well-known/cxone-configuration?tenantId=…` → the API endpoint.
pub async fn discover(client: &reqwest::Client, auth_url: &str, tenant_id: &str) -> Result<Discovery> {
    let base = http::parse_base_url(auth_url)?;
    let mut url = base
        .join("/.well-known/cxone-configuration")
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    url.query_pairs_mut().append_pair("tenantId", tenant_id);
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| http::transport_error(e, &url))?;
    let answer = Answer::read(response, &url).await?;
    if answer.status == reqwest::StatusCode::NOT_FOUND {
        return Err(Error::UnexpectedResponse(format!(
            "Tenant discovery at {} does not know tenant {tenant_id}. FedRAMP tenants use https://cxone-gov.niceincontact.com as the auth URL.",
            http::origin(&base)
        )));
    }
    if !answer.status.is_success() {
        return Err(answer.unexpected("tenant discovery", &url));
    }
    let found: DiscoveryResponse = answer.json("tenant discovery", &url)?;
    let endpoint = found
        .api_endpoint
        .ok_or_else(|| answer.unexpected("tenant discovery", &url))?;
    let api_endpoint = http::parse_base_url(&endpoint)?;
    Ok(Discovery {
        api_endpoint,
        area: found.area.or(found.region),
    })
}

#[derive(Deserialize)]
struct BusinessUnits {
    #[serde(rename = "businessUnits", default)]
    business_units: Vec<BusinessUnit>,
}

#[derive(Deserialize)]
struct BusinessUnit {
    #[serde(rename = "businessUnitName")]
    name: Option<String>,
}

/// The business unit's name, or `None` when the API user may not read it (403) — the number from
/// the token is still shown then.
async fn business_unit_name(
    client: &reqwest::Client,
    discovery: &Discovery,
    token: &SecretString,
) -> Result<Option<String>> {
    let url = discovery
        .api_endpoint
        .join(&format!("{ADMIN_API_PATH}/business-unit"))
        .map_err(|e| Error::Internal(e.to_string()))?;
    let response = client
        .get(url.clone())
        .bearer_auth(token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| http::transport_error(e, &url))?;
    let answer = Answer::read(response, &url).await?;
    match answer.status.as_u16() {
        200 => Ok(answer
            .json::<BusinessUnits>("business unit request", &url)?
            .business_units
            .into_iter()
            .find_map(|b| b.name)),
        401 | 403 => Ok(None),
        _ => Err(answer.unexpected("business unit request", &url)),
    }
}

/// The whole "Test connection" for CXone: token, claims, discovery, business unit.
pub async fn test_connection(client: &reqwest::Client, creds: &CxoneCredentials) -> Result<TestOutcome> {
    let token = password_grant(client, creds).await?;
    let discovery = discover(client, &creds.auth_url, &token.claims.tenant_id).await?;
    let bu_name = business_unit_name(client, &discovery, &token.access_token).await?;
    let bu_number = token.claims.business_unit().unwrap_or_else(|| "unknown".into());
    let api = discovery.api_endpoint.as_str().trim_end_matches('/').to_owned();
    let bu_label = match &bu_name {
        Some(name) => format!("{bu_number} ({name})"),
        None => bu_number.clone(),
    };
    let mut facts = vec![
        Fact {
            label: "Business unit".into(),
            value: bu_label.clone(),
        },
        Fact {
            label: "API endpoint".into(),
            value: api.clone(),
        },
        Fact {
            label: "Tenant ID".into(),
            value: token.claims.tenant_id.clone(),
        },
    ];
    if let Some(area) = &discovery.area {
        facts.push(Fact {
            label: "Area".into(),
            value: area.clone(),
        });
    }
    if let Some(cluster) = &token.claims.cluster {
        facts.push(Fact {
            label: "Cluster".into(),
            value: cluster.clone(),
        });
    }
    if let Some(user) = &token.claims.name {
        facts.push(Fact {
            label: "API user".into(),
            value: user.clone(),
        });
    }
    Ok(TestOutcome {
        summary: format!("Connected to business unit {bu_label} at {api}."),
        facts,
        business_unit: token
            .claims
            .business_unit()
            .and_then(|n| n.parse().ok())
            .map(|n| (n, bu_name)),
    })
}
