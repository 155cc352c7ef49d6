//! Several business units: each unit's users are mapped through its own link, Auto Sync of one
//! unit never touches another's rows or accounts, an account serves one user whichever unit, the
//! CLI's choice of unit is resolved with sentences, and a single-unit database migrates as it was.

use ccsync_core::mapping::admin;
use ccsync_core::mapping::auto_sync::{match_and_write, RunSource};
use ccsync_core::mapping::links::{self, testing::unit_link, MappingLink};
use ccsync_core::mapping::rules::{MappingStatus, MappingUser};
use ccsync_core::mapping::schedule::{self, Schedule};
use ccsync_core::mapping::search::AccountIndex;
use ccsync_core::store::{Store, LATEST_SCHEMA_VERSION};
use ccsync_core::vendor::directory::{ExternalAccount, Platform};
use ccsync_core::ErrorCode;

const UNIT_A: i64 = 4600001;
const UNIT_B: i64 = 4600002;

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("ccsync.sqlite3")).unwrap()
}

/// A pulled CXone user of `unit`.
fn add_user(store: &Store, id: i64, unit: i64, name: &str, email: &str) {
    store
        .conn()
        .execute(
            "INSERT INTO records (id, entity, business_unit_id, cxone_id, name, detail, email_key, is_active,
                                  fields_hash, raw, group_name, first_synced_at, last_synced_at)
             VALUES (?1, 'users', ?2, ?1, ?3, ?4, lower(?4), 1, 0, '{}', '', 'now', 'now')",
            rusqlite::params![id, unit, name, email],
        )
        .unwrap();
}

fn account(id: &str, name: &str, email: &str) -> ExternalAccount {
    ExternalAccount {
        id: id.into(),
        name: name.into(),
        emails: vec![email.into()],
        active: true,
        raw: "{}".into(),
    }
}

fn auto_sync(store: &mut Store, link: &MappingLink, accounts: &[ExternalAccount]) {
    let users: Vec<MappingUser> = store.mapping_users(link).unwrap().into_iter().map(|(u, _)| u).collect();
    let source = RunSource {
        started_at: "2026-12-02T10:00:00Z",
        started: std::time::Instant::now(),
    };
    match_and_write(store, link, &users, accounts, &source).unwrap();
}

/// Every row of a query, as text, to compare before and after.
fn dump(store: &Store, sql: &str) -> Vec<String> {
    dump_conn(store.conn(), sql)
}

fn dump_conn(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let columns = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..columns)
            .map(|i| match r.get::<_, rusqlite::types::Value>(i).unwrap() {
                rusqlite::types::Value::Null => "NULL".to_owned(),
                rusqlite::types::Value::Integer(n) => n.to_string(),
                rusqlite::types::Value::Real(x) => x.to_string(),
                rusqlite::types::Value::Text(t) => t,
                rusqlite::types::Value::Blob(b) => format!("{b:?}"),
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn auto_sync_of_one_unit_never_touches_another_units_rows_or_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let a = unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    let b = unit_link(&store, UNIT_B, Platform::Ringcentral, "RC West");
    // The same person is a user in both units (same email), each with an account in the unit's own
    // RingCentral account.
    add_user(&store, 1, UNIT_A, "Ana Silva", "ana@example.com");
    add_user(&store, 2, UNIT_A, "Bo Chen", "bo@example.com");
    add_user(&store, 3, UNIT_B, "Ana Silva", "ana@example.com");
    add_user(&store, 4, UNIT_B, "Cy Diaz", "cy@example.com");
    auto_sync(
        &mut store,
        &b,
        &[
            account("w-ana", "Ana Silva", "ana@example.com"),
            account("w-cy", "Cy Diaz", "cy@example.com"),
        ],
    );
    let b_mappings = "SELECT * FROM mappings WHERE user_record_id IN (3, 4) ORDER BY user_record_id";
    let b_accounts = "SELECT * FROM external_accounts WHERE connection_id = 'rc-west' ORDER BY account_id";
    let before = (dump(&store, b_mappings), dump(&store, b_accounts));
    assert_eq!(before.0.len(), 2, "unit B mapped both its users");

    auto_sync(
        &mut store,
        &a,
        &[
            account("e-ana", "Ana Silva", "ana@example.com"),
            account("e-bo", "Bo Chen", "bo@example.com"),
        ],
    );
    assert_eq!((dump(&store, b_mappings), dump(&store, b_accounts)), before);
    let a_rows = admin::list_rows(&store, &a).unwrap();
    let b_rows = admin::list_rows(&store, &b).unwrap();
    assert_eq!(
        a_rows
            .iter()
            .map(|r| (r.record_id, r.account_id.as_deref()))
            .collect::<Vec<_>>(),
        [(1, Some("e-ana")), (2, Some("e-bo"))]
    );
    assert_eq!(
        b_rows
            .iter()
            .map(|r| (r.record_id, r.account_id.as_deref()))
            .collect::<Vec<_>>(),
        [(3, Some("w-ana")), (4, Some("w-cy"))]
    );
    // Each unit's search offers its own connection's accounts only.
    let ids = |link: &MappingLink| {
        let mut ids: Vec<String> = AccountIndex::load(&store, link)
            .unwrap()
            .search("a", 10)
            .into_iter()
            .map(|m| m.account_id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&a), ["e-ana", "e-bo"]);
    assert_eq!(ids(&b), ["w-ana", "w-cy"]);
    // Runs carry their link and say which unit they were for.
    let runs = dump(&store, "SELECT link_id, connection_name FROM sync_runs ORDER BY id");
    assert_eq!(
        runs,
        [
            format!("{}|Unit {UNIT_B} ({UNIT_B}) → RC West", b.id),
            format!("{}|Unit {UNIT_A} ({UNIT_A}) → RC East", a.id),
        ]
    );
}

#[test]
fn an_account_serves_one_user_whichever_unit_when_a_connection_serves_two_units() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let a = unit_link(&store, UNIT_A, Platform::Webex, "Webex");
    let b = unit_link(&store, UNIT_B, Platform::Webex, "Webex");
    assert_eq!(a.external_connection_id, b.external_connection_id);
    add_user(&store, 1, UNIT_A, "Ana Silva", "ana@example.com");
    add_user(&store, 2, UNIT_B, "Ana Silva", "ana@example.com");
    let accounts = [account("ana", "Ana Silva", "ana@example.com")];
    auto_sync(&mut store, &a, &accounts);
    auto_sync(&mut store, &b, &accounts);

    let b_row = &admin::list_rows(&store, &b).unwrap()[0];
    assert_eq!(b_row.status, Some(MappingStatus::UnmappedInUse));
    assert!(
        b_row
            .detail
            .contains(&format!("Ana Silva (business unit Unit {UNIT_A} ({UNIT_A}))")),
        "{}",
        b_row.detail
    );
    assert_eq!(
        admin::list_rows(&store, &a).unwrap()[0].account_id.as_deref(),
        Some("ana")
    );

    // Map User in unit B is refused with a sentence, even confirmed, and changes nothing.
    let before = dump(&store, "SELECT * FROM mappings ORDER BY user_record_id");
    let refused = admin::map_user(&mut store, &b, 2, "ana", true).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput);
    assert!(
        refused
            .to_string()
            .contains("mapped to one user only, whichever business unit"),
        "{refused}"
    );
    assert_eq!(dump(&store, "SELECT * FROM mappings ORDER BY user_record_id"), before);
    // B's search shows it as held, by A's user.
    let found = AccountIndex::load(&store, &b).unwrap().search_for("ana", 5, Some(2));
    assert!(
        found[0]
            .mapped_to
            .as_deref()
            .is_some_and(|m| m.contains("business unit")),
        "{found:?}"
    );

    // Unit A lets it go: unit B may take it.
    admin::unmap_user(&mut store, &a, 1).unwrap();
    admin::map_user(&mut store, &b, 2, "ana", false).unwrap();
    assert_eq!(
        admin::list_rows(&store, &b).unwrap()[0].account_id.as_deref(),
        Some("ana")
    );
}

#[test]
fn the_unit_is_chosen_by_name_number_or_connection_and_refused_with_a_sentence_when_ambiguous() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    unit_link(&store, UNIT_B, Platform::Ringcentral, "RC West");
    store
        .set_connection_business_unit("cxone-4600002", UNIT_B, Some("West Coast"))
        .unwrap();

    let ambiguous = links::resolve(&store, Platform::Ringcentral, None, None).unwrap_err();
    assert_eq!(ambiguous.code(), ErrorCode::InvalidInput);
    assert_eq!(
        ambiguous.to_string(),
        format!(
            "There are several business units (Unit {UNIT_A} ({UNIT_A}), West Coast ({UNIT_B})); choose one with --business-unit NAME|ID."
        )
    );
    for named in [
        "West Coast",
        "west coast",
        "4600002",
        "Unit 4600002",
        "cxone-4600002",
        "West Coast (4600002)",
    ] {
        let link = links::resolve(&store, Platform::Ringcentral, Some(named), None).unwrap();
        assert_eq!(link.external_connection_name, "RC West", "{named}");
    }
    // The platform connection alone names the one unit it serves.
    let by_connection = links::resolve(&store, Platform::Ringcentral, None, Some("RC East")).unwrap();
    assert_eq!(by_connection.business_unit_id, Some(UNIT_A));
    let unknown = links::resolve(&store, Platform::Ringcentral, Some("North"), None).unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::NotFound);
    assert!(
        unknown.to_string().contains("There is no business unit \"North\""),
        "{unknown}"
    );
    // A unit linked to one connection, asked for through another: told how to change the link.
    let mismatch = links::resolve(&store, Platform::Ringcentral, Some("West Coast"), Some("RC East")).unwrap_err();
    assert!(mismatch.to_string().contains("ccsync map link"), "{mismatch}");
    // No Webex connection at all.
    let none = links::resolve(&store, Platform::Webex, Some("West Coast"), None).unwrap_err();
    assert_eq!(none.code(), ErrorCode::NoConnection);
}

#[test]
fn a_unit_is_linked_by_itself_only_when_one_connection_of_the_platform_exists() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    // A second unit: with one RingCentral connection it is linked by itself.
    unit_link(&store, UNIT_B, Platform::Webex, "Webex");
    let units = links::units(&store).unwrap();
    let b = units.iter().find(|u| u.business_unit_id == Some(UNIT_B)).unwrap();
    assert!(b
        .links
        .iter()
        .any(|l| l.platform == Platform::Ringcentral && l.external_connection_name == "RC East"));
    // A second RingCentral connection: a third unit is not guessed, and is told to choose.
    unit_link(&store, UNIT_A, Platform::Ringcentral, "RC Other");
    unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    unit_link(&store, 4600003, Platform::Webex, "Webex");
    let c = links::units(&store)
        .unwrap()
        .into_iter()
        .find(|u| u.business_unit_id == Some(4600003))
        .unwrap();
    assert!(c.links.iter().all(|l| l.platform != Platform::Ringcentral), "{c:?}");
    let error = links::resolve(&store, Platform::Ringcentral, Some("4600003"), None).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("is not linked to a RingCentral connection, and there are several"),
        "{error}"
    );
}

#[test]
fn a_second_cxone_connection_to_a_linked_unit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let a = unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    // Another API user of the same business unit.
    let settings = store.get_connection(&a.cxone_connection_id).unwrap().unwrap().settings;
    store.insert_connection("twin", "Same unit", &settings, false).unwrap();
    store
        .set_connection_business_unit("twin", UNIT_A, Some("East"))
        .unwrap();
    store
        .set_connection_business_unit(&a.cxone_connection_id, UNIT_A, Some("East"))
        .unwrap();
    let labels: Vec<String> = links::units(&store).unwrap().into_iter().map(|u| u.label).collect();
    assert_eq!(
        labels,
        [
            format!("East ({UNIT_A}) · Same unit"),
            format!("East ({UNIT_A}) · Unit {UNIT_A}")
        ]
    );
    let refused = links::link(&store, "twin", "rc-east").unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("is already linked to RingCentral through the CXone connection \"Unit 4600001\""),
        "{refused}"
    );
}

/// A database of the previous schema with one CXone connection, one RingCentral and one Webex
/// connection, mappings in every state, a schedule and its last error.
fn single_unit_database(path: &std::path::Path) {
    let old = Store::open_at_version(path, LATEST_SCHEMA_VERSION - 1).unwrap();
    old.conn()
        .execute_batch(
            r#"
            INSERT INTO connections (id, name, kind, settings, created_at, updated_at) VALUES
              ('cx', 'Prod', 'cxone', '{"kind":"cxone","auth_url":"https://cxone.niceincontact.com","client_id":"c","access_key_id":"k"}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
              ('rc', 'RingCentral', 'ringcentral', '{"kind":"ringcentral","server_url":"https://platform.ringcentral.com","client_id":"c"}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
              ('wx', 'Webex', 'webex', '{"kind":"webex","api_url":"https://webexapis.com"}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
            INSERT INTO sync_watermarks VALUES ('cx', 'users', 4600001, '2026-01-02T00:00:00Z');
            INSERT INTO records (id, entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash, raw, group_name, first_synced_at, last_synced_at) VALUES
              (1, 'users', 4600001, '11', 'Ana Silva', 'ana@example.com', 'ana@example.com', 1, 0, '{}', '', 'now', 'now'),
              (2, 'users', 4600001, '12', 'Bo Chen', 'bo@example.com', 'bo@example.com', 1, 0, '{}', '', 'now', 'now'),
              (3, 'users', 4600001, '13', 'Cy Diaz', 'cy@example.com', 'cy@example.com', 1, 0, '{}', '', 'now', 'now');
            INSERT INTO external_accounts VALUES
              ('ringcentral', 'rc-ana', 'Ana S.', '["ana@example.com"]', 1, '{}', 'now', 'now', NULL),
              ('ringcentral', 'rc-cy', 'Cy Diaz', '["cy@example.com"]', 1, '{}', 'now', 'now', '2026-01-03T00:00:00Z'),
              ('webex', 'wx-bo', 'Bo Chen', '["bo@example.com"]', 1, '{}', 'now', 'now', NULL);
            INSERT INTO mappings VALUES
              ('ringcentral', 1, 'mapped_manual', 'rc-ana', 'Mapped by hand.', 0, 'fp1', NULL, NULL, '2026-01-04T00:00:00Z'),
              ('ringcentral', 2, 'unmapped_no_match', NULL, 'No account has this email address.', 2, 'bo@example.com|', 'rc-old', NULL, '2026-01-04T00:00:00Z'),
              ('ringcentral', 3, 'mapped_auto', 'rc-cy', 'Matched by email.', 0, 'fp3', NULL, 'The account is no longer on the platform.', '2026-01-04T00:00:00Z'),
              ('webex', 2, 'mapped_auto', 'wx-bo', 'Matched by email.', 0, 'fp4', NULL, NULL, '2026-01-04T00:00:00Z');
            INSERT INTO auto_sync_schedules VALUES ('ringcentral', '{"kind":"hourly"}', '2026-01-01T00:00:00Z', '2026-01-05T09:00:00Z');
            INSERT INTO settings VALUES ('mapping.schedule.ringcentral.last_error', 'RingCentral said no.');
            INSERT INTO sync_runs (kind, connection_id, connection_name, started_at, status) VALUES
              ('auto_sync', 'rc', 'RingCentral', '2026-01-05T09:00:00Z', 'succeeded');
            "#,
        )
        .unwrap();
}

#[test]
fn a_single_unit_database_migrates_keeping_every_mapping_attempt_count_and_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ccsync.sqlite3");
    single_unit_database(&path);
    let state_columns = "SELECT platform, user_record_id, status, account_id, detail, attempts, fingerprint,
                                blocked_account, flag, updated_at FROM mappings ORDER BY platform, user_record_id";
    let before = dump_conn(&rusqlite::Connection::open(&path).unwrap(), state_columns);
    let store = Store::open(&path).unwrap();
    assert_eq!(dump(&store, state_columns), before, "every mapping field kept");

    assert_eq!(store.connection_business_unit("cx").unwrap(), Some((4600001, None)));
    let links = links::list(&store).unwrap();
    assert_eq!(
        links
            .iter()
            .map(|l| (l.platform, l.external_connection_id.as_str()))
            .collect::<Vec<_>>(),
        [(Platform::Ringcentral, "rc"), (Platform::Webex, "wx")]
    );
    let (rc, wx) = (&links[0], &links[1]);
    // The screen shows what it showed: the same rows, statuses, accounts, attempts and flags.
    let rows = admin::list_rows(&store, rc).unwrap();
    let shown: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.status,
                r.account_name.as_deref(),
                r.attempts,
                r.flag.is_some(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Ana Silva", Some(MappingStatus::MappedManual), Some("Ana S."), 0, false),
            ("Bo Chen", Some(MappingStatus::UnmappedNoMatch), None, 2, false),
            ("Cy Diaz", Some(MappingStatus::MappedAuto), Some("Cy Diaz"), 0, true),
        ]
    );
    assert_eq!(
        store.mapping_states(rc).unwrap()[&2].blocked_account.as_deref(),
        Some("rc-old")
    );
    assert_eq!(
        admin::list_rows(&store, wx).unwrap()[1].account_id.as_deref(),
        Some("wx-bo")
    );
    assert_eq!(
        dump(
            &store,
            "SELECT user_record_id, link_id FROM mappings ORDER BY platform, user_record_id"
        ),
        [
            format!("1|{}", rc.id),
            format!("2|{}", rc.id),
            format!("3|{}", rc.id),
            format!("2|{}", wx.id),
        ]
    );
    // The schedule and its last error moved to the link.
    let info = schedule::schedule_info(&store, rc.id).unwrap();
    assert_eq!(info.schedule, Schedule::Hourly);
    assert_eq!(info.last_run.as_deref(), Some("2026-01-05T09:00:00Z"));
    assert_eq!(info.last_error.as_deref(), Some("RingCentral said no."));
    assert_eq!(schedule::schedule_info(&store, wx.id).unwrap().schedule, Schedule::Off);
    // One unit: nothing asks which.
    assert_eq!(links::resolve(&store, Platform::Ringcentral, None, None).unwrap(), *rc);
    assert_eq!(links::units(&store).unwrap().len(), 1);
}

#[test]
fn the_link_goes_to_the_connection_the_last_auto_sync_used_when_there_were_several() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ccsync.sqlite3");
    single_unit_database(&path);
    {
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(
            r#"INSERT INTO connections (id, name, kind, settings, created_at, updated_at) VALUES
                 ('rc2', 'RingCentral 2', 'ringcentral', '{"kind":"ringcentral","server_url":"https://platform.ringcentral.com","client_id":"d"}', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
               DELETE FROM sync_watermarks;
               INSERT INTO sync_runs (kind, connection_id, connection_name, started_at, status) VALUES
                 ('auto_sync', 'rc2', 'RingCentral 2', '2026-01-06T09:00:00Z', 'succeeded');"#,
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let rc = links::resolve(&store, Platform::Ringcentral, None, None).unwrap();
    assert_eq!(rc.external_connection_id, "rc2");
    // Without a watermark, the one unit the users carry is the connection's.
    assert_eq!(store.connection_business_unit("cx").unwrap(), Some((4600001, None)));
}

#[test]
fn deleting_a_connection_removes_its_links_and_schedules_but_keeps_the_mappings() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let a = unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    add_user(&store, 1, UNIT_A, "Ana Silva", "ana@example.com");
    auto_sync(&mut store, &a, &[account("e-ana", "Ana Silva", "ana@example.com")]);
    schedule::set_schedule(&store, a.id, &Schedule::Hourly).unwrap();

    assert!(store.delete_connection("rc-east").unwrap());
    assert!(links::list(&store).unwrap().is_empty());
    assert_eq!(dump(&store, "SELECT COUNT(*) FROM auto_sync_schedules"), ["0"]);
    assert_eq!(
        dump(&store, "SELECT user_record_id, account_id, link_id FROM mappings"),
        ["1|e-ana|NULL"]
    );
    // Linked again (to a new connection of the same account), the mapping shows again.
    let again = unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    let row = &admin::list_rows(&store, &again).unwrap()[0];
    assert_eq!(row.account_id.as_deref(), Some("e-ana"));
}

#[test]
fn a_connection_of_the_wrong_kind_is_refused_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    unit_link(&store, UNIT_A, Platform::Ringcentral, "RC East");
    unit_link(&store, UNIT_A, Platform::Webex, "Webex");
    let not_a_unit = links::link(&store, "rc-east", "webex").unwrap_err();
    assert_eq!(not_a_unit.code(), ErrorCode::InvalidInput);
    assert!(
        not_a_unit
            .to_string()
            .contains("\"RC East\" is a RingCentral connection; a business unit is a NICE CXone connection."),
        "{not_a_unit}"
    );
    let not_a_platform = links::link(&store, "cxone-4600001", "cxone-4600001").unwrap_err();
    assert!(
        not_a_platform
            .to_string()
            .contains("is a CXone connection; a business unit is linked to a RingCentral or Webex"),
        "{not_a_platform}"
    );
    let wrong_platform = links::resolve(&store, Platform::Ringcentral, None, Some("Webex")).unwrap_err();
    assert_eq!(
        wrong_platform.to_string(),
        "\"Webex\" is a Webex connection, not a RingCentral one."
    );
    // Nothing was linked by the refusals.
    assert_eq!(links::list(&store).unwrap().len(), 2);
}
