//! Checking one cell at a time; every finding is a sentence a person can act on.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, PhoneNumber};
use serde::{Deserialize, Serialize};

/// A licence cell: `TRUE` / `T` adds, `FALSE` / `F` removes (in "add and remove" mode), blank
/// means no change.
pub fn licence(value: &str) -> Result<Option<bool>, String> {
    match value.trim().to_uppercase().as_str() {
        "" => Ok(None),
        "TRUE" | "T" => Ok(Some(true)),
        "FALSE" | "F" => Ok(Some(false)),
        _ => Err(format!(
            "\"{}\" is not a licence value: use TRUE, FALSE, or leave it blank.",
            value.trim()
        )),
    }
}

/// An email: required, and shaped like one (something@domain.tld, no spaces).
pub fn email(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("The email is missing; every row needs one.".into());
    }
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    }) && !value.contains(char::is_whitespace)
        && value.matches('@').count() == 1;
    if valid {
        Ok(value.to_owned())
    } else {
        Err(format!("\"{value}\" is not an email address."))
    }
}

/// What a phone cell asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phone {
    /// Blank: leave the number as it is.
    NoChange,
    /// `REMOVE|`: clear the number.
    Clear,
    /// The number in E.164; `repaired` when a spreadsheet had dropped its `+`.
    Number { e164: String, repaired: bool },
}

/// Normalizes a phone cell to E.164 with `default_country` for national numbers.
pub fn phone(value: &str, default_country: Id) -> Result<Phone, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(Phone::NoChange);
    }
    if value.to_uppercase().starts_with("REMOVE|") {
        return Ok(Phone::Clear);
    }
    // 1.55512E+10: a spreadsheet turned the number into a float and lost digits.
    let upper = value.to_uppercase();
    if upper.contains("E+")
        && upper
            .replace("E+", "")
            .replace(['.', ','], "")
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        return Err(format!(
            "\"{value}\" is a number the spreadsheet rounded into scientific notation, so digits are lost. Format the \
             phone column as Text in the spreadsheet, type the numbers again, and export the CSV once more."
        ));
    }
    let parse = |text: &str| {
        phonenumber::parse(Some(default_country), text)
            .ok()
            .filter(has_valid_shape)
    };
    if let Some(e164) = international_e164(value) {
        return Ok(Phone::Number { e164, repaired: false });
    }
    // A valid number of the default country is read as one; only digits that are not (and are
    // long enough) are tried as an international number whose "+" a spreadsheet removed.
    if let Some(number) = parse(value) {
        return Ok(Phone::Number {
            e164: number.format().mode(Mode::E164).to_string(),
            repaired: false,
        });
    }
    let looks_international = value.len() >= 11 && value.chars().all(|c| c.is_ascii_digit());
    match looks_international.then(|| parse(&format!("+{value}"))).flatten() {
        Some(number) => Ok(Phone::Number {
            e164: number.format().mode(Mode::E164).to_string(),
            repaired: true,
        }),
        None => Err(format!(
            "\"{value}\" is not a phone number CC Sync can read; write it with its country code, e.g. +1 201 555 0123."
        )),
    }
}

/// A country's numbering plan as this module checks it: the lengths a national number may have and
/// its general pattern, anchored. The plan's general pattern is the union of its number types, so
/// this is libphonenumber's validity without walking every type (which made a check 25 times
/// slower). The patterns are compiled here, once, because the phonenumber crate keeps its own behind
/// one global lock (regex_cache), which serialized checking across cores.
struct Plan {
    lengths: Vec<u16>,
    pattern: regex::Regex,
}

static PLANS: LazyLock<RwLock<HashMap<u16, Arc<[Plan]>>>> = LazyLock::new(Default::default);

/// The plans of a country calling code (several countries may share one, as +1 does).
fn plans(code: u16) -> Option<Arc<[Plan]>> {
    if let Some(found) = PLANS.read().unwrap_or_else(|e| e.into_inner()).get(&code) {
        return Some(found.clone());
    }
    let plans: Arc<[Plan]> = DATABASE
        .by_code(&code)?
        .iter()
        .filter_map(|plan| {
            let general = plan.descriptors().general();
            // The metadata's patterns are written across lines: whitespace in them is not meant.
            let pattern = regex::RegexBuilder::new(&format!("^(?:{})$", general.national_number().as_str()))
                .ignore_whitespace(true)
                .build()
                .ok()?;
            Some(Plan {
                lengths: general.possible_length().to_vec(),
                pattern,
            })
        })
        .collect();
    if plans.is_empty() {
        return None;
    }
    PLANS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(code, plans.clone());
    Some(plans)
}

/// The national number fits one of the country code's plans, whole.
fn fits(code: u16, national: &str) -> bool {
    plans(code).is_some_and(|plans| {
        plans.iter().any(|plan| {
            (plan.lengths.is_empty() || plan.lengths.contains(&(national.len() as u16)))
                && plan.pattern.is_match(national)
        })
    })
}

fn has_valid_shape(number: &PhoneNumber) -> bool {
    fits(number.code().value(), &number.national().to_string())
}

/// The common case read without the crate's parser: "+", digits and the usual separators. Calling
/// codes are prefix-free, so the first one to three digits that name a plan are the code. `None`
/// when the text is anything else or does not fit (the full parser then decides).
fn international_e164(value: &str) -> Option<String> {
    let rest = value.strip_prefix('+')?.replacen("(0)", "", 1);
    if !rest.chars().all(|c| c.is_ascii_digit() || " ()-./".contains(c)) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (1..=3.min(digits.len().saturating_sub(1))).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        plans(code)?;
        fits(code, &digits[len..]).then(|| format!("+{digits}"))
    })
}

/// A contact-center role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", ts(rename = "UserImportRole"))]
pub enum Role {
    Agent,
    Supervisor,
    Administrator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Agent => "Agent",
            Role::Supervisor => "Supervisor",
            Role::Administrator => "Administrator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_lowercase().as_str() {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "administrator" | "admin" => Some(Role::Administrator),
            _ => None,
        }
    }
}

/// A role cell: blank means no change. Supervisor and Administrator together are refused.
pub fn role(value: &str) -> Result<Option<Role>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = value
        .split([',', ';', '|', '/', '+'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let roles: Vec<Option<Role>> = parts.iter().map(|p| Role::parse(p)).collect();
    if roles.contains(&Some(Role::Supervisor)) && roles.contains(&Some(Role::Administrator)) {
        return Err("Administrator cannot be given together with Supervisor; choose one role.".into());
    }
    match roles.as_slice() {
        [Some(role)] => Ok(Some(*role)),
        _ => Err(format!(
            "\"{value}\" is not a role: use Agent, Supervisor or Administrator, or leave it blank."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_cells() {
        assert_eq!(licence("TRUE"), Ok(Some(true)));
        assert_eq!(licence(" t "), Ok(Some(true)));
        assert_eq!(licence("false"), Ok(Some(false)));
        assert_eq!(licence(""), Ok(None));
        assert!(licence("yes").unwrap_err().contains("TRUE, FALSE"));
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Jane.Doe@Example.com "), Ok("Jane.Doe@Example.com".into()));
        for bad in ["", "jane", "jane@", "jane@example", "ja ne@example.com", "a@b@c.com"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_are_normalized_repaired_or_refused() {
        assert_eq!(
            phone("+1 (201) 555-0123", Id::DE).ok(),
            Some(Phone::Number {
                e164: "+12015550123".into(),
                repaired: false
            })
        );
        assert_eq!(
            phone("(201) 555-0123", Id::US).ok(),
            Some(Phone::Number {
                e164: "+12015550123".into(),
                repaired: false
            })
        );
        assert_eq!(
            phone("442071838750", Id::US).ok(),
            Some(Phone::Number {
                e164: "+442071838750".into(),
                repaired: true
            })
        );
        assert_eq!(phone("REMOVE|", Id::US), Ok(Phone::Clear));
        assert_eq!(phone("", Id::US), Ok(Phone::NoChange));
        let rounded = phone("1.55512E+10", Id::US).unwrap_err();
        assert!(
            rounded.contains("scientific notation") && rounded.contains("Text"),
            "{rounded}"
        );
        assert!(phone("call me", Id::US).is_err());
        assert!(phone("+1 555 555 55", Id::US).is_err(), "too short for the plan");
        // A national number of the default country is not mistaken for a foreign one.
        assert_eq!(
            phone("13812345678", Id::CN).ok(),
            Some(Phone::Number {
                e164: "+8613812345678".into(),
                repaired: false
            })
        );
        assert_eq!(
            phone("12015550123", Id::US).ok(),
            Some(Phone::Number {
                e164: "+12015550123".into(),
                repaired: false
            })
        );
        assert!(phone("1,55512E+10", Id::DE)
            .unwrap_err()
            .contains("scientific notation"));
    }

    #[test]
    fn numbers_written_with_a_plus_are_read_by_their_country_code() {
        let cases = [
            ("+1 201 555 0123", Some("+12015550123")),
            ("+1 (242) 357-1234", Some("+12423571234")),
            ("+44 20 7183 8750", Some("+442071838750")),
            // The trunk "0" some write in brackets after the country code.
            ("+44 (0)20 7183 8750", Some("+442071838750")),
            ("+39 06 6982 1234", Some("+390669821234")),
            ("+49 30 1234567", Some("+49301234567")),
            // The phonenumber crate itself misreads this Beijing number (as 065529988).
            ("+86 10 6552 9988", Some("+861065529988")),
            ("+7 495 123-45-67", Some("+74951234567")),
            ("+358 9 1234 567", Some("+35891234567")),
            ("+61 2 9876 5432", Some("+61298765432")),
            ("+1 555 555 55", None),
            ("+999 123", None),
            ("+44 99", None),
        ];
        for (input, expected) in cases {
            let read = match phone(input, Id::US) {
                Ok(Phone::Number { e164, repaired: false }) => Some(e164),
                Ok(other) => panic!("{input}: {other:?}"),
                Err(_) => None,
            };
            assert_eq!(read.as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn roles() {
        assert_eq!(role(" supervisor "), Ok(Some(Role::Supervisor)));
        assert_eq!(role(""), Ok(None));
        assert!(role("Supervisor, Administrator").unwrap_err().contains("together"));
        assert!(role("Boss").unwrap_err().contains("Agent, Supervisor or Administrator"));
    }
}
