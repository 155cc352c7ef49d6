//! Auto Sync end to end against the emulator: the counts equal the emulator's known overlap.
//! Long on purpose: one scenario per test over shared fixtures; splitting it would scatter them.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ccsync_core::connections::Connections;
use ccsync_core::mapping::auto_sync::{self, AutoSyncOptions, PermissionGate};
use ccsync_core::mapping::links::{self, MappingLink};
use ccsync_core::model::*;
use ccsync_core::progress::NoProgress;
use ccsync_core::secrets::MemoryStore;
use ccsync_core::store::Store;
use ccsync_core::vendor::directory::Platform;
use ccsync_core::vendor::retry::RetryPolicy;
use ccsync_core::ErrorCode;
use ccsync_emulator::{demo, Emulator, TenantConfig};
use tokio_util::sync::CancellationToken;

async fn setup(agents: usize) -> (Emulator, Connections, tempfile::TempDir) {
    let emulator = Emulator::start(TenantConfig {
        agents,
        ..TenantConfig::demo(5)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store, Arc::new(MemoryStore::default())).unwrap();
    let url = emulator.base_url().to_owned();
    let drafts = [
        common::cxone_draft("CXone", &url),
        common::ringcentral_draft("RingCentral", &url),
        ConnectionDraft {
            name: "Webex".into(),
            settings: ConnectionSettings::Webex {
                api_url: url,
                credential: WebexCredential::PersonalToken,
            },
            secrets: BTreeMap::from([(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN.into())]),
        },
    ];
    for draft in drafts {
        connections.create(draft).await.unwrap();
    }
    common::pull_users(&connections, "CXone").await;
    (emulator, connections, dir)
}

fn gate(on: bool) -> AutoSyncOptions {
    AutoSyncOptions {
        gate: PermissionGate {
            enabled: on,
            ..PermissionGate::default()
        },
        retry: Some(RetryPolicy::quick()),
    }
}

/// The one business unit's link for `platform` (made by itself: one connection per platform).
fn link(connections: &Connections, platform: Platform) -> MappingLink {
    links::resolve(&connections.store_handle().lock().unwrap(), platform, None, None).unwrap()
}

#[tokio::test]
async fn auto_sync_counts_equal_the_known_overlap_on_both_platforms() {
    let (emulator, connections, _dir) = setup(400).await;
    for (name, overlap) in [
        (
            Platform::Ringcentral,
            emulator.with_data(|d| d.ringcentral.overlap.clone()),
        ),
        (Platform::Webex, emulator.with_data(|d| d.webex.overlap.clone())),
    ] {
        let result = auto_sync::run(
            &connections,
            &link(&connections, name),
            &gate(false),
            &NoProgress,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        let c = &result.counts;
        assert_eq!(c.mapped as usize, overlap.single, "{name:?}");
        assert_eq!(c.unmapped_multiple as usize, overlap.multiple, "{name:?}");
        assert_eq!(c.unmapped_only_inactive as usize, overlap.only_inactive, "{name:?}");
        assert_eq!(c.unmapped_no_match as usize, overlap.none, "{name:?}");
        assert_eq!((c.unmapped_in_use, c.skipped_no_permission, c.manual_kept), (0, 0, 0));
    }
}

#[tokio::test]
async fn the_permission_gate_skips_restricted_profiles_and_a_second_run_keeps_mappings() {
    let (emulator, connections, _dir) = setup(300).await;
    let restricted = emulator.with_data(|d| d.agents.iter().filter(|a| a.profile == 3).count());
    assert!(restricted > 0);
    let first = auto_sync::run(
        &connections,
        &link(&connections, Platform::Ringcentral),
        &gate(true),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(first.counts.skipped_no_permission as usize, restricted);
    let second = auto_sync::run(
        &connections,
        &link(&connections, Platform::Ringcentral),
        &gate(true),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        second.counts, first.counts,
        "nothing upstream changed, so nothing moves"
    );
    let store = connections.store_handle();
    let audit = store.lock().unwrap().run_audit(first.run_id).unwrap();
    assert!(
        audit.iter().any(|a| a.action == AuditAction::Mapping),
        "mapping changes are audited"
    );
    // Each changed user, with the account before and after as a person reads it.
    let mapped = audit
        .iter()
        .find(|a| {
            a.changes[0]
                .new
                .as_deref()
                .is_some_and(|n| n.ends_with("mapped by Auto Sync"))
        })
        .expect("a user mapped by this run");
    assert_eq!(mapped.changes[0].field, "RingCentral account");
    assert_eq!(mapped.changes[0].old, None, "{mapped:?}");
    assert!(!mapped.name.is_empty());
    let runs = store.lock().unwrap().list_runs(5).unwrap();
    assert!(runs.iter().any(|r| r.id == first.run_id && r.kind == RunKind::AutoSync));
    assert!(
        store.lock().unwrap().run_audit(second.run_id).unwrap().is_empty(),
        "a run that changes nothing audits nothing"
    );
}

#[tokio::test]
async fn auto_sync_needs_a_business_unit_and_its_users_first() {
    let emulator = Emulator::start(TenantConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store, Arc::new(MemoryStore::default())).unwrap();
    connections
        .create(ConnectionDraft {
            name: "Webex".into(),
            settings: ConnectionSettings::Webex {
                api_url: emulator.base_url().into(),
                credential: WebexCredential::PersonalToken,
            },
            secrets: BTreeMap::from([(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN.into())]),
        })
        .await
        .unwrap();
    // No CXone connection: no business unit, so nothing to map.
    let none = links::resolve(&connections.store_handle().lock().unwrap(), Platform::Webex, None, None).unwrap_err();
    assert_eq!(none.code(), ErrorCode::NoConnection);
    assert!(none.to_string().contains("no CXone connection"), "{none}");

    // A business unit whose users were never pulled.
    connections
        .create(common::cxone_draft("CXone", emulator.base_url()))
        .await
        .unwrap();
    let error = auto_sync::run(
        &connections,
        &link(&connections, Platform::Webex),
        &gate(false),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("pull users"), "{error}");
}

mod admin {
    use super::*;
    use ccsync_core::mapping::rules::MappingStatus;
    use ccsync_core::mapping::schedule::Schedule;
    use ccsync_core::mapping::{admin, search::AccountIndex};
    use ccsync_core::vendor::directory::Platform;

    #[tokio::test]
    async fn manual_map_unmap_and_retry_work_with_auto_sync() {
        let (_emulator, connections, _dir) = setup(300).await;
        let rc = link(&connections, Platform::Ringcentral);
        let (options, cancel) = (gate(false), CancellationToken::new());
        let run = || auto_sync::run(&connections, &rc, &options, &NoProgress, &cancel);
        run().await.unwrap();
        let store = connections.store_handle();
        let rows = admin::list_rows(&store.lock().unwrap(), &rc).unwrap();
        assert_eq!(rows.len(), 300);
        let multiple = rows
            .iter()
            .find(|r| r.status == Some(MappingStatus::UnmappedMultiple))
            .unwrap()
            .clone();
        let candidate = multiple
            .detail
            .split('(')
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .to_owned();

        let mapped = admin::map_user(
            &mut store.lock().unwrap(),
            &rc,
            multiple.record_id,
            &candidate,
            // The user's own account (same name, active, free): no confirmation needed.
            false,
        )
        .unwrap()
        .rows
        .remove(0);
        assert_eq!(mapped.status, Some(MappingStatus::MappedManual));
        assert_eq!(mapped.account_id.as_deref(), Some(candidate.as_str()));
        run().await.unwrap();
        let after = admin::list_rows(&store.lock().unwrap(), &rc).unwrap();
        assert_eq!(
            after.iter().find(|r| r.record_id == multiple.record_id).unwrap().status,
            Some(MappingStatus::MappedManual)
        );

        let other = after
            .iter()
            .find(|r| r.status == Some(MappingStatus::MappedAuto))
            .unwrap();
        // Someone else's account is taken only when the admin confirms, told whose it is.
        let taken = admin::map_user(
            &mut store.lock().unwrap(),
            &rc,
            multiple.record_id,
            other.account_id.as_deref().unwrap(),
            false,
        )
        .unwrap_err();
        assert_eq!(taken.code(), ccsync_core::ErrorCode::ConfirmationRequired);
        assert!(
            taken.to_string().contains(&format!("it is mapped to {}", other.name)),
            "{taken}"
        );

        // Unmap an auto mapping: Auto Sync leaves the pair alone; Retry lets it link again.
        let unmapped = admin::unmap_user(&mut store.lock().unwrap(), &rc, other.record_id)
            .unwrap()
            .rows
            .remove(0);
        assert_eq!(unmapped.status, Some(MappingStatus::UnmappedByAdmin));
        run().await.unwrap();
        let row = |id| {
            admin::list_rows(&store.lock().unwrap(), &rc)
                .unwrap()
                .into_iter()
                .find(|r| r.record_id == id)
                .unwrap()
        };
        assert_eq!(row(other.record_id).status, Some(MappingStatus::UnmappedByAdmin));
        admin::retry_user(&mut store.lock().unwrap(), &rc, other.record_id).unwrap();
        run().await.unwrap();
        assert_eq!(row(other.record_id).status, Some(MappingStatus::MappedAuto));
        assert_eq!(row(other.record_id).account_id, other.account_id);
    }

    #[tokio::test]
    async fn search_ranks_accounts_by_name_and_email_with_highlights() {
        let (emulator, connections, _dir) = setup(200).await;
        let wx = link(&connections, Platform::Webex);
        auto_sync::run(&connections, &wx, &gate(false), &NoProgress, &CancellationToken::new())
            .await
            .unwrap();
        let index = AccountIndex::load(&connections.store_handle().lock().unwrap(), &wx).unwrap();
        let wanted = emulator.with_data(|d| d.webex.accounts[10].clone());
        let query = format!(
            "{} {}",
            wanted.first_name,
            &wanted.last_name[..3.min(wanted.last_name.len())]
        );
        let found = index.search(&query, 20);
        assert!(
            found.iter().any(|m| m.name.starts_with(&wanted.first_name)),
            "{query}: {found:?}"
        );
        assert!(!found[0].name_highlights.is_empty(), "the matching part is marked");
        let email = wanted.email.as_deref().unwrap().trim();
        let by_email = index.search(email, 5);
        assert_eq!(by_email[0].email, email, "the exact address ranks first");
        assert!(index.search("   ", 5).is_empty());
    }

    #[tokio::test]
    async fn schedules_are_kept_and_validated() {
        let (_emulator, connections, _dir) = setup(10).await;
        let wx = link(&connections, Platform::Webex);
        let store = connections.store_handle();
        let store = store.lock().unwrap();
        assert_eq!(
            ccsync_core::mapping::schedule::schedule_info(&store, wx.id)
                .unwrap()
                .next_run,
            None
        );
        let info = ccsync_core::mapping::schedule::set_schedule(&store, wx.id, &Schedule::EveryMinutes { minutes: 15 })
            .unwrap();
        assert!(info.next_run.is_some());
        assert_eq!(
            ccsync_core::mapping::schedule::schedule_info(&store, wx.id)
                .unwrap()
                .schedule,
            Schedule::EveryMinutes { minutes: 15 }
        );
        let too_often =
            ccsync_core::mapping::schedule::set_schedule(&store, wx.id, &Schedule::EveryMinutes { minutes: 2 });
        assert!(too_often.unwrap_err().to_string().contains("5 minutes"));
    }

    #[tokio::test]
    async fn importing_mappings_checks_every_row_then_maps_all_or_nothing() {
        use ccsync_core::mapping::transfer::{self, ImportAction};
        let (emulator, connections, dir) = setup(120).await;
        let rc = link(&connections, Platform::Ringcentral);
        auto_sync::run(&connections, &rc, &gate(false), &NoProgress, &CancellationToken::new())
            .await
            .unwrap();
        let store = connections.store_handle();
        let rows = admin::list_rows(&store.lock().unwrap(), &rc).unwrap();
        let unmapped: Vec<_> = rows
            .iter()
            .filter(|r| r.status == Some(MappingStatus::UnmappedNoMatch))
            .take(2)
            .collect();
        let contractor = emulator.with_data(|d| {
            d.ringcentral
                .accounts
                .iter()
                .find(|a| a.first_name == "Contractor")
                .unwrap()
                .email
                .clone()
                .unwrap()
        });
        let csv = format!(
            "CXone user email,Platform,Account email\n{},ringcentral,{contractor}\nnobody@example.com,ringcentral,{contractor}\n{},RingCentral,{contractor}\n",
            unmapped[0].email, unmapped[1].email
        );
        let plan = transfer::plan(&store.lock().unwrap(), &rc, csv.as_bytes()).unwrap();
        assert_eq!((plan.map, plan.invalid), (1, 2), "{:?}", plan.rows);
        assert!(plan.rows[1].message.contains("nobody@example.com") && plan.rows[1].line == 3);
        assert!(
            plan.rows[2].message.contains("line 2"),
            "the same account twice: {:?}",
            plan.rows[2]
        );
        let refused = transfer::commit(&mut store.lock().unwrap(), &rc, &plan).unwrap_err();
        assert!(refused.to_string().contains("nothing was imported"));

        let fixed = format!(
            "CXone user email,Platform,Account email\n{},ringcentral,{contractor}\n",
            unmapped[0].email
        );
        let plan = transfer::plan(&store.lock().unwrap(), &rc, fixed.as_bytes()).unwrap();
        assert_eq!(plan.rows[0].action, ImportAction::Map);
        assert_eq!(transfer::commit(&mut store.lock().unwrap(), &rc, &plan).unwrap(), 1);
        let row = admin::list_rows(&store.lock().unwrap(), &rc)
            .unwrap()
            .into_iter()
            .find(|r| r.record_id == unmapped[0].record_id)
            .unwrap();
        assert_eq!(row.status, Some(MappingStatus::MappedManual));

        // Export → import: every row is unchanged (mapped rows match, unmapped ones have no account).
        let path = dir.path().join("mappings.csv");
        transfer::export_mappings(&store.lock().unwrap(), &rc, &path).unwrap();
        let exported = std::fs::read(&path).unwrap();
        let again = transfer::plan(&store.lock().unwrap(), &rc, exported.as_slice()).unwrap();
        assert_eq!(
            (again.map, again.invalid, again.unchanged),
            (0, 0, 120),
            "{:?}",
            again.rows.iter().find(|r| r.action != ImportAction::Unchanged)
        );
    }

    #[tokio::test]
    async fn the_permission_gate_is_off_until_turned_on_and_its_key_is_a_setting() {
        let (_emulator, connections, _dir) = setup(50).await;
        let store = connections.store_handle();
        let saved = PermissionGate::load(&store.lock().unwrap()).unwrap();
        assert_eq!(saved, PermissionGate::default());
        assert!(!saved.enabled, "off by default: the real key is not documented");
        assert_eq!(saved.permission_key, auto_sync::DEFAULT_PERMISSION_KEY);
        let changed = PermissionGate {
            enabled: true,
            permission_key: " SomethingElse ".into(),
        }
        .save(&store.lock().unwrap())
        .unwrap();
        assert_eq!(
            (changed.enabled, changed.permission_key.as_str()),
            (true, "SomethingElse")
        );
        assert_eq!(PermissionGate::load(&store.lock().unwrap()).unwrap(), changed);
        assert_eq!(
            AutoSyncOptions::from_settings(&store.lock().unwrap()).unwrap().gate,
            changed
        );
        let blank = PermissionGate {
            enabled: true,
            permission_key: " ".into(),
        };
        assert!(blank.save(&store.lock().unwrap()).is_err());
        assert_eq!(PermissionGate::load(&store.lock().unwrap()).unwrap(), changed);
    }

    /// A key that no security profile carries would skip everyone: the run stops with a sentence
    /// naming the key, and no mapping changes.
    #[tokio::test]
    async fn a_permission_key_no_profile_grants_stops_the_run_and_changes_nothing() {
        let (_emulator, connections, _dir) = setup(50).await;
        let wx = link(&connections, Platform::Webex);
        let first = auto_sync::run(&connections, &wx, &gate(false), &NoProgress, &CancellationToken::new())
            .await
            .unwrap();
        assert!(first.counts.mapped > 0);
        let store = connections.store_handle();
        let before = store.lock().unwrap().mapping_states(&wx).unwrap();
        let runs_before = store.lock().unwrap().list_runs(100).unwrap().len();
        let strict = AutoSyncOptions {
            gate: PermissionGate {
                enabled: true,
                permission_key: "NoSuchKey".into(),
            },
            retry: Some(RetryPolicy::quick()),
        };
        let error = auto_sync::run(&connections, &wx, &strict, &NoProgress, &CancellationToken::new())
            .await
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        let message = error.to_string();
        assert!(
            message.contains("\"NoSuchKey\"")
                && message.contains("would skip every user")
                && message.contains("turn the gate off"),
            "{message}"
        );
        assert_eq!(store.lock().unwrap().mapping_states(&wx).unwrap(), before);
        // History says why the run stopped.
        let runs = store.lock().unwrap().list_runs(100).unwrap();
        assert_eq!(runs.len(), runs_before + 1);
        assert_eq!(runs[0].status, "failed");
        assert!(
            runs[0].error.as_deref().is_some_and(|e| e.contains("NoSuchKey")),
            "{:?}",
            runs[0]
        );
    }

    /// Security profiles are read page by page until a short page: none is missed.
    #[tokio::test]
    async fn every_page_of_security_profiles_is_read() {
        use ccsync_core::vendor::cxone::profiles::security_profiles;
        let (emulator, connections, _dir) = setup(20).await;
        let cxone = connections.only_of_kind(ConnectionKind::Cxone).await.unwrap();
        let (_, session) = connections.cxone_session(&cxone, RetryPolicy::quick()).await.unwrap();
        let all = security_profiles(&session, 100, &CancellationToken::new())
            .await
            .unwrap();
        assert!(all.len() >= 3, "{all:?}");
        let before = emulator.request_count("/inContactAPI/services/v34.0/security-profiles");
        let paged = security_profiles(&session, 1, &CancellationToken::new()).await.unwrap();
        assert_eq!(paged, all);
        // One request per profile, and one more that comes back empty.
        assert_eq!(
            emulator.request_count("/inContactAPI/services/v34.0/security-profiles") - before,
            all.len() + 1
        );
        let mappable = all
            .iter()
            .filter(|p| p.grants(auto_sync::DEFAULT_PERMISSION_KEY))
            .count();
        assert!(mappable > 0 && mappable < all.len(), "{all:?}");
    }

    #[tokio::test]
    async fn an_email_two_accounts_share_is_refused_in_an_import() {
        use ccsync_core::mapping::transfer::{self, ImportAction};
        let (emulator, connections, _dir) = setup(150).await;
        let rc = link(&connections, Platform::Ringcentral);
        auto_sync::run(&connections, &rc, &gate(false), &NoProgress, &CancellationToken::new())
            .await
            .unwrap();
        let store = connections.store_handle();
        let rows = admin::list_rows(&store.lock().unwrap(), &rc).unwrap();
        let multiple = rows
            .iter()
            .find(|r| r.status == Some(MappingStatus::UnmappedMultiple))
            .unwrap();
        let shared = emulator.with_data(|d| {
            d.ringcentral
                .accounts
                .iter()
                .find(|a| {
                    a.email
                        .as_deref()
                        .is_some_and(|e| e.trim().eq_ignore_ascii_case(multiple.email.trim()))
                })
                .unwrap()
                .email
                .clone()
                .unwrap()
        });
        let csv = format!(
            "CXone user email,Account email\n{},{}\n",
            multiple.user_id,
            shared.trim()
        );
        let plan = transfer::plan(&store.lock().unwrap(), &rc, csv.as_bytes()).unwrap();
        assert_eq!(plan.rows[0].action, ImportAction::Invalid);
        assert!(
            plan.rows[0].message.contains("use the account id"),
            "{}",
            plan.rows[0].message
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_runner_never_runs_a_platform_twice_at_once_and_runs_schedules_when_due() {
        use ccsync_core::mapping::auto_sync::Runner;
        use ccsync_emulator::{Fault, FaultRule};
        let (emulator, connections, _dir) = setup(30).await;
        let wx = link(&connections, Platform::Webex);
        PermissionGate::default()
            .save(&connections.store_handle().lock().unwrap())
            .unwrap();
        let runner = Runner::new(connections.clone());

        // A slow directory keeps the first run going while a second is asked for.
        emulator.set_faults(vec![FaultRule::always(
            "/v1/people",
            Fault::Delay(std::time::Duration::from_millis(800)),
        )]);
        let cancel = CancellationToken::new();
        let (first, second) = tokio::join!(runner.run_now(wx.id, &NoProgress, &cancel), async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            runner.run_now(wx.id, &NoProgress, &cancel).await
        });
        assert!(first.is_ok());
        assert!(second.unwrap_err().to_string().contains("already running"));
        emulator.set_faults(vec![]);

        // Every 10 minutes, with an injected clock: nothing before, one run when due, none right after.
        let store = connections.store_handle();
        ccsync_core::mapping::schedule::set_schedule(
            &store.lock().unwrap(),
            wx.id,
            &Schedule::EveryMinutes { minutes: 10 },
        )
        .unwrap();
        let now = time::OffsetDateTime::now_utc();
        assert!(runner
            .run_if_due(wx.id, now + time::Duration::minutes(5))
            .await
            .unwrap()
            .is_none());
        // The app was closed for hours: exactly one catch-up run…
        let later = now + time::Duration::hours(5);
        assert!(runner.run_if_due(wx.id, later).await.unwrap().is_some());
        assert!(runner
            .run_if_due(wx.id, later + time::Duration::minutes(1))
            .await
            .unwrap()
            .is_none());
        // …and the next one ten minutes after it.
        assert!(runner
            .run_if_due(wx.id, later + time::Duration::minutes(10))
            .await
            .unwrap()
            .is_some());
        let info = ccsync_core::mapping::schedule::schedule_info(&store.lock().unwrap(), wx.id).unwrap();
        assert!(info.last_run.is_some() && info.next_run.is_some());
    }

    /// A cron job from the command line holds the platform's Auto Sync: the app's scheduled run
    /// waits (still due, tried at the next tick), writing nothing, then runs once it is free.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scheduled_run_waits_while_another_process_runs_auto_sync() {
        use ccsync_core::mapping::auto_sync::Runner;
        let (_emulator, connections, _dir) = setup(30).await;
        let wx = link(&connections, Platform::Webex);
        let store = connections.store_handle();
        PermissionGate::default().save(&store.lock().unwrap()).unwrap();
        ccsync_core::mapping::schedule::set_schedule(
            &store.lock().unwrap(),
            wx.id,
            &Schedule::EveryMinutes { minutes: 10 },
        )
        .unwrap();
        // The other process: alive (this test's pid), beating now.
        let now = ccsync_core::store::now_rfc3339();
        store
            .lock()
            .unwrap()
            .conn()
            .execute(
                &format!(
                    "INSERT INTO job_locks (name, holder, command, pid, token, started_at, heartbeat_at)
                     VALUES ('{}', 'cli', 'ccsync map auto --platform webex', {}, 't', ?1, ?1)",
                    ccsync_core::store::locks::auto_sync_lock_name(wx.id),
                    std::process::id()
                ),
                [now.as_str()],
            )
            .unwrap();
        let runs_before = store.lock().unwrap().list_runs(100).unwrap().len();
        let runner = Runner::new(connections.clone());
        let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        assert!(runner.run_if_due(wx.id, later).await.unwrap().is_none());
        assert_eq!(
            store.lock().unwrap().list_runs(100).unwrap().len(),
            runs_before,
            "nothing written"
        );
        let info = ccsync_core::mapping::schedule::schedule_info(&store.lock().unwrap(), wx.id).unwrap();
        assert!(info.last_run.is_none(), "not counted as run: still due");

        // A manual run is refused with the sentence naming the holder.
        let refused = runner
            .run_now(wx.id, &NoProgress, &CancellationToken::new())
            .await
            .unwrap_err();
        assert_eq!(refused.code(), ccsync_core::ErrorCode::Busy);
        assert!(
            refused
                .to_string()
                .starts_with("A scheduled job from the command line, `ccsync map auto --platform webex` (pid "),
            "{refused}"
        );

        store
            .lock()
            .unwrap()
            .conn()
            .execute("DELETE FROM job_locks", [])
            .unwrap();
        assert!(runner.run_if_due(wx.id, later).await.unwrap().is_some());
    }
}

/// Two business units, each on its own emulator (different seeds, so different unit numbers,
/// users and accounts), each linked to its own RingCentral connection on its emulator.
struct TwoUnits {
    a: Emulator,
    b: Emulator,
    connections: Connections,
    link_a: MappingLink,
    link_b: MappingLink,
    _dir: tempfile::TempDir,
}

const PROFILES_PATH: &str = "/inContactAPI/services/v34.0/security-profiles";
const EXTENSIONS_PATH: &str = "/restapi/v1.0/account/~/extension";

async fn two_units(agents: usize) -> TwoUnits {
    let start = |seed| {
        Emulator::start(TenantConfig {
            agents,
            ..TenantConfig::demo(seed)
        })
    };
    let (a, b) = (start(5).await.unwrap(), start(6).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("db")).unwrap()));
    let connections = Connections::new(store, Arc::new(MemoryStore::default())).unwrap();
    for draft in [
        common::cxone_draft("Unit A", a.base_url()),
        common::cxone_draft("Unit B", b.base_url()),
        common::ringcentral_draft("RC A", a.base_url()),
        common::ringcentral_draft("RC B", b.base_url()),
    ] {
        connections.create(draft).await.unwrap();
    }
    for unit in ["Unit A", "Unit B"] {
        common::pull_users(&connections, unit).await;
    }
    let (link_a, link_b) = {
        let store = connections.store_handle();
        let store = store.lock().unwrap();
        // Two RingCentral connections: neither unit is linked by itself, and the unit must be named.
        let ambiguous = links::resolve(&store, Platform::Ringcentral, None, None).unwrap_err();
        assert!(ambiguous.to_string().contains("several business units"), "{ambiguous}");
        (
            links::link(&store, "Unit A", "RC A").unwrap(),
            links::link(&store, "Unit B", "RC B").unwrap(),
        )
    };
    assert_ne!(link_a.business_unit_id, link_b.business_unit_id);
    TwoUnits {
        a,
        b,
        connections,
        link_a,
        link_b,
        _dir: dir,
    }
}

impl TwoUnits {
    /// Every row `sql` (with `?1` the parameter) returns, as text, in order.
    fn rows(&self, sql: &str, parameter: &str) -> Vec<String> {
        let store = self.connections.store_handle();
        let store = store.lock().unwrap();
        let mut stmt = store.conn().prepare(sql).unwrap();
        let rows = stmt.query_map([parameter], |r| r.get::<_, String>(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn mapping_rows(&self, link: &MappingLink) -> Vec<String> {
        self.rows(
            "SELECT user_record_id || '|' || status || '|' || ifnull(account_id, '') || '|' || attempts || '|' || updated_at
             FROM mappings WHERE link_id = ?1 ORDER BY user_record_id",
            &link.id.to_string(),
        )
    }

    fn account_rows(&self, link: &MappingLink) -> Vec<String> {
        self.rows(
            "SELECT account_id || '|' || name || '|' || active || '|' || last_seen_at || '|' || ifnull(missing_since, '')
             FROM external_accounts WHERE connection_id = ?1 ORDER BY account_id",
            &link.external_connection_id,
        )
    }
}

/// Unit A's Auto Sync maps A's users to RC A's accounts and leaves every mapping row of unit B,
/// and every account of B's RingCentral connection, exactly as they were.
#[tokio::test]
async fn auto_sync_of_one_unit_never_touches_the_other_units_rows_or_accounts() {
    let units = two_units(120).await;
    let (options, cancel) = (gate(false), CancellationToken::new());
    let run = |link| auto_sync::run(&units.connections, link, &options, &NoProgress, &cancel);
    let b = run(&units.link_b).await.unwrap();
    let b_overlap = units.b.with_data(|d| d.ringcentral.overlap.clone());
    assert_eq!(b.counts.mapped as usize, b_overlap.single);
    let (b_rows, b_accounts) = (units.mapping_rows(&units.link_b), units.account_rows(&units.link_b));
    assert_eq!(b_rows.len(), 120);
    assert!(!b_accounts.is_empty());
    let b_directory_calls = units.b.request_count(EXTENSIONS_PATH);

    let a = run(&units.link_a).await.unwrap();
    // A's counts are A's alone: the same as A's emulator's known overlap of its own users and accounts.
    let a_overlap = units.a.with_data(|d| d.ringcentral.overlap.clone());
    assert_eq!(a.link_id, units.link_a.id);
    assert_eq!(
        (
            a.counts.mapped as usize,
            a.counts.unmapped_multiple as usize,
            a.counts.unmapped_only_inactive as usize,
            a.counts.unmapped_no_match as usize,
            a.counts.unmapped_in_use
        ),
        (
            a_overlap.single,
            a_overlap.multiple,
            a_overlap.only_inactive,
            a_overlap.none,
            0
        )
    );
    assert_eq!(units.mapping_rows(&units.link_a).len(), 120);
    assert_eq!(units.mapping_rows(&units.link_b), b_rows, "B's mappings untouched");
    assert_eq!(units.account_rows(&units.link_b), b_accounts, "B's accounts untouched");
    assert_eq!(
        units.b.request_count(EXTENSIONS_PATH),
        b_directory_calls,
        "B's RingCentral never asked"
    );
    // Every row A wrote is one of A's users.
    let store = units.connections.store_handle();
    let foreign: i64 = store
        .lock()
        .unwrap()
        .conn()
        .query_row(
            "SELECT count(*) FROM mappings m JOIN records r ON r.id = m.user_record_id
             WHERE m.link_id = ?1 AND r.business_unit_id IS NOT ?2",
            [units.link_a.id, units.link_a.business_unit_id.unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(foreign, 0);
}

/// The permission gate reads the security profiles of the unit whose users it judges: with A's
/// profiles unreachable, B's Auto Sync (gate on) reads B's only and skips B's restricted users,
/// while A's fails until A's profiles answer again.
#[tokio::test]
async fn the_permission_gate_reads_each_units_own_security_profiles() {
    use ccsync_emulator::{Fault, FaultRule};
    let units = two_units(150).await;
    units.a.set_faults(vec![FaultRule::always(
        PROFILES_PATH,
        Fault::Status {
            status: 500,
            retry_after: None,
        },
    )]);
    let restricted = |e: &Emulator| e.with_data(|d| d.agents.iter().filter(|a| a.profile == 3).count());
    let (options, cancel) = (gate(true), CancellationToken::new());
    let run = |link| auto_sync::run(&units.connections, link, &options, &NoProgress, &cancel);

    let b = run(&units.link_b).await.unwrap();
    assert_eq!(b.counts.skipped_no_permission as usize, restricted(&units.b));
    assert!(units.b.request_count(PROFILES_PATH) > 0, "B's profiles read");
    assert_eq!(units.a.request_count(PROFILES_PATH), 0, "A's profiles never asked");

    let refused = run(&units.link_a).await.unwrap_err();
    assert!(units.a.request_count(PROFILES_PATH) > 0, "{refused}");
    assert!(
        units.mapping_rows(&units.link_a).is_empty(),
        "nothing written: {refused}"
    );

    units.a.set_faults(vec![]);
    let profiles_of_b = units.b.request_count(PROFILES_PATH);
    let a = run(&units.link_a).await.unwrap();
    assert_eq!(a.counts.skipped_no_permission as usize, restricted(&units.a));
    assert_eq!(
        units.b.request_count(PROFILES_PATH),
        profiles_of_b,
        "B's profiles not read for A"
    );
}
