//! RingCentral as its SDKs read it: paging by `navigation.nextPage.uri`, which carries the
//! numeric account id, and single extensions under `~` or that id.

use std::collections::HashSet;

use serde_json::Value;

use crate::common::{get, get_url, rc_token, start};

const ACCOUNT_ID: &str = "159048008";

#[tokio::test]
async fn paging_follows_next_page_uris_with_the_numeric_account_id_to_the_end() {
    let emulator = start().await;
    let token = rc_token(&emulator).await;
    let seeded = emulator.with_data(|d| d.ringcentral.accounts.len());
    let per_page = 7;
    let mut url = format!(
        "{}/restapi/v1.0/account/~/extension?type=User&perPage={per_page}",
        emulator.base_url()
    );
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let (status, body) = get_url(&url, &token).await;
        assert_eq!(status, 200, "{url}");
        pages += 1;
        assert!(
            body["uri"]
                .as_str()
                .unwrap()
                .contains(&format!("/account/{ACCOUNT_ID}/extension?")),
            "{}",
            body["uri"]
        );
        let records = body["records"].as_array().unwrap();
        for record in records {
            let id = record["id"].as_u64().unwrap();
            assert_eq!(
                record["uri"],
                format!(
                    "{}/restapi/v1.0/account/{ACCOUNT_ID}/extension/{id}",
                    emulator.base_url()
                )
            );
            ids.push(id);
        }
        let paging = &body["paging"];
        assert_eq!(paging["page"], pages);
        assert_eq!(paging["totalElements"], seeded);
        assert_eq!(paging["pageStart"], (pages - 1) * per_page);
        assert_eq!(paging["pageEnd"], (pages - 1) * per_page + records.len() - 1);
        match body["navigation"]["nextPage"]["uri"].as_str() {
            Some(next) => {
                assert!(
                    next.contains(&format!("/restapi/v1.0/account/{ACCOUNT_ID}/extension?")),
                    "{next}"
                );
                assert!(
                    next.contains("type=User"),
                    "the caller's filter survives paging: {next}"
                );
                assert_eq!(records.len(), per_page, "only the last page is short");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(ids.len(), seeded, "every extension read once");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), seeded, "no extension twice");
    assert_eq!(pages, seeded.div_ceil(per_page));
}

#[tokio::test]
async fn the_numeric_account_id_is_served_wherever_tilde_is() {
    let emulator = start().await;
    let token = rc_token(&emulator).await;
    let (status, by_tilde) = get(&emulator, &token, "/restapi/v1.0/account/~/extension?page=2&perPage=10").await;
    assert_eq!(status, 200);
    let (status, by_id) = get(
        &emulator,
        &token,
        &format!("/restapi/v1.0/account/{ACCOUNT_ID}/extension?page=2&perPage=10"),
    )
    .await;
    assert_eq!((status, &by_id), (200, &by_tilde));
    assert_eq!(by_id["records"].as_array().unwrap().len(), 10);

    let (status, own) = get(
        &emulator,
        &token,
        &format!("/restapi/v1.0/account/{ACCOUNT_ID}/extension/~"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(own["id"], 62264425008u64);
    assert_eq!(own["account"]["id"], ACCOUNT_ID);

    let (status, error) = get(&emulator, &token, "/restapi/v1.0/account/123456/extension").await;
    assert_eq!(status, 404);
    assert_not_found(&error, "accountId", "123456");
}

#[tokio::test]
async fn one_extension_by_id_under_tilde_and_the_numeric_id() {
    let emulator = start().await;
    let token = rc_token(&emulator).await;
    let (_, list) = get(&emulator, &token, "/restapi/v1.0/account/~/extension?perPage=3").await;
    let listed = &list["records"][2];
    let id = listed["id"].as_u64().unwrap();
    for account in ["~", ACCOUNT_ID] {
        let (status, record) = get(
            &emulator,
            &token,
            &format!("/restapi/v1.0/account/{account}/extension/{id}"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(&record, listed, "the record as the list gives it");
        let email = emulator.with_data(|d| {
            d.ringcentral
                .accounts
                .iter()
                .find(|a| a.id == id.to_string())
                .unwrap()
                .email
                .clone()
        });
        assert_eq!(record["contact"]["email"].as_str().map(str::to_owned), email);
    }
    let (status, error) = get(&emulator, &token, "/restapi/v1.0/account/~/extension/999").await;
    assert_eq!(status, 404);
    assert_not_found(&error, "extensionId", "999");
    let (status, _) = get(
        &emulator,
        "not-a-token",
        &format!("/restapi/v1.0/account/~/extension/{id}"),
    )
    .await;
    assert_eq!(status, 401);
}

fn assert_not_found(error: &Value, parameter: &str, value: &str) {
    assert_eq!(error["errorCode"], "CMN-102");
    assert_eq!(error["errors"][0]["errorCode"], "CMN-102");
    assert_eq!(error["errors"][0]["parameterName"], parameter);
    assert_eq!(error["errors"][0]["parameterValue"], value);
    assert_eq!(
        error["message"],
        format!("Resource for parameter [{parameter}] is not found")
    );
}
