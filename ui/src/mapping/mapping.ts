import type {
  ApiError,
  AutoSyncResult,
  ErrorCode,
  MappingRow,
  MappingStatus,
  Platform,
  ProgressEvent,
} from "../platform";
import { formatCount } from "../format";

export const PLATFORMS: Platform[] = ["ringcentral", "webex"];

export const PLATFORM_LABELS: Record<Platform, string> = {
  ringcentral: "RingCentral",
  webex: "Webex",
};

/** The readable text of a status badge; `null` means Auto Sync has not looked at the user yet. */
export const MAPPING_STATUS_LABELS: Record<MappingStatus | "none", string> = {
  mapped_auto: "Mapped (auto)",
  mapped_manual: "Mapped (manual)",
  unmapped_no_match: "Unmapped — no match",
  unmapped_multiple: "Unmapped — multiple matches",
  unmapped_in_use: "Unmapped — account in use",
  unmapped_only_inactive: "Unmapped — only an inactive account matches",
  unmapped_by_admin: "Unmapped (by administrator)",
  skipped_no_permission: "Skipped — no permission",
  none: "Not yet attempted",
};

export function statusKey(status: MappingStatus | null): MappingStatus | "none" {
  return status ?? "none";
}

export function statusLabel(status: MappingStatus | null): string {
  return MAPPING_STATUS_LABELS[statusKey(status)];
}

export type StatusGroup = "mapped" | "unmapped" | "skipped" | "none";
export type StatusFilter = "all" | StatusGroup;

export const STATUS_FILTER_LABELS: Record<StatusFilter, string> = {
  all: "All",
  mapped: "Mapped",
  unmapped: "Unmapped",
  skipped: "Skipped",
  none: "Not attempted",
};

export const STATUS_FILTERS: StatusFilter[] = ["all", "mapped", "unmapped", "skipped", "none"];

export function statusGroup(status: MappingStatus | null): StatusGroup {
  if (status === null) return "none";
  if (status === "mapped_auto" || status === "mapped_manual") return "mapped";
  if (status === "skipped_no_permission") return "skipped";
  return "unmapped";
}

/** The lower-case text the screen's search looks in: names, emails and the account. */
export function rowHaystack(row: MappingRow): string {
  return `${row.name}\u0000${row.email}\u0000${row.account_name ?? ""}\u0000${row.account_email ?? ""}`.toLowerCase();
}

/** Whether the row shows under the status filter and the (trimmed, lower-case) search. */
export function rowMatches(row: MappingRow, needle: string, filter: StatusFilter): boolean {
  if (filter !== "all" && statusGroup(row.status) !== filter) return false;
  return needle === "" || rowHaystack(row).includes(needle);
}

/** The lines of the status chart, in display order. */
export type CountKey =
  | "mapped"
  | "unmapped_no_match"
  | "unmapped_multiple"
  | "unmapped_in_use"
  | "unmapped_only_inactive"
  | "unmapped_by_admin"
  | "skipped"
  | "none";

export const COUNT_ORDER: CountKey[] = [
  "mapped",
  "unmapped_no_match",
  "unmapped_multiple",
  "unmapped_in_use",
  "unmapped_only_inactive",
  "unmapped_by_admin",
  "skipped",
  "none",
];

export const COUNT_LABELS: Record<CountKey, string> = {
  mapped: "Mapped",
  unmapped_no_match: "Unmapped — no match",
  unmapped_multiple: "Unmapped — multiple matches",
  unmapped_in_use: "Unmapped — account in use",
  unmapped_only_inactive: "Unmapped — only inactive",
  unmapped_by_admin: "Unmapped (by administrator)",
  skipped: "Skipped — no permission",
  none: "Not yet attempted",
};

export type StatusCounts = Record<CountKey, number> & {
  total: number;
  mappedAuto: number;
  mappedManual: number;
  unmapped: number;
};

export function countStatuses(rows: readonly MappingRow[]): StatusCounts {
  const counts: StatusCounts = {
    total: rows.length,
    mapped: 0,
    mappedAuto: 0,
    mappedManual: 0,
    unmapped: 0,
    unmapped_no_match: 0,
    unmapped_multiple: 0,
    unmapped_in_use: 0,
    unmapped_only_inactive: 0,
    unmapped_by_admin: 0,
    skipped: 0,
    none: 0,
  };
  for (const row of rows) {
    switch (row.status) {
      case null:
        counts.none += 1;
        break;
      case "mapped_auto":
        counts.mapped += 1;
        counts.mappedAuto += 1;
        break;
      case "mapped_manual":
        counts.mapped += 1;
        counts.mappedManual += 1;
        break;
      case "skipped_no_permission":
        counts.skipped += 1;
        break;
      default:
        counts.unmapped += 1;
        counts[row.status] += 1;
    }
  }
  return counts;
}

/** "Mapped 5 · Manual kept 2 · No match 1 · …" for the line after a run. */
export function autoSyncSummary(result: AutoSyncResult): string {
  return [
    `Mapped ${formatCount(result.mapped)}`,
    `Manual kept ${formatCount(result.manual_kept)}`,
    `No match ${formatCount(result.unmapped_no_match)}`,
    `Multiple matches ${formatCount(result.unmapped_multiple)}`,
    `Account in use ${formatCount(result.unmapped_in_use)}`,
    `Only inactive ${formatCount(result.unmapped_only_inactive)}`,
    `Skipped (no permission) ${formatCount(result.skipped_no_permission)}`,
  ].join(" · ");
}

/** The sentence under the Auto Sync progress bar. */
export function autoSyncProgressText(platform: Platform, event: ProgressEvent | null): string {
  if (!event) return "Starting…";
  const counted = (verb: string, noun: string) => {
    if (event.total !== null) {
      return `${verb} ${formatCount(event.done)} of ${formatCount(event.total)} ${noun}…`;
    }
    if (event.done > 0) return `${verb} ${formatCount(event.done)} ${noun}…`;
    return `${verb} ${noun}…`;
  };
  switch (event.phase) {
    case "authenticating":
      return `Signing in to ${PLATFORM_LABELS[platform]}…`;
    case "fetching":
      return counted("Fetching", `${PLATFORM_LABELS[platform]} accounts`);
    case "planning":
      return "Matching…";
    case "writing":
      return counted("Mapping", "users");
    default:
      return `${event.phase.charAt(0).toUpperCase()}${event.phase.slice(1)}…`;
  }
}

/**
 * Which errors are fixed on the Connections screen, by code (never by message). Every code is
 * listed, so a code added in Rust fails the type check here until someone decides.
 */
const FIXED_UNDER_CONNECTIONS: Record<ErrorCode, boolean> = {
  // There is no connection of the kind the job needs yet: add one.
  no_connection: true,
  // A secret of the connection is not in the keyring: edit the connection and enter it again.
  secret_missing: true,
  // The platform rejected the credentials: check or replace them.
  auth_failed: true,
  // No system keyring, or a locked one: fixed in the operating system, not in CC Sync.
  keyring_unavailable: false,
  host_unreachable: false,
  tls_failed: false,
  timeout: false,
  unexpected_response: false,
  insecure_url: false,
  invalid_input: false,
  not_found: false,
  name_taken: false,
  rate_limited: false,
  cancelled: false,
  stale: false,
  // Map User's guard: answered in the dialog itself.
  confirmation_required: false,
  // Another CC Sync (a scheduled job from the command line, say) holds the job: wait and try again.
  busy: false,
  database: false,
  io: false,
  internal: false,
};

/** True when the error is best fixed on the Connections screen (a missing connection or credentials). */
export function pointsToConnections(error: ApiError): boolean {
  // `=== true`: a code from a newer backend is not in the table, and an inherited key such as
  // "toString" is not `true`.
  return FIXED_UNDER_CONNECTIONS[error.code] === true;
}

export type TextPart = { text: string; match: boolean };

/**
 * Splits `text` into plain and matched parts from `[start, end)` character
 * ranges. Characters are code points (not UTF-16 units), so an emoji or other
 * surrogate pair counts as one — as the Rust side counts them.
 */
export function highlightParts(text: string, ranges: ReadonlyArray<readonly [number, number]>): TextPart[] {
  const chars = Array.from(text);
  const marked = new Array<boolean>(chars.length).fill(false);
  for (const [rawStart, rawEnd] of ranges) {
    const start = Math.max(0, Math.floor(rawStart));
    const end = Math.min(chars.length, Math.floor(rawEnd));
    for (let i = start; i < end; i += 1) marked[i] = true;
  }
  const parts: TextPart[] = [];
  for (let i = 0; i < chars.length; i += 1) {
    const last = parts[parts.length - 1];
    if (last && last.match === marked[i]) last.text += chars[i];
    else parts.push({ text: chars[i], match: marked[i] });
  }
  return parts;
}
