//! Mappings to and from CSV. Export writes one row per CXone user; import reads one row per mapping (CXone user email or id, platform, account email
//! or id). A dry run checks every row and says what would happen; the commit applies the valid rows
//! as manual mappings in one transaction, or none if any row is invalid.

use std::collections::{HashMap, HashSet};

use fnv::FnvHashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::mapping::admin;
use crate::mapping::links::MappingLink;
use crate::mapping::rules::{self, MappingRow, MappingStatus};
use crate::model::{AuditAction, RunKind};
use crate::spreadsheet::{self, escape_formula, unescape_formula};
use crate::store::mappings::{held_elsewhere, mapping_states, platform_str, save_state};
use crate::store::runs::{self, RunCounts};
use crate::store::{now_rfc3339, Store};
use crate::{Error, Result};

/// What an import row will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Map,
    Unchanged,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportRowPlan {
    /// 1-based line number in the file (the header is line 1).
    pub line: u32,
    pub user: String,
    pub account: String,
    pub action: ImportAction,
    /// Why a row is invalid, or what it changes.
    pub message: String,
    /// The user and account the row resolved to (what the commit writes).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub record_id: Option<i64>,
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportSummary {
    pub map: u32,
    pub unchanged: u32,
    pub invalid: u32,
    pub rows: Vec<ImportRowPlan>,
}

/// Header names each column may have (compared without case, spaces or punctuation).
const USER_HEADERS: &[&str] = &[
    "cxoneuseremail",
    "cxoneuser",
    "cxoneuserid",
    "useremail",
    "user",
    "email",
];
const PLATFORM_HEADERS: &[&str] = &["platform"];
const ACCOUNT_HEADERS: &[&str] = &["accountemail", "account", "accountid", "externalaccount"];

fn squash(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Reads the file and plans every row against the store. Nothing is written.
pub fn plan(store: &Store, link: &MappingLink, reader: impl Read) -> Result<ImportSummary> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let bad = |what: String| Error::InvalidInput(what);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| bad(format!("The file cannot be read as CSV: {e}.")))?
        .iter()
        .map(|h| squash(h.trim_start_matches('\u{feff}')))
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(user_col), Some(account_col)) = (column(USER_HEADERS), column(ACCOUNT_HEADERS)) else {
        return Err(bad(
            "The file needs a column for the CXone user (email or id) and one for the account (email or id), e.g. \
             \"CXone user email\" and \"Account email\" as `ccsync map list`'s export writes them."
                .into(),
        ));
    };
    let platform_col = column(PLATFORM_HEADERS);

    let rows = admin::rows_unordered(store.conn(), link)?;
    let accounts = admin::stored_accounts(store, link)?;
    // Every key (id or email) with all it names: a key that names two is ambiguous, not a guess.
    // Each map is sized once and hashed with FNV (short keys): the plan is linear in the rows.
    let mut user_by_key: FnvHashMap<String, Vec<&MappingRow>> =
        FnvHashMap::with_capacity_and_hasher(rows.len() * 2, Default::default());
    for r in &rows {
        user_by_key.entry(r.user_id.clone()).or_default().push(r);
        if let Some(key) = rules::email_key(&r.email) {
            user_by_key.entry(key).or_default().push(r);
        }
    }
    let mut account_by_key: FnvHashMap<String, Vec<&crate::vendor::directory::ExternalAccount>> =
        FnvHashMap::with_capacity_and_hasher(accounts.len() * 2, Default::default());
    for a in &accounts {
        account_by_key.entry(a.id.clone()).or_default().push(a);
        for key in a
            .emails
            .iter()
            .filter_map(|e| rules::email_key(e))
            .collect::<std::collections::BTreeSet<_>>()
        {
            account_by_key.entry(key).or_default().push(a);
        }
    }
    let holders: FnvHashMap<&str, &MappingRow> = rows
        .iter()
        .filter(|r| r.status.is_some_and(MappingStatus::is_mapped))
        .filter_map(|r| Some((r.account_id.as_deref()?, r)))
        .collect();
    let elsewhere: FnvHashMap<String, String> = held_elsewhere(store.conn(), link)?
        .into_iter()
        .map(|h| (h.account_id, h.holder))
        .collect();

    let mut summary = ImportSummary::default();
    let mut users_seen: FnvHashMap<i64, u32> = FnvHashMap::with_capacity_and_hasher(rows.len(), Default::default());
    let mut accounts_seen: FnvHashMap<String, u32> =
        FnvHashMap::with_capacity_and_hasher(accounts.len(), Default::default());
    for (n, record) in csv.records().enumerate() {
        let line = n as u32 + 2;
        let record = record.map_err(|e| bad(format!("Line {line} cannot be read: {e}.")))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Our export escapes formula starts (crate::spreadsheet); reading it back undoes that.
        let cell = |i: usize| unescape_formula(record.get(i).unwrap_or("").trim()).trim().to_owned();
        let (user, account) = (cell(user_col), cell(account_col));
        let mut row = ImportRowPlan {
            line,
            user: user.clone(),
            account: account.clone(),
            action: ImportAction::Invalid,
            message: String::new(),
            record_id: None,
            account_id: None,
        };
        let wanted_platform = platform_col.map(cell).unwrap_or_default();
        let found_user = user_by_key
            .get(&user)
            .or_else(|| rules::email_key(&user).and_then(|k| user_by_key.get(&k)));
        let found_account = account_by_key
            .get(&account)
            .or_else(|| rules::email_key(&account).and_then(|k| account_by_key.get(&k)));
        row.message = if !wanted_platform.is_empty() && squash(&wanted_platform) != platform_str(link.platform) {
            format!(
                "Platform \"{wanted_platform}\" is not the one being imported ({}).",
                platform_str(link.platform)
            )
        } else if user.is_empty() {
            "The CXone user is empty.".into()
        } else if found_user.is_none() {
            format!(
                "No CXone user \"{user}\" in business unit {}; pull its users first, or import the file for the user's own business unit.",
                link.business_unit
            )
        } else if account.is_empty() {
            // An exported unmapped user: nothing to map.
            row.action = ImportAction::Unchanged;
            "No account on this row: nothing to map.".into()
        } else if found_account.is_none() {
            format!("No account \"{account}\" in the last list from the platform; run Auto Sync to refresh it.")
        } else if found_user.is_some_and(|u| u.len() > 1) {
            format!(
                "{} CXone users have \"{user}\"; use the CXone user id instead.",
                found_user.map_or(0, Vec::len)
            )
        } else if found_account.is_some_and(|a| a.len() > 1) {
            let ids: Vec<&str> = found_account.into_iter().flatten().map(|a| a.id.as_str()).collect();
            format!(
                "{} accounts have \"{account}\" ({}); use the account id instead.",
                ids.len(),
                ids.join(", ")
            )
        } else {
            String::new()
        };
        if row.message.is_empty() && row.action == ImportAction::Invalid {
            let (user_row, account) = (found_user.unwrap()[0], found_account.unwrap()[0]);
            row.record_id = Some(user_row.record_id);
            row.account_id = Some(account.id.clone());
            if let Some(first) = users_seen.insert(user_row.record_id, line) {
                row.message = format!("The same CXone user is on line {first} too.");
            } else if let Some(first) = accounts_seen.insert(account.id.clone(), line) {
                row.message = format!("The same account is on line {first} too.");
            } else if let Some(holder) = elsewhere.get(account.id.as_str()) {
                row.message = format!(
                    "{} is mapped to {holder}; an account is mapped to one user only, whichever business unit.",
                    account.name
                );
            } else if let Some(holder) = holders
                .get(account.id.as_str())
                .filter(|h| h.record_id != user_row.record_id)
            {
                row.message = format!(
                    "{} is already mapped to {}; unmap it there first.",
                    account.name, holder.name
                );
            } else if user_row.account_id.as_deref() == Some(account.id.as_str())
                && user_row.status.is_some_and(MappingStatus::is_mapped)
            {
                row.action = ImportAction::Unchanged;
                row.message = "Already mapped to this account.".into();
            } else {
                row.action = ImportAction::Map;
                row.message = format!("{} → {}", user_row.name, account.name);
            }
        }
        match row.action {
            ImportAction::Map => summary.map += 1,
            ImportAction::Unchanged => summary.unchanged += 1,
            ImportAction::Invalid => summary.invalid += 1,
        }
        summary.rows.push(row);
    }
    Ok(summary)
}

/// Applies a plan: every "map" row becomes a manual mapping, in one transaction. Refused when any
/// row is invalid (fix the file, or remove those rows, and import again).
pub fn commit(store: &mut Store, link: &MappingLink, summary: &ImportSummary) -> Result<u32> {
    if summary.invalid > 0 {
        return Err(Error::InvalidInput(format!(
            "{} row(s) are invalid; nothing was imported. Fix them (see the dry run) and import again.",
            summary.invalid
        )));
    }
    let now = now_rfc3339();
    let label = link.label();
    // Decided inside the write transaction, on the store as it is now (another process may have
    // mapped someone since the dry run).
    let tx = store.write_tx()?;
    let accounts: HashMap<String, crate::vendor::directory::ExternalAccount> = admin::stored_accounts_in(&tx, link)?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let users: HashSet<i64> = admin::rows_unordered(&tx, link)?
        .into_iter()
        .map(|r| r.record_id)
        .collect();
    let states = mapping_states(&tx, link)?;
    // Who holds each account now: a mapping made elsewhere since the dry run is never overwritten.
    let elsewhere = held_elsewhere(&tx, link)?;
    let holders: HashMap<&str, i64> = states
        .iter()
        .filter(|(_, s)| s.status.is_some_and(MappingStatus::is_mapped))
        .filter_map(|(user, s)| Some((s.account_id.as_deref()?, *user)))
        .chain(elsewhere.iter().map(|h| (h.account_id.as_str(), h.record_id)))
        .collect();
    let run_id = runs::insert_run(&tx, &link.run_start(RunKind::MappingImport, &label, &now))?;
    let mut done = 0u32;
    let mut seen = HashSet::new();
    for planned in summary.rows.iter().filter(|r| r.action == ImportAction::Map) {
        let (Some(record_id), Some(account_id)) = (planned.record_id, planned.account_id.as_deref()) else {
            continue;
        };
        let account = accounts.get(account_id).ok_or(Error::Stale("mappings"))?;
        if !users.contains(&record_id) {
            return Err(Error::Stale("mappings"));
        }
        if !seen.insert(record_id) {
            continue;
        }
        if holders.get(account_id).is_some_and(|holder| *holder != record_id) {
            return Err(Error::Stale("mappings"));
        }
        let old = states.get(&record_id).cloned().unwrap_or_default();
        let new = rules::map_manually(account, &old);
        save_state(&tx, link, record_id, &new, &now)?;
        let change = rules::mapping_change(link.platform, &old, &new, &|id| {
            accounts.get(id).map(|a| a.name.clone())
        });
        runs::insert_audit(&tx, run_id, record_id, AuditAction::Mapping, &[change], &now)?;
        done += 1;
    }
    let counts = RunCounts {
        updated: done,
        unchanged: summary.unchanged,
        ..RunCounts::default()
    };
    runs::finish_run(&tx, run_id, "succeeded", &counts, 0, None)?;
    tx.commit()?;
    Ok(done)
}

/// Writes the platform's mappings as CSV (one row per CXone user): what `import` will read back.
pub fn export_mappings(store: &Store, link: &MappingLink, path: &Path) -> Result<usize> {
    let rows = admin::list_rows(store, link)?;
    let mut bytes = Vec::from(spreadsheet::UTF8_BOM.as_bytes());
    {
        let mut writer = spreadsheet::csv_writer().from_writer(&mut bytes);
        let err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
        writer
            .write_record([
                "CXone user email",
                "CXone user id",
                "Name",
                "Platform",
                "Account email",
                "Account id",
                "Status",
                "Detail",
                "Business unit",
            ])
            .map_err(err)?;
        for r in &rows {
            let status = r.status.map(|s| {
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            });
            let cells = [
                r.email.as_str(),
                &r.user_id,
                &r.name,
                platform_str(link.platform),
                r.account_email.as_deref().unwrap_or(""),
                r.account_id.as_deref().unwrap_or(""),
                status.as_deref().unwrap_or("not_attempted"),
                &r.detail,
                &link.business_unit,
            ];
            writer
                .write_record(cells.iter().map(|c| escape_formula(c).into_owned()))
                .map_err(err)?;
        }
        writer.flush()?;
    }
    std::fs::write(path, bytes)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::links::testing::unit_link;
    use crate::store::mappings::save_accounts;
    use crate::vendor::directory::{ExternalAccount, Platform};

    /// The link `store_with` makes: business unit 1 to the RingCentral connection "RC".
    fn rc(store: &Store) -> MappingLink {
        unit_link(store, 1, Platform::Ringcentral, "RC")
    }

    /// A store with these users (CXone id, name, email) and accounts (id, name, email).
    fn store_with(dir: &tempfile::TempDir, users: &[(&str, &str, &str)], accounts: &[(&str, &str, &str)]) -> Store {
        let mut store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
        rc(&store);
        let tx = store.conn_mut().transaction().unwrap();
        for (id, name, email) in users {
            tx.execute(
                "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active,
                                      fields_hash, raw, group_name, first_synced_at, last_synced_at)
                 VALUES ('users', 1, ?1, ?2, ?3, lower(?3), 1, 0, '{}', '', 'now', 'now')",
                rusqlite::params![id, name, email],
            )
            .unwrap();
        }
        let accounts: Vec<ExternalAccount> = accounts
            .iter()
            .map(|(id, name, email)| ExternalAccount {
                id: (*id).into(),
                name: (*name).into(),
                emails: vec![(*email).into()],
                active: true,
                raw: "{}".into(),
            })
            .collect();
        save_accounts(&tx, "rc", Platform::Ringcentral, &accounts, "now").unwrap();
        tx.commit().unwrap();
        store
    }

    #[test]
    fn exported_mappings_are_formula_safe_and_import_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with(
            &dir,
            &[
                ("-7", " =SUM(A1)", "-dash@example.com"),
                ("8", "＝HYPERLINK(\"x\")", "＠wide@example.com"),
                ("9", "Ann", "ann@example.com"),
            ],
            &[
                ("@acc", "+1+1", "+plus@example.com"),
                ("acc-2", "－Minus", "=eq@example.com"),
            ],
        );
        let link = rc(&store);
        let csv = "CXone user id,Account id\n-7,@acc\n8,acc-2\n";
        let plan = plan(&store, &link, csv.as_bytes()).unwrap();
        assert_eq!((plan.map, plan.invalid), (2, 0), "{:?}", plan.rows);
        assert_eq!(commit(&mut store, &link, &plan).unwrap(), 2);

        let path = dir.path().join("mappings.csv");
        assert_eq!(export_mappings(&store, &link, &path).unwrap(), 3);
        let text = std::fs::read_to_string(&path).unwrap();
        // What Excel on Windows expects, written the same on every OS.
        let body = text.strip_prefix('\u{feff}').expect("UTF-8 with a BOM");
        assert_eq!(body.matches("\r\n").count(), 4, "{body:?}");
        assert_eq!(
            body.matches('\n').count(),
            body.matches("\r\n").count(),
            "CRLF line ends only"
        );
        for escaped in [
            "'-dash@example.com",
            "'-7",
            "' =SUM(A1)",
            "'＝HYPERLINK",
            "'＠wide@example.com",
            "'+plus@example.com",
            "'@acc",
            "'=eq@example.com",
        ] {
            assert!(text.contains(escaped), "{escaped} in {text}");
        }
        let again = super::plan(&store, &link, text.as_bytes()).unwrap();
        assert_eq!(
            (again.map, again.invalid, again.unchanged),
            (0, 0, 3),
            "export → import changes nothing: {:?}",
            again.rows
        );
    }
}
