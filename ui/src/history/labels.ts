// What History shows for the core's internal names: one table per enum, typed as a Record over
// the generated type, so a kind, platform, entity or action added in Rust fails the typecheck
// here until it has a label.
import { PLATFORM_LABELS } from "../mapping/mapping";
import type { AuditAction, Entity, Platform, RunKind, SyncRun } from "../platform";
import { formatDuration } from "../format";

export const RUN_KIND_LABELS: Record<RunKind, string> = {
  pull: "Pull",
  import: "CSV import",
  auto_sync: "Auto Sync",
  directory_pull: "Account list",
  manual_mapping: "Manual mapping",
  mapping_import: "Mapping import",
  passwords: "Temporary passwords",
  other: "Other",
};

export const ENTITY_LABELS: Record<Entity, string> = {
  users: "Users",
  campaigns: "Campaigns",
  dispositions: "Dispositions",
  agent_statuses: "Agent statuses",
};

export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  created: "Created",
  updated: "Updated",
  flagged_missing: "Flagged missing",
  mapping: "Mapping changed",
};

export const HISTORY_PLATFORM_LABELS: Record<Platform, string> = PLATFORM_LABELS;

/** The run's status in words ("running", "succeeded", "failed", "cancelled" from the core). */
export function runStatusLabel(status: string): string {
  switch (status) {
    case "succeeded":
      return "Succeeded";
    case "failed":
      return "Failed";
    case "cancelled":
      return "Cancelled";
    case "running":
      return "Running";
    default:
      return status;
  }
}

/** What the run was about: the connection's name, or the platform of a mapping run. */
export function runSource(run: SyncRun): string {
  return run.platform ? HISTORY_PLATFORM_LABELS[run.platform] : run.connection_name;
}

/** A pull's two phases: "fetched in 1.2 s, written in 0.3 s"; null for runs without them. */
export function runPhases(run: SyncRun): string | null {
  if (run.fetch_ms === null || run.write_ms === null) return null;
  return `fetched in ${formatDuration(run.fetch_ms)}, written in ${formatDuration(run.write_ms)}`;
}
