//! `ccsync bench import --rows N`: a synthetic Control Hub file of N users (phone numbers in the
//! shapes spreadsheets write, licences, 1% invalid rows), then a dry run against an empty store,
//! the commit, and a second dry run that finds every row unchanged.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use ccsync_core::import::{self, ImportOptions, Summary};
use ccsync_core::progress::NoProgress;
use ccsync_core::store::Store;
use ccsync_core::{Error, Result};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::bench::{append_row, mb, ms, peak_rss_mb, reset_peak_rss, tempfile_dir};
use crate::output::Output;

fn write_file(path: &Path, rows: usize) -> Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "User ID/Email (Required),First Name,Last Name,Display Name,Phone Number,\
         Webex Contact Center Standard Agent,Webex Contact Center Premium Agent,User Status"
    )?;
    for i in 0..rows {
        let phone = match i % 4 {
            0 => format!("+1 201 555 {:04}", i % 10_000),
            1 => format!("(201) 555-{:04}", i % 10_000),
            2 => format!("4420718{:05}", i % 100_000),
            _ => format!("+44 20 7183 {:04}", i % 10_000),
        };
        let (standard, premium) = match i % 3 {
            0 => ("TRUE", "FALSE"),
            1 => ("FALSE", "TRUE"),
            _ => ("", ""),
        };
        // One row in a hundred is broken the way spreadsheets break them.
        let phone = if i % 100 == 99 { "1.55512E+10".to_owned() } else { phone };
        writeln!(
            out,
            "user{i}@example.com,First{i},Last{i},\"Last{i}, First{i}\",{phone},{standard},{premium},Active"
        )?;
    }
    out.flush()?;
    Ok(())
}

fn dry_run(store: &Store, path: &Path) -> Result<(import::Job, f64, Option<f64>)> {
    reset_peak_rss();
    let started = Instant::now();
    let job = import::dry_run(
        store,
        path,
        &ImportOptions::default(),
        &NoProgress,
        &CancellationToken::new(),
    )?;
    Ok((job, ms(started), peak_rss_mb()))
}

fn expect(summary: &Summary, what: &str, got: u64, wanted: u64) -> Result<()> {
    if got == wanted {
        Ok(())
    } else {
        Err(Error::Internal(format!(
            "{what}: expected {wanted}, got {got} ({summary:?})"
        )))
    }
}

pub fn run(rows: usize, record: Option<std::path::PathBuf>, output: &Output) -> Result<()> {
    let dir = tempfile_dir()?;
    let file = dir.join("users.csv");
    write_file(&file, rows)?;
    let mut store = Store::open(&dir.join("bench.sqlite3"))?;
    let invalid = (rows / 100) as u64;

    let (mut job, first_ms, first_peak) = dry_run(&store, &file)?;
    expect(job.summary(), "invalid", job.summary().invalid, invalid)?;
    expect(job.summary(), "created", job.summary().created, rows as u64 - invalid)?;
    // What the review table asks for first: a page of rows, and a page of the rows with problems.
    let started = Instant::now();
    let first_page = job.page(0, 200, false);
    let problems = job.page(0, 200, true);
    let page_ms = ms(started);
    expect(job.summary(), "rows paged", first_page.total, rows as u64)?;
    // Here no row has both an error and a warning, nor two warnings.
    let with_problems = job.summary().invalid + job.summary().warnings;
    expect(job.summary(), "problem rows", problems.total, with_problems)?;
    let started = Instant::now();
    let committed = job.commit(&mut store, &NoProgress, &CancellationToken::new())?;
    let commit_ms = ms(started);
    drop(job);
    let (again, second_ms, _) = dry_run(&store, &file)?;
    expect(
        again.summary(),
        "unchanged",
        again.summary().unchanged,
        committed.created,
    )?;
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);

    output.value(
        &json!({
            "rows": rows,
            "dry_run_ms": first_ms,
            "dry_run_peak_mb": first_peak,
            "review_pages_ms": page_ms,
            "commit_ms": commit_ms,
            "created": committed.created,
            "second_dry_run_ms": second_ms,
        }),
        || {
            format!(
                "{rows} rows: dry run {first_ms:.0} ms (peak {}), first review pages {page_ms:.0} ms, commit of {} \
                 new users {commit_ms:.0} ms, second dry run (all unchanged) {second_ms:.0} ms",
                mb(first_peak),
                committed.created
            )
        },
    );
    if let Some(path) = record {
        let row = format!(
            "| `ccsync bench import --rows {rows}` | {rows} | {first_ms:.0} ms | {} | {page_ms:.0} ms | {commit_ms:.0} ms ({} users) | {second_ms:.0} ms |\n",
            mb(first_peak),
            committed.created
        );
        append_row(&path, &row)?;
    }
    Ok(())
}
