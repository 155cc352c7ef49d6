import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { PermissionGatePanel } from "../mapping/PermissionGatePanel";
import { apiError, installBackend, permissionGate, type Handler } from "../test/fakeBackend";

function setup(handlers: Record<string, Handler> = {}) {
  return installBackend({
    handlers: {
      get_permission_gate: () => permissionGate(),
      set_permission_gate: (args) => {
        const gate = args.gate as { enabled: boolean; permission_key: string };
        return { enabled: gate.enabled, permission_key: gate.permission_key.trim() };
      },
      ...handlers,
    },
  });
}

describe("Permission gate panel", () => {
  it("shows the saved gate, off by default", async () => {
    setup();
    render(<PermissionGatePanel />);
    await waitFor(() => expect(screen.getByTestId("gate-state")).toHaveTextContent("Off"));
    expect(screen.getByTestId("gate-enabled")).not.toBeChecked();
    expect(screen.getByTestId("gate-key")).toHaveValue("UserMapping");
    // Nothing to save until something changes.
    expect(screen.getByTestId("save-gate")).toBeDisabled();
  });

  it("turns the gate on with the tenant's key", async () => {
    const user = userEvent.setup();
    const backend = setup();
    render(<PermissionGatePanel />);
    await waitFor(() => expect(screen.getByTestId("gate-key")).toHaveValue("UserMapping"));
    await user.click(screen.getByTestId("gate-enabled"));
    await user.clear(screen.getByTestId("gate-key"));
    await user.type(screen.getByTestId("gate-key"), "  MapUsers ");
    await user.click(screen.getByTestId("save-gate"));
    await waitFor(() => expect(screen.getByTestId("gate-state")).toHaveTextContent("Saved"));
    expect(backend.callsTo("set_permission_gate").map((c) => c.args.gate)).toEqual([
      { enabled: true, permission_key: "MapUsers" },
    ]);
    expect(screen.getByTestId("gate-state")).toHaveTextContent("On: users need “MapUsers”");
    expect(screen.getByTestId("gate-key")).toHaveValue("MapUsers");
  });

  it("refuses a blank key without calling the backend", async () => {
    const backend = setup({ get_permission_gate: () => permissionGate({ enabled: true }) });
    render(<PermissionGatePanel />);
    await waitFor(() => expect(screen.getByTestId("gate-enabled")).toBeChecked());
    fireEvent.change(screen.getByTestId("gate-key"), { target: { value: "   " } });
    fireEvent.click(screen.getByTestId("save-gate"));
    expect(await screen.findByTestId("gate-invalid")).toHaveTextContent("Enter the permission key");
    expect(screen.getByTestId("gate-key")).toHaveAttribute("aria-invalid", "true");
    expect(backend.callsTo("set_permission_gate")).toHaveLength(0);
  });

  it("shows the backend's sentence when saving fails, and keeps what was typed", async () => {
    setup({
      set_permission_gate: () => {
        throw apiError("database", "The local database failed: disk full. If this persists, see the log file.");
      },
    });
    render(<PermissionGatePanel />);
    await waitFor(() => expect(screen.getByTestId("gate-key")).toHaveValue("UserMapping"));
    fireEvent.click(screen.getByTestId("gate-enabled"));
    fireEvent.click(screen.getByTestId("save-gate"));
    expect(await screen.findByTestId("gate-error")).toHaveTextContent("disk full");
    expect(screen.getByTestId("gate-enabled")).toBeChecked();
    expect(screen.getByTestId("gate-state")).toHaveTextContent("Off");
  });
});
