//! `ccsync`: CC Sync's operations without the window, for scripts, cron and Task Scheduler.

mod bench;
mod bench_import;
mod bench_map_import;
mod connection;
mod directory;
mod import;
mod map;
mod output;
mod pull;
mod records;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ccsync_core::connections::Connections;
use ccsync_core::secrets::KeyringStore;
use ccsync_core::store::Store;
use clap::{Parser, Subcommand};

use crate::output::Output;

// Imports and pulls make millions of small, long-lived allocations; glibc's allocator spent a
// fifth of a million-row import in malloc bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ccsync",
    version,
    about = "CC Sync: synchronize NICE CXone data, map users, import CSV files."
)]
struct Cli {
    /// The database file (default: the OS app-data folder; also CCSYNC_DB).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add, list, test and remove connection profiles.
    #[command(subcommand)]
    Connection(connection::ConnectionCommand),
    /// Pull users, campaigns, dispositions or agent statuses from CXone into the local store.
    Pull(pull::PullArgs),
    /// RingCentral and Webex account directories.
    #[command(subcommand)]
    Directory(directory::DirectoryCommand),
    /// Map CXone users to RingCentral or Webex accounts.
    #[command(subcommand)]
    Map(map::MapCommand),
    /// Import users from a Control Hub-style CSV or .xlsx file.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export users to a Control Hub-style CSV.
    #[command(subcommand)]
    Export(import::ExportCommand),
    /// Act on stored records: set temporary passwords for users.
    #[command(subcommand)]
    Records(records::RecordsCommand),
    /// Run the built-in emulator of the CXone, RingCentral and Webex APIs on 127.0.0.1.
    Emulator {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Seed of the generated tenant data.
        #[arg(long, default_value_t = ccsync_demo::DEMO_SEED)]
        seed: u64,
        /// How many agents (users) the tenant has.
        #[arg(long, default_value_t = 250)]
        agents: usize,
        /// Answer in the field names and envelopes of older API versions.
        #[arg(long)]
        legacy: bool,
        /// Lifetime of the Webex access tokens the token endpoint issues, in seconds (short values
        /// exercise refreshing).
        #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
        webex_token_ttl: u64,
        /// Inject a fault: PATH=KIND[,retry-after=S][,skip=N][,times=N], KIND an HTTP status,
        /// truncated, non-json, delay-MS, insert-N, redirect-STATUS:URL, foreign-links:ORIGIN,
        /// ignore-paging, revoke-tokens or STATUS-until-S[-rfc850]. Repeatable.
        #[arg(long = "fault", value_name = "SPEC")]
        faults: Vec<ccsync_emulator::FaultRule>,
    },
    /// Measure performance (release builds give the figures that count).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Other processes (the app, another cron job) name this one by its command line.
    ccsync_core::store::locks::identify(ccsync_core::store::locks::HolderKind::Cli, Some(command_line()));
    let output = Output { json: cli.json };
    let runtime = tokio::runtime::Runtime::new().expect("the async runtime starts");
    let _log_guard = ccsync_core::paths::log_dir()
        .and_then(|dir| ccsync_core::logging::init(&dir))
        .ok();
    let result = runtime.block_on(run(cli, &output));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            output.error(error);
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, output: &Output) -> ccsync_core::Result<()> {
    match cli.command {
        Command::Connection(command) => {
            let connections = open_connections(cli.db)?;
            connection::run(command, &connections, output).await
        }
        Command::Pull(args) => {
            let connections = open_connections(cli.db)?;
            pull::run(args, &connections, output).await
        }
        Command::Directory(command) => {
            let connections = open_connections(cli.db)?;
            directory::run(command, &connections, output).await
        }
        Command::Map(command) => {
            let connections = open_connections(cli.db)?;
            map::run(command, &connections, output).await
        }
        Command::Import(command) => import::run_import(command, open_store(cli.db)?, output),
        Command::Export(command) => import::run_export(command, &open_store(cli.db)?, output),
        Command::Records(command) => records::run(command, open_store(cli.db)?, output),
        Command::Emulator {
            port,
            seed,
            agents,
            legacy,
            webex_token_ttl,
            faults,
        } => {
            let shape = if legacy {
                ccsync_emulator::Shape::Legacy
            } else {
                ccsync_emulator::Shape::V34
            };
            let tenant = ccsync_emulator::TenantConfig {
                agents,
                shape,
                webex_token_ttl: std::time::Duration::from_secs(webex_token_ttl.max(1)),
                ..ccsync_emulator::TenantConfig::demo(seed)
            };
            run_emulator(tenant, port, faults, output).await
        }
        Command::Bench(command) => bench::run(command, output).await,
    }
}

/// `ccsync` and its arguments, without the database path and the output switches.
fn command_line() -> String {
    let mut words = vec!["ccsync".to_owned()];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => {
                args.next();
            }
            "--json" => {}
            _ if arg.starts_with("--db=") => {}
            _ => words.push(arg),
        }
    }
    words.join(" ")
}

fn open_store(db: Option<PathBuf>) -> ccsync_core::Result<Store> {
    Store::open(&ccsync_core::paths::database_path(db)?)
}

/// The store and the keyring, with `CCSYNC_…` environment secrets taking precedence (headless runs).
fn open_connections(db: Option<PathBuf>) -> ccsync_core::Result<Connections> {
    let store = open_store(db)?;
    Ok(Connections::new(Arc::new(Mutex::new(store)), Arc::new(KeyringStore))?.with_env_overrides())
}

async fn run_emulator(
    tenant: ccsync_emulator::TenantConfig,
    port: u16,
    faults: Vec<ccsync_emulator::FaultRule>,
    output: &Output,
) -> ccsync_core::Result<()> {
    use ccsync_emulator::{demo, Emulator};
    let emulator = Emulator::start_on(tenant.clone(), port).await.map_err(|e| {
        ccsync_core::Error::InvalidInput(format!(
            "The emulator cannot listen on 127.0.0.1:{port} ({e}). Choose another --port."
        ))
    })?;
    emulator.set_faults(faults);
    let url = emulator.base_url().to_owned();
    output.value(
        &serde_json::json!({
            "url": url,
            "business_unit_id": tenant.business_unit_id,
            "cxone": {"client_id": demo::CXONE_CLIENT_ID, "client_secret": demo::CXONE_CLIENT_SECRET,
                      "access_key_id": demo::CXONE_ACCESS_KEY_ID, "access_key_secret": demo::CXONE_ACCESS_KEY_SECRET},
            "ringcentral": {"client_id": demo::RINGCENTRAL_CLIENT_ID, "client_secret": demo::RINGCENTRAL_CLIENT_SECRET,
                            "jwt": demo::RINGCENTRAL_JWT},
            "webex": {"access_token": demo::WEBEX_ACCESS_TOKEN, "client_id": demo::WEBEX_CLIENT_ID,
                      "client_secret": demo::WEBEX_CLIENT_SECRET, "refresh_token": demo::WEBEX_REFRESH_TOKEN}
        }),
        || {
            format!(
                "Emulator listening on {url} (Ctrl-C stops it).\n\
                 Demo credentials (they open nothing but this emulator):\n\
                 \x20 CXone:       --auth-url {url} --client-id {} --access-key-id {}\n\
                 \x20              CCSYNC_CXONE_CLIENT_SECRET='{}' CCSYNC_CXONE_ACCESS_KEY_SECRET='{}'\n\
                 \x20 RingCentral: --server-url {url} --client-id {}\n\
                 \x20              CCSYNC_RINGCENTRAL_CLIENT_SECRET='{}' CCSYNC_RINGCENTRAL_JWT='{}'\n\
                 \x20 Webex:       --api-url {url}   CCSYNC_WEBEX_TOKEN='{}'\n\
                 \x20              or --service-app --client-id {}\n\
                 \x20              CCSYNC_WEBEX_CLIENT_SECRET='{}' CCSYNC_WEBEX_REFRESH_TOKEN='{}'",
                demo::CXONE_CLIENT_ID,
                demo::CXONE_ACCESS_KEY_ID,
                demo::CXONE_CLIENT_SECRET,
                demo::CXONE_ACCESS_KEY_SECRET,
                demo::RINGCENTRAL_CLIENT_ID,
                demo::RINGCENTRAL_CLIENT_SECRET,
                demo::RINGCENTRAL_JWT,
                demo::WEBEX_ACCESS_TOKEN,
                demo::WEBEX_CLIENT_ID,
                demo::WEBEX_CLIENT_SECRET,
                demo::WEBEX_REFRESH_TOKEN
            )
        },
    );
    let _ = tokio::signal::ctrl_c().await;
    emulator.stop().await;
    Ok(())
}
