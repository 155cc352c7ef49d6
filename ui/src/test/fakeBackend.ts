import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";

import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { Connection } from "../bindings/Connection";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AccountMatch } from "../bindings/AccountMatch";
import type { AutoSyncResult } from "../bindings/AutoSyncResult";
import type { MappingRow } from "../bindings/MappingRow";
import type { ScheduleInfo } from "../bindings/ScheduleInfo";
import type { PlanRow } from "../bindings/PlanRow";
import type { ProgressEvent } from "../bindings/ProgressEvent";
import type { StoredRecord } from "../bindings/StoredRecord";
import type { SyncPlan } from "../bindings/SyncPlan";
import type { SyncRun } from "../bindings/SyncRun";

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
  const handlers: Record<string, Handler> = {
    app_info: () => ({ ...APP_INFO, ...options.info }),
    list_connections: () => structuredClone(state.connections),
    open_log_folder: () => null,
    discard_plan: () => null,
    cancel_sync: () => null,
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
  };
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
    started_at: "2024-05-02T10:00:00Z",
    finished_at: "2024-05-02T10:00:01Z",
    duration_ms: 1234,
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

export function autoSyncResult(overrides: Partial<AutoSyncResult> = {}): AutoSyncResult {
  return {
    platform: "ringcentral",
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

export function scheduleInfo(overrides: Partial<ScheduleInfo> = {}): ScheduleInfo {
  return { schedule: { kind: "off" }, last_run: null, next_run: null, ...overrides };
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
