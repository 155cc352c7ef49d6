//! `ccsync bench pull --agents N`: the emulator in-process, then a first pull (fetch + plan +
//! apply of every agent into a fresh database) and a second, unchanged full pull, timed.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ccsync_core::connections::Connections;
use ccsync_core::model::{ConnectionDraft, ConnectionSettings, Entity, SecretKind, Selection};
use ccsync_core::progress::NoProgress;
use ccsync_core::secrets::MemoryStore;
use ccsync_core::store::Store;
use ccsync_core::sync::{self, PullOptions};
use ccsync_core::{Error, Result};
use ccsync_emulator::{demo, Emulator, TenantConfig};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::output::Output;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Time pulling N agents from the in-process emulator into a fresh database.
    Pull {
        #[arg(long, default_value_t = 10_000)]
        agents: usize,
        #[arg(long, default_value_t = 1000)]
        page_size: u32,
        /// Append the figures as a row to this Markdown file (e.g. BENCHMARKS.md).
        #[arg(long, value_name = "FILE")]
        record: Option<std::path::PathBuf>,
    },
    /// Time Auto Sync (matching and writing) and Map User's search on synthetic data.
    Map {
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
    },
    /// Time a dry run, the commit and a second dry run of a synthetic N-row user file.
    Import {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Append the figures as a row to this Markdown file (e.g. BENCHMARKS.md).
        #[arg(long, value_name = "FILE")]
        record: Option<std::path::PathBuf>,
    },
    /// Time the dry run and the commit of a synthetic N-row mapping CSV against N users and accounts.
    MapImport {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Append the figures as a row to this Markdown file (e.g. BENCHMARKS.md).
        #[arg(long, value_name = "FILE")]
        record: Option<std::path::PathBuf>,
    },
}

/// One way of pulling, measured on a fresh database: first pull, second (unchanged) pull, peak memory.
struct Figures {
    first: Timing,
    second: Timing,
    peak_mb: Option<f64>,
}

pub async fn run(command: BenchCommand, output: &Output) -> Result<()> {
    let (agents, page_size, record) = match command {
        BenchCommand::Pull {
            agents,
            page_size,
            record,
        } => (agents, page_size, record),
        BenchCommand::Map { users, accounts } => return run_map(users, accounts, output).await,
        BenchCommand::Import { rows, record } => return crate::bench_import::run(rows, record, output),
        BenchCommand::MapImport { rows, record } => return crate::bench_map_import::run(rows, record, output),
    };
    let tenant = TenantConfig {
        agents,
        ..TenantConfig::demo(ccsync_demo::DEMO_SEED)
    };
    let emulator = Emulator::start(tenant)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let options = PullOptions {
        full: true,
        fetch: ccsync_core::vendor::cxone::admin::FetchOptions {
            page_size,
            ..Default::default()
        },
        ..PullOptions::default()
    };
    let dir = tempfile_dir()?;
    let streamed = {
        let (connections, _) = fresh_database(&dir.join("streamed.sqlite3"), emulator.base_url()).await?;
        reset_peak_rss();
        let first = streamed_pull(&connections, &options, agents as u32).await?;
        let second = streamed_pull(&connections, &options, 0).await?;
        Figures {
            first,
            second,
            peak_mb: peak_rss_mb(),
        }
    };
    let planned = {
        let (connections, store) = fresh_database(&dir.join("planned.sqlite3"), emulator.base_url()).await?;
        reset_peak_rss();
        let first = planned_pull(&connections, &store, &options, agents as u32).await?;
        let second = planned_pull(&connections, &store, &options, 0).await?;
        Figures {
            first,
            second,
            peak_mb: peak_rss_mb(),
        }
    };
    emulator.stop().await;
    let _ = std::fs::remove_dir_all(&dir);

    output.value(
        &json!({"agents": agents, "page_size": page_size,
                "streamed": {"first_pull_ms": streamed.first.total_ms, "second_pull_ms": streamed.second.total_ms, "peak_rss_mb": streamed.peak_mb},
                "planned": {"first_pull_ms": planned.first.total_ms, "first_fetch_plan_ms": planned.first.fetch_plan_ms,
                            "second_pull_ms": planned.second.total_ms, "peak_rss_mb": planned.peak_mb}}),
        || {
            format!(
                "{agents} agents, pages of {page_size} (peak memory: the whole process, emulator included)\n\
                 \x20 streamed (ccsync pull --select all): first {:.0} ms, second {:.0} ms (unchanged), peak {}\n\
                 \x20 planned (Synchronize screen):        first {:.0} ms (fetch + plan {:.0} ms), second {:.0} ms, peak {}",
                streamed.first.total_ms,
                streamed.second.total_ms,
                mb(streamed.peak_mb),
                planned.first.total_ms,
                planned.first.fetch_plan_ms.unwrap_or_default(),
                planned.second.total_ms,
                mb(planned.peak_mb)
            )
        },
    );
    if let Some(path) = record {
        let row = format!(
            "| `ccsync bench pull --agents {agents}` | {agents} | {:.0} ms | {:.0} ms | {} | {:.0} ms ({:.0} ms fetch + plan) | {:.0} ms | {} |\n",
            streamed.first.total_ms,
            streamed.second.total_ms,
            mb(streamed.peak_mb),
            planned.first.total_ms,
            planned.first.fetch_plan_ms.unwrap_or_default(),
            planned.second.total_ms,
            mb(planned.peak_mb)
        );
        append_row(&path, &row)?;
    }
    Ok(())
}

/// A peak-memory figure as BENCHMARKS.md shows it.
pub(crate) fn mb(peak: Option<f64>) -> String {
    peak.map_or_else(|| "n/a".to_owned(), |m| format!("{m:.0} MB"))
}

/// Appends a row to a Markdown file (`--record`).
pub(crate) fn append_row(path: &std::path::Path, row: &str) -> Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Error::io_at(path, e))?
        .write_all(row.as_bytes())
        .map_err(|e| Error::io_at(path, e))
}

/// A new database with one CXone connection to the emulator.
async fn fresh_database(path: &std::path::Path, url: &str) -> Result<(Connections, Arc<Mutex<Store>>)> {
    let store = Arc::new(Mutex::new(Store::open(path)?));
    let connections = Connections::new(store.clone(), Arc::new(MemoryStore::default()))?;
    connections
        .create(ConnectionDraft {
            name: "Bench".into(),
            settings: ConnectionSettings::Cxone {
                auth_url: url.into(),
                client_id: demo::CXONE_CLIENT_ID.into(),
                access_key_id: demo::CXONE_ACCESS_KEY_ID.into(),
                campaigns_from_skills: false,
            },
            secrets: BTreeMap::from([
                (SecretKind::ClientSecret, demo::CXONE_CLIENT_SECRET.into()),
                (SecretKind::AccessKeySecret, demo::CXONE_ACCESS_KEY_SECRET.into()),
            ]),
        })
        .await?;
    Ok((connections, store))
}

/// Starts a new peak-memory measurement (Linux: writing 5 to clear_refs resets VmHWM).
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Milliseconds of one pull.
struct Timing {
    total_ms: f64,
    /// Plan-then-apply pulls only: the fetch + compare part.
    fetch_plan_ms: Option<f64>,
}

/// A streamed pull, as `ccsync pull --select all` runs it: pages written while later ones arrive.
async fn streamed_pull(connections: &Connections, options: &PullOptions, expect_created: u32) -> Result<Timing> {
    let started = Instant::now();
    let cancel = CancellationToken::new();
    let (_, result) = sync::pull_all(connections, "Bench", Entity::Users, options, &NoProgress, &cancel).await?;
    check(result.created, expect_created)?;
    Ok(Timing {
        total_ms: ms(started),
        fetch_plan_ms: None,
    })
}

/// A pull as the Synchronize screen runs it: fetch and compare, then write the selection.
async fn planned_pull(
    connections: &Connections,
    store: &Arc<Mutex<Store>>,
    options: &PullOptions,
    expect_created: u32,
) -> Result<Timing> {
    let started = Instant::now();
    let cancel = CancellationToken::new();
    let prepared = sync::prepare(connections, "Bench", Entity::Users, options, &NoProgress, &cancel).await?;
    let fetch_plan_ms = ms(started);
    let store = store.clone();
    let result =
        tokio::task::spawn_blocking(move || sync::apply(&store, &prepared, &Selection::All, &NoProgress, &cancel))
            .await
            .map_err(|e| Error::Internal(e.to_string()))??;
    check(result.created, expect_created)?;
    Ok(Timing {
        total_ms: ms(started),
        fetch_plan_ms: Some(fetch_plan_ms),
    })
}

pub(crate) fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn check(created: u32, expected: u32) -> Result<()> {
    if created == expected {
        Ok(())
    } else {
        Err(Error::Internal(format!("expected {expected} created, got {created}")))
    }
}

/// Peak resident memory of this process (Linux: VmHWM).
pub(crate) fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub(crate) fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("ccsync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `ccsync bench map`: Auto Sync's matching and writing, and Map User's search, on synthetic users
/// and accounts (no network: the directories' listing is measured by the pull benchmarks' kin).
pub async fn run_map(users: usize, accounts: usize, output: &Output) -> Result<()> {
    use ccsync_core::mapping::auto_sync::{match_and_write, RunSource};
    use ccsync_core::mapping::links;
    use ccsync_core::mapping::rules::{self, MappingUser};
    use ccsync_core::mapping::search::AccountIndex;
    use ccsync_core::vendor::directory::{ExternalAccount, Platform};

    let dir = tempfile_dir()?;
    let mut store = Store::open(&dir.join("bench-map.sqlite3"))?;
    // The users are business unit 1's, linked to one RingCentral connection.
    let link = links::testing::unit_link(&store, 1, Platform::Ringcentral, "Bench RingCentral");
    // Users in the store, as a pull leaves them; accounts as a directory lists them: most share an
    // email with a user (some in another case), some share one between two accounts.
    let now = ccsync_core::store::now_rfc3339();
    {
        let tx = store.conn_mut().transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash,
                                      raw, group_name, first_synced_at, last_synced_at)
                 VALUES ('users', 1, ?1, ?2, ?3, ?4, 1, 0, '{}', 'Call Center Agents', ?5, ?5)",
            )?;
            for i in 0..users {
                let email = format!("user{i}@example.com");
                insert.execute(rusqlite::params![i.to_string(), format!("User {i}"), email, email, now])?;
            }
        }
        tx.commit()?;
    }
    let mut generated: Vec<ExternalAccount> = (0..accounts)
        .map(|i| {
            let email = if i % 10 == 9 {
                format!("USER{}@EXAMPLE.COM", i.saturating_sub(1))
            } else {
                format!("user{i}@example.com")
            };
            ExternalAccount {
                id: format!("acc-{i}"),
                name: format!("Account {i} Person"),
                emails: vec![email],
                active: i % 25 != 0,
                raw: "{}".into(),
            }
        })
        .collect();
    generated.shrink_to_fit();
    let mapping_users: Vec<MappingUser> = store.mapping_users(&link)?.into_iter().map(|(u, _)| u).collect();

    let started = Instant::now();
    let current = store.mapping_states(&link)?;
    let _ = rules::auto_sync(&mapping_users, &generated, &current);
    let matching_ms = ms(started);

    let started = Instant::now();
    let source = RunSource {
        started_at: &now,
        started,
    };
    let result = match_and_write(&mut store, &link, &mapping_users, &generated, &source)?;
    let auto_sync_ms = ms(started);

    let index = AccountIndex::load(&store, &link)?;
    let queries = [
        "a",
        "ac",
        "acc",
        "acco",
        "accou",
        "account 12",
        "account 123",
        "account 1234",
        "person",
        "user99",
    ];
    let mut keystrokes = Vec::new();
    for q in queries {
        let started = Instant::now();
        let _ = index.search(q, 25);
        keystrokes.push(ms(started));
    }
    let slowest = keystrokes.iter().copied().fold(0.0, f64::max);
    let _ = std::fs::remove_dir_all(&dir);
    output.value(
        &json!({"users": users, "accounts": accounts, "matching_ms": matching_ms, "auto_sync_ms": auto_sync_ms,
                "search_keystroke_max_ms": slowest, "search_keystrokes_ms": keystrokes, "mapped": result.counts.mapped}),
        || {
            format!(
                "{users} users × {accounts} accounts: matching {matching_ms:.0} ms; Auto Sync (matching + writing) {auto_sync_ms:.0} ms ({} mapped); Map User search, slowest of {} keystrokes {slowest:.1} ms",
                result.counts.mapped,
                queries.len()
            )
        },
    );
    Ok(())
}
