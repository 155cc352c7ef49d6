import { formatCount } from "../format";
import type {
  ProgressEvent,
  UserImportAction,
  UserImportColumn,
  UserImportField,
  UserImportFileFormat,
  UserImportFinding,
  UserImportSummary,
} from "../platform";

/** The fields in the order the mapping select offers them. */
export const FIELD_ORDER: readonly UserImportField[] = [
  "email",
  "first_name",
  "last_name",
  "display_name",
  "phone_number",
  "standard_agent",
  "premium_agent",
  "role",
];

/** As the core names them in findings and change lists. */
export const FIELD_LABELS: Record<UserImportField, string> = {
  email: "Email",
  first_name: "First name",
  last_name: "Last name",
  display_name: "Display name",
  phone_number: "Phone number",
  standard_agent: "Standard Agent licence",
  premium_agent: "Premium Agent licence",
  role: "Role",
};

export const ACTION_LABELS: Record<UserImportAction, string> = {
  create: "Create",
  update: "Update",
  unchanged: "Unchanged",
  invalid: "Invalid",
};

/** The delimiter override: "" detects it, the others are what the backend accepts. */
export type DelimiterChoice = "" | "comma" | "semicolon" | "tab";

export const DELIMITER_CHOICES: ReadonlyArray<{ value: DelimiterChoice; label: string }> = [
  { value: "", label: "Auto-detect" },
  { value: "comma", label: "Comma" },
  { value: "semicolon", label: "Semicolon" },
  { value: "tab", label: "Tab" },
];

/** "UTF-8 · comma · BOM", or "Excel workbook". */
export function formatFileFormat(format: UserImportFileFormat): string {
  if (format.kind === "xlsx") return "Excel workbook";
  const parts = [format.encoding, format.delimiter];
  if (format.bom) parts.push("BOM");
  return parts.filter((p) => p !== "").join(" · ");
}

/**
 * The file name at the end of a path as any OS writes it: "/home/admin/users.csv",
 * "C:\Users\admin\users.csv", "\\server\share\users.csv", "\\?\C:\users.csv" and "C:users.csv" all
 * give "users.csv" (the rule of ccsync-core's `os::file_name` for Windows; a backslash in a Linux file
 * name is rare enough to read as a separator too). The path itself when nothing is left.
 */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  const last = trimmed.split(/[\\/]/).pop() ?? "";
  const name = last.replace(/^[A-Za-z]:/, "");
  return name || path;
}

/** "users.final.csv" → "users.final". */
export function fileStem(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/** "Phone Number: not a phone number" (a finding without a column is its message). */
export function findingText(finding: UserImportFinding): string {
  return finding.column ? `${finding.column}: ${finding.message}` : finding.message;
}

/** What is wrong with a mapping before a dry run may start; empty when it is fine. */
export function mappingProblems(mappings: readonly UserImportColumn[]): string[] {
  const problems: string[] = [];
  const byField = new Map<UserImportField, string[]>();
  for (const mapping of mappings) {
    if (!mapping.field) continue;
    const headers = byField.get(mapping.field) ?? [];
    headers.push(mapping.header.trim() || "(blank header)");
    byField.set(mapping.field, headers);
  }
  const emails = byField.get("email") ?? [];
  if (emails.length === 0) {
    problems.push("Map one column to Email: every user needs one.");
  }
  for (const field of FIELD_ORDER) {
    const headers = byField.get(field) ?? [];
    if (headers.length > 1) {
      problems.push(
        `${headers.map((h) => `“${h}”`).join(" and ")} are all mapped to ${FIELD_LABELS[field]}; keep one.`,
      );
    }
  }
  return problems;
}

/** A two-letter country code such as US or GB. */
export function isRegion(text: string): boolean {
  return /^[A-Za-z]{2}$/.test(text.trim());
}

function percent(event: ProgressEvent): number | null {
  if (event.total === null || event.total <= 0) return null;
  return Math.min(100, Math.max(0, Math.floor((event.done / event.total) * 100)));
}

/** "Reading the file… 45%" under the dry run's progress bar. */
export function planProgressText(event: ProgressEvent | null): string {
  if (!event) return "Starting the dry run…";
  const pct = percent(event);
  const verb = event.phase === "reading" ? "Reading and checking the file…" : `${capitalize(event.phase)}…`;
  return pct === null ? verb : `${verb} ${pct}%`;
}

/** "Writing 8,192 of 20,000 users… 40%" under the commit's progress bar. */
export function commitProgressText(event: ProgressEvent | null): string {
  if (!event) return "Writing…";
  const pct = percent(event);
  if (event.phase !== "writing") {
    return pct === null ? `${capitalize(event.phase)}…` : `${capitalize(event.phase)}… ${pct}%`;
  }
  if (event.total === null) return `Writing ${formatCount(event.done)} users…`;
  return `Writing ${formatCount(event.done)} of ${formatCount(event.total)} users… ${pct ?? 0}%`;
}

function capitalize(text: string): string {
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}` : text;
}

/** "1 change" / "12 changes". */
export function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/**
 * What Commit is about to do, for its confirmation: "Create 12 users, update 3; 2 rows rejected
 * will go to the error file." (and the licences it removes, which cannot be undone here).
 */
export function commitConfirmText(summary: UserImportSummary): string {
  const parts: string[] = [];
  if (summary.created > 0) parts.push(`Create ${plural(summary.created, "user", "users")}`);
  if (summary.updated > 0) {
    parts.push(
      parts.length > 0
        ? `update ${formatCount(summary.updated)}`
        : `Update ${plural(summary.updated, "user", "users")}`,
    );
  }
  let text = parts.length > 0 ? parts.join(", ") : "Write nothing";
  text +=
    summary.invalid > 0
      ? `; ${plural(summary.invalid, "row", "rows")} rejected will go to the error file.`
      : ".";
  if (summary.licences_removed > 0) {
    text += ` ${plural(summary.licences_removed, "licence is", "licences are")} removed`;
    text +=
      summary.cc_licences_removed > 0
        ? `: ${plural(summary.cc_licences_removed, "user loses", "users lose")} their Contact Center licence.`
        : ".";
  }
  return text;
}

/** The toast after a commit: "Imported team.csv: 12 created, 3 updated (run #41)." */
export function committedText(summary: UserImportSummary): string {
  let text = `Imported ${summary.file}: ${formatCount(summary.created)} created, ${formatCount(summary.updated)} updated`;
  if (summary.run_id != null) text += ` (run #${summary.run_id})`;
  text += ".";
  if (summary.invalid > 0) {
    text += ` ${plural(summary.invalid, "rejected row was", "rejected rows were")} not imported.`;
  }
  return text;
}
