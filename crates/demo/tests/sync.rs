//! The Synchronize engine against the emulator: every entity, both API shapes, paging edges,
//! faults, incremental pulls, updates, removals upstream, cancel and crash during apply.
//! Long on purpose: one scenario per test over shared fixtures; splitting it would scatter them.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ccsync_core::connections::Connections;
use ccsync_core::model::*;
use ccsync_core::progress::NoProgress;
use ccsync_core::secrets::MemoryStore;
use ccsync_core::store::Store;
use ccsync_core::sync::{self, PullOptions, PullSession};
use ccsync_core::vendor::cxone::admin::FetchOptions;
use ccsync_core::vendor::retry::RetryPolicy;
use ccsync_core::ErrorCode;
use ccsync_emulator::{demo, Fault, FaultRule, Shape, TenantConfig};
use common::{fixture, Fixture};
use tokio_util::sync::CancellationToken;

const AGENTS_PATH: &str = "/inContactAPI/services/v34.0/agents";

fn tenant(agents: usize, shape: Shape) -> TenantConfig {
    TenantConfig {
        agents,
        shape,
        ..TenantConfig::demo(3)
    }
}

fn options(full: bool, page_size: u32) -> PullOptions {
    PullOptions {
        full,
        fetch: FetchOptions {
            page_size,
            ..FetchOptions::default()
        },
        retry: RetryPolicy::quick(),
    }
}

impl Fixture {
    async fn plan(&self, entity: Entity, opts: &PullOptions) -> ccsync_core::Result<sync::PreparedPlan> {
        sync::prepare(
            &self.connections,
            "Tenant",
            entity,
            opts,
            &NoProgress,
            &CancellationToken::new(),
        )
        .await
    }

    async fn pull(&self, entity: Entity, opts: &PullOptions, selection: Selection) -> (SyncPlan, ApplyResult) {
        let prepared = self.plan(entity, opts).await.unwrap();
        let result = sync::apply(
            &self.store,
            &prepared,
            &selection,
            &NoProgress,
            &CancellationToken::new(),
        )
        .unwrap();
        (prepared.plan, result)
    }

    fn records(&self, entity: Entity) -> Vec<StoredRecord> {
        self.store.lock().unwrap().list_records(entity).unwrap()
    }

    fn count(&self, entity: Entity) -> u64 {
        self.store.lock().unwrap().count_records(entity).unwrap()
    }
}

fn assert_each_once(plan: &SyncPlan, expected: usize) {
    let ids: HashSet<&str> = plan.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(plan.rows.len(), expected, "rows");
    assert_eq!(ids.len(), expected, "every record exactly once");
}

#[tokio::test]
async fn every_entity_in_both_shapes_is_pulled_into_its_group() {
    for shape in [Shape::V34, Shape::Legacy] {
        let f = fixture(tenant(37, shape)).await;
        for (entity, expected) in [
            (Entity::Users, 37),
            (Entity::Campaigns, 12),
            (Entity::Dispositions, 10),
            (Entity::AgentStatuses, 8),
        ] {
            let (plan, result) = f.pull(entity, &options(true, 5), Selection::All).await;
            assert_each_once(&plan, expected);
            assert_eq!(
                (result.created, plan.summary.new),
                (expected as u32, expected as u32),
                "{shape:?} {entity:?}"
            );
            let stored = f.records(entity);
            assert_eq!(stored.len(), expected);
            assert!(
                stored
                    .iter()
                    .all(|r| r.group_name == entity.group_name() && !r.name.is_empty()),
                "{stored:?}"
            );
        }
        let users = f.records(Entity::Users);
        assert!(users.iter().all(|u| !u.password_set), "new users have no password");
        assert!(users.iter().any(|u| !u.is_active), "inactive users come along");
        assert!(users.iter().all(|u| u.detail.contains('@')), "users carry their email");
        let codes = f.records(Entity::AgentStatuses);
        assert!(codes.iter().any(|c| c.name == "Break"), "{codes:?}");
    }
}

#[tokio::test]
async fn both_shapes_give_the_same_compared_fields() {
    let v34 = fixture(tenant(12, Shape::V34)).await;
    let legacy = fixture(tenant(12, Shape::Legacy)).await;
    for entity in [Entity::Users, Entity::Campaigns, Entity::AgentStatuses] {
        let a = v34.plan(entity, &options(true, 1000)).await.unwrap().plan;
        let b = legacy.plan(entity, &options(true, 1000)).await.unwrap().plan;
        let names = |p: &SyncPlan| {
            p.rows
                .iter()
                .map(|r| (r.id.clone(), r.name.clone(), r.detail.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b), "{entity:?}");
    }
}

#[tokio::test]
async fn paging_edges_zero_one_exact_and_many_pages() {
    for (agents, page) in [(0, 10), (1, 10), (10, 10), (11, 10), (95, 10), (40, 1)] {
        let f = fixture(tenant(agents, Shape::V34)).await;
        let (plan, result) = f.pull(Entity::Users, &options(true, page), Selection::All).await;
        assert_each_once(&plan, agents);
        assert_eq!(result.created as usize, agents, "{agents} agents in pages of {page}");
        assert_eq!(f.count(Entity::Users) as usize, agents);
    }
}

#[tokio::test]
async fn a_list_without_a_total_is_read_until_a_short_page() {
    // Legacy unavailable codes carry neither totalRecords nor _links.
    let f = fixture(tenant(5, Shape::Legacy)).await;
    for page in [1, 3, 8, 50] {
        let plan = f.plan(Entity::AgentStatuses, &options(true, page)).await.unwrap().plan;
        assert_each_once(&plan, 8);
    }
}

#[tokio::test]
async fn skills_can_stand_in_for_campaigns() {
    let f = fixture(tenant(3, Shape::V34)).await;
    let conn = f.connections.find("Tenant").await.unwrap();
    let mut settings = conn.settings.clone();
    if let ConnectionSettings::Cxone {
        campaigns_from_skills, ..
    } = &mut settings
    {
        *campaigns_from_skills = true;
    }
    let draft = ConnectionDraft {
        name: conn.name.clone(),
        settings,
        secrets: BTreeMap::new(),
    };
    f.connections.update(&conn.id, draft).await.unwrap();
    let (plan, _) = f.pull(Entity::Campaigns, &options(true, 100), Selection::All).await;
    assert_each_once(&plan, 12);
    assert!(
        plan.rows.iter().all(|r| r.name.ends_with("_Voice")),
        "{:?}",
        plan.rows[0]
    );
}

/// Each fault the API can throw at a pull: it recovers with every record exactly once.
#[tokio::test]
async fn injected_faults_recover_with_every_record_once() {
    let faults = [
        (
            "429 with Retry-After",
            Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
            1,
        ),
        (
            "429 without Retry-After",
            Fault::Status {
                status: 429,
                retry_after: None,
            },
            2,
        ),
        (
            "503",
            Fault::Status {
                status: 503,
                retry_after: None,
            },
            1,
        ),
        (
            "500",
            Fault::Status {
                status: 500,
                retry_after: None,
            },
            2,
        ),
        (
            "401 after some calls",
            Fault::Status {
                status: 401,
                retry_after: None,
            },
            1,
        ),
        ("truncated JSON", Fault::Truncated, 1),
        ("slow answers", Fault::Delay(Duration::from_millis(300)), 3),
    ];
    for (what, fault, times) in faults {
        let f = fixture(tenant(50, Shape::V34)).await;
        f.emulator.set_faults(vec![FaultRule {
            path_prefix: AGENTS_PATH.into(),
            fault,
            skip: 2,
            times: Some(times),
        }]);
        let started = Instant::now();
        let (plan, result) = f.pull(Entity::Users, &options(true, 7), Selection::All).await;
        assert_each_once(&plan, 50);
        assert_eq!(result.created, 50, "{what}");
        if what == "429 with Retry-After" {
            assert!(
                started.elapsed() >= Duration::from_secs(1),
                "Retry-After was not honoured"
            );
        }
    }
}

#[tokio::test]
async fn records_inserted_between_pages_are_caught_and_reported() {
    let f = fixture(tenant(30, Shape::V34)).await;
    f.emulator.set_faults(vec![FaultRule {
        path_prefix: AGENTS_PATH.into(),
        fault: Fault::InsertAgents(3),
        skip: 1,
        times: Some(1),
    }]);
    let (plan, result) = f.pull(Entity::Users, &options(true, 10), Selection::All).await;
    assert_each_once(&plan, 33);
    assert_eq!(result.created, 33);
    assert!(
        plan.summary.notes.iter().any(|n| n.contains("changed during the pull")),
        "{:?}",
        plan.summary.notes
    );
}

#[tokio::test]
async fn a_fault_that_does_not_pass_fails_clearly_and_writes_nothing() {
    let cases = [
        (
            Fault::Status {
                status: 500,
                retry_after: None,
            },
            ErrorCode::UnexpectedResponse,
            "HTTP 500",
        ),
        (
            Fault::Status {
                status: 429,
                retry_after: Some(0),
            },
            ErrorCode::RateLimited,
            "HTTP 429",
        ),
        (Fault::Truncated, ErrorCode::UnexpectedResponse, "cut short"),
        (
            Fault::Status {
                status: 403,
                retry_after: None,
            },
            ErrorCode::AuthFailed,
            "permission",
        ),
    ];
    for (fault, code, words) in cases {
        let f = fixture(tenant(40, Shape::V34)).await;
        f.emulator.set_faults(vec![FaultRule {
            path_prefix: AGENTS_PATH.into(),
            fault,
            skip: 2,
            times: None,
        }]);
        let error = f
            .plan(Entity::Users, &options(true, 10))
            .await
            .err()
            .expect("the pull fails");
        assert_eq!(error.code(), code, "{error}");
        assert!(
            error.to_string().contains(words) && error.to_string().contains("agents"),
            "{error}"
        );
        assert_eq!(f.count(Entity::Users), 0, "nothing written");
        let runs = f.store.lock().unwrap().list_runs(10).unwrap();
        assert_eq!(runs[0].status, "failed");
        assert_eq!(runs[0].error.as_deref(), Some(error.to_string().as_str()));
    }
}

#[tokio::test]
async fn a_second_pull_is_incremental_and_finds_nothing_new() {
    let f = fixture(tenant(25, Shape::V34)).await;
    f.pull(Entity::Users, &options(true, 10), Selection::All).await;
    let (plan, result) = f.pull(Entity::Users, &options(false, 10), Selection::All).await;
    assert!(plan.summary.incremental);
    assert_eq!(
        (plan.summary.fetched, plan.summary.new, plan.summary.changed),
        (0, 0, 0)
    );
    assert_eq!((result.created, result.updated), (0, 0));
    // A full pull of the same data: all unchanged, nothing written.
    let (plan, result) = f.pull(Entity::Users, &options(true, 10), Selection::All).await;
    assert_eq!(
        (plan.summary.unchanged, result.unchanged, result.created, result.updated),
        (25, 25, 0, 0)
    );
}

#[tokio::test]
async fn a_record_changed_upstream_is_updated_with_old_and_new_in_the_audit() {
    let f = fixture(tenant(10, Shape::V34)).await;
    f.pull(Entity::Users, &options(true, 100), Selection::All).await;
    let (id, old_last) = f.emulator.with_data(|data| {
        let agent = &mut data.agents[4];
        let old = std::mem::replace(&mut agent.last_name, "Renamed-Ünïcode".into());
        agent.last_updated = "2099-01-01T00:00:00.000Z".into(); // after the watermark
        (agent.agent_id.to_string(), old)
    });
    // The incremental pull sees exactly the changed record.
    let (plan, result) = f.pull(Entity::Users, &options(false, 100), Selection::Changed).await;
    assert_eq!((plan.summary.fetched, plan.summary.changed, result.updated), (1, 1, 1));
    let row = &plan.rows[0];
    assert_eq!(row.id, id);
    assert_eq!(row.status, PlanStatus::Changed);
    let audit = f.store.lock().unwrap().run_audit(result.run_id).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, AuditAction::Updated);
    let change = audit[0]
        .changes
        .iter()
        .find(|c| c.field == "lastName")
        .expect("lastName change");
    assert_eq!(
        (change.old.as_deref(), change.new.as_deref()),
        (Some(old_last.as_str()), Some("Renamed-Ünïcode"))
    );
    let stored = f.records(Entity::Users).into_iter().find(|r| r.id == id).unwrap();
    assert!(stored.name.ends_with("Renamed-Ünïcode"));
}

#[tokio::test]
async fn a_record_removed_upstream_is_flagged_not_deleted() {
    let f = fixture(tenant(10, Shape::V34)).await;
    f.pull(Entity::Users, &options(true, 100), Selection::All).await;
    let gone = f.emulator.with_data(|data| data.agents.remove(2).agent_id.to_string());
    let (plan, result) = f.pull(Entity::Users, &options(true, 100), Selection::All).await;
    assert_eq!((plan.summary.missing_upstream, result.missing_upstream), (1, 1));
    let row = plan.rows.iter().find(|r| r.id == gone).unwrap();
    assert_eq!(row.status, PlanStatus::MissingUpstream);
    let stored = f.records(Entity::Users);
    assert_eq!(stored.len(), 10, "nothing deleted");
    assert!(stored
        .iter()
        .find(|r| r.id == gone)
        .unwrap()
        .missing_upstream_since
        .is_some());
    let audit = f.store.lock().unwrap().run_audit(result.run_id).unwrap();
    assert_eq!(
        audit.iter().filter(|a| a.action == AuditAction::FlaggedMissing).count(),
        1
    );
}

#[tokio::test]
async fn only_the_selected_records_are_written() {
    let f = fixture(tenant(20, Shape::V34)).await;
    let prepared = f.plan(Entity::Users, &options(true, 100)).await.unwrap();
    let ids: Vec<String> = prepared.plan.rows.iter().take(3).map(|r| r.id.clone()).collect();
    let result = sync::apply(
        &f.store,
        &prepared,
        &Selection::Ids(ids.clone()),
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap();
    assert_eq!(result.created, 3);
    let stored: HashSet<String> = f.records(Entity::Users).into_iter().map(|r| r.id).collect();
    assert_eq!(stored, ids.into_iter().collect());
    let error = sync::apply(
        &f.store,
        &prepared,
        &Selection::Ids(vec!["nope".into()]),
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn cancelling_during_apply_leaves_the_store_as_it_was() {
    let f = fixture(tenant(3000, Shape::V34)).await;
    f.pull(Entity::Campaigns, &options(true, 100), Selection::All).await;
    let before = f.count(Entity::Campaigns);
    let prepared = f.plan(Entity::Users, &options(true, 1000)).await.unwrap();
    let cancel = CancellationToken::new();
    let trip = cancel.clone();
    let progress = move |e: ProgressEvent| {
        if e.phase == "writing" && e.done >= 1000 {
            trip.cancel();
        }
    };
    let error = sync::apply(&f.store, &prepared, &Selection::All, &progress, &cancel).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert_eq!(f.count(Entity::Users), 0);
    assert_eq!(f.count(Entity::Campaigns), before);
}

const CRASH_ENV: &str = "CCSYNC_TEST_CRASH_APPLY";

/// Child process for the crash test: pulls from the emulator at the URL given, and dies (abort, as
/// a kill or a power cut would) halfway through writing.
#[tokio::test]
async fn crash_apply_helper() {
    let Ok(spec) = std::env::var(CRASH_ENV) else { return };
    let (db, url) = spec.split_once('|').unwrap();
    let store = Arc::new(Mutex::new(Store::open(std::path::Path::new(db)).unwrap()));
    let connections = Connections::new(store.clone(), Arc::new(MemoryStore::default())).unwrap();
    let conn = connections.find("Tenant").await.unwrap();
    let draft = common::cxone_draft(&conn.name, url);
    connections.update(&conn.id, draft).await.unwrap();
    let prepared = sync::prepare(
        &connections,
        "Tenant",
        Entity::Users,
        &options(true, 1000),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let die = |e: ProgressEvent| {
        if e.phase == "writing" && e.done >= 2000 {
            std::process::abort();
        }
    };
    let _ = sync::apply(&store, &prepared, &Selection::All, &die, &CancellationToken::new());
    unreachable!("the helper dies mid-apply");
}

#[tokio::test]
async fn a_crash_during_apply_leaves_the_store_as_it_was() {
    let f = fixture(tenant(5000, Shape::V34)).await;
    f.pull(Entity::Dispositions, &options(true, 100), Selection::All).await;
    let db = f.dir.path().join("ccsync.sqlite3");
    let before = dump_sync_tables(&f.store.lock().unwrap());
    let spec = format!("{}|{}", db.display(), f.emulator.base_url());
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_apply_helper", "--nocapture", "--test-threads=1"])
            .env(CRASH_ENV, spec)
            .status()
            .unwrap()
    })
    .await
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(6),
            "the helper must die by abort() mid-apply, not fail before: {status}"
        );
    }
    // On Windows, abort() is __fastfail: the exit code is STATUS_STACK_BUFFER_OVERRUN.
    #[cfg(windows)]
    assert_eq!(
        status.code(),
        Some(0xC000_0409_u32 as i32),
        "the helper must die by abort() mid-apply, not fail before: {status}"
    );
    let reopened = Store::open(&db).unwrap();
    let check: String = reopened
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(
        reopened.count_records(Entity::Users).unwrap(),
        0,
        "no user half-written"
    );
    assert_eq!(
        reopened.count_records(Entity::Dispositions).unwrap(),
        10,
        "earlier data intact"
    );
    assert_eq!(
        dump_sync_tables(&reopened),
        before,
        "records, audit, runs and watermarks exactly as before"
    );
}

/// Every row of the tables a pull writes, as text, to compare a store before and after.
fn dump_sync_tables(store: &Store) -> Vec<String> {
    let mut rows = Vec::new();
    for table in ["records", "audit", "sync_runs", "sync_watermarks"] {
        let mut stmt = store
            .conn()
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .unwrap();
        let columns = stmt.column_count();
        let mut query = stmt.query([]).unwrap();
        while let Some(row) = query.next().unwrap() {
            let cells: Vec<String> = (0..columns).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
            rows.push(format!("{table}: {}", cells.join(" | ")));
        }
    }
    rows
}

impl Fixture {
    async fn pull_all(&self, entity: Entity, opts: &PullOptions) -> ccsync_core::Result<(PlanSummary, ApplyResult)> {
        sync::pull_all(
            &self.connections,
            "Tenant",
            entity,
            opts,
            &NoProgress,
            &CancellationToken::new(),
        )
        .await
    }
}

#[tokio::test]
async fn a_streamed_pull_all_writes_as_it_fetches_with_the_same_rules() {
    let f = fixture(tenant(95, Shape::V34)).await;
    let (summary, result) = f.pull_all(Entity::Users, &options(true, 10)).await.unwrap();
    assert_eq!((summary.fetched, summary.new, result.created), (95, 95, 95));
    assert_eq!(f.count(Entity::Users), 95);

    // Incremental and unchanged: nothing written, every held record counted unchanged.
    let (summary, result) = f.pull_all(Entity::Users, &options(false, 10)).await.unwrap();
    assert!(summary.incremental);
    assert_eq!(
        (summary.fetched, result.created, result.updated, result.unchanged),
        (0, 0, 0, 95)
    );

    // One changed, one removed upstream: updated with old and new values, flagged, nothing deleted.
    let (changed, gone) = f.emulator.with_data(|data| {
        data.agents[3].first_name = "Zoë-Changed".into();
        data.agents[3].last_updated = "2099-01-01T00:00:00.000Z".into();
        (
            data.agents[3].agent_id.to_string(),
            data.agents.remove(7).agent_id.to_string(),
        )
    });
    let (summary, result) = f.pull_all(Entity::Users, &options(true, 10)).await.unwrap();
    assert_eq!(
        (summary.changed, summary.missing_upstream, summary.unchanged),
        (1, 1, 93)
    );
    let audit = f.store.lock().unwrap().run_audit(result.run_id).unwrap();
    let updated = audit.iter().find(|a| a.action == AuditAction::Updated).unwrap();
    assert_eq!(updated.record_id, changed);
    let change = updated.changes.iter().find(|c| c.field == "firstName").unwrap();
    assert_eq!(change.new.as_deref(), Some("Zoë-Changed"));
    assert!(audit
        .iter()
        .any(|a| a.action == AuditAction::FlaggedMissing && a.record_id == gone));
    assert_eq!(f.count(Entity::Users), 95, "nothing deleted");
}

#[tokio::test]
async fn a_streamed_pull_that_fails_midway_writes_nothing() {
    let f = fixture(tenant(60, Shape::V34)).await;
    f.emulator.set_faults(vec![FaultRule {
        path_prefix: AGENTS_PATH.into(),
        fault: Fault::Status {
            status: 500,
            retry_after: None,
        },
        skip: 3,
        times: None,
    }]);
    let error = f.pull_all(Entity::Users, &options(true, 10)).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse, "{error}");
    assert!(error.to_string().contains("HTTP 500"), "{error}");
    assert_eq!(
        f.count(Entity::Users),
        0,
        "the pages written before the failure were rolled back"
    );
    assert_eq!(f.store.lock().unwrap().list_runs(5).unwrap()[0].status, "failed");
}

#[tokio::test]
async fn a_streamed_pull_takes_records_inserted_between_pages_once() {
    let f = fixture(tenant(30, Shape::V34)).await;
    f.emulator.set_faults(vec![FaultRule {
        path_prefix: AGENTS_PATH.into(),
        fault: Fault::InsertAgents(4),
        skip: 1,
        times: Some(1),
    }]);
    let (summary, result) = f.pull_all(Entity::Users, &options(true, 10)).await.unwrap();
    assert_eq!((summary.fetched, result.created), (34, 34));
    assert!(summary.notes.iter().any(|n| n.contains("changed during the pull")));
}

#[tokio::test]
async fn the_older_updated_since_spelling_works_too() {
    let f = fixture(tenant(12, Shape::Legacy)).await;
    let mut opts = options(true, 5);
    opts.fetch.agents_since_param = "updatedSince".into();
    f.pull(Entity::Users, &opts, Selection::All).await;
    opts.full = false;
    let (plan, result) = f.pull(Entity::Users, &opts, Selection::All).await;
    assert!(plan.summary.incremental);
    assert_eq!((plan.summary.fetched, result.unchanged), (0, 12));
}

#[tokio::test]
async fn short_lived_tokens_are_refreshed_during_a_pull() {
    // Tokens that expire within the refresh margin are renewed before each call.
    let f = fixture(TenantConfig {
        token_ttl_secs: 30,
        ..tenant(40, Shape::V34)
    })
    .await;
    let (plan, result) = f.pull(Entity::Users, &options(true, 5), Selection::All).await;
    assert_each_once(&plan, 40);
    assert_eq!(result.created, 40);
    assert!(
        f.emulator.request_count("/auth/token") > 3,
        "the token was refreshed along the way"
    );
}

#[tokio::test]
async fn a_server_that_caps_the_page_size_is_paged_by_what_it_sends() {
    let f = fixture(TenantConfig {
        max_page_size: 7,
        ..tenant(30, Shape::V34)
    })
    .await;
    let (plan, result) = f.pull(Entity::Users, &options(true, 20), Selection::All).await;
    assert_each_once(&plan, 30);
    assert_eq!(result.created, 30);
}

#[tokio::test]
async fn a_list_ending_on_a_full_page_is_not_mistaken_for_a_changing_one() {
    // v34 campaigns carry no _links: 12 in pages of 4 ends exactly on a page boundary.
    let f = fixture(tenant(1, Shape::V34)).await;
    let (plan, _) = f.pull(Entity::Campaigns, &options(true, 4), Selection::All).await;
    assert_each_once(&plan, 12);
    assert!(plan.summary.notes.is_empty(), "{:?}", plan.summary.notes);
    assert_eq!(
        f.emulator.request_count("/inContactAPI/services/v34.0/campaigns"),
        3,
        "no page read twice"
    );
}

#[tokio::test]
async fn records_left_unselected_still_come_in_the_next_incremental_pull() {
    let f = fixture(tenant(20, Shape::V34)).await;
    let prepared = f.plan(Entity::Users, &options(true, 100)).await.unwrap();
    let three: Vec<String> = prepared.plan.rows.iter().take(3).map(|r| r.id.clone()).collect();
    sync::apply(
        &f.store,
        &prepared,
        &Selection::Ids(three),
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap();
    // The watermark did not move, so an incremental pull still offers the other 17.
    let (plan, result) = f.pull(Entity::Users, &options(false, 100), Selection::All).await;
    assert_eq!((plan.summary.new, result.created), (17, 17));
    // Now every record was written: the next incremental pull is empty.
    let (plan, _) = f.pull(Entity::Users, &options(false, 100), Selection::All).await;
    assert_eq!(plan.summary.fetched, 0);
}

#[tokio::test]
async fn an_out_of_date_list_is_refused_and_writes_nothing() {
    let f = fixture(tenant(20, Shape::V34)).await;
    let early = f.plan(Entity::Users, &options(true, 100)).await.unwrap();
    f.pull(Entity::Users, &options(true, 100), Selection::All).await; // another pull writes them first
    let error = sync::apply(
        &f.store,
        &early,
        &Selection::All,
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Stale, "{error}");
    assert!(error.to_string().contains("fetch again"), "{error}");
    assert_eq!(f.count(Entity::Users), 20);

    // A changed record updated by someone else since the compare is refused the same way.
    f.emulator.with_data(|data| {
        data.agents[0].last_name = "One".into();
        data.agents[0].last_updated = "2099-01-01T00:00:00.000Z".into();
    });
    let early = f.plan(Entity::Users, &options(true, 100)).await.unwrap();
    f.emulator.with_data(|data| data.agents[0].last_name = "Two".into());
    f.pull(Entity::Users, &options(true, 100), Selection::All).await;
    let error = sync::apply(
        &f.store,
        &early,
        &Selection::Changed,
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Stale, "{error}");
    let stored = f.records(Entity::Users).into_iter().find(|r| r.name.ends_with("Two"));
    assert!(stored.is_some(), "the newer write stands");
}

#[tokio::test]
async fn cancel_stops_a_pull_waiting_on_a_slow_answer() {
    let f = fixture(tenant(20, Shape::V34)).await;
    f.emulator.set_faults(vec![FaultRule::always(
        AGENTS_PATH,
        Fault::Delay(Duration::from_secs(20)),
    )]);
    let cancel = CancellationToken::new();
    let trip = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trip.cancel();
    });
    let started = Instant::now();
    let result = sync::prepare(
        &f.connections,
        "Tenant",
        Entity::Users,
        &options(true, 10),
        &NoProgress,
        &cancel,
    )
    .await;
    assert_eq!(result.err().map(|e| e.code()), Some(ErrorCode::Cancelled));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cancel waited for the answer"
    );
    assert_eq!(f.store.lock().unwrap().list_runs(1).unwrap()[0].status, "cancelled");
}

#[tokio::test]
async fn a_user_created_by_an_import_is_adopted_by_the_pull_that_brings_them() {
    use ccsync_core::import::{self, ImportOptions};
    let fx = fixture(tenant(5, Shape::V34)).await;
    let email = fx.emulator.with_data(|data| data.agents[0].email.clone());
    let file = fx.dir.path().join("team.csv");
    std::fs::write(
        &file,
        format!("Email,Display Name,Premium Agent\n{email},Imported Name,TRUE\n"),
    )
    .unwrap();
    {
        let mut store = fx.store.lock().unwrap();
        let options = ImportOptions::default();
        let mut job = import::dry_run(&store, &file, &options, &NoProgress, &CancellationToken::new()).unwrap();
        assert_eq!(job.summary().created, 1);
        job.commit(&mut store, &NoProgress, &CancellationToken::new()).unwrap();
    }

    let (_, result) = fx.pull(Entity::Users, &options(true, 100), Selection::All).await;
    assert_eq!(result.created, 5);
    let users = fx.records(Entity::Users);
    assert_eq!(
        users.len(),
        5,
        "one record per user, not a second one with the imported email"
    );
    let adopted = users.iter().find(|u| u.detail.eq_ignore_ascii_case(&email)).unwrap();
    assert!(
        !adopted.id.starts_with("import:"),
        "it carries the CXone id now: {adopted:?}"
    );
    assert_eq!(
        adopted.licence.as_deref(),
        Some("premium"),
        "what the import set is kept"
    );

    // The same file again: the user is found once, unchanged.
    let store = fx.store.lock().unwrap();
    let job = import::dry_run(
        &store,
        &file,
        &ImportOptions::default(),
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap();
    assert_eq!(
        (job.summary().unchanged, job.summary().invalid),
        (1, 0),
        "{:?}",
        job.summary()
    );
}

/// The streamed pull stages new records and writes them at the end in bulk: an imported user is
/// adopted there too, and every creation has its audit row.
#[tokio::test]
async fn a_streamed_pull_adopts_an_imported_user_and_audits_every_creation() {
    use ccsync_core::import::{self, ImportOptions};
    let fx = fixture(tenant(25, Shape::V34)).await;
    let email = fx.emulator.with_data(|data| data.agents[12].email.clone());
    let file = fx.dir.path().join("team.csv");
    std::fs::write(&file, format!("Email,Display Name\n{email},Imported Name\n")).unwrap();
    {
        let mut store = fx.store.lock().unwrap();
        let options = ImportOptions::default();
        let mut job = import::dry_run(&store, &file, &options, &NoProgress, &CancellationToken::new()).unwrap();
        job.commit(&mut store, &NoProgress, &CancellationToken::new()).unwrap();
    }
    let (summary, result) = fx.pull_all(Entity::Users, &options(true, 10)).await.unwrap();
    assert_eq!((summary.new, result.created), (25, 25));
    let users = fx.records(Entity::Users);
    assert_eq!(users.len(), 25, "the imported user adopted, not doubled");
    assert!(users.iter().all(|u| !u.id.starts_with("import:")));
    let audit = fx.store.lock().unwrap().run_audit(result.run_id).unwrap();
    assert_eq!(audit.iter().filter(|a| a.action == AuditAction::Created).count(), 25);
    let ids: HashSet<&str> = audit.iter().map(|a| a.record_id.as_str()).collect();
    let stored: HashSet<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, stored, "one audit row per record created");
    assert!(fx.store.lock().unwrap().job_locks().unwrap().is_empty());
}

/// The session the app and `ccsync pull` share: a plan waits for its selection, a written batch
/// leaves the plan in place with its rows marked added (not selectable again) so another batch of
/// the same list is written without fetching again, a cancelled apply is a run in History and
/// keeps the plan for another try, a plan the admin walked away from cannot be written, and a
/// run's duration is its fetch plus its write, not the time the list waited for the admin.
#[tokio::test]
async fn the_pull_session_keeps_a_plan_for_more_batches() {
    let f = fixture(tenant(300, Shape::V34)).await;
    let session = Arc::new(PullSession::new(f.connections.clone()));
    let connection = f.connections.list().await.unwrap()[0].id.clone();
    let plan = session
        .prepare(&connection, Entity::Users, &options(true, 100), &NoProgress)
        .await
        .unwrap();
    assert_eq!(plan.summary.new, 300);

    // Cancel pressed while the apply writes.
    let stopper = session.clone();
    let cancel_while_writing = move |e: ProgressEvent| {
        if e.phase == "writing" {
            stopper.cancel();
        }
    };
    let error = session
        .apply(&plan.plan_id, Selection::New, Arc::new(cancel_while_writing))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert_eq!(f.count(Entity::Users), 0);
    let runs = f.store.lock().unwrap().list_runs(10).unwrap();
    assert_eq!(runs[0].status, "cancelled", "{runs:?}");

    let first_ids: Vec<String> = plan.rows.iter().take(10).map(|r| r.id.clone()).collect();
    let written = session
        .apply(&plan.plan_id, Selection::Ids(first_ids.clone()), Arc::new(NoProgress))
        .await
        .unwrap();
    assert_eq!(written.created, 10);
    assert_eq!(f.count(Entity::Users), 10);
    // The written rows cannot be written twice from the same list.
    let twice = session
        .apply(
            &plan.plan_id,
            Selection::Ids(first_ids[..2].to_vec()),
            Arc::new(NoProgress),
        )
        .await
        .unwrap_err();
    assert_eq!(twice.code(), ErrorCode::InvalidInput, "{twice}");
    assert_eq!(f.count(Entity::Users), 10);
    // A second batch of the same list, without fetching again: only the rest is written.
    let second_ids: Vec<String> = plan.rows[10..30].iter().map(|r| r.id.clone()).collect();
    let second = session
        .apply(&plan.plan_id, Selection::Ids(second_ids), Arc::new(NoProgress))
        .await
        .unwrap();
    assert_eq!((second.created, second.updated), (20, 0));
    let rest = session
        .apply(&plan.plan_id, Selection::All, Arc::new(NoProgress))
        .await
        .unwrap();
    assert_eq!(rest.created, 270, "All now means the rows not written yet");
    assert_eq!(f.count(Entity::Users), 300);
    let runs = f.store.lock().unwrap().list_runs(2).unwrap();
    assert!(
        runs.iter().all(|r| r.status == "succeeded" && r.created > 0),
        "{runs:?}"
    );

    // Time spent reviewing the list is not the run's: fetch + write only.
    let waited = Duration::from_millis(700);
    let before = Instant::now();
    let plan = session
        .prepare(&connection, Entity::Users, &options(true, 100), &NoProgress)
        .await
        .unwrap();
    tokio::time::sleep(waited).await;
    session
        .apply(&plan.plan_id, Selection::All, Arc::new(NoProgress))
        .await
        .unwrap();
    let wall = before.elapsed().as_millis() as i64;
    let run = f.store.lock().unwrap().list_runs(1).unwrap().remove(0);
    let (fetch_ms, write_ms) = (run.fetch_ms.unwrap(), run.write_ms.unwrap());
    assert_eq!(run.duration_ms, Some(fetch_ms + write_ms), "{run:?}");
    assert!(
        fetch_ms + write_ms <= wall - waited.as_millis() as i64,
        "the review wait is not counted: {run:?}, wall {wall} ms"
    );
    assert_eq!(run.kind, RunKind::Pull);

    let plan = session
        .prepare(&connection, Entity::Users, &options(true, 100), &NoProgress)
        .await
        .unwrap();
    assert_eq!((plan.summary.new, plan.summary.unchanged), (0, 300));
    session.discard(&plan.plan_id);
    let discarded = session
        .apply(&plan.plan_id, Selection::All, Arc::new(NoProgress))
        .await
        .unwrap_err();
    assert_eq!(discarded.code(), ErrorCode::NotFound);
    assert_eq!(f.count(Entity::Users), 300);
}

/// Each job has its own cancel button: Auto Sync started (and cancelled) while a Synchronize fetch
/// runs leaves the fetch running, and the fetch's Cancel does not stop Auto Sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_sync_and_a_fetch_do_not_cancel_each_other() {
    use ccsync_core::mapping::MappingSession;
    use ccsync_core::vendor::directory::Platform;
    let f = fixture(tenant(400, Shape::V34)).await;
    let connection = f.connections.list().await.unwrap()[0].id.clone();
    f.pull(Entity::Users, &options(true, 100), Selection::All).await;
    add_webex(&f).await;
    let pulls = Arc::new(PullSession::new(f.connections.clone()));
    let mapping = MappingSession::new(f.connections.clone());
    let webex = ccsync_core::mapping::links::resolve(&f.store.lock().unwrap(), Platform::Webex, None, None)
        .unwrap()
        .id;
    // A slow fetch: each page of campaigns takes far longer than an Auto Sync of 400 users.
    f.emulator.set_faults(vec![FaultRule::always(
        "/inContactAPI/services/v34.0/campaigns",
        Fault::Delay(Duration::from_millis(2000)),
    )]);
    let fetch = {
        let pulls = pulls.clone();
        let connection = connection.clone();
        tokio::spawn(async move {
            pulls
                .prepare(&connection, Entity::Campaigns, &options(true, 10), &NoProgress)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Auto Sync runs to the end while the fetch goes on; cancelling Auto Sync (nothing running by
    // then) and starting another leave the fetch alone too.
    let mapped = mapping.run_now(webex, &NoProgress).await.unwrap();
    assert!(mapped.counts.mapped > 0);
    mapping.cancel(webex);
    assert!(!fetch.is_finished(), "the fetch is slow enough to still be running");
    let plan = fetch.await.unwrap().unwrap();
    assert!(plan.summary.fetched > 0);

    // The other way round: the fetch's Cancel stops the fetch, not Auto Sync.
    let fetch = {
        let pulls = pulls.clone();
        tokio::spawn(async move {
            pulls
                .prepare(&connection, Entity::Campaigns, &options(true, 10), &NoProgress)
                .await
        })
    };
    let auto_sync = {
        let mapping = mapping.clone();
        tokio::spawn(async move { mapping.run_now(webex, &NoProgress).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    pulls.cancel();
    assert_eq!(fetch.await.unwrap().unwrap_err().code(), ErrorCode::Cancelled);
    auto_sync.await.unwrap().unwrap();
}

/// A Webex connection to the emulator, for Auto Sync.
async fn add_webex(f: &Fixture) {
    f.connections
        .create(ConnectionDraft {
            name: "Webex".into(),
            settings: ConnectionSettings::Webex {
                api_url: f.emulator.base_url().into(),
                credential: ccsync_core::model::WebexCredential::PersonalToken,
            },
            secrets: BTreeMap::from([(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN.into())]),
        })
        .await
        .unwrap();
}
