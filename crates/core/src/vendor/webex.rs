//! Webex: a bearer token checked with `GET /v1/people/me` (external-apis.md §5). The token is a
//! pasted personal one or comes from a refresh grant ([`super::webex_oauth`]).

use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::model::{Fact, TestOutcome};
use crate::vendor::http::{self, Answer};
use crate::{Error, Result};

pub const DEFAULT_API_URL: &str = "https://webexapis.com";

pub struct WebexCredentials {
    pub api_url: String,
    pub auth: WebexAuth,
}

pub use super::webex_oauth::WebexAuth;

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
    let token = creds
        .auth
        .access_token(
            client,
            &base,
            &crate::vendor::retry::RetryPolicy::default(),
            &tokio_util::sync::CancellationToken::new(),
        )
        .await?;
    let response = client
        .get(url.clone())
        .bearer_auth(token.expose_secret().trim())
        .send()
        .await
        .map_err(|e| http::transport_error(e, &url))?;
    let answer = Answer::read(response, &url).await?;
    match answer.status.as_u16() {
        200 => {}
        401 => return Err(Error::AuthFailed(creds.auth.rejected_sentence())),
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
        business_unit: None,
    })
}

/// Webex's people: `GET /v1/people?max=1000`, following the `Link: <…>; rel="next"` URL verbatim.
pub struct WebexDirectory {
    pub http: reqwest::Client,
    pub creds: WebexCredentials,
    pub policy: crate::vendor::retry::RetryPolicy,
}

#[derive(Deserialize)]
struct People {
    #[serde(default)]
    items: Vec<serde_json::Value>,
}

/// The `rel="next"` URL of a `Link` header, if any.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let value = headers.get(reqwest::header::LINK)?.to_str().ok()?;
    value.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"")
            .then(|| url.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
    })
}

/// `true`, `"true"` and absent all mean yes; Webex sends some booleans as strings.
fn flag(value: Option<&serde_json::Value>, default: bool) -> bool {
    match value {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => default,
    }
}

impl WebexDirectory {
    /// One page with a current access token; after a 401, once more with a renewed one (a token
    /// that expired mid-list). A second 401 is returned to the caller.
    async fn get_page(
        &self,
        base: &url::Url,
        url: &url::Url,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Answer> {
        let auth = &self.creds.auth;
        let mut token = auth.access_token(&self.http, base, &self.policy, cancel).await?;
        let mut renewed = false;
        loop {
            let bearer = token.expose_secret().trim().to_owned();
            let answer = crate::vendor::retry::send(
                || self.http.get(url.clone()).bearer_auth(&bearer),
                url,
                "people list",
                &self.policy,
                cancel,
            )
            .await?;
            if answer.status.as_u16() != 401
                || renewed
                || !auth
                    .renew_after_401(&self.http, base, &token, &self.policy, cancel)
                    .await?
            {
                return Ok(answer);
            }
            renewed = true;
            token = auth.access_token(&self.http, base, &self.policy, cancel).await?;
        }
    }

    async fn list(
        &self,
        progress: &dyn crate::progress::Progress,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<Vec<super::directory::ExternalAccount>> {
        let base = http::parse_base_url(&self.creds.api_url)?;
        let mut url = base.join("/v1/people").map_err(|e| Error::Internal(e.to_string()))?;
        url.query_pairs_mut().append_pair("max", "1000");
        let mut accounts = Vec::new();
        // The Link URL is followed verbatim, so it must stay on the API's origin, never repeat,
        // and every page must bring people not seen before (Webex reports no total).
        let mut guard = http::PageGuard::new("Webex's people list", &base);
        let mut seen = std::collections::HashSet::new();
        loop {
            let answer = self.get_page(&base, &url, cancel).await?;
            let next = next_link(&answer.headers);
            if answer.status.as_u16() == 401 {
                return Err(Error::AuthFailed(self.creds.auth.rejected_sentence()));
            }
            if !answer.status.is_success() {
                return Err(answer.unexpected("people list", &url));
            }
            let people: People = answer.json("people list", &url)?;
            let on_page = people.items.len();
            let before = accounts.len();
            let fresh = people.items.into_iter().filter(|person| {
                let id = person.get("id").and_then(|i| i.as_str()).unwrap_or_default();
                seen.insert(id.to_owned())
            });
            accounts.extend(fresh.map(|person| {
                let emails = person
                    .get("emails")
                    .and_then(|e| e.as_array())
                    .map(|list| list.iter().filter_map(|e| e.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                // `status` is presence (idle people read "inactive"); only loginEnabled says deactivated.
                let deactivated = !flag(person.get("loginEnabled"), true);
                super::directory::ExternalAccount {
                    id: person.get("id").and_then(|i| i.as_str()).unwrap_or_default().to_owned(),
                    name: person
                        .get("displayName")
                        .and_then(|n| n.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    emails,
                    active: !deactivated,
                    raw: person.to_string(),
                }
            }));
            guard.page(on_page, accounts.len() - before, None, 1000)?;
            progress.report(crate::progress::event("fetching", accounts.len() as u64, None));
            match next {
                // Followed verbatim, but only on the API's own origin (the token goes with it).
                Some(next) => url = guard.next_url(&next, &url)?,
                None => return Ok(accounts),
            }
        }
    }
}

impl super::directory::Directory for WebexDirectory {
    fn platform(&self) -> super::directory::Platform {
        super::directory::Platform::Webex
    }

    fn list_accounts<'a>(
        &'a self,
        progress: &'a dyn crate::progress::Progress,
        cancel: &'a tokio_util::sync::CancellationToken,
    ) -> futures::future::BoxFuture<'a, Result<Vec<super::directory::ExternalAccount>>> {
        Box::pin(self.list(progress, cancel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_others() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            "<https://webexapis.com/v1/people?cursor=a>; rel=\"prev\", <https://webexapis.com/v1/people?max=2&cursor=b>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://webexapis.com/v1/people?max=2&cursor=b")
        );
        assert_eq!(next_link(&reqwest::header::HeaderMap::new()), None);
    }
}
