//! `ccsync bench map-import --rows N`: N CXone users and N platform accounts in a fresh store, a
//! mapping CSV of N rows (user email → account email, as `ccsync map export` and admins write
//! them), then the dry run (read and check every row against the store) and the commit (every
//! row a manual mapping with its audit row, one transaction), timed.

use std::io::{BufWriter, Write};
use std::time::Instant;

use ccsync_core::mapping::links::{self, MappingLink};
use ccsync_core::mapping::transfer;
use ccsync_core::store::mappings::save_accounts;
use ccsync_core::store::Store;
use ccsync_core::vendor::directory::{ExternalAccount, Platform};
use ccsync_core::{Error, Result};
use serde_json::json;

use crate::bench::{append_row, mb, ms, peak_rss_mb, reset_peak_rss, tempfile_dir};
use crate::output::Output;

/// The users are business unit 1's, linked to a RingCentral connection whose accounts they are.
fn seed(store: &mut Store, rows: usize) -> Result<MappingLink> {
    let link = links::testing::unit_link(store, 1, Platform::Ringcentral, "Bench RingCentral");
    let now = ccsync_core::store::now_rfc3339();
    let tx = store.conn_mut().transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO records (entity, business_unit_id, cxone_id, name, detail, email_key, is_active, fields_hash,
                                  raw, group_name, first_synced_at, last_synced_at)
             VALUES ('users', 1, ?1, ?2, ?3, ?3, 1, 0, '{}', 'Call Center Agents', ?4, ?4)",
        )?;
        for i in 0..rows {
            let email = format!("user{i}@example.com");
            insert.execute(rusqlite::params![i.to_string(), format!("User {i}"), email, now])?;
        }
    }
    let accounts: Vec<ExternalAccount> = (0..rows)
        .map(|i| ExternalAccount {
            id: format!("acc-{i}"),
            name: format!("Account {i}"),
            emails: vec![format!("person{i}@example.com")],
            active: true,
            raw: "{}".into(),
        })
        .collect();
    save_accounts(
        &tx,
        &link.external_connection_id,
        Platform::Ringcentral,
        &accounts,
        &now,
    )?;
    tx.commit()?;
    Ok(link)
}

fn check(what: &str, got: u32, wanted: usize) -> Result<()> {
    if got as usize == wanted {
        Ok(())
    } else {
        Err(Error::Internal(format!("{what}: expected {wanted}, got {got}")))
    }
}

pub fn run(rows: usize, record: Option<std::path::PathBuf>, output: &Output) -> Result<()> {
    let dir = tempfile_dir()?;
    let mut store = Store::open(&dir.join("bench-map-import.sqlite3"))?;
    let link = seed(&mut store, rows)?;
    let file = dir.join("mappings.csv");
    {
        let mut out = BufWriter::new(std::fs::File::create(&file)?);
        writeln!(out, "CXone user email,Platform,Account email")?;
        for i in 0..rows {
            writeln!(out, "user{i}@example.com,ringcentral,person{i}@example.com")?;
        }
        out.flush()?;
    }

    reset_peak_rss();
    let started = Instant::now();
    let reader = std::io::BufReader::new(std::fs::File::open(&file)?);
    let plan = transfer::plan(&store, &link, reader)?;
    let dry_run_ms = ms(started);
    let peak = peak_rss_mb();
    check("rows to map", plan.map, rows)?;
    let started = Instant::now();
    let mapped = transfer::commit(&mut store, &link, &plan)?;
    let commit_ms = ms(started);
    check("rows mapped", mapped, rows)?;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);

    output.value(
        &json!({"rows": rows, "dry_run_ms": dry_run_ms, "dry_run_peak_mb": peak, "commit_ms": commit_ms, "mapped": mapped}),
        || {
            format!(
                "{rows} mapping rows: dry run {dry_run_ms:.0} ms (peak {}), commit of {mapped} mappings {commit_ms:.0} ms",
                mb(peak)
            )
        },
    );
    if let Some(path) = record {
        let row = format!(
            "| `ccsync bench map-import --rows {rows}` | {rows} | {dry_run_ms:.0} ms | {} | {commit_ms:.0} ms ({mapped} mappings) |\n",
            mb(peak)
        );
        append_row(&path, &row)?;
    }
    Ok(())
}
