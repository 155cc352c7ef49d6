// The only module that talks to Tauri. Everything else in the UI calls the
// typed functions below and receives either the command's result or an
// `ApiError` rejection (never a bare string or an unknown object).
import { invoke } from "@tauri-apps/api/core";

import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { Connection } from "../bindings/Connection";
import type { ConnectionDraft } from "../bindings/ConnectionDraft";
import type { TestOutcome } from "../bindings/TestOutcome";

export type { ApiError } from "../bindings/ApiError";
export type { AppInfo } from "../bindings/AppInfo";
export type { Connection } from "../bindings/Connection";
export type { ConnectionDraft } from "../bindings/ConnectionDraft";
export type { ConnectionKind } from "../bindings/ConnectionKind";
export type { ConnectionSettings } from "../bindings/ConnectionSettings";
export type { ErrorCode } from "../bindings/ErrorCode";
export type { Fact } from "../bindings/Fact";
export type { LastTest } from "../bindings/LastTest";
export type { SecretKind } from "../bindings/SecretKind";
export type { TestOutcome } from "../bindings/TestOutcome";

/** True when `value` is an `ApiError` as the Rust commands produce it. */
export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { code?: unknown; message?: unknown };
  // Any code string is accepted: a code added in Rust must not turn into "internal" here.
  return typeof candidate.code === "string" && typeof candidate.message === "string";
}

/** Turns whatever a command rejected with into an `ApiError`. */
export function toApiError(reason: unknown): ApiError {
  if (isApiError(reason)) return { code: reason.code, message: reason.message };
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

export async function deleteConnection(id: string): Promise<void> {
  await call<null>("delete_connection", { id });
}

export function testConnection(id: string): Promise<TestOutcome> {
  return call<TestOutcome>("test_connection", { id });
}

export function startDemoTenant(): Promise<Connection> {
  return call<Connection>("start_demo_tenant");
}

export async function openLogFolder(): Promise<void> {
  await call<null>("open_log_folder");
}
