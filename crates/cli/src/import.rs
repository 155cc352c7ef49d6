//! `ccsync import users` and `ccsync export users`: the CSV Import screen without the window.

use std::io::IsTerminal;
use std::path::PathBuf;

use ccsync_core::import::columns::Field;
use std::sync::{Arc, Mutex};

use ccsync_core::import::{self, ImportOptions, ImportSession, Job, Mode};
use ccsync_core::store::Store;
use ccsync_core::{Error, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::output::Output;
use crate::pull::Bar;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import users from a Control Hub-style CSV (or .xlsx) file: dry run, then commit.
    Users(ImportUsersArgs),
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Write every user to a Control Hub-style CSV (UTF-8 with a BOM) that imports back unchanged.
    Users {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ModeArg {
    /// Add services only: TRUE adds a licence, FALSE is ignored.
    Add,
    /// Add and remove services: FALSE removes the licence.
    AddRemove,
}

#[derive(Args)]
pub struct ImportUsersArgs {
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[arg(long, value_enum, default_value = "add")]
    mode: ModeArg,
    /// Map a column by hand: 'HEADER=field' (email, first-name, last-name, display-name, phone,
    /// standard, premium, role, or ignore). Repeatable.
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    maps: Vec<String>,
    /// Start from a saved column mapping.
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// Save the mapping used as a preset for files with the same headers.
    #[arg(long, value_name = "NAME")]
    save_preset: Option<String>,
    /// Default country for phone numbers without one (ISO code; saved as the default).
    #[arg(long, value_name = "CC")]
    region: Option<String>,
    /// The delimiter (comma, semicolon, tab or one character); sniffed when not given.
    #[arg(long)]
    delimiter: Option<String>,
    /// Plan only: print what would happen and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write the invalid rows, with Row and Error columns, to this file (same encoding and delimiter).
    #[arg(long, value_name = "OUT.csv")]
    errors: Option<PathBuf>,
}

fn parse_map(spec: &str) -> Result<(String, Option<Field>)> {
    let (header, field) = spec
        .rsplit_once('=')
        .ok_or_else(|| Error::InvalidInput(format!("--map '{spec}' should be 'HEADER=field'.")))?;
    if field.trim().eq_ignore_ascii_case("ignore") {
        return Ok((header.to_owned(), None));
    }
    let field = Field::parse(field).ok_or_else(|| {
        Error::InvalidInput(format!(
            "--map '{spec}': \"{field}\" is not a field; use email, first-name, last-name, display-name, phone, \
             standard, premium, role or ignore."
        ))
    })?;
    Ok((header.to_owned(), Some(field)))
}

pub fn run_import(command: ImportCommand, store: Store, output: &Output) -> Result<()> {
    let ImportCommand::Users(args) = command;
    let mode = match args.mode {
        ModeArg::Add => Mode::Add,
        ModeArg::AddRemove => Mode::AddRemove,
    };
    let options = ImportOptions {
        preset: args.preset.clone(),
        overrides: args.maps.iter().map(|m| parse_map(m)).collect::<Result<_>>()?,
        ..ImportOptions::typed(mode, args.region.as_deref(), args.delimiter.as_deref())?
    };
    let bar = Bar::new(!output.json && std::io::stderr().is_terminal());
    let session = ImportSession::new(Arc::new(Mutex::new(store)));
    session.plan(&args.file, &options, &bar)?;
    if let Some(name) = &args.save_preset {
        session.save_job_preset(name)?;
    }
    if let Some(out) = &args.errors {
        let written = session.write_errors(out)?;
        output.note(&format!("{written} invalid rows written to {}", out.display()));
    }
    if !args.dry_run {
        session.commit(&bar)?;
    }
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    session.with_job(|job| print_summary(output, &args, job))
}

fn print_summary(output: &Output, args: &ImportUsersArgs, job: &Job) {
    let s = job.summary();
    output.value(
        &json!({
            "file": args.file.display().to_string(),
            "rows": s.rows,
            "created": s.created,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "invalid": s.invalid,
            "warnings": s.warnings,
            "licences_added": s.licences_added,
            "licences_removed": s.licences_removed,
            "run_id": s.run_id,
        }),
        || {
            let verb = if args.dry_run { "would be" } else { "were" };
            let mut text = format!(
                "{}: {} rows — {} created, {} updated, {} unchanged, {} invalid, {} warnings; licences added {}, \
                 removed {}.",
                job.file_name(),
                s.rows,
                s.created,
                s.updated,
                s.unchanged,
                s.invalid,
                s.warnings,
                s.licences_added,
                s.licences_removed
            );
            if s.cc_licences_removed > 0 {
                text.push_str(&format!(
                    "\n{} users {verb} left with no Contact Center licence.",
                    s.cc_licences_removed
                ));
            }
            match s.run_id {
                Some(run) => text.push_str(&format!("\nWritten as run #{run}.")),
                None => text.push_str("\nDry run: nothing was written."),
            }
            for finding in job.problems(20) {
                text.push_str(&format!("\n  {finding}"));
            }
            text
        },
    );
}

pub fn run_export(command: ExportCommand, store: &Store, output: &Output) -> Result<()> {
    let ExportCommand::Users { file } = command;
    let count = import::export::export_users(store, &file)?;
    output.value(&json!({"file": file.display().to_string(), "users": count}), || {
        format!("Exported {count} users to {}.", file.display())
    });
    Ok(())
}
