// Map User's guard, the toasts with Undo after Map User / Unmap / Retry, and Unmap's confirmation.
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { ToastProvider } from "../components/Toasts";
import { MappingScreen } from "../mapping/MappingScreen";
import type { MappingRow } from "../platform";
import {
  accountMatch,
  actionResult,
  apiError,
  businessUnit,
  installBackend,
  mapCheck,
  mappingRow,
  permissionGate,
  scheduleInfo,
  type Handler,
} from "../test/fakeBackend";

const ANA = mappingRow({
  record_id: 1,
  name: "Ana Silva",
  email: "ana.silva@example.com",
  status: "unmapped_no_match",
  attempts: 2,
});
const HIROSHI = mappingRow({
  record_id: 2,
  user_id: "1002",
  name: "Hiroshi Silva",
  email: "hiroshi.silva@example.com",
  status: "mapped_auto",
  method: "auto",
  account_id: "rc-h",
  account_name: "Hiroshi Silva",
  account_email: "hiroshi.silva@rc.example.com",
});
const ANA_MAPPED = mappingRow({
  ...ANA,
  status: "mapped_manual",
  method: "manual",
  account_id: "rc-h",
  account_name: "Hiroshi Silva",
  account_email: "hiroshi.silva@rc.example.com",
  attempts: 0,
});
const HIROSHI_UNMAPPED = mappingRow({
  ...HIROSHI,
  status: "unmapped_by_admin",
  method: null,
  account_id: null,
  account_name: null,
  account_email: null,
});

const SENTENCE =
  "Check before mapping Ana Silva to hiroshi.silva@rc.example.com (RingCentral): it is inactive, its name does not resemble Ana Silva and it is mapped to Hiroshi Silva (mapping it here unmaps Hiroshi Silva).";

function setup(handlers: Record<string, Handler> = {}, rows: MappingRow[] = [ANA, HIROSHI]) {
  return installBackend({
    handlers: {
      list_mappings: () => structuredClone(rows),
      get_schedule: () => scheduleInfo(),
      get_permission_gate: () => permissionGate(),
      mapping_units: () => [businessUnit()],
      search_accounts: () => [
        accountMatch({
          account_id: "rc-h",
          name: "Hiroshi Silva",
          email: "hiroshi.silva@rc.example.com",
          active: false,
          mapped_to: "Hiroshi Silva",
        }),
      ],
      check_map_user: () =>
        mapCheck({
          user_name: "Ana Silva",
          account_id: "rc-h",
          account_name: "Hiroshi Silva",
          account_email: "hiroshi.silva@rc.example.com",
          active: false,
          names_resemble: false,
          mapped_to: "Hiroshi Silva",
          confirm: SENTENCE,
        }),
      map_user: () =>
        actionResult(
          [ANA_MAPPED, HIROSHI_UNMAPPED],
          "Mapped Ana Silva to hiroshi.silva@rc.example.com (RingCentral). Hiroshi Silva is now unmapped.",
          41,
        ),
      ...handlers,
    },
  });
}

function renderScreen() {
  return render(
    <ToastProvider>
      <MappingScreen />
    </ToastProvider>,
  );
}

function rowById(id: number): HTMLElement | undefined {
  return screen.queryAllByTestId("mapping-row").find((r) => r.getAttribute("data-record-id") === String(id));
}

function statusOf(id: number): string | null {
  const row = rowById(id);
  return row ? row.getAttribute("data-status") : null;
}

async function openMenu(user: ReturnType<typeof userEvent.setup>, id: number) {
  await user.click(within(rowById(id)!).getByTestId("row-menu"));
  return screen.getByRole("menu");
}

/** Opens Map User for Ana and picks the (inactive, taken, differently named) account. */
async function pickHiroshisAccount(user: ReturnType<typeof userEvent.setup>) {
  await user.click(within(await openMenu(user, 1)).getByTestId("menu-map-user"));
  const dialog = screen.getByTestId("map-user-dialog");
  fireEvent.change(within(dialog).getByTestId("account-search"), { target: { value: "silva" } });
  await user.click(await within(dialog).findByTestId("account-option"));
  await within(dialog).findByTestId("map-guard");
  return dialog;
}

describe("Map User's guard", () => {
  it("shows the account's status, both names and its holder, and asks before mapping", async () => {
    const backend = setup();
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    const dialog = await pickHiroshisAccount(user);

    expect(backend.callsTo("check_map_user")[0].args).toEqual({
      linkId: 1,
      recordId: 1,
      accountId: "rc-h",
    });
    expect(within(dialog).getByTestId("guard-status")).toHaveTextContent("Inactive on RingCentral");
    expect(within(dialog).getByTestId("guard-names")).toHaveTextContent(
      "Ana Silva (CXone) · Hiroshi Silva (RingCentral) — not alike",
    );
    expect(within(dialog).getByTestId("guard-mapped-to")).toHaveTextContent("Hiroshi Silva (mapping here unmaps them)");

    // Map asks first, with the sentence naming every reason; nothing is mapped yet.
    await user.click(within(dialog).getByTestId("confirm-map"));
    expect(within(dialog).getByTestId("map-confirm-sentence")).toHaveTextContent(SENTENCE);
    expect(backend.callsTo("map_user")).toHaveLength(0);
    // Back returns to the choice without mapping.
    await user.click(within(dialog).getByTestId("map-confirm-back"));
    expect(within(dialog).queryByTestId("map-confirm")).not.toBeInTheDocument();
    expect(backend.callsTo("map_user")).toHaveLength(0);

    await user.click(within(dialog).getByTestId("confirm-map"));
    await user.click(within(dialog).getByTestId("confirm-map-anyway"));
    await waitFor(() => expect(screen.queryByTestId("map-user-dialog")).not.toBeInTheDocument());
    expect(backend.callsTo("map_user")[0].args).toEqual({
      linkId: 1,
      recordId: 1,
      accountId: "rc-h",
      confirmed: true,
    });
    // Both rows the change touched are shown as they are now.
    expect(statusOf(1)).toBe("mapped_manual");
    expect(statusOf(2)).toBe("unmapped_by_admin");
  });

  it("an account the guard finds fine maps at once, without the question", async () => {
    const backend = setup({
      check_map_user: () => mapCheck({ user_name: "Ana Silva", account_id: "rc-h", account_name: "Ana Silva" }),
    });
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    const dialog = await pickHiroshisAccount(user);
    expect(within(dialog).getByTestId("guard-status")).toHaveTextContent("Active on RingCentral");
    expect(within(dialog).getByTestId("guard-names")).toHaveTextContent("— alike");
    expect(within(dialog).getByTestId("guard-mapped-to")).toHaveTextContent("Nobody else");
    await user.click(within(dialog).getByTestId("confirm-map"));
    await waitFor(() => expect(backend.callsTo("map_user")).toHaveLength(1));
    expect(backend.callsTo("map_user")[0].args).toMatchObject({ confirmed: false });
  });

  it("a map the server refuses for confirmation asks with the server's sentence", async () => {
    let calls = 0;
    const backend = setup({
      check_map_user: () => mapCheck({ user_name: "Ana Silva", account_id: "rc-h" }),
      map_user: (args) => {
        calls += 1;
        if (!args.confirmed) {
          throw apiError("confirmation_required", "Check before mapping Ana Silva: it is inactive. Nothing was changed.");
        }
        return actionResult([ANA_MAPPED], "Mapped Ana Silva to hiroshi.silva@rc.example.com (RingCentral).");
      },
    });
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    const dialog = await pickHiroshisAccount(user);
    await user.click(within(dialog).getByTestId("confirm-map"));
    expect(await within(dialog).findByTestId("map-confirm-sentence")).toHaveTextContent(
      "Check before mapping Ana Silva: it is inactive. Nothing was changed.",
    );
    expect(within(dialog).queryByTestId("map-user-error")).not.toBeInTheDocument();
    await user.click(within(dialog).getByTestId("confirm-map-anyway"));
    await waitFor(() => expect(calls).toBe(2));
    expect(backend.callsTo("map_user")[1].args).toMatchObject({ confirmed: true });
  });
});

describe("toasts with Undo", () => {
  it("Map User says what happened, that the row left the filter, and Undo restores both rows", async () => {
    const backend = setup({
      undo_mapping_change: () =>
        actionResult([ANA, HIROSHI], "Undone: Ana Silva is unmapped again (RingCentral).", 42),
    });
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    await user.selectOptions(screen.getByTestId("mapping-status-filter"), "unmapped");
    const dialog = await pickHiroshisAccount(user);
    await user.click(within(dialog).getByTestId("confirm-map"));
    await user.click(within(dialog).getByTestId("confirm-map-anyway"));

    const toast = await screen.findByTestId("toast");
    expect(within(toast).getByTestId("toast-message")).toHaveTextContent(
      "Mapped Ana Silva to hiroshi.silva@rc.example.com (RingCentral). Hiroshi Silva is now unmapped. " +
        "Ana Silva no longer matches the “Unmapped” filter, so the row left the list.",
    );
    // Ana left the Unmapped list; Hiroshi (now unmapped) joined it.
    expect(statusOf(1)).toBeNull();
    expect(statusOf(2)).toBe("unmapped_by_admin");

    await user.click(within(toast).getByTestId("toast-undo"));
    await waitFor(() => expect(backend.callsTo("undo_mapping_change")).toHaveLength(1));
    expect(backend.callsTo("undo_mapping_change")[0].args).toEqual({ undoId: 41 });
    await waitFor(() => expect(statusOf(1)).toBe("unmapped_no_match"));
    expect(statusOf(2)).toBeNull();
    await user.selectOptions(screen.getByTestId("mapping-status-filter"), "all");
    expect(statusOf(2)).toBe("mapped_auto");
    expect(within(toast).getByTestId("toast-message")).toHaveTextContent(/^Undone: Mapped Ana Silva/);
  });

  it("an Undo refused because the row changed says why and shows the row as it is now", async () => {
    let listed = 0;
    const backend = setup({
      list_mappings: () => {
        listed += 1;
        // After the refused undo, the list reads what Auto Sync wrote meanwhile.
        return listed === 1 ? [ANA, HIROSHI] : [mappingRow({ ...ANA_MAPPED, status: "mapped_auto" }), HIROSHI_UNMAPPED];
      },
      undo_mapping_change: () => {
        throw apiError(
          "stale",
          "Ana Silva's RingCentral mapping changed since (Auto Sync or another change wrote it); nothing was undone.",
        );
      },
    });
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    const dialog = await pickHiroshisAccount(user);
    await user.click(within(dialog).getByTestId("confirm-map"));
    await user.click(within(dialog).getByTestId("confirm-map-anyway"));
    await user.click(await screen.findByTestId("toast-undo"));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not undo: Ana Silva's RingCentral mapping changed since",
    );
    await waitFor(() => expect(statusOf(1)).toBe("mapped_auto"));
    expect(backend.callsTo("list_mappings")).toHaveLength(2);
  });

  it("Retry has a toast whose Undo takes the change's id", async () => {
    const backend = setup({
      retry_user: () =>
        actionResult([mappingRow({ ...ANA, status: null, attempts: 0 })], "Ana Silva will be tried again on the next RingCentral Auto Sync.", 7),
      undo_mapping_change: () => actionResult([ANA], "Undone.", 8),
    });
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 1)).getByTestId("menu-retry"));
    const toast = await screen.findByTestId("toast");
    expect(toast).toHaveTextContent("Ana Silva will be tried again on the next RingCentral Auto Sync.");
    expect(statusOf(1)).toBe("none");
    await user.click(within(toast).getByTestId("toast-undo"));
    await waitFor(() => expect(statusOf(1)).toBe("unmapped_no_match"));
    expect(backend.callsTo("undo_mapping_change")[0].args).toEqual({ undoId: 7 });
  });
});

describe("Unmap", () => {
  it("asks first, naming the user and the account; Cancel changes nothing", async () => {
    const backend = setup({
      unmap_user: () =>
        actionResult([HIROSHI_UNMAPPED], "Unmapped Hiroshi Silva from hiroshi.silva@rc.example.com (RingCentral).", 9),
      undo_mapping_change: () => actionResult([HIROSHI], "Undone.", 10),
    });
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 2)).getByTestId("menu-unmap"));
    let confirm = screen.getByRole("alertdialog");
    expect(confirm).toHaveTextContent("Unmap Hiroshi Silva?");
    expect(within(confirm).getByTestId("unmap-sentence")).toHaveTextContent(
      "Hiroshi Silva will no longer be mapped to hiroshi.silva@rc.example.com (RingCentral)",
    );
    await user.click(within(confirm).getByTestId("confirm-cancel"));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(backend.callsTo("unmap_user")).toHaveLength(0);
    expect(statusOf(2)).toBe("mapped_auto");

    await user.click(within(await openMenu(user, 2)).getByTestId("menu-unmap"));
    confirm = screen.getByRole("alertdialog");
    await user.click(within(confirm).getByTestId("confirm-ok"));
    await waitFor(() => expect(statusOf(2)).toBe("unmapped_by_admin"));
    expect(backend.callsTo("unmap_user")[0].args).toEqual({ linkId: 1, recordId: 2 });
    const toast = await screen.findByTestId("toast");
    expect(toast).toHaveTextContent("Unmapped Hiroshi Silva from hiroshi.silva@rc.example.com (RingCentral).");
    await user.click(within(toast).getByTestId("toast-undo"));
    await waitFor(() => expect(statusOf(2)).toBe("mapped_auto"));
    expect(backend.callsTo("undo_mapping_change")[0].args).toEqual({ undoId: 9 });
  });
});

describe("stale messages", () => {
  it("a row's error goes when the filter or the platform changes", async () => {
    setup({
      retry_user: () => {
        throw apiError("busy", "Another CC Sync is running Auto Sync; try again when it finishes.");
      },
    });
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("mapping-row");
    await user.click(within(await openMenu(user, 1)).getByTestId("menu-retry"));
    expect(await screen.findByTestId("row-action-error")).toHaveTextContent("Ana Silva: Another CC Sync");
    await user.selectOptions(screen.getByTestId("mapping-status-filter"), "mapped");
    expect(screen.queryByTestId("row-action-error")).not.toBeInTheDocument();

    await user.selectOptions(screen.getByTestId("mapping-status-filter"), "all");
    await user.click(within(await openMenu(user, 1)).getByTestId("menu-retry"));
    expect(await screen.findByTestId("row-action-error")).toBeInTheDocument();
    await user.click(screen.getByTestId("platform-webex"));
    await screen.findAllByTestId("mapping-row");
    expect(screen.queryByTestId("row-action-error")).not.toBeInTheDocument();
  });
});
