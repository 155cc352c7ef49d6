import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { ConnectionsScreen } from "../connections/ConnectionsScreen";
import { NEW_HOST_PLACEHOLDER, STORED_PLACEHOLDER } from "../connections/ConnectionForm";
import type { Connection } from "../platform";
import { apiError, connection, deferred, installBackend, syncRun } from "../test/fakeBackend";

const DEMO = connection({
  id: "demo",
  name: "Demo tenant",
  is_demo: true,
  settings: {
    kind: "cxone",
    auth_url: "http://127.0.0.1:47123",
    client_id: "demo",
    access_key_id: "demo",
    campaigns_from_skills: true,
  },
});

function row(name: string): HTMLElement {
  const found = screen
    .getAllByTestId("connection-row")
    .find((r) => r.getAttribute("data-name") === name);
  if (!found) throw new Error(`no row ${name}`);
  return found;
}

describe("Connections screen: loading and empty state", () => {
  it("shows a loading state, then an error with Retry that reloads", async () => {
    let attempts = 0;
    const backend = installBackend({
      handlers: {
        list_connections: () => {
          attempts += 1;
          if (attempts === 1) throw apiError("database", "The database is locked.");
          return [connection()];
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    expect(screen.getByText("Loading connections…")).toBeInTheDocument();
    expect(await screen.findByRole("alert")).toHaveTextContent("The database is locked.");
    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("connection-row")).toHaveAttribute(
      "data-name",
      "Production CXone",
    );
    expect(backend.callsTo("list_connections")).toHaveLength(2);
  });

  it("shows the welcome card and starts the demo tenant", async () => {
    const started = deferred<Connection>();
    const backend = installBackend({
      handlers: {
        start_demo_tenant: () => {
          backend.state.connections.push(DEMO);
          return started.promise;
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    expect(await screen.findByText("Welcome to CC Sync")).toBeInTheDocument();
    expect(screen.getByTestId("welcome-add-button")).toBeInTheDocument();

    await user.click(screen.getByTestId("demo-button"));
    expect(screen.getByTestId("demo-button")).toHaveTextContent("Starting the demo tenant…");
    expect(screen.getByTestId("demo-button")).toBeDisabled();
    started.resolve(DEMO);

    const demoRow = await screen.findByTestId("connection-row");
    expect(demoRow).toHaveAttribute("data-name", "Demo tenant");
    expect(within(demoRow).getByText("Demo")).toBeInTheDocument();
    expect(within(demoRow).getByText("NICE CXone")).toBeInTheDocument();
    expect(within(demoRow).getByText("http://127.0.0.1:47123")).toBeInTheDocument();
    expect(backend.callsTo("start_demo_tenant")).toHaveLength(1);
    expect(backend.callsTo("list_connections")).toHaveLength(2);
  });

  it("shows a demo tenant failure inline", async () => {
    installBackend({
      handlers: {
        start_demo_tenant: () => {
          throw apiError("io", "Port 47123 is already in use.");
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("demo-button"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Port 47123 is already in use.");
    expect(screen.getByTestId("demo-button")).toBeEnabled();
  });
});

describe("Connections screen: list", () => {
  const RC = connection({
    id: "c2",
    name: "RC main",
    settings: { kind: "ringcentral", server_url: "https://platform.ringcentral.com", client_id: "rc" },
    stored_secrets: ["client_secret", "jwt_credential"],
    last_test: { at: new Date().toISOString(), ok: false, message: "Authentication failed." },
  });
  const WX = connection({
    id: "c3",
    name: "Webex org",
    settings: { kind: "webex", api_url: "https://webexapis.com", credential: { method: "personal_token" } },
    stored_secrets: ["access_token"],
    last_test: { at: "2024-01-02T03:04:05Z", ok: true, message: "Connected as admin@example.com" },
  });

  it("renders one row per connection with type, endpoint and last test", async () => {
    installBackend({ connections: [connection(), RC, WX] });
    render(<ConnectionsScreen />);
    const rows = await screen.findAllByTestId("connection-row");
    expect(rows.map((r) => r.getAttribute("data-name"))).toEqual([
      "Production CXone",
      "RC main",
      "Webex org",
    ]);
    expect(within(row("RC main")).getByText("RingCentral")).toBeInTheDocument();
    expect(within(row("Webex org")).getByText("https://webexapis.com")).toBeInTheDocument();
    expect(within(row("Production CXone")).getByText("Never tested")).toBeInTheDocument();
    const failed = within(row("RC main")).getByTestId("last-test");
    expect(failed).toHaveTextContent(/Failed/);
    expect(failed).toHaveTextContent(/just now/);
    expect(failed.getAttribute("title")).toContain("Authentication failed.");
    expect(within(row("Webex org")).getByTestId("last-test")).toHaveAttribute("data-ok", "true");
    expect(screen.queryByText("Demo")).not.toBeInTheDocument();
    expect(screen.getByTestId("add-connection-button")).toBeInTheDocument();
  });

  it("tests a connection and shows summary and facts, then refreshes the list", async () => {
    const outcome = deferred<unknown>();
    const backend = installBackend({
      connections: [connection()],
      handlers: {
        test_connection: () => {
          backend.state.connections = [
            connection({ last_test: { at: new Date().toISOString(), ok: true, message: "OK" } }),
          ];
          return outcome.promise;
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    const button = within(await screen.findByTestId("connection-row")).getByTestId("test-button");
    await user.click(button);
    expect(button).toHaveTextContent("Testing…");
    expect(button).toBeDisabled();
    outcome.resolve({
      summary: "Connected to NICE CXone as api-user.",
      facts: [
        { label: "Business unit", value: "4600123" },
        { label: "Region", value: "na1" },
      ],
    });
    const result = await screen.findByTestId("test-result");
    expect(result).toHaveAttribute("data-ok", "true");
    expect(result).toHaveTextContent("Connected to NICE CXone as api-user.");
    expect(within(result).getByText("Business unit")).toBeInTheDocument();
    expect(within(result).getByText("4600123")).toBeInTheDocument();
    expect(within(result).getByText("na1")).toBeInTheDocument();
    expect(backend.callsTo("test_connection")[0].args).toEqual({ id: "c1" });
    await waitFor(() =>
      expect(within(row("Production CXone")).getByTestId("last-test")).toHaveAttribute(
        "data-ok",
        "true",
      ),
    );
    expect(screen.getByTestId("test-button")).toHaveTextContent("Test");
    expect(screen.getByTestId("test-button")).toBeEnabled();
  });

  it("shows the backend message when a test fails", async () => {
    installBackend({
      connections: [connection()],
      handlers: {
        test_connection: () => {
          throw apiError("auth_failed", "CXone rejected the access key.");
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("test-button"));
    const result = await screen.findByTestId("test-result");
    expect(result).toHaveAttribute("data-ok", "false");
    expect(result).toHaveAttribute("role", "alert");
    expect(result).toHaveTextContent("CXone rejected the access key.");
    expect(result).not.toHaveTextContent("[object Object]");
  });

  it("asks for confirmation before deleting, then reloads", async () => {
    const backend = installBackend({
      connections: [connection(), WX],
      handlers: {
        delete_connection: (args) => {
          backend.state.connections = backend.state.connections.filter((c) => c.id !== args.id);
          return null;
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await screen.findAllByTestId("connection-row");

    await user.click(within(row("Webex org")).getByTestId("delete-button"));
    const dialog = screen.getByRole("alertdialog", { name: "Delete connection Webex org?" });
    expect(dialog).toHaveTextContent(
      "Its stored secrets are removed from the keyring. Synchronized records are kept.",
    );
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(backend.callsTo("delete_connection")).toHaveLength(0);

    await user.click(within(row("Webex org")).getByTestId("delete-button"));
    await user.click(screen.getByTestId("confirm-delete"));
    await waitFor(() => expect(screen.getAllByTestId("connection-row")).toHaveLength(1));
    expect(backend.callsTo("delete_connection")[0].args).toEqual({ id: "c3" });
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
  });
});

describe("Connection form", () => {
  it("validates required fields and secrets without calling the backend", async () => {
    const backend = installBackend();
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("welcome-add-button"));
    const dialog = screen.getByRole("dialog", { name: "Add a connection" });
    expect(screen.getByTestId("kind-select")).toHaveValue("cxone");
    expect(screen.getByTestId("field-auth_url")).toHaveValue("https://cxone.niceincontact.com");
    expect(screen.getByTestId("secret-client_secret")).toHaveAttribute("type", "password");

    await user.type(screen.getByTestId("field-name"), "   ");
    await user.click(screen.getByTestId("save-connection"));
    expect(within(dialog).getByText("Enter a name.")).toBeInTheDocument();
    expect(within(dialog).getByText("Enter the Client ID.")).toBeInTheDocument();
    expect(within(dialog).getByText("Enter the Access key ID.")).toBeInTheDocument();
    expect(within(dialog).getByText("Enter the client secret.")).toBeInTheDocument();
    expect(within(dialog).getByText("Enter the access key secret.")).toBeInTheDocument();
    expect(screen.getByTestId("field-name")).toHaveAttribute("aria-invalid", "true");
    expect(backend.callsTo("create_connection")).toHaveLength(0);
  });

  it("sends a trimmed draft with secrets and reloads the list", async () => {
    const backend = installBackend({
      handlers: {
        create_connection: (args) => {
          const created = connection({ id: "new", name: "Prod" });
          backend.state.connections.push(created);
          void args;
          return created;
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("welcome-add-button"));
    await user.type(screen.getByTestId("field-name"), "  Prod  ");
    await user.type(screen.getByTestId("field-client_id"), " cid ");
    await user.type(screen.getByTestId("field-access_key_id"), "AKID");
    await user.type(screen.getByTestId("secret-client_secret"), " s3cret ");
    await user.type(screen.getByTestId("secret-access_key_secret"), "aks");
    await user.click(screen.getByTestId("save-connection"));

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(backend.callsTo("create_connection")[0].args).toEqual({
      draft: {
        name: "Prod",
        settings: {
          kind: "cxone",
          auth_url: "https://cxone.niceincontact.com",
          client_id: "cid",
          access_key_id: "AKID",
          campaigns_from_skills: false,
        },
        secrets: { client_secret: "s3cret", access_key_secret: "aks" },
      },
    });
    expect(await screen.findByTestId("connection-row")).toHaveAttribute("data-name", "Prod");
  });

  it("builds the right draft for RingCentral and Webex", async () => {
    const backend = installBackend({
      handlers: { create_connection: () => connection({ id: "n" }) },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("welcome-add-button"));
    await user.selectOptions(screen.getByTestId("kind-select"), "ringcentral");
    expect(screen.queryByTestId("field-auth_url")).not.toBeInTheDocument();
    expect(screen.getByTestId("field-server_url")).toHaveValue("https://platform.ringcentral.com");
    await user.type(screen.getByTestId("field-name"), "RC");
    await user.type(screen.getByTestId("field-client_id"), "rc-id");
    await user.type(screen.getByTestId("secret-client_secret"), "rc-secret");
    await user.type(screen.getByTestId("secret-jwt_credential"), "eyJhbGciOi");
    await user.click(screen.getByTestId("save-connection"));
    await waitFor(() => expect(backend.callsTo("create_connection")).toHaveLength(1));
    expect(backend.callsTo("create_connection")[0].args).toEqual({
      draft: {
        name: "RC",
        settings: {
          kind: "ringcentral",
          server_url: "https://platform.ringcentral.com",
          client_id: "rc-id",
        },
        secrets: { client_secret: "rc-secret", jwt_credential: "eyJhbGciOi" },
      },
    });

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    await user.click(await screen.findByTestId("welcome-add-button"));
    await user.selectOptions(screen.getByTestId("kind-select"), "webex");
    expect(screen.getByTestId("field-api_url")).toHaveValue("https://webexapis.com");
    await user.click(screen.getByTestId("webex-method-personal_token"));
    await user.type(screen.getByTestId("field-name"), "WX");
    await user.type(screen.getByTestId("secret-access_token"), "tok");
    await user.click(screen.getByTestId("save-connection"));
    await waitFor(() => expect(backend.callsTo("create_connection")).toHaveLength(2));
    expect(backend.callsTo("create_connection")[1].args).toEqual({
      draft: {
        name: "WX",
        settings: { kind: "webex", api_url: "https://webexapis.com", credential: { method: "personal_token" } },
        secrets: { access_token: "tok" },
      },
    });
  });

  it("keeps the dialog open with the values when the backend rejects", async () => {
    installBackend({
      handlers: {
        create_connection: () => {
          throw apiError("name_taken", "A connection named “Prod” already exists.");
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("welcome-add-button"));
    await user.selectOptions(screen.getByTestId("kind-select"), "webex");
    await user.click(screen.getByTestId("webex-method-personal_token"));
    await user.type(screen.getByTestId("field-name"), "Prod");
    await user.type(screen.getByTestId("secret-access_token"), "tok");
    await user.click(screen.getByTestId("save-connection"));

    const error = await screen.findByTestId("form-error");
    expect(error).toHaveAttribute("role", "alert");
    expect(error).toHaveTextContent("A connection named “Prod” already exists.");
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    expect(screen.getByTestId("kind-select")).toHaveValue("webex");
    expect(screen.getByTestId("field-name")).toHaveValue("Prod");
    expect(screen.getByTestId("secret-access_token")).toHaveValue("tok");
    expect(screen.getByTestId("save-connection")).toBeEnabled();
  });

  it("edits without the type select and omits blank secrets", async () => {
    const backend = installBackend({
      connections: [connection()],
      handlers: {
        update_connection: () => connection({ name: "Renamed" }),
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(within(await screen.findByTestId("connection-row")).getByTestId("edit-button"));
    const dialog = screen.getByRole("dialog", { name: "Edit Production CXone" });
    expect(within(dialog).queryByTestId("kind-select")).not.toBeInTheDocument();
    expect(screen.getByTestId("field-name")).toHaveValue("Production CXone");
    expect(screen.getByTestId("field-client_id")).toHaveValue("client-1");
    expect(screen.getByTestId("secret-client_secret")).toHaveValue("");
    expect(screen.getByTestId("secret-client_secret")).toHaveAttribute(
      "placeholder",
      STORED_PLACEHOLDER,
    );

    await user.clear(screen.getByTestId("field-name"));
    await user.type(screen.getByTestId("field-name"), "Renamed");
    await user.type(screen.getByTestId("secret-access_key_secret"), "new-aks");
    await user.click(screen.getByTestId("save-connection"));

    await waitFor(() => expect(backend.callsTo("update_connection")).toHaveLength(1));
    expect(backend.callsTo("update_connection")[0].args).toEqual({
      id: "c1",
      draft: {
        name: "Renamed",
        settings: {
          kind: "cxone",
          auth_url: "https://cxone.niceincontact.com",
          client_id: "client-1",
          access_key_id: "AK1",
          campaigns_from_skills: false,
        },
        secrets: { access_key_secret: "new-aks" },
      },
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("asks for every secret again when the URL points at another server", async () => {
    const backend = installBackend({
      connections: [connection()],
      handlers: { update_connection: () => connection({ name: "Moved" }) },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(within(await screen.findByTestId("connection-row")).getByTestId("edit-button"));
    // The same server written differently keeps the stored secrets.
    await user.clear(screen.getByTestId("field-auth_url"));
    await user.type(screen.getByTestId("field-auth_url"), "HTTPS://cxone.niceincontact.com/");
    expect(screen.queryByTestId("host-changed")).not.toBeInTheDocument();
    expect(screen.getByTestId("secret-client_secret")).toHaveAttribute("placeholder", STORED_PLACEHOLDER);

    await user.clear(screen.getByTestId("field-auth_url"));
    await user.type(screen.getByTestId("field-auth_url"), "https://cxone.example.net");
    expect(screen.getByTestId("host-changed")).toHaveTextContent("Enter every secret again");
    expect(screen.getByTestId("secret-client_secret")).toHaveAttribute("placeholder", NEW_HOST_PLACEHOLDER);
    await user.click(screen.getByTestId("save-connection"));
    expect(backend.callsTo("update_connection")).toHaveLength(0);
    expect(screen.getByTestId("secret-client_secret")).toHaveAttribute("aria-invalid", "true");

    await user.type(screen.getByTestId("secret-client_secret"), "cs");
    await user.type(screen.getByTestId("secret-access_key_secret"), "aks");
    await user.click(screen.getByTestId("save-connection"));
    await waitFor(() => expect(backend.callsTo("update_connection")).toHaveLength(1));
    expect(backend.callsTo("update_connection")[0].args).toMatchObject({
      draft: {
        settings: { auth_url: "https://cxone.example.net" },
        secrets: { client_secret: "cs", access_key_secret: "aks" },
      },
    });
  });

  it("offers Pull campaigns from skills for CXone only, off by default, sent in the draft", async () => {
    const backend = installBackend({
      handlers: { create_connection: () => connection({ id: "n" }) },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("welcome-add-button"));
    const box = screen.getByTestId("field-campaigns_from_skills");
    expect(box).not.toBeChecked();
    expect(
      screen.getByRole("checkbox", { name: "Pull campaigns from skills (as some dialers expect)" }),
    ).toBe(box);
    await user.selectOptions(screen.getByTestId("kind-select"), "webex");
    expect(screen.queryByTestId("field-campaigns_from_skills")).not.toBeInTheDocument();
    await user.selectOptions(screen.getByTestId("kind-select"), "cxone");

    await user.type(screen.getByTestId("field-name"), "Dialer");
    await user.type(screen.getByTestId("field-client_id"), "cid");
    await user.type(screen.getByTestId("field-access_key_id"), "AK");
    await user.type(screen.getByTestId("secret-client_secret"), "s");
    await user.type(screen.getByTestId("secret-access_key_secret"), "a");
    await user.click(screen.getByTestId("field-campaigns_from_skills"));
    await user.click(screen.getByTestId("save-connection"));
    await waitFor(() => expect(backend.callsTo("create_connection")).toHaveLength(1));
    expect(backend.callsTo("create_connection")[0].args).toMatchObject({
      draft: { settings: { kind: "cxone", campaigns_from_skills: true } },
    });
  });

  it("shows the stored Pull campaigns from skills value when editing", async () => {
    const backend = installBackend({
      connections: [DEMO],
      handlers: { update_connection: () => DEMO },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("edit-button"));
    expect(screen.getByTestId("field-campaigns_from_skills")).toBeChecked();
    await user.click(screen.getByTestId("field-campaigns_from_skills"));
    await user.click(screen.getByTestId("save-connection"));
    await waitFor(() => expect(backend.callsTo("update_connection")).toHaveLength(1));
    expect(backend.callsTo("update_connection")[0].args).toMatchObject({
      id: "demo",
      draft: { settings: { campaigns_from_skills: false } },
    });
  });

  it("closes on Cancel and on Escape without saving", async () => {
    const backend = installBackend({ connections: [connection()] });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("add-connection-button"));
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    await user.click(screen.getByTestId("cancel-connection"));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("edit-button"));
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    // Nothing but reads (the list with its mapping links, and History for the Start here card).
    expect(backend.calls.map((c) => c.cmd).filter((c) => c !== "list_runs")).toEqual([
      "list_connections",
      "mapping_units",
    ]);
  });

  it("Save and test shows a passing result in the dialog; Done closes it", async () => {
    const backend = installBackend({
      connections: [connection()],
      handlers: {
        save_and_test_connection: () => ({
          connection: connection({ last_test: { ok: true, message: "Connected.", at: "2024-05-02T10:00:00Z" } }),
          outcome: { summary: "Connected.", facts: [{ label: "Business unit", value: "4600123" }] },
          error: null,
        }),
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("edit-button"));
    await user.click(screen.getByTestId("save-and-test-connection"));
    const dialog = screen.getByRole("dialog");
    const result = await within(dialog).findByTestId("test-result");
    expect(result).toHaveAttribute("data-ok", "true");
    expect(result).toHaveTextContent("Connected.");
    expect(result).toHaveTextContent("4600123");
    expect(backend.callsTo("save_and_test_connection")[0].args).toMatchObject({
      id: "c1",
      keepIfFailed: false,
    });
    await user.click(within(dialog).getByTestId("connection-done"));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(backend.callsTo("update_connection")).toHaveLength(0);
  });

  it("keeps a failing connection unsaved in the dialog until Save anyway", async () => {
    const failure = apiError("auth_failed", "CXone rejected the access key.");
    const backend = installBackend({
      handlers: {
        save_and_test_connection: (args) => {
          if (!args.keepIfFailed) return { connection: null, outcome: null, error: failure };
          const saved = connection({
            id: "new",
            name: "Prod",
            last_test: { ok: false, message: failure.message, at: "2024-05-02T10:00:00Z" },
          });
          backend.state.connections.push(saved);
          return { connection: saved, outcome: null, error: failure };
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("welcome-add-button"));
    await user.type(screen.getByTestId("field-name"), "Prod");
    await user.type(screen.getByTestId("field-client_id"), "client");
    await user.type(screen.getByTestId("field-access_key_id"), "key");
    await user.type(screen.getByTestId("secret-client_secret"), "s1");
    await user.type(screen.getByTestId("secret-access_key_secret"), "wrong");
    await user.click(screen.getByTestId("save-and-test-connection"));

    const dialog = screen.getByRole("dialog");
    const result = await within(dialog).findByTestId("test-result");
    expect(result).toHaveAttribute("data-ok", "false");
    expect(result).toHaveTextContent("CXone rejected the access key.");
    expect(within(dialog).getByTestId("form-test-hint")).toHaveTextContent("Nothing was saved");
    expect(screen.queryByTestId("save-connection")).not.toBeInTheDocument();
    expect(screen.getByTestId("field-name")).toHaveValue("Prod");
    expect(backend.state.connections).toHaveLength(0);

    await user.click(within(dialog).getByTestId("save-anyway"));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    const calls = backend.callsTo("save_and_test_connection");
    expect(calls.map((c) => c.args.keepIfFailed)).toEqual([false, true]);
    expect(calls[1].args).toMatchObject({ id: null, draft: { name: "Prod" } });
    const last = await within(await screen.findByTestId("connection-row")).findByTestId("last-test");
    expect(last).toHaveAttribute("data-ok", "false");
  });

  it("shows an error about a field at that field, focused, not below the form", async () => {
    installBackend({
      handlers: {
        save_and_test_connection: () => {
          throw {
            ...apiError("insecure_url", "http://cxone.example.com uses plain http://, which would send credentials unencrypted."),
            field: "auth_url",
          };
        },
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("welcome-add-button"));
    await user.type(screen.getByTestId("field-name"), "Prod");
    const url = screen.getByTestId("field-auth_url");
    await user.clear(url);
    await user.type(url, "http://cxone.example.com");
    await user.type(screen.getByTestId("field-client_id"), "client");
    await user.type(screen.getByTestId("field-access_key_id"), "key");
    await user.type(screen.getByTestId("secret-client_secret"), "s1");
    await user.type(screen.getByTestId("secret-access_key_secret"), "s2");
    await user.click(screen.getByTestId("save-and-test-connection"));

    const error = await screen.findByTestId("error-auth_url");
    expect(error).toHaveTextContent("plain http://");
    expect(url).toHaveAttribute("aria-invalid", "true");
    expect(url).toHaveFocus();
    expect(screen.queryByTestId("form-error")).not.toBeInTheDocument();
    expect(screen.queryByTestId("test-result")).not.toBeInTheDocument();
  });
});

describe("Start here", () => {
  it("walks a new admin through the app, ticks what is done, and stays dismissed", async () => {
    window.localStorage.clear();
    const tested = connection({ id: "c1", name: "Demo tenant" });
    const backend = installBackend({
      connections: [tested, connection({ id: "c2", name: "RingCentral", settings: { kind: "ringcentral", server_url: "https://platform.ringcentral.com", client_id: "x" } })],
      handlers: {
        list_runs: () => [syncRun({ kind: "pull", entity: "users", status: "succeeded" })],
        test_connection: (args) => {
          const found = backend.state.connections.find((c) => c.id === args.id);
          if (found) found.last_test = { ok: true, message: "Connected.", at: "2024-05-02T10:00:00Z" };
          return { summary: "Connected.", facts: [] };
        },
      },
    });
    const navigated: string[] = [];
    const user = userEvent.setup();
    const { unmount } = render(<ConnectionsScreen onNavigate={(s) => navigated.push(s)} />);
    const card = await screen.findByTestId("start-here");
    await waitFor(() =>
      expect(within(card).getByTestId("start-step-synchronize")).toHaveAttribute("data-done", "true"),
    );
    expect(within(card).getByTestId("start-step-test")).toHaveAttribute("data-done", "false");
    expect(within(card).getByTestId("start-step-mapping")).toHaveAttribute("data-done", "false");

    await user.click(within(card).getByTestId("start-step-test-button"));
    await waitFor(() =>
      expect(within(card).getByTestId("start-step-test")).toHaveAttribute("data-done", "true"),
    );
    expect(backend.callsTo("test_connection").map((c) => c.args.id)).toEqual(["c1", "c2"]);

    await user.click(within(card).getByTestId("start-step-mapping-button"));
    await user.click(within(card).getByTestId("start-step-import-button"));
    expect(navigated).toEqual(["user-mapping", "csv-import"]);

    await user.click(within(card).getByTestId("start-here-dismiss"));
    expect(screen.queryByTestId("start-here")).not.toBeInTheDocument();
    unmount();
    render(<ConnectionsScreen />);
    await screen.findAllByTestId("connection-row");
    expect(screen.queryByTestId("start-here")).not.toBeInTheDocument();
    window.localStorage.clear();
  });

  it("leaves once every step is done", async () => {
    window.localStorage.clear();
    installBackend({
      connections: [{ ...connection({ id: "c1", name: "Demo tenant" }), last_test: { ok: true, message: "Connected.", at: "2024-05-02T10:00:00Z" } }],
      handlers: {
        list_runs: () => [
          syncRun({ kind: "pull", entity: "users", status: "succeeded" }),
          syncRun({ kind: "auto_sync", entity: null, status: "succeeded" }),
          syncRun({ kind: "import", entity: "users", status: "succeeded" }),
        ],
      },
    });
    render(<ConnectionsScreen />);
    await screen.findAllByTestId("connection-row");
    await waitFor(() => expect(screen.queryByTestId("start-here")).not.toBeInTheDocument());
  });
});
