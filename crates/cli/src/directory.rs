//! `ccsync directory pull`: refresh a platform connection's accounts without mapping anyone.

use ccsync_core::connections::Connections;
use ccsync_core::mapping::{auto_sync, links};
use ccsync_core::progress::NoProgress;
use ccsync_core::Result;
use tokio_util::sync::CancellationToken;

use crate::output::Output;

#[derive(clap::Subcommand)]
pub enum DirectoryCommand {
    /// List a RingCentral or Webex connection's accounts and store them (gone ones are flagged,
    /// never deleted): the connection named by --connection, else the one the business unit is
    /// linked to.
    Pull {
        #[command(flatten)]
        link: crate::map::LinkArgs,
    },
}

pub async fn run(command: DirectoryCommand, connections: &Connections, output: &Output) -> Result<()> {
    let DirectoryCommand::Pull { link } = command;
    let connection = links::directory_connection(
        &connections.store_handle().lock().unwrap_or_else(|p| p.into_inner()),
        link.platform,
        link.business_unit.as_deref(),
        link.connection.as_deref(),
    )?;
    let pulled = auto_sync::pull_directory(connections, &connection, &NoProgress, &CancellationToken::new()).await?;
    output.value(&pulled, || {
        format!(
            "{} accounts ({} active, {} without an email) stored. Run {}.",
            pulled.accounts, pulled.active, pulled.without_email, pulled.run_id
        )
    });
    Ok(())
}
