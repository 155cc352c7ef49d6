//! `ccsync pull <entity>`: fetch, compare and write CXone records, as Synchronize does.

use std::io::IsTerminal;
use std::sync::Arc;

use ccsync_core::connections::Connections;
use ccsync_core::model::{
    ApplyResult, ConnectionKind, Entity, PlanStatus, PlanSummary, ProgressEvent, Selection, SyncPlan,
};
use ccsync_core::progress::Progress;
use ccsync_core::sync::{self, PullOptions, PullSession};
use ccsync_core::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::output::Output;

#[derive(clap::Args)]
pub struct PullArgs {
    /// users, campaigns, dispositions or agent-statuses.
    #[arg(value_parser = parse_entity)]
    entity: Entity,
    /// The CXone connection (name or id); optional when there is only one.
    #[arg(long)]
    connection: Option<String>,
    /// Which records to write: all, new, changed, or a comma-separated list of CXone ids.
    #[arg(long, default_value = "all", value_parser = parse_selection)]
    select: Selection,
    /// Read every record instead of only those changed since the last pull.
    #[arg(long)]
    full: bool,
    /// Print the plan and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Records per page.
    #[arg(long, default_value_t = 1000)]
    page_size: u32,
    /// Pages requested at once when CXone reports the total.
    #[arg(long, default_value_t = 4)]
    pages_in_flight: usize,
    /// The agents endpoint's incremental parameter: updateSince (API v34) or updatedSince (older).
    #[arg(long, default_value = "updateSince", value_parser = ["updateSince", "updatedSince"])]
    since_param: String,
}

fn parse_entity(value: &str) -> std::result::Result<Entity, String> {
    Entity::parse(value)
        .ok_or_else(|| format!("\"{value}\" is not one of users, campaigns, dispositions, agent-statuses"))
}

fn parse_selection(value: &str) -> std::result::Result<Selection, String> {
    Ok(match value {
        "all" => Selection::All,
        "new" => Selection::New,
        "changed" => Selection::Changed,
        ids => Selection::Ids(
            ids.split(',')
                .map(|id| id.trim().to_owned())
                .filter(|id| !id.is_empty())
                .collect(),
        ),
    })
}

/// A terminal progress bar; nothing when output is piped or JSON.
pub(crate) struct Bar(pub(crate) Option<ProgressBar>);

impl Bar {
    pub(crate) fn new(show: bool) -> Bar {
        Bar(show.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
                    .unwrap()
                    .progress_chars("=> "),
            );
            bar
        }))
    }
}

impl Progress for Bar {
    fn report(&self, event: ProgressEvent) {
        if let Some(bar) = &self.0 {
            bar.set_message(event.phase.clone());
            bar.set_length(event.total.unwrap_or(event.done));
            bar.set_position(event.done);
        }
    }
}

pub async fn run(args: PullArgs, connections: &Connections, output: &Output) -> Result<()> {
    let connection = match args.connection {
        Some(name) => name,
        None => connections.only_of_kind(ConnectionKind::Cxone).await?,
    };
    let options = PullOptions {
        full: args.full,
        fetch: ccsync_core::vendor::cxone::admin::FetchOptions {
            page_size: args.page_size,
            concurrency: args.pages_in_flight,
            agents_since_param: args.since_param.clone(),
            ..Default::default()
        },
        ..PullOptions::default()
    };
    let bar = Arc::new(Bar::new(!output.json && std::io::stderr().is_terminal()));
    // Ctrl-C stops whichever runs: the streamed pull, or the session's fetch or apply.
    let cancel = CancellationToken::new();
    let session = Arc::new(PullSession::new(connections.clone()));
    let (stop_stream, stop_session) = (cancel.clone(), session.clone());
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop_stream.cancel();
            stop_session.cancel();
        }
    });
    if args.select == Selection::All && !args.dry_run {
        // Nothing to choose: write each page while the next ones are fetched.
        let pulled = sync::pull_all(connections, &connection, args.entity, &options, bar.as_ref(), &cancel).await;
        if let Some(b) = &bar.0 {
            b.finish_and_clear();
        }
        let (summary, result) = pulled?;
        print_result(output, args.entity, &summary, &result);
        return Ok(());
    }
    let plan = session
        .prepare(&connection, args.entity, &options, bar.as_ref())
        .await?;
    let summary = &plan.summary;
    if args.dry_run {
        if let Some(b) = &bar.0 {
            b.finish_and_clear();
        }
        for note in &summary.notes {
            output.note(&format!("note: {note}"));
        }
        output.value(
            &json!({"entity": args.entity.cli_name(), "dry_run": true, "fetched": summary.fetched, "new": summary.new,
                    "changed": summary.changed, "unchanged": summary.unchanged,
                    "missing_upstream": summary.missing_upstream, "rows": plan.rows}),
            || describe_plan(&plan),
        );
        return Ok(());
    }
    let result = session.apply(&plan.plan_id, args.select.clone(), bar.clone()).await;
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    print_result(output, args.entity, summary, &result?);
    Ok(())
}

/// The dry run as text: the counts, then each new or changed row with its changed fields.
fn describe_plan(plan: &SyncPlan) -> String {
    let summary = &plan.summary;
    let mut text = format!(
        "Dry run, nothing written. {} fetched: {} new, {} changed, {} unchanged, {} missing upstream.",
        summary.fetched, summary.new, summary.changed, summary.unchanged, summary.missing_upstream
    );
    for row in plan.rows.iter().filter(|r| r.status != PlanStatus::Unchanged) {
        let changes: Vec<String> = row
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{}: {} → {}",
                    c.field,
                    c.old.as_deref().unwrap_or("—"),
                    c.new.as_deref().unwrap_or("—")
                )
            })
            .collect();
        text.push_str(&format!(
            "\n  {:<16} {:<10} {} {}",
            status_word(row.status),
            row.id,
            row.name,
            changes.join("; ")
        ));
    }
    text
}

/// `{"entity","fetched","created","updated","unchanged","missing_upstream","run_id"}`, or a sentence.
fn print_result(output: &Output, entity: Entity, summary: &PlanSummary, result: &ApplyResult) {
    for note in &summary.notes {
        output.note(&format!("note: {note}"));
    }
    output.value(
        &json!({"entity": entity.cli_name(), "fetched": summary.fetched, "created": result.created,
                "updated": result.updated, "unchanged": result.unchanged, "missing_upstream": result.missing_upstream,
                "run_id": result.run_id}),
        || {
            format!(
                "{}: fetched {}, created {}, updated {}, unchanged {}, missing upstream {} (run {}).",
                entity.group_name(),
                summary.fetched,
                result.created,
                result.updated,
                result.unchanged,
                result.missing_upstream,
                result.run_id
            )
        },
    );
}

fn status_word(status: PlanStatus) -> &'static str {
    match status {
        PlanStatus::New => "new",
        PlanStatus::Changed => "changed",
        PlanStatus::Unchanged => "unchanged",
        PlanStatus::MissingUpstream => "missing upstream",
        PlanStatus::Added => "added",
        PlanStatus::Updated => "updated",
    }
}
