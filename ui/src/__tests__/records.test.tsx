import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { RecordsScreen } from "../records/RecordsScreen";
import type { StoredRecord } from "../platform";
import { apiError, installBackend, storedRecord } from "../test/fakeBackend";

const USERS: StoredRecord[] = [
  storedRecord({
    id: "1002",
    name: "grace Hopper",
    detail: "grace@example.com",
    password_set: true,
    licence: "premium",
    last_synced_at: "2024-05-03T10:00:00Z",
  }),
  storedRecord({
    id: "1001",
    name: "Ada Lovelace",
    detail: "ada@example.com",
    password_set: false,
    licence: "standard",
    last_synced_at: "2024-05-01T10:00:00Z",
  }),
  storedRecord({
    id: "1003",
    name: "Alan Turing",
    detail: "alan@example.com",
    is_active: false,
    password_set: true,
    missing_upstream_since: "2024-04-20T08:00:00Z",
    last_synced_at: "2024-05-02T10:00:00Z",
  }),
];

function ids(): string[] {
  return screen.getAllByTestId("record-row").map((r) => r.getAttribute("data-id") ?? "");
}

function rowById(id: string): HTMLElement {
  const found = screen.getAllByTestId("record-row").find((r) => r.getAttribute("data-id") === id);
  if (!found) throw new Error(`no record row ${id}`);
  return found;
}

describe("Records", () => {
  it("loads users with password and missing-upstream badges, sorted by name", async () => {
    const backend = installBackend({ handlers: { list_records: () => USERS } });
    render(<RecordsScreen />);
    expect(screen.getByText("Loading Call Center Agents…")).toBeInTheDocument();
    await screen.findAllByTestId("record-row");
    expect(backend.callsTo("list_records")[0].args).toEqual({ entity: "users" });
    expect(screen.getByTestId("records-tab-users")).toHaveAttribute("aria-selected", "true");
    expect(screen.getByTestId("records-count")).toHaveTextContent("3 records");
    expect(screen.getByRole("columnheader", { name: /Email/ })).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: "Password" })).toBeInTheDocument();
    expect(ids()).toEqual(["1001", "1003", "1002"]);

    expect(within(rowById("1001")).getByTestId("password-badge")).toHaveTextContent(
      "password not set",
    );
    expect(within(rowById("1002")).getByTestId("password-badge")).toHaveTextContent("set");
    const missing = within(rowById("1003")).getByTestId("missing-upstream-badge");
    expect(missing).toHaveTextContent(
      `missing upstream since ${new Date("2024-04-20T08:00:00Z").toLocaleDateString()}`,
    );
    expect(within(rowById("1001")).queryByTestId("missing-upstream-badge")).not.toBeInTheDocument();
    expect(rowById("1003")).toHaveTextContent("Inactive");
    expect(rowById("1001")).toHaveTextContent(
      new Date("2024-05-01T10:00:00Z").toLocaleString(),
    );
  });

  it("shows the Contact Center licence of users and sorts by it", async () => {
    installBackend({ handlers: { list_records: () => USERS } });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    expect(screen.getByRole("columnheader", { name: /Licence/ })).toBeInTheDocument();
    expect(within(rowById("1001")).getByTestId("licence-cell")).toHaveTextContent("Standard Agent");
    expect(within(rowById("1002")).getByTestId("licence-cell")).toHaveTextContent("Premium Agent");
    expect(within(rowById("1003")).getByTestId("licence-cell")).toHaveTextContent("—");

    await user.click(screen.getByTestId("sort-licence"));
    expect(screen.getByRole("columnheader", { name: /Licence/ })).toHaveAttribute("aria-sort", "ascending");
    expect(ids()).toEqual(["1003", "1001", "1002"]);
    await user.click(screen.getByTestId("sort-licence"));
    expect(ids()).toEqual(["1002", "1001", "1003"]);
  });

  it("has no Licence column outside the users tab", async () => {
    installBackend({
      handlers: {
        list_records: (args) =>
          args.entity === "campaigns" ? [storedRecord({ id: "c-1", name: "Outbound", licence: null })] : USERS,
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    await user.click(screen.getByTestId("records-tab-campaigns"));
    expect(await screen.findByTestId("record-row")).toHaveAttribute("data-id", "c-1");
    expect(screen.queryByRole("columnheader", { name: /Licence/ })).not.toBeInTheDocument();
    expect(screen.queryByTestId("licence-cell")).not.toBeInTheDocument();
  });

  it("sorts by a column ascending, then descending, and searches", async () => {
    installBackend({ handlers: { list_records: () => USERS } });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    const nameHeader = screen.getByRole("columnheader", { name: /Name/ });
    expect(nameHeader).toHaveAttribute("aria-sort", "ascending");

    await user.click(screen.getByTestId("sort-name"));
    expect(nameHeader).toHaveAttribute("aria-sort", "descending");
    expect(ids()).toEqual(["1002", "1003", "1001"]);

    await user.click(screen.getByTestId("sort-last_synced"));
    expect(ids()).toEqual(["1001", "1003", "1002"]);
    await user.click(screen.getByTestId("sort-last_synced"));
    expect(ids()).toEqual(["1002", "1003", "1001"]);

    await user.click(screen.getByTestId("sort-id"));
    expect(ids()).toEqual(["1001", "1002", "1003"]);
    await user.click(screen.getByTestId("sort-active"));
    expect(ids().at(-1)).toBe("1003");

    await user.type(screen.getByTestId("records-search"), "ALAN@");
    expect(ids()).toEqual(["1003"]);
    expect(screen.getByTestId("records-count")).toHaveTextContent("1 of 3 records");
  });

  it("switches tabs, shows the empty state per group and an error message", async () => {
    const backend = installBackend({
      handlers: {
        list_records: (args) => {
          if (args.entity === "campaigns") {
            return [storedRecord({ id: "c-9", name: "Spring outbound", detail: "Dialer", group_name: "CC Campaigns" })];
          }
          if (args.entity === "dispositions") throw apiError("database", "The database is locked.");
          return [];
        },
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    expect(await screen.findByTestId("records-empty")).toHaveTextContent(
      "No Call Center Agents yet. Pull them from Synchronize.",
    );

    await user.click(screen.getByTestId("records-tab-campaigns"));
    expect(await screen.findByTestId("record-row")).toHaveAttribute("data-id", "c-9");
    expect(screen.getByTestId("records-tab-campaigns")).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("columnheader", { name: /Detail/ })).toBeInTheDocument();
    expect(screen.queryByRole("columnheader", { name: "Password" })).not.toBeInTheDocument();
    expect(screen.getByTestId("records-count")).toHaveTextContent("1 record");

    await user.click(screen.getByTestId("records-tab-dispositions"));
    expect(await screen.findByRole("alert")).toHaveTextContent("The database is locked.");

    await user.click(screen.getByTestId("records-tab-agent_statuses"));
    expect(await screen.findByTestId("records-empty")).toHaveTextContent(
      "No CC Agent Status yet. Pull them from Synchronize.",
    );
    expect(backend.callsTo("list_records").map((c) => c.args.entity)).toEqual([
      "users",
      "campaigns",
      "dispositions",
      "agent_statuses",
    ]);
  });

  it("exports to the chosen CSV path, and does nothing when the dialog is cancelled", async () => {
    let answer: string | null = null;
    const backend = installBackend({
      handlers: {
        list_records: () => USERS,
        "choose_save_path": () => answer,
        export_records: () => 3,
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");

    await user.click(screen.getByTestId("records-export"));
    await waitFor(() => expect(screen.getByTestId("records-export")).toHaveTextContent("Export CSV"));
    expect(backend.callsTo("choose_save_path")[0].args).toEqual({ defaultName: "cc-agents.csv" });
    expect(backend.callsTo("export_records")).toHaveLength(0);
    expect(screen.queryByTestId("records-export-result")).not.toBeInTheDocument();

    answer = "/home/admin/agents.csv";
    await user.click(screen.getByTestId("records-export"));
    expect(await screen.findByTestId("records-export-result")).toHaveTextContent(
      "Exported 3 rows to /home/admin/agents.csv",
    );
    expect(backend.callsTo("export_records")[0].args).toEqual({
      entity: "users",
      path: "/home/admin/agents.csv",
    });
  });

  it("virtualizes a large table", async () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      storedRecord({ id: `u${String(i).padStart(5, "0")}`, name: `Agent ${String(i).padStart(5, "0")}` }),
    );
    installBackend({ handlers: { list_records: () => many } });
    render(<RecordsScreen />);
    const rows = await screen.findAllByTestId("record-row");
    expect(rows.length).toBeLessThan(100);
    expect(screen.getByTestId("records-count")).toHaveTextContent(`${(5000).toLocaleString()} records`);
  });
});
