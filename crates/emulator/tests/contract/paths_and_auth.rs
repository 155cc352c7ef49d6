//! Paths in any letter case (NicePy's `/incontactApi/…`, NICE's JS SDK's `/InContactAPI/…`), and
//! the UserHub access-key sign-in.

use ccsync_emulator::{demo, Fault, FaultRule};
use serde_json::{json, Value};

use crate::common::{cxone_token, get, http, rc_token, start, ADMIN};

/// The parts of a list answer that do not depend on the time of the call.
fn stable(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("lastPollTime");
    body
}

#[tokio::test]
async fn mixed_case_admin_paths_answer_like_the_canonical_path() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    for list in [
        "agents?top=7&skip=3",
        "dispositions",
        "unavailable-codes?top=2",
        "security-profiles",
    ] {
        let (status, canonical) = get(&emulator, &token, &format!("{ADMIN}/{list}")).await;
        assert_eq!(status, 200, "{list}");
        for spelling in [
            "/incontactApi/services/v34.0",
            "/InContactAPI/services/v34.0",
            "/INCONTACTAPI/Services/V34.0",
        ] {
            let (status, body) = get(&emulator, &token, &format!("{spelling}/{list}")).await;
            assert_eq!(status, 200, "{spelling}/{list}");
            assert_eq!(stable(body), stable(canonical.clone()), "{spelling}/{list}");
        }
    }
    // Links name the canonical path whatever the spelling asked.
    let (_, body) = get(&emulator, &token, "/incontactApi/services/v34.0/agents?top=7").await;
    let next = body["_links"]["next"].as_str().unwrap();
    assert_eq!(next, format!("{}{ADMIN}/agents?skip=7&top=7", emulator.base_url()));
    // Mixed-case single-record paths too.
    let (status, body) = get(&emulator, &token, "/InContactAPI/services/v34.0/Agents/30100000").await;
    assert_eq!(status, 200);
    assert_eq!(body["agents"][0]["agentId"], 30100000);
}

#[tokio::test]
async fn every_vendors_paths_match_in_any_case() {
    let emulator = start().await;
    let base = emulator.base_url();
    let discovery: Value = http()
        .get(format!("{base}/.Well-Known/OpenID-Configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["token_endpoint"], format!("{base}/auth/token"));
    let token = http()
        .post(format!("{base}/Auth/Token"))
        .basic_auth(demo::CXONE_CLIENT_ID, Some(demo::CXONE_CLIENT_SECRET))
        .form(&[
            ("grant_type", "password"),
            ("username", demo::CXONE_ACCESS_KEY_ID),
            ("password", demo::CXONE_ACCESS_KEY_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    let rc = rc_token(&emulator).await;
    let (status, canonical) = get(&emulator, &rc, "/restapi/v1.0/account/~/extension?perPage=5").await;
    assert_eq!(status, 200);
    let (status, body) = get(&emulator, &rc, "/RestAPI/v1.0/Account/~/Extension?perPage=5").await;
    assert_eq!((status, body), (200, canonical));
    let (status, me) = get(&emulator, demo::WEBEX_ACCESS_TOKEN, "/V1/People/Me").await;
    assert_eq!(status, 200);
    assert_eq!(me["emails"], json!(["admin@demo.example"]));
}

#[tokio::test]
async fn fault_rules_and_counts_match_paths_in_any_case() {
    let emulator = start().await;
    let token = cxone_token(&emulator).await;
    emulator.set_faults(vec![FaultRule::always(
        "/inContactAPI/services/v34.0/agents",
        Fault::Status {
            status: 503,
            retry_after: Some(7),
        },
    )]);
    let answer = http()
        .get(format!("{}/incontactapi/services/v34.0/agents", emulator.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers()["retry-after"], "7");
    let (status, _) = get(&emulator, &token, "/InContactAPI/services/v34.0/agents").await;
    assert_eq!(status, 503);
    assert_eq!(emulator.request_count("/inContactAPI/services/v34.0/agents"), 2);
    assert_eq!(emulator.request_count("/INCONTACTAPI"), 2);
}

#[tokio::test]
async fn the_userhub_access_key_token_opens_the_admin_api() {
    let emulator = start().await;
    let url = format!("{}/authentication/v1/token/access-key", emulator.base_url());
    let answer = http()
        .post(&url)
        .json(&json!({"accessKeyId": demo::CXONE_ACCESS_KEY_ID, "accessKeySecret": demo::CXONE_ACCESS_KEY_SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let tokens: Value = answer.json().await.unwrap();
    for key in ["access_token", "refresh_token", "id_token"] {
        assert_eq!(tokens[key].as_str().unwrap().split('.').count(), 3, "{key} is a JWT");
    }
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access = tokens["access_token"].as_str().unwrap();
    let (status, units) = get(&emulator, access, &format!("{ADMIN}/business-unit")).await;
    assert_eq!(status, 200);
    assert_eq!(
        units["businessUnits"][0]["businessUnitId"],
        emulator.tenant().business_unit_id
    );
    let (status, agents) = get(&emulator, access, &format!("{ADMIN}/agents?top=3")).await;
    assert_eq!(status, 200);
    assert_eq!(agents["agents"].as_array().unwrap().len(), 3);

    // The UserHub refresh gives a new access token that works too.
    let refreshed: Value = http()
        .post(format!("{}/public/user/refresh", emulator.base_url()))
        .json(&json!({"token": tokens["refresh_token"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["tokenExpirationTimeSec"], 3600);
    let (status, _) = get(
        &emulator,
        refreshed["token"].as_str().unwrap(),
        &format!("{ADMIN}/teams"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_wrong_access_key_is_refused_with_the_token_routes_401() {
    let emulator = start().await;
    let url = format!("{}/authentication/v1/token/access-key", emulator.base_url());
    for body in [
        json!({"accessKeyId": demo::CXONE_ACCESS_KEY_ID, "accessKeySecret": "not-the-secret"}),
        json!({"accessKeyId": "NOT4THE6KEY", "accessKeySecret": demo::CXONE_ACCESS_KEY_SECRET}),
    ] {
        let answer = http().post(&url).json(&body).send().await.unwrap();
        assert_eq!(answer.status(), 401);
        let error: Value = answer.json().await.unwrap();
        assert_eq!(
            error,
            json!({"error": "invalid_grant", "error_description": "Invalid access key"})
        );
    }
    // The same body shape as /auth/token's 401 (a bad client there).
    let answer = http()
        .post(format!("{}/auth/token", emulator.base_url()))
        .basic_auth("someone-else", Some("nope"))
        .form(&[("grant_type", "password"), ("username", "x"), ("password", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let error: Value = answer.json().await.unwrap();
    assert_eq!(crate::common::keys(&error), ["error", "error_description"]);
    let answer = http().post(&url).body("accessKeyId=x").send().await.unwrap();
    assert_eq!(answer.status(), 400, "a body that is not the JSON is a bad request");
}
