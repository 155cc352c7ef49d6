import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";

import type { ApiError } from "../bindings/ApiError";
import type { AppInfo } from "../bindings/AppInfo";
import type { Connection } from "../bindings/Connection";

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
