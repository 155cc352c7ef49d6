//! CSV Import of users against the fixture files in tests/fixtures/csv and a real SQLite store.
//! Long on purpose: one scenario per test over shared fixtures; splitting it would scatter them.

use std::path::{Path, PathBuf};

use ccsync_core::import::columns::Field;
use ccsync_core::import::rules::Action;
use ccsync_core::import::{self, dry_run, export, presets, ImportOptions, Job, Mode, RowView};
use ccsync_core::progress::NoProgress;
use ccsync_core::store::Store;
use ccsync_core::Error;
use phonenumber::country::Id;
use tokio_util::sync::CancellationToken;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/csv")
        .join(name)
}

fn store(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("ccsync.sqlite3")).unwrap()
}

fn plan_with(store: &Store, path: &Path, options: &ImportOptions) -> ccsync_core::Result<Job> {
    dry_run(store, path, options, &NoProgress, &CancellationToken::new())
}

fn plan(store: &Store, path: &Path, mode: Mode) -> Job {
    let options = ImportOptions {
        mode,
        region: Some(Id::US),
        ..ImportOptions::default()
    };
    plan_with(store, path, &options).unwrap()
}

fn all_rows(job: &Job) -> Vec<RowView> {
    job.page(0, 1000, false).rows
}

fn commit(store: &mut Store, job: &mut Job) -> import::Summary {
    job.commit(store, &NoProgress, &CancellationToken::new()).unwrap()
}

fn row<'a>(rows: &'a [RowView], email: &str) -> &'a RowView {
    rows.iter()
        .find(|r| r.email.eq_ignore_ascii_case(email))
        .unwrap_or_else(|| panic!("no row for {email}"))
}

fn messages(row: &RowView) -> String {
    row.findings
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_control_hub_file_is_read_with_its_quoting_and_trailing_empty_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let preview = presets::preview(&store, &fixture("control_hub_utf8.csv"), None).unwrap();
    assert_eq!(
        (preview.format.encoding.as_str(), preview.format.delimiter.as_str()),
        ("UTF-8", "comma")
    );
    let status = preview.mappings.iter().find(|m| m.header == "User Status").unwrap();
    assert!(
        status.field.is_none() && status.note.is_some(),
        "export-only column ignored with a note"
    );

    let job = plan(&store, &fixture("control_hub_utf8.csv"), Mode::Add);
    let rows = all_rows(&job);
    assert_eq!(job.summary().rows, 4, "the trailing rows of empty cells are not users");
    assert_eq!(job.summary().created, 4);
    assert_eq!(job.summary().licences_added, 3);
    let ben = row(&rows, "ben.okafor@example.com");
    assert_eq!(ben.cells[3], "Okafor, Ben");
    assert!(ben
        .changes
        .iter()
        .any(|c| c.field == "Phone number" && c.new.as_deref() == Some("+12015550102")));
    assert_eq!(row(&rows, "chloé.martin@example.com").cells[3], "Chloé \"Coco\" Martin");
    let dan = row(&rows, "dan.weiss@example.com");
    assert_eq!(dan.cells[3], "Dan\nWeiss");
    assert_eq!(
        dan.line, 5,
        "rows numbered as a spreadsheet shows them: the quoted newline stays inside"
    );
    assert!(dan
        .changes
        .iter()
        .any(|c| c.field == "Licence" && c.new.as_deref() == Some("Standard Agent")));
}

#[test]
fn every_encoding_and_delimiter_excel_writes_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let cases = [
        (
            "bom_semicolon.csv",
            "UTF-8",
            "semicolon",
            "eva.muller@example.com",
            "Müller",
        ),
        (
            "excel_unicode_text_utf16le.txt",
            "UTF-16LE",
            "tab",
            "zoe.ng@example.com",
            "Zoë",
        ),
        ("utf16be_tab.tsv", "UTF-16BE", "tab", "zoe.ng@example.com", "Zoë"),
        (
            "excel_damaged_1252.csv",
            "windows-1252",
            "comma",
            "jose.garcia@example.com",
            "José",
        ),
        ("users.xlsx", "xlsx", "cells", "xavier.lopez@example.com", "López"),
    ];
    for (file, encoding, delimiter, email, accented) in cases {
        let job = plan(&store, &fixture(file), Mode::Add);
        assert_eq!(
            (job.shown.encoding.as_str(), job.shown.delimiter.as_str()),
            (encoding, delimiter),
            "{file}"
        );
        let rows = all_rows(&job);
        let found = row(&rows, email);
        assert!(
            found.cells.iter().any(|c| c.contains(accented)),
            "{file}: {:?}",
            found.cells
        );
    }
    // An .xlsx phone typed as a number keeps its digits (and gets its "+" back).
    let xlsx = plan(&store, &fixture("users.xlsx"), Mode::Add);
    let rows = all_rows(&xlsx);
    let xavier = row(&rows, "xavier.lopez@example.com");
    assert!(
        xavier.changes.iter().any(|c| c.new.as_deref() == Some("+14155550123")),
        "{xavier:?}"
    );
    // The delimiter can be overridden.
    let forced = ImportOptions {
        delimiter: Some(b','),
        ..ImportOptions::default()
    };
    let err = plan_with(&store, &fixture("bom_semicolon.csv"), &forced).unwrap_err();
    assert!(err.to_string().contains("No email column"), "{err}");
}

#[test]
fn an_excel_damaged_file_is_repaired_where_possible_and_explained_where_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let job = plan(&store, &fixture("excel_damaged_1252.csv"), Mode::Add);
    let rows = all_rows(&job);
    let jose = row(&rows, "jose.garcia@example.com");
    assert_eq!(jose.action, Action::Create);
    assert!(
        jose.findings[0].warning && jose.findings[0].message.contains("+442071838750"),
        "{jose:?}"
    );
    let rene = row(&rows, "rene.lefevre@example.com");
    assert_eq!(rene.action, Action::Invalid);
    assert_eq!(rene.findings[0].column.as_deref(), Some("Phone Number"));
    assert!(messages(rene).contains("scientific notation") && messages(rene).contains("Text"));
    assert_eq!(row(&rows, "sofia.ruiz@example.com").action, Action::Invalid);
    let tomas = row(&rows, "tomas.sousa@example.com");
    assert!(tomas.changes.iter().any(|c| c.new.as_deref() == Some("+12015550199")));
    let summary = job.summary();
    assert_eq!((summary.created, summary.invalid, summary.warnings), (2, 2, 1));
}

#[test]
fn duplicate_emails_name_each_other_and_bad_emails_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let job = plan(&store, &fixture("duplicates.csv"), Mode::Add);
    let rows = all_rows(&job);
    let by_line = |line: u64| rows.iter().find(|r| r.line == line).unwrap();
    assert!(messages(by_line(2)).contains("rows 4, 5"), "{}", messages(by_line(2)));
    assert!(messages(by_line(4)).contains("rows 2, 5"), "{}", messages(by_line(4)));
    assert!(messages(by_line(5)).contains("rows 2, 4"));
    assert_eq!(by_line(3).action, Action::Create);
    assert!(messages(by_line(6)).contains("missing"));
    assert!(messages(by_line(7)).contains("not an email"));
    assert_eq!((job.summary().created, job.summary().invalid), (1, 5));
}

#[test]
fn a_ragged_row_is_an_error_for_that_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let job = plan(&store, &fixture("ragged.csv"), Mode::Add);
    let rows = all_rows(&job);
    let wide = rows.iter().find(|r| r.line == 3).unwrap();
    assert!(
        messages(wide).contains("4 fields but the header has 3"),
        "{}",
        messages(wide)
    );
    assert!(messages(rows.iter().find(|r| r.line == 4).unwrap()).contains("2 fields"));
    assert_eq!((job.summary().created, job.summary().invalid), (2, 2));
}

#[test]
fn files_that_cannot_be_read_are_refused_before_any_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let cases = [
        ("header_only.csv", "no users"),
        ("empty.csv", "empty"),
        ("binary.csv", "binary"),
        ("duplicate_headers.csv", "appears twice"),
        ("no_email_column.csv", "No email column"),
    ];
    for (file, reason) in cases {
        let err = plan_with(&store, &fixture(file), &ImportOptions::default()).unwrap_err();
        assert!(err.to_string().contains(reason), "{file}: {err}");
        assert!(matches!(err, Error::InvalidInput(_)), "{file}: {err:?}");
    }
    let missing = plan_with(&store, &dir.path().join("nope.csv"), &ImportOptions::default()).unwrap_err();
    assert!(missing.to_string().contains("could not be read"), "{missing}");
}

#[test]
fn licence_and_role_rules() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let job = plan(&store, &fixture("licences_and_roles.csv"), Mode::Add);
    let rows = all_rows(&job);
    let both = row(&rows, "both@example.com");
    assert_eq!(both.action, Action::Create);
    assert!(both.findings[0].warning && messages(both).contains("Premium applies"));
    assert!(both.changes.iter().any(|c| c.new.as_deref() == Some("Premium Agent")));
    assert!(messages(row(&rows, "yes@example.com")).contains("not a licence value"));
    assert!(messages(row(&rows, "suspended@example.com")).contains("suspended"));
    assert!(messages(row(&rows, "sup-standard@example.com")).contains("Supervisor needs the Premium"));
    assert_eq!(row(&rows, "sup-premium@example.com").action, Action::Create);
    assert!(messages(row(&rows, "new-admin@example.com")).contains("only to a user who already exists"));
    assert!(messages(row(&rows, "two-roles@example.com")).contains("together with Supervisor"));
    assert!(messages(row(&rows, "boss@example.com")).contains("not a role"));
    assert_eq!((job.summary().created, job.summary().invalid), (2, 6));
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn both_modes_against_existing_users() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let seed = write(
        &dir,
        "seed.csv",
        "Email,Standard Agent,Premium Agent,Role\nstd@example.com,TRUE,,\nprem@example.com,,TRUE,\nsup@example.com,,TRUE,Supervisor\n",
    );
    let mut first = plan(&store, &seed, Mode::Add);
    assert_eq!(commit(&mut store, &mut first).created, 3);

    let change = write(
        &dir,
        "change.csv",
        "Email,Standard Agent,Premium Agent,Role\nstd@example.com,FALSE,FALSE,\nprem@example.com,TRUE,FALSE,\nsup@example.com,,FALSE,Administrator\n",
    );
    // Add services only: FALSE is ignored; Standard TRUE does not take Premium away.
    let add = plan(&store, &change, Mode::Add);
    let rows = all_rows(&add);
    assert_eq!(row(&rows, "std@example.com").action, Action::Unchanged);
    assert_eq!(row(&rows, "prem@example.com").action, Action::Unchanged);
    let sup = row(&rows, "sup@example.com");
    assert_eq!(
        sup.action,
        Action::Update,
        "an existing user may become Administrator: {sup:?}"
    );
    assert_eq!((add.summary().licences_added, add.summary().licences_removed), (0, 0));

    // Add and remove services: FALSE removes; both FALSE leaves no Contact Center licence.
    let remove = plan(&store, &change, Mode::AddRemove);
    let rows = all_rows(&remove);
    let std = row(&rows, "std@example.com");
    assert!(std
        .changes
        .iter()
        .any(|c| c.field == "Licence" && c.old.as_deref() == Some("Standard Agent") && c.new.is_none()));
    let prem = row(&rows, "prem@example.com");
    assert!(
        prem.changes.iter().any(|c| c.new.as_deref() == Some("Standard Agent")),
        "premium → standard: {prem:?}"
    );
    let summary = remove.summary();
    assert_eq!(
        (summary.licences_removed, summary.cc_licences_removed),
        (3, 2),
        "{summary:?}"
    );
    let mut remove = remove;
    let written = commit(&mut store, &mut remove);
    assert_eq!(written.updated, 3);
    let licences: Vec<(String, String)> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT email_key, licence || '/' || role FROM records WHERE profile_set ORDER BY 1")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        licences,
        [
            ("prem@example.com".into(), "standard/".into()),
            ("std@example.com".into(), "/".into()),
            ("sup@example.com".into(), "/administrator".into())
        ]
    );
}

#[test]
fn a_user_pulled_from_cxone_is_matched_by_email_and_updated() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    store
        .conn()
        .execute(
            "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash, raw,
                                  group_name, first_synced_at, last_synced_at)
             VALUES ('users', 7, '1001', 'Ann Lee', 'Ann.Lee@Example.com', 'ann.lee@example.com', 1, 1,
                     '{\"agentId\":1001,\"firstName\":\"Ann\",\"lastName\":\"Lee\"}', 'Call Center Agents', 't', 't')",
            [],
        )
        .unwrap();
    let file = write(
        &dir,
        "ann.csv",
        "Email,First Name,Last Name,Premium Agent\nANN.LEE@example.com,Ann,Lee,TRUE\n",
    );
    let mut job = plan(&store, &file, Mode::Add);
    let rows = all_rows(&job);
    assert_eq!(rows[0].action, Action::Update);
    assert_eq!(
        rows[0].changes.len(),
        1,
        "only the licence changes: {:?}",
        rows[0].changes
    );
    commit(&mut store, &mut job);
    assert_eq!(
        count(&store, "SELECT count(*) FROM records"),
        1,
        "no second record for the same email"
    );
    let records = store.list_records(ccsync_core::model::Entity::Users).unwrap();
    assert_eq!(records[0].licence.as_deref(), Some("premium"));
}

#[test]
fn remove_clears_a_phone_and_blank_cells_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let seed = write(
        &dir,
        "seed.csv",
        "Email,First Name,Phone Number\nzed@example.com,Zed,+44 20 7183 8750\n",
    );
    let mut first = plan(&store, &seed, Mode::Add);
    commit(&mut store, &mut first);
    let blank = write(&dir, "blank.csv", "Email,First Name,Phone Number\nzed@example.com,,\n");
    assert_eq!(plan(&store, &blank, Mode::AddRemove).summary().unchanged, 1);
    let remove = write(
        &dir,
        "remove.csv",
        "Email,First Name,Phone Number\nzed@example.com,,REMOVE|\n",
    );
    let mut job = plan(&store, &remove, Mode::Add);
    let rows = all_rows(&job);
    assert_eq!(
        rows[0].changes,
        [ccsync_core::model::FieldChange {
            field: "Phone number".into(),
            old: Some("+442071838750".into()),
            new: None
        }]
    );
    commit(&mut store, &mut job);
    let phone: String = store
        .conn()
        .query_row("SELECT phone FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(phone, "");
    let audit: String = store
        .conn()
        .query_row("SELECT changes FROM audit WHERE action = 'updated'", [], |r| r.get(0))
        .unwrap();
    assert!(audit.contains("+442071838750"), "the audit keeps old → new: {audit}");
}

#[test]
fn commit_writes_exactly_the_valid_rows_once_and_a_rerun_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let file = fixture("excel_damaged_1252.csv");
    let mut job = plan(&store, &file, Mode::Add);
    assert_eq!(
        count(&store, "SELECT count(*) FROM records"),
        0,
        "a dry run writes nothing"
    );
    let summary = commit(&mut store, &mut job);
    let run_id = summary.run_id.unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM records WHERE entity = 'users'"), 2);
    assert_eq!(
        count(
            &store,
            &format!("SELECT count(*) FROM audit WHERE run_id = {run_id} AND action = 'created'")
        ),
        2
    );
    let run = &store.list_runs(1).unwrap()[0];
    assert_eq!(
        (run.kind.as_str(), run.created, run.connection_name.as_str()),
        ("import", 2, "excel_damaged_1252.csv")
    );
    assert!(
        job.commit(&mut store, &NoProgress, &CancellationToken::new()).is_err(),
        "no second commit"
    );

    let again = plan(&store, &file, Mode::Add);
    let s = again.summary();
    assert_eq!((s.created, s.updated, s.unchanged, s.invalid), (0, 0, 2, 2));
}

#[test]
fn the_error_file_keeps_encoding_and_delimiter_and_reimports_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    for (file, expect_bom) in [
        ("excel_damaged_1252.csv", None),
        // UTF-8 without a BOM: the error file gets one, or Excel garbles accented names.
        ("duplicates.csv", Some(&b"\xef\xbb\xbf"[..])),
        ("excel_unicode_text_utf16le.txt", Some(&b"\xff\xfe"[..])),
    ] {
        let job = plan(&store, &fixture(file), Mode::Add);
        let out = dir.path().join(format!("{file}.errors.csv"));
        let written = job.write_errors(&out).unwrap();
        assert_eq!(written as u64, job.summary().invalid, "{file}");
        let bytes = std::fs::read(&out).unwrap();
        match expect_bom {
            Some(bom) => assert!(bytes.starts_with(bom), "{file}"),
            None => assert!(!bytes.starts_with(b"\xef\xbb\xbf"), "{file}: Windows-1252 stays so"),
        }
    }
    let job = plan(&store, &fixture("excel_damaged_1252.csv"), Mode::Add);
    let out = dir.path().join("errors.csv");
    job.write_errors(&out).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let (text, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(
        !bad && std::str::from_utf8(&bytes).is_err(),
        "written in Windows-1252, like the original"
    );
    assert!(
        text.starts_with("Row,Error,User ID/Email (Required),First Name,"),
        "{text}"
    );
    assert!(text.contains("René") && text.contains("scientific notation"));

    // Fix the two phone numbers in the error file (as a person would in Excel) and import it.
    let fixed = text
        .replace("1.55512E+10", "+1 201 555 0150")
        .replace(",12,", ",+1 201 555 0151,");
    std::fs::write(&out, encoding_rs::WINDOWS_1252.encode(&fixed).0).unwrap();
    let mut again = plan(&store, &out, Mode::Add);
    let s = again.summary().clone();
    assert_eq!((s.created, s.invalid), (2, 0), "{s:?}");
    commit(&mut store, &mut again);
}

#[test]
fn an_error_file_keeps_every_field_and_its_own_error_file_imports_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let file = write(
        &dir,
        "team.csv",
        "Email,Last Name,Standard Agent,Premium Agent\nj@example.com,Doe, Jane,TRUE,FALSE\nk@example.com,Kay,maybe,\nok@example.com,Ok,TRUE,\n",
    );
    let job = plan(&store, &file, Mode::Add);
    assert_eq!(job.summary().invalid, 2);
    let errors = dir.path().join("errors.csv");
    job.write_errors(&errors).unwrap();
    let text = std::fs::read_to_string(&errors).unwrap();
    assert!(
        text.contains("j@example.com,Doe, Jane,TRUE,FALSE"),
        "no field of the long row is lost: {text}"
    );
    assert!(job
        .write_errors(&file)
        .unwrap_err()
        .to_string()
        .contains("replace the file being imported"));

    // Fix one row, import the error file (its Error column is ignored), and save its errors again.
    std::fs::write(&errors, text.replace("Doe, Jane", "\"Doe, Jane\"")).unwrap();
    let mut second = plan(&store, &errors, Mode::Add);
    assert_eq!((second.summary().created, second.summary().invalid), (1, 1));
    let again = dir.path().join("errors-2.csv");
    second.write_errors(&again).unwrap();
    let text = std::fs::read_to_string(&again).unwrap();
    assert_bom_and_crlf(&text, 2);
    assert_eq!(
        text.trim_start_matches('\u{feff}').lines().next(),
        Some("Row,Error,Email,Last Name,Standard Agent,Premium Agent"),
        "one Row and one Error column"
    );
    std::fs::write(&again, text.replace(",maybe,", ",TRUE,")).unwrap();
    commit(&mut store, &mut second);
    let mut third = plan(&store, &again, Mode::Add);
    assert_eq!((third.summary().created, third.summary().invalid), (1, 0));
    commit(&mut store, &mut third);
    assert_eq!(count(&store, "SELECT count(*) FROM records"), 2);
}

#[test]
fn windows_1252_bytes_after_the_first_block_are_still_read_as_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let mut bytes = b"Email,Last Name\n".to_vec();
    for i in 0..3000 {
        bytes.extend_from_slice(format!("user{i}@example.com,Plain\n").as_bytes());
    }
    assert!(bytes.len() > 64 * 1024);
    bytes.extend_from_slice(b"m@example.com,M\xFCller\n");
    let path = dir.path().join("late.csv");
    std::fs::write(&path, bytes).unwrap();
    let job = plan(&store, &path, Mode::Add);
    assert_eq!(job.shown.encoding, "windows-1252");
    let last = job.page(job.summary().rows - 1, 1, false).rows.remove(0);
    assert_eq!(last.cells[1], "Müller");
}

#[test]
fn rows_cannot_be_edited_once_committed_nor_cut_when_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let file = write(
        &dir,
        "team.csv",
        "Email,Last Name,Standard Agent\nj@example.com,Doe, Jane,TRUE\nk@example.com,Kay,TRUE\n",
    );
    let mut job = plan(&store, &file, Mode::Add);
    let long = job.edit(0, 1, "Doe Jane").unwrap_err().to_string();
    assert!(long.contains("4 fields for 3 columns"), "{long}");
    commit(&mut store, &mut job);
    assert!(job
        .edit(1, 1, "Kay2")
        .unwrap_err()
        .to_string()
        .contains("already committed"));
}

#[test]
fn editing_a_cell_revalidates_its_row_and_its_duplicates_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let mut job = plan(&store, &fixture("duplicates.csv"), Mode::Add);
    let rows = all_rows(&job);
    let third = rows.iter().find(|r| r.line == 4).unwrap().index;
    let fixed = job.edit(third, 0, "amy.two@example.com").unwrap();
    assert_eq!(fixed.action, Action::Create);
    let rows = all_rows(&job);
    assert!(
        messages(rows.iter().find(|r| r.line == 2).unwrap()).contains("row 5"),
        "now names only row 5"
    );
    let broken = rows.iter().find(|r| r.line == 7).unwrap().index;
    let still = job.edit(broken, 0, "still broken").unwrap();
    assert_eq!(still.action, Action::Invalid);
    job.edit(broken, 0, "broken@example.com").unwrap();
    assert_eq!((job.summary().created, job.summary().invalid), (3, 3));
    let problems = job.page(0, 100, true);
    assert_eq!(problems.total, 3);
    assert!(job.edit(99, 0, "x").is_err());
    let summary = commit(&mut store, &mut job);
    assert_eq!(summary.created, 3);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM records WHERE email_key = 'broken@example.com'"
        ),
        1
    );
}

#[test]
fn a_stale_or_cancelled_commit_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let file = fixture("control_hub_utf8.csv");
    let mut slow = plan(&store, &file, Mode::Add);
    let mut other = plan(&store, &fixture("bom_semicolon.csv"), Mode::Add);
    commit(&mut store, &mut other);
    let err = slow
        .commit(&mut store, &NoProgress, &CancellationToken::new())
        .unwrap_err();
    assert!(matches!(err, Error::StaleImport), "{err}");
    assert_eq!(count(&store, "SELECT count(*) FROM records"), 2);

    let cancel = CancellationToken::new();
    cancel.cancel();
    let cancelled = plan_with(&store, &file, &ImportOptions::default()).unwrap();
    drop(cancelled);
    // Cancel is checked every few thousand rows: a big file shows it.
    let big = dir.path().join("big.csv");
    let mut text = String::from("Email\n");
    for i in 0..20_000 {
        text.push_str(&format!("user{i}@example.com\n"));
    }
    std::fs::write(&big, text).unwrap();
    let err = dry_run(&store, &big, &ImportOptions::default(), &NoProgress, &cancel).unwrap_err();
    assert!(matches!(err, Error::Cancelled));
    let mut job = plan(&store, &big, Mode::Add);
    let err = job.commit(&mut store, &NoProgress, &cancel).unwrap_err();
    assert!(matches!(err, Error::Cancelled));
    assert_eq!(count(&store, "SELECT count(*) FROM records"), 2, "all or nothing");
    assert_eq!(count(&store, "SELECT count(*) FROM sync_runs"), 1);
}

#[test]
fn export_then_import_round_trips_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    for file in [
        "control_hub_utf8.csv",
        "licences_and_roles.csv",
        "excel_damaged_1252.csv",
    ] {
        let mut job = plan(&store, &fixture(file), Mode::Add);
        commit(&mut store, &mut job);
    }
    // A name a spreadsheet would run as a formula.
    let tricky = write(
        &dir,
        "tricky.csv",
        "Email,First Name,Phone Number\n=evil@example.com,x,\nmark@example.com,=HYPERLINK(\"x\"),+44 20 7183 8750\n",
    );
    let mut job = plan(&store, &tricky, Mode::Add);
    commit(&mut store, &mut job);

    let out = dir.path().join("export.csv");
    let exported = export::export_users(&store, &out).unwrap();
    assert_eq!(
        exported as i64,
        count(&store, "SELECT count(*) FROM records WHERE entity = 'users'")
    );
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("'=HYPERLINK") && text.contains(",+442071838750,"),
        "{text}"
    );
    assert!(text.contains("Contact Center Premium Agent") && text.contains("TRUE"));
    for mode in [Mode::Add, Mode::AddRemove] {
        let back = plan(&store, &out, mode);
        let s = back.summary();
        assert_eq!(
            (s.unchanged, s.rows),
            (exported as u64, exported as u64),
            "{mode:?}: {s:?}"
        );
    }
}

#[test]
fn presets_are_saved_and_reused_for_the_same_headers() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let file = write(&dir, "odd.csv", "Mail,Given,Agent licence\nann@example.com,Ann,TRUE\n");
    assert!(presets::preview(&store, &file, None)
        .unwrap_err()
        .to_string()
        .contains("No email column"));
    let options = ImportOptions {
        overrides: vec![
            ("Mail".into(), Some(Field::Email)),
            ("Given".into(), Some(Field::FirstName)),
            ("Agent licence".into(), Some(Field::StandardAgent)),
        ],
        ..ImportOptions::default()
    };
    let job = plan_with(&store, &file, &options).unwrap();
    assert_eq!(job.summary().created, 1);
    let unknown = ImportOptions {
        overrides: vec![("Nope".into(), None)],
        ..ImportOptions::default()
    };
    assert!(plan_with(&store, &file, &unknown)
        .unwrap_err()
        .to_string()
        .contains("no column \"Nope\""));

    let mut mappings =
        ccsync_core::import::columns::guess_mappings(&["Mail".into(), "Given".into(), "Agent licence".into()]).unwrap();
    mappings[0].field = Some(Field::Email);
    mappings[1].field = Some(Field::FirstName);
    mappings[2].field = Some(Field::StandardAgent);
    presets::save_preset(&store, "Odd export", &mappings).unwrap();
    let other_order = write(
        &dir,
        "odd2.csv",
        "given,MAIL,Agent Licence\nBea,bea@example.com,FALSE\n",
    );
    let preview = presets::preview(&store, &other_order, None).unwrap();
    assert_eq!(preview.preset.as_deref(), Some("Odd export"));
    assert_eq!(preview.mappings[1].field, Some(Field::Email));
    assert_eq!(presets::list_presets(&store).unwrap(), ["Odd export"]);
    let by_name = ImportOptions {
        preset: Some("odd export".into()),
        ..ImportOptions::default()
    };
    assert_eq!(plan_with(&store, &other_order, &by_name).unwrap().summary().created, 1);
    let unknown = ImportOptions {
        preset: Some("HR".into()),
        ..ImportOptions::default()
    };
    let missing = plan_with(&store, &other_order, &unknown).unwrap_err().to_string();
    assert!(
        missing.contains("no import preset named \"HR\"") && missing.contains("Saved presets: Odd export"),
        "{missing}"
    );
}

/// Every cell of a CSV CC Sync wrote: none a spreadsheet would run as a formula, unless escaped
/// (an apostrophe first) or an E.164 phone number.
fn assert_formula_safe(text: &str) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            let e164 = cell
                .strip_prefix('+')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
            let runs = cell
                .trim_start()
                .starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠'])
                || cell.starts_with(['\t', '\r']);
            assert!(!runs || e164, "{cell:?} would run as a formula in:\n{text}");
        }
    }
}

#[test]
fn exported_users_are_formula_safe_with_full_width_signs_and_keep_e164_phones() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    let file = write(
        &dir,
        "wide.csv",
        "Email,First Name,Last Name,Display Name,Phone Number\n\
         wide@example.com,＝HYPERLINK(\"http://x\"),＠SUM(1),－2+3,+1 201 555 0123\n\
         plus@example.com,＋1,\"=1\",@me,\n",
    );
    let mut job = plan(&store, &file, Mode::Add);
    assert_eq!(job.summary().invalid, 0, "{:?}", all_rows(&job));
    commit(&mut store, &mut job);
    let out = dir.path().join("users.csv");
    assert_eq!(export::export_users(&store, &out).unwrap(), 2);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_bom_and_crlf(&text, 3);
    assert_formula_safe(&text);
    for escaped in [
        "'＝HYPERLINK",
        "'＠SUM(1)",
        "'－2+3",
        "'＋1",
        "'=1",
        "'@me",
        ",+12015550123,",
    ] {
        assert!(text.contains(escaped), "{escaped} in {text}");
    }
    let back = plan(&store, &out, Mode::Add);
    assert_eq!(
        (back.summary().unchanged, back.summary().rows),
        (2, 2),
        "export → import unchanged: {:?}",
        all_rows(&back)
    );
}

#[test]
fn the_error_file_escapes_its_header_row_and_its_error_column_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let file = write(
        &dir,
        "headers.csv",
        "Email,=Phone,＋Note\nann@example.com,call me,＠x\nbob@example.com,+1 201 555 0123, -1\n",
    );
    let options = ImportOptions {
        region: Some(Id::US),
        overrides: vec![("=Phone".into(), Some(Field::PhoneNumber))],
        ..ImportOptions::default()
    };
    let job = plan_with(&store, &file, &options).unwrap();
    assert_eq!(job.summary().invalid, 1, "{:?}", all_rows(&job));
    let out = dir.path().join("errors.csv");
    assert_eq!(job.write_errors(&out).unwrap(), 1);
    let text = std::fs::read_to_string(&out).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 with a BOM");
    assert_formula_safe(text);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Row,Error,Email,'=Phone,'＋Note"), "{text}");
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("2,\"'=Phone: ") && row.contains("call me") && row.ends_with(",'＠x"),
        "{row}"
    );
    // Imported again (as a person does once the row is fixed), the headers are the file's own.
    let again = plan_with(&store, &out, &options).unwrap();
    assert_eq!(again.headers(), ["Row", "Error", "Email", "=Phone", "＋Note"]);
    assert_eq!(again.summary().invalid, 1);
}

/// A CSV as Excel on Windows expects it, on every OS: UTF-8 with a BOM, `lines` lines, each ended
/// by CRLF.
fn assert_bom_and_crlf(text: &str, lines: usize) {
    let body = text.strip_prefix('\u{feff}').expect("UTF-8 with a BOM");
    assert_eq!(body.matches("\r\n").count(), lines, "{body:?}");
    assert_eq!(body.matches('\n').count(), lines, "CRLF line ends only: {body:?}");
}

/// The error file's rows as cells, its BOM (if any) removed.
fn error_file_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn the_error_file_numbers_each_row_as_its_messages_do_and_reimports_with_the_row_column_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(&dir);
    // Empty cells, an empty line, a quoted line break: the numbers are the spreadsheet's rows, not
    // the records read nor the lines of text.
    let file = write(
        &dir,
        "team.csv",
        "Email,First Name,Phone Number\r\n\
         amy@example.com,Amy,\r\n\
         ,,\r\n\
         \r\n\
         bob@example.com,\"Bob\r\nBobby\",\r\n\
         amy@example.com,Amy again,\r\n\
         cy@example.com,Cy,not a phone\r\n",
    );
    let job = plan(&store, &file, Mode::Add);
    let rows = all_rows(&job);
    assert_eq!(
        rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 5, 6, 7],
        "{rows:?}"
    );
    let invalid: Vec<&RowView> = rows.iter().filter(|r| r.action == Action::Invalid).collect();
    let lines: Vec<u64> = invalid.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 6, 7], "{rows:?}");
    // The duplicates name each other by those numbers.
    assert!(messages(invalid[0]).contains("row 6") && messages(invalid[1]).contains("row 2"));

    let out = dir.path().join("team-errors.csv");
    assert_eq!(job.write_errors(&out).unwrap(), 3);
    assert!(
        std::fs::read(&out).unwrap().starts_with(b"\xef\xbb\xbf"),
        "UTF-8 with a BOM"
    );
    let written = error_file_rows(&out);
    assert_eq!(written[0], ["Row", "Error", "Email", "First Name", "Phone Number"]);
    let numbers: Vec<&str> = written[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        numbers,
        ["2", "6", "7"],
        "the Row column holds the numbers the messages use"
    );
    assert!(written[2][1].contains("row 2"), "{:?}", written[2]);
    assert!(written[3][1].contains("Phone Number"), "{:?}", written[3]);

    // Corrected (the second Amy renamed, Cy's phone fixed) and imported again: Row and Error are
    // ignored, the header key is the original's, and every row is created.
    let fixed = std::fs::read_to_string(&out)
        .unwrap()
        .replace(",amy@example.com,Amy again,", ",amy2@example.com,Amy again,")
        .replace("not a phone", "+1 201 555 0123");
    std::fs::write(&out, fixed).unwrap();
    let preview = presets::preview(&store, &out, None).unwrap();
    assert_eq!(
        (
            preview.mappings[0].field,
            preview.mappings[1].field,
            preview.mappings[2].field
        ),
        (None, None, Some(Field::Email))
    );
    for ignored in &preview.mappings[..2] {
        assert!(
            ignored.note.as_deref().unwrap().contains("CC Sync's error files"),
            "{ignored:?}"
        );
    }
    assert_eq!(
        import::columns::header_key(&preview.headers),
        import::columns::header_key(&["Email".into(), "First Name".into(), "Phone Number".into()])
    );
    let mut again = plan(&store, &out, Mode::Add);
    let s = again.summary().clone();
    assert_eq!((s.created, s.invalid), (3, 0), "{:?}", all_rows(&again));
    commit(&mut store, &mut again);

    // A row still wrong in the corrected file: its Row is its number in that file, rewritten in place.
    std::fs::write(
        &out,
        "\u{feff}Row,Error,Email,First Name,Phone Number\r\n9,old,dee@example.com,Dee,\r\n\r\n7,old,eve@example.com,Eve,nope\r\n",
    )
    .unwrap();
    let third = plan(&store, &out, Mode::Add);
    let out2 = dir.path().join("team-errors-2.csv");
    third.write_errors(&out2).unwrap();
    let written = error_file_rows(&out2);
    assert_eq!(
        written[0],
        ["Row", "Error", "Email", "First Name", "Phone Number"],
        "no second Row column"
    );
    assert_eq!(written[1][0], "4", "the empty line counts, as in a spreadsheet");
    assert!(written[1][1].contains("Phone Number") && written[1][2] == "eve@example.com");
}

#[test]
fn an_error_file_written_in_windows_1252_keeps_it_with_its_row_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let job = plan(&store, &fixture("excel_damaged_1252.csv"), Mode::Add);
    let numbers: Vec<String> = all_rows(&job)
        .iter()
        .filter(|r| r.action == Action::Invalid)
        .map(|r| r.line.to_string())
        .collect();
    let out = dir.path().join("errors.csv");
    job.write_errors(&out).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err() && !bytes.starts_with(b"\xef\xbb\xbf"));
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let written: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(written, numbers);
}

#[test]
fn a_preset_saved_from_an_error_file_leaves_row_and_error_out_and_fits_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let errors = write(&dir, "errors.csv", "Row,Error,Mail,Given\n4,bad,ann@example.com,Ann\n");
    let headers: Vec<String> = ["Row", "Error", "Mail", "Given"].map(String::from).to_vec();
    let mut mappings = import::columns::guess_mappings(&headers).unwrap();
    assert_eq!(mappings[0].field, None);
    // Even mapped by hand, Row and Error are not saved.
    mappings[0].field = Some(Field::Role);
    mappings[2].field = Some(Field::Email);
    mappings[3].field = Some(Field::FirstName);
    presets::save_preset(&store, "HR export", &mappings).unwrap();
    let saved: String = store
        .conn()
        .query_row(
            "SELECT mappings FROM import_presets WHERE name = 'HR export'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!saved.contains("\"Row\"") && !saved.contains("\"Error\""), "{saved}");

    let original = write(&dir, "hr.csv", "Mail,Given\nbea@example.com,Bea\n");
    let preview = presets::preview(&store, &original, None).unwrap();
    assert_eq!(preview.preset.as_deref(), Some("HR export"));
    assert_eq!(
        preview.mappings.iter().map(|m| m.field).collect::<Vec<_>>(),
        [Some(Field::Email), Some(Field::FirstName)]
    );
    // And the error file itself is recognized, its Row and Error still ignored.
    let again = presets::preview(&store, &errors, None).unwrap();
    assert_eq!(again.preset.as_deref(), Some("HR export"));
    assert_eq!(
        again.mappings.iter().map(|m| m.field).collect::<Vec<_>>(),
        [None, None, Some(Field::Email), Some(Field::FirstName)]
    );
}

#[test]
fn the_preview_shows_the_first_three_values_of_each_column_on_one_line_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let long = "x".repeat(200);
    let file = write(
        &dir,
        "samples.csv",
        &format!(
            "Email,First Name,Notes,Role\n\
             a@example.com,,\"two\nlines\",\n\
             b@example.com,Bea,{long},\n\
             ,,\n\
             c@example.com,Cy,'=1+1,\n\
             d@example.com,Dee,<b>bold</b>,\n"
        ),
    );
    let preview = presets::preview(&store, &file, None).unwrap();
    assert_eq!(preview.samples.len(), 4, "one list per column");
    assert_eq!(preview.samples[0], ["a@example.com", "b@example.com", "c@example.com"]);
    assert_eq!(preview.samples[1], ["Bea", "Cy", "Dee"], "blank cells are skipped");
    assert_eq!(preview.samples[2][0], "two lines", "a line break becomes a space");
    assert!(
        preview.samples[2][1].ends_with('…') && preview.samples[2][1].chars().count() == 61,
        "{}",
        preview.samples[2][1]
    );
    assert_eq!(preview.samples[2][2], "=1+1", "read as the dry run reads it");
    assert!(
        preview.samples[3].is_empty(),
        "a column blank in every row shows nothing"
    );
}
