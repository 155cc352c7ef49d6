//! The CSV Import session driven the way the app drives it (queue, preview, the screen's whole
//! mapping, text region) and the way `ccsync import users` drives it (typed options, `--map`):
//! the same file and the same choices give the same plan, and the app's mapping is checked
//! against the file's own headers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ccsync_core::import::columns::Field;
use ccsync_core::import::{ImportOptions, ImportSession, Mode, RowView, Summary};
use ccsync_core::progress::NoProgress;
use ccsync_core::store::Store;
use ccsync_core::ErrorCode;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/csv")
        .join(name)
}

fn session(dir: &tempfile::TempDir, name: &str) -> ImportSession {
    let store = Store::open(&dir.path().join(name)).unwrap();
    ImportSession::new(Arc::new(Mutex::new(store)))
}

fn every_row(session: &ImportSession) -> Vec<RowView> {
    session.page(0, 10_000, false).unwrap().rows
}

/// The app: the file is dropped, previewed, and planned with the mapping the screen shows,
/// optionally changed by hand, with the region as the screen's text field holds it.
fn plan_as_the_app(session: &ImportSession, file: &Path, change: Option<(&str, Option<Field>)>) -> Summary {
    let path = file.display().to_string();
    let queue = session.enqueue(std::slice::from_ref(&path));
    assert_eq!(queue.current.as_deref(), Some(path.as_str()));
    let mut preview = session.preview(file, None).unwrap();
    if let Some((header, field)) = change {
        preview.mappings.iter_mut().find(|m| m.header == header).unwrap().field = field;
    }
    let options = ImportOptions {
        mappings: Some(preview.mappings),
        ..ImportOptions::typed(Mode::AddRemove, Some("US"), Some("")).unwrap()
    };
    session.plan(file, &options, &NoProgress).unwrap()
}

/// The CLI: `ccsync import users FILE --mode add-remove --region us [--map 'HEADER=field']`.
fn plan_as_the_cli(session: &ImportSession, file: &Path, change: Option<(&str, Option<Field>)>) -> Summary {
    let options = ImportOptions {
        overrides: change.map(|(h, f)| (h.to_owned(), f)).into_iter().collect(),
        ..ImportOptions::typed(Mode::AddRemove, Some("us"), None).unwrap()
    };
    session.plan(file, &options, &NoProgress).unwrap()
}

#[test]
fn the_app_and_the_cli_get_the_same_plan_for_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, change) in [
        ("control_hub_utf8.csv", None),
        ("excel_damaged_1252.csv", None),
        ("utf16be_tab.tsv", None),
        ("duplicates.csv", None),
        ("licences_and_roles.csv", None),
        // A column mapped by hand on the screen, and with --map.
        ("control_hub_utf8.csv", Some(("Display Name", None))),
        ("control_hub_utf8.csv", Some(("Phone Number", None))),
        ("control_hub_utf8.csv", Some(("User Status", Some(Field::Role)))),
    ] {
        let file = fixture(name);
        let app = session(&dir, &format!("app-{name}-{change:?}.sqlite3"));
        let cli = session(&dir, &format!("cli-{name}-{change:?}.sqlite3"));
        let app_summary = plan_as_the_app(&app, &file, change);
        let cli_summary = plan_as_the_cli(&cli, &file, change);
        assert_eq!(app_summary, cli_summary, "{name} {change:?}");
        assert!(app_summary.rows > 0, "{name}");
        assert_eq!(every_row(&app), every_row(&cli), "{name} {change:?}");
        assert_eq!(
            app.with_job(|job| job.mappings().to_vec()).unwrap(),
            cli.with_job(|job| job.mappings().to_vec()).unwrap(),
            "{name} {change:?}"
        );
        // And both commit the same.
        let app_written = app.commit(&NoProgress).unwrap();
        let cli_written = cli.commit(&NoProgress).unwrap();
        assert_eq!(
            (app_written.created, app_written.updated, app_written.invalid),
            (cli_written.created, cli_written.updated, cli_written.invalid),
            "{name} {change:?}"
        );
    }
}

#[test]
fn a_mapping_made_for_another_file_is_refused_and_the_job_under_review_stays() {
    let dir = tempfile::tempdir().unwrap();
    let app = session(&dir, "app.sqlite3");
    let reviewed = fixture("control_hub_utf8.csv");
    let summary = plan_as_the_app(&app, &reviewed, None);

    // The screen still holds the mapping of the first file when a second one is planned.
    let stale_mapping = app.preview(&reviewed, None).unwrap().mappings;
    let other = fixture("licences_and_roles.csv");
    let options = ImportOptions {
        mappings: Some(stale_mapping),
        ..ImportOptions::default()
    };
    let error = app.plan(&other, &options, &NoProgress).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(
        error.to_string().contains("does not match this file's headers"),
        "{error}"
    );
    assert_eq!(app.with_job(|job| job.summary().clone()).unwrap(), summary);
}

#[test]
fn finishing_a_file_drops_its_job_and_starts_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let app = session(&dir, "app.sqlite3");
    let first = fixture("control_hub_utf8.csv");
    let second = fixture("duplicates.csv").display().to_string();
    plan_as_the_app(&app, &first, None);
    let queue = app.enqueue(std::slice::from_ref(&second));
    assert_eq!(queue.waiting, std::slice::from_ref(&second));

    let queue = app.finish(&first.display().to_string());
    assert_eq!(queue.current.as_deref(), Some(second.as_str()));
    let gone = app.page(0, 10, false).unwrap_err();
    assert!(gone.to_string().contains("no import in progress"), "{gone}");
    assert!(app.commit(&NoProgress).is_err());
    // A second finish of the same file changes nothing.
    assert_eq!(
        app.finish(&first.display().to_string()).current.as_deref(),
        Some(second.as_str())
    );
}

#[test]
fn a_region_typed_on_the_screen_is_checked_and_saved_for_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let app = session(&dir, "app.sqlite3");
    let refused = ImportOptions::typed(Mode::Add, Some("Atlantis"), None).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput);
    let file = fixture("control_hub_utf8.csv");
    let options = ImportOptions {
        mappings: Some(app.preview(&file, None).unwrap().mappings),
        ..ImportOptions::typed(Mode::Add, Some("gb"), None).unwrap()
    };
    app.plan(&file, &options, &NoProgress).unwrap();
    assert_eq!(app.preview(&file, None).unwrap().region, "GB");
}
