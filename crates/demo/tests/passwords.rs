//! Temporary passwords survive later pulls: a pull that updates a user (by plan and apply, or
//! streamed), or adopts a user a CSV import created, never touches the password columns.

mod common;

use std::sync::Mutex;

use ccsync_core::model::{Entity, Selection};
use ccsync_core::passwords::{self, UserRef};
use ccsync_core::progress::NoProgress;
use ccsync_core::store::Store;
use ccsync_core::sync::{self, PullOptions};
use ccsync_core::vendor::retry::RetryPolicy;
use ccsync_emulator::TenantConfig;
use tokio_util::sync::CancellationToken;

/// What the password columns of one user hold.
type PasswordColumns = (Option<String>, bool, bool, Option<String>);

fn password_columns(store: &Mutex<Store>, cxone_id: &str) -> PasswordColumns {
    store
        .lock()
        .unwrap()
        .conn()
        .query_row(
            "SELECT password_hash, password_set, must_change_password, password_set_at FROM records
             WHERE entity = 'users' AND cxone_id = ?1",
            [cxone_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn options(full: bool) -> PullOptions {
    PullOptions {
        full,
        retry: RetryPolicy::quick(),
        ..PullOptions::default()
    }
}

#[tokio::test]
async fn pulls_that_update_or_adopt_a_user_keep_the_password() {
    let tenant = TenantConfig {
        agents: 12,
        ..TenantConfig::demo(5)
    };
    let unit = tenant.business_unit_id as i64;
    let common::Fixture {
        emulator,
        connections,
        store,
        dir,
    } = common::fixture(tenant).await;

    // A user a CSV import created before CXone had them (the last agent, by email).
    let (imported_email, adopted_id) =
        emulator.with_data(|data| (data.agents[11].email.clone(), data.agents[11].agent_id.to_string()));
    store
        .lock()
        .unwrap()
        .conn()
        .execute(
            "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash,
                                  raw, group_name, first_synced_at, last_synced_at)
             VALUES ('users', 0, 'import:' || lower(?1), 'Imported', ?1, lower(?1), 1, 0, '{}', 'Call Center Agents',
                     'now', 'now')",
            [&imported_email],
        )
        .unwrap();

    // The first eleven agents, pulled by plan and apply.
    let prepared = sync::prepare(
        &connections,
        "Tenant",
        Entity::Users,
        &options(true),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let first: Vec<String> = prepared
        .plan
        .rows
        .iter()
        .map(|r| r.id.clone())
        .filter(|id| *id != adopted_id)
        .collect();
    assert_eq!(first.len(), 11);
    sync::apply(
        &store,
        &prepared,
        &Selection::Ids(first.clone()),
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap();

    let (changed, streamed) = (first[2].clone(), first[5].clone());
    let chosen = [
        UserRef {
            business_unit_id: unit,
            id: changed.clone(),
        },
        UserRef {
            business_unit_id: unit,
            id: streamed.clone(),
        },
        UserRef {
            business_unit_id: 0,
            id: format!("import:{}", imported_email.to_lowercase()),
        },
    ];
    passwords::set_temporary_passwords(&store, &chosen, None, &dir.path().join("passwords.csv")).unwrap();
    let before_changed = password_columns(&store, &changed);
    let before_streamed = password_columns(&store, &streamed);
    let before_imported = password_columns(&store, &chosen[2].id);
    assert!(before_changed.0.is_some() && before_changed.1 && before_changed.2);

    // CXone changes both users; a full pull by plan and apply updates one and adopts the imported
    // user, then a streamed pull updates the other.
    emulator.with_data(|data| {
        for agent in data.agents.iter_mut() {
            let id = agent.agent_id.to_string();
            if id == changed || id == streamed {
                agent.last_name = format!("{}-Renamed", agent.last_name);
                agent.last_updated = "2099-01-01T00:00:00.000Z".into();
            }
        }
    });
    let prepared = sync::prepare(
        &connections,
        "Tenant",
        Entity::Users,
        &options(true),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let applied = sync::apply(
        &store,
        &prepared,
        &Selection::Ids(vec![changed.clone(), adopted_id.clone()]),
        &NoProgress,
        &CancellationToken::new(),
    )
    .unwrap();
    assert_eq!(
        (applied.updated, applied.created),
        (1, 1),
        "one updated, the imported user adopted"
    );
    let after = store.lock().unwrap().list_records(Entity::Users).unwrap();
    let renamed = after.iter().find(|r| r.id == changed).unwrap();
    assert!(renamed.name.ends_with("-Renamed"), "{}", renamed.name);
    assert_eq!(password_columns(&store, &changed), before_changed);
    assert_eq!(
        password_columns(&store, &adopted_id),
        before_imported,
        "the adopted user keeps the password set while imported"
    );

    let (summary, result) = sync::pull_all(
        &connections,
        "Tenant",
        Entity::Users,
        &options(true),
        &NoProgress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(summary.changed >= 1 && result.updated >= 1, "{summary:?}");
    let after = store.lock().unwrap().list_records(Entity::Users).unwrap();
    assert!(after
        .iter()
        .find(|r| r.id == streamed)
        .unwrap()
        .name
        .ends_with("-Renamed"));
    assert_eq!(password_columns(&store, &streamed), before_streamed);
    assert_eq!(password_columns(&store, &changed), before_changed);
    let listed = after.iter().find(|r| r.id == streamed).unwrap();
    assert!(listed.password_set && listed.must_change_password);
}
