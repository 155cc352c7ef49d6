//! Webex: a bearer token checked with `GET /v1/people/me` (external-apis.md §5).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::http::{self, Answer};
use crate::model::{Fact, TestOutcome};
use crate::{Error, Result};

pub const DEFAULT_API_URL: &str = "https://webexapis.com";

pub struct WebexCredentials {
    pub api_url: String,
    pub access_token: SecretString,
}

#[derive(Deserialize)]
struct Person {
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    #[serde(default)]
    emails: Vec<String>,
    #[serde(rename = "orgId")]
    org_id: Option<String>,
}

pub async fn test_connection(client: &reqwest::Client, creds: &WebexCredentials) -> Result<TestOutcome> {
    let base = http::parse_base_url(&creds.api_url)?;
    let url = base
        .join("/v1/people/me")
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let response = client
        .get(url.clone())
        .bearer_auth(creds.access_token.expose_secret().trim())
        .send()
        .await
        .map_err(|e| http::transport_error(e, &url))?;
    let answer = Answer::read(response, &url).await?;
    match answer.status.as_u16() {
        200 => {}
        401 => {
            return Err(Error::AuthFailed(
                "Webex rejected the access token: it is wrong or has expired (personal tokens from developer.webex.com last 12 hours). Paste a current token under Connections.".into(),
            ))
        }
        403 => {
            return Err(Error::AuthFailed(
                "Webex accepted the token but refused the request: the token lacks the spark-admin:people_read scope or the user is not an administrator.".into(),
            ))
        }
        _ => return Err(answer.unexpected("identity request", &url)),
    }
    let me: Person = answer.json("identity request", &url)?;
    let name = me.display_name.unwrap_or_else(|| "unnamed".into());
    let mut facts = vec![Fact {
        label: "Signed in as".into(),
        value: name.clone(),
    }];
    if let Some(email) = me.emails.first() {
        facts.push(Fact {
            label: "Email".into(),
            value: email.clone(),
        });
    }
    if let Some(org) = &me.org_id {
        facts.push(Fact {
            label: "Organization ID".into(),
            value: org.clone(),
        });
    }
    Ok(TestOutcome {
        summary: format!("Signed in to Webex as {name}."),
        facts,
    })
}
