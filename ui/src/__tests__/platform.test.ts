import { emit } from "@tauri-apps/api/event";
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";

import {
  applyPlan,
  cancelSync,
  chooseCsvSavePath,
  chooseImportFiles,
  exportUsers,
  importCancel,
  importCommit,
  importEdit,
  importEnqueue,
  importFinish,
  importPage,
  importPlan,
  importPreview,
  importQueue,
  importSavePreset,
  importWriteErrors,
  onFilesDropped,
  type FileDragEvent,
  createConnection,
  discardPlan,
  exportMappings,
  exportRecords,
  getSchedule,
  listMappings,
  mappingUnits,
  linkBusinessUnit,
  planMappingImport,
  commitMappingImport,
  cancelAutoSync,
  checkMapUser,
  mapUser,
  retryUser,
  runAutoSync,
  searchAccounts,
  setSchedule,
  undoMappingChange,
  unmapUser,
  fetchPlan,
  hasCode,
  isApiError,
  isCancelled,
  listConnections,
  listRecords,
  listRuns,
  runAudit,
  testConnection,
  toApiError,
  updateConnection,
  type ProgressEvent,
} from "../platform";
import { deferred, sendProgress, syncPlan } from "../test/fakeBackend";

describe("platform", () => {
  it("passes camelCase argument keys to the commands", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return cmd === "list_connections" ? [] : { id: "x" };
    });
    const draft = {
      name: "N",
      settings: {
        kind: "webex" as const,
        api_url: "https://webexapis.com",
        credential: { method: "personal_token" as const },
      },
      secrets: {},
    };
    await listConnections();
    await createConnection(draft);
    await updateConnection("id-1", draft);
    expect(seen).toEqual([
      ["list_connections", {}],
      ["create_connection", { draft }],
      ["update_connection", { id: "id-1", draft }],
    ]);
  });

  it("passes ApiError rejections through unchanged", async () => {
    mockIPC(() => {
      throw { code: "auth_failed", message: "The client secret was rejected." };
    });
    await expect(testConnection("c1")).rejects.toEqual({
      code: "auth_failed",
      message: "The client secret was rejected.",
    });
  });

  it("normalises string rejections into internal ApiErrors", async () => {
    mockIPC(() => {
      throw "command test_connection not found";
    });
    await expect(testConnection("c1")).rejects.toEqual({
      code: "internal",
      message: "command test_connection not found",
    });
  });

  it("normalises Error objects and unknown values", () => {
    expect(toApiError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(toApiError({ message: "odd" })).toEqual({ code: "internal", message: "odd" });
    expect(toApiError({ code: "insecure_url", message: "plain http", field: "auth_url" })).toEqual({
      code: "insecure_url",
      message: "plain http",
      field: "auth_url",
    });
    expect(toApiError(undefined)).toEqual({ code: "internal", message: "Unknown error." });
    expect(toApiError(42).message).not.toContain("[object Object]");
  });

  it("recognises ApiErrors", () => {
    expect(isApiError({ code: "timeout", message: "Timed out." })).toBe(true);
    // A code this UI does not know yet is still an ApiError: its message is shown as is.
    expect(isApiError({ code: "new_code_from_rust", message: "x" })).toBe(true);
    expect(isApiError({ code: 7, message: "x" })).toBe(false);
    expect(isApiError({ code: "timeout" })).toBe(false);
    expect(isApiError("timeout")).toBe(false);
    expect(isApiError(null)).toBe(false);
  });

  it("passes camelCase arguments to the sync, records and history commands", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "export_records") return 12;
      if (cmd === "choose_save_path") return "/tmp/x.csv";
      return cmd.startsWith("list_") || cmd === "run_audit" ? [] : null;
    });
    await cancelSync();
    await discardPlan("p1");
    await listRecords("agent_statuses");
    await expect(exportRecords("users", "/tmp/a.csv")).resolves.toBe(12);
    await listRuns();
    await runAudit(42);
    await expect(chooseCsvSavePath("cc-agents.csv")).resolves.toBe("/tmp/x.csv");
    expect(seen).toEqual([
      ["cancel_sync", {}],
      ["discard_plan", { planId: "p1" }],
      ["list_records", { entity: "agent_statuses" }],
      ["export_records", { entity: "users", path: "/tmp/a.csv" }],
      ["list_runs", {}],
      ["run_audit", { runId: 42 }],
      [
        "choose_save_path",
        { defaultName: "cc-agents.csv" },
      ],
    ]);
  });

  it("delivers channel progress to the callbacks of fetchPlan and applyPlan", async () => {
    const plan = syncPlan([]);
    mockIPC((cmd, args) => {
      const payload = args as Record<string, unknown>;
      sendProgress(payload.onProgress, { phase: "fetching", done: 1, total: 2 });
      sendProgress(payload.onProgress, { phase: "fetching", done: 2, total: 2 });
      if (cmd === "fetch_plan") {
        expect(payload).toMatchObject({ connectionId: "c1", entity: "users", full: true });
        return plan;
      }
      expect(payload).toMatchObject({ planId: "plan-1", selection: { kind: "new" } });
      return { run_id: 1, created: 0, updated: 0, unchanged: 0, missing_upstream: 0 };
    });
    const events: ProgressEvent[] = [];
    await expect(fetchPlan("c1", "users", true, (e) => events.push(e))).resolves.toEqual(plan);
    expect(events.map((e) => e.done)).toEqual([1, 2]);
    await applyPlan("plan-1", { kind: "new" }, (e) => events.push(e));
    expect(events).toHaveLength(4);
    // Without a callback the channel is still sent (and its messages dropped).
    await fetchPlan("c1", "users", true);
  });

  it("recognises a cancelled operation", async () => {
    mockIPC(() => {
      throw { code: "cancelled", message: "Cancelled." };
    });
    const error = await fetchPlan("c1", "users", true).catch((e: unknown) => e);
    expect(isApiError(error) && isCancelled(error)).toBe(true);
    expect(isCancelled({ code: "timeout", message: "x" })).toBe(false);
  });

  it("branches on the code, never on the message", () => {
    const error = { code: "no_connection", message: "The sync was cancelled." } as const;
    expect(hasCode(error, "no_connection")).toBe(true);
    expect(hasCode(error, "auth_failed", "no_connection")).toBe(true);
    expect(hasCode(error, "cancelled")).toBe(false);
    expect(isCancelled(error)).toBe(false);
    expect(hasCode(error)).toBe(false);
    // @ts-expect-error a code that does not exist is a type error
    expect(hasCode(error, "no_connections")).toBe(false);
  });

  it("passes camelCase arguments to the User Mapping commands", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "export_mappings") return 4;
      return cmd === "list_mappings" || cmd === "search_accounts" ? [] : {};
    });
    await listMappings(4);
    await checkMapUser(3, 7, "acc-9");
    await mapUser(3, 7, "acc-9", true);
    await unmapUser(3, 7);
    await retryUser(4, 8);
    await undoMappingChange(3);
    await searchAccounts(3, "ada", 25, 7);
    await getSchedule(4);
    await setSchedule(4, { kind: "daily", time: "06:30" });
    await expect(exportMappings(3, "/tmp/m.csv")).resolves.toBe(4);
    await planMappingImport(3, "/tmp/m.csv");
    await commitMappingImport(3, "/tmp/m.csv");
    await cancelAutoSync(4);
    await mappingUnits();
    await linkBusinessUnit("cx-west", "rc-west");
    expect(seen).toEqual([
      ["list_mappings", { linkId: 4 }],
      ["check_map_user", { linkId: 3, recordId: 7, accountId: "acc-9" }],
      ["map_user", { linkId: 3, recordId: 7, accountId: "acc-9", confirmed: true }],
      ["unmap_user", { linkId: 3, recordId: 7 }],
      ["retry_user", { linkId: 4, recordId: 8 }],
      ["undo_mapping_change", { undoId: 3 }],
      ["search_accounts", { linkId: 3, query: "ada", limit: 25, forUser: 7 }],
      ["get_schedule", { linkId: 4 }],
      ["set_schedule", { linkId: 4, schedule: { kind: "daily", time: "06:30" } }],
      ["export_mappings", { linkId: 3, path: "/tmp/m.csv" }],
      ["plan_mapping_import", { linkId: 3, path: "/tmp/m.csv" }],
      ["commit_mapping_import", { linkId: 3, path: "/tmp/m.csv" }],
      ["cancel_auto_sync", { linkId: 4 }],
      ["mapping_units", {}],
      ["link_business_unit", { cxoneConnectionId: "cx-west", externalConnectionId: "rc-west" }],
    ]);
  });

  it("runs Auto Sync with a progress channel", async () => {
    mockIPC((cmd, args) => {
      const payload = args as Record<string, unknown>;
      expect(cmd).toBe("run_auto_sync");
      expect(payload.linkId).toBe(4);
      sendProgress(payload.onProgress, { phase: "writing", done: 1, total: 3 });
      return { platform: "webex", link_id: 4, run_id: 3, mapped: 1 };
    });
    const events: ProgressEvent[] = [];
    await expect(runAutoSync(4, (e) => events.push(e))).resolves.toMatchObject({ run_id: 3 });
    expect(events).toEqual([{ phase: "writing", done: 1, total: 3 }]);
  });

  it("passes camelCase arguments to the CSV Import commands, with progress channels", async () => {
    const seen: Array<[string, Record<string, unknown>]> = [];
    mockIPC((cmd, args) => {
      const payload = (args ?? {}) as Record<string, unknown>;
      seen.push([cmd, payload]);
      if (cmd === "import_plan" || cmd === "import_commit") {
        sendProgress(payload.onProgress, { phase: "reading", done: 1, total: 4 });
        return { file: "a.csv", rows: 1 };
      }
      if (cmd === "import_write_errors" || cmd === "export_users") return 3;
      if (cmd === "choose_import_files") return ["/a.csv", "/b.xlsx"];
      return cmd.startsWith("import_") ? {} : null;
    });
    const mappings = [{ header: "Email", field: "email" as const, suspended: false, note: null }];
    const events: ProgressEvent[] = [];
    await importEnqueue(["/a.csv"]);
    await importQueue();
    await importFinish("/a.csv");
    await importPreview("/a.csv", null);
    await importPreview("/a.csv", "semicolon");
    await importPlan("/a.csv", mappings, "add_remove", "GB", "tab", (e) => events.push(e));
    await importCancel();
    await importPage(200, 200, true);
    await importEdit(7, 2, "x@example.com");
    await importCommit((e) => events.push(e));
    await expect(importWriteErrors("/tmp/e.csv")).resolves.toBe(3);
    await importSavePreset("Hub", mappings);
    await expect(exportUsers("/tmp/u.csv")).resolves.toBe(3);
    await expect(chooseImportFiles()).resolves.toEqual(["/a.csv", "/b.xlsx"]);

    const plain = seen.map(([cmd, args]) => {
      const { onProgress, ...rest } = args;
      if (onProgress !== undefined) expect(JSON.stringify(onProgress)).toMatch(/^"__CHANNEL__:\d+"$/);
      return [cmd, rest];
    });
    expect(plain).toEqual([
      ["import_enqueue", { paths: ["/a.csv"] }],
      ["import_queue", {}],
      ["import_finish", { path: "/a.csv" }],
      ["import_preview", { path: "/a.csv", delimiter: null }],
      ["import_preview", { path: "/a.csv", delimiter: "semicolon" }],
      ["import_plan", { path: "/a.csv", mappings, mode: "add_remove", region: "GB", delimiter: "tab" }],
      ["import_cancel", {}],
      ["import_page", { offset: 200, limit: 200, problemsOnly: true }],
      ["import_edit", { index: 7, column: 2, value: "x@example.com" }],
      ["import_commit", {}],
      ["import_write_errors", { path: "/tmp/e.csv" }],
      ["import_save_preset", { name: "Hub", mappings }],
      ["export_users", { path: "/tmp/u.csv" }],
      [
        "choose_import_files",
        {},
      ],
    ]);
    expect(events).toHaveLength(2);
  });

  it("reports native drag-and-drop events until unlistened", async () => {
    mockWindows("main");
    mockIPC(() => null, { shouldMockEvents: true });
    const events: FileDragEvent[] = [];
    const stop = await onFilesDropped((event) => events.push(event));
    const position = { x: 10, y: 10 };
    await emit("tauri://drag-enter", { paths: ["/a.csv"], position });
    await emit("tauri://drag-over", { position });
    await emit("tauri://drag-leave", null);
    await emit("tauri://drag-drop", { paths: ["/a.csv", "/b.csv"], position });
    expect(events).toEqual([
      { type: "enter", paths: ["/a.csv"] },
      { type: "over" },
      { type: "leave" },
      { type: "drop", paths: ["/a.csv", "/b.csv"] },
    ]);
    stop();
    await emit("tauri://drag-drop", { paths: ["/c.csv"], position });
    expect(events).toHaveLength(4);
  });

  it("registers the four drag events of this webview at once, not one after the other", async () => {
    mockWindows("main");
    const first = deferred<number>();
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "plugin:event|listen") return null;
      const { event, target } = args as { event: string; target: unknown };
      seen.push({ event, target });
      return seen.length === 1 ? first.promise : seen.length;
    });
    const registration = onFilesDropped(() => {});
    // The first listen has not answered yet, and the others are already asked for.
    expect(seen).toEqual(
      ["tauri://drag-enter", "tauri://drag-over", "tauri://drag-drop", "tauri://drag-leave"].map(
        (event) => ({ event, target: { kind: "Webview", label: "main" } }),
      ),
    );
    first.resolve(1);
    await expect(registration).resolves.toEqual(expect.any(Function));
  });

  it("listens to nothing (and does not throw) outside Tauri", async () => {
    const stop = await onFilesDropped(() => {
      throw new Error("no event expected");
    });
    expect(() => stop()).not.toThrow();
  });
});
