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
}

struct Timing {
    fetch_plan_ms: f64,
    apply_ms: f64,
}

impl Timing {
    fn total_ms(&self) -> f64 {
        self.fetch_plan_ms + self.apply_ms
    }
}

pub async fn run(command: BenchCommand, output: &Output) -> Result<()> {
    let BenchCommand::Pull {
        agents,
        page_size,
        record,
    } = command;
    let tenant = TenantConfig {
        agents,
        ..TenantConfig::demo(ccsync_core::demo::DEMO_SEED)
    };
    let emulator = Emulator::start(tenant)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let dir = tempfile_dir()?;
    let store = Arc::new(Mutex::new(Store::open(&dir.join("bench.sqlite3"))?));
    let connections = Connections::new(store.clone(), Arc::new(MemoryStore::default()))?;
    connections
        .create(ConnectionDraft {
            name: "Bench".into(),
            settings: ConnectionSettings::Cxone {
                auth_url: emulator.base_url().into(),
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
    let options = PullOptions {
        full: true,
        fetch: ccsync_core::cxone::admin::FetchOptions {
            page_size,
            ..Default::default()
        },
        ..PullOptions::default()
    };
    let first = pull_once(&connections, &store, &options, agents as u32).await?;
    let second = pull_once(&connections, &store, &options, 0).await?;
    let peak_mb = peak_rss_mb();
    emulator.stop().await;
    let _ = std::fs::remove_dir_all(&dir);

    let command = format!("ccsync bench pull --agents {agents}");
    output.value(
        &json!({"agents": agents, "page_size": page_size,
                "first_pull_ms": first.total_ms(), "first_fetch_plan_ms": first.fetch_plan_ms, "first_apply_ms": first.apply_ms,
                "second_pull_ms": second.total_ms(), "peak_rss_mb": peak_mb}),
        || {
            format!(
                "{agents} agents, pages of {page_size}:\n  first pull  {:>8.0} ms (fetch + plan {:.0} ms, apply {:.0} ms)\n  second pull {:>8.0} ms (all unchanged, nothing written)\n  peak memory {} (the whole process, emulator included)",
                first.total_ms(),
                first.fetch_plan_ms,
                first.apply_ms,
                second.total_ms(),
                peak_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "not measured on this OS".into())
            )
        },
    );
    if let Some(path) = record {
        let row = format!(
            "| `{command}` | {agents} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {} |\n",
            first.total_ms(),
            first.fetch_plan_ms,
            first.apply_ms,
            second.total_ms(),
            peak_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "n/a".into())
        );
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)?
            .write_all(row.as_bytes())?;
    }
    Ok(())
}

async fn pull_once(
    connections: &Connections,
    store: &Arc<Mutex<Store>>,
    options: &PullOptions,
    expect_created: u32,
) -> Result<Timing> {
    let started = Instant::now();
    let cancel = CancellationToken::new();
    let prepared = sync::prepare(connections, "Bench", Entity::Users, options, &NoProgress, &cancel).await?;
    let fetched = started.elapsed();
    let store = store.clone();
    let result =
        tokio::task::spawn_blocking(move || sync::apply(&store, &prepared, &Selection::All, &NoProgress, &cancel))
            .await
            .map_err(|e| Error::Internal(e.to_string()))??;
    let total = started.elapsed();
    if result.created != expect_created {
        return Err(Error::Internal(format!(
            "expected {expect_created} created, got {}",
            result.created
        )));
    }
    Ok(Timing {
        fetch_plan_ms: fetched.as_secs_f64() * 1000.0,
        apply_ms: (total - fetched).as_secs_f64() * 1000.0,
    })
}

/// Peak resident memory of this process (Linux: VmHWM).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("ccsync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
