//! The CXone routes keyed by an id: `agents/{agentId|userId}`, `teams/{teamId}/unavailable-codes`,
//! `skills/{skillId}/dispositions`. Each answers its documented shape, or 404 with the service's
//! error body when the id does not exist.

use ccsync_emulator::{Emulator, Shape, TenantConfig};
use serde_json::{json, Value};

use crate::common::{cxone_token, get, keys, start, ADMIN};

fn assert_acd_not_found(error: &Value, what: &str, id: &str) {
    assert_eq!(
        error,
        &json!({"error": "not_found", "error_description": format!("No {what} with id '{id}' exists in this business unit.")})
    );
}

#[tokio::test]
async fn one_agent_by_agent_id_or_user_id() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let (_, list) = get(&emulator, &token, &format!("{ADMIN}/agents?skip=4&top=1")).await;
    let listed = &list["agents"][0];
    let agent_id = listed["agentId"].as_u64().unwrap();
    let user_id = listed["userID"].as_str().unwrap();

    let (status, by_id) = get(&emulator, &token, &format!("{ADMIN}/agents/{agent_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(keys(&by_id), ["agents"]);
    assert_eq!(&by_id["agents"][0], listed, "the agent as the list gives it");
    let (status, by_user) = get(&emulator, &token, &format!("{ADMIN}/agents/{}", user_id.to_uppercase())).await;
    assert_eq!(status, 200);
    assert_eq!(by_user, by_id, "userID, in any case, finds the same agent");

    let (status, error) = get(&emulator, &token, &format!("{ADMIN}/agents/29999999")).await;
    assert_eq!(status, 404);
    assert_acd_not_found(&error, "agent", "29999999");
    let (status, _) = get(&emulator, "not-a-token", &format!("{ADMIN}/agents/{agent_id}")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_teams_unavailable_codes() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let (status, body) = get(&emulator, &token, &format!("{ADMIN}/teams/11070/unavailable-codes")).await;
    assert_eq!(status, 200);
    assert_eq!(
        keys(&body),
        ["divisionNo", "teamId", "teamName", "teamUuid", "unavailableCodes"]
    );
    assert_eq!(body["teamId"], 11070);
    assert_eq!(body["teamName"], "Sales Team");
    assert_eq!(body["teamUuid"].as_str().unwrap().len(), 36);
    let codes = body["unavailableCodes"].as_array().unwrap();
    let ids: Vec<u64> = codes.iter().map(|c| c["outstateId"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1021, 1022, 1023, 1025, 1026, 1027]);
    assert_eq!(
        codes[0],
        json!({"outstateId": 1021, "outstateName": "Break", "isActive": true, "isAcw": false, "agentTimeoutMins": "15"})
    );
    assert_eq!(codes[3]["outstateName"], "Wrap Up");
    assert_eq!(codes[3]["isAcw"], true);

    // activeOnly drops the inactive "System Issue" (1027).
    let (_, active) = get(
        &emulator,
        &token,
        &format!("{ADMIN}/teams/11070/unavailable-codes?activeOnly=true"),
    )
    .await;
    let ids: Vec<u64> = active["unavailableCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outstateId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1021, 1022, 1023, 1025, 1026]);

    let (status, error) = get(&emulator, &token, &format!("{ADMIN}/teams/99999/unavailable-codes")).await;
    assert_eq!(status, 404);
    assert_acd_not_found(&error, "team", "99999");
}

#[tokio::test]
async fn a_teams_unavailable_codes_in_the_legacy_shape() {
    let emulator = Emulator::start(TenantConfig {
        shape: Shape::Legacy,
        ..TenantConfig::default()
    })
    .await
    .unwrap();
    let token = cxone_token(&emulator).await;
    let (status, body) = get(
        &emulator,
        &token,
        "/inContactAPI/services/v13.0/teams/11071/unavailable-codes",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(keys(&body), ["resultSet"]);
    let set = &body["resultSet"];
    assert_eq!(set["teamName"], "Support Tier 1");
    assert_eq!(set["unavailableCodes"][0]["outStateId"], 1021);
    assert!(set["unavailableCodes"][0].get("outstateId").is_none());
}

#[tokio::test]
async fn a_skills_dispositions_paged() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    let (status, body) = get(&emulator, &token, &format!("{ADMIN}/skills/4001/dispositions")).await;
    assert_eq!(status, 200);
    assert_eq!(
        keys(&body),
        ["_links", "dispositions", "skillId", "skillName", "totalRecords"]
    );
    assert_eq!(body["skillId"], 4001);
    assert_eq!(body["skillName"], "IVNAdmin_Voice");
    assert_eq!(body["totalRecords"], 7);
    let all = body["dispositions"].as_array().unwrap();
    let ids: Vec<u64> = all.iter().map(|d| d["dispositionId"].as_u64().unwrap()).collect();
    assert_eq!(ids, [501, 502, 504, 505, 507, 508, 510]);
    assert_eq!(
        keys(&all[1]),
        [
            "agentSpecific",
            "classification",
            "displayOrder",
            "dispositionId",
            "dispositionName",
            "isPreviewDisposition",
            "reportingGroup",
            "requireCommitmentAmount",
            "requireRescheduleDate",
            "systemOutcome"
        ]
    );
    assert_eq!(all[1]["dispositionName"], "Call Back");
    assert_eq!(all[1]["systemOutcome"], "Reschedule");
    assert_eq!(all[1]["requireRescheduleDate"], true);

    let (_, page) = get(
        &emulator,
        &token,
        &format!("{ADMIN}/skills/4001/dispositions?skip=3&top=3"),
    )
    .await;
    assert_eq!(page["dispositions"].as_array().unwrap(), &all[3..6]);
    let base = format!("{}{ADMIN}/skills/4001/dispositions", emulator.base_url());
    assert_eq!(page["_links"]["next"], format!("{base}?skip=6&top=3"));
    assert_eq!(page["_links"]["previous"], format!("{base}?skip=0&top=3"));
    let (status, _) = get(&emulator, &token, &format!("{ADMIN}/skills/4001/dispositions?skip=7")).await;
    assert_eq!(status, 204, "past the end: no content");

    for missing in ["4999", "sales"] {
        let (status, error) = get(&emulator, &token, &format!("{ADMIN}/skills/{missing}/dispositions")).await;
        assert_eq!(status, 404);
        assert_acd_not_found(&error, "skill", missing);
    }
}
