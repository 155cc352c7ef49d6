//! `ccsync directory pull`: refresh a platform's accounts without mapping anyone.

use ccsync_core::connections::Connections;
use ccsync_core::mapping::auto_sync;
use ccsync_core::progress::NoProgress;
use ccsync_core::vendor::directory::Platform;
use ccsync_core::Result;
use tokio_util::sync::CancellationToken;

use crate::output::Output;

#[derive(clap::Subcommand)]
pub enum DirectoryCommand {
    /// List the platform's accounts and store them (gone ones are flagged, never deleted).
    Pull {
        #[arg(long, value_parser = crate::map::parse_platform)]
        platform: Platform,
        /// The platform connection (name or id); optional when there is only one.
        #[arg(long)]
        connection: Option<String>,
    },
}

pub async fn run(command: DirectoryCommand, connections: &Connections, output: &Output) -> Result<()> {
    let DirectoryCommand::Pull { platform, connection } = command;
    let connection = match connection {
        Some(name) => name,
        None => auto_sync::platform_connection(connections, platform).await?,
    };
    let pulled = auto_sync::pull_directory(connections, &connection, &NoProgress, &CancellationToken::new()).await?;
    output.value(&pulled, || {
        format!(
            "{} accounts ({} active, {} without an email) stored. Run {}.",
            pulled.accounts, pulled.active, pulled.without_email, pulled.run_id
        )
    });
    Ok(())
}
