//! Checking one cell at a time; every finding is a sentence a person can act on.

use phonenumber::country::Id;
use serde::{Deserialize, Serialize};

use super::phone::{self, Reading};

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

/// An email: required, and shaped like an address a mail server accepts: `local@domain.tld`, one
/// "@", a local part of at most 64 characters without a leading, trailing or doubled dot, a domain
/// of dot-separated labels (letters, digits, hyphens; no label empty, over 63 characters, or
/// starting or ending with "-") ending in a top-level domain that is not all digits. Letters
/// beyond ASCII are accepted (internationalized addresses); quoted local parts and IP literals,
/// which directories do not use, are not.
pub fn email(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("The email is missing; every row needs one.".into());
    }
    match email_problem(value) {
        None => Ok(value.to_owned()),
        Some(problem) => Err(format!("\"{value}\" is not an email address: {problem}.")),
    }
}

/// What is wrong with an address, in words, or `None`.
fn email_problem(value: &str) -> Option<&'static str> {
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it has a space in it");
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Some("it has no \"@\"");
    };
    if domain.contains('@') {
        return Some("it has more than one \"@\"");
    }
    // The characters RFC 5322 allows unquoted, and any letter beyond ASCII (RFC 6531).
    let local_char = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-.".contains(c) || !c.is_ascii();
    if local.is_empty() {
        Some("nothing comes before the \"@\"")
    } else if local.chars().count() > 64 {
        Some("the part before the \"@\" is longer than 64 characters")
    } else if local.starts_with('.') || local.ends_with('.') {
        Some("the part before the \"@\" starts or ends with a dot")
    } else if local.contains("..") {
        Some("the part before the \"@\" has two dots in a row")
    } else if !local.chars().all(local_char) {
        Some("the part before the \"@\" has a character addresses cannot have")
    } else if domain.is_empty() {
        Some("nothing comes after the \"@\"")
    } else if domain.chars().count() > 253 {
        Some("the domain is longer than 253 characters")
    } else if !domain.contains('.') {
        Some("the domain has no dot (e.g. example.com)")
    } else if domain.split('.').any(str::is_empty) {
        Some("the domain has an empty part (a dot at its start or end, or two in a row)")
    } else if domain.split('.').any(|label| label.chars().count() > 63) {
        Some("a part of the domain is longer than 63 characters")
    } else if domain
        .split('.')
        .any(|label| label.starts_with('-') || label.ends_with('-'))
    {
        Some("a part of the domain starts or ends with \"-\"")
    } else if !domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.') {
        Some("the domain has a character domains cannot have")
    } else if domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().count() < 2 || tld.chars().all(|c| c.is_ascii_digit()))
    {
        Some("the domain does not end in a top-level domain such as .com")
    } else {
        None
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

/// Normalizes a phone cell to E.164 with `default_country` for national numbers: exactly the
/// digits the cell has (see [`super::phone`] for the order of readings), or a refusal.
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
    if let Some(rest) = value.strip_prefix('+') {
        // The trunk "0" some write in brackets after the country code is not dialled.
        let rest = rest.replacen("(0)", "", 1);
        return match digits_of(&rest).and_then(|digits| phone::international(&digits)) {
            Some(e164) => Ok(Phone::Number { e164, repaired: false }),
            None => Err(format!(
                "\"{value}\" is not a phone number CC Sync can read: after the \"+\" it needs a country code and a \
                 number valid in that country, in digits, spaces, brackets or dashes (e.g. +1 201 555 0123)."
            )),
        };
    }
    let unreadable = || {
        format!(
            "\"{value}\" is not a phone number CC Sync can read: it is not a valid number of the default country \
             ({default_country:?}), nor, read with a \"+\" in front, of any other. Write it with its country code, \
             e.g. +1 201 555 0123."
        )
    };
    let digits = digits_of(value).ok_or_else(unreadable)?;
    match phone::without_plus(&digits, default_country) {
        Some(Reading::Read(e164)) => Ok(Phone::Number { e164, repaired: false }),
        Some(Reading::Repaired(e164)) => Ok(Phone::Number { e164, repaired: true }),
        None => Err(unreadable()),
    }
}

/// The digits of a number written with the usual separators (spaces, brackets, dashes, dots,
/// slashes); `None` when the text has anything else, or no digit.
fn digits_of(text: &str) -> Option<String> {
    let separator = |c: char| " ()-./\u{a0}\u{2010}\u{2011}\u{2012}\u{2013}\u{2014}".contains(c);
    if !text.chars().all(|c| c.is_ascii_digit() || separator(c)) {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
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
    fn email_shapes_servers_refuse_are_refused() {
        for bad in [
            "jane@example..com",
            ".jane@example.com",
            "jane.@example.com",
            "ja..ne@example.com",
            "jane@-example.com",
            "jane@example-.com",
            "jane@mail.-example.com",
            "jane@.example.com",
            "jane@example.com.",
            "@example.com",
            "jane@example.c",
            "jane@example.123",
            "jane@exa_mple.com",
            "jane@[192.168.0.1]",
            "ja,ne@example.com",
            "<jane@example.com>",
            "jane doe@example.com",
            "jane@example.com;bob@example.com",
            "jane\u{0}@example.com",
        ] {
            let refused = email(bad).unwrap_err();
            assert!(
                refused.contains("is not an email address: ") && refused.ends_with('.'),
                "{bad}: {refused}"
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(email(&long_local).is_err());
        let long_label = format!("jane@{}.com", "a".repeat(64));
        assert!(email(&long_label).is_err());
        for good in [
            "jane+tag@example.com",
            "jane.doe@mail.eu.example.com",
            "o'brien@example.ie",
            "first_last-1@example-domain.co.uk",
            "x@example.museum",
            "jane@example.technology",
            "josé@bücher.de",
            "用户@例子.广告",
            "jane@xn--bcher-kva.de",
            "1234@123.example.com",
        ] {
            assert_eq!(email(good), Ok(good.to_owned()), "{good}");
        }
        assert_eq!(
            email(&format!("{}@example.com", "a".repeat(64))).map(|e| e.len()),
            Ok(76)
        );
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
    fn digits_whose_plus_was_dropped_keep_every_digit() {
        // The cells, default country US: each the international number it is, whole.
        for (cell, e164) in [
            ("4915123456789", "+4915123456789"),
            ("8613123456789", "+8613123456789"),
            ("5511961234567", "+5511961234567"),
            ("431234567890", "+431234567890"),
            ("33142685300", "+33142685300"),
            // Aruba: no US area code 297 exists, so this is not a US number.
            ("2975212345", "+2975212345"),
        ] {
            assert_eq!(
                phone(cell, Id::US),
                Ok(Phone::Number {
                    e164: e164.into(),
                    repaired: true
                }),
                "{cell}"
            );
        }
        // Only the general pattern of +1 fits these; no region of +1 has them.
        let refused = phone("+1 297 521 2345", Id::US).unwrap_err();
        assert!(
            refused.contains("+1 297 521 2345") && refused.ends_with('.'),
            "{refused}"
        );
        // The default country's own valid reading wins over the "+"-less one.
        assert_eq!(
            phone("2015550123", Id::US),
            Ok(Phone::Number {
                e164: "+12015550123".into(),
                repaired: false
            })
        );
        assert_eq!(
            phone("02071838750", Id::GB),
            Ok(Phone::Number {
                e164: "+442071838750".into(),
                repaired: false
            })
        );
        // Dialled with the international call prefix: exact, not a repair.
        assert_eq!(
            phone("011 49 30 1234567", Id::US),
            Ok(Phone::Number {
                e164: "+49301234567".into(),
                repaired: false
            })
        );
        assert_eq!(
            phone("0049 151 23456789", Id::DE),
            Ok(Phone::Number {
                e164: "+4915123456789".into(),
                repaired: false
            })
        );
        let refused = phone("1234567", Id::US).unwrap_err();
        assert!(refused.contains("country code"), "{refused}");
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
