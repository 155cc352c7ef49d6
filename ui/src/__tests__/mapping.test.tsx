// Long on purpose: one scenario per test of the User Mapping screen over the shared fake backend.
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { MappingScreen } from "../mapping/MappingScreen";
import { SCHEDULE_POLL_MS } from "../mapping/SchedulePanel";
import { highlightParts, pointsToConnections } from "../mapping/mapping";
import type { AccountMatch, MappingRow, WebexCredential } from "../platform";
import {
  accountMatch,
  actionResult,
  apiError,
  autoSyncResult,
  businessUnit,
  connection,
  deferred,
  installBackend,
  keyringUnavailableError,
  mapCheck,
  mappingRow,
  noConnectionError,
  permissionGate,
  scheduleInfo,
  secretMissingError,
  sendProgress,
  type Handler,
} from "../test/fakeBackend";

const ROWS: MappingRow[] = [
  mappingRow({
    record_id: 1,
    name: "Ada Lovelace",
    email: "ada@example.com",
    status: "mapped_auto",
    method: "auto",
    account_id: "rc-1",
    account_name: "Ada L.",
    account_email: "ada@rc.example.com",
    detail: "Matched by email",
    attempts: 1,
    updated_at: "2024-05-02T10:00:00Z",
  }),
  mappingRow({
    record_id: 2,
    user_id: "1002",
    name: "Grace Hopper",
    email: "grace@example.com",
    status: "unmapped_multiple",
    detail: "2 candidates: grace@a.example.com, grace@b.example.com",
    attempts: 2,
    updated_at: "2024-05-03T10:00:00Z",
  }),
  mappingRow({ record_id: 3, user_id: "1003", name: "Alan Turing", email: "alan@example.com" }),
  mappingRow({
    record_id: 4,
    user_id: "1004",
    name: "Edsger Dijkstra",
    email: "ed@example.com",
    status: "skipped_no_permission",
    detail: "The token may not read users.",
    attempts: 1,
  }),
  mappingRow({
    record_id: 5,
    user_id: "1005",
    name: "Barbara Liskov",
    email: "barbara@example.com",
    status: "mapped_manual",
    method: "manual",
    account_id: "rc-5",
    account_name: "Barbara Liskov",
    account_email: "barbara@rc.example.com",
    attempts: 0,
    flag: "The account is gone from RingCentral.",
  }),
  mappingRow({
    record_id: 6,
    user_id: "1006",
    name: "Ken Thompson",
    email: "ken@example.com",
    status: "unmapped_no_match",
    attempts: 3,
  }),
];

function setup(handlers: Record<string, Handler> = {}) {
  return installBackend({
    handlers: {
      list_mappings: () => structuredClone(ROWS),
      get_schedule: () => scheduleInfo(),
      get_permission_gate: () => permissionGate(),
      mapping_units: () => [businessUnit()],
      ...handlers,
    },
  });
}

function rowById(id: number): HTMLElement {
  const found = screen
    .getAllByTestId("mapping-row")
    .find((r) => r.getAttribute("data-record-id") === String(id));
  if (!found) throw new Error(`no mapping row ${id}`);
  return found;
}

function visibleIds(): number[] {
  return screen.queryAllByTestId("mapping-row").map((r) => Number(r.getAttribute("data-record-id")));
}

function statusOf(id: number): string {
  return within(rowById(id)).getByTestId("mapping-status").textContent ?? "";
}

async function openMenu(user: ReturnType<typeof userEvent.setup>, id: number) {
  await user.click(within(rowById(id)).getByTestId("row-menu"));
  return screen.getByRole("menu");
}

/** Scores accounts the way a backend would: ranges of the query inside name and email. */
function searchHandler(accounts: AccountMatch[]): Handler {
  return (args) => {
    const query = String(args.query).toLowerCase();
    return accounts
      .map((a) => {
        const n = a.name.toLowerCase().indexOf(query);
        const e = a.email.toLowerCase().indexOf(query);
        return {
          ...a,
          name_highlights: n >= 0 ? [[n, n + query.length]] : [],
          email_highlights: e >= 0 ? [[e, e + query.length]] : [],
        } as AccountMatch;
      })
      .filter((a) => a.name_highlights.length > 0 || a.email_highlights.length > 0);
  };
}

describe("User Mapping: list", () => {
  it("renders every user with readable status, account, flag, attempts and counts", async () => {
    const backend = setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    expect(backend.callsTo("list_mappings")[0].args).toEqual({ linkId: 1 });
    expect(screen.getByTestId("platform-ringcentral")).toHaveAttribute("aria-pressed", "true");
    expect(visibleIds()).toEqual([1, 2, 3, 4, 5, 6]);

    expect(statusOf(1)).toBe("Mapped (auto)");
    expect(statusOf(2)).toBe("Unmapped — multiple matches");
    expect(statusOf(3)).toBe("Not yet attempted");
    expect(statusOf(4)).toBe("Skipped — no permission");
    expect(statusOf(5)).toBe("Mapped (manual)");
    expect(statusOf(6)).toBe("Unmapped — no match");
    expect(rowById(3)).toHaveAttribute("data-status", "none");
    expect(rowById(2)).toHaveAttribute("data-status", "unmapped_multiple");

    const grace = rowById(2);
    expect(within(grace).getByTestId("mapping-status")).toHaveAttribute(
      "title",
      "2 candidates: grace@a.example.com, grace@b.example.com",
    );
    expect(grace).toHaveTextContent("grace@example.com");
    expect(within(grace).getByTestId("mapping-account")).toHaveTextContent("—");
    expect(within(grace).getByTestId("mapping-attempts")).toHaveTextContent("2");
    expect(grace).toHaveTextContent(new Date("2024-05-03T10:00:00Z").toLocaleString());

    expect(within(rowById(1)).getByTestId("mapping-account")).toHaveTextContent(
      "Ada L.ada@rc.example.com",
    );
    expect(within(rowById(5)).getByTestId("mapping-flag")).toHaveAttribute(
      "title",
      "The account is gone from RingCentral.",
    );
    expect(within(rowById(1)).queryByTestId("mapping-flag")).not.toBeInTheDocument();

    const counts = screen.getByTestId("status-counts");
    expect(counts).toHaveTextContent("2 of 6 mapped");
    expect(within(counts).getByTestId("status-count-mapped")).toHaveTextContent(
      "Mapped (auto 1, manual 1)2",
    );
    expect(within(counts).getByTestId("status-count-unmapped_multiple")).toHaveTextContent("1");
    expect(within(counts).getByTestId("status-count-unmapped_no_match")).toHaveTextContent("1");
    expect(within(counts).getByTestId("status-count-unmapped_in_use")).toHaveTextContent("0");
    expect(within(counts).getByTestId("status-count-skipped")).toHaveTextContent("1");
    expect(within(counts).getByTestId("status-count-none")).toHaveTextContent("1");
  });

  it("narrows rows by status group and by search over name, email and account", async () => {
    setup();
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    const filter = screen.getByTestId("mapping-status-filter");
    expect(within(filter).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "All",
      "Mapped",
      "Unmapped",
      "Skipped",
      "Not attempted",
    ]);

    await user.selectOptions(filter, "unmapped");
    expect(visibleIds()).toEqual([2, 6]);
    await user.selectOptions(filter, "mapped");
    expect(visibleIds()).toEqual([1, 5]);
    await user.selectOptions(filter, "skipped");
    expect(visibleIds()).toEqual([4]);
    await user.selectOptions(filter, "none");
    expect(visibleIds()).toEqual([3]);
    expect(screen.getByTestId("mapping-shown")).toHaveTextContent("Showing 1 of 6");

    await user.selectOptions(filter, "all");
    const search = screen.getByTestId("mapping-search");
    await user.type(search, "GRACE@");
    expect(visibleIds()).toEqual([2]);
    await user.clear(search);
    await user.type(search, "ada l.");
    expect(visibleIds()).toEqual([1]);

    await user.selectOptions(filter, "unmapped");
    expect(visibleIds()).toEqual([]);
    expect(screen.getByTestId("mapping-empty-filter")).toHaveTextContent("No users match the filter.");
  });

  it("shows the empty state with a way to Synchronize", async () => {
    setup({ list_mappings: () => [] });
    const onNavigate = vi.fn();
    const user = userEvent.setup();
    render(<MappingScreen onNavigate={onNavigate} />);
    expect(await screen.findByTestId("mapping-empty")).toHaveTextContent(
      "No CXone users yet. Pull them from Synchronize first.",
    );
    expect(screen.getByTestId("run-auto-sync")).toBeDisabled();
    await user.click(screen.getByTestId("go-to-synchronize"));
    expect(onNavigate).toHaveBeenCalledWith("synchronize");
  });

  it("shows a missing-connection error with a button to Connections", async () => {
    const error = noConnectionError("ringcentral");
    const message = error.message;
    setup({
      list_mappings: () => {
        throw error;
      },
    });
    const onNavigate = vi.fn();
    const user = userEvent.setup();
    render(<MappingScreen onNavigate={onNavigate} />);
    const panel = await screen.findByTestId("mapping-error");
    expect(within(panel).getByRole("alert")).toHaveTextContent(message);
    await user.click(within(panel).getByTestId("go-to-connections"));
    expect(onNavigate).toHaveBeenCalledWith("connections");
  });

  it("reloads everything for the other platform", async () => {
    const backend = setup({
      list_mappings: (args) =>
        args.linkId === 2
          ? [mappingRow({ record_id: 9, name: "Webex Person", status: "unmapped_in_use" })]
          : structuredClone(ROWS),
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("platform-webex"));
    await waitFor(() => expect(visibleIds()).toEqual([9]));
    expect(statusOf(9)).toBe("Unmapped — account in use");
    expect(screen.getByTestId("platform-webex")).toHaveAttribute("aria-pressed", "true");
    expect(backend.callsTo("list_mappings").map((c) => c.args.linkId)).toEqual([1, 2]);
    expect(backend.callsTo("get_schedule").map((c) => c.args.linkId)).toEqual([1, 2]);
  });

  it("exports to the chosen path with a per-platform default name", async () => {
    const backend = setup({
      "choose_save_path": () => "/home/admin/mappings.csv",
      export_mappings: () => 6,
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("export-mappings"));
    expect(await screen.findByTestId("export-mappings-result")).toHaveTextContent(
      "Exported 6 rows to /home/admin/mappings.csv",
    );
    expect(backend.callsTo("choose_save_path")[0].args).toMatchObject({ defaultName: "mappings-ringcentral.csv" });
    expect(backend.callsTo("export_mappings")[0].args).toEqual({
      linkId: 1,
      path: "/home/admin/mappings.csv",
    });
  });
});

describe("User Mapping: import", () => {
  const PATH = "/home/admin/mappings.csv";

  it("shows the dry run counts and invalid rows, and refuses to import", async () => {
    const backend = setup({
      "choose_open_csv": () => PATH,
      plan_mapping_import: () => ({
        map: 1,
        unchanged: 1,
        invalid: 2,
        rows: [
          { line: 2, user: "ada@example.com", account: "rc-1", action: "unchanged", message: "Already mapped" },
          { line: 3, user: "alan@example.com", account: "rc-3", action: "map", message: "Maps to rc-3" },
          { line: 4, user: "nobody@example.com", account: "rc-9", action: "invalid", message: "No CXone user with this email." },
          { line: 5, user: "ken@example.com", account: "", action: "invalid", message: "The account column is empty." },
        ],
      }),
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("import-mappings"));

    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveAttribute("aria-labelledby");
    expect(within(dialog).getByTestId("import-dialog")).toBeInTheDocument();
    expect(within(dialog).getByRole("heading")).toHaveTextContent("Import mappings — dry run");
    expect(await within(dialog).findByTestId("import-summary")).toHaveTextContent(
      "1 to map · 1 unchanged · 2 invalid",
    );
    const rows = within(dialog).getAllByTestId("import-row");
    expect(rows.map((r) => r.getAttribute("data-action"))).toEqual(["map", "invalid", "invalid"]);
    expect(rows[1]).toHaveTextContent("No CXone user with this email.");
    expect(rows[2]).toHaveTextContent("The account column is empty.");
    expect(within(dialog).getByTestId("commit-import")).toBeDisabled();
    expect(dialog).toHaveTextContent(
      "Fix the invalid rows in the file and choose it again — nothing is imported while any row is invalid.",
    );
    expect(backend.callsTo("choose_open_csv")[0].args).toMatchObject({});
    expect(backend.callsTo("plan_mapping_import")[0].args).toEqual({
      linkId: 1,
      path: PATH,
    });

    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(backend.callsTo("commit_mapping_import")).toHaveLength(0);
  });

  it("imports a clean file, reports the count and reloads the list", async () => {
    let listed = 0;
    const backend = setup({
      list_mappings: () => {
        listed += 1;
        const rows = structuredClone(ROWS);
        if (listed > 1) {
          rows[2] = { ...rows[2], status: "mapped_manual", method: "manual", account_id: "rc-3" };
        }
        return rows;
      },
      "choose_open_csv": () => PATH,
      plan_mapping_import: () => ({
        map: 1,
        unchanged: 0,
        invalid: 0,
        rows: [
          { line: 2, user: "alan@example.com", account: "rc-3", action: "map", message: "Maps to rc-3" },
        ],
      }),
      commit_mapping_import: () => 1,
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    expect(statusOf(3)).toBe("Not yet attempted");
    await user.click(screen.getByTestId("import-mappings"));

    const dialog = await screen.findByRole("dialog");
    const commit = within(dialog).getByTestId("commit-import");
    await waitFor(() => expect(commit).toBeEnabled());
    expect(within(dialog).queryByTestId("import-blocked")).not.toBeInTheDocument();
    await user.click(commit);

    const done = await screen.findByTestId("import-mappings-result");
    expect(done).toHaveAttribute("role", "status");
    expect(done).toHaveTextContent("Imported 1 mapping.");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(backend.callsTo("commit_mapping_import")[0].args).toEqual({
      linkId: 1,
      path: PATH,
    });
    await waitFor(() => expect(statusOf(3)).toBe("Mapped (manual)"));
    expect(backend.callsTo("list_mappings")).toHaveLength(2);
  });

  it("shows an import error inside the dialog", async () => {
    setup({
      "choose_open_csv": () => PATH,
      plan_mapping_import: () => {
        throw apiError("invalid_input", "The file has no header row.");
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("import-mappings"));
    const dialog = await screen.findByRole("dialog");
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "The file has no header row.",
    );
    expect(within(dialog).getByTestId("commit-import")).toBeDisabled();
  });

  it("does nothing when the file dialog is cancelled", async () => {
    const backend = setup({ "choose_open_csv": () => null });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("import-mappings"));
    await waitFor(() => expect(backend.callsTo("choose_open_csv")).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId("import-mappings")).toBeEnabled());
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(backend.callsTo("plan_mapping_import")).toHaveLength(0);
    expect(backend.callsTo("commit_mapping_import")).toHaveLength(0);
    expect(screen.queryByTestId("import-mappings-result")).not.toBeInTheDocument();
  });
});

describe("User Mapping: Auto Sync", () => {
  it("shows progress, then the result counts, and reloads the list", async () => {
    const pending = deferred<unknown>();
    let listed = 0;
    const backend = setup({
      list_mappings: () => {
        listed += 1;
        const rows = structuredClone(ROWS);
        if (listed > 1) {
          rows[2] = { ...rows[2], status: "mapped_auto", method: "auto", account_id: "rc-3" };
        }
        return rows;
      },
      run_auto_sync: (args) => {
        sendProgress(args.onProgress, { phase: "authenticating", done: 0, total: null });
        return pending.promise;
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    expect(statusOf(3)).toBe("Not yet attempted");

    await user.click(screen.getByTestId("run-auto-sync"));
    const bar = await screen.findByRole("progressbar", { name: "Auto Sync with RingCentral" });
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuetext", "Signing in to RingCentral…"));
    expect(screen.getByTestId("run-auto-sync")).toBeDisabled();
    expect(screen.getByTestId("platform-webex")).toBeDisabled();
    const call = backend.callsTo("run_auto_sync")[0];
    expect(call.args.linkId).toBe(1);
    expect(JSON.stringify(call.args.onProgress)).toMatch(/^"__CHANNEL__:\d+"$/);
    act(() => sendProgress(call.args.onProgress, { phase: "writing", done: 2, total: 6 }));
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "2");
    expect(screen.getByTestId("auto-sync-progress")).toHaveTextContent("Mapping 2 of 6 users…");

    pending.resolve(
      autoSyncResult({
        mapped: 3,
        manual_kept: 1,
        unmapped_no_match: 1,
        unmapped_multiple: 1,
        skipped_no_permission: 1,
      }),
    );
    const line = await screen.findByTestId("auto-sync-result");
    expect(line).toHaveAttribute("role", "status");
    expect(line).toHaveTextContent(
      "Mapped 3 · Manual kept 1 · No match 1 · Multiple matches 1 · Account in use 0 · Only inactive 0 · Skipped (no permission) 1",
    );
    await waitFor(() => expect(statusOf(3)).toBe("Mapped (auto)"));
    expect(backend.callsTo("list_mappings")).toHaveLength(2);
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    // "Last run" is fetched again after the run.
    await waitFor(() => expect(backend.callsTo("get_schedule")).toHaveLength(2));
  });

  it("cancels a running Auto Sync, and only Auto Sync", async () => {
    const pending = deferred<unknown>();
    const backend = setup({
      run_auto_sync: () => pending.promise,
      cancel_auto_sync: () => {
        pending.reject(apiError("cancelled", "The sync was cancelled."));
        return null;
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("run-auto-sync"));
    await user.click(await screen.findByTestId("cancel-auto-sync"));
    expect(await screen.findByTestId("auto-sync-cancelled")).toHaveAttribute("role", "status");
    expect(backend.callsTo("cancel_auto_sync").map((c) => c.args.linkId)).toEqual([1]);
    // A Synchronize fetch or apply in progress is not touched.
    expect(backend.callsTo("cancel_sync")).toHaveLength(0);
    expect(screen.queryByTestId("auto-sync-result")).not.toBeInTheDocument();
    expect(screen.getByTestId("run-auto-sync")).toBeEnabled();
  });

  it("shows a no-connection error from Auto Sync with a button to Connections", async () => {
    const error = noConnectionError("ringcentral");
    const message = error.message;
    setup({
      run_auto_sync: () => {
        throw error;
      },
    });
    const onNavigate = vi.fn();
    const user = userEvent.setup();
    render(<MappingScreen onNavigate={onNavigate} />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("run-auto-sync"));
    const panel = await screen.findByTestId("auto-sync-error");
    expect(within(panel).getByRole("alert")).toHaveTextContent(message);
    await user.click(within(panel).getByTestId("go-to-connections"));
    expect(onNavigate).toHaveBeenCalledWith("connections");
  });

  it("decides on Go to Connections by the error code, never by the message", async () => {
    // A sentence that names Connections does not make the button appear: only the code does.
    setup({
      run_auto_sync: () => {
        throw apiError("unexpected_response", "Check the Connections screen, then try again.");
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen onNavigate={vi.fn()} />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("run-auto-sync"));
    const panel = await screen.findByTestId("auto-sync-error");
    expect(within(panel).getByRole("alert")).toHaveTextContent(
      "Auto Sync failed: Check the Connections screen, then try again.",
    );
    expect(within(panel).queryByTestId("go-to-connections")).not.toBeInTheDocument();
  });

  it("points to Connections for a missing connection, a missing secret or rejected credentials only", () => {
    expect(pointsToConnections(noConnectionError("ringcentral"))).toBe(true);
    expect(pointsToConnections(noConnectionError("cxone"))).toBe(true);
    expect(pointsToConnections(secretMissingError("RingCentral", "jwt_credential"))).toBe(true);
    expect(
      pointsToConnections(
        apiError(
          "auth_failed",
          "RingCentral rejected the JWT credential: it may be revoked, expired, or made for another app. Create a new JWT credential and paste it under Connections.",
        ),
      ),
    ).toBe(true);
    // The keyring is fixed in the operating system, not on the Connections screen.
    expect(pointsToConnections(keyringUnavailableError())).toBe(false);
    expect(pointsToConnections(apiError("not_found", "Add one under Connections."))).toBe(false);
    expect(pointsToConnections(apiError("rate_limited", "RingCentral is rate limiting requests."))).toBe(false);
    // A code from a newer backend (accepted by isApiError) is not a reason to send anyone away,
    // and neither is a name Object.prototype happens to have.
    expect(pointsToConnections({ code: "some_new_code", message: "Connections" } as never)).toBe(false);
    expect(pointsToConnections({ code: "toString", message: "x" } as never)).toBe(false);
  });
});

describe("User Mapping: row actions", () => {
  it("offers Unmap only for mapped users and Retry only for unmapped or skipped ones", async () => {
    setup();
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");

    const trigger = within(rowById(1)).getByTestId("row-menu");
    expect(trigger).toHaveAttribute("aria-haspopup", "menu");
    let menu = await openMenu(user, 1);
    expect(trigger).toHaveAttribute("aria-expanded", "true");
    expect(within(menu).getAllByRole("menuitem").map((m) => m.getAttribute("data-testid"))).toEqual([
      "menu-map-user",
      "menu-unmap",
    ]);
    expect(within(menu).getByTestId("menu-map-user")).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(within(menu).getByTestId("menu-unmap")).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();
    expect(trigger).toHaveFocus();

    menu = await openMenu(user, 2);
    expect(within(menu).queryByTestId("menu-unmap")).not.toBeInTheDocument();
    expect(within(menu).getByTestId("menu-retry")).toBeInTheDocument();
    // A click outside closes it.
    fireEvent.mouseDown(document.body);
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();

    menu = await openMenu(user, 4);
    expect(within(menu).getByTestId("menu-retry")).toBeInTheDocument();
    await user.keyboard("{Escape}");

    menu = await openMenu(user, 3);
    expect(within(menu).getAllByRole("menuitem")).toHaveLength(1);
  });

  it("Unmap updates the row in place", async () => {
    const backend = setup({
      unmap_user: (args) =>
        actionResult(
          [
            mappingRow({
              ...ROWS[0],
              status: "unmapped_by_admin",
              method: null,
              account_id: null,
              account_name: null,
              account_email: null,
              detail: "Unmapped by an administrator.",
              record_id: args.recordId as number,
            }),
          ],
          "Unmapped Ada Lovelace from ada@rc.example.com (RingCentral).",
        ),
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 1)).getByTestId("menu-unmap"));
    await user.click(within(screen.getByRole("alertdialog")).getByTestId("confirm-ok"));
    await waitFor(() => expect(statusOf(1)).toBe("Unmapped (by administrator)"));
    expect(backend.callsTo("unmap_user")[0].args).toEqual({ linkId: 1, recordId: 1 });
    expect(within(rowById(1)).getByTestId("mapping-account")).toHaveTextContent("—");
    expect(backend.callsTo("list_mappings")).toHaveLength(1);
    expect(screen.getByTestId("status-counts")).toHaveTextContent("1 of 6 mapped");
  });

  it("Retry calls retry_user and shows the new status; a failure is shown", async () => {
    let fail = false;
    const backend = setup({
      retry_user: (args) => {
        if (fail) throw apiError("rate_limited", "RingCentral is rate limiting requests.");
        return actionResult(
          [mappingRow({ ...ROWS[1], status: "mapped_auto", attempts: 3, record_id: args.recordId as number })],
          "Grace Hopper will be tried again on the next RingCentral Auto Sync.",
        );
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 2)).getByTestId("menu-retry"));
    await waitFor(() => expect(statusOf(2)).toBe("Mapped (auto)"));
    expect(backend.callsTo("retry_user")[0].args).toEqual({ linkId: 1, recordId: 2 });
    expect(within(rowById(2)).getByTestId("mapping-attempts")).toHaveTextContent("3");

    fail = true;
    await user.click(within(await openMenu(user, 6)).getByTestId("menu-retry"));
    expect(await screen.findByTestId("row-action-error")).toHaveTextContent(
      "Ken Thompson: RingCentral is rate limiting requests.",
    );
    expect(statusOf(6)).toBe("Unmapped — no match");
  });
});

describe("User Mapping: Map User dialog", () => {
  const ACCOUNTS = [
    accountMatch({ account_id: "rc-20", name: "Grace Hopper", email: "grace@a.example.com" }),
    accountMatch({
      account_id: "rc-21",
      name: "Grace B. Hopper",
      email: "grace@b.example.com",
      active: false,
    }),
    accountMatch({
      account_id: "rc-22",
      name: "Grace Kelly",
      email: "gkelly@example.com",
      mapped_to: "Kelly Agent",
    }),
  ];

  it("searches on each keystroke, highlights matches, picks by keyboard and maps", async () => {
    const backend = setup({
      search_accounts: searchHandler(ACCOUNTS),
      check_map_user: (args) => mapCheck({ user_name: "Grace Hopper", account_id: args.accountId as string }),
      map_user: (args) =>
        actionResult(
          [
            mappingRow({
              ...ROWS[1],
              status: "mapped_manual",
              method: "manual",
              account_id: args.accountId as string,
              account_name: "Grace B. Hopper",
              account_email: "grace@b.example.com",
              detail: "",
            }),
          ],
          "Mapped Grace Hopper to grace@b.example.com (RingCentral).",
        ),
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 2)).getByTestId("menu-map-user"));

    const dialog = screen.getByRole("dialog");
    expect(dialog).toContainElement(screen.getByTestId("map-user-dialog"));
    expect(within(dialog).getByRole("heading")).toHaveTextContent(
      "Map Grace Hopper to a RingCentral account",
    );
    const input = within(dialog).getByTestId("account-search");
    expect(input).toHaveFocus();
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();

    await user.type(input, "grace");
    expect(backend.callsTo("search_accounts").map((c) => c.args.query)).toEqual([
      "g",
      "gr",
      "gra",
      "grac",
      "grace",
    ]);
    expect(backend.callsTo("search_accounts")[0].args).toMatchObject({
      linkId: 1,
      limit: expect.any(Number),
      forUser: 2,
    });
    await waitFor(() => expect(within(dialog).getAllByTestId("account-option")).toHaveLength(3));
    const options = within(dialog).getAllByTestId("account-option");
    expect(options.map((o) => o.getAttribute("data-account-id"))).toEqual(["rc-20", "rc-21", "rc-22"]);
    const marks = Array.from(options[0].querySelectorAll("mark")).map((m) => m.textContent);
    expect(marks).toEqual(["Grace", "grace"]);
    expect(options[0]).toHaveTextContent("Grace Hopper");
    expect(options[0]).toHaveTextContent("grace@a.example.com");
    expect(within(options[1]).getByTestId("account-inactive")).toHaveTextContent("inactive");
    expect(within(options[2]).getByTestId("account-mapped-to")).toHaveTextContent("mapped to Kelly Agent");
    expect(within(options[0]).queryByTestId("account-inactive")).not.toBeInTheDocument();

    expect(within(dialog).getByTestId("confirm-map")).toBeDisabled();
    await user.keyboard("{ArrowDown}{ArrowDown}{ArrowUp}{Enter}");
    expect(options[1]).toHaveAttribute("aria-selected", "true");
    expect(options[0]).toHaveAttribute("aria-selected", "false");
    expect(input).toHaveAttribute("aria-activedescendant", options[1].id);

    await within(dialog).findByTestId("map-guard");
    await user.click(within(dialog).getByTestId("confirm-map"));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(backend.callsTo("map_user")[0].args).toEqual({
      linkId: 1,
      recordId: 2,
      accountId: "rc-21",
      confirmed: false,
    });
    expect(statusOf(2)).toBe("Mapped (manual)");
    expect(within(rowById(2)).getByTestId("mapping-account")).toHaveTextContent("Grace B. Hopper");
  });

  it("picks by click and shows a map error inside the dialog", async () => {
    setup({
      search_accounts: searchHandler(ACCOUNTS),
      check_map_user: () => mapCheck(),
      map_user: () => {
        throw apiError("not_found", "That account is not in the last list from the platform.");
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 2)).getByTestId("menu-map-user"));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByTestId("account-search"), "kelly");
    const option = await within(dialog).findByTestId("account-option");
    await user.click(option);
    await within(dialog).findByTestId("map-guard");
    await user.click(within(dialog).getByTestId("confirm-map"));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "That account is not in the last list from the platform.",
    );
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    expect(statusOf(2)).toBe("Unmapped — multiple matches");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(within(rowById(2)).getByTestId("row-menu")).toHaveFocus();
  });

  it("ignores search answers that arrive after a newer one", async () => {
    const answers = new Map<string, ReturnType<typeof deferred<AccountMatch[]>>>();
    setup({
      search_accounts: (args) => {
        const d = deferred<AccountMatch[]>();
        answers.set(String(args.query), d);
        return d.promise;
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 3)).getByTestId("menu-map-user"));
    const dialog = screen.getByRole("dialog");
    await user.type(within(dialog).getByTestId("account-search"), "al");
    expect([...answers.keys()]).toEqual(["a", "al"]);

    await act(async () => {
      answers.get("al")!.resolve([accountMatch({ account_id: "new", name: "Alan Turing" })]);
    });
    await waitFor(() =>
      expect(within(dialog).getByTestId("account-option")).toHaveAttribute("data-account-id", "new"),
    );
    await act(async () => {
      answers.get("a")!.resolve([
        accountMatch({ account_id: "old-1", name: "Ada" }),
        accountMatch({ account_id: "old-2", name: "Anna" }),
      ]);
    });
    const options = within(dialog).getAllByTestId("account-option");
    expect(options.map((o) => o.getAttribute("data-account-id"))).toEqual(["new"]);
  });

  it("highlights by characters, not UTF-16 units", () => {
    expect(highlightParts("😀 Ada", [[2, 5]])).toEqual([
      { text: "😀 ", match: false },
      { text: "Ada", match: true },
    ]);
    expect(highlightParts("José 🎉 García", [[0, 1], [7, 9], [20, 30]])).toEqual([
      { text: "J", match: true },
      { text: "osé 🎉 ", match: false },
      { text: "Ga", match: true },
      { text: "rcía", match: false },
    ]);
  });

  it("renders highlights after an emoji in the right place", async () => {
    setup({
      search_accounts: () => [
        accountMatch({ account_id: "e1", name: "🎧 Ada Agent", name_highlights: [[2, 5]], email: "" }),
      ],
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 3)).getByTestId("menu-map-user"));
    await user.type(screen.getByTestId("account-search"), "ada");
    const option = await screen.findByTestId("account-option");
    expect(Array.from(option.querySelectorAll("mark")).map((m) => m.textContent)).toEqual(["Ada"]);
  });
});

describe("User Mapping: schedule", () => {
  it("saves every N minutes and shows the next run", async () => {
    const next = "2024-06-01T12:15:00Z";
    const last = "2024-06-01T12:00:00Z";
    const backend = setup({
      get_schedule: () => scheduleInfo({ last_run: last }),
      set_schedule: (args) => scheduleInfo({ schedule: args.schedule as never, last_run: last, next_run: next }),
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    const panel = await screen.findByTestId("schedule-panel");
    await waitFor(() =>
      expect(within(panel).getByTestId("schedule-next")).toHaveTextContent(
        `Last run: ${new Date(last).toLocaleString()} · Next run: —`,
      ),
    );
    expect(within(panel).getByTestId("schedule-kind")).toHaveValue("off");
    expect(within(panel).queryByTestId("schedule-minutes")).not.toBeInTheDocument();

    await user.selectOptions(within(panel).getByTestId("schedule-kind"), "every_minutes");
    const minutes = within(panel).getByTestId("schedule-minutes");
    await user.clear(minutes);
    await user.type(minutes, "15");
    await user.click(within(panel).getByTestId("save-schedule"));
    await waitFor(() =>
      expect(within(panel).getByTestId("schedule-next")).toHaveTextContent(
        `Next run: ${new Date(next).toLocaleString()}`,
      ),
    );
    expect(backend.callsTo("set_schedule")[0].args).toEqual({
      linkId: 1,
      schedule: { kind: "every_minutes", minutes: 15 },
    });
  });

  it("shows that the last scheduled run failed, with the sentence, and looks again later", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const last = "2024-06-01T12:00:00Z";
      const sentence =
        "Webex no longer accepts this connection's Service App refresh token (it expired or the authorization was revoked). Authorize the Service App again in Control Hub and paste the new refresh token under Connections.";
      let failing = true;
      setup({
        get_schedule: () =>
          scheduleInfo({
            schedule: { kind: "hourly" },
            last_run: last,
            last_error: failing ? sentence : null,
          }),
      });
      render(<MappingScreen />);
      const panel = await screen.findByTestId("schedule-panel");
      const error = await within(panel).findByTestId("schedule-last-error");
      expect(error).toHaveAttribute("role", "alert");
      expect(error).toHaveTextContent(`The last scheduled Auto Sync (${new Date(last).toLocaleString()}) failed`);
      expect(error).toHaveTextContent(sentence);
      expect(error).toHaveTextContent("History");

      // The next scheduled run succeeded in the background: the next look clears it.
      failing = false;
      await act(async () => {
        vi.advanceTimersByTime(SCHEDULE_POLL_MS + 10);
      });
      await waitFor(() =>
        expect(within(panel).queryByTestId("schedule-last-error")).not.toBeInTheDocument(),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("warns on the Webex schedule when the Webex connection is a pasted token that lasts 12 hours", async () => {
    const webex = (name: string, credential: WebexCredential) =>
      connection({
        id: name,
        name,
        settings: { kind: "webex", api_url: "https://webexapis.com", credential },
      });
    // Two Webex connections; the unit's Webex runs use "Pasted", so only its credential is told.
    const unit = (webexConnection: string) => {
      const found = businessUnit();
      found.links[1] = { ...found.links[1], external_connection_id: webexConnection, external_connection_name: webexConnection };
      return found;
    };
    let linked = "Pasted";
    setup({
      list_connections: () => [
        connection(),
        webex("Pasted", { method: "personal_token" }),
        webex("Unattended", { method: "service_app", client_id: "C" }),
      ],
      mapping_units: () => [unit(linked)],
      link_business_unit: (args) => {
        linked = args.externalConnectionId as string;
        return unit(linked).links[1];
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    const panel = await screen.findByTestId("schedule-panel");
    expect(within(panel).queryByTestId("schedule-webex-credential")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("platform-webex"));
    const notes = await screen.findAllByTestId("schedule-webex-credential");
    expect(notes.map((n) => n.getAttribute("data-pasted"))).toEqual(["true"]);
    expect(notes[0]).toHaveTextContent("“Pasted” uses a personal access token, which lasts 12 hours");
    expect(notes[0]).toHaveTextContent("Service App or an Integration sign-in");

    // Linked to the other Webex connection: its credential is the one told.
    await user.click(screen.getByTestId("link-change"));
    await user.selectOptions(screen.getByTestId("link-connection"), "Unattended");
    await user.click(screen.getByTestId("link-save"));
    await waitFor(() =>
      expect(screen.getByTestId("schedule-webex-credential")).toHaveTextContent(
        "“Unattended”: Service App, renewed automatically.",
      ),
    );
    expect(screen.getAllByTestId("schedule-webex-credential")).toHaveLength(1);
  });

  it("refuses fewer than 5 minutes without calling the backend", async () => {
    const backend = setup({ set_schedule: () => scheduleInfo() });
    const user = userEvent.setup();
    render(<MappingScreen />);
    const panel = await screen.findByTestId("schedule-panel");
    await waitFor(() => expect(within(panel).getByTestId("save-schedule")).toBeEnabled());
    await user.selectOptions(within(panel).getByTestId("schedule-kind"), "every_minutes");
    const minutes = within(panel).getByTestId("schedule-minutes");
    await user.clear(minutes);
    await user.type(minutes, "4");
    await user.click(within(panel).getByTestId("save-schedule"));
    expect(within(panel).getByRole("alert")).toHaveTextContent("at least 5");
    expect(minutes).toHaveAttribute("aria-invalid", "true");
    expect(backend.callsTo("set_schedule")).toHaveLength(0);
  });

  it("saves a daily time and hourly", async () => {
    const backend = setup({
      get_schedule: () => scheduleInfo({ schedule: { kind: "daily", time: "07:30" } }),
      set_schedule: (args) => scheduleInfo({ schedule: args.schedule as never }),
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    const panel = await screen.findByTestId("schedule-panel");
    const time = await within(panel).findByTestId("schedule-time");
    expect(time).toHaveValue("07:30");
    fireEvent.change(time, { target: { value: "18:45" } });
    await user.click(within(panel).getByTestId("save-schedule"));
    await waitFor(() => expect(backend.callsTo("set_schedule")).toHaveLength(1));
    expect(backend.callsTo("set_schedule")[0].args).toEqual({
      linkId: 1,
      schedule: { kind: "daily", time: "18:45" },
    });

    await user.selectOptions(within(panel).getByTestId("schedule-kind"), "hourly");
    await user.click(within(panel).getByTestId("save-schedule"));
    await waitFor(() => expect(backend.callsTo("set_schedule")).toHaveLength(2));
    expect(backend.callsTo("set_schedule")[1].args).toEqual({
      linkId: 1,
      schedule: { kind: "hourly" },
    });
  });
});
