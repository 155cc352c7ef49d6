//! CXone security profiles (`GET /security-profiles`), read page by page: the permission gate of
//! Auto Sync asks which profiles carry a permission key. The list has no total, so pages are read
//! until a short or empty one (204), and a page that brings no new profile stops the read with an
//! error instead of looping on a server that ignores `skip`.

use std::collections::HashSet;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::session::CxoneSession;
use crate::{Error, Result};

/// Profiles per request (CXone's lists take up to several thousand; profiles are few).
pub const PAGE_SIZE: u32 = 100;
/// More pages than any tenant has profiles for: past it the server is not paging.
const MAX_PAGES: u32 = 1000;

/// One security profile: its id (what an agent's `profileId` names) and its permission keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityProfile {
    pub id: String,
    pub name: String,
    pub permission_keys: Vec<String>,
}

impl SecurityProfile {
    pub fn grants(&self, permission_key: &str) -> bool {
        self.permission_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(permission_key))
    }
}

/// Every security profile of the business unit, `page_size` at a time.
pub async fn security_profiles(
    session: &CxoneSession,
    page_size: u32,
    cancel: &CancellationToken,
) -> Result<Vec<SecurityProfile>> {
    let mut profiles = Vec::new();
    let mut seen = HashSet::new();
    for page in 0..MAX_PAGES {
        let mut url = session.admin_url("security-profiles")?;
        url.query_pairs_mut()
            .append_pair("skip", &(page * page_size).to_string())
            .append_pair("top", &page_size.to_string());
        let answer = session.get(&url, "security profiles", cancel).await?;
        if answer.status == reqwest::StatusCode::NO_CONTENT {
            return Ok(profiles);
        }
        if !answer.status.is_success() {
            return Err(Error::UnexpectedResponse(format!(
                "CXone answered the security profiles request with HTTP {}; the permission gate needs them \
                 (or turn the gate off on the User Mapping screen).",
                answer.status.as_u16()
            )));
        }
        let body: Value = answer.json("security profiles request", &url)?;
        let page_profiles = read_page(&body, url.host_str().unwrap_or("the server"))?;
        let read = page_profiles.len();
        let before = profiles.len();
        for profile in page_profiles {
            if seen.insert(profile.id.clone()) {
                profiles.push(profile);
            }
        }
        if read < page_size as usize {
            return Ok(profiles);
        }
        if profiles.len() == before {
            return Err(Error::UnexpectedResponse(format!(
                "CXone sent the same security profiles again for page {} (it ignores skip); stopped instead of \
                 reading forever.",
                page + 1
            )));
        }
    }
    Err(Error::UnexpectedResponse(format!(
        "CXone sent more than {MAX_PAGES} pages of security profiles; stopped instead of reading forever."
    )))
}

/// The profiles of one answer; an answer without a `profiles` list is not a page of profiles
/// (reading it as "no profiles" would skip every user).
fn read_page(body: &Value, host: &str) -> Result<Vec<SecurityProfile>> {
    let items = body.get("profiles").and_then(Value::as_array).ok_or_else(|| {
        Error::UnexpectedResponse(format!(
            "CXone's security profiles answer from {host} has no \"profiles\" list, so the permission gate cannot \
             tell who may be mapped. Check the connection's URL, or turn the gate off on the User Mapping screen."
        ))
    })?;
    items.iter().map(read_profile).collect()
}

fn read_profile(item: &Value) -> Result<SecurityProfile> {
    let text = |value: &Value| match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let id = item
        .get("securityProfileId")
        .or_else(|| item.get("profileId"))
        .map(text)
        .ok_or_else(|| {
            Error::UnexpectedResponse(
                "A CXone security profile has no securityProfileId, so the permission gate cannot use it.".into(),
            )
        })?;
    let name = item
        .get("securityProfileName")
        .or_else(|| item.get("profileName"))
        .map(text)
        .unwrap_or_default();
    let permission_keys = item
        .get("permissions")
        .and_then(Value::as_array)
        .map(|perms| {
            perms
                .iter()
                .filter_map(|p| p.get("permissionKey").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(SecurityProfile {
        id,
        name,
        permission_keys,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_answer_without_profiles_is_an_error_not_an_empty_list() {
        let error = read_page(&json!({"_links": {}}), "api.example.com").unwrap_err();
        assert!(error.to_string().contains("no \"profiles\" list"), "{error}");
        assert!(read_page(&json!({"profiles": []}), "api.example.com")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn both_shapes_give_the_id_and_the_permission_keys() {
        let page = json!({"profiles": [
            {"securityProfileId": 41, "securityProfileName": "Agent",
             "permissions": [{"permissionKey": "Agents"}, {"permissionKey": "UserMapping"}]},
            {"profileId": "7", "profileName": "Legacy"},
        ]});
        let profiles = read_page(&page, "h").unwrap();
        assert_eq!(profiles[0].id, "41");
        assert!(profiles[0].grants("usermapping"));
        assert!(!profiles[0].grants("User"));
        assert_eq!((profiles[1].id.as_str(), profiles[1].name.as_str()), ("7", "Legacy"));
        assert!(profiles[1].permission_keys.is_empty());
        assert!(read_page(&json!({"profiles": [{"securityProfileName": "No id"}]}), "h").is_err());
    }
}
