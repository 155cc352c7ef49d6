import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";

import {
  createConnection,
  isApiError,
  listConnections,
  testConnection,
  toApiError,
  updateConnection,
} from "../platform";

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
});
