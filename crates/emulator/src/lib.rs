//! A local emulator of the vendor APIs CC Sync talks to (NICE CXone, RingCentral, Webex), served by
//! axum on 127.0.0.1. It backs the core's contract tests and the app's built-in demo tenant, and
//! can inject faults (error statuses, non-JSON bodies, truncated bodies, delays) per route. Paths
//! match in any letter case, as the vendors' do.

// Handlers return `Result<_, Response>` to short-circuit with an error answer; boxing buys nothing here.
#![allow(clippy::result_large_err)]

mod auth;
mod cxone;
pub mod data;
pub mod directory;
pub mod faults;
mod paths;
mod ringcentral;
mod tenant;
mod webex;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultRule};
pub use tenant::{demo, Shape, TenantConfig};

/// Everything the handlers share.
pub(crate) struct AppState {
    pub tenant: TenantConfig,
    pub base_url: String,
    pub faults: Mutex<faults::FaultPlan>,
    pub data: Mutex<data::TenantData>,
    pub issued: Mutex<auth::IssuedTokens>,
    pub webex_tokens: Mutex<webex::Tokens>,
}

pub(crate) type SharedState = Arc<AppState>;

/// A running emulator. Dropping it (or calling [`Emulator::stop`]) shuts the server down.
pub struct Emulator {
    addr: SocketAddr,
    state: SharedState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts on an ephemeral port of 127.0.0.1.
    pub async fn start(tenant: TenantConfig) -> std::io::Result<Emulator> {
        Self::start_on(tenant, 0).await
    }

    /// Starts on `port` of 127.0.0.1 (0 picks a free one).
    pub async fn start_on(tenant: TenantConfig, port: u16) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let data = Mutex::new(data::TenantData::generate(&tenant));
        let tenant_refresh = tenant.webex_refresh_token.clone();
        let state = Arc::new(AppState {
            data,
            tenant,
            base_url: format!("http://{addr}"),
            faults: Mutex::new(faults::FaultPlan::default()),
            issued: Mutex::new(auth::IssuedTokens::default()),
            webex_tokens: Mutex::new(webex::Tokens::new(&tenant_refresh)),
        });
        let app = router(state.clone());
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = signal.await;
            });
            if let Err(error) = server.await {
                tracing::error!(%error, "the emulator stopped with an error");
            }
        });
        tracing::info!(%addr, "emulator listening");
        Ok(Emulator {
            addr,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the auth URL, server URL and API URL of every emulated vendor.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    pub fn tenant(&self) -> &TenantConfig {
        &self.state.tenant
    }

    /// Replaces the fault rules (an empty list turns faults off).
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        *self.state.faults.lock().unwrap() = faults::FaultPlan::new(rules);
    }

    /// How many requests whose path starts with `prefix` the server has seen.
    pub fn request_count(&self, prefix: &str) -> usize {
        self.state.faults.lock().unwrap().count(prefix)
    }

    /// Revokes every token issued so far (CXone and RingCentral): calls made with them get 401.
    pub fn revoke_tokens(&self) {
        self.state.issued.lock().unwrap().revoke_all();
    }

    /// Changes the tenant's records while the server runs (tests: updates, inserts, removals).
    pub fn with_data<T>(&self, change: impl FnOnce(&mut data::TenantData) -> T) -> T {
        change(&mut self.state.data.lock().unwrap())
    }

    /// Revokes every Webex refresh token (as an admin removing the authorization would): the next
    /// refresh grant gets 400 `invalid_grant`. Access tokens already issued keep working until
    /// they expire.
    pub fn revoke_webex_refresh_tokens(&self) {
        self.state.webex_tokens.lock().unwrap().revoke_refresh();
    }

    /// The Webex refresh tokens valid now (after rotations, the latest one).
    pub fn valid_webex_refresh_tokens(&self) -> Vec<String> {
        self.state.webex_tokens.lock().unwrap().valid_refresh()
    }

    /// Stops accepting requests and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn router(state: SharedState) -> Router {
    let routes = Router::new()
        .merge(cxone::routes())
        .merge(ringcentral::routes())
        .merge(webex::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), faults::inject))
        .with_state(state);
    // A layer on the routes runs after routing; this outer router has only a fallback, so its
    // layer sees every request first and can lower-case the path the routes are matched on.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(paths::lowercase))
}
