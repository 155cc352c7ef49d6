//! `ccsync map auto`: link CXone users to RingCentral or Webex accounts by email, headless (for
//! cron and Task Scheduler).

use ccsync_core::auto_sync::{self, AutoSyncOptions};
use ccsync_core::connections::Connections;
use ccsync_core::model::ConnectionKind;
use ccsync_core::progress::NoProgress;
use ccsync_core::{Error, Result};
use tokio_util::sync::CancellationToken;

use crate::output::Output;

#[derive(clap::Subcommand)]
pub enum MapCommand {
    /// Run Auto Sync: map every CXone user whose email matches exactly one active account.
    Auto {
        /// ringcentral or webex.
        #[arg(long, value_parser = ["ringcentral", "webex"])]
        platform: String,
        /// The platform connection (name or id); optional when there is only one.
        #[arg(long)]
        connection: Option<String>,
        /// Skip users whose security profile lacks the User Mapping: Map permission (on by default).
        #[arg(long, default_value = "on", value_parser = ["on", "off"])]
        permission_gate: String,
    },
}

pub async fn run(command: MapCommand, connections: &Connections, output: &Output) -> Result<()> {
    let MapCommand::Auto {
        platform,
        connection,
        permission_gate,
    } = command;
    let kind = if platform == "webex" {
        ConnectionKind::Webex
    } else {
        ConnectionKind::Ringcentral
    };
    let connection = match connection {
        Some(name) => name,
        None => only_connection(connections, kind).await?,
    };
    let options = AutoSyncOptions {
        permission_gate: permission_gate == "on",
        ..AutoSyncOptions::default()
    };
    let result = auto_sync::run(
        connections,
        &connection,
        &options,
        &NoProgress,
        &CancellationToken::new(),
    )
    .await?;
    let c = &result.counts;
    output.value(&result, || {
        format!(
            "Auto Sync ({platform}): {} mapped, {} manual kept, unmapped: {} no match, {} multiple matches, {} account in use, {} only inactive; {} skipped (no permission). Run {}.",
            c.mapped,
            c.manual_kept,
            c.unmapped_no_match,
            c.unmapped_multiple,
            c.unmapped_in_use,
            c.unmapped_only_inactive,
            c.skipped_no_permission,
            result.run_id
        )
    });
    Ok(())
}

async fn only_connection(connections: &Connections, kind: ConnectionKind) -> Result<String> {
    let matching: Vec<_> = connections
        .list()
        .await?
        .into_iter()
        .filter(|c| c.settings.kind() == kind)
        .collect();
    match matching.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(Error::InvalidInput(format!(
            "There is no {} connection yet. Add one with `ccsync connection add {} …`.",
            kind.display_name(),
            kind.as_str()
        ))),
        many => Err(Error::InvalidInput(format!(
            "Choose a connection with --connection: {}.",
            many.iter()
                .map(|c| format!("\"{}\"", c.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
