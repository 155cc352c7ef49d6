//! The demo tenant's two business units: six connections, four links, two units with their own
//! users; restarts reuse them all and keep a link the admin changed; a store made by the
//! one-unit demo gains the second unit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use ccsync_core::connections::Connections;
use ccsync_core::mapping::links;
use ccsync_core::model::{Connection, ConnectionDraft, ConnectionKind, ConnectionSettings, Entity, SecretKind};
use ccsync_core::secrets::MemoryStore;
use ccsync_core::store::Store;
use ccsync_core::vendor::directory::Platform;
use ccsync_demo::{DemoSlot, DemoTenant};
use ccsync_emulator::demo;

mod common;

struct Fixture {
    connections: Connections,
    store: Arc<Mutex<Store>>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("ccsync.sqlite3")).unwrap()));
    let connections = Connections::new(store.clone(), Arc::new(MemoryStore::default())).unwrap();
    Fixture {
        connections,
        store,
        _dir: dir,
    }
}

impl Fixture {
    /// (business unit's CXone connection name, platform, platform connection name) of every link.
    fn links(&self) -> BTreeSet<(String, &'static str, String)> {
        let store = self.store.lock().unwrap();
        links::list(&store)
            .unwrap()
            .into_iter()
            .map(|l| {
                let cxone = store.find_connection(&l.cxone_connection_id).unwrap();
                (cxone.name, platform_name(l.platform), l.external_connection_name)
            })
            .collect()
    }

    fn units(&self) -> Vec<links::BusinessUnit> {
        links::units(&self.store.lock().unwrap()).unwrap()
    }

    async fn all(&self) -> Vec<Connection> {
        self.connections.list().await.unwrap()
    }
}

fn link(cxone: &str, platform: &'static str, external: &str) -> (String, &'static str, String) {
    (cxone.to_owned(), platform, external.to_owned())
}

const RC: &str = "ringcentral";
const WEBEX: &str = "webex";

fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Ringcentral => RC,
        Platform::Webex => WEBEX,
    }
}

/// The four links the demo makes: each unit to its own RingCentral and Webex connections.
fn demo_links() -> BTreeSet<(String, &'static str, String)> {
    BTreeSet::from([
        link("Demo tenant", RC, "Demo RingCentral"),
        link("Demo tenant", WEBEX, "Demo Webex"),
        link("Demo tenant West", RC, "Demo RingCentral West"),
        link("Demo tenant West", WEBEX, "Demo Webex West"),
    ])
}

fn names(connections: &[Connection]) -> BTreeSet<String> {
    connections.iter().map(|c| c.name.clone()).collect()
}

fn ids(connections: &[Connection]) -> BTreeSet<String> {
    connections.iter().map(|c| c.id.clone()).collect()
}

/// Each demo connection points at its own unit's emulator.
fn assert_pointed_at_their_units(tenant: &DemoTenant, all: &[Connection]) {
    assert_eq!(tenant.units[0].base_url, tenant.emulator.base_url());
    assert_eq!(tenant.units[1].base_url, tenant.west_emulator.base_url());
    assert_ne!(tenant.emulator.base_url(), tenant.west_emulator.base_url());
    for unit in &tenant.units {
        for connection in [&unit.cxone, &unit.ringcentral, &unit.webex] {
            let stored = all.iter().find(|c| c.id == connection.id).expect("stored");
            assert_eq!(stored.settings.base_url(), unit.base_url, "{}", stored.name);
        }
    }
}

#[tokio::test]
async fn the_demo_makes_six_connections_and_links_each_unit_to_its_own_accounts() {
    let f = fixture();
    let tenant = ccsync_demo::start(&f.connections).await.unwrap();
    let all = f.all().await;
    assert_eq!(
        names(&all),
        BTreeSet::from(
            [
                "Demo tenant",
                "Demo RingCentral",
                "Demo Webex",
                "Demo tenant West",
                "Demo RingCentral West",
                "Demo Webex West"
            ]
            .map(String::from)
        )
    );
    assert!(all.iter().all(|c| c.is_demo));
    assert_eq!(
        tenant.connection.id, tenant.units[0].cxone.id,
        "the first unit's CXone connection"
    );
    assert_eq!(tenant.connection.name, ccsync_demo::DEMO_CONNECTION_NAME);
    assert_eq!(tenant.west().cxone.name, ccsync_demo::DEMO_WEST_CONNECTION_NAME);
    assert_eq!(ids(&all), tenant.connections().map(|c| c.id.clone()).collect());
    assert_pointed_at_their_units(&tenant, &all);
    assert_eq!(f.links(), demo_links());

    // The units are known from the start (the demo runs their emulators) and distinct.
    let unit_ids = |units: &[links::BusinessUnit]| -> BTreeMap<String, Option<i64>> {
        units
            .iter()
            .map(|u| (u.connection_name.clone(), u.business_unit_id))
            .collect()
    };
    let first_id = tenant.emulator.tenant().business_unit_id as i64;
    let west_id = tenant.west_emulator.tenant().business_unit_id as i64;
    assert_ne!(first_id, west_id);
    let expected = BTreeMap::from([
        ("Demo tenant".to_owned(), Some(first_id)),
        ("Demo tenant West".to_owned(), Some(west_id)),
    ]);
    let units = f.units();
    assert_eq!(unit_ids(&units), expected);
    let west = units.iter().find(|u| u.connection_name == "Demo tenant West").unwrap();
    assert_eq!(west.label, format!("{} ({west_id})", demo::west::BUSINESS_UNIT_NAME));
    assert_eq!(west.links.len(), 2);

    // Each connection tests green against its own unit; a CXone test records the same unit.
    for unit in &tenant.units {
        let outcome = f.connections.test(&unit.cxone.id).await.unwrap();
        assert!(
            outcome.summary.contains(&unit.business_unit_name),
            "{}",
            outcome.summary
        );
        assert_eq!(outcome.business_unit.as_ref().map(|u| u.0), Some(unit.business_unit_id));
        f.connections.test(&unit.ringcentral.id).await.unwrap();
        f.connections.test(&unit.webex.id).await.unwrap();
    }
    assert_eq!(unit_ids(&f.units()), expected);
    assert_eq!(f.links(), demo_links(), "testing changes no link");
}

#[tokio::test]
async fn a_units_credentials_open_only_its_own_emulator() {
    let f = fixture();
    let tenant = ccsync_demo::start(&f.connections).await.unwrap();
    // The West CXone connection pointed at the first unit's emulator is refused there.
    let mut draft = ConnectionDraft {
        name: "West at the wrong unit".into(),
        settings: tenant.west().cxone.settings.clone(),
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, demo::west::CXONE_CLIENT_SECRET.into()),
            (SecretKind::AccessKeySecret, demo::west::CXONE_ACCESS_KEY_SECRET.into()),
        ]),
    };
    if let ConnectionSettings::Cxone { auth_url, .. } = &mut draft.settings {
        *auth_url = tenant.emulator.base_url().to_owned();
    }
    let wrong = f.connections.create(draft).await.unwrap();
    let error = f.connections.test(&wrong.id).await.unwrap_err();
    assert_eq!(error.code(), ccsync_core::ErrorCode::AuthFailed, "{error}");
}

#[tokio::test]
async fn the_two_units_have_different_users() {
    let f = fixture();
    let tenant = ccsync_demo::start(&f.connections).await.unwrap();
    for unit in &tenant.units {
        common::pull_users(&f.connections, &unit.cxone.id).await;
    }
    let records = f.store.lock().unwrap().list_records(Entity::Users).unwrap();
    let mut by_unit: BTreeMap<i64, Vec<_>> = BTreeMap::new();
    for record in &records {
        by_unit.entry(record.business_unit_id).or_default().push(record);
    }
    let first_id = tenant.units[0].business_unit_id;
    let west_id = tenant.units[1].business_unit_id;
    assert_eq!(by_unit.keys().copied().collect::<Vec<_>>(), {
        let mut both = vec![first_id, west_id];
        both.sort();
        both
    });
    for unit in &tenant.units {
        assert_eq!(by_unit[&unit.business_unit_id].len(), 250, "every agent of the unit");
    }
    let keys = |unit: i64| -> (BTreeSet<String>, BTreeSet<String>) {
        let ids = by_unit[&unit].iter().map(|r| r.id.clone()).collect();
        let emails = by_unit[&unit].iter().map(|r| r.detail.trim().to_lowercase()).collect();
        (ids, emails)
    };
    let (first_ids, first_emails) = keys(first_id);
    let (west_ids, west_emails) = keys(west_id);
    assert!(first_ids.is_disjoint(&west_ids), "no user is in both units");
    assert!(first_emails.is_disjoint(&west_emails), "no email is in both units");
    assert_eq!(f.units().iter().map(|u| u.users).collect::<Vec<_>>(), [250, 250]);
}

#[tokio::test]
async fn a_restart_reuses_the_connections_and_links_and_keeps_what_the_admin_changed() {
    let f = fixture();
    let first = ccsync_demo::start(&f.connections).await.unwrap();
    let made = ids(&f.all().await);
    // The admin renames a demo connection and links the West unit to the first unit's RingCentral.
    let renamed = first.west().webex.clone();
    f.connections
        .update(
            &renamed.id,
            ConnectionDraft {
                name: "Webex for the West".into(),
                settings: renamed.settings.clone(),
                secrets: BTreeMap::new(),
            },
        )
        .await
        .unwrap();
    links::link(&f.store.lock().unwrap(), "Demo tenant West", "Demo RingCentral").unwrap();
    drop(first);

    let again = ccsync_demo::resume(&f.connections)
        .await
        .unwrap()
        .expect("the demo connections exist");
    let all = f.all().await;
    assert_eq!(ids(&all), made, "the same six connections, none added");
    assert_eq!(again.west().webex.id, renamed.id, "found by its client ID");
    assert_eq!(again.west().webex.name, "Webex for the West", "the user's name is kept");
    assert_pointed_at_their_units(&again, &all);
    let mut expected = demo_links();
    expected.remove(&link("Demo tenant West", RC, "Demo RingCentral West"));
    expected.remove(&link("Demo tenant West", WEBEX, "Demo Webex West"));
    expected.insert(link("Demo tenant West", RC, "Demo RingCentral"));
    expected.insert(link("Demo tenant West", WEBEX, "Webex for the West"));
    assert_eq!(f.links(), expected, "the changed link is kept, none added");
    for connection in &all {
        f.connections.test(&connection.id).await.unwrap();
    }
}

/// The demo's first unit's connections as the one-unit demo made them (at an old port).
async fn one_unit_demo(connections: &Connections) -> Vec<Connection> {
    let url = "http://127.0.0.1:9";
    let draft = |name: &str, settings, secrets: &[(SecretKind, &str)]| ConnectionDraft {
        name: name.into(),
        settings,
        secrets: secrets.iter().map(|(k, v)| (*k, (*v).into())).collect(),
    };
    let drafts = [
        draft(
            "Demo tenant",
            ConnectionSettings::Cxone {
                auth_url: url.into(),
                client_id: demo::CXONE_CLIENT_ID.into(),
                access_key_id: demo::CXONE_ACCESS_KEY_ID.into(),
                campaigns_from_skills: false,
            },
            &[
                (SecretKind::ClientSecret, demo::CXONE_CLIENT_SECRET),
                (SecretKind::AccessKeySecret, demo::CXONE_ACCESS_KEY_SECRET),
            ],
        ),
        draft(
            "Demo RingCentral",
            ConnectionSettings::Ringcentral {
                server_url: url.into(),
                client_id: demo::RINGCENTRAL_CLIENT_ID.into(),
            },
            &[
                (SecretKind::ClientSecret, demo::RINGCENTRAL_CLIENT_SECRET),
                (SecretKind::JwtCredential, demo::RINGCENTRAL_JWT),
            ],
        ),
        // The oldest demo saved a pasted Webex token (no client ID) under a name the user changed.
        draft(
            "My demo Webex",
            ConnectionSettings::Webex {
                api_url: url.into(),
                credential: ccsync_core::model::WebexCredential::PersonalToken,
            },
            &[(SecretKind::AccessToken, demo::WEBEX_ACCESS_TOKEN)],
        ),
    ];
    let mut made = Vec::new();
    for draft in drafts {
        made.push(connections.create_with(draft, true).await.unwrap());
    }
    made
}

#[tokio::test]
async fn a_store_of_the_one_unit_demo_gains_the_west_unit() {
    let f = fixture();
    let old = one_unit_demo(&f.connections).await;
    // The one pair the migration made into links (here: by hand, as it would).
    {
        let store = f.store.lock().unwrap();
        links::link(&store, &old[0].id, &old[1].id).unwrap();
        links::link(&store, &old[0].id, &old[2].id).unwrap();
    }
    let tenant = ccsync_demo::resume(&f.connections).await.unwrap().expect("resumed");
    let all = f.all().await;
    assert_eq!(all.len(), 6);
    assert_eq!(
        [
            &tenant.units[0].cxone.id,
            &tenant.units[0].ringcentral.id,
            &tenant.units[0].webex.id
        ],
        [&old[0].id, &old[1].id, &old[2].id],
        "the old three are the first unit's"
    );
    assert_eq!(tenant.units[0].webex.name, "My demo Webex");
    assert!(
        ids(&all).is_superset(&ids(&old)),
        "the old three are kept, the West three added"
    );
    assert_pointed_at_their_units(&tenant, &all);
    let mut expected = demo_links();
    expected.remove(&link("Demo tenant", WEBEX, "Demo Webex"));
    expected.insert(link("Demo tenant", WEBEX, "My demo Webex"));
    assert_eq!(f.links(), expected);
    for connection in &all {
        f.connections.test(&connection.id).await.unwrap();
    }
    let units = f.units();
    assert_eq!(units.len(), 2);
    assert_ne!(units[0].business_unit_id, units[1].business_unit_id);
}

#[tokio::test]
async fn the_demo_slot_remakes_a_deleted_connection_of_either_unit() {
    let f = fixture();
    let slot = DemoSlot::default();
    let first = slot.start(&f.connections).await.unwrap();
    assert_eq!(first.name, "Demo tenant");
    assert_eq!(slot.units().await.len(), 2);
    assert_eq!(
        slot.start(&f.connections).await.unwrap().id,
        first.id,
        "already running"
    );

    let west_rc = f.connections.find("Demo RingCentral West").await.unwrap();
    f.connections.delete(&west_rc.id).await.unwrap();
    let again = slot.start(&f.connections).await.unwrap();
    assert_eq!(again.id, first.id, "the first unit's CXone connection is kept");
    let all = f.all().await;
    assert_eq!(all.len(), 6);
    let remade = f.connections.find("Demo RingCentral West").await.unwrap();
    assert_ne!(remade.id, west_rc.id);
    assert_eq!(f.links(), demo_links(), "the remade connection is linked again");
    let units = slot.units().await;
    assert_eq!(units[1].ringcentral.id, remade.id);
    f.connections.test(&remade.id).await.unwrap();
    assert!(all
        .iter()
        .filter(|c| c.settings.kind() == ConnectionKind::Cxone)
        .all(|c| c.is_demo));
}

/// The admin's own CXone connection to the demo's first unit holds that unit's RingCentral link:
/// the demo does not link its own connection too (`links::link` refuses a unit linked twice),
/// and still starts.
#[tokio::test]
async fn a_unit_linked_through_the_admins_own_cxone_connection_is_left_so() {
    let f = fixture();
    let first = ccsync_demo::start(&f.connections).await.unwrap();
    let copy = ConnectionDraft {
        name: "My CXone".into(),
        settings: first.units[0].cxone.settings.clone(),
        secrets: BTreeMap::from([
            (SecretKind::ClientSecret, demo::CXONE_CLIENT_SECRET.into()),
            (SecretKind::AccessKeySecret, demo::CXONE_ACCESS_KEY_SECRET.into()),
        ]),
    };
    let copy = f.connections.create(copy).await.unwrap();
    f.connections.test(&copy.id).await.unwrap();
    // Deleting the demo's RingCentral connection removes its link; the admin links their own.
    f.connections.delete("Demo RingCentral").await.unwrap();
    links::link(&f.store.lock().unwrap(), &copy.id, "Demo RingCentral West").unwrap();
    drop(first);

    let again = ccsync_demo::start(&f.connections).await.unwrap();
    assert_eq!(again.units[0].ringcentral.name, "Demo RingCentral", "made again");
    let mut expected = demo_links();
    expected.remove(&link("Demo tenant", RC, "Demo RingCentral"));
    expected.insert(link("My CXone", RC, "Demo RingCentral West"));
    assert_eq!(f.links(), expected);
}
