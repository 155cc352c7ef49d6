// Long on purpose: one fake of every Tauri command the screens call, so every screen test shares it.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";

import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { Connection } from "../bindings/Connection";
import type { ConnectionKind } from "../bindings/ConnectionKind";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AccountMatch } from "../bindings/AccountMatch";
import type { AutoSyncResult } from "../bindings/AutoSyncResult";
import type { BusinessUnit } from "../bindings/BusinessUnit";
import type { MappingLink } from "../bindings/MappingLink";
import type { MappingRow } from "../bindings/MappingRow";
import type { MapCheck } from "../bindings/MapCheck";
import type { MappingActionResult } from "../bindings/MappingActionResult";
import type { PermissionGate } from "../bindings/PermissionGate";
import type { ScheduleInfo } from "../bindings/ScheduleInfo";
import type { SecretKind } from "../bindings/SecretKind";
import type { PlanRow } from "../bindings/PlanRow";
import type { ProgressEvent } from "../bindings/ProgressEvent";
import type { StoredRecord } from "../bindings/StoredRecord";
import type { SyncPlan } from "../bindings/SyncPlan";
import type { SyncRun } from "../bindings/SyncRun";
import type { UserImportColumn } from "../bindings/UserImportColumn";
import type { UserImportField } from "../bindings/UserImportField";
import type { UserImportPreview } from "../bindings/UserImportPreview";
import type { UserImportQueue } from "../bindings/UserImportQueue";
import type { UserImportRow } from "../bindings/UserImportRow";
import type { UserImportSummary } from "../bindings/UserImportSummary";

export type Call = { cmd: string; args: Record<string, unknown> };
export type Handler = (args: Record<string, unknown>) => unknown;

export const APP_INFO: AppInfo = {
  version: "0.3.1",
  database_path: "/home/admin/.local/share/cc-sync/cc-sync.db",
  log_dir: "/home/admin/.local/share/cc-sync/logs",
  keyring_problem: null,
};

export function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    id: "c1",
    name: "Production CXone",
    settings: {
      kind: "cxone",
      auth_url: "https://cxone.niceincontact.com",
      client_id: "client-1",
      access_key_id: "AK1",
      campaigns_from_skills: false,
    },
    is_demo: false,
    created_at: "2024-05-01T10:00:00Z",
    updated_at: "2024-05-01T10:00:00Z",
    last_test: null,
    stored_secrets: ["client_secret", "access_key_secret"],
    ...overrides,
  };
}

export function apiError(code: ApiError["code"], message: string): ApiError {
  return { code, message };
}

// The errors below are the Rust core's (`crates/core/src/error.rs`, `connections.rs`, `secrets.rs`):
// the same code with the same sentence, so the UI is tested against what it really receives.

const KIND_NAMES: Record<ConnectionKind, string> = {
  cxone: "NICE CXone",
  ringcentral: "RingCentral",
  webex: "Webex",
};

const SECRET_LABELS: Record<SecretKind, string> = {
  client_secret: "client secret",
  access_key_secret: "access key secret",
  jwt_credential: "JWT credential",
  access_token: "access token",
  refresh_token: "refresh token",
};

/** No connection of `kind` exists yet (`Connections::only_of_kind`, e.g. Auto Sync or Map User search). */
export function noConnectionError(kind: ConnectionKind): ApiError {
  return apiError(
    "no_connection",
    `There is no ${KIND_NAMES[kind]} connection yet. Add one under Connections (or \`ccsync connection add ${kind} …\`).`,
  );
}

/** A secret of a connection is not in the keyring (the app reads no environment overrides). */
export function secretMissingError(connectionName: string, secret: SecretKind): ApiError {
  return apiError(
    "secret_missing",
    `The ${SECRET_LABELS[secret]} for connection "${connectionName}" is not in the keyring. Edit the connection and enter it again.`,
  );
}

/** The system keyring is missing or locked. */
export function keyringUnavailableError(detail = "no Secret Service on the session bus"): ApiError {
  return apiError(
    "keyring_unavailable",
    `No system keyring is available (${detail}). CC Sync keeps credentials only in the operating system's keyring. ` +
      "On Linux, install a Secret Service provider and make sure it runs unlocked in your session " +
      "(for example `sudo apt install gnome-keyring`, then log out and back in), and try again.",
  );
}

/**
 * Installs a mock Tauri backend. `handlers` override single commands; the
 * default `list_connections` returns `state.connections`. Every call is
 * recorded in `calls`. A handler rejects the invoke by throwing.
 */
export function installBackend(
  options: {
    connections?: Connection[];
    info?: Partial<AppInfo>;
    handlers?: Record<string, Handler>;
  } = {},
) {
  const state = { connections: [...(options.connections ?? [])] };
  const calls: Call[] = [];
  const events = eventPlugin();
  const handlers: Record<string, Handler> = {
    startup_problem: () => null,
    app_info: () => ({ ...APP_INFO, ...options.info }),
    list_connections: () => structuredClone(state.connections),
    open_log_folder: () => null,
    discard_plan: () => null,
    cancel_sync: () => null,
    list_runs: () => [],
    get_autostart: () => false,
    set_autostart: (args) => args.enabled,
    mapping_units: () => [],
    ...events.handlers,
    ...options.handlers,
  };
  mockWindows("main");
  mockIPC((cmd, args) => {
    const payload = (args ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args: payload });
    const handler = handlers[cmd];
    if (!handler) throw apiError("internal", `unmocked command ${cmd}`);
    return handler(payload);
  });
  return {
    state,
    calls,
    callsTo: (cmd: string) => calls.filter((c) => c.cmd === cmd),
    /** The listeners the UI registered through the event plugin (optionally for one event). */
    listeners: events.listeners,
  };
}

// ---------- Tauri events ----------

type EventTarget = { kind: string; label?: string };
type EventListener = { event: string; target: EventTarget; handler: number };

/**
 * The event plugin as the Rust side runs it: `listen` registers a callback for an event and a
 * target, `emit` reaches every listener of the event, `emit_to` the listeners of that target
 * (and those listening to any target). Without it, `listen` would be an unmocked command.
 */
function eventPlugin() {
  const registered: EventListener[] = [];
  const matches = (listener: EventTarget, target: EventTarget | null) => {
    if (target === null || target.kind === "Any" || listener.kind === "Any") return true;
    if (target.kind === "AnyLabel") return listener.label === target.label;
    return listener.kind === target.kind && listener.label === target.label;
  };
  const deliver = (event: string, payload: unknown, target: EventTarget | null) => {
    const internals = (window as unknown as { __TAURI_INTERNALS__: TauriInternals })
      .__TAURI_INTERNALS__;
    for (const listener of [...registered]) {
      if (listener.event !== event || !matches(listener.target, target)) continue;
      internals.runCallback(listener.handler, { event, id: listener.handler, payload });
    }
    return null;
  };
  const handlers: Record<string, Handler> = {
    "plugin:event|listen": (args) => {
      const handler = args.handler as number;
      registered.push({
        event: args.event as string,
        target: (args.target as EventTarget | undefined) ?? { kind: "Any" },
        handler,
      });
      return handler;
    },
    "plugin:event|unlisten": (args) => {
      const index = registered.findIndex((l) => l.event === args.event && l.handler === args.eventId);
      if (index !== -1) registered.splice(index, 1);
      return null;
    },
    "plugin:event|emit": (args) => deliver(args.event as string, args.payload, null),
    "plugin:event|emit_to": (args) => {
      const raw = args.target as EventTarget | string | undefined;
      const target = typeof raw === "string" ? { kind: "AnyLabel", label: raw } : (raw ?? null);
      return deliver(args.event as string, args.payload, target);
    },
  };
  return {
    handlers,
    listeners: (event?: string) =>
      registered.filter((l) => event === undefined || l.event === event).map((l) => ({ ...l })),
  };
}

/**
 * Emits an event the way the app (or a WebDriver test) does from outside the UI: through the
 * event plugin's `emit_to`, targeted at the main webview.
 */
export async function emitToWebview(event: string, payload: unknown, label = "main") {
  const internals = (
    window as unknown as {
      __TAURI_INTERNALS__: { invoke: (cmd: string, args: unknown) => Promise<unknown> };
    }
  ).__TAURI_INTERNALS__;
  await internals.invoke("plugin:event|emit_to", {
    target: { kind: "Webview", label },
    event,
    payload,
  });
}

/** A promise that can be resolved from the outside, to observe busy states. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function planRow(overrides: Partial<PlanRow> = {}): PlanRow {
  return {
    id: "1001",
    name: "Ada Lovelace",
    detail: "ada@example.com",
    is_active: true,
    status: "new",
    changes: [],
    ...overrides,
  };
}

/** A plan whose summary counts match its rows. */
export function syncPlan(rows: PlanRow[], overrides: Partial<SyncPlan> = {}): SyncPlan {
  const count = (status: PlanRow["status"]) => rows.filter((r) => r.status === status).length;
  return {
    plan_id: "plan-1",
    entity: "users",
    connection_id: "c1",
    summary: {
      fetched: rows.length - count("missing_upstream"),
      new: count("new"),
      changed: count("changed"),
      unchanged: count("unchanged"),
      missing_upstream: count("missing_upstream"),
      added: count("added"),
      updated: count("updated"),
      incremental: false,
      notes: [],
    },
    rows,
    ...overrides,
  };
}

export function storedRecord(overrides: Partial<StoredRecord> = {}): StoredRecord {
  return {
    id: "1001",
    business_unit_id: 4600123,
    name: "Ada Lovelace",
    detail: "ada@example.com",
    is_active: true,
    group_name: "Call Center Agents",
    password_set: false,
    must_change_password: false,
    password_set_at: null,
    licence: null,
    first_synced_at: "2024-05-01T10:00:00Z",
    last_synced_at: "2024-05-02T10:00:00Z",
    missing_upstream_since: null,
    ...overrides,
  };
}

export function syncRun(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: 1,
    kind: "pull",
    entity: "users",
    connection_name: "Production CXone",
    platform: null,
    started_at: "2024-05-02T10:00:00Z",
    finished_at: "2024-05-02T10:00:01Z",
    duration_ms: 1234,
    fetch_ms: null,
    write_ms: null,
    status: "succeeded",
    fetched: 5,
    created: 2,
    updated: 1,
    unchanged: 2,
    missing_upstream: 0,
    error: null,
    ...overrides,
  };
}

export function auditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    record_id: "1001",
    name: "Ada Lovelace",
    action: "created",
    changes: [],
    at: "2024-05-02T10:00:01Z",
    ...overrides,
  };
}

export function mappingRow(overrides: Partial<MappingRow> = {}): MappingRow {
  return {
    record_id: 1,
    user_id: "1001",
    name: "Ada Lovelace",
    email: "ada@example.com",
    status: null,
    method: null,
    account_id: null,
    account_name: null,
    account_email: null,
    detail: "",
    attempts: 0,
    flag: null,
    updated_at: null,
    ...overrides,
  };
}

export function accountMatch(overrides: Partial<AccountMatch> = {}): AccountMatch {
  return {
    account_id: "acc-1",
    name: "Ada Lovelace",
    email: "ada@example.com",
    active: true,
    score: 1,
    name_highlights: [],
    email_highlights: [],
    mapped_to: null,
    ...overrides,
  };
}

export function mapCheck(overrides: Partial<MapCheck> = {}): MapCheck {
  return {
    user_name: "Ada Lovelace",
    account_id: "acc-1",
    account_name: "Ada Lovelace",
    account_email: "ada@example.com",
    active: true,
    names_resemble: true,
    mapped_to: null,
    confirm: null,
    ...overrides,
  };
}

/** What map_user / unmap_user / retry_user / undo_mapping_change answer. */
export function actionResult(rows: MappingRow[], message: string, undoId = 1): MappingActionResult {
  return { rows, message, undo_id: undoId };
}

export function autoSyncResult(overrides: Partial<AutoSyncResult> = {}): AutoSyncResult {
  return {
    platform: "ringcentral",
    link_id: 1,
    run_id: 7,
    mapped: 0,
    manual_kept: 0,
    unmapped_no_match: 0,
    unmapped_multiple: 0,
    unmapped_in_use: 0,
    unmapped_only_inactive: 0,
    skipped_no_permission: 0,
    ...overrides,
  };
}

/** A mapping link: by default business unit "c1" (4600001) to the RingCentral connection "rc1", link 1. */
export function mappingLink(overrides: Partial<MappingLink> = {}): MappingLink {
  return {
    id: 1,
    platform: "ringcentral",
    cxone_connection_id: "c1",
    business_unit: "Demo Contact Center (4600001)",
    business_unit_id: 4600001,
    external_connection_id: "rc1",
    external_connection_name: "Demo RingCentral",
    ...overrides,
  };
}

/**
 * A business unit as `mapping_units` answers: by default the CXone connection "c1" linked to
 * RingCentral (link 1, "rc1") and Webex (link 2, "wx1") — a single-unit setup.
 */
export function businessUnit(overrides: Partial<BusinessUnit> = {}): BusinessUnit {
  const id = overrides.cxone_connection_id ?? "c1";
  const label = overrides.label ?? "Demo Contact Center (4600001)";
  return {
    cxone_connection_id: id,
    connection_name: "Demo tenant",
    label,
    business_unit_id: 4600001,
    users: 6,
    links: [
      mappingLink({ cxone_connection_id: id, business_unit: label }),
      mappingLink({
        id: 2,
        platform: "webex",
        cxone_connection_id: id,
        business_unit: label,
        external_connection_id: "wx1",
        external_connection_name: "Demo Webex",
      }),
    ],
    ...overrides,
  };
}

export function permissionGate(overrides: Partial<PermissionGate> = {}): PermissionGate {
  return { enabled: false, permission_key: "UserMapping", ...overrides };
}

export function scheduleInfo(overrides: Partial<ScheduleInfo> = {}): ScheduleInfo {
  return { schedule: { kind: "off" }, last_run: null, next_run: null, last_error: null, ...overrides };
}

type TauriInternals = { runCallback: (id: number, data: unknown) => void };
const channelIndexes = new WeakMap<object, number>();

/**
 * Sends one message down a `Channel` the UI passed to a command, the way the
 * Rust side does: with mockIPC the channel object arrives as the argument
 * itself, and its messages go through the registered callback with an index.
 */
export function sendProgress(
  channel: unknown,
  event: { phase: string; done: number; total: number | null },
) {
  const target = channel as { id: number };
  if (typeof target?.id !== "number") throw new Error("not a Channel");
  const index = channelIndexes.get(target) ?? 0;
  channelIndexes.set(target, index + 1);
  const message: ProgressEvent = {
    phase: event.phase,
    done: event.done,
    total: event.total === null ? null : event.total,
  };
  const internals = (window as unknown as { __TAURI_INTERNALS__: TauriInternals })
    .__TAURI_INTERNALS__;
  internals.runCallback(target.id, { index, message });
}

// ---------- CSV Import ----------

/** A Control Hub export's header row. */
export const CONTROL_HUB_HEADERS = [
  "User ID/Email (Required)",
  "First Name",
  "Last Name",
  "Display Name",
  "Phone Number",
  "Webex Contact Center Standard Agent",
  "Webex Contact Center Premium Agent (Suspended)",
  "User Status",
];

const CONTROL_HUB_FIELDS: Array<UserImportField | null> = [
  "email",
  "first_name",
  "last_name",
  "display_name",
  "phone_number",
  "standard_agent",
  "premium_agent",
  null,
];

export function importColumns(
  headers: string[] = CONTROL_HUB_HEADERS,
  fields: Array<UserImportField | null> = CONTROL_HUB_FIELDS,
): UserImportColumn[] {
  return headers.map((header, i) => ({
    header,
    field: fields[i] ?? null,
    suspended: header.toLowerCase().endsWith("(suspended)"),
    note:
      header === "User Status"
        ? `"User Status" is written by Control Hub exports and ignored on import.`
        : null,
  }));
}

/** The first values of each Control Hub column, as the core reads them for the mapping step. */
const CONTROL_HUB_SAMPLES: Record<string, string[]> = {
  "User ID/Email (Required)": ["ada@example.com", "grace@example.com", "not-an-email"],
  "First Name": ["Ada", "Grace", "Alan"],
  "Last Name": ["Lovelace", "Hopper", "Turing"],
  "Phone Number": ["+15550199", "5550123"],
  "Webex Contact Center Standard Agent": ["TRUE", "TRUE"],
  "Webex Contact Center Premium Agent (Suspended)": ["TRUE"],
  "User Status": ["Active", "Active", "Inactive"],
};

export function importPreview(overrides: Partial<UserImportPreview> = {}): UserImportPreview {
  const path = overrides.path ?? "/data/users.csv";
  const headers = overrides.headers ?? CONTROL_HUB_HEADERS;
  return {
    samples: headers.map((header) => CONTROL_HUB_SAMPLES[header] ?? []),
    path,
    file: path.split("/").pop() ?? path,
    format: { kind: "csv", encoding: "UTF-8", bom: true, delimiter: "comma" },
    headers,
    mappings: importColumns(headers),
    preset: null,
    region: "US",
    ...overrides,
  };
}

export function importRow(overrides: Partial<UserImportRow> = {}): UserImportRow {
  const index = overrides.index ?? 0;
  const email = overrides.email ?? `user${index}@example.com`;
  return {
    index,
    line: index + 2,
    action: "create",
    email,
    cells: [email, "Ada", "Lovelace", "", "", "TRUE", "", ""],
    findings: [],
    changes: [],
    ...overrides,
  };
}

/** The binding types `run_id` as a number; before a commit the backend sends null. */
const NO_RUN = null as unknown as number;

export type FakeImportFile = {
  /** Overrides of the preview (path and file follow the queued path). */
  preview?: Partial<UserImportPreview>;
  /** import_preview rejects with it. */
  previewError?: ApiError;
  /** The dry run's rows. */
  rows?: UserImportRow[];
  /** Licence counts (the fake does not work them out). */
  licences?: Pick<UserImportSummary, "licences_added" | "licences_removed" | "cc_licences_removed">;
};

/**
 * A stateful CSV Import backend: a queue with the Rust rules, previews per file, a dry run over
 * given rows, pages, edits (a row is invalid while its email cell has no "@"), commit, error file.
 * Spread `handlers` into `installBackend`; override single commands after it.
 */
export function fakeImport(files: Record<string, FakeImportFile> = {}) {
  const state = {
    queue: { current: null, waiting: [], refused: [] } as UserImportQueue,
    path: null as string | null,
    rows: [] as UserImportRow[],
    runId: NO_RUN,
    nextRunId: 41,
  };
  const fileOf = (path: string) => files[path] ?? {};
  const previewOf = (path: string) =>
    importPreview({ ...fileOf(path).preview, path, file: path.split("/").pop() ?? path });
  const emailColumn = () =>
    Math.max(
      0,
      previewOf(state.path ?? "").mappings.findIndex((m) => m.field === "email"),
    );
  const hasProblem = (row: UserImportRow) => row.action === "invalid" || row.findings.length > 0;

  function summary(): UserImportSummary {
    const count = (action: UserImportRow["action"]) =>
      state.rows.filter((r) => r.action === action).length;
    const licences = (state.path && fileOf(state.path).licences) || {
      licences_added: 0,
      licences_removed: 0,
      cc_licences_removed: 0,
    };
    return {
      file: state.path?.split("/").pop() ?? "",
      rows: state.rows.length,
      created: count("create"),
      updated: count("update"),
      unchanged: count("unchanged"),
      invalid: count("invalid"),
      warnings: state.rows.reduce((n, r) => n + r.findings.filter((f) => f.warning).length, 0),
      ...licences,
      run_id: state.runId,
    };
  }

  function recheck(row: UserImportRow): UserImportRow {
    const column = emailColumn();
    const email = (row.cells[column] ?? "").trim();
    const header = previewOf(state.path ?? "").headers[column] ?? "Email";
    const warnings = row.findings.filter((f) => f.warning);
    if (!email.includes("@")) {
      return {
        ...row,
        email,
        action: "invalid",
        changes: [],
        findings: [
          { column: header, message: `"${email}" is not an email address.`, warning: false },
          ...warnings,
        ],
      };
    }
    return {
      ...row,
      email,
      action: row.action === "invalid" ? "create" : row.action,
      findings: warnings,
    };
  }

  const handlers: Record<string, Handler> = {
    import_queue: () => structuredClone(state.queue),
    import_enqueue: (args) => {
      const queue = state.queue;
      queue.refused = [];
      for (const path of args.paths as string[]) {
        if (!/\.(csv|txt|tsv|xlsx)$/i.test(path)) {
          const name = path.split(/[\\/]/).pop() ?? path;
          queue.refused.push(`${name} is not a CSV file; save it as CSV (UTF-8) and drop it again.`);
        } else if (queue.current !== path && !queue.waiting.includes(path)) {
          queue.waiting.push(path);
        }
      }
      if (queue.current === null) queue.current = queue.waiting.shift() ?? null;
      return structuredClone(queue);
    },
    import_finish: (args) => {
      if (state.queue.current !== (args as { path: string }).path) return structuredClone(state.queue);
      state.queue.refused = [];
      state.queue.current = state.queue.waiting.shift() ?? null;
      state.path = null;
      state.rows = [];
      state.runId = NO_RUN;
      return structuredClone(state.queue);
    },
    import_preview: (args) => {
      const path = args.path as string;
      const file = fileOf(path);
      if (file.previewError) throw file.previewError;
      return previewOf(path);
    },
    import_plan: (args) => {
      const path = args.path as string;
      state.path = path;
      state.runId = NO_RUN;
      state.rows = structuredClone(fileOf(path).rows ?? [importRow()]);
      return summary();
    },
    import_cancel: () => null,
    import_page: (args) => {
      const offset = args.offset as number;
      const limit = Math.min(args.limit as number, 1000);
      const matching = args.problemsOnly ? state.rows.filter(hasProblem) : state.rows;
      return {
        total: matching.length,
        rows: structuredClone(matching.slice(offset, offset + limit)),
      };
    },
    import_edit: (args) => {
      const index = args.index as number;
      const column = args.column as number;
      const row = state.rows[index];
      if (!row) throw apiError("invalid_input", `There is no row ${index} in this import.`);
      const cells = [...row.cells];
      cells[column] = args.value as string;
      state.rows[index] = recheck({ ...row, cells });
      return { row: structuredClone(state.rows[index]), summary: summary() };
    },
    import_commit: () => {
      state.runId = state.nextRunId++;
      return summary();
    },
    import_write_errors: () => state.rows.filter((r) => r.action === "invalid").length,
    import_save_preset: () => null,
    export_users: () => 0,
  };
  return { state, handlers, summary };
}
