// The only module that talks to Tauri. Everything else in the UI calls the
// typed functions below and receives either the command's result or an
// `ApiError` rejection (never a bare string or an unknown object).
import { Channel, invoke } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";

import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { Connection } from "../bindings/Connection";
import type { SaveAndTest } from "../bindings/SaveAndTest";
import type { ConnectionDraft } from "../bindings/ConnectionDraft";
import type { ApplyResult } from "../bindings/ApplyResult";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { Entity } from "../bindings/Entity";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { ImportSummary } from "../bindings/ImportSummary";
import type { ProgressEvent } from "../bindings/ProgressEvent";
import type { Selection } from "../bindings/Selection";
import type { PasswordsSet } from "../bindings/PasswordsSet";
import type { StoredRecord } from "../bindings/StoredRecord";
import type { UserRef } from "../bindings/UserRef";
import type { SyncPlan } from "../bindings/SyncPlan";
import type { SyncRun } from "../bindings/SyncRun";
import type { TestOutcome } from "../bindings/TestOutcome";
import type { AccountMatch } from "../bindings/AccountMatch";
import type { AutoSyncResult } from "../bindings/AutoSyncResult";
import type { MappingRow } from "../bindings/MappingRow";
import type { MapCheck } from "../bindings/MapCheck";
import type { MappingActionResult } from "../bindings/MappingActionResult";
import type { BusinessUnit } from "../bindings/BusinessUnit";
import type { MappingLink } from "../bindings/MappingLink";
import type { PermissionGate } from "../bindings/PermissionGate";
import type { Recovery } from "../bindings/Recovery";
import type { StoreProblem } from "../bindings/StoreProblem";
import type { Schedule } from "../bindings/Schedule";
import type { ScheduleInfo } from "../bindings/ScheduleInfo";
import type { UserImportColumn } from "../bindings/UserImportColumn";
import type { UserImportEdit } from "../bindings/UserImportEdit";
import type { UserImportMode } from "../bindings/UserImportMode";
import type { UserImportPage } from "../bindings/UserImportPage";
import type { UserImportPreview } from "../bindings/UserImportPreview";
import type { UserImportQueue } from "../bindings/UserImportQueue";
import type { UserImportSummary } from "../bindings/UserImportSummary";

export type { ApiError } from "../bindings/ApiError";
export type { AppInfo } from "../bindings/AppInfo";
export type { Connection } from "../bindings/Connection";
export type { SaveAndTest } from "../bindings/SaveAndTest";
export type { ConnectionDraft } from "../bindings/ConnectionDraft";
export type { ConnectionKind } from "../bindings/ConnectionKind";
export type { ConnectionSettings } from "../bindings/ConnectionSettings";
export type { ErrorCode } from "../bindings/ErrorCode";
export type { Fact } from "../bindings/Fact";
export type { LastTest } from "../bindings/LastTest";
export type { SecretKind } from "../bindings/SecretKind";
export type { TestOutcome } from "../bindings/TestOutcome";
export type { WebexCredential } from "../bindings/WebexCredential";
export type { ApplyResult } from "../bindings/ApplyResult";
export type { AuditEntry } from "../bindings/AuditEntry";
export type { Entity } from "../bindings/Entity";
export type { FieldChange } from "../bindings/FieldChange";
export type { ImportAction } from "../bindings/ImportAction";
export type { ImportRowPlan } from "../bindings/ImportRowPlan";
export type { ImportSummary } from "../bindings/ImportSummary";
export type { PlanRow } from "../bindings/PlanRow";
export type { PlanStatus } from "../bindings/PlanStatus";
export type { PlanSummary } from "../bindings/PlanSummary";
export type { ProgressEvent } from "../bindings/ProgressEvent";
export type { Selection } from "../bindings/Selection";
export type { StoredRecord } from "../bindings/StoredRecord";
export type { PasswordsSet } from "../bindings/PasswordsSet";
export type { UserRef } from "../bindings/UserRef";
export type { SyncPlan } from "../bindings/SyncPlan";
export type { SyncRun } from "../bindings/SyncRun";
export type { RunKind } from "../bindings/RunKind";
export type { AuditAction } from "../bindings/AuditAction";
export type { AccountMatch } from "../bindings/AccountMatch";
export type { MapCheck } from "../bindings/MapCheck";
export type { MappingActionResult } from "../bindings/MappingActionResult";
export type { AutoSyncResult } from "../bindings/AutoSyncResult";
export type { MappingMethod } from "../bindings/MappingMethod";
export type { MappingRow } from "../bindings/MappingRow";
export type { MappingStatus } from "../bindings/MappingStatus";
export type { Platform } from "../bindings/Platform";
export type { BusinessUnit } from "../bindings/BusinessUnit";
export type { MappingLink } from "../bindings/MappingLink";
export type { PermissionGate } from "../bindings/PermissionGate";
export type { Recovery } from "../bindings/Recovery";
export type { StoreProblem } from "../bindings/StoreProblem";
export type { Schedule } from "../bindings/Schedule";
export type { ScheduleInfo } from "../bindings/ScheduleInfo";
export type { UserImportAction } from "../bindings/UserImportAction";
export type { UserImportColumn } from "../bindings/UserImportColumn";
export type { UserImportEdit } from "../bindings/UserImportEdit";
export type { UserImportField } from "../bindings/UserImportField";
export type { UserImportFileFormat } from "../bindings/UserImportFileFormat";
export type { UserImportFinding } from "../bindings/UserImportFinding";
export type { UserImportMode } from "../bindings/UserImportMode";
export type { UserImportPage } from "../bindings/UserImportPage";
export type { UserImportPreview } from "../bindings/UserImportPreview";
export type { UserImportQueue } from "../bindings/UserImportQueue";
export type { UserImportRow } from "../bindings/UserImportRow";
export type { UserImportSummary } from "../bindings/UserImportSummary";

/** True when `value` is an `ApiError` as the Rust commands produce it. */
export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { code?: unknown; message?: unknown };
  // Any code string is accepted: a code added in Rust must not turn into "internal" here.
  return typeof candidate.code === "string" && typeof candidate.message === "string";
}

/**
 * True when `error` carries one of `codes`. The UI branches on codes only (never on the message),
 * and only on codes that exist: a misspelt or removed code is a type error here.
 */
export function hasCode(error: ApiError, ...codes: readonly ErrorCode[]): boolean {
  return codes.includes(error.code);
}

/** True for the rejection of a job stopped by `cancelSync()`, `cancelAutoSync()` or `importCancel()`. */
export function isCancelled(error: ApiError): boolean {
  return hasCode(error, "cancelled");
}

/** Turns whatever a command rejected with into an `ApiError`. */
export function toApiError(reason: unknown): ApiError {
  if (isApiError(reason)) {
    // An error about one form field names it: the form shows it there.
    const field = (reason as { field?: unknown }).field;
    return typeof field === "string" && field
      ? { code: reason.code, message: reason.message, field }
      : { code: reason.code, message: reason.message };
  }
  if (typeof reason === "string") {
    return { code: "internal", message: reason || "Unknown error." };
  }
  if (reason instanceof Error) {
    return { code: "internal", message: reason.message || reason.name };
  }
  if (typeof reason === "object" && reason !== null) {
    const message = (reason as { message?: unknown }).message;
    if (typeof message === "string" && message) {
      return { code: "internal", message };
    }
    try {
      return { code: "internal", message: JSON.stringify(reason) };
    } catch {
      // fall through
    }
  }
  return { code: "internal", message: "Unknown error." };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toApiError(reason);
  }
}

/** Why the database could not be opened at launch; null when the app runs normally. */
export function startupProblem(): Promise<StoreProblem | null> {
  return call<StoreProblem | null>("startup_problem");
}

/** Carries out a way out of a store problem; resolves to null once the app runs, else the new problem. */
export function recoverStore(choice: Recovery): Promise<StoreProblem | null> {
  return call<StoreProblem | null>("recover_store", { choice });
}

export async function openDataFolder(): Promise<void> {
  await call<null>("open_data_folder");
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>("app_info");
}

export function listConnections(): Promise<Connection[]> {
  return call<Connection[]>("list_connections");
}

export function createConnection(draft: ConnectionDraft): Promise<Connection> {
  return call<Connection>("create_connection", { draft });
}

/** Secrets that are absent or empty in `draft` keep their stored value. */
export function updateConnection(id: string, draft: ConnectionDraft): Promise<Connection> {
  return call<Connection>("update_connection", { id, draft });
}

/**
 * "Save and test": tests the draft (`id` null for a new connection) and saves it when the test
 * passes, or when `keepIfFailed` (the admin chose "Save anyway"). A draft with a wrong field is
 * rejected with an `ApiError` whose `field` names it.
 */
export function saveAndTestConnection(
  id: string | null,
  draft: ConnectionDraft,
  keepIfFailed: boolean,
): Promise<SaveAndTest> {
  return call<SaveAndTest>("save_and_test_connection", { id, draft, keepIfFailed });
}

export async function deleteConnection(id: string): Promise<void> {
  await call<null>("delete_connection", { id });
}

export function testConnection(id: string): Promise<TestOutcome> {
  return call<TestOutcome>("test_connection", { id });
}

/**
 * Signs a Webex Integration connection in: the system browser opens Webex's sign-in, and the
 * promise settles when the browser comes back to CC Sync (or after 5 minutes).
 */
export function webexSignIn(id: string): Promise<TestOutcome> {
  return call<TestOutcome>("webex_sign_in", { id });
}

/** Stops a Webex sign-in that waits for the browser (it then fails with `cancelled`). */
export function cancelWebexSignIn(): Promise<void> {
  return call<void>("cancel_webex_sign_in");
}

export function startDemoTenant(): Promise<Connection> {
  return call<Connection>("start_demo_tenant");
}

export async function openLogFolder(): Promise<void> {
  await call<null>("open_log_folder");
}

/** A Tauri channel that forwards every progress message to `onProgress`. */
function progressChannel(onProgress?: (event: ProgressEvent) => void): Channel<ProgressEvent> {
  const channel = new Channel<ProgressEvent>();
  channel.onmessage = (event) => onProgress?.(event);
  return channel;
}

/** Fetches `entity` from CXone and compares it with the store; nothing is written. */
export function fetchPlan(
  connectionId: string,
  entity: Entity,
  full: boolean,
  onProgress?: (event: ProgressEvent) => void,
): Promise<SyncPlan> {
  return call<SyncPlan>("fetch_plan", {
    connectionId,
    entity,
    full,
    onProgress: progressChannel(onProgress),
  }).then((plan) => {
    // Lets the UI benchmark time "first rows shown" from the moment the plan arrived.
    performance.mark(PLAN_RECEIVED_MARK);
    return plan;
  });
}

/** The performance mark set when a fetched plan reaches the UI. */
export const PLAN_RECEIVED_MARK = "ccsync:plan-received";

/** Writes the selected rows of a fetched plan. */
export function applyPlan(
  planId: string,
  selection: Selection,
  onProgress?: (event: ProgressEvent) => void,
): Promise<ApplyResult> {
  return call<ApplyResult>("apply_plan", {
    planId,
    selection,
    onProgress: progressChannel(onProgress),
  });
}

/** Cancels the fetch or apply in progress; that call then rejects with code "cancelled". */
export async function cancelSync(): Promise<void> {
  await call<null>("cancel_sync");
}

export async function discardPlan(planId: string): Promise<void> {
  await call<null>("discard_plan", { planId });
}

export function listRecords(entity: Entity): Promise<StoredRecord[]> {
  return call<StoredRecord[]>("list_records", { entity });
}

/** Writes the stored records of `entity` to a CSV file; resolves to the number of rows. */
export function exportRecords(entity: Entity, path: string): Promise<number> {
  return call<number>("export_records", { entity, path });
}

/** Resolves when a typed temporary password passes the rule; rejects with why not. */
export async function checkTemporaryPassword(password: string): Promise<void> {
  await call<null>("check_temporary_password", { password });
}

/**
 * Sets temporary passwords for `users` (the one `typed`, or a generated one each) and writes them
 * to `path`, a file chosen with `chooseCsvSavePath`: their only copy. The passwords themselves
 * never come back to the window.
 */
export function setTemporaryPasswords(
  users: UserRef[],
  typed: string | null,
  path: string,
): Promise<PasswordsSet> {
  return call<PasswordsSet>("set_temporary_passwords", { users, typed, path });
}

/**
 * Asks where to save a CSV file; null when the user cancels. The dialog opens from Rust, which
 * remembers the choice: file commands accept only paths chosen this way or dropped on the window.
 */
export function chooseCsvSavePath(defaultName: string): Promise<string | null> {
  return call<string | null>("choose_save_path", { defaultName });
}

/** Asks for a CSV file to open; null when the user cancels. */
export function chooseCsvOpenPath(): Promise<string | null> {
  return call<string | null>("choose_open_csv");
}

/** Every sync run, newest first. */
export function listRuns(): Promise<SyncRun[]> {
  return call<SyncRun[]>("list_runs");
}

export function runAudit(runId: number): Promise<AuditEntry[]> {
  return call<AuditEntry[]>("run_audit", { runId });
}

// ---------- User Mapping ----------

/**
 * Every business unit (CXone connection) with its mapping links, one per platform at most. A
 * platform with exactly one connection is linked by itself.
 */
export function mappingUnits(): Promise<BusinessUnit[]> {
  return call<BusinessUnit[]>("mapping_units");
}

/** Links the business unit to a RingCentral or Webex connection (its link for that platform). */
export function linkBusinessUnit(cxoneConnectionId: string, externalConnectionId: string): Promise<MappingLink> {
  return call<MappingLink>("link_business_unit", { cxoneConnectionId, externalConnectionId });
}

/** The link's business unit's CXone users, with where each stands on the link's platform. */
export function listMappings(linkId: number): Promise<MappingRow[]> {
  return call<MappingRow[]>("list_mappings", { linkId });
}

/** Stops the link's Auto Sync in progress; that call then rejects with code "cancelled". */
export async function cancelAutoSync(linkId: number): Promise<void> {
  await call<null>("cancel_auto_sync", { linkId });
}

/** Maps every unmapped user of the link it can; `cancelAutoSync(linkId)` stops it (rejects with "cancelled"). */
export function runAutoSync(
  linkId: number,
  onProgress?: (event: ProgressEvent) => void,
): Promise<AutoSyncResult> {
  return call<AutoSyncResult>("run_auto_sync", {
    linkId,
    onProgress: progressChannel(onProgress),
  });
}

/** What Map User's guard says about linking the user to the account (shown before mapping). */
export function checkMapUser(linkId: number, recordId: number, accountId: string): Promise<MapCheck> {
  return call<MapCheck>("check_map_user", { linkId, recordId, accountId });
}

/**
 * Maps by hand. Without `confirmed`, an account the guard has something to say about is refused
 * (`confirmation_required`); the result carries the toast's sentence and the id its Undo takes.
 */
export function mapUser(
  linkId: number,
  recordId: number,
  accountId: string,
  confirmed: boolean,
): Promise<MappingActionResult> {
  return call<MappingActionResult>("map_user", { linkId, recordId, accountId, confirmed });
}

export function unmapUser(linkId: number, recordId: number): Promise<MappingActionResult> {
  return call<MappingActionResult>("unmap_user", { linkId, recordId });
}

export function retryUser(linkId: number, recordId: number): Promise<MappingActionResult> {
  return call<MappingActionResult>("retry_user", { linkId, recordId });
}

/** Reverses exactly the change `undoId` names; refused (`stale`) if its rows changed since. */
export function undoMappingChange(undoId: number): Promise<MappingActionResult> {
  return call<MappingActionResult>("undo_mapping_change", { undoId });
}

/**
 * The link's accounts (its platform connection's) matching `query`: free, active ones first, then
 * inactive, then taken.
 */
export function searchAccounts(
  linkId: number,
  query: string,
  limit: number,
  forUser: number | null = null,
): Promise<AccountMatch[]> {
  return call<AccountMatch[]>("search_accounts", { linkId, query, limit, forUser });
}

/** The permission gate of Auto Sync (off, with the demo tenant's key, until changed). */
export function getPermissionGate(): Promise<PermissionGate> {
  return call<PermissionGate>("get_permission_gate");
}

/** Saves the gate; resolves to it as saved (the key trimmed). */
export function setPermissionGate(gate: PermissionGate): Promise<PermissionGate> {
  return call<PermissionGate>("set_permission_gate", { gate });
}

export function getSchedule(linkId: number): Promise<ScheduleInfo> {
  return call<ScheduleInfo>("get_schedule", { linkId });
}

export function setSchedule(linkId: number, schedule: Schedule): Promise<ScheduleInfo> {
  return call<ScheduleInfo>("set_schedule", { linkId, schedule });
}

/** Whether CC Sync starts at login, as the system has it (a login item, an autostart entry). */
export function getAutostart(): Promise<boolean> {
  return call<boolean>("get_autostart");
}

/** Turns Start at login on or off; resolves to the state afterwards. */
export function setAutostart(enabled: boolean): Promise<boolean> {
  return call<boolean>("set_autostart", { enabled });
}

/** Writes the link's mappings to a CSV file; resolves to the number of rows. */
export function exportMappings(linkId: number, path: string): Promise<number> {
  return call<number>("export_mappings", { linkId, path });
}

/** Reads a mappings CSV and says what importing it into the link would do; nothing is written. */
export function planMappingImport(linkId: number, path: string): Promise<ImportSummary> {
  return call<ImportSummary>("plan_mapping_import", { linkId, path });
}

/** Imports a mappings CSV into the link; resolves to the number of mappings written. */
export function commitMappingImport(linkId: number, path: string): Promise<number> {
  return call<number>("commit_mapping_import", { linkId, path });
}

// ---------- CSV Import (users) ----------

/** The extensions the importer reads (the backend refuses the others with a sentence). */
export const IMPORT_EXTENSIONS: readonly string[] = ["csv", "txt", "tsv", "xlsx"];

/** Queues dropped or browsed files; the first becomes current when nothing is. */
export function importEnqueue(paths: string[]): Promise<UserImportQueue> {
  return call<UserImportQueue>("import_enqueue", { paths });
}

/** The queue as the backend holds it (the screen restores itself from it). */
export function importQueue(): Promise<UserImportQueue> {
  return call<UserImportQueue>("import_queue");
}

/**
 * `path` (the current file) is done, committed or discarded: the next waiting file becomes current.
 * Naming the file makes a repeated click harmless: it cannot skip the next file.
 */
export function importFinish(path: string): Promise<UserImportQueue> {
  return call<UserImportQueue>("import_finish", { path });
}

/**
 * Reads a file's format and header and proposes a column mapping. `delimiter` is "comma",
 * "semicolon", "tab" or one character; null detects it.
 */
export function importPreview(path: string, delimiter: string | null): Promise<UserImportPreview> {
  return call<UserImportPreview>("import_preview", { path, delimiter });
}

/** The dry run: reads and checks every row, writes nothing; `importCancel()` stops it. */
export function importPlan(
  path: string,
  mappings: UserImportColumn[],
  mode: UserImportMode,
  region: string,
  delimiter: string | null,
  onProgress?: (event: ProgressEvent) => void,
): Promise<UserImportSummary> {
  return call<UserImportSummary>("import_plan", {
    path,
    mappings,
    mode,
    region,
    delimiter,
    onProgress: progressChannel(onProgress),
  });
}

/** Cancels the dry run or commit in progress; that call then rejects with code "cancelled". */
export async function importCancel(): Promise<void> {
  await call<null>("import_cancel");
}

/** One page of the dry run's rows (`limit` ≤ 1000); `problemsOnly` keeps rows with findings. */
export function importPage(offset: number, limit: number, problemsOnly: boolean): Promise<UserImportPage> {
  return call<UserImportPage>("import_page", { offset, limit, problemsOnly });
}

/** Sets one cell of row `index` and checks the row again at once. */
export function importEdit(index: number, column: number, value: string): Promise<UserImportEdit> {
  return call<UserImportEdit>("import_edit", { index, column, value });
}

/** Writes the dry run's valid rows in one transaction; the summary comes back with its run id. */
export function importCommit(onProgress?: (event: ProgressEvent) => void): Promise<UserImportSummary> {
  return call<UserImportSummary>("import_commit", { onProgress: progressChannel(onProgress) });
}

/** Writes the invalid rows (with an Error column) to `path`; resolves to the number of rows. */
export function importWriteErrors(path: string): Promise<number> {
  return call<number>("import_write_errors", { path });
}

export async function importSavePreset(name: string, mappings: UserImportColumn[]): Promise<void> {
  await call<null>("import_save_preset", { name, mappings });
}

/** Writes the stored users as a Control Hub-style CSV; resolves to the number of users. */
export function exportUsers(path: string): Promise<number> {
  return call<number>("export_users", { path });
}

/** Asks for user files to import; an empty list when the user cancels. */
export function chooseImportFiles(): Promise<string[]> {
  return call<string[]>("choose_import_files");
}

/** Files dragged over the window (native drag and drop: real paths, unlike HTML5 drops). */
export type FileDragEvent =
  | { type: "enter"; paths: string[] }
  | { type: "over" }
  | { type: "leave" }
  | { type: "drop"; paths: string[] };

/** The Tauri events behind a webview's native drag and drop (as `onDragDropEvent` uses them). */
const DRAG_EVENTS = {
  enter: "tauri://drag-enter",
  over: "tauri://drag-over",
  drop: "tauri://drag-drop",
  leave: "tauri://drag-leave",
} as const;

type DragPayload = { paths?: unknown };

/**
 * Calls `handler` for every native drag-and-drop event of this webview: the Tauri events
 * `tauri://drag-enter`, `-over`, `-drop` and `-leave`, targeted at this webview — exactly what
 * `getCurrentWebview().onDragDropEvent` listens to, but registered all at once rather than one
 * after the other, so a drop right after the screen opens is not missed. Resolves to the
 * function that stops listening. Outside Tauri, or when the event plugin refuses, nothing is
 * heard and the returned function does nothing: drag and drop is a convenience, Browse… remains.
 */
export async function onFilesDropped(handler: (event: FileDragEvent) => void): Promise<() => void> {
  const pathsOf = (payload: unknown): string[] => {
    const paths = (payload as DragPayload | null)?.paths;
    return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === "string") : [];
  };
  let registrations: Array<Promise<() => void>>;
  try {
    const webview = getCurrentWebview();
    registrations = [
      webview.listen(DRAG_EVENTS.enter, (e) => handler({ type: "enter", paths: pathsOf(e.payload) })),
      webview.listen(DRAG_EVENTS.over, () => handler({ type: "over" })),
      webview.listen(DRAG_EVENTS.drop, (e) => handler({ type: "drop", paths: pathsOf(e.payload) })),
      webview.listen(DRAG_EVENTS.leave, () => handler({ type: "leave" })),
    ];
  } catch {
    return () => {};
  }
  const settled = await Promise.allSettled(registrations);
  const stops = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stopAll = () => {
    for (const stop of stops) {
      try {
        void Promise.resolve(stop()).catch(() => {});
      } catch {
        // The webview is gone (or the IPC with it): there is nothing left to unlisten.
      }
    }
  };
  if (stops.length < registrations.length) {
    // Half a drop zone would highlight without ever dropping: all or nothing.
    stopAll();
    return () => {};
  }
  return stopAll;
}
