// Files dropped on any screen of the app: CSV Import opens with them queued; a file CC Sync cannot
// import is refused with a sentence where it landed.
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import App from "../App";
import { apiError, emitToWebview, fakeImport, installBackend, type Handler } from "../test/fakeBackend";

const TEAM = "/home/admin/team.csv";

function setup(handlers: Record<string, Handler> = {}) {
  const fake = fakeImport();
  const backend = installBackend({
    handlers: {
      list_records: () => [],
      list_runs: () => [],
      ...fake.handlers,
      ...handlers,
    },
  });
  const user = userEvent.setup();
  render(<App />);
  return { backend, fake, user };
}

/** A native drag-and-drop event, emitted to the main webview as Tauri does. */
async function dragEvent(name: "enter" | "over" | "drop" | "leave", paths: string[] = []) {
  const payload =
    name === "leave" ? null : name === "over" ? { position: { x: 10, y: 10 } } : { paths, position: { x: 10, y: 10 } };
  await act(async () => {
    await emitToWebview(`tauri://drag-${name}`, payload);
  });
}

async function openRecords(user: ReturnType<typeof userEvent.setup>, backend: ReturnType<typeof installBackend>) {
  await user.click(await screen.findByTestId("nav-records"));
  expect(screen.getByRole("heading", { level: 1, name: "Records" })).toBeInTheDocument();
  // One window-wide drop zone, listening before any screen asks for it.
  await waitFor(() => expect(backend.listeners("tauri://drag-drop")).toHaveLength(1));
}

describe("Drop anywhere", () => {
  it("shows the drop zone on Records and opens CSV Import with the dropped CSV queued", async () => {
    const { backend, user } = setup();
    await openRecords(user, backend);

    await dragEvent("enter", [TEAM]);
    expect(screen.getByTestId("drop-overlay")).toHaveTextContent("Drop CSV or Excel files to import");
    expect(screen.getByRole("heading", { level: 1, name: "Records" })).toBeInTheDocument();
    await dragEvent("over");
    await dragEvent("drop", [TEAM]);
    expect(screen.queryByTestId("drop-overlay")).not.toBeInTheDocument();

    expect(await screen.findByRole("heading", { level: 1, name: "CSV Import" })).toBeInTheDocument();
    expect(screen.getByTestId("nav-csv-import")).toHaveAttribute("aria-current", "page");
    expect(backend.callsTo("import_enqueue").map((c) => c.args)).toEqual([{ paths: [TEAM] }]);
    await screen.findByTestId("import-mapping");
    expect(screen.getByTestId("import-current")).toHaveTextContent("team.csv");
    expect(backend.callsTo("import_preview").map((c) => c.args.path)).toEqual([TEAM]);
    expect(screen.queryByTestId("toast")).not.toBeInTheDocument();

    // Leaving CSV Import and coming back shows the same import, with nothing opened twice.
    await user.click(screen.getByTestId("nav-history"));
    await user.click(screen.getByTestId("nav-csv-import"));
    await screen.findByTestId("import-mapping");
    expect(backend.callsTo("import_enqueue")).toHaveLength(1);
  });

  it("refuses a file that is not a CSV with a sentence where it landed, and stays there", async () => {
    const { backend, user } = setup();
    await openRecords(user, backend);
    await dragEvent("enter", ["/home/admin/report.pdf"]);
    expect(screen.getByTestId("drop-overlay")).toBeInTheDocument();
    await dragEvent("drop", ["/home/admin/report.pdf"]);

    const toast = await screen.findByTestId("toast");
    expect(toast).toHaveAttribute("role", "alert");
    expect(toast).toHaveTextContent("report.pdf is not a CSV file; save it as CSV (UTF-8) and drop it again.");
    expect(screen.getByRole("heading", { level: 1, name: "Records" })).toBeInTheDocument();
    expect(screen.queryByTestId("drop-overlay")).not.toBeInTheDocument();
  });

  it("queues the CSV of a mixed drop and refuses the rest in a toast", async () => {
    const { backend, user } = setup();
    await openRecords(user, backend);
    await dragEvent("drop", ["/home/admin/notes.docx", TEAM]);
    await screen.findByTestId("import-mapping");
    expect(screen.getByTestId("import-current")).toHaveTextContent("team.csv");
    expect(screen.getByTestId("toast-message")).toHaveTextContent(
      "notes.docx is not a CSV file; save it as CSV (UTF-8) and drop it again.",
    );
  });

  it("shows a drop the backend refuses as a whole on CSV Import", async () => {
    const { backend, user } = setup({
      import_enqueue: () => {
        throw apiError(
          "invalid_input",
          `CC Sync reads and writes only files you choose: ${TEAM} was not chosen in a file dialog or ` +
            "dropped on the window. Choose it with Browse… (or Export…) or drop it on the window.",
        );
      },
    });
    await openRecords(user, backend);
    await dragEvent("drop", [TEAM]);
    const banner = await screen.findByTestId("import-error");
    expect(banner).toHaveTextContent("was not chosen");
    expect(screen.getByRole("heading", { level: 1, name: "CSV Import" })).toBeInTheDocument();

    // Seen once: coming back later does not show it again.
    await user.click(screen.getByTestId("nav-records"));
    await user.click(screen.getByTestId("nav-csv-import"));
    await screen.findByTestId("import-empty");
    expect(screen.queryByTestId("import-error")).not.toBeInTheDocument();
  });

  it("offers no drop zone for a drag without files", async () => {
    const { backend, user } = setup();
    await openRecords(user, backend);
    await dragEvent("enter", []);
    await dragEvent("over");
    expect(screen.queryByTestId("drop-overlay")).not.toBeInTheDocument();
    await dragEvent("leave");
  });
});
