//! `ccsync map …`: link CXone users to RingCentral or Webex accounts, headless (cron, Task
//! Scheduler, scripts).

use ccsync_core::connections::Connections;
use ccsync_core::mapping::admin;
use ccsync_core::mapping::auto_sync::{self, AutoSyncOptions, PermissionGate};
use ccsync_core::mapping::rules::{MappingRow, MappingStatus};
use ccsync_core::progress::NoProgress;
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

#[derive(clap::Subcommand)]
pub enum MapCommand {
    /// Run Auto Sync: map every CXone user whose email matches exactly one active account.
    Auto {
        /// ringcentral or webex.
        #[arg(long, value_parser = parse_platform)]
        platform: Platform,
        /// The platform connection (name or id); optional when there is only one.
        #[arg(long)]
        connection: Option<String>,
        /// For this run only: skip users whose security profile lacks the map permission, or not
        /// (default: the saved setting, off unless changed with `ccsync map settings`).
        #[arg(long, value_parser = ["on", "off"])]
        permission_gate: Option<String>,
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
        #[arg(long, value_parser = parse_platform)]
        platform: Platform,
        /// Map even when the account is inactive, named differently, or mapped to someone else.
        #[arg(long)]
        confirm: bool,
    },
    /// Unmap a CXone user (email or agent id); Auto Sync will not re-link that pair.
    Unmap {
        cxone_user: String,
        #[arg(long, value_parser = parse_platform)]
        platform: Platform,
    },
    /// Import mappings from CSV (CXone user email or id, platform, account email or id): every row is
    /// checked first; nothing is written if any row is invalid.
    Import {
        file: std::path::PathBuf,
        #[arg(long, value_parser = parse_platform)]
        platform: Platform,
        /// Check the rows and say what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the mappings to a CSV file (what `import` reads back).
    Export {
        file: std::path::PathBuf,
        #[arg(long, value_parser = parse_platform)]
        platform: Platform,
    },
    /// List the mappings.
    List {
        #[arg(long, value_parser = parse_platform)]
        platform: Platform,
        /// Only these: mapped, unmapped, skipped, not-attempted, or an exact status such as unmapped_multiple.
        #[arg(long)]
        status: Option<String>,
    },
}

pub async fn run(command: MapCommand, connections: &Connections, output: &Output) -> Result<()> {
    let store = connections.store_handle();
    match command {
        MapCommand::Auto {
            platform,
            connection,
            permission_gate,
        } => {
            let connection = match connection {
                Some(name) => name,
                None => auto_sync::platform_connection(connections, platform).await?,
            };
            let mut options = AutoSyncOptions::from_settings(&store.lock().unwrap_or_else(|p| p.into_inner()))?;
            if let Some(gate) = permission_gate {
                options.gate.enabled = gate == "on";
            }
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
                    "Auto Sync: {} mapped, {} manual kept; unmapped: {} no match, {} multiple matches, {} account in use, {} only inactive; {} skipped (no permission). Run {}.",
                    c.mapped, c.manual_kept, c.unmapped_no_match, c.unmapped_multiple, c.unmapped_in_use,
                    c.unmapped_only_inactive, c.skipped_no_permission, result.run_id
                )
            });
        }
        MapCommand::Settings {
            permission_gate,
            permission_key,
        } => {
            let store = store.lock().unwrap_or_else(|p| p.into_inner());
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
            platform,
            confirm,
        } => {
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            let user = find_user(&admin::list_rows(&store, platform)?, &cxone_user)?.record_id;
            let wanted = account.trim().to_lowercase();
            let matching: Vec<String> = admin::stored_accounts(&store, platform)?
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
                    "No account \"{account}\" in the last list; run `ccsync map auto` to refresh it."
                ))
            })?;
            let done = admin::map_user(&mut store, platform, user, &account_id, confirm).map_err(|e| match e {
                Error::NeedsConfirmation(sentence) => {
                    Error::NeedsConfirmation(format!("{sentence} Add --confirm to map anyway."))
                }
                other => other,
            })?;
            output.value(&done.rows[0], || done.message.clone());
        }
        MapCommand::Unmap { cxone_user, platform } => {
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            let user = find_user(&admin::list_rows(&store, platform)?, &cxone_user)?.record_id;
            let done = admin::unmap_user(&mut store, platform, user)?;
            output.value(&done.rows[0], || {
                format!("{} Auto Sync will leave the pair alone.", done.message)
            });
        }
        MapCommand::Import {
            file,
            platform,
            dry_run,
        } => {
            let opened = std::fs::File::open(&file)
                .map_err(|e| Error::InvalidInput(format!("{} cannot be opened: {e}.", file.display())))?;
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            let plan = ccsync_core::mapping::transfer::plan(&store, platform, std::io::BufReader::new(opened))?;
            // The plan is printed first, so a refused import shows which lines to fix.
            let refused = !dry_run && plan.invalid > 0;
            let imported = if dry_run || refused {
                0
            } else {
                ccsync_core::mapping::transfer::commit(&mut store, platform, &plan)?
            };
            output.value(
                &serde_json::json!({"dry_run": dry_run, "imported": imported, "plan": plan}),
                || {
                    let mut text = format!(
                        "{}{} to map, {} unchanged, {} invalid.",
                        if dry_run { "Dry run, nothing written: " } else { "" },
                        plan.map,
                        plan.unchanged,
                        plan.invalid
                    );
                    for row in plan
                        .rows
                        .iter()
                        .filter(|r| r.action != ccsync_core::mapping::transfer::ImportAction::Unchanged)
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
        MapCommand::Export { file, platform } => {
            let written = ccsync_core::mapping::transfer::export_mappings(
                &store.lock().unwrap_or_else(|p| p.into_inner()),
                platform,
                &file,
            )?;
            output.value(&serde_json::json!({"exported": written, "file": file}), || {
                format!("Wrote {written} rows to {}.", file.display())
            });
        }
        MapCommand::List { platform, status } => {
            let rows = admin::list_rows(&store.lock().unwrap_or_else(|p| p.into_inner()), platform)?;
            let rows: Vec<MappingRow> = rows.into_iter().filter(|r| keep(r, status.as_deref())).collect();
            output.value(&rows, || {
                let mut text = format!("{:<30} {:<36} {:<24} {}", "USER", "EMAIL", "STATUS", "ACCOUNT");
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
