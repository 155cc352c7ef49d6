//! `ccsync map …`: link CXone users to RingCentral or Webex accounts, headless (cron, Task
//! Scheduler, scripts).

use ccsync_core::connections::Connections;
use ccsync_core::mapping::auto_sync::{self, AutoSyncOptions, PermissionGate};
use ccsync_core::mapping::links::{self, MappingLink};
use ccsync_core::mapping::rules::{MappingRow, MappingStatus};
use ccsync_core::mapping::{admin, transfer};
use ccsync_core::progress::NoProgress;
use ccsync_core::store::Store;
use ccsync_core::vendor::directory::Platform;
use ccsync_core::{Error, Result};
use tokio_util::sync::CancellationToken;

use crate::output::Output;

pub fn parse_platform(value: &str) -> std::result::Result<Platform, String> {
    match value {
        "ringcentral" => Ok(Platform::Ringcentral),
        "webex" => Ok(Platform::Webex),
        other => Err(format!("\"{other}\" is not ringcentral or webex")),
    }
}

/// Which mapping link (a business unit and its platform connection) a command acts on.
#[derive(clap::Args)]
pub struct LinkArgs {
    /// ringcentral or webex.
    #[arg(long, value_parser = parse_platform)]
    pub platform: Platform,
    /// The business unit: its CXone connection's name or id, or the unit's name or number;
    /// optional when there is only one (or when --connection serves only one).
    #[arg(long, value_name = "NAME|ID")]
    pub business_unit: Option<String>,
    /// The platform connection (name or id); another way to say which unit when it serves one.
    #[arg(long, value_name = "NAME|ID")]
    pub connection: Option<String>,
}

impl LinkArgs {
    pub fn resolve(&self, store: &Store) -> Result<MappingLink> {
        links::resolve(
            store,
            self.platform,
            self.business_unit.as_deref(),
            self.connection.as_deref(),
        )
    }
}

#[derive(clap::Subcommand)]
pub enum MapCommand {
    /// Run Auto Sync for one business unit: map every CXone user of the unit whose email matches
    /// exactly one active account of its platform connection.
    Auto {
        #[command(flatten)]
        link: LinkArgs,
        /// For this run only: skip users whose security profile lacks the map permission, or not
        /// (default: the saved setting, off unless changed with `ccsync map settings`).
        #[arg(long, value_parser = ["on", "off"])]
        permission_gate: Option<String>,
    },
    /// List the business units (CXone connections) and the RingCentral or Webex connection each
    /// is linked to.
    Links,
    /// Link a business unit to a RingCentral or Webex connection (or change its link for that
    /// platform): its users are then mapped to that connection's accounts.
    Link {
        /// The business unit: its CXone connection's name or id, or the unit's name or number;
        /// optional when there is only one.
        #[arg(long, value_name = "NAME|ID")]
        business_unit: Option<String>,
        /// The RingCentral or Webex connection (name or id).
        #[arg(long, value_name = "NAME|ID")]
        connection: String,
    },
    /// Show or change the permission gate and the security-profile permission key it looks for.
    Settings {
        #[arg(long, value_parser = ["on", "off"])]
        permission_gate: Option<String>,
        /// The permissionKey in CXone security profiles that means "User Mapping: Map".
        #[arg(long)]
        permission_key: Option<String>,
    },
    /// Map a CXone user (email or agent id) to an account (email or id) by hand. An inactive
    /// account, one whose name does not resemble the user's, or one mapped to someone else (who
    /// is then unmapped) is refused with the reasons unless --confirm is given.
    Set {
        cxone_user: String,
        account: String,
        #[command(flatten)]
        link: LinkArgs,
        /// Map even when the account is inactive, named differently, or mapped to someone else.
        #[arg(long)]
        confirm: bool,
    },
    /// Unmap a CXone user (email or agent id); Auto Sync will not re-link that pair.
    Unmap {
        cxone_user: String,
        #[command(flatten)]
        link: LinkArgs,
    },
    /// Let Auto Sync try a CXone user (email or agent id) again on its next run.
    Retry {
        cxone_user: String,
        #[command(flatten)]
        link: LinkArgs,
    },
    /// Import mappings from CSV (CXone user email or id, platform, account email or id): every row is
    /// checked first; nothing is written if any row is invalid.
    Import {
        file: std::path::PathBuf,
        #[command(flatten)]
        link: LinkArgs,
        /// Check the rows and say what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the business unit's mappings to a CSV file (what `import` reads back).
    Export {
        file: std::path::PathBuf,
        #[command(flatten)]
        link: LinkArgs,
    },
    /// List the business unit's mappings.
    List {
        #[command(flatten)]
        link: LinkArgs,
        /// Only these: mapped, unmapped, skipped, not-attempted, or an exact status such as unmapped_multiple.
        #[arg(long)]
        status: Option<String>,
    },
}

pub async fn run(command: MapCommand, connections: &Connections, output: &Output) -> Result<()> {
    let store = connections.store_handle();
    let lock = || store.lock().unwrap_or_else(|p| p.into_inner());
    match command {
        MapCommand::Auto { link, permission_gate } => {
            let (link, mut options) = {
                let store = lock();
                (link.resolve(&store)?, AutoSyncOptions::from_settings(&store)?)
            };
            if let Some(gate) = permission_gate {
                options.gate.enabled = gate == "on";
            }
            let result = auto_sync::run(connections, &link, &options, &NoProgress, &CancellationToken::new()).await?;
            let c = &result.counts;
            output.value(&result, || {
                format!(
                    "Auto Sync, {}: {} mapped, {} manual kept; unmapped: {} no match, {} multiple matches, {} account in use, {} only inactive; {} skipped (no permission). Run {}.",
                    link.label(), c.mapped, c.manual_kept, c.unmapped_no_match, c.unmapped_multiple, c.unmapped_in_use,
                    c.unmapped_only_inactive, c.skipped_no_permission, result.run_id
                )
            });
        }
        MapCommand::Links => {
            let units = links::units(&lock())?;
            output.value(&units, || {
                let mut text = format!(
                    "{:<24} {:<36} {:<12} {}",
                    "CXONE CONNECTION", "BUSINESS UNIT", "PLATFORM", "CONNECTION"
                );
                for unit in &units {
                    for platform in [Platform::Ringcentral, Platform::Webex] {
                        let linked = unit.links.iter().find(|l| l.platform == platform);
                        text.push_str(&format!(
                            "\n{:<24} {:<36} {:<12} {}",
                            unit.connection_name,
                            unit.label,
                            platform.label(),
                            linked.map_or("— (not linked)", |l| l.external_connection_name.as_str())
                        ));
                    }
                }
                text
            });
        }
        MapCommand::Link {
            business_unit,
            connection,
        } => {
            let link = links::link_named(&lock(), business_unit.as_deref(), &connection)?;
            output.value(&link, || format!("Linked: {}.", link.label()));
        }
        MapCommand::Settings {
            permission_gate,
            permission_key,
        } => {
            let store = lock();
            let mut gate = PermissionGate::load(&store)?;
            if let Some(on) = permission_gate {
                gate.enabled = on == "on";
            }
            if let Some(key) = permission_key {
                gate.permission_key = key;
            }
            let gate = gate.save(&store)?;
            let state = if gate.enabled { "on" } else { "off" };
            output.value(
                &serde_json::json!({"permission_gate": state, "permission_key": gate.permission_key}),
                || format!("Permission gate {state}; permission key \"{}\".", gate.permission_key),
            );
        }
        MapCommand::Set {
            cxone_user,
            account,
            link,
            confirm,
        } => {
            let mut store = lock();
            let link = link.resolve(&store)?;
            let user = find_user(&admin::list_rows(&store, &link)?, &cxone_user)?.record_id;
            let wanted = account.trim().to_lowercase();
            let matching: Vec<String> = admin::stored_accounts(&store, &link)?
                .into_iter()
                .filter(|a| a.id == account.trim() || a.emails.iter().any(|e| e.trim().to_lowercase() == wanted))
                .map(|a| a.id)
                .collect();
            if matching.len() > 1 {
                return Err(Error::InvalidInput(format!(
                    "{} accounts have \"{account}\" ({}); give the account id instead.",
                    matching.len(),
                    matching.join(", ")
                )));
            }
            let account_id = matching.into_iter().next().ok_or_else(|| {
                Error::NotFound(format!(
                    "No account \"{account}\" in the last list of \"{}\"; run `ccsync map auto` (or `ccsync directory pull`) to refresh it.",
                    link.external_connection_name
                ))
            })?;
            let done = admin::map_user(&mut store, &link, user, &account_id, confirm).map_err(|e| match e {
                Error::NeedsConfirmation(sentence) => {
                    Error::NeedsConfirmation(format!("{sentence} Add --confirm to map anyway."))
                }
                other => other,
            })?;
            output.value(&done.rows[0], || done.message.clone());
        }
        MapCommand::Unmap { cxone_user, link } => {
            let mut store = lock();
            let link = link.resolve(&store)?;
            let user = find_user(&admin::list_rows(&store, &link)?, &cxone_user)?.record_id;
            let done = admin::unmap_user(&mut store, &link, user)?;
            output.value(&done.rows[0], || {
                format!("{} Auto Sync will leave the pair alone.", done.message)
            });
        }
        MapCommand::Retry { cxone_user, link } => {
            let mut store = lock();
            let link = link.resolve(&store)?;
            let user = find_user(&admin::list_rows(&store, &link)?, &cxone_user)?.record_id;
            let done = admin::retry_user(&mut store, &link, user)?;
            output.value(&done.rows[0], || done.message.clone());
        }
        MapCommand::Import { file, link, dry_run } => {
            let opened = std::fs::File::open(&file)
                .map_err(|e| Error::InvalidInput(format!("{} cannot be opened: {e}.", file.display())))?;
            let mut store = lock();
            let link = link.resolve(&store)?;
            let plan = transfer::plan(&store, &link, std::io::BufReader::new(opened))?;
            // The plan is printed first, so a refused import shows which lines to fix.
            let refused = !dry_run && plan.invalid > 0;
            let imported = if dry_run || refused {
                0
            } else {
                transfer::commit(&mut store, &link, &plan)?
            };
            output.value(
                &serde_json::json!({"dry_run": dry_run, "imported": imported, "link_id": link.id, "plan": plan}),
                || {
                    let mut text = format!(
                        "{}{}: {} to map, {} unchanged, {} invalid.",
                        if dry_run { "Dry run, nothing written: " } else { "" },
                        link.label(),
                        plan.map,
                        plan.unchanged,
                        plan.invalid
                    );
                    for row in plan
                        .rows
                        .iter()
                        .filter(|r| r.action != transfer::ImportAction::Unchanged)
                    {
                        text.push_str(&format!("\n  line {}: {}", row.line, row.message));
                    }
                    text
                },
            );
            if refused {
                return Err(Error::InvalidInput(format!(
                    "{} row(s) are invalid (listed above); nothing was imported. Fix them and import again.",
                    plan.invalid
                )));
            }
        }
        MapCommand::Export { file, link } => {
            let store = lock();
            let link = link.resolve(&store)?;
            let written = transfer::export_mappings(&store, &link, &file)?;
            output.value(
                &serde_json::json!({"exported": written, "file": file, "link_id": link.id}),
                || format!("Wrote {written} rows of {} to {}.", link.label(), file.display()),
            );
        }
        MapCommand::List { link, status } => {
            let store = lock();
            let link = link.resolve(&store)?;
            let rows: Vec<MappingRow> = admin::list_rows(&store, &link)?
                .into_iter()
                .filter(|r| keep(r, status.as_deref()))
                .collect();
            output.value(&rows, || {
                let mut text = format!(
                    "{}\n{:<30} {:<36} {:<24} {}",
                    link.label(),
                    "USER",
                    "EMAIL",
                    "STATUS",
                    "ACCOUNT"
                );
                for r in &rows {
                    let status = r.status.map(status_word).unwrap_or("not attempted");
                    text.push_str(&format!(
                        "\n{:<30} {:<36} {:<24} {}",
                        r.name,
                        r.email,
                        status,
                        r.account_name.as_deref().unwrap_or("—")
                    ));
                }
                text
            });
        }
    }
    Ok(())
}

fn find_user<'a>(rows: &'a [MappingRow], wanted: &str) -> Result<&'a MappingRow> {
    let key = wanted.trim().to_lowercase();
    rows.iter()
        .find(|r| r.user_id == wanted.trim() || r.email.trim().to_lowercase() == key)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "No CXone user \"{wanted}\" in the store; pull users first (`ccsync pull users`)."
            ))
        })
}

fn keep(row: &MappingRow, filter: Option<&str>) -> bool {
    let Some(filter) = filter else { return true };
    match (filter, row.status) {
        ("mapped", Some(s)) => s.is_mapped(),
        ("unmapped", Some(s)) => !s.is_mapped() && s != MappingStatus::SkippedNoPermission,
        ("skipped", Some(s)) => s == MappingStatus::SkippedNoPermission,
        ("not-attempted", None) => true,
        (exact, Some(s)) => serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(|t| t == exact))
            .unwrap_or(false),
        _ => false,
    }
}

fn status_word(status: MappingStatus) -> &'static str {
    match status {
        MappingStatus::MappedAuto => "mapped (auto)",
        MappingStatus::MappedManual => "mapped (manual)",
        MappingStatus::UnmappedNoMatch => "unmapped: no match",
        MappingStatus::UnmappedMultiple => "unmapped: multiple",
        MappingStatus::UnmappedInUse => "unmapped: in use",
        MappingStatus::UnmappedOnlyInactive => "unmapped: only inactive",
        MappingStatus::UnmappedByAdmin => "unmapped (by admin)",
        MappingStatus::SkippedNoPermission => "skipped: no permission",
    }
}
