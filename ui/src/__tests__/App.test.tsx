import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import App from "../App";
import { apiError, installBackend } from "../test/fakeBackend";

describe("App shell", () => {
  it("shows the sidebar with nav items in order, version and database path", async () => {
    installBackend();
    render(<App />);
    const nav = await screen.findByRole("navigation", { name: "Main" });
    const labels = within(nav)
      .getAllByRole("button")
      .map((b) => b.textContent);
    expect(labels).toEqual([
      "Connections",
      "Synchronize",
      "User Mapping",
      "CSV Import",
      "Records",
      "History",
    ]);
    // The version element is there at once; its text arrives with app_info.
    await waitFor(() => expect(screen.getByTestId("app-version")).toHaveTextContent("0.3.1"));
    expect(screen.getByText("/home/admin/.local/share/cc-sync/cc-sync.db")).toBeInTheDocument();
    expect(screen.queryByTestId("keyring-banner")).not.toBeInTheDocument();
  });

  it("shows the keyring banner when the keyring has a problem", async () => {
    installBackend({ info: { keyring_problem: "No Secret Service provider was found." } });
    render(<App />);
    const banner = await screen.findByTestId("keyring-banner");
    expect(banner).toHaveAttribute("role", "alert");
    expect(banner).toHaveTextContent("No Secret Service provider was found.");
  });

  it("switches between the screens", async () => {
    installBackend({
      handlers: {
        list_records: () => [],
        list_runs: () => [],
        list_mappings: () => [],
        get_schedule: () => ({ schedule: { kind: "off" }, last_run: null, next_run: null }),
        import_queue: () => ({ current: null, waiting: [], refused: [] }),
      },
    });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByText("Welcome to CC Sync");

    await user.click(screen.getByTestId("nav-synchronize"));
    expect(screen.getByRole("heading", { level: 1, name: "Synchronize" })).toBeInTheDocument();
    expect(screen.getByTestId("nav-synchronize")).toHaveAttribute("aria-current", "page");
    // No CXone connection yet: Synchronize points to Connections.
    expect(await screen.findByTestId("sync-no-connections")).toHaveTextContent("Connections");
    await user.click(screen.getByTestId("go-to-connections"));
    expect(await screen.findByText("Welcome to CC Sync")).toBeInTheDocument();
    expect(screen.getByTestId("nav-connections")).toHaveAttribute("aria-current", "page");

    await user.click(screen.getByTestId("nav-user-mapping"));
    expect(screen.getByRole("heading", { level: 1, name: "User Mapping" })).toBeInTheDocument();
    // No CXone connection yet: no business unit to map, and a way to Connections.
    expect(await screen.findByTestId("mapping-no-unit")).toHaveTextContent(
      "No CXone connection yet, so there are no users to map.",
    );
    expect(screen.queryByText("Coming soon")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("go-to-connections"));
    expect(screen.getByTestId("nav-connections")).toHaveAttribute("aria-current", "page");

    await user.click(screen.getByTestId("nav-csv-import"));
    expect(screen.getByRole("heading", { level: 1, name: "CSV Import" })).toBeInTheDocument();
    expect(await screen.findByTestId("import-empty")).toHaveTextContent("User ID/Email (Required)");
    expect(screen.queryByText("Coming soon")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("nav-records"));
    expect(screen.getByRole("heading", { level: 1, name: "Records" })).toBeInTheDocument();
    expect(await screen.findByTestId("records-empty")).toBeInTheDocument();
    expect(screen.queryByText("Coming soon")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("nav-history"));
    expect(screen.getByRole("heading", { level: 1, name: "History" })).toBeInTheDocument();
    expect(await screen.findByText("No runs yet.")).toBeInTheDocument();
    expect(screen.queryByText("Coming soon")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("nav-connections"));
    expect(await screen.findByText("Welcome to CC Sync")).toBeInTheDocument();
  });

  it("opens the log folder and shows a failure inline", async () => {
    const backend = installBackend({
      handlers: {
        open_log_folder: () => {
          throw apiError("io", "The log folder could not be opened.");
        },
      },
    });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByTestId("open-log-folder"));
    expect(await screen.findByText("The log folder could not be opened.")).toHaveAttribute(
      "role",
      "alert",
    );
    expect(backend.callsTo("open_log_folder")).toHaveLength(1);
  });

  it("shows why the database cannot be opened, and starts with a new one on request", async () => {
    const problem = {
      kind: "corrupt" as const,
      message: "CC Sync's database /data/ccsync.sqlite3 is damaged or is not a CC Sync database, so it cannot be opened.",
      database_path: "/data/ccsync.sqlite3",
      data_folder: "/data",
      backup: "/data/ccsync.sqlite3.v4-1700000000.bak",
    };
    let current: typeof problem | null = problem;
    const backend = installBackend({
      handlers: {
        startup_problem: () => current,
        recover_store: () => {
          current = null;
          return null;
        },
        open_data_folder: () => null,
      },
    });
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByTestId("store-problem-message")).toHaveTextContent("is damaged");
    expect(screen.getByTestId("store-problem-path")).toHaveTextContent("/data/ccsync.sqlite3");
    expect(screen.getByTestId("store-problem-backup")).toHaveTextContent(".bak");
    // The app's screens are not shown, and nothing asks the unopened store for anything.
    expect(screen.queryByRole("navigation", { name: "Main" })).not.toBeInTheDocument();
    expect(backend.callsTo("app_info")).toHaveLength(0);

    await user.click(screen.getByTestId("open-data-folder"));
    expect(backend.callsTo("open_data_folder")).toHaveLength(1);
    expect(screen.getByTestId("store-restore-backup")).toBeEnabled();
    await user.click(screen.getByTestId("store-start-new"));
    expect(backend.callsTo("recover_store").map((c) => c.args.choice)).toEqual(["start_new"]);
    expect(await screen.findByRole("navigation", { name: "Main" })).toBeInTheDocument();
    expect(screen.queryByTestId("store-problem")).not.toBeInTheDocument();
  });

  it("offers Try again for a database another program holds, and shows a problem that remains", async () => {
    const locked = {
      kind: "locked" as const,
      message: "CC Sync's database /data/ccsync.sqlite3 is in use by another CC Sync.",
      database_path: "/data/ccsync.sqlite3",
      data_folder: "/data",
      backup: null,
    };
    const backend = installBackend({
      handlers: {
        startup_problem: () => locked,
        recover_store: () => ({ ...locked, message: "Still in use by another CC Sync." }),
      },
    });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByTestId("store-problem");
    expect(screen.queryByTestId("store-start-new")).not.toBeInTheDocument();
    expect(screen.queryByTestId("store-restore-backup")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("store-try-again"));
    expect(await screen.findByText("Still in use by another CC Sync.")).toBeInTheDocument();
    expect(backend.callsTo("recover_store").map((c) => c.args.choice)).toEqual(["try_again"]);
  });
});
