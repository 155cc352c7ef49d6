//! The TypeScript types in ui/src/bindings are generated from the Rust types. This test fails when
//! they are stale; run it with `UPDATE_BINDINGS=1` to regenerate them. It needs the `ts` feature:
//! `cargo test -p ccsync-core --features ts --test bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ccsync_core::model::*;
use ccsync_core::{ApiError, ErrorCode};
use ts_rs::TS;

fn export_all(dir: &Path) {
    AppInfo::export_all_to(dir).unwrap();
    ApiError::export_all_to(dir).unwrap();
    ErrorCode::export_all_to(dir).unwrap();
    Connection::export_all_to(dir).unwrap();
    ConnectionDraft::export_all_to(dir).unwrap();
    ConnectionKind::export_all_to(dir).unwrap();
    TestOutcome::export_all_to(dir).unwrap();
    SyncPlan::export_all_to(dir).unwrap();
    Selection::export_all_to(dir).unwrap();
    ApplyResult::export_all_to(dir).unwrap();
    ProgressEvent::export_all_to(dir).unwrap();
    StoredRecord::export_all_to(dir).unwrap();
    SyncRun::export_all_to(dir).unwrap();
    RunKind::export_all_to(dir).unwrap();
    AuditAction::export_all_to(dir).unwrap();
    SaveAndTest::export_all_to(dir).unwrap();
    AuditEntry::export_all_to(dir).unwrap();
    ccsync_core::mapping::rules::MappingRow::export_all_to(dir).unwrap();
    ccsync_core::mapping::rules::AccountMatch::export_all_to(dir).unwrap();
    ccsync_core::mapping::admin::MapCheck::export_all_to(dir).unwrap();
    ccsync_core::mapping::session::MappingActionResult::export_all_to(dir).unwrap();
    ccsync_core::mapping::auto_sync::AutoSyncResult::export_all_to(dir).unwrap();
    ccsync_core::mapping::auto_sync::PermissionGate::export_all_to(dir).unwrap();
    ccsync_core::store::recovery::StoreProblem::export_all_to(dir).unwrap();
    ccsync_core::store::recovery::Recovery::export_all_to(dir).unwrap();
    ccsync_core::vendor::directory::Platform::export_all_to(dir).unwrap();
    ccsync_core::mapping::schedule::ScheduleInfo::export_all_to(dir).unwrap();
    ccsync_core::mapping::links::MappingLink::export_all_to(dir).unwrap();
    ccsync_core::mapping::links::BusinessUnit::export_all_to(dir).unwrap();
    ccsync_core::mapping::transfer::ImportSummary::export_all_to(dir).unwrap();
    ccsync_core::import::presets::Preview::export_all_to(dir).unwrap();
    ccsync_core::import::presets::Preset::export_all_to(dir).unwrap();
    ccsync_core::import::queue::ImportQueue::export_all_to(dir).unwrap();
    ccsync_core::import::Summary::export_all_to(dir).unwrap();
    ccsync_core::import::RowPage::export_all_to(dir).unwrap();
    ccsync_core::import::Edited::export_all_to(dir).unwrap();
    ccsync_core::import::Mode::export_all_to(dir).unwrap();
    ccsync_core::import::rules::Licence::export_all_to(dir).unwrap();
    ccsync_core::import::validate::Role::export_all_to(dir).unwrap();
    ccsync_core::passwords::UserRef::export_all_to(dir).unwrap();
    ccsync_core::passwords::PasswordsSet::export_all_to(dir).unwrap();
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "ts"))
                .map(|p| {
                    (
                        p.file_name().unwrap().to_string_lossy().into_owned(),
                        std::fs::read_to_string(&p).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn typescript_bindings_are_fresh() {
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    let fresh_dir = tempfile::tempdir().unwrap();
    export_all(fresh_dir.path());
    let fresh = read_dir(fresh_dir.path());
    assert!(
        fresh.contains_key("Connection.ts"),
        "export produced {:?}",
        fresh.keys()
    );

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed_dir);
        std::fs::create_dir_all(&committed_dir).unwrap();
        for (name, text) in &fresh {
            std::fs::write(committed_dir.join(name), text).unwrap();
        }
        return;
    }
    let committed = read_dir(&committed_dir);
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>(),
        "ui/src/bindings has other files than the Rust types produce; run `UPDATE_BINDINGS=1 cargo test -p ccsync-core --test bindings`"
    );
    for (name, text) in &fresh {
        assert_eq!(
            committed.get(name),
            Some(text),
            "ui/src/bindings/{name} is stale; run `UPDATE_BINDINGS=1 cargo test -p ccsync-core --test bindings`"
        );
    }
}
