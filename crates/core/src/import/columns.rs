//! Matching a file's headers to the fields CC Sync imports. Case, spacing and punctuation are
//! ignored; licence columns are found by "Standard Agent" / "Premium Agent" (their exact text
//! differs per organization), and a header ending in "(Suspended)" marks a suspended licence.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    FirstName,
    LastName,
    DisplayName,
    PhoneNumber,
    StandardAgent,
    PremiumAgent,
    Role,
}

/// How one column of the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ColumnMapping {
    pub header: String,
    /// `None`: the column is ignored.
    pub field: Option<Field>,
    /// A licence column whose subscription is suspended: TRUE there is an error.
    pub suspended: bool,
    /// Why a column is ignored, when it is worth saying.
    pub note: Option<String>,
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::Email,
        &[
            "useridemailrequired",
            "useridemail",
            "email",
            "emailaddress",
            "email1",
            "userid",
            "useremail",
        ],
    ),
    (Field::FirstName, &["firstname", "givenname"]),
    (Field::LastName, &["lastname", "surname", "familyname"]),
    (Field::DisplayName, &["displayname", "fullname"]),
    (
        Field::PhoneNumber,
        &["phonenumber", "phone", "workphone", "businessphone"],
    ),
    (Field::Role, &["role", "contactcenterrole", "ccrole", "agentrole"]),
];

/// Control Hub export columns that mean nothing on import.
const EXPORT_ONLY: &[&str] = &["userstatus", "lastserviceaccessedtime", "dayssincelastserviceaccessed"];

/// The automatic mapping of `headers`. Refused before any row: no header, a duplicate header, or no
/// email column.
pub fn map_headers(headers: &[String]) -> Result<Vec<ColumnMapping>> {
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(Error::InvalidInput(
            "The file has no header row: its first line must name the columns.".into(),
        ));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        let key = header.trim().to_lowercase();
        if key.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(key, i) {
            return Err(Error::InvalidInput(format!(
                "The header \"{}\" appears twice (columns {} and {}); rename one and try again.",
                header.trim(),
                first + 1,
                i + 1
            )));
        }
    }
    let mut taken: Vec<Field> = Vec::new();
    let mappings: Vec<ColumnMapping> = headers
        .iter()
        .map(|header| {
            let squashed = squash(header);
            let suspended = header.trim().to_lowercase().ends_with("(suspended)");
            let guess = if squashed.contains("standardagent") {
                Some(Field::StandardAgent)
            } else if squashed.contains("premiumagent") {
                Some(Field::PremiumAgent)
            } else {
                SYNONYMS
                    .iter()
                    .find(|(_, names)| names.contains(&squashed.as_str()))
                    .map(|(f, _)| *f)
            };
            let note = EXPORT_ONLY.contains(&squashed.as_str()).then(|| {
                format!(
                    "\"{}\" is written by Control Hub exports and ignored on import.",
                    header.trim()
                )
            });
            // The first column of a field wins; a repeat is left for the user to map by hand.
            let field = guess.filter(|f| !taken.contains(f));
            if let Some(f) = field {
                taken.push(f);
            }
            ColumnMapping {
                header: header.clone(),
                field,
                suspended,
                note,
            }
        })
        .collect();
    if !mappings.iter().any(|m| m.field == Some(Field::Email)) {
        return Err(Error::InvalidInput(
            "No email column was found. The file needs \"User ID/Email (Required)\" (or a column named Email).".into(),
        ));
    }
    Ok(mappings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn control_hub_headers_are_recognized() {
        let mapped = map_headers(&headers(&[
            "User ID/Email (Required)",
            "First Name",
            "last_name",
            "Display Name",
            "Phone Number",
            "Webex Contact Center Standard Agent [Sub100]",
            "Contact center Premium Agent (Suspended)",
            "User Status",
        ]))
        .unwrap();
        let field = |i: usize| mapped[i].field;
        assert_eq!(field(0), Some(Field::Email));
        assert_eq!(field(2), Some(Field::LastName));
        assert_eq!(field(5), Some(Field::StandardAgent));
        assert_eq!(field(6), Some(Field::PremiumAgent));
        assert!(mapped[6].suspended && !mapped[5].suspended);
        assert_eq!(field(7), None);
        assert!(mapped[7].note.as_deref().unwrap().contains("ignored"));
    }

    #[test]
    fn files_that_cannot_be_read_are_refused_with_the_reason() {
        assert!(map_headers(&headers(&["", ""]))
            .unwrap_err()
            .to_string()
            .contains("no header"));
        let twice = map_headers(&headers(&["Email", "Name", "email"]))
            .unwrap_err()
            .to_string();
        assert!(
            twice.contains("appears twice") && twice.contains("columns 1 and 3"),
            "{twice}"
        );
        assert!(map_headers(&headers(&["First Name", "Phone"]))
            .unwrap_err()
            .to_string()
            .contains("No email column"));
    }
}
