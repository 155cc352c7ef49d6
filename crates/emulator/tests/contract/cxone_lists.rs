//! The CXone lists' documented contents: the agent's documented fields and `hiddenAgents`, security
//! profiles paged with `skip`/`top` and `_links`, links that keep the caller's filters.

use ccsync_emulator::{data::SEEDED_AT, Emulator, TenantConfig};
use serde_json::{json, Value};

use crate::common::{cxone_token, get, get_url, keys, start, ADMIN};

/// The v34 agent fields external-apis.md §2.2 documents (its example and its field list).
const DOCUMENTED_AGENT_FIELDS: [&str; 45] = [
    "agentId",
    "userID",
    "userName",
    "firstName",
    "middleName",
    "lastName",
    "emailAddress",
    "isActive",
    "locked",
    "teamId",
    "teamName",
    "teamUuId",
    "reportToId",
    "reportToName",
    "isSupervisor",
    "profileId",
    "profileName",
    "userType",
    "lastLogin",
    "lastUpdated",
    "createDate",
    "inactiveDate",
    "hireDate",
    "terminationDate",
    "timeZone",
    "timeZoneOffset",
    "country",
    "countryName",
    "state",
    "stateCode",
    "city",
    "location",
    "internalId",
    "federatedId",
    "employmentType",
    "employmentTypeName",
    "custom1",
    "custom2",
    "custom3",
    "custom4",
    "custom5",
    "notes",
    "atHome",
    "telephone1",
    "telephone2",
];

async fn all_agents(emulator: &Emulator) -> Value {
    let token = cxone_token(emulator).await;
    let (status, body) = get(emulator, &token, &format!("{ADMIN}/agents")).await;
    assert_eq!(status, 200);
    body
}

#[tokio::test]
async fn agents_carry_the_documented_fields_and_hidden_agents() {
    let emulator = start().await;
    let body = all_agents(&emulator).await;
    assert_eq!(
        keys(&body),
        [
            "_links",
            "agents",
            "businessUnitId",
            "hiddenAgents",
            "lastPollTime",
            "totalRecords"
        ]
    );
    assert_eq!(body["hiddenAgents"], 0);
    let agents = body["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 250);
    let mut fields = DOCUMENTED_AGENT_FIELDS.to_vec();
    fields.sort();
    let date_time = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.len() == 24 && s.ends_with(".000Z") && s.as_bytes()[10] == b'T')
    };
    for agent in agents {
        assert_eq!(keys(agent), fields, "{agent}");
        assert_eq!(agent["teamUuId"].as_str().unwrap().len(), 36);
        assert!(
            date_time(&agent["hireDate"]) && date_time(&agent["lastLogin"]),
            "{agent}"
        );
        assert!((1..=5).contains(&agent["employmentType"].as_u64().unwrap()));
        assert_eq!(agent["reportToName"], "Sam Supervisor");
        assert_eq!(agent["federatedId"], agent["userName"]);
        if agent["isActive"] == true {
            assert!(
                agent["inactiveDate"].is_null() && agent["terminationDate"].is_null(),
                "{agent}"
            );
        } else {
            assert!(date_time(&agent["inactiveDate"]), "{agent}");
            assert!(agent["terminationDate"].is_null() || agent["terminationDate"] == agent["inactiveDate"]);
        }
    }
    // A team's agents share its uuid.
    let uuid_of = |team: u64| {
        agents
            .iter()
            .filter(|a| a["teamId"] == team)
            .map(|a| a["teamUuId"].clone())
            .collect::<std::collections::HashSet<_>>()
    };
    assert_eq!(uuid_of(11070).len(), 1);
    assert_ne!(uuid_of(11070), uuid_of(11071));
}

#[tokio::test]
async fn the_fields_agents_had_keep_their_values() {
    let emulator = start().await;
    let body = all_agents(&emulator).await;
    let seeded = emulator.with_data(|d| d.agents.clone());
    for (agent, record) in body["agents"].as_array().unwrap().iter().zip(&seeded) {
        let (profile_id, profile_name) = [
            (41, "Agent"),
            (42, "Supervisor"),
            (43, "Administrator"),
            (44, "Agent - Restricted"),
        ][record.profile];
        let expected = json!({
            "agentId": record.agent_id, "userID": record.user_id, "userName": record.user_name,
            "firstName": record.first_name, "middleName": "", "lastName": record.last_name,
            "emailAddress": record.email, "isActive": record.is_active, "locked": false,
            "teamId": 11070 + record.team, "reportToId": 30000001, "isSupervisor": record.profile == 1,
            "profileId": profile_id, "profileName": profile_name, "userType": profile_name,
            "lastUpdated": SEEDED_AT, "createDate": SEEDED_AT,
            "timeZone": "(GMT-07:00) Mountain Time (US & Canada)", "country": "US",
            "internalId": format!("E{}", record.agent_id % 100_000), "custom1": "", "notes": ""
        });
        for (key, value) in expected.as_object().unwrap() {
            assert_eq!(&agent[key], value, "{key} of {agent}");
        }
    }
    // The first seeded agent, as it has always been.
    assert_eq!(seeded[0].agent_id, 30100000);
}

#[tokio::test]
async fn agents_are_the_same_for_the_same_seed() {
    let (one, again, other) = (
        start().await,
        start().await,
        Emulator::start(TenantConfig::demo(2)).await.unwrap(),
    );
    let agents = |body: Value| body["agents"].clone();
    let first = agents(all_agents(&one).await);
    assert_eq!(first, agents(all_agents(&again).await));
    let different = agents(all_agents(&other).await);
    assert_eq!(
        first[0]["agentId"], different[0]["agentId"],
        "ids do not depend on the seed"
    );
    assert_ne!(first, different);
}

#[tokio::test]
async fn security_profiles_are_paged_with_skip_top_and_links() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let (status, all) = get(&emulator, &token, &format!("{ADMIN}/security-profiles")).await;
    assert_eq!(status, 200);
    assert_eq!(keys(&all), ["_links", "profiles"]);
    let profiles = all["profiles"].as_array().unwrap();
    let ids: Vec<u64> = profiles
        .iter()
        .map(|p| p["securityProfileId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [41, 42, 43, 44]);
    assert!(all["_links"]["next"].is_null());

    let base = format!("{}{ADMIN}/security-profiles", emulator.base_url());
    let (status, first) = get(&emulator, &token, &format!("{ADMIN}/security-profiles?top=3")).await;
    assert_eq!(status, 200);
    assert_eq!(first["profiles"].as_array().unwrap(), &profiles[..3]);
    assert_eq!(first["_links"]["self"], format!("{base}?skip=0&top=3"));
    assert_eq!(first["_links"]["next"], format!("{base}?skip=3&top=3"));
    assert!(first["_links"]["previous"].is_null());
    let (status, second) = get_url(first["_links"]["next"].as_str().unwrap(), &token).await;
    assert_eq!(status, 200);
    assert_eq!(second["profiles"].as_array().unwrap(), &profiles[3..]);
    assert!(second["_links"]["next"].is_null());
    assert_eq!(second["_links"]["previous"], format!("{base}?skip=0&top=3"));
    let (status, past) = get(&emulator, &token, &format!("{ADMIN}/security-profiles?skip=4&top=2")).await;
    assert_eq!((status, past), (204, Value::Null));
}

#[tokio::test]
async fn links_keep_the_callers_filters_and_following_them_reads_the_filtered_list() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let active = emulator.with_data(|d| d.agents.iter().filter(|a| a.is_active).count());
    assert!(active < 250, "the seed has inactive agents");
    let mut url = format!(
        "{}{ADMIN}/agents?isActive=true&orderBy=lastName&top=40",
        emulator.base_url()
    );
    let mut read = 0;
    loop {
        let (status, body) = get_url(&url, &token).await;
        assert_eq!(status, 200);
        assert_eq!(body["totalRecords"], active);
        let page = body["agents"].as_array().unwrap();
        assert!(page.iter().all(|a| a["isActive"] == true));
        read += page.len();
        match body["_links"]["next"].as_str() {
            Some(next) => {
                assert!(next.ends_with("&isActive=true&orderBy=lastName"), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(read, active);
}

#[tokio::test]
async fn teams_are_a_paged_list() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let (status, body) = get(&emulator, &token, &format!("{ADMIN}/teams?skip=2&top=3")).await;
    assert_eq!(status, 200);
    assert_eq!(
        keys(&body),
        ["_links", "businessUnitId", "lastPollTime", "teams", "totalRecords"]
    );
    assert_eq!(body["totalRecords"], 8);
    let names: Vec<&str> = body["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["teamName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Support Tier 2", "Billing", "Retention"]);
    assert_eq!(body["teams"][0]["teamId"], 11072);
}

/// A second business unit (the demo's West unit) has agents and security profiles of its own.
#[tokio::test]
async fn a_second_units_agents_and_profiles_have_their_own_ids() {
    let west = ccsync_emulator::demo::west::FIRST_AGENT_ID;
    let emulator = Emulator::start(TenantConfig {
        first_agent_id: west,
        profile_id_offset: ccsync_emulator::demo::west::PROFILE_ID_OFFSET,
        ..TenantConfig::demo(2)
    })
    .await
    .unwrap();
    let token = cxone_token(&emulator).await;
    let (_, all) = get(&emulator, &token, &format!("{ADMIN}/security-profiles")).await;
    let ids: Vec<u64> = (all["profiles"].as_array().unwrap().iter())
        .map(|p| p["securityProfileId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [141, 142, 143, 144]);
    let agents = all_agents(&emulator).await["agents"].as_array().unwrap().clone();
    assert_eq!(agents[0]["agentId"], west);
    assert!(agents.iter().all(|a| ids.contains(&a["profileId"].as_u64().unwrap())));
}
