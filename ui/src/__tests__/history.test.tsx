import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { HistoryScreen } from "../history/HistoryScreen";
import { apiError, auditEntry, installBackend, syncRun } from "../test/fakeBackend";

const RUNS = [
  syncRun({
    id: 12,
    entity: "campaigns",
    status: "failed",
    started_at: "2024-05-03T09:00:00Z",
    duration_ms: 850,
    fetched: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    error: "CXone rejected the access key.",
  }),
  syncRun({ id: 11, fetched: 3000, created: 12, updated: 3, unchanged: 2985, missing_upstream: 1 }),
  syncRun({ id: 10, status: "cancelled", entity: null, kind: "import", duration_ms: null }),
];

function runRow(id: string): HTMLElement {
  const found = screen.getAllByTestId("run-row").find((r) => r.getAttribute("data-id") === id);
  if (!found) throw new Error(`no run ${id}`);
  return found;
}

describe("History", () => {
  it("lists runs with status, counts, duration and the failure sentence", async () => {
    installBackend({ handlers: { list_runs: () => RUNS } });
    render(<HistoryScreen />);
    const rows = await screen.findAllByTestId("run-row");
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual(["12", "11", "10"]);

    const failed = runRow("12");
    expect(within(failed).getByTestId("run-status")).toHaveTextContent("Failed");
    expect(failed).toHaveTextContent("Campaigns");
    expect(failed).toHaveTextContent("850 ms");
    expect(failed).toHaveTextContent(new Date("2024-05-03T09:00:00Z").toLocaleString());
    expect(screen.getByTestId("run-error")).toHaveTextContent("CXone rejected the access key.");

    const ok = runRow("11");
    expect(within(ok).getByTestId("run-status")).toHaveTextContent("Succeeded");
    expect(ok).toHaveTextContent("Pull");
    expect(ok).toHaveTextContent("Production CXone");
    expect(ok).toHaveTextContent((3000).toLocaleString());
    expect(ok).toHaveTextContent((2985).toLocaleString());
    expect(ok).toHaveTextContent("1.2 s");

    const cancelled = runRow("10");
    expect(within(cancelled).getByTestId("run-status")).toHaveTextContent("Cancelled");
    expect(within(cancelled).getByTestId("run-kind")).toHaveTextContent("CSV import");
  });

  it("shows a run's audit with field changes when it is clicked", async () => {
    const backend = installBackend({
      handlers: {
        list_runs: () => RUNS,
        run_audit: (args) =>
          args.runId === 11
            ? [
                auditEntry({ record_id: "1001", name: "Ada Lovelace", action: "created" }),
                auditEntry({
                  record_id: "1002",
                  name: "Grace Hopper",
                  action: "updated",
                  changes: [
                    { field: "email", old: "grace@old.example.com", new: "grace@example.com" },
                    { field: "team", old: null, new: "Blue" },
                  ],
                }),
                auditEntry({ record_id: "1004", name: "Edsger Dijkstra", action: "flagged_missing" }),
              ]
            : [],
      },
    });
    const user = userEvent.setup();
    render(<HistoryScreen />);
    await screen.findAllByTestId("run-row");
    // Clicking anywhere on the row opens its audit.
    await user.click(runRow("11"));

    const panel = await screen.findByTestId("audit-panel");
    await waitFor(() => expect(within(panel).getAllByTestId("audit-row")).toHaveLength(3));
    expect(backend.callsTo("run_audit")[0].args).toEqual({ runId: 11 });
    const grace = within(panel)
      .getAllByTestId("audit-row")
      .find((r) => r.getAttribute("data-id") === "1002")!;
    expect(grace).toHaveTextContent("Updated");
    expect(within(grace).getAllByTestId("audit-change").map((c) => c.textContent)).toEqual([
      "email: grace@old.example.com → grace@example.com",
      "team: — → Blue",
    ]);
    expect(panel).toHaveTextContent("Flagged missing");

    await user.click(within(runRow("10")).getByTestId("run-details"));
    expect(
      await within(screen.getByTestId("audit-panel")).findByText("This run changed no records."),
    ).toBeInTheDocument();
    expect(backend.callsTo("run_audit")[1].args).toEqual({ runId: 10 });
  });

  it("speaks in people's words: kinds, platforms, entities, a mapping run's users, a pull's phases", async () => {
    installBackend({
      handlers: {
        list_runs: () => [
          syncRun({ id: 22, kind: "manual_mapping", entity: null, connection_name: "ringcentral", platform: "ringcentral" }),
          syncRun({ id: 21, kind: "auto_sync", entity: null, connection_name: "Demo Webex" }),
          syncRun({ id: 20, kind: "pull", entity: "agent_statuses", duration_ms: 1500, fetch_ms: 1200, write_ms: 300 }),
        ],
        run_audit: (args) =>
          args.runId === 22
            ? [
                auditEntry({
                  record_id: "30100007",
                  name: "Ana Ruiz",
                  action: "mapping",
                  changes: [
                    {
                      field: "RingCentral account",
                      old: "Not mapped: no account has this email",
                      new: "Ana Ruiz (62264000011), mapped by hand",
                    },
                  ],
                }),
              ]
            : [],
      },
    });
    const user = userEvent.setup();
    render(<HistoryScreen />);
    await screen.findAllByTestId("run-row");

    const mapping = runRow("22");
    expect(within(mapping).getByTestId("run-kind")).toHaveTextContent("Manual mapping");
    expect(within(mapping).getByTestId("run-source")).toHaveTextContent("RingCentral");
    expect(mapping).not.toHaveTextContent("manual_mapping");
    expect(mapping).not.toHaveTextContent("ringcentral");
    expect(within(runRow("21")).getByTestId("run-kind")).toHaveTextContent("Auto Sync");
    expect(within(runRow("21")).getByTestId("run-source")).toHaveTextContent("Demo Webex");
    expect(within(runRow("20")).getByTestId("run-entity")).toHaveTextContent("Agent statuses");

    await user.click(mapping);
    const panel = await screen.findByTestId("audit-panel");
    const ana = await within(panel).findByTestId("audit-row");
    expect(ana).toHaveTextContent("Ana Ruiz");
    expect(ana).toHaveTextContent("Mapping changed");
    expect(within(ana).getByTestId("audit-change")).toHaveTextContent(
      "RingCentral account: Not mapped: no account has this email → Ana Ruiz (62264000011), mapped by hand",
    );
    expect(within(panel).queryByTestId("run-phases")).not.toBeInTheDocument();

    await user.click(runRow("20"));
    expect(await within(screen.getByTestId("audit-panel")).findByTestId("run-phases")).toHaveTextContent(
      "Fetched in 1.2 s, written in 300 ms.",
    );
  });

  it("shows the empty state, an error, and refreshes", async () => {
    let calls = 0;
    const backend = installBackend({
      handlers: {
        list_runs: () => {
          calls += 1;
          if (calls === 1) return [];
          if (calls === 2) throw apiError("database", "The database is locked.");
          return [syncRun()];
        },
      },
    });
    const user = userEvent.setup();
    render(<HistoryScreen />);
    expect(await screen.findByTestId("history-empty")).toHaveTextContent("No runs yet.");
    await user.click(screen.getByTestId("history-refresh"));
    expect(await screen.findByRole("alert")).toHaveTextContent("The database is locked.");
    await user.click(screen.getByTestId("history-refresh"));
    expect(await screen.findByTestId("run-row")).toHaveAttribute("data-id", "1");
    expect(backend.callsTo("list_runs")).toHaveLength(3);
  });
});
