//! Query parameters: invalid paging and filter values are a 400 with the service's documented
//! error body; unknown or extra parameters are accepted; every request CC Sync's own client makes
//! stays valid.

use ccsync_emulator::data::SEEDED_AT;
use serde_json::Value;

use crate::common::{cxone_token, get, keys, start, ADMIN};

/// Which error body a service answers with (external-apis.md §2.1).
#[derive(Debug, Clone, Copy)]
enum Style {
    /// agents, campaigns, teams, skills
    Acd,
    /// dispositions, unavailable codes
    Dated,
    /// security profiles
    General,
}

fn assert_error_body(style: Style, body: &Value, list: &str, parameter: &str, value: &str) {
    let message = match style {
        Style::Acd => {
            assert_eq!(keys(body), ["error", "error_description"], "{body}");
            assert_eq!(body["error"], "invalid_request");
            &body["error_description"]
        }
        Style::Dated => {
            assert_eq!(keys(body), ["errorCode", "errorMessage", "path", "timestamp"], "{body}");
            assert_eq!(body["errorCode"], 400);
            assert_eq!(body["path"], format!("{ADMIN}/{list}"));
            assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
            &body["errorMessage"]
        }
        Style::General => {
            assert_eq!(keys(body), ["error", "errorDescription"], "{body}");
            assert_eq!(body["error"], "invalid_request");
            &body["errorDescription"]
        }
    };
    let message = message.as_str().unwrap();
    assert!(
        message.starts_with(&format!("Invalid {parameter} '{value}'")),
        "{message}"
    );
}

#[tokio::test]
async fn invalid_parameters_are_a_400_with_the_services_error_body() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let cases = [
        ("agents", "top", "0", Style::Acd),
        ("agents", "top", "abc", Style::Acd),
        ("agents", "top", "-5", Style::Acd),
        ("agents", "skip", "-1", Style::Acd),
        ("agents", "skip", "ten", Style::Acd),
        ("agents", "isActive", "maybe", Style::Acd),
        ("agents", "updateSince", "garbage", Style::Acd),
        ("agents", "updatedSince", "garbage", Style::Acd),
        ("campaigns", "top", "0", Style::Acd),
        ("skills", "updatedSince", "2026-13-45", Style::Acd),
        ("teams", "skip", "-1", Style::Acd),
        ("skills/4001/dispositions", "top", "abc", Style::Acd),
        ("teams/11070/unavailable-codes", "activeOnly", "maybe", Style::Acd),
        ("dispositions", "top", "0", Style::Dated),
        ("dispositions", "updatedSince", "garbage", Style::Dated),
        ("unavailable-codes", "isActive", "maybe", Style::Dated),
        ("unavailable-codes", "skip", "-1", Style::Dated),
        ("security-profiles", "top", "abc", Style::General),
        ("security-profiles", "skip", "-1", Style::General),
    ];
    for (list, parameter, value, style) in cases {
        let (status, body) = get(&emulator, &token, &format!("{ADMIN}/{list}?{parameter}={value}")).await;
        assert_eq!(status, 400, "{list}?{parameter}={value}: {body}");
        assert_error_body(style, &body, list, parameter, value);
    }
    // The token is checked before the parameters.
    let (status, _) = get(&emulator, "not-a-token", &format!("{ADMIN}/agents?top=0")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn unknown_and_extra_parameters_are_accepted() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let (status, plain) = get(&emulator, &token, &format!("{ADMIN}/agents?top=5")).await;
    assert_eq!(status, 200);
    let (status, extra) = get(
        &emulator,
        &token,
        &format!(
            "{ADMIN}/agents?top=5&fields=agentId,firstName&orderBy=lastName%20desc&searchString=&mediaTypeId=4&foo=bar"
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(extra["agents"], plain["agents"]);
    assert_eq!(extra["totalRecords"], 250);
    // A parameter a list does not have is not validated there: it is just another extra.
    for query in [
        "security-profiles?isActive=maybe&updatedSince=garbage",
        "campaigns?updatedSince=garbage",
        "skills/4001/dispositions?isActive=maybe",
        "teams/11070/unavailable-codes?isActive=maybe",
    ] {
        let (status, body) = get(&emulator, &token, &format!("{ADMIN}/{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
    }
    // Booleans in any case, names in any case, empty values as absent (as PowerShell clients send them).
    let (status, body) = get(&emulator, &token, &format!("{ADMIN}/agents?ISACTIVE=True&Top=3&skip=")).await;
    assert_eq!(status, 200);
    assert_eq!(body["agents"].as_array().unwrap().len(), 3);
    assert!(body["agents"].as_array().unwrap().iter().all(|a| a["isActive"] == true));
}

#[tokio::test]
async fn updated_since_is_read_in_its_iso_forms() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    emulator.with_data(|d| d.agents[3].last_updated = "2026-02-01T12:00:00.000Z".to_owned());
    for since in [
        SEEDED_AT,
        "2026-01-05T09:00:00Z",
        "2026-01-05T10:00:00%2B01:00",
        "2026-01-06",
        "2026-02-01T11:59:59.999Z",
    ] {
        let (status, body) = get(&emulator, &token, &format!("{ADMIN}/agents?updateSince={since}")).await;
        assert_eq!(status, 200, "{since}");
        let ids: Vec<&Value> = body["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| &a["agentId"])
            .collect();
        assert_eq!(ids, [&Value::from(30100003)], "{since}");
    }
    let (status, _) = get(
        &emulator,
        &token,
        &format!("{ADMIN}/agents?updatedSince=2026-02-01T12:00:00.000Z"),
    )
    .await;
    assert_eq!(status, 204, "nothing changed after the latest update");
}

/// The requests `ccsync-core`'s CXone client sends (crates/core/src/vendor/cxone/admin.rs and the
/// permission gate in mapping/auto_sync.rs): `skip`, `top`, and its incremental parameter with a
/// `lastPollTime` the emulator gave, on each list it reads.
#[tokio::test]
async fn the_requests_cc_sync_makes_stay_valid() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let (_, first) = get(&emulator, &token, &format!("{ADMIN}/agents?skip=0&top=1000")).await;
    assert_eq!(first["agents"].as_array().unwrap().len(), 250);
    let poll = first["lastPollTime"].as_str().unwrap().to_owned();
    for (path, since) in [
        ("agents", Some("updateSince")),
        ("agents", Some("updatedSince")),
        ("skills", Some("updatedSince")),
        ("campaigns", None),
        ("dispositions", Some("updatedSince")),
        ("unavailable-codes", None),
    ] {
        for skip in [0, 1000] {
            let full = format!("{ADMIN}/{path}?skip={skip}&top=1000");
            let (status, _) = get(&emulator, &token, &full).await;
            assert_eq!(status, if skip == 0 { 200 } else { 204 }, "{full}");
        }
        if let Some(param) = since {
            let since = poll.replace(':', "%3A");
            let incremental = format!("{ADMIN}/{path}?skip=0&top=1000&{param}={since}");
            let (status, body) = get(&emulator, &token, &incremental).await;
            assert_eq!(status, 204, "nothing changed since the last poll: {incremental} {body}");
            let (status, _) = get(
                &emulator,
                &token,
                &format!("{ADMIN}/{path}?skip=0&top=1000&{param}=2020-01-01T00%3A00%3A00.000Z"),
            )
            .await;
            assert_eq!(status, 200);
        }
    }
    let (status, profiles) = get(&emulator, &token, &format!("{ADMIN}/security-profiles")).await;
    assert_eq!(status, 200);
    assert_eq!(
        profiles["profiles"].as_array().unwrap().len(),
        4,
        "one request reads every profile"
    );
    let (status, _) = get(&emulator, &token, &format!("{ADMIN}/business-unit")).await;
    assert_eq!(status, 200);
}
