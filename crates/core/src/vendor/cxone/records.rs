//! One CXone record as CC Sync keeps it: the fields it compares (read from either API shape,
//! keys in any case), a stable hash of them, and the JSON exactly as CXone sent it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::Entity;

/// One record as CC Sync keeps it: the fields it compares, and the JSON CXone sent.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedRecord {
    pub id: String,
    pub name: String,
    pub detail: String,
    pub is_active: bool,
    /// Users: the email, trimmed and lower-cased, for matching.
    pub email_key: Option<String>,
    /// Hash of the compared fields: equal fields give equal hashes (see [`compared_fields`]).
    pub fields_hash: i64,
    pub raw: String,
}

/// A key looked up exactly, then case-insensitively (field names changed case between versions).
fn get_ci<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .get(key)
        .or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

fn first<'a>(object: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|key| get_ci(object, key)).filter(|v| !v.is_null())
}

pub(super) fn as_u64(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str()?.trim().parse().ok())
}

/// A JSON scalar as text, the form fields are compared in.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => true, // a list without the flag lists active records
    }
}

fn fields_of(entity: Entity, skills: bool, object: &Map<String, Value>) -> BTreeMap<&'static str, String> {
    let mut fields = BTreeMap::new();
    for (field, keys) in field_names(entity, skills) {
        if let Some(value) = first(object, keys) {
            fields.insert(*field, text(value));
        }
    }
    fields
}

/// A stable 64-bit FNV-1a hash of the fields as a JSON object with sorted keys (stable across
/// builds and platforms, unlike std's hasher).
fn hash_fields(fields: &BTreeMap<&'static str, String>) -> i64 {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(
        serde_json::to_string(fields)
            .expect("a map of strings serializes")
            .as_bytes(),
    );
    hasher.finish() as i64
}

/// The compared fields of a record as CXone sent it (`raw`), to show what changed.
pub fn compared_fields(entity: Entity, raw: &str) -> BTreeMap<String, String> {
    let Ok(object) = serde_json::from_str::<Map<String, Value>>(raw) else {
        return BTreeMap::new();
    };
    let skills = get_ci(&object, "skillId").is_some();
    fields_of(entity, skills, &object)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// The fields of each entity CC Sync compares, each with the names it has had across versions.
fn field_names(entity: Entity, skills: bool) -> &'static [(&'static str, &'static [&'static str])] {
    match entity {
        Entity::Users => &[
            ("userName", &["userName"]),
            ("firstName", &["firstName"]),
            ("lastName", &["lastName"]),
            ("emailAddress", &["emailAddress"]),
            ("isActive", &["isActive"]),
            ("userId", &["userID", "userId"]),
            ("teamId", &["teamId"]),
            ("teamName", &["teamName"]),
            ("profileId", &["profileId", "securityProfileId"]),
            ("profileName", &["profileName"]),
            ("isSupervisor", &["isSupervisor"]),
            ("locked", &["locked", "isLocked"]),
        ],
        Entity::Campaigns if skills => &[
            ("skillName", &["skillName"]),
            ("isActive", &["isActive"]),
            ("campaignId", &["campaignId"]),
            ("campaignName", &["campaignName"]),
            ("mediaTypeName", &["mediaTypeName"]),
            ("notes", &["notes"]),
        ],
        Entity::Campaigns => &[
            ("name", &["name", "campaignName"]),
            ("isActive", &["isActive"]),
            ("description", &["description"]),
            ("notes", &["notes"]),
        ],
        Entity::Dispositions => &[
            ("name", &["dispositionName"]),
            ("isActive", &["isActive"]),
            ("classificationId", &["classificationId"]),
            ("systemOutcome", &["systemOutcome"]),
            ("notes", &["notes"]),
        ],
        Entity::AgentStatuses => &[
            ("name", &["name", "outStateName", "outstateName"]),
            ("isActive", &["isActive"]),
            ("isAcw", &["isACW", "isAcw"]),
            ("agentTimeout", &["agentTimeout", "agentTimeoutMins"]),
        ],
    }
}

/// Reads one list item into a record; items without an id are skipped.
pub(super) fn normalize(entity: Entity, object: &Map<String, Value>, raw: &str) -> Option<FetchedRecord> {
    let skills = get_ci(object, "skillId").is_some();
    let id_keys: &[&str] = match entity {
        Entity::Users => &["agentId"],
        Entity::Campaigns if skills => &["skillId"],
        Entity::Campaigns => &["id", "campaignId"],
        Entity::Dispositions => &["dispositionId"],
        Entity::AgentStatuses => &["id", "outStateId", "outstateId", "unavailableCodeId"],
    };
    let id = text(first(object, id_keys)?);
    if id.is_empty() {
        return None;
    }
    let fields = fields_of(entity, skills, object);
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let is_active = truthy(get_ci(object, "isActive"));
    let (name, detail, email_key) = match entity {
        Entity::Users => {
            let full = format!("{} {}", field("firstName").trim(), field("lastName").trim())
                .trim()
                .to_owned();
            let email = Some(field("emailAddress"))
                .filter(|e| !e.trim().is_empty())
                .or_else(|| Some(field("userName")).filter(|u| u.contains('@')))
                .unwrap_or_default();
            let name = if full.is_empty() { field("userName") } else { full };
            let key = (!email.trim().is_empty()).then(|| email.trim().to_lowercase());
            (name, email, key)
        }
        Entity::Campaigns if skills => (field("skillName"), field("campaignName"), None),
        Entity::Dispositions => (field("name"), field("systemOutcome"), None),
        Entity::AgentStatuses => {
            let acw = if field("isAcw") == "true" {
                "after-call work"
            } else {
                "unavailable"
            };
            (field("name"), acw.to_owned(), None)
        }
        Entity::Campaigns => (field("name"), field("notes"), None),
    };
    let fields_hash = hash_fields(&fields);
    Some(FetchedRecord {
        id,
        name,
        detail,
        is_active,
        email_key,
        fields_hash,
        raw: raw.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn normalize(entity: Entity, item: &Value) -> Option<FetchedRecord> {
        super::normalize(entity, item.as_object()?, &item.to_string())
    }

    #[test]
    fn legacy_and_v34_campaign_shapes_read_the_same() {
        let v34 = json!({"id": 7, "name": "Sales", "isActive": true});
        let legacy = json!({"campaignId": 7, "campaignName": "Sales", "isActive": true});
        let a = normalize(Entity::Campaigns, &v34).unwrap();
        let b = normalize(Entity::Campaigns, &legacy).unwrap();
        assert_eq!((a.id.as_str(), a.name.as_str()), ("7", "Sales"));
        assert_eq!(a.fields_hash, b.fields_hash);
    }

    #[test]
    fn legacy_and_v34_unavailable_codes_read_the_same() {
        let v34 = json!({"id": 1, "name": "Break", "isActive": true, "isACW": false, "agentTimeout": 15});
        let legacy =
            json!({"OutStateId": 1, "OutStateName": "Break", "IsActive": true, "IsAcw": false, "AgentTimeoutMins": 15});
        assert_eq!(
            normalize(Entity::AgentStatuses, &v34).unwrap().fields_hash,
            normalize(Entity::AgentStatuses, &legacy).unwrap().fields_hash
        );
    }

    #[test]
    fn users_take_user_id_in_either_case_and_fall_back_to_an_email_shaped_user_name() {
        let a = json!({"agentId": 1, "userID": "g", "userName": "Ann.Lee@Example.com", "firstName": "Ann", "lastName": "Lee", "emailAddress": ""});
        let b = json!({"agentId": 1, "userId": "g", "userName": "Ann.Lee@Example.com", "firstName": "Ann", "lastName": "Lee", "emailAddress": ""});
        let (a, b) = (
            normalize(Entity::Users, &a).unwrap(),
            normalize(Entity::Users, &b).unwrap(),
        );
        assert_eq!(a.fields_hash, b.fields_hash);
        assert_eq!(a.name, "Ann Lee");
        assert_eq!(a.detail, "Ann.Lee@Example.com");
        assert_eq!(a.email_key.as_deref(), Some("ann.lee@example.com"));
    }

    #[test]
    fn unknown_fields_are_ignored_and_the_raw_json_is_kept() {
        let item = json!({"dispositionId": 5, "dispositionName": "Sale", "brandNewField": {"x": 1}});
        let record = normalize(Entity::Dispositions, &item).unwrap();
        assert!(!compared_fields(Entity::Dispositions, &record.raw).contains_key("brandNewField"));
        assert!(record.raw.contains("brandNewField"));
    }
}
