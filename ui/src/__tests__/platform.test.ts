import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";

import {
  applyPlan,
  cancelSync,
  chooseCsvSavePath,
  createConnection,
  discardPlan,
  exportMappings,
  exportRecords,
  getSchedule,
  listMappings,
  mapUser,
  retryUser,
  runAutoSync,
  searchAccounts,
  setSchedule,
  unmapUser,
  fetchPlan,
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
import { sendProgress, syncPlan } from "../test/fakeBackend";

describe("platform", () => {
  it("passes camelCase argument keys to the commands", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return cmd === "list_connections" ? [] : { id: "x" };
    });
    const draft = {
      name: "N",
      settings: { kind: "webex" as const, api_url: "https://webexapis.com" },
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
      if (cmd === "plugin:dialog|save") return "/tmp/x.csv";
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
        "plugin:dialog|save",
        { options: { defaultPath: "cc-agents.csv", filters: [{ name: "CSV file", extensions: ["csv"] }] } },
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

  it("passes camelCase arguments to the User Mapping commands", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      if (cmd === "export_mappings") return 4;
      return cmd === "list_mappings" || cmd === "search_accounts" ? [] : {};
    });
    await listMappings("webex");
    await mapUser("ringcentral", 7, "acc-9");
    await unmapUser("ringcentral", 7);
    await retryUser("webex", 8);
    await searchAccounts("ringcentral", "ada", 25);
    await getSchedule("webex");
    await setSchedule("webex", { kind: "daily", time: "06:30" });
    await expect(exportMappings("ringcentral", "/tmp/m.csv")).resolves.toBe(4);
    expect(seen).toEqual([
      ["list_mappings", { platform: "webex" }],
      ["map_user", { platform: "ringcentral", recordId: 7, accountId: "acc-9" }],
      ["unmap_user", { platform: "ringcentral", recordId: 7 }],
      ["retry_user", { platform: "webex", recordId: 8 }],
      ["search_accounts", { platform: "ringcentral", query: "ada", limit: 25 }],
      ["get_schedule", { platform: "webex" }],
      ["set_schedule", { platform: "webex", schedule: { kind: "daily", time: "06:30" } }],
      ["export_mappings", { platform: "ringcentral", path: "/tmp/m.csv" }],
    ]);
  });

  it("runs Auto Sync with a progress channel", async () => {
    mockIPC((cmd, args) => {
      const payload = args as Record<string, unknown>;
      expect(cmd).toBe("run_auto_sync");
      expect(payload.platform).toBe("webex");
      sendProgress(payload.onProgress, { phase: "writing", done: 1, total: 3 });
      return { platform: "webex", run_id: 3, mapped: 1 };
    });
    const events: ProgressEvent[] = [];
    await expect(runAutoSync("webex", (e) => events.push(e))).resolves.toMatchObject({ run_id: 3 });
    expect(events).toEqual([{ phase: "writing", done: 1, total: 3 }]);
  });
});
