import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { ToastProvider } from "../components/Toasts";
import { SynchronizeScreen } from "../sync/SynchronizeScreen";
import type { Entity, PlanRow } from "../platform";
import {
  apiError,
  connection,
  deferred,
  installBackend,
  planRow,
  sendProgress,
  syncPlan,
} from "../test/fakeBackend";

const ROWS: PlanRow[] = [
  planRow({ id: "1001", name: "Ada Lovelace", detail: "ada@example.com", status: "new" }),
  planRow({
    id: "1002",
    name: "Grace Hopper",
    detail: "grace@example.com",
    status: "changed",
    changes: [
      { field: "email", old: "grace@old.example.com", new: "grace@example.com" },
      { field: "team", old: null, new: "Blue" },
    ],
  }),
  planRow({
    id: "1003",
    name: "Alan Turing",
    detail: "alan@example.com",
    status: "unchanged",
    is_active: false,
  }),
  planRow({ id: "1004", name: "Edsger Dijkstra", detail: "ed@example.com", status: "missing_upstream" }),
  planRow({ id: "1005", name: "Barbara Liskov", detail: "barbara@example.com", status: "new" }),
];

const CX = connection();
const CX2 = connection({ id: "c2", name: "Second CXone" });
const WX = connection({ id: "c3", name: "Webex org", settings: { kind: "webex", api_url: "https://webexapis.com", credential: { method: "personal_token" } } });

function rowById(id: string): HTMLElement {
  const found = screen.getAllByTestId("plan-row").find((r) => r.getAttribute("data-id") === id);
  if (!found) throw new Error(`no plan row ${id}`);
  return found;
}

function visibleIds(): string[] {
  return screen.queryAllByTestId("plan-row").map((r) => r.getAttribute("data-id") ?? "");
}

async function fetchUsers(user: ReturnType<typeof userEvent.setup>) {
  const button = await screen.findByTestId("entity-users");
  await waitFor(() => expect(button).toBeEnabled());
  await user.click(button);
  await screen.findByTestId("plan");
}

describe("Synchronize: fetching", () => {
  it("offers only CXone connections, preselects the first and sends the fetch options", async () => {
    const backend = installBackend({
      connections: [WX, CX, CX2],
      handlers: { fetch_plan: () => syncPlan(ROWS) },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    const select = await screen.findByTestId("sync-connection");
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Production CXone",
      "Second CXone",
    ]);
    expect(select).toHaveValue("c1");
    expect(screen.getByTestId("sync-full")).toBeChecked();

    await user.selectOptions(select, "c2");
    await user.click(screen.getByTestId("sync-full"));
    await user.click(screen.getByTestId("entity-campaigns"));
    await screen.findByTestId("plan");
    const args = backend.callsTo("fetch_plan")[0].args;
    expect(args).toMatchObject({ connectionId: "c2", entity: "campaigns", full: false });
    // The progress channel is a real Tauri Channel (serialised as __CHANNEL__:<id>).
    expect(JSON.stringify(args.onProgress)).toMatch(/^"__CHANNEL__:\d+"$/);
  });

  it("points to Connections when there is no CXone connection", async () => {
    installBackend({ connections: [WX] });
    render(<SynchronizeScreen />);
    expect(await screen.findByTestId("sync-no-connections")).toHaveTextContent(
      /Add a CXone connection on the Connections screen/,
    );
    expect(screen.queryByTestId("entity-users")).not.toBeInTheDocument();
  });

  it("renders the plan: summary, notes, rows with status badges, inactive and missing rows", async () => {
    installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => {
          const plan = syncPlan(ROWS);
          plan.summary.notes = ["CXone returned 2 users without an email; they are listed by ID."];
          return plan;
        },
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await fetchUsers(user);

    expect(screen.getByTestId("plan-summary")).toHaveTextContent(
      "Fetched 4 · New 2 · Changed 1 · Unchanged 1 · Missing upstream 1",
    );
    expect(screen.getByTestId("plan-note")).toHaveTextContent("without an email");
    expect(visibleIds()).toEqual(["1001", "1002", "1003", "1004", "1005"]);

    const ada = rowById("1001");
    expect(ada).toHaveTextContent("Ada Lovelace");
    expect(ada).toHaveTextContent("ada@example.com");
    expect(ada).toHaveTextContent("1001");
    expect(within(ada).getByTestId("plan-status")).toHaveTextContent("New");

    const grace = within(rowById("1002")).getByTestId("plan-status");
    expect(grace).toHaveTextContent("Changed");
    expect(grace).toHaveAttribute(
      "title",
      "email: grace@old.example.com → grace@example.com\nteam: — → Blue",
    );

    expect(within(rowById("1003")).getByTestId("plan-status")).toHaveTextContent("Unchanged");
    expect(within(rowById("1003")).getByTestId("inactive-badge")).toBeInTheDocument();
    expect(within(rowById("1001")).queryByTestId("inactive-badge")).not.toBeInTheDocument();

    const missing = rowById("1004");
    expect(within(missing).getByTestId("plan-status")).toHaveTextContent("Missing upstream");
    expect(within(missing).getByTestId("plan-row-checkbox")).toBeDisabled();
  });

  it("shows progress from the channel and a Cancel that reports nothing was written", async () => {
    const pending = deferred<unknown>();
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: (args) => {
          sendProgress(args.onProgress, { phase: "authenticating", done: 0, total: null });
          return pending.promise;
        },
        cancel_sync: () => {
          pending.reject(apiError("cancelled", "The sync was cancelled."));
          return null;
        },
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await user.click(await screen.findByTestId("entity-users"));

    const bar = await screen.findByRole("progressbar", { name: "Fetching users" });
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuetext", "Signing in…"));
    expect(bar).not.toHaveAttribute("aria-valuenow");
    expect(screen.getByTestId("entity-users")).toBeDisabled();

    const channel = backend.callsTo("fetch_plan")[0].args.onProgress;
    act(() => sendProgress(channel, { phase: "fetching", done: 3000, total: 10000 }));
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "3000");
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuemax", "10000");
    expect(screen.getByRole("progressbar")).toHaveAttribute(
      "aria-valuetext",
      `Fetching ${(3000).toLocaleString()} of ${(10000).toLocaleString()} users…`,
    );
    expect(screen.getByTestId("sync-progress")).toHaveTextContent(
      `Fetching ${(3000).toLocaleString()} of ${(10000).toLocaleString()} users…`,
    );
    act(() => sendProgress(channel, { phase: "planning", done: 0, total: null }));
    expect(screen.getByTestId("sync-progress")).toHaveTextContent("Comparing…");

    await user.click(screen.getByTestId("cancel-sync"));
    const note = await screen.findByTestId("sync-cancelled");
    expect(note).toHaveTextContent("Cancelled — nothing was written.");
    expect(note).toHaveAttribute("role", "status");
    expect(backend.callsTo("cancel_sync")).toHaveLength(1);
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(screen.queryByTestId("sync-error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("plan")).not.toBeInTheDocument();
    expect(screen.getByTestId("entity-users")).toBeEnabled();
  });

  it("shows the error and an Open log folder button instead of a list", async () => {
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => {
          throw apiError("rate_limited", "CXone is rate limiting requests. Try again in a minute.");
        },
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await user.click(await screen.findByTestId("entity-dispositions"));
    const panel = await screen.findByTestId("sync-error");
    expect(panel).toHaveAttribute("role", "alert");
    expect(panel).toHaveTextContent("Could not fetch dispositions");
    expect(panel).toHaveTextContent("CXone is rate limiting requests. Try again in a minute.");
    expect(screen.queryByTestId("plan")).not.toBeInTheDocument();
    expect(screen.queryAllByTestId("plan-row")).toHaveLength(0);

    await user.click(within(panel).getByRole("button", { name: "Open log folder" }));
    expect(backend.callsTo("open_log_folder")).toHaveLength(1);
  });

  it("discards the previous plan when a new fetch starts and when leaving the screen", async () => {
    let n = 0;
    const backend = installBackend({
      connections: [CX],
      handlers: { fetch_plan: () => syncPlan(ROWS, { plan_id: `plan-${++n}` }) },
    });
    const user = userEvent.setup();
    const { unmount } = render(<SynchronizeScreen />);
    await fetchUsers(user);
    expect(backend.callsTo("discard_plan")).toHaveLength(0);
    await user.click(screen.getByTestId("entity-campaigns"));
    await waitFor(() => expect(backend.callsTo("fetch_plan")).toHaveLength(2));
    expect(backend.callsTo("discard_plan")[0].args).toEqual({ planId: "plan-1" });
    await screen.findByTestId("plan");
    unmount();
    expect(backend.callsTo("discard_plan").map((c) => c.args)).toEqual([
      { planId: "plan-1" },
      { planId: "plan-2" },
    ]);
  });
});

describe("Synchronize: empty plans", () => {
  it("says nothing changed for an empty incremental pull, with Add Selected disabled", async () => {
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: (args) => {
          const plan = syncPlan([], { entity: args.entity as Entity });
          plan.summary.incremental = true;
          return plan;
        },
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await screen.findByTestId("sync-full");
    await user.click(screen.getByTestId("sync-full"));
    await user.click(screen.getByTestId("entity-agent_statuses"));
    expect(await screen.findByTestId("plan-empty")).toHaveTextContent(
      "No agent statuses changed since the last pull.",
    );
    expect(screen.getByTestId("plan-summary")).toHaveTextContent("Incremental");
    expect(screen.getByTestId("add-selected")).toBeDisabled();
    expect(backend.callsTo("fetch_plan")[0].args).toMatchObject({ full: false });
  });
});

describe("Synchronize: selecting and applying", () => {
  it("Select All, Clear All and single checkboxes keep the count; missing rows are never selected", async () => {
    installBackend({ connections: [CX], handlers: { fetch_plan: () => syncPlan(ROWS) } });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await fetchUsers(user);

    const add = screen.getByTestId("add-selected");
    expect(add).toHaveTextContent("Add Selected (0)");
    expect(add).toBeDisabled();

    await user.click(screen.getByTestId("select-all"));
    expect(add).toHaveTextContent("Add Selected (4)");
    expect(add).toBeEnabled();
    expect(within(rowById("1004")).getByTestId("plan-row-checkbox")).not.toBeChecked();
    expect(within(rowById("1001")).getByTestId("plan-row-checkbox")).toBeChecked();

    await user.click(within(rowById("1002")).getByTestId("plan-row-checkbox"));
    expect(add).toHaveTextContent("Add Selected (3)");
    expect(within(rowById("1002")).getByTestId("plan-row-checkbox")).not.toBeChecked();

    await user.click(screen.getByTestId("clear-all"));
    expect(add).toHaveTextContent("Add Selected (0)");
    expect(add).toBeDisabled();

    await user.click(within(rowById("1005")).getByTestId("plan-row-checkbox"));
    expect(add).toHaveTextContent("Add Selected (1)");
  });

  it("sends the chosen ids in plan order and shows the result for users", async () => {
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => syncPlan(ROWS),
        apply_plan: () => ({
          run_id: 7,
          created: 2,
          updated: 0,
          unchanged: 0,
          missing_upstream: 0,
        }),
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await fetchUsers(user);

    await user.click(within(rowById("1005")).getByTestId("plan-row-checkbox"));
    await user.click(within(rowById("1001")).getByTestId("plan-row-checkbox"));
    await user.click(screen.getByTestId("add-selected"));

    const result = await screen.findByTestId("apply-result");
    expect(result).toHaveAttribute("role", "status");
    expect(result).toHaveTextContent("Created 2 · Updated 0 · Unchanged 0");
    expect(result).toHaveTextContent("Added to Call Center Agents — passwords are not set yet.");
    const args = backend.callsTo("apply_plan")[0].args;
    expect(args.planId).toBe("plan-1");
    expect(args.selection).toEqual({ kind: "ids", ids: ["1001", "1005"] });
    // The list stays, the written rows shown as added and no longer selectable.
    expect(screen.getByTestId("plan")).toBeInTheDocument();
    expect(within(rowById("1001")).getByTestId("plan-status")).toHaveTextContent("Added");
    expect(within(rowById("1001")).getByTestId("plan-row-checkbox")).toBeDisabled();
    expect(within(rowById("1002")).getByTestId("plan-status")).toHaveTextContent("Changed");
  });

  it("keeps the list after Add Selected: the filter stays, a toast leads to Records, a second batch needs no fetch", async () => {
    let applied = 0;
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => syncPlan(ROWS),
        apply_plan: () => {
          applied += 1;
          return applied === 1
            ? { run_id: 10, created: 1, updated: 0, unchanged: 0, missing_upstream: 0 }
            : { run_id: 11, created: 1, updated: 1, unchanged: 0, missing_upstream: 0 };
        },
      },
    });
    const navigated: string[] = [];
    const user = userEvent.setup();
    render(
      <ToastProvider>
        <SynchronizeScreen onNavigate={(s) => navigated.push(s)} />
      </ToastProvider>,
    );
    await fetchUsers(user);
    await user.type(screen.getByTestId("plan-filter"), "example.com");
    await user.click(screen.getByTestId("status-chip-new"));
    expect(visibleIds()).toEqual(["1001", "1005"]);
    await user.click(within(rowById("1001")).getByTestId("plan-row-checkbox"));
    await user.click(screen.getByTestId("add-selected"));

    const toast = await screen.findByTestId("toast");
    expect(toast).toHaveTextContent("Added 1 user to the store.");
    // Still filtered, the added row in place, shown as added and not selectable.
    expect(screen.getByTestId("plan-filter")).toHaveValue("example.com");
    expect(screen.getByTestId("status-chip-new")).toHaveAttribute("aria-pressed", "true");
    expect(visibleIds()).toEqual(["1001", "1005"]);
    expect(rowById("1001")).toHaveAttribute("data-status", "added");
    expect(within(rowById("1001")).getByTestId("plan-row-checkbox")).toBeDisabled();
    expect(screen.getByTestId("add-selected")).toHaveTextContent("Add Selected (0)");

    // Select All now takes only what is left; the second batch goes to the same plan.
    await user.click(screen.getByTestId("status-chip-all"));
    await user.clear(screen.getByTestId("plan-filter"));
    await user.click(screen.getByTestId("select-all"));
    expect(screen.getByTestId("add-selected")).toHaveTextContent("Add Selected (3)");
    await user.click(screen.getByTestId("add-selected"));
    await waitFor(() => expect(rowById("1005")).toHaveAttribute("data-status", "added"));
    expect(rowById("1002")).toHaveAttribute("data-status", "updated");
    expect(rowById("1003")).toHaveAttribute("data-status", "unchanged");
    expect(backend.callsTo("fetch_plan")).toHaveLength(1);
    const calls = backend.callsTo("apply_plan");
    expect(calls.map((c) => c.args.planId)).toEqual(["plan-1", "plan-1"]);
    expect(calls[1].args.selection).toEqual({ kind: "all" });
    expect(screen.getByTestId("plan-written")).toHaveTextContent("Written 3");

    const toasts = screen.getAllByTestId("toast");
    expect(toasts[toasts.length - 1]).toHaveTextContent("Added 1 and updated 1 users in the store.");
    await user.click(within(toasts[toasts.length - 1]).getByTestId("toast-action"));
    expect(navigated).toEqual(["records"]);
  });

  it("sends {kind: all} when every selectable row is selected without a filter, then Refresh re-fetches", async () => {
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => syncPlan(ROWS, { entity: "campaigns" }),
        apply_plan: () => ({
          run_id: 8,
          created: 2,
          updated: 1,
          unchanged: 1,
          missing_upstream: 1,
        }),
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await user.click(await screen.findByTestId("entity-campaigns"));
    await screen.findByTestId("plan");
    await user.click(screen.getByTestId("select-all"));
    await user.click(screen.getByTestId("add-selected"));

    const result = await screen.findByTestId("apply-result");
    expect(backend.callsTo("apply_plan")[0].args.selection).toEqual({ kind: "all" });
    expect(result).toHaveTextContent("Created 2 · Updated 1 · Unchanged 1");
    expect(result).toHaveTextContent("Added to CC Campaigns.");
    expect(result).not.toHaveTextContent("passwords");
    expect(backend.callsTo("fetch_plan")).toHaveLength(1);

    await user.click(within(result).getByTestId("refresh-plan"));
    await screen.findByTestId("plan");
    expect(backend.callsTo("fetch_plan")).toHaveLength(2);
    expect(backend.callsTo("fetch_plan")[1].args).toMatchObject({
      connectionId: "c1",
      entity: "campaigns",
      full: true,
    });
    expect(screen.queryByTestId("apply-result")).not.toBeInTheDocument();
  });

  it("shows write progress and keeps the plan when the apply is cancelled", async () => {
    const pending = deferred<unknown>();
    installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => syncPlan(ROWS),
        apply_plan: (args) => {
          sendProgress(args.onProgress, { phase: "writing", done: 1, total: 4 });
          return pending.promise;
        },
        cancel_sync: () => {
          pending.reject(apiError("cancelled", "Cancelled."));
          return null;
        },
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await fetchUsers(user);
    await user.click(screen.getByTestId("select-all"));
    await user.click(screen.getByTestId("add-selected"));
    await waitFor(() =>
      expect(screen.getByTestId("sync-progress")).toHaveTextContent("Writing 1 of 4 users…"),
    );
    expect(screen.getByTestId("add-selected")).toBeDisabled();
    await user.click(screen.getByTestId("cancel-sync"));
    expect(await screen.findByTestId("sync-cancelled")).toHaveTextContent(
      "Cancelled — nothing was written.",
    );
    expect(screen.getByTestId("plan")).toBeInTheDocument();
    expect(screen.getByTestId("add-selected")).toHaveTextContent("Add Selected (4)");
  });

  it("filters by text and status; Select All only takes the matching rows and then sends ids", async () => {
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => syncPlan(ROWS),
        apply_plan: () => ({ run_id: 9, created: 1, updated: 0, unchanged: 0, missing_upstream: 0 }),
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await fetchUsers(user);

    await user.type(screen.getByTestId("plan-filter"), "GRACE");
    expect(visibleIds()).toEqual(["1002"]);
    await user.clear(screen.getByTestId("plan-filter"));
    await user.type(screen.getByTestId("plan-filter"), "1005");
    expect(visibleIds()).toEqual(["1005"]);
    await user.clear(screen.getByTestId("plan-filter"));
    await user.type(screen.getByTestId("plan-filter"), "example.com");
    expect(visibleIds()).toHaveLength(5);

    await user.click(screen.getByTestId("status-chip-new"));
    expect(screen.getByTestId("status-chip-new")).toHaveAttribute("aria-pressed", "true");
    expect(visibleIds()).toEqual(["1001", "1005"]);
    await user.click(screen.getByTestId("select-all"));
    expect(screen.getByTestId("add-selected")).toHaveTextContent("Add Selected (2)");

    await user.clear(screen.getByTestId("plan-filter"));
    await user.click(screen.getByTestId("status-chip-all"));
    expect(visibleIds()).toHaveLength(5);
    expect(within(rowById("1002")).getByTestId("plan-row-checkbox")).not.toBeChecked();
    expect(within(rowById("1001")).getByTestId("plan-row-checkbox")).toBeChecked();

    await user.click(screen.getByTestId("status-chip-changed"));
    await user.click(screen.getByTestId("select-all"));
    await user.click(screen.getByTestId("add-selected"));
    await screen.findByTestId("apply-result");
    // A filter is active, so the ids are spelled out even if they happen to be all.
    expect(backend.callsTo("apply_plan")[0].args.selection).toEqual({
      kind: "ids",
      ids: ["1001", "1002", "1005"],
    });
  });
});

describe("Synchronize: large plans", () => {
  function bigPlan(count: number) {
    const rows: PlanRow[] = [];
    for (let i = 0; i < count; i += 1) {
      rows.push(
        planRow({
          id: String(100000 + i),
          name: `Agent ${i}`,
          detail: `agent${i}@example.com`,
          status: i % 10 === 0 ? "changed" : "new",
        }),
      );
    }
    return syncPlan(rows);
  }

  it("keeps only the visible rows of a 10,000-row plan in the DOM", async () => {
    const backend = installBackend({
      connections: [CX],
      handlers: {
        fetch_plan: () => bigPlan(10000),
        apply_plan: () => ({ run_id: 1, created: 10000, updated: 0, unchanged: 0, missing_upstream: 0 }),
      },
    });
    const user = userEvent.setup();
    render(<SynchronizeScreen />);
    await fetchUsers(user);

    const rendered = screen.getAllByTestId("plan-row");
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(100);
    expect(rendered[0]).toHaveAttribute("data-id", "100000");
    // The sizer is as tall as all rows, so the scrollbar is right.
    const scroll = screen.getByTestId("plan-scroll");
    expect((scroll.firstElementChild as HTMLElement).style.height).toBe(`${10000 * 36}px`);

    // Scrolling far down renders the rows there (and still only a few).
    scroll.scrollTop = 5000 * 36;
    fireEvent.scroll(scroll);
    await waitFor(() => expect(visibleIds()).toContain("105000"));
    expect(screen.getAllByTestId("plan-row").length).toBeLessThan(100);

    await user.click(screen.getByTestId("select-all"));
    expect(screen.getByTestId("add-selected")).toHaveTextContent(
      `Add Selected (${(10000).toLocaleString()})`,
    );
    await user.click(screen.getByTestId("add-selected"));
    await screen.findByTestId("apply-result");
    expect(backend.callsTo("apply_plan")[0].args.selection).toEqual({ kind: "all" });
  });
});
