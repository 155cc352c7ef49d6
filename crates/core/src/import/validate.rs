//! Checking one cell at a time; every finding is a sentence a person can act on.

use phonenumber::country::Id;
use phonenumber::Mode;

/// A licence cell: `TRUE` / `T` adds, `FALSE` / `F` removes (in "add and remove" mode), blank
/// means no change.
pub fn licence(value: &str) -> Result<Option<bool>, String> {
    match value.trim().to_uppercase().as_str() {
        "" => Ok(None),
        "TRUE" | "T" => Ok(Some(true)),
        "FALSE" | "F" => Ok(Some(false)),
        other => Err(format!(
            "\"{other}\" is not a licence value: use TRUE, FALSE, or leave it blank."
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
            .replace('.', "")
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
            .filter(phonenumber::is_valid)
    };
    let digits: String = value.chars().filter(|c| c.is_ascii_digit()).collect();
    let looks_international =
        !value.starts_with('+') && value.chars().all(|c| c.is_ascii_digit()) && digits.len() >= 11;
    if looks_international {
        // 15551234567: an international number whose "+" the spreadsheet removed.
        if let Some(number) = parse(&format!("+{digits}")) {
            return Ok(Phone::Number {
                e164: number.format().mode(Mode::E164).to_string(),
                repaired: true,
            });
        }
    }
    match parse(value) {
        Some(number) => Ok(Phone::Number {
            e164: number.format().mode(Mode::E164).to_string(),
            repaired: false,
        }),
        None => Err(format!(
            "\"{value}\" is not a phone number CC Sync can read; write it with its country code, e.g. +1 201 555 0123."
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
    }
}
