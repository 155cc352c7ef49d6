//! The external directories against the emulator: paging, 429 handling, active flags.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use ccsync_core::progress::NoProgress;
use ccsync_core::vendor::directory::{Directory, ExternalAccount};
use ccsync_core::vendor::retry::RetryPolicy;
use ccsync_core::vendor::ringcentral::{RingCentralCredentials, RingCentralDirectory};
use ccsync_core::vendor::webex::{WebexCredentials, WebexDirectory};
use ccsync_emulator::{demo, Emulator, Fault, FaultRule, TenantConfig};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

const EXTENSIONS: &str = "/restapi/v1.0/account/~/extension";

fn ringcentral(emulator: &Emulator, policy: RetryPolicy) -> RingCentralDirectory {
    RingCentralDirectory {
        http: ccsync_core::vendor::http::client().unwrap(),
        creds: RingCentralCredentials {
            server_url: emulator.base_url().into(),
            client_id: demo::RINGCENTRAL_CLIENT_ID.into(),
            client_secret: SecretString::from(demo::RINGCENTRAL_CLIENT_SECRET),
            jwt: SecretString::from(demo::RINGCENTRAL_JWT),
        },
        policy,
    }
}

fn webex(emulator: &Emulator) -> WebexDirectory {
    WebexDirectory {
        http: ccsync_core::vendor::http::client().unwrap(),
        creds: WebexCredentials {
            api_url: emulator.base_url().into(),
            auth: ccsync_core::vendor::webex::WebexAuth::personal(SecretString::from(demo::WEBEX_ACCESS_TOKEN)),
        },
        policy: RetryPolicy::quick(),
    }
}

async fn list(directory: &dyn Directory) -> Vec<ExternalAccount> {
    directory
        .list_accounts(&NoProgress, &CancellationToken::new())
        .await
        .unwrap()
}

fn assert_matches_seed(accounts: &[ExternalAccount], seeded: &ccsync_emulator::directory::SeededDirectory) {
    assert_eq!(accounts.len(), seeded.accounts.len());
    let ids: HashSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), accounts.len(), "every account once");
    let inactive = accounts.iter().filter(|a| !a.active).count();
    assert_eq!(inactive, seeded.accounts.iter().filter(|a| !a.active).count());
    assert!(
        accounts.iter().any(|a| a.emails.is_empty()),
        "accounts with no email come through"
    );
}

#[tokio::test]
async fn ringcentral_lists_every_user_across_pages() {
    let emulator = Emulator::start(TenantConfig {
        agents: 2500,
        ..TenantConfig::default()
    })
    .await
    .unwrap();
    let accounts = list(&ringcentral(&emulator, RetryPolicy::quick())).await;
    emulator.with_data(|data| assert_matches_seed(&accounts, &data.ringcentral));
    assert!(emulator.request_count(EXTENSIONS) >= 3, "several pages of 1,000");
}

#[tokio::test]
async fn webex_follows_the_link_header_across_pages() {
    let emulator = Emulator::start(TenantConfig {
        agents: 2500,
        ..TenantConfig::default()
    })
    .await
    .unwrap();
    let accounts = list(&webex(&emulator)).await;
    emulator.with_data(|data| assert_matches_seed(&accounts, &data.webex));
    assert_eq!(
        emulator.request_count("/v1/people"),
        emulator.with_data(|d| d.webex.accounts.len().div_ceil(1000))
    );
}

#[tokio::test]
async fn ringcentral_429_waits_out_retry_after_and_sends_nothing_meanwhile() {
    let emulator = Emulator::start(TenantConfig {
        agents: 1500,
        ..TenantConfig::default()
    })
    .await
    .unwrap();
    emulator.set_faults(vec![FaultRule {
        path_prefix: EXTENSIONS.into(),
        fault: Fault::Status {
            status: 429,
            retry_after: Some(1),
        },
        skip: 1,
        times: Some(1),
    }]);
    let started = Instant::now();
    let accounts = list(&ringcentral(&emulator, RetryPolicy::quick())).await;
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured");
    emulator.with_data(|data| assert_eq!(accounts.len(), data.ringcentral.accounts.len()));
    // Two pages plus the one refused: nothing else was sent during the penalty.
    assert_eq!(emulator.request_count(EXTENSIONS), 3);
}

#[tokio::test]
async fn ringcentral_429_without_retry_after_waits_the_default() {
    let emulator = Emulator::start(TenantConfig {
        agents: 200,
        ..TenantConfig::default()
    })
    .await
    .unwrap();
    emulator.set_faults(vec![FaultRule {
        path_prefix: EXTENSIONS.into(),
        fault: Fault::Status {
            status: 429,
            retry_after: None,
        },
        skip: 0,
        times: Some(1),
    }]);
    // RingCentral documents 30 s; the test scales it down to keep the suite fast.
    let policy = RetryPolicy {
        rate_limit_default: Duration::from_millis(700),
        ..RetryPolicy::quick()
    };
    let started = Instant::now();
    list(&ringcentral(&emulator, policy)).await;
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(
        RingCentralDirectory::default_policy().rate_limit_default,
        Duration::from_secs(30)
    );
}
