import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { RecordsScreen } from "../records/RecordsScreen";
import type { PasswordsSet, StoredRecord } from "../platform";
import { apiError, installBackend, storedRecord } from "../test/fakeBackend";

const USERS: StoredRecord[] = [
  storedRecord({ id: "1001", name: "Ada Lovelace", detail: "ada@example.com" }),
  storedRecord({ id: "1002", name: "Grace Hopper", detail: "grace@example.com" }),
  storedRecord({ id: "1003", name: "Alan Turing", detail: "alan@example.com", password_set: true }),
  storedRecord({ id: "1004", name: "Edsger Dijkstra", detail: "edsger@example.com", business_unit_id: 77 }),
];

const DONE: PasswordsSet = { run_id: 9, users: 2, path: "/home/admin/temporary-passwords.csv", generated: true };

function rowById(id: string): HTMLElement {
  const found = screen.getAllByTestId("record-row").find((r) => r.getAttribute("data-id") === id);
  if (!found) throw new Error(`no record row ${id}`);
  return found;
}

function checkbox(id: string): HTMLInputElement {
  return within(rowById(id)).getByTestId("record-select") as HTMLInputElement;
}

/** The list after passwords were set for `ids`. */
function withPasswords(ids: string[]): StoredRecord[] {
  return USERS.map((u) =>
    ids.includes(u.id)
      ? { ...u, password_set: true, must_change_password: true, password_set_at: "2026-12-01T10:00:00Z" }
      : u,
  );
}

describe("Records → Set temporary passwords", () => {
  it("selects users one by one and Select All selects the users the search shows", async () => {
    installBackend({ handlers: { list_records: () => USERS } });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    const button = screen.getByTestId("records-set-passwords");
    expect(button).toBeDisabled();
    expect(button).toHaveTextContent(/^Set temporary passwords$/);

    await user.click(checkbox("1001"));
    expect(button).toBeEnabled();
    expect(button).toHaveTextContent("Set temporary passwords (1)");
    const selectAll = screen.getByTestId("records-select-all") as HTMLInputElement;
    expect(selectAll.checked).toBe(false);
    expect(selectAll.indeterminate).toBe(true);

    // Select All of a filtered list: only the users shown.
    await user.type(screen.getByTestId("records-search"), "ce");
    await waitFor(() => expect(screen.getAllByTestId("record-row")).toHaveLength(2));
    await user.click(screen.getByTestId("records-select-all"));
    expect(checkbox("1001").checked && checkbox("1002").checked).toBe(true);
    expect(button).toHaveTextContent("Set temporary passwords (2)");
    await user.clear(screen.getByTestId("records-search"));
    await waitFor(() => expect(screen.getAllByTestId("record-row")).toHaveLength(4));
    expect(checkbox("1003").checked).toBe(false);
    expect(checkbox("1004").checked).toBe(false);

    // Select All of the whole list, then clear it.
    await user.click(screen.getByTestId("records-select-all"));
    expect(button).toHaveTextContent("Set temporary passwords (4)");
    expect((screen.getByTestId("records-select-all") as HTMLInputElement).checked).toBe(true);
    await user.click(screen.getByTestId("records-select-all"));
    expect(button).toBeDisabled();
  }, 20_000);

  it("has no selection outside the users tab", async () => {
    installBackend({
      handlers: {
        list_records: (args) =>
          args.entity === "campaigns" ? [storedRecord({ id: "c-1", name: "Outbound" })] : USERS,
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    await user.click(checkbox("1001"));
    await user.click(screen.getByTestId("records-tab-campaigns"));
    expect(await screen.findByTestId("record-row")).toHaveAttribute("data-id", "c-1");
    expect(screen.queryByTestId("record-select")).not.toBeInTheDocument();
    expect(screen.queryByTestId("records-select-all")).not.toBeInTheDocument();
    expect(screen.queryByTestId("records-set-passwords")).not.toBeInTheDocument();
  });

  it("generates passwords into the chosen file, then shows the users must change them", async () => {
    let listed = USERS;
    const backend = installBackend({
      handlers: {
        list_records: () => listed,
        choose_save_path: () => DONE.path,
        set_temporary_passwords: () => {
          listed = withPasswords(["1001", "1004"]);
          return DONE;
        },
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    expect(within(rowById("1001")).getByTestId("password-badge")).toHaveTextContent("password not set");
    await user.click(checkbox("1001"));
    await user.click(checkbox("1004"));
    await user.click(screen.getByTestId("records-set-passwords"));

    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("passwords-users")).toHaveTextContent("For 2 users: Ada Lovelace, Edsger Dijkstra");
    expect(within(dialog).getByTestId("passwords-mode-generate")).toBeChecked();
    // A typed password is for one user only.
    expect(within(dialog).getByTestId("passwords-mode-typed")).toBeDisabled();
    expect(within(dialog).getByTestId("passwords-typed-one-only")).toBeInTheDocument();
    expect(dialog).toHaveTextContent("only a one-way hash");
    expect(dialog).toHaveTextContent("They cannot be shown again");
    await user.click(within(dialog).getByTestId("passwords-save"));

    expect(await screen.findByTestId("passwords-result")).toHaveTextContent(
      `Set temporary passwords for 2 users; each must change it at first sign-in. The only copy is in ${DONE.path}`,
    );
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(backend.callsTo("choose_save_path")[0].args.defaultName).toMatch(
      /^temporary-passwords-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    expect(backend.callsTo("check_temporary_password")).toHaveLength(0);
    expect(backend.callsTo("set_temporary_passwords")[0].args).toEqual({
      users: [
        { business_unit_id: 4600123, id: "1001" },
        { business_unit_id: 77, id: "1004" },
      ],
      typed: null,
      path: DONE.path,
    });
    // The list is read again: the badge now says the user must change the password.
    await waitFor(() =>
      expect(within(rowById("1001")).getByTestId("password-badge")).toHaveTextContent(
        "must change at first sign-in",
      ),
    );
    expect(within(rowById("1004")).getByTestId("password-badge")).toHaveAttribute("data-state", "must-change");
    expect(within(rowById("1002")).getByTestId("password-badge")).toHaveTextContent("password not set");
    expect(screen.getByTestId("records-set-passwords")).toBeDisabled();
    expect(checkbox("1001").checked).toBe(false);
  });

  it("sets nothing when the save dialog is cancelled, and says it can be run again", async () => {
    let chosen: string | null = null;
    const backend = installBackend({
      handlers: {
        list_records: () => USERS,
        choose_save_path: () => chosen,
        set_temporary_passwords: () => ({ ...DONE, users: 1 }),
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    await user.click(checkbox("1002"));
    await user.click(screen.getByTestId("records-set-passwords"));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByTestId("passwords-save"));
    expect(await within(dialog).findByTestId("passwords-not-saved")).toHaveTextContent(
      "No file was chosen, so no password was set",
    );
    expect(backend.callsTo("set_temporary_passwords")).toHaveLength(0);
    expect(within(dialog).getByTestId("passwords-save")).toBeEnabled();

    // Run again, this time saving.
    chosen = DONE.path;
    await user.click(within(dialog).getByTestId("passwords-save"));
    expect(await screen.findByTestId("passwords-result")).toHaveTextContent("for 1 user;");
    expect(backend.callsTo("set_temporary_passwords")).toHaveLength(1);
  });

  it("checks a typed password before asking for the file, and sends it for one user", async () => {
    let verdict: "refuse" | "accept" = "refuse";
    const backend = installBackend({
      handlers: {
        list_records: () => USERS,
        check_temporary_password: () => {
          if (verdict === "refuse") {
            throw apiError("invalid_input", "This password cannot be used: it needs at least three of these.");
          }
          return null;
        },
        choose_save_path: () => DONE.path,
        set_temporary_passwords: () => ({ ...DONE, users: 1, generated: false }),
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    await user.click(checkbox("1003"));
    await user.click(screen.getByTestId("records-set-passwords"));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("passwords-replacing")).toHaveTextContent(
      "This user already has a password; it will be replaced.",
    );
    await user.click(within(dialog).getByTestId("passwords-mode-typed"));
    const field = within(dialog).getByTestId("passwords-typed");
    expect(field).toHaveAttribute("type", "password");
    await user.type(field, "short");
    expect(within(dialog).getByTestId("passwords-save")).toBeDisabled();
    await user.type(field, "lowercaseonly");
    await user.click(within(dialog).getByTestId("passwords-save"));
    expect(await within(dialog).findByTestId("passwords-error")).toHaveTextContent("three of these");
    expect(backend.callsTo("choose_save_path")).toHaveLength(0);

    verdict = "accept";
    await user.clear(field);
    await user.type(field, "Typed-Temporary-Pw9");
    await user.click(within(dialog).getByTestId("passwords-save"));
    await screen.findByTestId("passwords-result");
    expect(backend.callsTo("check_temporary_password").at(-1)?.args).toEqual({ password: "Typed-Temporary-Pw9" });
    expect(backend.callsTo("set_temporary_passwords")[0].args).toEqual({
      users: [{ business_unit_id: 4600123, id: "1003" }],
      typed: "Typed-Temporary-Pw9",
      path: DONE.path,
    });
  }, 20_000);

  it("shows the core's sentence when setting fails, and Cancel closes without setting", async () => {
    const backend = installBackend({
      handlers: {
        list_records: () => USERS,
        choose_save_path: () => DONE.path,
        set_temporary_passwords: () => {
          throw apiError("busy", "The local database is busy. Nothing was changed; try again when it finishes.");
        },
      },
    });
    const user = userEvent.setup();
    render(<RecordsScreen />);
    await screen.findAllByTestId("record-row");
    await user.click(checkbox("1001"));
    await user.click(screen.getByTestId("records-set-passwords"));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByTestId("passwords-save"));
    expect(await within(dialog).findByTestId("passwords-error")).toHaveTextContent("The local database is busy");
    expect(screen.queryByTestId("passwords-result")).not.toBeInTheDocument();
    await user.click(within(dialog).getByTestId("passwords-cancel"));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(backend.callsTo("set_temporary_passwords")).toHaveLength(1);
    expect(checkbox("1001").checked).toBe(true);
  });
});
