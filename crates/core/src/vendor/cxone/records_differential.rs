//! The borrowed reader ([`Item`]) against the reference: CC Sync's reader before it, which built
//! a full JSON tree of every item (kept here verbatim as the oracle). Every generated item must
//! give the same record: id, name, detail, active flag, email key, and above all the fields
//! hash, which stores written by earlier builds compare against.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{field_names, Item, RawJson};
use crate::model::Entity;

mod reference {
    use super::*;
    use crate::vendor::cxone::records::FetchedRecord;

    fn get_ci<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
        object
            .get(key)
            .or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
    }

    fn first<'a>(object: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
        keys.iter().find_map(|key| get_ci(object, key)).filter(|v| !v.is_null())
    }

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
            _ => true,
        }
    }

    pub fn fields_of(entity: Entity, skills: bool, object: &Map<String, Value>) -> BTreeMap<&'static str, String> {
        let mut fields = BTreeMap::new();
        for (field, keys) in field_names(entity, skills) {
            if let Some(value) = first(object, keys) {
                fields.insert(*field, text(value));
            }
        }
        fields
    }

    fn hash_fields(fields: &BTreeMap<&'static str, String>) -> i64 {
        use std::hash::Hasher;
        let mut hasher = fnv::FnvHasher::default();
        hasher.write(serde_json::to_string(fields).unwrap().as_bytes());
        hasher.finish() as i64
    }

    pub fn normalize(entity: Entity, raw: &str) -> Option<FetchedRecord> {
        let object: Map<String, Value> = serde_json::from_str(raw).ok()?;
        let object = &object;
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
        Some(FetchedRecord {
            id,
            name,
            detail,
            is_active,
            email_key,
            fields_hash: hash_fields(&fields),
            raw: RawJson::from(raw.to_owned()),
        })
    }
}

/// Every key the readers look for, and a few they do not.
fn known_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = [
        Entity::Users,
        Entity::Campaigns,
        Entity::Dispositions,
        Entity::AgentStatuses,
    ]
    .into_iter()
    .flat_map(|entity| [field_names(entity, false), field_names(entity, true)])
    .flat_map(|names| names.iter().flat_map(|(_, keys)| keys.iter().copied()))
    .collect();
    keys.extend([
        "agentId",
        "skillId",
        "id",
        "campaignId",
        "dispositionId",
        "outStateId",
        "outstateId",
        "unavailableCodeId",
        "isActive",
        "hireDate",
        "teamUuid",
        "notes2",
        "émoji",
    ]);
    keys
}

/// A key as some version of the API might spell it.
fn spell(rng: &mut fastrand::Rng, key: &str) -> String {
    match rng.u8(0..10) {
        0 => key.to_ascii_lowercase(),
        1 => key.to_ascii_uppercase(),
        2 => {
            let mut chars = key.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        }
        _ => key.to_owned(),
    }
}

/// `text` as a JSON string, escaped in one of the ways JSON allows.
fn json_string(rng: &mut fastrand::Rng, text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        let escape_anyway = rng.u8(0..12) == 0;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str(if rng.bool() { "\\n" } else { "\\u000a" }),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            '/' if escape_anyway => out.push_str("\\/"),
            c if escape_anyway && (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if escape_anyway => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn text(rng: &mut fastrand::Rng) -> String {
    const PIECES: &[&str] = &[
        "Ann",
        "Lee",
        "ann.lee@example.com",
        " Ann.Lee@Example.COM ",
        "",
        " ",
        "true",
        "TRUE",
        "false",
        "1",
        "0",
        "42",
        "x\"y",
        "back\\slash",
        "line\nbreak",
        "tab\there",
        "a/b",
        "Zoë",
        "日本",
        "😀",
        "null",
        "\u{1}",
    ];
    (0..rng.usize(0..3))
        .map(|_| PIECES[rng.usize(..PIECES.len())])
        .collect()
}

fn number(rng: &mut fastrand::Rng) -> String {
    const NUMBERS: &[&str] = &[
        "0",
        "1",
        "-1",
        "7",
        "1.0",
        "1.50",
        "-0",
        "-0.0",
        "1e5",
        "1E+2",
        "2.5e-3",
        "12345678901234567890",
        "-9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "0.1",
        "3.141592653589793238",
    ];
    NUMBERS[rng.usize(..NUMBERS.len())].to_owned()
}

fn value(rng: &mut fastrand::Rng, depth: u32) -> String {
    match rng.u8(0..if depth > 1 { 6 } else { 8 }) {
        0 | 1 => {
            let text = text(rng);
            json_string(rng, &text)
        }
        2 => number(rng),
        3 => {
            let number = number(rng);
            json_string(rng, &number)
        }
        4 => ["true", "false"][rng.usize(..2)].to_owned(),
        5 => "null".to_owned(),
        6 => format!(
            "[{}]",
            (0..rng.usize(0..3))
                .map(|_| value(rng, depth + 1))
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => object(rng, depth + 1),
    }
}

fn space(rng: &mut fastrand::Rng) -> &'static str {
    [" ", "", "\n  ", "\t", ""][rng.usize(..5)]
}

/// A JSON object with known and unknown keys in any case, sometimes twice, sometimes escaped.
fn object(rng: &mut fastrand::Rng, depth: u32) -> String {
    let keys = known_keys();
    let mut members = Vec::new();
    for _ in 0..rng.usize(0..if depth == 0 { 24 } else { 4 }) {
        let known = keys[rng.usize(..keys.len())];
        let key = spell(rng, known);
        let (a, b, c) = (space(rng), space(rng), space(rng));
        members.push(format!("{a}{}{b}:{c}{}", json_string(rng, &key), value(rng, depth)));
    }
    format!("{{{}{}}}", members.join(","), space(rng))
}

#[test]
fn the_borrowed_reader_reads_every_item_as_the_reference_does() {
    let mut rng = fastrand::Rng::with_seed(15);
    let entities = [
        Entity::Users,
        Entity::Campaigns,
        Entity::Dispositions,
        Entity::AgentStatuses,
    ];
    let (mut compared, mut with_id) = (0, 0);
    for n in 0..20_000 {
        let raw = object(&mut rng, 0);
        let Ok(tree) = serde_json::from_str::<Map<String, Value>>(&raw) else {
            // Out of the reference's domain (a number beyond f64): the new reader is lenient.
            continue;
        };
        let item = Item::parse(&raw).unwrap_or_else(|| panic!("item {n} not read: {raw}"));
        for entity in entities {
            let expected = reference::normalize(entity, &raw);
            assert_eq!(
                super::normalize(entity, &item, RawJson::from(raw.clone())),
                expected,
                "item {n}, {entity:?}: {raw}"
            );
            with_id += usize::from(expected.is_some());
            // The fields shown as changed, read from stored JSON.
            let skills = tree.keys().any(|k| k.eq_ignore_ascii_case("skillId"));
            let fields: BTreeMap<String, String> = reference::fields_of(entity, skills, &tree)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            assert_eq!(
                super::compared_fields(entity, &raw),
                fields,
                "item {n}, {entity:?}: {raw}"
            );
            compared += 1;
        }
    }
    // The generator reaches the interesting part of the domain.
    assert!(
        compared > 60_000 && with_id > 5_000,
        "{compared} compared, {with_id} with an id"
    );
}

#[test]
fn agents_as_the_api_documents_them_read_as_the_reference_does() {
    let agents = [
        r#"{"agentId":1001,"userName":"ann.lee@example.com","firstName":"Ann","middleName":null,"lastName":"Lee",
            "emailAddress":"Ann.Lee@Example.com","isActive":true,"teamId":12,"teamName":"Sales \u00e9quipe",
            "reportToId":7,"isSupervisor":false,"lastLogin":"2026-11-30T08:00:00.000Z","location":"",
            "custom1":"","profileId":41,"profileName":"Agent","timeZone":"Eastern Standard Time",
            "hireDate":"2020-01-01T00:00:00","userID":"11ee-22ff","locked":false,"skills":[{"id":1,"n":"x"}]}"#,
        r#"{"AgentId":"1002","UserName":"bo@example.com","FirstName":"Bo","LastName":"","EmailAddress":"",
            "IsActive":"False","TeamId":"12","SecurityProfileId":"42","IsSupervisor":"True","IsLocked":1}"#,
    ];
    for raw in agents {
        let item = Item::parse(raw).unwrap();
        let record = super::normalize(Entity::Users, &item, RawJson::from(raw.to_owned()));
        assert!(record.is_some(), "{raw}");
        assert_eq!(record, reference::normalize(Entity::Users, raw));
    }
}

#[test]
fn what_is_not_an_object_is_not_an_item() {
    for json in ["[]", "1", "\"x\"", "null", "{", "{\"a\":}", "{\"a\":1,}"] {
        assert!(Item::parse(json).is_none(), "{json}");
    }
}
