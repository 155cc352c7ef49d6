//! One CXone record as CC Sync keeps it: the fields it compares (read from either API shape,
//! keys in any case), a stable hash of them, and the JSON exactly as CXone sent it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

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
    pub raw: RawJson,
}

/// The JSON of one record exactly as CXone sent it: a span of the page it came on, shared by
/// the page's records, so that reading a page copies no record (allocating ~110 MB afresh for
/// 100,000 agents cost more than parsing them).
#[derive(Clone)]
pub struct RawJson {
    page: Arc<String>,
    span: Range<usize>,
}

impl RawJson {
    /// `span` of `page`; None when it is not one (out of bounds, or not on character boundaries).
    pub fn new(page: Arc<String>, span: Range<usize>) -> Option<RawJson> {
        page.get(span.clone())?;
        Some(RawJson { page, span })
    }

    /// A copy of its own, that keeps no page alive.
    pub fn detached(&self) -> RawJson {
        RawJson::from(self.as_str().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.page[self.span.clone()]
    }
}

impl From<String> for RawJson {
    fn from(json: String) -> RawJson {
        let span = 0..json.len();
        RawJson {
            page: Arc::new(json),
            span,
        }
    }
}

impl std::ops::Deref for RawJson {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.as_str() == other.as_str()
    }
}

impl std::fmt::Debug for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A list item's top-level keys, read as CXone sent them.
pub(super) trait Object {
    type Value: ?Sized + Scalar;
    /// The value of `key`, looked up exactly, then case-insensitively (field names changed case
    /// between versions): the first matching key in sorted order.
    fn get_ci(&self, key: &str) -> Option<&Self::Value>;
}

/// A JSON value read as the compared fields need it.
pub(super) trait Scalar {
    fn is_null(&self) -> bool;
    /// The value as text, the form fields are compared in: a string as itself, null as nothing,
    /// anything else as compact JSON.
    fn text(&self) -> Cow<'_, str>;
    /// Whether an "active" flag says yes.
    fn truthy(&self) -> bool;
}

/// A value parsed whole: how [`RawValue`]s that are not plain strings are read.
impl Scalar for Value {
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
    fn text(&self) -> Cow<'_, str> {
        match self {
            Value::String(s) => Cow::Borrowed(s),
            Value::Null => Cow::Borrowed(""),
            other => Cow::Owned(other.to_string()),
        }
    }
    fn truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::String(s) => s.eq_ignore_ascii_case("true"),
            Value::Number(n) => n.as_i64() == Some(1),
            _ => true,
        }
    }
}

/// An item's top-level keys with their values left as raw JSON, borrowed from the page: the
/// dozen compared fields are read from it without building a tree of the other ~35 (which
/// cost more than anything else in parsing a page). Keys in the order sent, duplicates too.
pub(super) struct Item<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Item<'a> {
    /// Reads one item; None when it is not a JSON object.
    pub(super) fn parse(json: &'a str) -> Option<Item<'a>> {
        serde_json::from_str(json).ok()
    }
}

impl<'de> Deserialize<'de> for Item<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = Item<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<'de>, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(48));
                while let Some((key, value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    fields.push((key.0, value));
                }
                Ok(Item { fields })
            }
        }
        deserializer.deserialize_map(ItemVisitor)
    }
}

/// A key borrowed from the page, or unescaped when it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl Object for Item<'_> {
    type Value = RawValue;
    fn get_ci(&self, key: &str) -> Option<&RawValue> {
        // As serde_json's map read them (the reader before this one): the last of duplicate keys
        // wins, and of the keys in another case the first in sorted order. Items come unsorted; a
        // scan of ~45 keys beats sorting them.
        if let Some((_, value)) = self.fields.iter().rev().find(|(k, _)| k == key) {
            return Some(value);
        }
        let mut found: Option<&(Cow<'_, str>, &RawValue)> = None;
        for field in &self.fields {
            if field.0.eq_ignore_ascii_case(key) && found.is_none_or(|f| field.0 <= f.0) {
                found = Some(field);
            }
        }
        found.map(|(_, value)| *value)
    }
}

impl Scalar for RawValue {
    fn is_null(&self) -> bool {
        self.get() == "null"
    }
    fn text(&self) -> Cow<'_, str> {
        let json = self.get();
        // A string without escapes is itself between its quotes (the parser refused control
        // characters); anything else is read as the reference reads it.
        if let Some(inner) = json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            if !inner.contains('\\') {
                return Cow::Borrowed(inner);
            }
        }
        match serde_json::from_str::<Value>(json) {
            Ok(value) => Cow::Owned(value.text().into_owned()),
            // A number out of f64's range: the reference could not read the item at all.
            Err(_) => Cow::Borrowed(json),
        }
    }
    fn truthy(&self) -> bool {
        match self.get() {
            "true" => true,
            "false" => false,
            json => serde_json::from_str::<Value>(json).map_or(true, |value| value.truthy()),
        }
    }
}

fn first<'o, O: Object>(object: &'o O, keys: &[&str]) -> Option<&'o O::Value> {
    keys.iter().find_map(|key| object.get_ci(key)).filter(|v| !v.is_null())
}

pub(super) fn as_u64(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str()?.trim().parse().ok())
}

fn fields_of<O: Object>(entity: Entity, skills: bool, object: &O) -> BTreeMap<&'static str, Cow<'_, str>> {
    let mut fields = BTreeMap::new();
    for (field, keys) in field_names(entity, skills) {
        if let Some(value) = first(object, keys) {
            fields.insert(*field, value.text());
        }
    }
    fields
}

/// A stable 64-bit FNV-1a hash of the fields as a JSON object with sorted keys (stable across
/// builds and platforms, unlike std's hasher), written straight into the hasher.
fn hash_fields(fields: &BTreeMap<&'static str, Cow<'_, str>>) -> i64 {
    use std::hash::Hasher;
    struct Hashing(fnv::FnvHasher);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hashing = Hashing(fnv::FnvHasher::default());
    serde_json::to_writer(&mut hashing, fields).expect("a map of strings serializes");
    hashing.0.finish() as i64
}

/// The compared fields of a record as CXone sent it (`raw`), to show what changed.
pub fn compared_fields(entity: Entity, raw: &str) -> BTreeMap<String, String> {
    let Some(item) = Item::parse(raw) else {
        return BTreeMap::new();
    };
    let skills = item.get_ci("skillId").is_some();
    fields_of(entity, skills, &item)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_owned()))
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
pub(super) fn normalize<O: Object>(entity: Entity, object: &O, raw: RawJson) -> Option<FetchedRecord> {
    let skills = object.get_ci("skillId").is_some();
    let id_keys: &[&str] = match entity {
        Entity::Users => &["agentId"],
        Entity::Campaigns if skills => &["skillId"],
        Entity::Campaigns => &["id", "campaignId"],
        Entity::Dispositions => &["dispositionId"],
        Entity::AgentStatuses => &["id", "outStateId", "outstateId", "unavailableCodeId"],
    };
    let id = first(object, id_keys)?.text().into_owned();
    if id.is_empty() {
        return None;
    }
    let fields = fields_of(entity, skills, object);
    let field = |name: &str| fields.get(name).map(|v| v.to_string()).unwrap_or_default();
    // A list without the flag lists active records.
    let is_active = object.get_ci("isActive").is_none_or(Scalar::truthy);
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
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn normalize(entity: Entity, item: &Value) -> Option<FetchedRecord> {
        let raw = item.to_string();
        super::normalize(entity, &Item::parse(&raw)?, RawJson::from(raw.clone()))
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

#[cfg(test)]
#[path = "records_differential.rs"]
mod differential;
