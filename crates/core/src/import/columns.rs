//! Matching a file's headers to the fields CC Sync imports. Case, spacing and punctuation are
//! ignored; licence columns are found by "Standard Agent" / "Premium Agent" (their exact text
//! differs per organization), and a header ending in "(Suspended)" marks a suspended licence.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", ts(rename = "UserImportField"))]
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

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Email,
        Field::FirstName,
        Field::LastName,
        Field::DisplayName,
        Field::PhoneNumber,
        Field::StandardAgent,
        Field::PremiumAgent,
        Field::Role,
    ];

    /// The field's name in findings and change lists.
    pub fn label(self) -> &'static str {
        match self {
            Field::Email => "Email",
            Field::FirstName => "First name",
            Field::LastName => "Last name",
            Field::DisplayName => "Display name",
            Field::PhoneNumber => "Phone number",
            Field::StandardAgent => "Standard Agent licence",
            Field::PremiumAgent => "Premium Agent licence",
            Field::Role => "Role",
        }
    }

    /// Parses the names the CLI's `--map HEADER=field` accepts.
    pub fn parse(text: &str) -> Option<Field> {
        let squashed = squash(text);
        Field::ALL.into_iter().find(|f| {
            squash(f.label()) == squashed
                || squash(&serde_json::to_string(f).unwrap_or_default()) == squashed
                || (squashed == "standard" && *f == Field::StandardAgent)
                || (squashed == "premium" && *f == Field::PremiumAgent)
                || (squashed == "phone" && *f == Field::PhoneNumber)
        })
    }
}

/// How one column of the file is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportColumn"))]
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

/// Why a column that other programs (or CC Sync's error files) write is ignored on import.
pub fn ignored_note(header: &str) -> Option<String> {
    let header = header.trim();
    if EXPORT_ONLY.contains(&squash(header).as_str()) {
        Some(format!(
            "\"{header}\" is written by Control Hub exports and ignored on import."
        ))
    } else if is_error_file_column(header) {
        Some(format!(
            "\"{header}\" is written by CC Sync's error files and ignored on import."
        ))
    } else {
        None
    }
}

/// The automatic mapping of `headers`. Refused before any row: no header, a duplicate header, or no
/// email column.
pub fn map_headers(headers: &[String]) -> Result<Vec<ColumnMapping>> {
    let mappings = guess_mappings(headers)?;
    if !mappings.iter().any(|m| m.field == Some(Field::Email)) {
        return Err(Error::InvalidInput(
            "No email column was found. The file needs \"User ID/Email (Required)\" (or a column named Email).".into(),
        ));
    }
    Ok(mappings)
}

/// The automatic mapping without requiring an email column (a preset or a hand mapping may name
/// it). Refused: no header or a duplicate header.
pub fn guess_mappings(headers: &[String]) -> Result<Vec<ColumnMapping>> {
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
    let mut mappings: Vec<ColumnMapping> = headers
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
            ColumnMapping {
                header: header.clone(),
                field: guess,
                suspended,
                note: ignored_note(header),
            }
        })
        .collect();
    // The first column of a field wins, an active subscription before a suspended one; a repeat
    // is left for the user to map by hand (a suspended one is still checked for TRUE).
    let mut taken: Vec<Field> = Vec::new();
    for suspended in [false, true] {
        for mapping in mappings.iter_mut().filter(|m| m.suspended == suspended) {
            match mapping.field {
                Some(field) if taken.contains(&field) => mapping.field = None,
                Some(field) => taken.push(field),
                None => {}
            }
        }
    }
    Ok(mappings)
}

/// The header of the column an error file adds with each row's problems.
pub const ERROR_HEADER: &str = "Error";

/// The header of the column an error file adds with each row's number in the file it came from.
pub const ROW_HEADER: &str = "Row";

/// Whether `header` is one of the columns an error file adds (`Row`, `Error`): imported again, they
/// are ignored, and a preset neither saves them nor needs them to recognize the file.
pub fn is_error_file_column(header: &str) -> bool {
    let squashed = squash(header);
    squashed == squash(ERROR_HEADER) || squashed == squash(ROW_HEADER)
}

/// The same headers, whatever their order, case or punctuation: what a preset is recognized by.
pub fn header_key(headers: &[String]) -> String {
    // An error file's Row and Error columns do not make it another kind of file.
    let mut squashed: Vec<String> = headers
        .iter()
        .filter(|h| !is_error_file_column(h))
        .map(|h| squash(h))
        .collect();
    squashed.sort();
    squashed.join("|")
}

/// A licence column and whether its subscription is suspended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenceColumn {
    pub index: usize,
    pub suspended: bool,
}

/// Where each field is in a row, from the confirmed mapping.
#[derive(Debug, Clone)]
pub struct Columns {
    pub headers: Vec<String>,
    /// The mapping these columns came from (what a preset saves).
    pub mappings: Vec<ColumnMapping>,
    pub email: usize,
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
    pub display_name: Option<usize>,
    pub phone: Option<usize>,
    pub role: Option<usize>,
    pub standard: Option<LicenceColumn>,
    pub premium: Option<LicenceColumn>,
    /// Suspended licence columns mapped to no field: TRUE there is still an error.
    pub suspended: Vec<usize>,
}

impl Columns {
    /// Refused: a field mapped from two columns, no email column, or a mapping for other headers.
    pub fn resolve(headers: &[String], mappings: &[ColumnMapping]) -> Result<Columns> {
        if mappings.len() != headers.len() || mappings.iter().zip(headers).any(|(m, h)| m.header.trim() != h.trim()) {
            return Err(Error::InvalidInput(
                "The column mapping does not match this file's headers; map the columns again.".into(),
            ));
        }
        let mut found: HashMap<Field, usize> = HashMap::new();
        for (i, mapping) in mappings.iter().enumerate() {
            let Some(field) = mapping.field else { continue };
            if let Some(first) = found.insert(field, i) {
                return Err(Error::InvalidInput(format!(
                    "Both \"{}\" and \"{}\" are mapped to {}; map one of them to another field or ignore it.",
                    headers[first].trim(),
                    headers[i].trim(),
                    field.label()
                )));
            }
        }
        let email = *found.get(&Field::Email).ok_or_else(|| {
            Error::InvalidInput("No column is mapped to Email; every user needs one. Map the email column.".into())
        })?;
        let licence = |field| {
            found.get(&field).map(|&index| LicenceColumn {
                index,
                suspended: mappings[index].suspended,
            })
        };
        Ok(Columns {
            headers: headers.to_vec(),
            mappings: mappings.to_vec(),
            email,
            first_name: found.get(&Field::FirstName).copied(),
            last_name: found.get(&Field::LastName).copied(),
            display_name: found.get(&Field::DisplayName).copied(),
            phone: found.get(&Field::PhoneNumber).copied(),
            role: found.get(&Field::Role).copied(),
            standard: licence(Field::StandardAgent),
            premium: licence(Field::PremiumAgent),
            suspended: (0..mappings.len())
                .filter(|&i| mappings[i].suspended && mappings[i].field.is_none())
                .collect(),
        })
    }

    pub fn header(&self, index: usize) -> &str {
        self.headers[index].trim()
    }
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

    #[test]
    fn hand_mapping_is_checked_and_presets_match_any_order() {
        let names = headers(&["Mail", "Given", "CC Standard Agent"]);
        let mut mapped: Vec<ColumnMapping> = names
            .iter()
            .map(|h| ColumnMapping {
                header: h.clone(),
                field: None,
                suspended: false,
                note: None,
            })
            .collect();
        assert!(Columns::resolve(&names, &mapped)
            .unwrap_err()
            .to_string()
            .contains("Email"));
        mapped[0].field = Some(Field::Email);
        mapped[1].field = Some(Field::Email);
        let twice = Columns::resolve(&names, &mapped).unwrap_err().to_string();
        assert!(twice.contains("\"Mail\" and \"Given\""), "{twice}");
        mapped[1].field = Field::parse("first name");
        mapped[2].field = Field::parse("standard");
        let columns = Columns::resolve(&names, &mapped).unwrap();
        assert_eq!((columns.email, columns.first_name), (0, Some(1)));
        assert_eq!(columns.standard.map(|c| c.index), Some(2));
        assert_eq!(
            header_key(&names),
            header_key(&headers(&["cc standard agent", "MAIL", "given"]))
        );
    }
}
