//! Phone numbers read exactly: every digit a cell has is kept, or the cell is refused.
//!
//! libphonenumber's metadata (shipped by the phonenumber crate) says which numbers exist; CC Sync
//! reads cells itself rather than through the crate's parser, which strips what it takes for a
//! national prefix even from an international number (`+4915123456789` became `+495123456789`).
//!
//! A number is **valid** when its national number has a length and a pattern of one of its
//! region's number types (fixed line, mobile, toll free, …), as libphonenumber's `isValidNumber`
//! decides, not merely the country's general pattern (which let `+1 297 …` pass, though no US
//! area code 297 exists).
//!
//! A cell without a "+" is read, in this order:
//! 1. the default country's international call prefix (`00…`, `011…`) followed by a valid
//!    international number: that number, exactly;
//! 2. a valid national number of the default country (its trunk prefix, e.g. `0` or `1`, removed
//!    as that country's dialling rules say): the default country's reading **wins** when the
//!    digits are also a valid international number, because a national number is what a cell
//!    without "+" most often is;
//! 3. otherwise "+" followed by every digit of the cell, when that is a valid number: a spreadsheet
//!    dropped the "+" (the caller warns);
//! 4. otherwise a refusal with a sentence.
//!
//! The patterns are compiled by CC Sync, lazily and once per calling code or default country,
//! because the phonenumber crate keeps its own behind one global lock (regex-cache), which
//! serialized checking across cores.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use phonenumber::country::Id;
use phonenumber::metadata::{Metadata, DATABASE};
use regex::{Regex, RegexBuilder};

/// The longest national number libphonenumber knows (17 digits).
const MAX_LENGTH: usize = 17;

/// Fewer digits than this without a "+" are not taken for an international number.
const MIN_REPAIR_DIGITS: usize = 8;

/// One region's numbering plan: for each length, one pattern that is the union of the number
/// types allowing that length.
struct Region {
    leading_digits: Option<Regex>,
    by_length: Vec<Option<Regex>>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Region> {
        let descriptors = meta.descriptors();
        let types = [
            descriptors.fixed_line(),
            descriptors.mobile(),
            descriptors.toll_free(),
            descriptors.premium_rate(),
            descriptors.shared_cost(),
            descriptors.personal_number(),
            descriptors.voip(),
            descriptors.pager(),
            descriptors.uan(),
            descriptors.voicemail(),
        ];
        let general = descriptors.general().possible_length();
        let mut by_length: Vec<Option<Regex>> = (0..=MAX_LENGTH).map(|_| None).collect();
        for (length, slot) in by_length.iter_mut().enumerate() {
            let mut patterns: Vec<&str> = types
                .iter()
                .flatten()
                .filter(|d| {
                    let lengths = if d.possible_length().is_empty() {
                        general
                    } else {
                        d.possible_length()
                    };
                    // A type without lengths (rare) lets its pattern decide.
                    lengths.is_empty() || lengths.contains(&(length as u16))
                })
                .map(|d| d.national_number().as_str())
                .collect();
            // Fixed line and mobile are often one pattern (as in the US): compiled once.
            patterns.sort_unstable();
            patterns.dedup();
            if patterns.is_empty() || length == 0 {
                continue;
            }
            let alternation = patterns
                .iter()
                .map(|p| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|");
            *slot = Some(anchored(&format!("^(?:{alternation})$"))?);
        }
        Some(Region {
            leading_digits: meta
                .leading_digits()
                .and_then(|l| anchored(&format!("^(?:{})", l.as_str()))),
            by_length,
        })
    }

    fn valid(&self, national: &str) -> bool {
        self.by_length
            .get(national.len())
            .and_then(Option::as_ref)
            .is_some_and(|pattern| pattern.is_match(national))
    }
}

/// The metadata's patterns are written across lines: whitespace in them is not meant. They match
/// ASCII digits only, so `\d` is compiled as `[0-9]`: Unicode's digits made the national patterns
/// (the US one lists every area code) take 50 MB and 80 ms to compile.
fn anchored(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .ignore_whitespace(true)
        .unicode(false)
        .size_limit(1 << 24)
        .build()
        .ok()
}

static CODES: LazyLock<RwLock<HashMap<u16, Arc<[Region]>>>> = LazyLock::new(Default::default);

/// The regions of a calling code (several share +1), the main country first. `None` when no
/// country has this code.
fn regions(code: u16) -> Option<Arc<[Region]>> {
    if let Some(found) = CODES.read().unwrap_or_else(|e| e.into_inner()).get(&code) {
        return Some(found.clone());
    }
    let mut metas = DATABASE.by_code(&code)?;
    metas.sort_by_key(|m| !m.is_main_country_for_code());
    let regions: Arc<[Region]> = metas.into_iter().filter_map(Region::new).collect();
    if regions.is_empty() {
        return None;
    }
    CODES
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(code, regions.clone());
    Some(regions)
}

/// A national number is valid for a calling code: the region it belongs to (by its leading
/// digits where regions share the code) has a number type it fits, length and pattern.
pub fn valid(code: u16, national: &str) -> bool {
    if national.is_empty() || national.len() > MAX_LENGTH {
        return false;
    }
    let Some(regions) = regions(code) else {
        return false;
    };
    for region in regions.iter() {
        match &region.leading_digits {
            Some(leading) if leading.is_match(national) => return region.valid(national),
            Some(_) => {}
            None if region.valid(national) => return true,
            None => {}
        }
    }
    false
}

/// "+" and these digits, when they are a valid number: calling codes are prefix-free, so the
/// first one to three digits that name a code are the code.
pub fn international(digits: &str) -> Option<String> {
    (1..=3.min(digits.len().saturating_sub(1))).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        regions(code)?;
        Some(valid(code, &digits[len..]).then(|| format!("+{digits}")))
    })?
}

/// How the default country dials: its calling code, international call prefix and trunk prefix.
struct Dialling {
    code: u16,
    international_prefix: Option<Regex>,
    national_prefix: Option<Regex>,
    transform: Option<String>,
}

static DIALLING: LazyLock<RwLock<HashMap<Id, Arc<Dialling>>>> = LazyLock::new(Default::default);

fn dialling(country: Id) -> Option<Arc<Dialling>> {
    if let Some(found) = DIALLING.read().unwrap_or_else(|e| e.into_inner()).get(&country) {
        return Some(found.clone());
    }
    let meta = DATABASE.by_id(country.as_ref())?;
    let national_prefix = meta
        .national_prefix_for_parsing()
        .map(|p| p.as_str().to_owned())
        .or_else(|| meta.national_prefix().map(regex::escape));
    let dialling = Arc::new(Dialling {
        code: meta.country_code(),
        international_prefix: meta
            .international_prefix()
            .and_then(|p| anchored(&format!("^(?:{})", p.as_str()))),
        national_prefix: national_prefix.and_then(|p| anchored(&format!("^(?:{p})"))),
        // Java's `$1` as the regex crate spells it unambiguously.
        transform: meta
            .national_prefix_transform_rule()
            .map(|rule| Regex::new(r"\$(\d)").unwrap().replace_all(rule, "$${$1}").into_owned()),
    });
    DIALLING
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(country, dialling.clone());
    Some(dialling)
}

/// How a cell without "+" was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A national number of the default country, or an international one dialled with its
    /// international call prefix.
    Read(String),
    /// "+" followed by every digit of the cell: a spreadsheet dropped the "+".
    Repaired(String),
}

/// Reads the digits of a cell written without "+" (see the module's order), or `None`.
pub fn without_plus(digits: &str, country: Id) -> Option<Reading> {
    let dialling = dialling(country)?;
    if let Some(idd) = dialling.international_prefix.as_ref().and_then(|p| p.find(digits)) {
        let rest = &digits[idd.end()..];
        if !rest.starts_with('0') {
            if let Some(e164) = international(rest) {
                return Some(Reading::Read(e164));
            }
        }
    }
    if let Some(national) = national(digits, &dialling) {
        return Some(Reading::Read(format!("+{}{national}", dialling.code)));
    }
    if digits.len() >= MIN_REPAIR_DIGITS {
        return international(digits).map(Reading::Repaired);
    }
    None
}

/// The national number the digits are in the default country, trunk prefix removed (or
/// transformed, as Argentina's mobile `15` is) when its dialling rules say so.
fn national(digits: &str, dialling: &Dialling) -> Option<String> {
    if let Some(found) = dialling.national_prefix.as_ref().and_then(|p| p.captures(digits)) {
        let whole = found.get(0).map_or(0, |m| m.end());
        let last_group_matched = found.len() > 1 && found.get(found.len() - 1).is_some();
        let stripped = match (&dialling.transform, last_group_matched) {
            (Some(rule), true) => {
                let mut replaced = String::new();
                found.expand(rule, &mut replaced);
                replaced.push_str(&digits[whole..]);
                replaced
            }
            _ => digits[whole..].to_owned(),
        };
        if whole > 0 && valid(dialling.code, &stripped) {
            return Some(stripped);
        }
    }
    valid(dialling.code, digits).then(|| digits.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_regions_patterns_and_dialling_rules_compile() {
        for meta in DATABASE.iter() {
            let Ok(id) = meta.id().parse::<Id>() else { continue };
            let dialling = dialling(id).unwrap();
            assert_eq!(
                dialling.international_prefix.is_some(),
                meta.international_prefix().is_some(),
                "{}",
                meta.id()
            );
            assert_eq!(
                dialling.national_prefix.is_some(),
                meta.national_prefix_for_parsing().is_some() || meta.national_prefix().is_some(),
                "{}",
                meta.id()
            );
            // No region's patterns failed to compile (ASCII-only) and went missing.
            assert_eq!(
                regions(meta.country_code()).map(|r| r.len()),
                DATABASE.by_code(&meta.country_code()).map(|m| m.len()),
                "{}",
                meta.id()
            );
        }
    }
}
