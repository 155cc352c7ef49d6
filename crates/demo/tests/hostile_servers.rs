//! Vendor clients against servers that behave badly on purpose: redirects and next-page links to
//! another host (which must receive nothing), pages repeated forever or `skip` ignored, a
//! `Retry-After` of a day, `top` capped below the total of a list without one, tokens that expire
//! early or are revoked while pages are in flight, and a RingCentral listing of over 20,000
//! accounts through every token fault at once. Every run ends within seconds, with every record
//! exactly once or with a sentence and nothing written.

mod common;

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ccsync_core::model::*;
use ccsync_core::progress::NoProgress;
use ccsync_core::sync::{self, PullOptions};
use ccsync_core::vendor::cxone::admin::FetchOptions;
use ccsync_core::vendor::directory::{Directory, ExternalAccount};
use ccsync_core::vendor::retry::RetryPolicy;
use ccsync_core::vendor::ringcentral::{RingCentralCredentials, RingCentralDirectory};
use ccsync_core::vendor::webex::{WebexCredentials, WebexDirectory};
use ccsync_core::{Error, ErrorCode};
use ccsync_emulator::{demo, Emulator, Fault, FaultRule, Shape, TenantConfig};
use common::{fixture, Fixture};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const AGENTS: &str = "/inContactAPI/services/v34.0/agents";
const CODES: &str = "/inContactAPI/services/v34.0/unavailable-codes";
const CXONE_TOKEN: &str = "/auth/token";
const RC_TOKEN: &str = "/restapi/oauth/token";
const EXTENSIONS: &str = "/restapi/v1.0/account/~/extension";
const PEOPLE: &str = "/v1/people";
/// "Within seconds": generous, so a loaded machine does not fail a correct client.
const PROMPTLY: Duration = Duration::from_secs(20);

/// Every secret the demo tenant's connections hold: none may reach another host.
const SECRETS: [&str; 6] = [
    demo::CXONE_CLIENT_SECRET,
    demo::CXONE_ACCESS_KEY_SECRET,
    demo::RINGCENTRAL_CLIENT_SECRET,
    demo::RINGCENTRAL_JWT,
    demo::WEBEX_ACCESS_TOKEN,
    // How the access key secret travels in a form body.
    "demo%2Baccess%2Fkey%3Dsecret%3D%3D",
];

/// A server on another loopback host (127.0.0.2) that records every connection and every byte
/// it is sent, and answers 200 `{}` to whatever arrives.
struct Trap {
    origin: String,
    connections: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Trap {
    async fn start() -> Trap {
        let listener = TcpListener::bind((Ipv4Addr::new(127, 0, 0, 2), 0))
            .await
            .expect("loopback /8: 127.0.0.2 can be bound on Linux");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (count, bytes) = (connections.clone(), received.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let bytes = bytes.clone();
                tokio::spawn(async move {
                    let mut buffer = [0u8; 8192];
                    let deadline = Instant::now() + Duration::from_millis(500);
                    while Instant::now() < deadline {
                        if tokio::time::timeout(Duration::from_millis(100), socket.readable())
                            .await
                            .is_err()
                        {
                            continue;
                        }
                        match socket.try_read(&mut buffer) {
                            Ok(0) => break,
                            Ok(n) => bytes.lock().unwrap().extend_from_slice(&buffer[..n]),
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                            Err(_) => break,
                        }
                    }
                    let _ = socket.try_write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
                });
            }
        });
        Trap {
            origin,
            connections,
            received,
        }
    }

    /// Nothing at all reached the trap: no connection, no byte, so no secret.
    fn assert_untouched(&self) {
        let received = self.received.lock().unwrap().clone();
        let text = String::from_utf8_lossy(&received);
        for secret in SECRETS {
            assert!(!text.contains(secret), "a secret reached the other host: {text}");
        }
        assert!(received.is_empty(), "bytes reached the other host: {text}");
        assert_eq!(
            self.connections.load(Ordering::SeqCst),
            0,
            "a connection reached the other host"
        );
    }
}

fn tenant(agents: usize, shape: Shape) -> TenantConfig {
    TenantConfig {
        agents,
        shape,
        ..TenantConfig::demo(5)
    }
}

fn options(page_size: u32) -> PullOptions {
    PullOptions {
        full: true,
        fetch: FetchOptions {
            page_size,
            ..FetchOptions::default()
        },
        retry: RetryPolicy::quick(),
    }
}

fn rule(path: &str, fault: Fault, skip: usize, times: Option<usize>) -> FaultRule {
    FaultRule {
        path_prefix: path.into(),
        fault,
        skip,
        times,
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

    /// The pull fails, writes no record, and History has it as failed with the same sentence.
    async fn assert_pull_fails(&self, entity: Entity, opts: &PullOptions) -> Error {
        let started = Instant::now();
        let error = self.plan(entity, opts).await.err().expect("the pull fails");
        assert!(started.elapsed() < PROMPTLY, "took {:?}: {error}", started.elapsed());
        let store = self.store.lock().unwrap();
        assert_eq!(store.count_records(entity).unwrap(), 0, "nothing written");
        let runs = store.list_runs(5).unwrap();
        assert_eq!(runs[0].status, "failed", "recorded as failed");
        assert_eq!(runs[0].error.as_deref(), Some(error.to_string().as_str()));
        error
    }
}

fn assert_each_once(plan: &SyncPlan, expected: usize) {
    let ids: HashSet<&str> = plan.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(plan.rows.len(), expected, "rows");
    assert_eq!(ids.len(), expected, "every record exactly once");
}

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

async fn list(directory: &dyn Directory) -> ccsync_core::Result<Vec<ExternalAccount>> {
    directory.list_accounts(&NoProgress, &CancellationToken::new()).await
}

/// A directory listing that must fail promptly.
async fn list_fails(directory: &dyn Directory) -> Error {
    let started = Instant::now();
    let error = list(directory).await.expect_err("the listing fails");
    assert!(started.elapsed() < PROMPTLY, "took {:?}: {error}", started.elapsed());
    error
}

fn assert_names_host_and_no_secret(error: &Error, trap: &Trap) {
    let message = error.to_string();
    assert!(message.contains(&trap.origin), "the other host is named: {message}");
    for secret in SECRETS {
        assert!(!message.contains(secret), "no secret in the message: {message}");
    }
}

// ---- 1. Nothing leaves for another host ------------------------------------------------------

#[tokio::test]
async fn a_token_request_redirected_to_another_host_fails_and_sends_it_nothing() {
    for status in [307, 308] {
        let trap = Trap::start().await;
        let f = fixture(tenant(10, Shape::V34)).await;
        let location = format!("{}/auth/token", trap.origin);
        f.emulator
            .set_faults(vec![rule(CXONE_TOKEN, Fault::Redirect { status, location }, 0, None)]);
        let error = f.assert_pull_fails(Entity::Users, &options(100)).await;
        assert_eq!(error.code(), ErrorCode::UnexpectedResponse, "{error}");
        assert!(error.to_string().contains("sent nothing there"), "{error}");
        assert_names_host_and_no_secret(&error, &trap);
        trap.assert_untouched();

        // RingCentral's token request (client secret and JWT in it) likewise.
        let location = format!("{}/restapi/oauth/token", trap.origin);
        f.emulator
            .set_faults(vec![rule(RC_TOKEN, Fault::Redirect { status, location }, 0, None)]);
        let error = list_fails(&ringcentral(&f.emulator, RetryPolicy::quick())).await;
        assert_names_host_and_no_secret(&error, &trap);
        trap.assert_untouched();
    }
}

#[tokio::test]
async fn a_redirect_within_the_same_origin_is_still_followed() {
    let f = fixture(tenant(10, Shape::V34)).await;
    let location = format!("{}/auth/token", f.emulator.base_url());
    f.emulator.set_faults(vec![rule(
        CXONE_TOKEN,
        Fault::Redirect { status: 307, location },
        0,
        Some(1),
    )]);
    let plan = f.plan(Entity::Users, &options(100)).await.unwrap().plan;
    assert_each_once(&plan, 10);
    // The redirect, then the token request it led to (body re-sent), then nothing more.
    assert_eq!(f.emulator.request_count(CXONE_TOKEN), 2);

    // A redirect loop on the same host is followed a few times only.
    let location = format!("{}/auth/token", f.emulator.base_url());
    f.emulator.set_faults(vec![rule(
        CXONE_TOKEN,
        Fault::Redirect { status: 308, location },
        0,
        None,
    )]);
    let error = f.assert_pull_fails(Entity::Users, &options(100)).await;
    assert!(error.to_string().contains("more than 3 times"), "{error}");
    assert_eq!(
        f.emulator.request_count(CXONE_TOKEN),
        4,
        "the first request and 3 redirects"
    );
}

#[tokio::test]
async fn next_page_links_to_another_origin_fail_the_run_and_send_it_nothing() {
    let trap = Trap::start().await;
    let f = fixture(tenant(2500, Shape::V34)).await;

    // CXone `_links.next`.
    f.emulator
        .set_faults(vec![rule(AGENTS, Fault::ForeignLinks(trap.origin.clone()), 0, None)]);
    let error = f.assert_pull_fails(Entity::Users, &options(100)).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    assert_names_host_and_no_secret(&error, &trap);

    // RingCentral `navigation.nextPage.uri`.
    f.emulator.set_faults(vec![rule(
        EXTENSIONS,
        Fault::ForeignLinks(trap.origin.clone()),
        0,
        None,
    )]);
    let error = list_fails(&ringcentral(&f.emulator, RetryPolicy::quick())).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    assert_names_host_and_no_secret(&error, &trap);

    // Webex `Link: <…>; rel="next"`, which is followed verbatim.
    f.emulator
        .set_faults(vec![rule(PEOPLE, Fault::ForeignLinks(trap.origin.clone()), 0, None)]);
    let error = list_fails(&webex(&f.emulator)).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    assert_names_host_and_no_secret(&error, &trap);

    trap.assert_untouched();
}

// ---- 2. Bounded, honest paging ---------------------------------------------------------------

#[tokio::test]
async fn a_server_that_ignores_skip_ends_the_pull_within_seconds() {
    // Agents report a total: every page in flight comes back as the first one.
    let f = fixture(tenant(300, Shape::V34)).await;
    f.emulator.set_faults(vec![rule(AGENTS, Fault::IgnorePaging, 0, None)]);
    let error = f.assert_pull_fails(Entity::Users, &options(25)).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    assert!(error.to_string().contains("ignore `skip`"), "{error}");
}

#[tokio::test]
async fn a_server_that_repeats_the_same_page_forever_ends_the_run_within_seconds() {
    // Legacy unavailable codes report no total and no links: only the records tell.
    let f = fixture(tenant(5, Shape::Legacy)).await;
    f.emulator.set_faults(vec![rule(CODES, Fault::IgnorePaging, 0, None)]);
    let error = f.assert_pull_fails(Entity::AgentStatuses, &options(3)).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    assert!(error.to_string().contains("nothing was written"), "{error}");

    // RingCentral hands back page 1 (with a nextPage) whatever page is asked for.
    let f = fixture(tenant(2500, Shape::V34)).await;
    f.emulator
        .set_faults(vec![rule(EXTENSIONS, Fault::IgnorePaging, 0, None)]);
    let error = list_fails(&ringcentral(&f.emulator, RetryPolicy::quick())).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    assert!(error.to_string().contains("RingCentral"), "{error}");

    // Webex hands back the same cursor forever.
    f.emulator.set_faults(vec![rule(PEOPLE, Fault::IgnorePaging, 0, None)]);
    let error = list_fails(&webex(&f.emulator)).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    assert!(error.to_string().contains("Webex"), "{error}");
}

#[tokio::test]
async fn legacy_codes_from_a_server_that_caps_top_all_arrive() {
    // No total and no links, and the server sends at most 3 whatever `top` asks: a short page is
    // not the end, an empty one is.
    for cap in [1, 3, 5] {
        let f = fixture(TenantConfig {
            max_page_size: cap,
            ..tenant(5, Shape::Legacy)
        })
        .await;
        let plan = f.plan(Entity::AgentStatuses, &options(50)).await.unwrap().plan;
        assert_each_once(&plan, 8);
    }
}

#[tokio::test]
async fn a_retry_after_of_a_day_fails_at_once_with_rate_limited() {
    let f = fixture(tenant(40, Shape::V34)).await;
    f.emulator.set_faults(vec![rule(
        AGENTS,
        Fault::Status {
            status: 429,
            retry_after: Some(86_400),
        },
        1,
        None,
    )]);
    let error = f.assert_pull_fails(Entity::Users, &options(10)).await;
    assert_eq!(error.code(), ErrorCode::RateLimited, "{error}");
    let message = error.to_string();
    assert!(
        message.contains("24 hours") && message.contains("Try again after"),
        "{message}"
    );

    // The same on a token request (RingCentral's Auth group is the one that says "wait").
    f.emulator.set_faults(vec![rule(
        RC_TOKEN,
        Fault::Status {
            status: 429,
            retry_after: Some(86_400),
        },
        0,
        None,
    )]);
    let error = list_fails(&ringcentral(&f.emulator, RetryPolicy::quick())).await;
    assert_eq!(error.code(), ErrorCode::RateLimited, "{error}");
    assert_eq!(f.emulator.request_count(RC_TOKEN), 1, "asked once, not again");
}

#[tokio::test]
async fn a_retry_after_given_as_an_http_date_is_honoured() {
    for obsolete in [false, true] {
        let f = fixture(tenant(30, Shape::V34)).await;
        f.emulator.set_faults(vec![rule(
            AGENTS,
            Fault::RetryAfterDate {
                status: 429,
                seconds: 2,
                obsolete,
            },
            1,
            Some(1),
        )]);
        let started = Instant::now();
        let plan = f.plan(Entity::Users, &options(10)).await.unwrap().plan;
        // A date two seconds ahead, to the second: at least one second of waiting.
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "waited {:?} (RFC 850 form: {obsolete})",
            started.elapsed()
        );
        assert_each_once(&plan, 30);
    }
}

// ---- 3. Tokens like a long-lived client ------------------------------------------------------

/// Pages in flight that all meet a revoked token share one new sign-in — even when the token
/// endpoint is busy (429) at that moment — and all succeed.
#[tokio::test]
async fn cxone_pages_in_flight_on_a_revoked_token_share_one_sign_in() {
    let f = fixture(tenant(400, Shape::V34)).await;
    let mut opts = options(10);
    opts.fetch.concurrency = 6;
    f.emulator.set_faults(vec![
        rule(AGENTS, Fault::RevokeTokens, 3, Some(1)),
        rule(
            CXONE_TOKEN,
            Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
            1,
            Some(1),
        ),
    ]);
    let plan = f.plan(Entity::Users, &opts).await.unwrap().plan;
    assert_each_once(&plan, 400);
    assert_eq!(
        f.emulator.request_count(CXONE_TOKEN),
        3,
        "the first sign-in, then one shared sign-in again (refused once with 429, then granted)"
    );
}

#[tokio::test]
async fn cxone_a_401_right_after_signing_in_again_says_the_token_was_refused() {
    let f = fixture(tenant(40, Shape::V34)).await;
    f.emulator.set_faults(vec![rule(
        AGENTS,
        Fault::Status {
            status: 401,
            retry_after: None,
        },
        0,
        None,
    )]);
    let error = f.assert_pull_fails(Entity::Users, &options(10)).await;
    assert_eq!(error.code(), ErrorCode::AuthFailed);
    let message = error.to_string();
    assert!(message.contains("refused the access token"), "{message}");
    assert!(!message.contains("security profile"), "not a permission: {message}");
    assert_eq!(f.emulator.request_count(CXONE_TOKEN), 2, "one sign-in again, no storm");
}

#[tokio::test]
async fn cxone_token_requests_wait_out_429_and_retry_5xx() {
    let f = fixture(tenant(20, Shape::V34)).await;
    f.emulator.set_faults(vec![
        rule(
            CXONE_TOKEN,
            Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
            0,
            Some(1),
        ),
        rule(
            CXONE_TOKEN,
            Fault::Status {
                status: 502,
                retry_after: None,
            },
            0,
            Some(1),
        ),
    ]);
    let started = Instant::now();
    let plan = f.plan(Entity::Users, &options(10)).await.unwrap().plan;
    assert_each_once(&plan, 20);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured");
    assert_eq!(f.emulator.request_count(CXONE_TOKEN), 3);
}

/// A tenant with over 20,000 RingCentral accounts (the directory is seeded from the agents).
fn big_directory() -> TenantConfig {
    TenantConfig {
        agents: 23_000,
        ..TenantConfig::demo(7)
    }
}

/// Lists RingCentral through `faults` and checks every account arrived exactly once.
async fn ringcentral_lists_everyone(tenant: TenantConfig, faults: Vec<FaultRule>) -> Emulator {
    let emulator = Emulator::start(tenant).await.unwrap();
    emulator.set_faults(faults);
    let started = Instant::now();
    let accounts = list(&ringcentral(&emulator, RetryPolicy::quick()))
        .await
        .unwrap_or_else(|e| panic!("the listing fails: {e}"));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    let ids: HashSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert!(accounts.len() >= 20_000, "{} accounts", accounts.len());
    assert_eq!(ids.len(), accounts.len(), "every account once");
    emulator.with_data(|data| assert_eq!(accounts.len(), data.ringcentral.accounts.len(), "every account"));
    emulator
}

#[tokio::test]
async fn ringcentral_20k_with_tokens_that_expire_after_a_few_calls() {
    let emulator = ringcentral_lists_everyone(
        TenantConfig {
            token_max_calls: Some(3),
            ..big_directory()
        },
        Vec::new(),
    )
    .await;
    assert!(emulator.request_count(RC_TOKEN) >= 7, "signed in again along the way");
}

#[tokio::test]
async fn ringcentral_20k_with_two_second_tokens_and_slow_pages() {
    let emulator = ringcentral_lists_everyone(
        TenantConfig {
            token_ttl_secs: 2,
            ..big_directory()
        },
        vec![rule(EXTENSIONS, Fault::Delay(Duration::from_millis(300)), 0, None)],
    )
    .await;
    assert!(
        emulator.request_count(RC_TOKEN) >= 3,
        "the token was renewed along the way"
    );
}

#[tokio::test]
async fn ringcentral_20k_with_truncated_pages() {
    ringcentral_lists_everyone(
        big_directory(),
        vec![
            rule(EXTENSIONS, Fault::Truncated, 2, Some(2)),
            rule(EXTENSIONS, Fault::Truncated, 12, Some(1)),
        ],
    )
    .await;
}

#[tokio::test]
async fn ringcentral_20k_with_429_on_the_token_endpoint() {
    // Tokens die every few calls, so the token endpoint is asked again mid-list — and refuses.
    let emulator = ringcentral_lists_everyone(
        TenantConfig {
            token_max_calls: Some(5),
            ..big_directory()
        },
        vec![rule(
            RC_TOKEN,
            Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
            1,
            Some(2),
        )],
    )
    .await;
    assert!(emulator.request_count(RC_TOKEN) >= 5);
}

#[tokio::test]
async fn ringcentral_20k_with_5xx_on_the_token_endpoint() {
    let emulator = ringcentral_lists_everyone(
        TenantConfig {
            token_max_calls: Some(5),
            ..big_directory()
        },
        vec![
            rule(
                RC_TOKEN,
                Fault::Status {
                    status: 503,
                    retry_after: None,
                },
                0,
                Some(1),
            ),
            rule(
                RC_TOKEN,
                Fault::Status {
                    status: 500,
                    retry_after: None,
                },
                3,
                Some(2),
            ),
        ],
    )
    .await;
    assert!(emulator.request_count(RC_TOKEN) >= 5);
}

#[tokio::test]
async fn ringcentral_a_cut_off_page_that_never_mends_names_the_cause() {
    let emulator = Emulator::start(tenant(1500, Shape::V34)).await.unwrap();
    emulator.set_faults(vec![rule(EXTENSIONS, Fault::Truncated, 1, None)]);
    let error = list_fails(&ringcentral(&emulator, RetryPolicy::quick())).await;
    assert_eq!(error.code(), ErrorCode::UnexpectedResponse);
    let message = error.to_string();
    assert!(message.contains("cut off"), "{message}");
    assert!(
        !message.contains("points at the right service"),
        "not the wrong URL: {message}"
    );
}
