//! One row of a user file against the user it names: what would change, and every finding with
//! its column and a sentence. Pure: the store is reached only through the lookup it is given.

use phonenumber::country::Id;
use serde::{Deserialize, Serialize};

use super::columns::{Columns, LicenceColumn};
use super::validate::{self, Phone, Role};
use crate::model::FieldChange;

/// Control Hub's import modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", ts(rename = "UserImportMode"))]
pub enum Mode {
    /// "Add services only": TRUE adds a licence, FALSE is ignored.
    Add,
    /// "Add and remove services": FALSE removes the licence too.
    AddRemove,
}

/// The Contact Center licence a user holds (one at most; Premium includes Standard).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", ts(rename = "UserLicence"))]
pub enum Licence {
    #[default]
    None,
    Standard,
    Premium,
}

impl Licence {
    /// As the store keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            Licence::None => "",
            Licence::Standard => "standard",
            Licence::Premium => "premium",
        }
    }

    pub fn parse(text: &str) -> Licence {
        match text {
            "standard" => Licence::Standard,
            "premium" => Licence::Premium,
            _ => Licence::None,
        }
    }

    fn label(self) -> Option<String> {
        match self {
            Licence::None => None,
            Licence::Standard => Some("Standard Agent".into()),
            Licence::Premium => Some("Premium Agent".into()),
        }
    }
}

/// What CC Sync keeps about a user that an import can set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserValues {
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    /// E.164, or empty.
    pub phone: String,
    pub licence: Licence,
    pub role: Option<Role>,
}

impl UserValues {
    /// The name the Records screen lists.
    pub fn list_name(&self, email: &str) -> String {
        if !self.display_name.is_empty() {
            return self.display_name.clone();
        }
        let full = format!("{} {}", self.first_name, self.last_name).trim().to_owned();
        if full.is_empty() {
            email.to_owned()
        } else {
            full
        }
    }

    /// The fields that differ from `before`, as old → new.
    pub fn changes_from(&self, before: &UserValues) -> Vec<FieldChange> {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let mut changes = Vec::new();
        let mut compare = |field: &str, old: Option<String>, new: Option<String>| {
            if old != new {
                changes.push(FieldChange {
                    field: field.into(),
                    old,
                    new,
                });
            }
        };
        compare("First name", text(&before.first_name), text(&self.first_name));
        compare("Last name", text(&before.last_name), text(&self.last_name));
        compare("Display name", text(&before.display_name), text(&self.display_name));
        compare("Phone number", text(&before.phone), text(&self.phone));
        compare("Licence", before.licence.label(), self.licence.label());
        compare(
            "Role",
            before.role.map(|r| r.label().into()),
            self.role.map(|r| r.label().into()),
        );
        changes
    }
}

/// A user already in the local store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingUser {
    pub record_id: i64,
    pub values: UserValues,
}

/// What the store holds for an email.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    New,
    Found(&'a ExistingUser),
    /// Several stored users share the email.
    Ambiguous(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", ts(rename = "UserImportAction"))]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Invalid,
}

/// A problem with a row (an error keeps it out) or a note about it (a warning does not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "UserImportFinding"))]
pub struct Finding {
    /// The header of the column concerned; none for the row as a whole.
    pub column: Option<String>,
    pub message: String,
    pub warning: bool,
}

/// What a row does to licences, for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LicenceEffect {
    pub added: bool,
    pub removed: bool,
    /// The user is left with no Contact Center licence.
    pub cc_removed: bool,
}

/// One row, checked.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The email trimmed and lower-cased ("" when missing): uniqueness is checked on it.
    pub email_key: String,
    pub email: String,
    pub action: Action,
    pub findings: Vec<Finding>,
    pub target: UserValues,
    pub changes: Vec<FieldChange>,
    pub licence: LicenceEffect,
    pub record_id: Option<i64>,
}

impl Checked {
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.warning).count()
    }
}

/// How rows are read: the confirmed columns, the mode and the default country for phone numbers.
#[derive(Debug, Clone)]
pub struct Rules {
    pub columns: Columns,
    pub mode: Mode,
    pub region: Id,
}

/// The licence a user ends with.
pub fn target_licence(mode: Mode, current: Licence, standard: Option<bool>, premium: Option<bool>) -> Licence {
    if premium == Some(true) {
        return Licence::Premium;
    }
    if standard == Some(true) {
        // Premium includes Standard: a Standard TRUE takes Premium away only when the row also
        // removes Premium.
        let keeps_premium = current == Licence::Premium && (mode == Mode::Add || premium.is_none());
        return if keeps_premium {
            Licence::Premium
        } else {
            Licence::Standard
        };
    }
    let removes = |licence, cell| mode == Mode::AddRemove && current == licence && cell == Some(false);
    if removes(Licence::Premium, premium) || removes(Licence::Standard, standard) {
        return Licence::None;
    }
    current
}

impl Rules {
    /// Checks `cells` (one row) against what `lookup` finds for its email.
    pub fn check<'e>(&self, cells: &[&str], lookup: impl FnOnce(&str) -> Lookup<'e>) -> Checked {
        let columns = &self.columns;
        let mut findings = Vec::new();
        let mut error = |column: Option<usize>, message: String| {
            findings.push(Finding {
                column: column.map(|i| columns.header(i).to_owned()),
                message,
                warning: false,
            })
        };
        if cells.len() != columns.headers.len() {
            error(
                None,
                format!(
                    "This row has {} fields but the header has {}; a value probably contains the delimiter without \
                     quotes around it.",
                    cells.len(),
                    columns.headers.len()
                ),
            );
            return Checked {
                email_key: String::new(),
                email: String::new(),
                action: Action::Invalid,
                findings,
                target: UserValues::default(),
                changes: Vec::new(),
                licence: LicenceEffect::default(),
                record_id: None,
            };
        }
        let cell = |i: usize| cells[i].trim();
        let email = cell(columns.email);
        let email_key = email.to_lowercase();
        let mut existing = None;
        let mut known_new = false;
        match validate::email(email) {
            Err(message) => error(Some(columns.email), message),
            Ok(_) => match lookup(&email_key) {
                Lookup::New => known_new = true,
                Lookup::Found(user) => existing = Some(user),
                Lookup::Ambiguous(count) => error(
                    Some(columns.email),
                    format!(
                        "{count} users in the local store have this email, so CC Sync cannot tell which one to update."
                    ),
                ),
            },
        }
        let before = existing.map(|u| u.values.clone()).unwrap_or_default();
        let mut target = before.clone();
        let mut warnings = Vec::new();
        let mut warn = |column: usize, message: String| {
            warnings.push(Finding {
                column: Some(columns.header(column).to_owned()),
                message,
                warning: true,
            })
        };

        // Blank means "no change" for every column.
        for (column, value) in [
            (columns.first_name, &mut target.first_name),
            (columns.last_name, &mut target.last_name),
            (columns.display_name, &mut target.display_name),
        ] {
            if let Some(text) = column.map(cell).filter(|t| !t.is_empty()) {
                *value = text.to_owned();
            }
        }
        if let Some(column) = columns.phone {
            match validate::phone(cell(column), self.region) {
                Ok(Phone::NoChange) => {}
                Ok(Phone::Clear) => target.phone.clear(),
                Ok(Phone::Number { e164, repaired }) => {
                    if repaired {
                        warn(
                            column,
                            format!(
                                "\"{}\" had lost its leading \"+\" (spreadsheets drop it); read as {e164}.",
                                cell(column)
                            ),
                        );
                    }
                    target.phone = e164;
                }
                Err(message) => error(Some(column), message),
            }
        }

        let mut licence_cell = |column: Option<LicenceColumn>| {
            let column = column?;
            match validate::licence(cell(column.index)) {
                Err(message) => {
                    error(Some(column.index), message);
                    None
                }
                Ok(Some(true)) if column.suspended => {
                    error(
                        Some(column.index),
                        "This licence's subscription is suspended, so TRUE cannot be assigned; leave it blank or \
                         FALSE."
                            .into(),
                    );
                    None
                }
                Ok(value) => value,
            }
        };
        let standard = licence_cell(columns.standard);
        let premium = licence_cell(columns.premium);
        for &index in &columns.suspended {
            licence_cell(Some(LicenceColumn { index, suspended: true }));
        }
        if standard == Some(true) && premium == Some(true) {
            let column = columns.premium.map_or(columns.email, |c| c.index);
            warn(
                column,
                "Both Standard and Premium Agent are TRUE; a user holds one Contact Center licence, so Premium applies."
                    .into(),
            );
        }
        target.licence = target_licence(self.mode, before.licence, standard, premium);

        if let Some(column) = columns.role {
            match validate::role(cell(column)) {
                Ok(Some(Role::Administrator)) if known_new => error(
                    Some(column),
                    "Administrator can be given only to a user who already exists, not on creation: import the \
                     user with another role first."
                        .into(),
                ),
                Ok(Some(role)) => target.role = Some(role),
                Ok(None) => {}
                Err(message) => error(Some(column), message),
            }
        }
        if target.role == Some(Role::Supervisor) && target.licence != Licence::Premium {
            let column = columns.role.or(columns.premium.map(|c| c.index));
            error(
                column,
                "Supervisor needs the Premium Agent licence: set Premium Agent to TRUE for this user.".into(),
            );
        }

        findings.extend(warnings);
        let changes = target.changes_from(&before);
        let action = if findings.iter().any(|f| !f.warning) {
            Action::Invalid
        } else if existing.is_none() {
            Action::Create
        } else if changes.is_empty() {
            Action::Unchanged
        } else {
            Action::Update
        };
        let licence = if action == Action::Invalid {
            LicenceEffect::default()
        } else {
            LicenceEffect {
                added: target.licence > before.licence,
                removed: target.licence < before.licence,
                cc_removed: target.licence == Licence::None && before.licence != Licence::None,
            }
        };
        Checked {
            email_key,
            email: email.to_owned(),
            action,
            findings,
            target,
            changes,
            licence,
            record_id: existing.map(|u| u.record_id),
        }
    }
}
