// Several business units: the User Mapping screen's unit choice (hidden with one, remembered),
// everything below it scoped to the chosen unit's link, the link picker, and Connections' links.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { ConnectionsScreen } from "../connections/ConnectionsScreen";
import { MappingScreen } from "../mapping/MappingScreen";
import { UNIT_STORAGE_KEY } from "../mapping/units";
import type { BusinessUnit, Connection, MappingRow } from "../platform";
import {
  accountMatch,
  autoSyncResult,
  businessUnit,
  connection,
  deferred,
  installBackend,
  mappingLink,
  mappingRow,
  permissionGate,
  scheduleInfo,
  type Handler,
} from "../test/fakeBackend";

const EAST = businessUnit();
const WEST: BusinessUnit = {
  cxone_connection_id: "c2",
  connection_name: "Demo tenant West",
  label: "Demo Contact Center West (4600002)",
  business_unit_id: 4600002,
  users: 2,
  links: [
    mappingLink({
      id: 3,
      cxone_connection_id: "c2",
      business_unit: "Demo Contact Center West (4600002)",
      business_unit_id: 4600002,
      external_connection_id: "rc2",
      external_connection_name: "Demo RingCentral West",
    }),
    mappingLink({
      id: 4,
      platform: "webex",
      cxone_connection_id: "c2",
      business_unit: "Demo Contact Center West (4600002)",
      business_unit_id: 4600002,
      external_connection_id: "wx2",
      external_connection_name: "Demo Webex West",
    }),
  ],
};

const EAST_ROWS: MappingRow[] = [
  mappingRow({ record_id: 1, name: "Ada Lovelace", email: "ada@example.com", status: "mapped_auto" }),
  mappingRow({ record_id: 2, user_id: "1002", name: "Grace Hopper", email: "grace@example.com" }),
];
const WEST_ROWS: MappingRow[] = [
  mappingRow({ record_id: 11, user_id: "2001", name: "Wanda West", email: "wanda@west.example.com" }),
];

/** The rows of each link: 1 and 2 are East's, 3 and 4 West's. */
function rowsOf(linkId: unknown): MappingRow[] {
  return structuredClone(linkId === 3 || linkId === 4 ? WEST_ROWS : EAST_ROWS);
}

const cxone = (id: string, name: string) => connection({ id, name });
const ringcentral = (id: string, name: string) =>
  connection({ id, name, settings: { kind: "ringcentral", server_url: "https://rc.example.com", client_id: "rc" } });
const webex = (id: string, name: string) =>
  connection({
    id,
    name,
    settings: { kind: "webex", api_url: "https://webexapis.com", credential: { method: "personal_token" } },
  });

const CONNECTIONS: Connection[] = [
  cxone("c1", "Demo tenant"),
  ringcentral("rc1", "Demo RingCentral"),
  webex("wx1", "Demo Webex"),
  cxone("c2", "Demo tenant West"),
  ringcentral("rc2", "Demo RingCentral West"),
  webex("wx2", "Demo Webex West"),
];

function setup(units: BusinessUnit[], handlers: Record<string, Handler> = {}, connections = CONNECTIONS) {
  return installBackend({
    connections,
    handlers: {
      mapping_units: () => structuredClone(units),
      list_mappings: (args) => rowsOf(args.linkId),
      get_schedule: () => scheduleInfo(),
      get_permission_gate: () => permissionGate(),
      ...handlers,
    },
  });
}

/** The users listed, by record id: East's are 1 and 2, West's 11. */
function ids(): number[] {
  return screen.queryAllByTestId("mapping-row").map((r) => Number(r.getAttribute("data-record-id")));
}

beforeEach(() => {
  window.localStorage.clear();
});

describe("User Mapping: the business unit choice", () => {
  it("is hidden with one business unit", async () => {
    // Today's setup: one CXone, one RingCentral and one Webex connection.
    const backend = setup([EAST], {}, CONNECTIONS.slice(0, 3));
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    expect(screen.queryByTestId("mapping-unit")).not.toBeInTheDocument();
    expect(screen.queryByLabelText("Business unit")).not.toBeInTheDocument();
    expect(backend.callsTo("list_mappings").map((c) => c.args)).toEqual([{ linkId: 1 }]);
    // One unit linked to the only connection of each platform: nothing to pick.
    expect(screen.queryByTestId("link-picker")).not.toBeInTheDocument();
    expect(screen.queryByTestId("link-current")).not.toBeInTheDocument();
  });

  it("is shown with two, labelled with each unit's name and number, the first chosen", async () => {
    const backend = setup([EAST, WEST]);
    render(<MappingScreen />);
    const choice = await screen.findByLabelText("Business unit");
    expect(choice).toHaveAttribute("data-testid", "mapping-unit");
    expect(within(choice).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Demo Contact Center (4600001)",
      "Demo Contact Center West (4600002)",
    ]);
    expect(choice).toHaveValue("c1");
    await screen.findAllByTestId("mapping-row");
    expect(ids()).toEqual([1, 2]);
    expect(backend.callsTo("list_mappings").map((c) => c.args)).toEqual([{ linkId: 1 }]);
  });

  it("lists the second unit's users and runs everything with its link", async () => {
    const backend = setup([EAST, WEST], {
      run_auto_sync: (args) => autoSyncResult({ link_id: args.linkId as number, mapped: 1 }),
      search_accounts: () => [accountMatch({ account_id: "rcw-1", name: "Wanda West", email: "wanda@rcw.example.com" })],
      export_mappings: () => 1,
      choose_save_path: () => "/tmp/west.csv",
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.selectOptions(screen.getByTestId("mapping-unit"), "c2");
    await waitFor(() => expect(ids()).toEqual([11]));
    expect(backend.callsTo("list_mappings").map((c) => c.args.linkId)).toEqual([1, 3]);
    await waitFor(() => expect(backend.callsTo("get_schedule").map((c) => c.args.linkId)).toContain(3));

    await user.click(screen.getByTestId("run-auto-sync"));
    expect(await screen.findByTestId("auto-sync-result")).toHaveTextContent(
      "Auto Sync with RingCentral (Demo Contact Center West (4600002)): Mapped 1",
    );
    expect(backend.callsTo("run_auto_sync").map((c) => c.args.linkId)).toEqual([3]);

    // Map User searches the West link's accounts.
    await user.click(within(screen.getByTestId("mapping-row")).getByTestId("row-menu"));
    await user.click(within(screen.getByRole("menu")).getByTestId("menu-map-user"));
    await user.type(await screen.findByTestId("account-search"), "wan");
    await waitFor(() => expect(backend.callsTo("search_accounts").length).toBeGreaterThan(0));
    expect(backend.callsTo("search_accounts").every((c) => c.args.linkId === 3)).toBe(true);
    await user.keyboard("{Escape}");

    await user.click(screen.getByTestId("export-mappings"));
    await screen.findByTestId("export-mappings-result");
    expect(backend.callsTo("export_mappings")[0].args).toEqual({ linkId: 3, path: "/tmp/west.csv" });
    expect(backend.callsTo("choose_save_path")[0].args).toMatchObject({
      defaultName: "mappings-ringcentral-Demo Contact Center West.csv",
    });

    // Webex of the West unit is its own link too.
    await user.click(screen.getByTestId("platform-webex"));
    await waitFor(() => expect(backend.callsTo("list_mappings").map((c) => c.args.linkId)).toContain(4));
  });

  it("remembers the chosen unit across launches, and falls back to the first when it is gone", async () => {
    setup([EAST, WEST]);
    const user = userEvent.setup();
    const { unmount } = render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.selectOptions(screen.getByTestId("mapping-unit"), "c2");
    await waitFor(() => expect(ids()).toEqual([11]));
    expect(window.localStorage.getItem(UNIT_STORAGE_KEY)).toBe("c2");
    unmount();

    // The next launch opens on West, without listing East first.
    const backend = setup([EAST, WEST]);
    const again = render(<MappingScreen />);
    await waitFor(() => expect(ids()).toEqual([11]));
    expect(screen.getByTestId("mapping-unit")).toHaveValue("c2");
    expect(backend.callsTo("list_mappings").map((c) => c.args.linkId)).toEqual([3]);
    again.unmount();

    // West's connection was deleted: the first unit is shown (and the choice is hidden).
    const later = setup([EAST]);
    render(<MappingScreen />);
    await waitFor(() => expect(ids()).toEqual([1, 2]));
    expect(later.callsTo("list_mappings").map((c) => c.args.linkId)).toEqual([1]);
  });

  it("never shows the last unit's rows after a switch, even when its list answers late", async () => {
    const east = deferred<MappingRow[]>();
    const west = deferred<MappingRow[]>();
    setup([EAST, WEST], {
      list_mappings: (args) => (args.linkId === 3 ? west.promise : east.promise),
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    const choice = await screen.findByTestId("mapping-unit");
    // East's list is on its way when the admin switches to West.
    await user.selectOptions(choice, "c2");
    east.resolve(structuredClone(EAST_ROWS));
    await new Promise((r) => setTimeout(r, 20));
    expect(ids()).toEqual([]);
    expect(screen.queryByTestId("status-counts")).not.toBeInTheDocument();
    west.resolve(structuredClone(WEST_ROWS));
    await waitFor(() => expect(ids()).toEqual([11]));
    expect(screen.getByTestId("status-counts")).toHaveTextContent("0 of 1 mapped");
  });

  it("locks the choice while Auto Sync runs", async () => {
    const run = deferred<ReturnType<typeof autoSyncResult>>();
    const backend = setup([EAST, WEST], { run_auto_sync: () => run.promise, cancel_auto_sync: () => null });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.selectOptions(screen.getByTestId("mapping-unit"), "c2");
    await waitFor(() => expect(ids()).toEqual([11]));
    await user.click(screen.getByTestId("run-auto-sync"));
    await waitFor(() => expect(screen.getByTestId("mapping-unit")).toBeDisabled());
    await user.click(screen.getByTestId("cancel-auto-sync"));
    expect(backend.callsTo("cancel_auto_sync").map((c) => c.args)).toEqual([{ linkId: 3 }]);
    run.resolve(autoSyncResult({ link_id: 3 }));
    await waitFor(() => expect(screen.getByTestId("mapping-unit")).toBeEnabled());
  });
});

describe("User Mapping: linking a business unit", () => {
  const UNLINKED: BusinessUnit = { ...WEST, links: [] };

  it("offers the platform's connections for a unit with no link, and links the chosen one", async () => {
    let units: BusinessUnit[] = [EAST, UNLINKED];
    const backend = setup([], {
      mapping_units: () => structuredClone(units),
      link_business_unit: (args) => {
        units = [EAST, { ...WEST, links: [WEST.links[0]] }];
        expect(args).toEqual({ cxoneConnectionId: "c2", externalConnectionId: "rc2" });
        return WEST.links[0];
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await screen.findAllByTestId("mapping-row");
    await user.selectOptions(screen.getByTestId("mapping-unit"), "c2");
    const picker = await screen.findByTestId("link-picker");
    expect(picker).toHaveTextContent("Link Demo Contact Center West (4600002) to:");
    const select = within(picker).getByTestId("link-connection");
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "Demo RingCentral",
      "Demo RingCentral West",
    ]);
    // No link: no rows, and nothing to run.
    expect(screen.queryAllByTestId("mapping-row")).toHaveLength(0);
    expect(screen.getByTestId("run-auto-sync")).toBeDisabled();
    expect(backend.callsTo("list_mappings").map((c) => c.args.linkId)).toEqual([1]);

    await user.selectOptions(select, "rc2");
    await user.click(within(picker).getByTestId("link-save"));
    await waitFor(() => expect(ids()).toEqual([11]));
    expect(backend.callsTo("link_business_unit")).toHaveLength(1);
    expect(backend.callsTo("list_mappings").map((c) => c.args.linkId)).toEqual([1, 3]);
    expect(screen.queryByTestId("link-picker")).not.toBeInTheDocument();
    // Linked, with two RingCentral connections: which one it is, and a way to change it.
    expect(screen.getByTestId("link-current")).toHaveTextContent(
      "Demo Contact Center West (4600002) is mapped to RingCentral through Demo RingCentral West.",
    );
  });

  it("shows the refusal of a link in the picker", async () => {
    setup([EAST, UNLINKED], {
      link_business_unit: () => {
        throw { code: "invalid_input", message: "Business unit 4600002 is already linked to RingCentral." };
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await user.selectOptions(await screen.findByTestId("mapping-unit"), "c2");
    await user.click(await screen.findByTestId("link-save"));
    expect(await screen.findByTestId("link-error")).toHaveTextContent("already linked to RingCentral");
  });

  it("changes the connection of a linked unit", async () => {
    let units: BusinessUnit[] = [EAST, WEST];
    const moved = { ...WEST.links[0], external_connection_id: "rc1", external_connection_name: "Demo RingCentral" };
    const backend = setup([], {
      mapping_units: () => structuredClone(units),
      link_business_unit: () => {
        units = [EAST, { ...WEST, links: [moved, WEST.links[1]] }];
        return moved;
      },
    });
    const user = userEvent.setup();
    render(<MappingScreen />);
    await user.selectOptions(await screen.findByTestId("mapping-unit"), "c2");
    await waitFor(() => expect(ids()).toEqual([11]));
    await user.click(screen.getByTestId("link-change"));
    await user.selectOptions(screen.getByTestId("link-connection"), "rc1");
    await user.click(screen.getByTestId("link-save"));
    await waitFor(() => expect(screen.getByTestId("link-current")).toHaveTextContent("through Demo RingCentral."));
    expect(backend.callsTo("link_business_unit").map((c) => c.args)).toEqual([
      { cxoneConnectionId: "c2", externalConnectionId: "rc1" },
    ]);
    // Same link, other accounts: the list is read again.
    expect(backend.callsTo("list_mappings").map((c) => c.args.linkId)).toEqual([1, 3, 3]);
  });

  it("points to Connections when there is no connection of the platform", async () => {
    installBackend({
      connections: [cxone("c1", "Demo tenant"), ringcentral("rc1", "Demo RingCentral")],
      handlers: {
        mapping_units: () => [{ ...EAST, links: [EAST.links[0]] }],
        list_mappings: (args) => rowsOf(args.linkId),
        get_schedule: () => scheduleInfo(),
        get_permission_gate: () => permissionGate(),
      },
    });
    const onNavigate = vi.fn();
    const user = userEvent.setup();
    render(<MappingScreen onNavigate={onNavigate} />);
    await screen.findAllByTestId("mapping-row");
    await user.click(screen.getByTestId("platform-webex"));
    const notice = await screen.findByTestId("link-no-connection");
    expect(notice).toHaveTextContent("There is no Webex connection yet.");
    expect(screen.queryAllByTestId("mapping-row")).toHaveLength(0);
    await user.click(within(notice).getByTestId("go-to-connections"));
    expect(onNavigate).toHaveBeenCalledWith("connections");
  });

  it("says to add a CXone connection when there is none", async () => {
    installBackend({ handlers: { mapping_units: () => [], get_permission_gate: () => permissionGate() } });
    render(<MappingScreen onNavigate={() => {}} />);
    expect(await screen.findByTestId("mapping-no-unit")).toHaveTextContent("No CXone connection yet");
    // No link, so no schedule: where schedules run and Start at login are still offered.
    const unlinked = screen.getByTestId("schedule-panel-unlinked");
    expect(within(unlinked).getByTestId("schedule-cli-command")).toHaveTextContent("ccsync map auto --platform ringcentral");
    expect(within(unlinked).getByTestId("autostart-switch")).toBeInTheDocument();
    expect(screen.queryByTestId("schedule-panel")).not.toBeInTheDocument();
  });
});

describe("Connections: the links each connection takes part in", () => {
  it("shows a CXone connection's links and the units a platform connection serves", async () => {
    const both = businessUnit({
      links: [
        ...EAST.links,
      ],
    });
    // West is linked to its own RingCentral and to East's Webex (one account serving two units).
    const west = { ...WEST, links: [WEST.links[0], { ...WEST.links[1], external_connection_id: "wx1", external_connection_name: "Demo Webex" }] };
    installBackend({ connections: CONNECTIONS, handlers: { mapping_units: () => [both, west] } });
    render(<ConnectionsScreen />);
    await screen.findAllByTestId("connection-row");
    const linksOf = (name: string) => {
      const row = screen.getAllByTestId("connection-row").find((r) => r.getAttribute("data-name") === name);
      return row?.querySelector('[data-testid="connection-links"]')?.textContent ?? null;
    };
    expect(linksOf("Demo tenant")).toBe("Mapped to: RingCentral — Demo RingCentral · Webex — Demo Webex");
    expect(linksOf("Demo tenant West")).toBe("Mapped to: RingCentral — Demo RingCentral West · Webex — Demo Webex");
    expect(linksOf("Demo RingCentral")).toBe("Serves: Demo Contact Center (4600001)");
    expect(linksOf("Demo Webex")).toBe("Serves: Demo Contact Center (4600001) · Demo Contact Center West (4600002)");
    expect(linksOf("Demo Webex West")).toBeNull();
  });
});
