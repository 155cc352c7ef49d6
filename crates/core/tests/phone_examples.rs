//! The differential phone test: every region's example numbers in libphonenumber's metadata (fixed
//! line and mobile, as the phonenumber crate ships them), each written the ways spreadsheets hold
//! them, read by the import's phone rule. A number is read to its own E.164, or (without "+")
//! to "+" and every digit of the cell, or to the default country's own valid reading, or refused
//! with a sentence; never to a number with digits dropped or added.

use std::str::FromStr;

use ccsync_core::import::phone;
use ccsync_core::import::validate::{phone as read, Phone};
use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::Mode;

struct Example {
    region: String,
    code: u16,
    national: String,
    e164: String,
}

fn examples() -> Vec<Example> {
    let mut all = Vec::new();
    for meta in DATABASE.iter() {
        let descriptors = meta.descriptors();
        for desc in [descriptors.fixed_line(), descriptors.mobile()].into_iter().flatten() {
            if let Some(example) = desc.example() {
                all.push(Example {
                    region: meta.id().to_owned(),
                    code: meta.country_code(),
                    national: example.to_owned(),
                    e164: format!("+{}{example}", meta.country_code()),
                });
            }
        }
    }
    all.sort_by(|a, b| (&a.region, &a.e164).cmp(&(&b.region, &b.e164)));
    all.dedup_by(|a, b| a.region == b.region && a.e164 == b.e164);
    all
}

/// Groups of three digits after the country code: an international form a person would type.
fn spaced(example: &Example) -> String {
    let groups: Vec<String> = example
        .national
        .as_bytes()
        .chunks(3)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    format!("+{} {}", example.code, groups.join(" "))
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn every_regions_example_numbers_read_exactly() {
    let examples = examples();
    assert!(examples.len() > 400, "only {} examples", examples.len());
    let defaults = [Id::US, Id::GB, Id::DE, Id::FR, Id::IN, Id::CN, Id::BR, Id::AU];
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(what);
    let (mut repaired, mut national_wins, mut refused) = (0, 0, 0);
    for example in &examples {
        if !phone::valid(example.code, &example.national) {
            fail(format!(
                "{} {}: the metadata's own example is not valid",
                example.region, example.e164
            ));
            continue;
        }
        // With "+": E.164, spaced, and the crate's international format where it keeps every digit.
        let mut international = vec![example.e164.clone(), spaced(example)];
        if let Ok(parsed) = phonenumber::parse(None, &example.e164) {
            let formatted = parsed.format().mode(Mode::International).to_string();
            if digits(&formatted) == digits(&example.e164) {
                international.push(formatted);
            }
        }
        for form in &international {
            for default in [Id::US, Id::DE] {
                let got = read(form, default);
                let expected = Ok(Phone::Number {
                    e164: example.e164.clone(),
                    repaired: false,
                });
                if got != expected {
                    fail(format!("{} {form:?} (default {default:?}): {got:?}", example.region));
                }
            }
        }
        // National forms, read with the region as the default country.
        if let Ok(region) = Id::from_str(&example.region) {
            let mut national = vec![example.national.clone()];
            if let Ok(parsed) = phonenumber::parse(Some(region), &example.e164) {
                let formatted = parsed.format().mode(Mode::National).to_string();
                if digits(&formatted).ends_with(&example.national) {
                    national.push(formatted);
                }
            }
            for form in &national {
                let got = read(form, region);
                let expected = Ok(Phone::Number {
                    e164: example.e164.clone(),
                    repaired: false,
                });
                if got != expected {
                    fail(format!("{} national {form:?}: {got:?}", example.region));
                }
            }
        }
        // Without "+": "+" and every digit, the default country's own reading, or a sentence.
        let cell = example.e164.trim_start_matches('+').to_owned();
        for default in defaults.iter().copied().chain(Id::from_str(&example.region).ok()) {
            match read(&cell, default) {
                Ok(Phone::Number { e164, repaired: true }) => {
                    repaired += 1;
                    if e164 != example.e164 {
                        fail(format!("{cell} (default {default:?}): repaired to {e164}"));
                    }
                }
                Ok(Phone::Number { e164, repaired: false }) => {
                    // The default country's reading: a valid number whose national digits end the
                    // cell (a trunk prefix or an international call prefix is all that went).
                    let code = DATABASE.by_id(default.as_ref()).unwrap().country_code().to_string();
                    let ok = e164 == example.e164
                        || e164
                            .strip_prefix('+')
                            .and_then(|d| d.strip_prefix(&code))
                            .is_some_and(|national| {
                                phone::valid(code.parse().unwrap(), national) && cell.ends_with(national)
                            });
                    if ok {
                        national_wins += 1;
                    } else {
                        fail(format!("{cell} (default {default:?}): read as {e164}"));
                    }
                }
                Ok(other) => fail(format!("{cell} (default {default:?}): {other:?}")),
                Err(sentence) => {
                    refused += 1;
                    if !sentence.contains(&cell) || !sentence.ends_with('.') {
                        fail(format!(
                            "{cell} (default {default:?}): refused without a sentence: {sentence}"
                        ));
                    }
                    // Only too few digits to take for an international number are refused.
                    if cell.len() >= 8 {
                        fail(format!("{cell} (default {default:?}): refused though +{cell} is valid"));
                    }
                }
            }
        }
    }
    eprintln!(
        "{} examples: without \"+\", {repaired} repaired, {national_wins} read by the default country, {refused} refused",
        examples.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
