import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { ConnectionsScreen } from "../connections/ConnectionsScreen";
import { STORED_PLACEHOLDER } from "../connections/ConnectionForm";
import type { Connection } from "../platform";
import { apiError, connection, deferred, installBackend } from "../test/fakeBackend";

const SERVICE_APP = connection({
  id: "wx",
  name: "Webex org",
  settings: {
    kind: "webex",
    api_url: "https://webexapis.com",
    credential: { method: "service_app", client_id: "Csvc" },
  },
  stored_secrets: ["client_secret", "refresh_token"],
});

const INTEGRATION = connection({
  id: "wxi",
  name: "Webex sign-in",
  settings: {
    kind: "webex",
    api_url: "https://webexapis.com",
    credential: { method: "integration", client_id: "Cint", redirect_port: 8765 },
  },
  stored_secrets: ["client_secret"],
});

async function openAddWebex() {
  const user = userEvent.setup();
  render(<ConnectionsScreen />);
  await user.click(await screen.findByTestId("welcome-add-button"));
  await user.selectOptions(screen.getByTestId("kind-select"), "webex");
  return user;
}

function secretFields(): string[] {
  return screen
    .queryAllByTestId(/^secret-/)
    .map((input) => input.getAttribute("data-testid") ?? "")
    .sort();
}

describe("Webex credential kinds in the connection form", () => {
  it("offers the three kinds, starts with the Service App, and labels the personal token as lasting 12 hours", async () => {
    installBackend();
    await openAddWebex();
    const kinds = within(screen.getByTestId("webex-credential"));
    expect(kinds.getByLabelText("Service App (renews itself)")).toBeChecked();
    expect(kinds.getByLabelText("Integration sign-in (renews itself)")).not.toBeChecked();
    expect(kinds.getByLabelText("Personal access token (lasts 12 hours)")).not.toBeChecked();
    expect(screen.getByTestId("webex-method-help")).toHaveTextContent("refresh token");
  });

  it("asks for each kind's own secrets when switching kinds", async () => {
    installBackend();
    const user = await openAddWebex();
    expect(secretFields()).toEqual(["secret-client_secret", "secret-refresh_token"]);
    expect(screen.getByTestId("field-client_id")).toBeInTheDocument();

    await user.click(screen.getByTestId("webex-method-integration"));
    expect(secretFields()).toEqual(["secret-client_secret"]);
    expect(screen.getByTestId("field-client_id")).toBeInTheDocument();
    expect(screen.getByTestId("webex-sign-in")).toHaveTextContent("Sign in with Webex…");
    expect(screen.getByTestId("webex-sign-in-state")).toHaveTextContent("Not signed in yet.");

    await user.click(screen.getByTestId("webex-method-personal_token"));
    expect(secretFields()).toEqual(["secret-access_token"]);
    expect(screen.queryByTestId("field-client_id")).not.toBeInTheDocument();
    expect(screen.queryByTestId("webex-sign-in")).not.toBeInTheDocument();
    expect(screen.getByTestId("webex-method-help")).toHaveTextContent("12 hours");
  });

  it("requires the Service App's client ID, client secret and refresh token, and sends them", async () => {
    const backend = installBackend({
      handlers: { create_connection: () => SERVICE_APP },
    });
    const user = await openAddWebex();
    await user.type(screen.getByTestId("field-name"), "Webex org");
    await user.click(screen.getByTestId("save-connection"));
    expect(screen.getByTestId("error-client_id")).toHaveTextContent("Enter the Client ID.");
    expect(screen.getByTestId("error-client_secret")).toBeInTheDocument();
    expect(screen.getByTestId("error-refresh_token")).toHaveTextContent("Enter the refresh token.");
    expect(backend.callsTo("create_connection")).toHaveLength(0);

    await user.type(screen.getByTestId("field-client_id"), " Csvc ");
    await user.type(screen.getByTestId("secret-client_secret"), "shh");
    await user.type(screen.getByTestId("secret-refresh_token"), "rt-1");
    await user.click(screen.getByTestId("save-connection"));
    await waitFor(() => expect(backend.callsTo("create_connection")).toHaveLength(1));
    expect(backend.callsTo("create_connection")[0].args).toEqual({
      draft: {
        name: "Webex org",
        settings: {
          kind: "webex",
          api_url: "https://webexapis.com",
          credential: { method: "service_app", client_id: "Csvc" },
        },
        secrets: { client_secret: "shh", refresh_token: "rt-1" },
      },
    });
  });

  it("edits a Service App with its secrets kept, and asks for the new kind's secrets when switching kind", async () => {
    const backend = installBackend({
      connections: [SERVICE_APP],
      handlers: { update_connection: () => SERVICE_APP },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("edit-button"));
    expect(screen.getByTestId("webex-method-service_app")).toBeChecked();
    expect(screen.getByTestId("field-client_id")).toHaveValue("Csvc");
    expect(screen.getByTestId("secret-refresh_token")).toHaveAttribute("placeholder", STORED_PLACEHOLDER);

    await user.click(screen.getByTestId("webex-method-personal_token"));
    expect(screen.getByTestId("secret-access_token")).not.toHaveAttribute(
      "placeholder",
      STORED_PLACEHOLDER,
    );
    await user.click(screen.getByTestId("save-connection"));
    expect(screen.getByTestId("error-access_token")).toBeInTheDocument();
    expect(backend.callsTo("update_connection")).toHaveLength(0);
    await user.type(screen.getByTestId("secret-access_token"), "tok");
    await user.click(screen.getByTestId("save-connection"));
    await waitFor(() => expect(backend.callsTo("update_connection")).toHaveLength(1));
    expect(backend.callsTo("update_connection")[0].args).toEqual({
      id: "wx",
      draft: {
        name: "Webex org",
        settings: {
          kind: "webex",
          api_url: "https://webexapis.com",
          credential: { method: "personal_token" },
        },
        secrets: { access_token: "tok" },
      },
    });
  });

  it("saves an Integration, then signs in through the browser, keeping its redirect port", async () => {
    const signedIn = deferred<unknown>();
    const backend = installBackend({
      connections: [INTEGRATION],
      handlers: {
        update_connection: () => INTEGRATION,
        webex_sign_in: () => signedIn.promise,
      },
    });
    const user = userEvent.setup();
    render(<ConnectionsScreen />);
    await user.click(await screen.findByTestId("edit-button"));
    expect(screen.getByTestId("webex-method-integration")).toBeChecked();
    expect(screen.getByTestId("field-redirect_port")).toHaveValue("8765");
    await user.click(screen.getByTestId("webex-sign-in"));
    await waitFor(() => expect(backend.callsTo("webex_sign_in")).toHaveLength(1));
    expect(backend.callsTo("update_connection")[0].args).toMatchObject({
      id: "wxi",
      draft: {
        settings: { credential: { method: "integration", client_id: "Cint", redirect_port: 8765 } },
        secrets: {},
      },
    });
    expect(backend.callsTo("webex_sign_in")[0].args).toEqual({ id: "wxi" });
    expect(screen.getByTestId("webex-sign-in")).toBeDisabled();
    expect(screen.getByTestId("webex-sign-in-state")).toHaveTextContent("in your browser");

    signedIn.resolve({ summary: "Signed in to Webex as Demo Administrator.", facts: [] });
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("shows why a sign-in failed and keeps the form open; a second try updates the saved connection", async () => {
    let attempts = 0;
    const saved: Connection = { ...INTEGRATION, id: "new-wx" };
    const backend = installBackend({
      handlers: {
        create_connection: () => saved,
        update_connection: () => saved,
        webex_sign_in: () => {
          attempts += 1;
          if (attempts === 1) {
            throw apiError(
              "auth_failed",
              "The Webex sign-in was declined in the browser. Choose Sign in with Webex again and accept the access CC Sync asks for.",
            );
          }
          return { summary: "Signed in.", facts: [] };
        },
      },
    });
    const user = await openAddWebex();
    await user.click(screen.getByTestId("webex-method-integration"));
    await user.type(screen.getByTestId("field-name"), "Webex sign-in");
    await user.type(screen.getByTestId("field-client_id"), "Cint");
    await user.type(screen.getByTestId("secret-client_secret"), "shh");
    await user.type(screen.getByTestId("field-redirect_port"), "70000");
    await user.click(screen.getByTestId("webex-sign-in"));
    expect(screen.getByTestId("error-redirect_port")).toHaveTextContent("1 to 65535");
    expect(backend.callsTo("create_connection")).toHaveLength(0);
    await user.clear(screen.getByTestId("field-redirect_port"));
    await user.click(screen.getByTestId("webex-sign-in"));
    expect(await screen.findByTestId("form-error")).toHaveTextContent("declined in the browser");
    expect(screen.getByRole("dialog")).toBeInTheDocument();
    expect(backend.callsTo("create_connection")).toHaveLength(1);
    expect(backend.callsTo("create_connection")[0].args).toMatchObject({
      draft: {
        settings: { credential: { method: "integration", client_id: "Cint", redirect_port: 0 } },
        secrets: { client_secret: "shh" },
      },
    });

    await user.click(screen.getByTestId("webex-sign-in"));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(backend.callsTo("create_connection")).toHaveLength(1);
    expect(backend.callsTo("update_connection")[0].args).toMatchObject({ id: "new-wx" });
  });

  it("Cancel while waiting for the browser stops the sign-in and keeps the saved connection", async () => {
    const never = deferred<unknown>();
    const saved: Connection = { ...INTEGRATION, id: "new-wx" };
    const backend = installBackend({
      handlers: {
        create_connection: () => {
          backend.state.connections.push(saved);
          return saved;
        },
        webex_sign_in: () => never.promise,
        cancel_webex_sign_in: () => {
          never.reject({ code: "cancelled", message: "Cancelled: nothing was written." });
          return null;
        },
      },
    });
    const user = await openAddWebex();
    await user.click(screen.getByTestId("webex-method-integration"));
    await user.type(screen.getByTestId("field-name"), "Webex sign-in");
    await user.type(screen.getByTestId("field-client_id"), "Cint");
    await user.type(screen.getByTestId("secret-client_secret"), "shh");
    await user.click(screen.getByTestId("webex-sign-in"));
    await waitFor(() => expect(backend.callsTo("webex_sign_in")).toHaveLength(1));
    await user.click(screen.getByTestId("cancel-connection"));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(backend.callsTo("cancel_webex_sign_in")).toHaveLength(1);
    expect(await screen.findByTestId("connection-row")).toHaveAttribute("data-name", "Webex sign-in");
  });
});
