// Long on purpose: one scenario per test of the CSV Import screen over the shared fake backend.
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import { ToastProvider } from "../components/Toasts";
import { FileDrop, type ImportArrival } from "../import/FileDrop";
import { ImportScreen } from "../import/ImportScreen";
import type { UserImportColumn, UserImportRow } from "../platform";
import {
  apiError,
  deferred,
  emitToWebview,
  fakeImport,
  importRow,
  installBackend,
  sendProgress,
  type FakeImportFile,
  type Handler,
} from "../test/fakeBackend";

const A = "/data/a.csv";
const B = "/data/b.csv";
const EMAIL_HEADER = "User ID/Email (Required)";

/** Five rows: two to create (one with a warning), one update, one invalid, one unchanged. */
function reviewRows(): UserImportRow[] {
  return [
    importRow({
      index: 0,
      email: "ada@example.com",
      action: "create",
      cells: ["ada@example.com", "Ada", "Lovelace", "", "", "TRUE", "", ""],
      changes: [{ field: "First name", old: null, new: "Ada" }],
    }),
    importRow({
      index: 1,
      email: "grace@example.com",
      action: "update",
      cells: ["grace@example.com", "Grace", "Hopper", "", "+15550199", "TRUE", "", ""],
      changes: [{ field: "Phone number", old: "+15550100", new: "+15550199" }],
    }),
    importRow({
      index: 2,
      email: "not-an-email",
      action: "invalid",
      cells: ["not-an-email", "Alan", "Turing", "", "", "", "", ""],
      findings: [
        { column: EMAIL_HEADER, message: '"not-an-email" is not an email address.', warning: false },
      ],
    }),
    importRow({
      index: 3,
      email: "edsger@example.com",
      action: "unchanged",
      cells: ["edsger@example.com", "Edsger", "Dijkstra", "", "", "", "", ""],
    }),
    importRow({
      index: 4,
      email: "barbara@example.com",
      action: "create",
      cells: ["barbara@example.com", "Barbara", "Liskov", "", "5550123", "", "TRUE", ""],
      findings: [
        { column: "Phone Number", message: "No country code: read as a US number.", warning: true },
      ],
      changes: [{ field: "Phone number", old: null, new: "+15550123" }],
    }),
  ];
}

const FILE_A: FakeImportFile = {
  rows: reviewRows(),
  licences: { licences_added: 3, licences_removed: 1, cc_licences_removed: 2 },
};

type Options = {
  files?: Record<string, FakeImportFile>;
  /** The queue the backend holds when the screen opens. */
  current?: string | null;
  waiting?: string[];
  handlers?: Record<string, Handler>;
};

/** CSV Import as the app shell holds it: the window-wide drop zone beside it, toasts around both. */
function ImportHarness() {
  const [arrival, setArrival] = useState<ImportArrival | null>(null);
  return (
    <ToastProvider>
      <FileDrop onArrival={setArrival} />
      <ImportScreen arrival={arrival} onArrivalSeen={() => setArrival(null)} />
    </ToastProvider>
  );
}

function setup({ files = { [A]: FILE_A, [B]: { rows: reviewRows() } }, current = null, waiting = [], handlers = {} }: Options = {}) {
  const fake = fakeImport(files);
  fake.state.queue = { current, waiting: [...waiting], refused: [] };
  const backend = installBackend({ handlers: { ...fake.handlers, ...handlers } });
  const user = userEvent.setup();
  const view = render(<ImportHarness />);
  return { backend, fake, user, view };
}

type Backend = ReturnType<typeof installBackend>;

async function dropListenerReady(backend: Backend) {
  await waitFor(() => expect(backend.listeners("tauri://drag-drop")).toHaveLength(1));
}

/** A native drag-and-drop event, emitted to the main webview as Tauri does. */
async function dragEvent(name: "enter" | "over" | "drop" | "leave", paths: string[] = []) {
  const payload =
    name === "leave" ? null : name === "over" ? { position: { x: 10, y: 10 } } : { paths, position: { x: 10, y: 10 } };
  await act(async () => {
    await emitToWebview(`tauri://drag-${name}`, payload);
  });
}

function selectedFields(): Array<string> {
  return within(screen.getByTestId("import-mapping"))
    .getAllByRole("combobox")
    .map((select) => (select as HTMLSelectElement).value);
}

async function runDryRun(user: ReturnType<typeof userEvent.setup>) {
  const button = await screen.findByTestId("import-dry-run");
  await waitFor(() => expect(button).toBeEnabled());
  await user.click(button);
  await screen.findByTestId("import-summary");
  await screen.findAllByTestId("review-row");
}

/** Commit, then Commit again in its confirmation. */
async function commitConfirmed(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByTestId("import-commit"));
  const dialog = await screen.findByRole("alertdialog", { name: "Commit this import?" });
  await user.click(within(dialog).getByTestId("confirm-ok"));
}

function reviewRow(index: number): HTMLElement {
  const found = screen
    .getAllByTestId("review-row")
    .find((row) => row.getAttribute("data-index") === String(index));
  if (!found) throw new Error(`no review row ${index}`);
  return found;
}

function shownIndexes(): string[] {
  return screen.queryAllByTestId("review-row").map((row) => row.getAttribute("data-index") ?? "");
}

describe("CSV Import: queue and drop zone", () => {
  it("shows the empty state with the Control Hub format when nothing is queued", async () => {
    const { backend } = setup();
    const empty = await screen.findByTestId("import-empty");
    expect(backend.callsTo("import_queue")).toHaveLength(1);
    expect(empty).toHaveTextContent("User ID/Email (Required)");
    expect(empty).toHaveTextContent("Standard Agent");
    expect(empty).toHaveTextContent("Premium Agent");
    expect(within(empty).getByRole("button", { name: "Browse…" })).toBeEnabled();
    expect(within(empty).getByRole("button", { name: "Export users…" })).toBeEnabled();
    expect(screen.queryByTestId("import-mapping")).not.toBeInTheDocument();
  });

  it("highlights the window while files are dragged, then queues the dropped files and previews the first", async () => {
    const { backend } = setup();
    await screen.findByTestId("import-empty");
    await dropListenerReady(backend);
    // The listener is bound to this webview, as getCurrentWebview().onDragDropEvent binds it.
    expect(backend.listeners("tauri://drag-drop")[0].target).toEqual({ kind: "Webview", label: "main" });

    await dragEvent("enter", [A]);
    expect(screen.getByTestId("drop-overlay")).toHaveTextContent("Drop CSV or Excel files to import");
    await dragEvent("over");
    expect(screen.getByTestId("drop-overlay")).toBeInTheDocument();
    await dragEvent("leave");
    expect(screen.queryByTestId("drop-overlay")).not.toBeInTheDocument();

    // Text dragged from another app carries no files: no drop zone.
    await dragEvent("enter", []);
    await dragEvent("over");
    expect(screen.queryByTestId("drop-overlay")).not.toBeInTheDocument();
    await dragEvent("leave");

    await dragEvent("enter", [A]);
    await dragEvent("drop", [A, B, "/data/notes.pdf"]);
    expect(screen.queryByTestId("drop-overlay")).not.toBeInTheDocument();
    expect(backend.callsTo("import_enqueue")[0].args).toEqual({ paths: [A, B, "/data/notes.pdf"] });

    const mapping = await screen.findByTestId("import-mapping");
    expect(backend.callsTo("import_preview")[0].args).toEqual({ path: A, delimiter: null });
    expect(screen.getByTestId("import-file")).toHaveTextContent("a.csv");
    expect(screen.getByTestId("import-format")).toHaveTextContent("UTF-8 · comma · BOM");
    expect(screen.getByTestId("import-current")).toHaveTextContent("a.csv");
    expect(screen.getAllByTestId("import-waiting").map((w) => w.textContent)).toEqual(["b.csv"]);
    // The file CC Sync cannot import is refused with a sentence, in a toast.
    expect(screen.getByTestId("toast-message")).toHaveTextContent(
      "notes.pdf is not a CSV file; save it as CSV (UTF-8) and drop it again.",
    );
    expect(screen.getByTestId("toast")).toHaveAttribute("role", "alert");

    // One row per column: the header, its field, the suspended badge and the note.
    expect(within(mapping).getAllByTestId("mapping-row")).toHaveLength(8);
    expect(within(mapping).getByRole("rowheader", { name: EMAIL_HEADER })).toBeInTheDocument();
    expect(selectedFields()).toEqual([
      "email",
      "first_name",
      "last_name",
      "display_name",
      "phone_number",
      "standard_agent",
      "premium_agent",
      "",
    ]);
    expect(
      within(screen.getByTestId("mapping-select-0"))
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual([
      "Ignore",
      "Email",
      "First name",
      "Last name",
      "Display name",
      "Phone number",
      "Standard Agent licence",
      "Premium Agent licence",
      "Role",
    ]);
    expect(screen.getByTestId("mapping-suspended-6")).toHaveTextContent("suspended");
    expect(screen.queryByTestId("mapping-suspended-5")).not.toBeInTheDocument();
    expect(screen.getByTestId("mapping-note-7")).toHaveTextContent("ignored on import");
    expect(screen.getByTestId("import-region")).toHaveValue("US");
    expect(screen.getByTestId("mode-add")).toBeChecked();
    expect(screen.getByLabelText("Add services only")).toBe(screen.getByTestId("mode-add"));
    expect(screen.getByLabelText("Add and remove services")).toBe(screen.getByTestId("mode-add-remove"));
    expect(screen.getByTestId("import-dry-run")).toBeEnabled();
  });

  it("adds files dropped while one is open to the queue without leaving it", async () => {
    const { backend } = setup({ current: A });
    await screen.findByTestId("import-mapping");
    await dropListenerReady(backend);
    await dragEvent("drop", [B, "/data/c.xlsx"]);
    await waitFor(() =>
      expect(screen.getAllByTestId("import-waiting").map((w) => w.textContent)).toEqual([
        "b.csv",
        "c.xlsx",
      ]),
    );
    expect(backend.callsTo("import_preview").map((c) => c.args.path)).toEqual([A]);
    expect(screen.getByTestId("import-current")).toHaveTextContent("a.csv");
  });

  it("stops listening for drops when the window's drop zone goes", async () => {
    const { backend, view } = setup();
    await screen.findByTestId("import-empty");
    await dropListenerReady(backend);
    expect(backend.listeners()).toHaveLength(4);
    view.unmount();
    await waitFor(() => expect(backend.listeners()).toHaveLength(0));
    await emitToWebview("tauri://drag-drop", { paths: [A], position: { x: 1, y: 1 } });
    expect(backend.callsTo("import_enqueue")).toHaveLength(0);
  });

  it("Browse… opens the file dialog for user files and queues the choice", async () => {
    let answer: string[] | null = null;
    const { backend, user } = setup({ handlers: { "choose_import_files": () => answer } });
    await user.click(await screen.findByRole("button", { name: "Browse…" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Browse…" })).toBeEnabled());
    expect(backend.callsTo("choose_import_files")[0].args).toEqual({});
    expect(backend.callsTo("import_enqueue")).toHaveLength(0);

    answer = [B, A];
    await user.click(screen.getByRole("button", { name: "Browse…" }));
    await screen.findByTestId("import-mapping");
    expect(backend.callsTo("import_enqueue")[0].args).toEqual({ paths: [B, A] });
    expect(backend.callsTo("import_preview")[0].args).toEqual({ path: B, delimiter: null });
    expect(screen.getAllByTestId("import-waiting").map((w) => w.textContent)).toEqual(["a.csv"]);
  });

  it("exports the stored users from the empty state", async () => {
    const { backend, user } = setup({
      handlers: { "choose_save_path": () => "/home/admin/users.csv", export_users: () => 12 },
    });
    await user.click(await screen.findByRole("button", { name: "Export users…" }));
    expect(await screen.findByTestId("import-export-result")).toHaveTextContent(
      "Exported 12 users to /home/admin/users.csv",
    );
    expect(backend.callsTo("choose_save_path")[0].args).toMatchObject({ defaultName: "users.csv" });
    expect(backend.callsTo("export_users")[0].args).toEqual({ path: "/home/admin/users.csv" });
  });
});

describe("CSV Import: mapping step", () => {
  it("restores the current file on mount and sends the edited mapping, mode and country to the dry run", async () => {
    const { backend, user } = setup({ current: A });
    await screen.findByTestId("import-mapping");
    expect(backend.callsTo("import_preview")[0].args).toEqual({ path: A, delimiter: null });

    await user.selectOptions(screen.getByTestId("mapping-select-3"), "Ignore");
    await user.selectOptions(screen.getByTestId("mapping-select-7"), "Role");
    await user.click(screen.getByTestId("mode-add-remove"));
    const region = screen.getByTestId("import-region");
    await user.clear(region);
    await user.type(region, "gb");
    expect(region).toHaveValue("GB");
    await runDryRun(user);

    const args = backend.callsTo("import_plan")[0].args;
    const mappings = args.mappings as UserImportColumn[];
    expect(mappings.map((m) => m.field)).toEqual([
      "email",
      "first_name",
      "last_name",
      null,
      "phone_number",
      "standard_agent",
      "premium_agent",
      "role",
    ]);
    expect(mappings[6]).toMatchObject({ header: "Webex Contact Center Premium Agent (Suspended)", suspended: true });
    expect(args).toMatchObject({ path: A, mode: "add_remove", region: "GB", delimiter: null });
    expect(JSON.stringify(args.onProgress)).toMatch(/^"__CHANNEL__:\d+"$/);
  });

  it("shows the first values of each column beside it, as text, cut short with the full value on hover", async () => {
    const long = `${"Very long department name ".repeat(2).trim()}…`;
    setup({
      current: A,
      files: {
        [A]: {
          preview: {
            samples: [
              ["ada@example.com", "grace@example.com", "not-an-email"],
              ["<b>Ada</b>", long],
              [],
              [],
              ["+15550199"],
              ["TRUE"],
              [],
              ["Active"],
            ],
          },
        },
      },
    });
    const mapping = await screen.findByTestId("import-mapping");
    expect(within(mapping).getByRole("columnheader", { name: "First values" })).toBeInTheDocument();
    const emails = within(screen.getByTestId("mapping-samples-0")).getAllByTestId("mapping-sample");
    expect(emails.map((e) => e.textContent)).toEqual(["ada@example.com", "grace@example.com", "not-an-email"]);
    const names = within(screen.getByTestId("mapping-samples-1")).getAllByTestId("mapping-sample");
    // Markup in a cell is shown as the text it is, never run.
    expect(names[0]).toHaveTextContent("<b>Ada</b>");
    expect(mapping.querySelector("b")).toBeNull();
    expect(names[1]).toHaveAttribute("title", long);
    expect(names[1]).toHaveClass("mapping-sample");
    expect(screen.getByTestId("mapping-samples-2")).toHaveTextContent("blank in the first rows");
    // The values sit in the row of their column.
    const rows = within(mapping).getAllByTestId("mapping-row");
    expect(within(rows[4]).getByTestId("mapping-sample")).toHaveTextContent("+15550199");
  });

  it("shows the dry run as busy from the click on, before the backend answers", async () => {
    const pending = deferred<unknown>();
    const { backend } = setup({ current: A, handlers: { import_plan: () => pending.promise } });
    const button = await screen.findByTestId("import-dry-run");
    await waitFor(() => expect(button).toBeEnabled());
    expect(button).toHaveTextContent("Run dry run");
    fireEvent.click(button);
    // No await and no waitFor: what the first frame after the click shows.
    expect(button).toHaveTextContent("Running dry run…");
    expect(button).toHaveAttribute("aria-busy", "true");
    expect(button).toBeDisabled();
    expect(screen.getByRole("progressbar", { name: "Dry run" })).toBeInTheDocument();
    expect(screen.getByTestId("import-progress")).toHaveTextContent("Starting the dry run…");
    expect(screen.getByTestId("import-cancel")).toBeEnabled();
    await act(async () => {
      pending.reject(apiError("cancelled", "Cancelled: nothing was written."));
    });
    await waitFor(() => expect(button).toHaveTextContent("Run dry run"));
    expect(button).toHaveAttribute("aria-busy", "false");
    expect(backend.callsTo("import_plan")).toHaveLength(1);
  });

  it("allows the dry run only with exactly one Email column and a two-letter country", async () => {
    const { backend, user } = setup({ current: A });
    await screen.findByTestId("import-mapping");
    const dryRun = screen.getByTestId("import-dry-run");

    await user.selectOptions(screen.getByTestId("mapping-select-0"), "Ignore");
    expect(dryRun).toBeDisabled();
    expect(screen.getByTestId("mapping-problems")).toHaveTextContent("Map one column to Email");

    await user.selectOptions(screen.getByTestId("mapping-select-0"), "Email");
    await user.selectOptions(screen.getByTestId("mapping-select-7"), "Email");
    expect(dryRun).toBeDisabled();
    expect(screen.getByTestId("mapping-problems")).toHaveTextContent(
      "“User ID/Email (Required)” and “User Status” are all mapped to Email",
    );

    await user.selectOptions(screen.getByTestId("mapping-select-7"), "Ignore");
    expect(dryRun).toBeEnabled();
    expect(screen.queryByTestId("mapping-problems")).not.toBeInTheDocument();

    await user.clear(screen.getByTestId("import-region"));
    await user.type(screen.getByTestId("import-region"), "1");
    expect(dryRun).toBeDisabled();
    await user.click(dryRun);
    expect(backend.callsTo("import_plan")).toHaveLength(0);
  });

  it("reads the file again with a chosen delimiter", async () => {
    const { backend, user } = setup({
      current: A,
      handlers: {
        import_preview: (args) => ({
          ...fakeImport().handlers.import_preview({ path: A, delimiter: null }) as object,
          format: {
            kind: "csv",
            encoding: "windows-1252",
            bom: false,
            delimiter: (args.delimiter as string | null) ?? "comma",
          },
        }),
      },
    });
    await screen.findByTestId("import-mapping");
    await user.selectOptions(screen.getByTestId("import-delimiter"), "Semicolon");
    await waitFor(() =>
      expect(screen.getByTestId("import-format")).toHaveTextContent("windows-1252 · semicolon"),
    );
    expect(screen.getByTestId("import-format")).not.toHaveTextContent("BOM");
    expect(backend.callsTo("import_preview").map((c) => c.args)).toEqual([
      { path: A, delimiter: null },
      { path: A, delimiter: "semicolon" },
    ]);
    expect(screen.getByTestId("import-delimiter")).toHaveValue("semicolon");

    await runDryRun(user);
    expect(backend.callsTo("import_plan")[0].args).toMatchObject({ delimiter: "semicolon" });
  });

  it("names the preset a mapping came from and saves the mapping as a preset", async () => {
    const { backend, user } = setup({
      current: A,
      files: { [A]: { ...FILE_A, preview: { preset: "Control Hub" } } },
    });
    expect(await screen.findByTestId("import-preset")).toHaveTextContent("Mapping from preset Control Hub");
    const name = screen.getByLabelText("Preset name");
    expect(name).toHaveValue("Control Hub");
    await user.clear(name);
    expect(screen.getByRole("button", { name: "Save as preset" })).toBeDisabled();
    await user.type(name, "Sales team");
    await user.selectOptions(screen.getByTestId("mapping-select-7"), "Role");
    await user.click(screen.getByRole("button", { name: "Save as preset" }));
    expect(await screen.findByTestId("preset-saved")).toHaveTextContent("Sales team");
    const args = backend.callsTo("import_save_preset")[0].args;
    expect(args.name).toBe("Sales team");
    expect((args.mappings as UserImportColumn[])[7].field).toBe("role");
  });

  it("shows why a file cannot be read and skips it to the next one", async () => {
    const { backend, user } = setup({
      current: A,
      waiting: [B],
      files: {
        [A]: {
          previewError: apiError(
            "invalid_input",
            'The header "Email" appears twice (columns 1 and 3); rename one and try again.',
          ),
        },
        [B]: { rows: reviewRows() },
      },
    });
    const failure = await screen.findByTestId("import-preview-error");
    expect(within(failure).getByRole("alert")).toHaveTextContent(
      'The header "Email" appears twice (columns 1 and 3); rename one and try again.',
    );
    expect(screen.queryByTestId("import-mapping")).not.toBeInTheDocument();

    await user.click(within(failure).getByRole("button", { name: "Skip this file" }));
    await screen.findByTestId("import-mapping");
    expect(backend.callsTo("import_finish")).toHaveLength(1);
    expect(backend.callsTo("import_preview").map((c) => c.args.path)).toEqual([A, B]);
    expect(screen.getByTestId("import-current")).toHaveTextContent("b.csv");
    expect(screen.queryByTestId("import-preview-error")).not.toBeInTheDocument();
  });

  it("Discard finishes the file and returns to the empty state when nothing waits", async () => {
    const { backend, user } = setup({ current: A });
    await screen.findByTestId("import-mapping");
    await user.click(screen.getByTestId("import-discard"));
    await screen.findByTestId("import-empty");
    expect(backend.callsTo("import_finish")).toHaveLength(1);
    expect(screen.queryByTestId("import-queue")).not.toBeInTheDocument();
  });
});

describe("CSV Import: dry run and review", () => {
  it("shows the dry run's counts, says nothing is written yet, and warns about removed licences", async () => {
    const { user } = setup({ current: A });
    await runDryRun(user);
    const summary = screen.getByTestId("import-summary");
    expect(summary).toHaveTextContent("Nothing has been written yet");
    const numbers = Object.fromEntries(
      [
        "rows",
        "created",
        "updated",
        "unchanged",
        "invalid",
        "warnings",
        "licences-added",
        "licences-removed",
      ].map((key) => [key, screen.getByTestId(`summary-${key}`).textContent]),
    );
    expect(numbers).toEqual({
      rows: "5",
      created: "2",
      updated: "1",
      unchanged: "1",
      invalid: "1",
      warnings: "1",
      "licences-added": "3",
      "licences-removed": "1",
    });
    expect(screen.getByTestId("summary-cc-removed")).toHaveTextContent(
      "2 users will lose their Contact Center licence",
    );
    expect(screen.getByTestId("import-commit")).toHaveTextContent("Commit 3 changes");
    expect(screen.getByTestId("import-commit")).toBeEnabled();
    expect(screen.getByTestId("import-errors")).toBeEnabled();
  });

  it("lists the rows with their action, findings and changes, and filters the ones with problems", async () => {
    const { backend, user } = setup({ current: A });
    await runDryRun(user);
    expect(shownIndexes()).toEqual(["0", "1", "2", "3", "4"]);
    expect(backend.callsTo("import_page")[0].args).toEqual({ offset: 0, limit: 200, problemsOnly: false });
    expect(screen.getByTestId("review-count")).toHaveTextContent("5 rows");

    const invalid = reviewRow(2);
    expect(invalid).toHaveAttribute("data-action", "invalid");
    expect(within(invalid).getByTestId("review-line")).toHaveTextContent("4");
    expect(within(invalid).getByTestId("review-action")).toHaveTextContent("Invalid");
    const finding = within(invalid).getByTestId("review-finding");
    expect(finding).toHaveTextContent(`${EMAIL_HEADER}: "not-an-email" is not an email address.`);
    expect(finding).toHaveClass("finding-error");

    const warned = within(reviewRow(4)).getByTestId("review-finding");
    expect(warned).toHaveTextContent("Phone Number: No country code: read as a US number.");
    expect(warned).toHaveClass("finding-warning");

    const update = reviewRow(1);
    expect(update).toHaveAttribute("data-action", "update");
    expect(within(update).getByTestId("review-action")).toHaveTextContent("Update");
    expect(within(update).getByTestId("review-email")).toHaveTextContent("grace@example.com");
    expect(within(update).getByTestId("review-change")).toHaveTextContent(
      "Phone number: +15550100 → +15550199",
    );
    expect(within(reviewRow(0)).getByTestId("review-change")).toHaveTextContent("First name: — → Ada");
    expect(within(reviewRow(3)).getByTestId("review-action")).toHaveTextContent("Unchanged");

    await user.click(screen.getByTestId("filter-problems"));
    await waitFor(() => expect(shownIndexes()).toEqual(["2", "4"]));
    expect(backend.callsTo("import_page").at(-1)?.args).toEqual({
      offset: 0,
      limit: 200,
      problemsOnly: true,
    });
    expect(screen.getByTestId("review-count")).toHaveTextContent("2 rows have problems");

    await user.click(screen.getByTestId("filter-problems"));
    await waitFor(() => expect(shownIndexes()).toEqual(["0", "1", "2", "3", "4"]));
  });

  it("edits a row: each changed cell is sent, a row still invalid keeps the dialog open, a valid one closes it", async () => {
    const { backend, user } = setup({ current: A });
    await runDryRun(user);
    await user.click(within(reviewRow(2)).getByTestId("edit-row"));

    const dialog = await screen.findByRole("dialog", { name: "Edit row 4" });
    expect(within(dialog).getByTestId("edit-cell-0")).toHaveValue("not-an-email");
    expect(within(dialog).getByTestId("edit-cell-1")).toHaveValue("Alan");
    expect(within(dialog).getByLabelText("First Name")).toBe(within(dialog).getByTestId("edit-cell-1"));
    expect(within(dialog).getByLabelText(EMAIL_HEADER)).toHaveAttribute("aria-invalid", "true");
    expect(within(dialog).getByTestId("edit-findings")).toHaveTextContent(
      '"not-an-email" is not an email address.',
    );
    expect(within(dialog).getByTestId("edit-save")).toBeDisabled();

    // Still no "@": the row stays invalid and the dialog open, with the new finding.
    await user.clear(within(dialog).getByTestId("edit-cell-0"));
    await user.type(within(dialog).getByTestId("edit-cell-0"), "alan.example.com");
    await user.click(within(dialog).getByTestId("edit-save"));
    expect(await within(dialog).findByTestId("edit-still-invalid")).toBeInTheDocument();
    expect(within(dialog).getByTestId("edit-findings")).toHaveTextContent(
      '"alan.example.com" is not an email address.',
    );
    expect(backend.callsTo("import_edit").map((c) => c.args)).toEqual([
      { index: 2, column: 0, value: "alan.example.com" },
    ]);

    // Two cells at once: sent in order; the row is valid and the dialog closes.
    await user.clear(within(dialog).getByTestId("edit-cell-0"));
    await user.type(within(dialog).getByTestId("edit-cell-0"), "alan@example.com");
    await user.clear(within(dialog).getByTestId("edit-cell-1"));
    await user.type(within(dialog).getByTestId("edit-cell-1"), "Alan M.");
    await user.click(within(dialog).getByTestId("edit-save"));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(backend.callsTo("import_edit").map((c) => c.args).slice(1)).toEqual([
      { index: 2, column: 0, value: "alan@example.com" },
      { index: 2, column: 1, value: "Alan M." },
    ]);

    // The summary comes from the edit; the table is fetched again.
    expect(screen.getByTestId("summary-invalid")).toHaveTextContent("0");
    expect(screen.getByTestId("summary-created")).toHaveTextContent("3");
    expect(screen.getByTestId("import-commit")).toHaveTextContent("Commit 4 changes");
    await waitFor(() => expect(reviewRow(2)).toHaveAttribute("data-action", "create"));
    expect(within(reviewRow(2)).getByTestId("review-email")).toHaveTextContent("alan@example.com");
    expect(screen.getByTestId("import-errors")).toBeDisabled();
  });

  it("drops a fixed row from the problems filter after an edit", async () => {
    const { user } = setup({ current: A });
    await runDryRun(user);
    await user.click(screen.getByTestId("filter-problems"));
    await waitFor(() => expect(shownIndexes()).toEqual(["2", "4"]));
    await user.click(within(reviewRow(2)).getByTestId("edit-row"));
    const dialog = await screen.findByRole("dialog");
    await user.clear(within(dialog).getByTestId("edit-cell-0"));
    await user.type(within(dialog).getByTestId("edit-cell-0"), "alan@example.com{Enter}");
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    await waitFor(() => expect(shownIndexes()).toEqual(["4"]));
    expect(screen.getByTestId("review-count")).toHaveTextContent("1 row has problems");
  });

  it("shows the dry run's progress and Cancel returns to the mapping with nothing written", async () => {
    const pending = deferred<unknown>();
    const { backend, user } = setup({
      current: A,
      handlers: {
        import_plan: (args) => {
          sendProgress(args.onProgress, { phase: "reading", done: 512, total: 2048 });
          return pending.promise;
        },
        import_cancel: () => {
          pending.reject(apiError("cancelled", "Cancelled: nothing was written."));
          return null;
        },
      },
    });
    await screen.findByTestId("import-mapping");
    await user.click(screen.getByTestId("import-dry-run"));
    const bar = await screen.findByRole("progressbar", { name: "Dry run" });
    await waitFor(() => expect(bar).toHaveAttribute("aria-valuenow", "512"));
    expect(screen.getByTestId("import-progress")).toHaveTextContent("25%");
    expect(screen.getByTestId("import-dry-run")).toBeDisabled();

    const channel = backend.callsTo("import_plan")[0].args.onProgress;
    act(() => sendProgress(channel, { phase: "reading", done: 1536, total: 2048 }));
    expect(screen.getByTestId("import-progress")).toHaveTextContent("75%");

    await user.click(screen.getByTestId("import-cancel"));
    expect(await screen.findByTestId("import-cancelled")).toHaveTextContent(
      "Cancelled: nothing was written.",
    );
    expect(backend.callsTo("import_cancel")).toHaveLength(1);
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
    expect(screen.queryByTestId("import-summary")).not.toBeInTheDocument();
    expect(screen.queryByTestId("import-error")).not.toBeInTheDocument();
    expect(screen.getByTestId("import-dry-run")).toBeEnabled();
  });

  it("shows a failed dry run in an alert banner", async () => {
    const { user } = setup({
      current: A,
      handlers: {
        import_plan: () => {
          throw apiError("invalid_input", "The file has a header row but no users below it.");
        },
      },
    });
    await screen.findByTestId("import-mapping");
    await user.click(screen.getByTestId("import-dry-run"));
    const banner = await screen.findByTestId("import-error");
    expect(banner).toHaveAttribute("role", "alert");
    expect(banner).toHaveTextContent("The file has a header row but no users below it.");
    expect(screen.getByTestId("import-mapping")).toBeInTheDocument();
  });

  it("saves the invalid rows as an error file named after the import", async () => {
    let answer: string | null = null;
    const { backend, user } = setup({
      current: A,
      handlers: { "choose_save_path": () => answer },
    });
    await runDryRun(user);
    await user.click(screen.getByTestId("import-errors"));
    await waitFor(() => expect(screen.getByTestId("import-errors")).toBeEnabled());
    expect(backend.callsTo("choose_save_path")[0].args).toEqual({ defaultName: "a-errors.csv" });
    expect(backend.callsTo("import_write_errors")).toHaveLength(0);

    answer = "/home/admin/a-errors.csv";
    await user.click(screen.getByTestId("import-errors"));
    expect(await screen.findByTestId("import-errors-result")).toHaveTextContent(
      "Saved 1 row to /home/admin/a-errors.csv",
    );
    expect(backend.callsTo("import_write_errors")[0].args).toEqual({ path: "/home/admin/a-errors.csv" });
  });

  it("keeps a million-row plan to the pages in view", async () => {
    const TOTAL = 1_000_000;
    const rowAt = (index: number) =>
      importRow({ index, line: index + 2, email: `agent${index}@example.com`, action: "create" });
    const { backend, user } = setup({
      current: A,
      handlers: {
        import_plan: () => ({
          file: "a.csv",
          rows: TOTAL,
          created: TOTAL,
          updated: 0,
          unchanged: 0,
          invalid: 0,
          warnings: 0,
          licences_added: 0,
          licences_removed: 0,
          cc_licences_removed: 0,
          run_id: null,
        }),
        import_page: (args) => {
          const offset = args.offset as number;
          const limit = args.limit as number;
          const end = Math.min(TOTAL, offset + limit);
          return { total: TOTAL, rows: Array.from({ length: end - offset }, (_, i) => rowAt(offset + i)) };
        },
      },
    });
    await runDryRun(user);
    expect(screen.getAllByTestId("review-row").length).toBeLessThan(100);
    expect(backend.callsTo("import_page").map((c) => c.args)).toEqual([
      { offset: 0, limit: 200, problemsOnly: false },
    ]);
    expect(screen.getByTestId("review-count")).toHaveTextContent(`${(TOTAL).toLocaleString()} rows`);

    const scroll = screen.getByTestId("review-scroll");
    scroll.scrollTop = 500_000 * 40;
    fireEvent.scroll(scroll);
    await waitFor(() => expect(shownIndexes()).toContain("500000"));
    const pages = backend.callsTo("import_page").map((c) => c.args.offset as number);
    expect(pages.length).toBeLessThanOrEqual(3);
    expect(pages).toContain(500_000);
    for (const offset of pages) expect(offset % 200).toBe(0);
    expect(screen.getAllByTestId("review-row").length).toBeLessThan(100);
  });
});

describe("CSV Import: commit", () => {
  it("asks before committing, with the counts, and Cancel writes nothing", async () => {
    const { backend, user } = setup({ current: A });
    await runDryRun(user);
    await user.click(screen.getByTestId("import-commit"));
    const dialog = await screen.findByRole("alertdialog", { name: "Commit this import?" });
    expect(within(dialog).getByTestId("import-confirm-text")).toHaveTextContent(
      "Create 2 users, update 1; 1 row rejected will go to the error file. 1 licence is removed: 2 users lose their Contact Center licence.",
    );
    // Removing licences cannot be undone here: the red button.
    expect(within(dialog).getByTestId("confirm-ok")).toHaveClass("btn-danger");
    expect(within(dialog).getByTestId("confirm-cancel")).toHaveFocus();
    await user.click(within(dialog).getByTestId("confirm-cancel"));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(backend.callsTo("import_commit")).toHaveLength(0);
    expect(screen.getByTestId("import-summary")).toBeInTheDocument();
  });

  it("says only what the commit does when nothing is rejected or removed", async () => {
    const { user } = setup({
      current: A,
      files: {
        [A]: {
          rows: [
            importRow({ index: 0, action: "update" }),
            importRow({ index: 1, action: "update" }),
            importRow({ index: 2, action: "unchanged" }),
          ],
        },
      },
    });
    await runDryRun(user);
    await user.click(screen.getByTestId("import-commit"));
    const dialog = await screen.findByRole("alertdialog", { name: "Commit this import?" });
    expect(within(dialog).getByTestId("import-confirm-text")).toHaveTextContent(/^Update 2 users\.$/);
    expect(within(dialog).getByTestId("confirm-ok")).toHaveClass("btn-primary");
  });

  it("commits once confirmed, says so in a toast, and Finish opens the next file with no message left over", async () => {
    const { backend, user } = setup({
      current: A,
      waiting: [B],
      handlers: { choose_save_path: () => "/home/admin/a-errors.csv" },
    });
    await runDryRun(user);
    await commitConfirmed(user);
    const result = await screen.findByTestId("import-result");
    expect(result).toHaveTextContent("Imported: 2 created, 1 updated (run #41)");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.getByTestId("toast-message")).toHaveTextContent(
      "Imported a.csv: 2 created, 1 updated (run #41). 1 rejected row was not imported.",
    );
    expect(screen.getByTestId("toast")).toHaveAttribute("role", "status");
    await user.click(within(result).getByTestId("import-errors"));
    expect(await screen.findByTestId("import-errors-result")).toHaveTextContent("Saved 1 row to");
    expect(JSON.stringify(backend.callsTo("import_commit")[0].args.onProgress)).toMatch(
      /^"__CHANNEL__:\d+"$/,
    );
    expect(screen.queryByTestId("import-summary")).not.toBeInTheDocument();
    expect(backend.callsTo("import_finish")).toHaveLength(0);

    await user.click(screen.getByTestId("import-finish"));
    await waitFor(() => expect(screen.getByTestId("import-current")).toHaveTextContent("b.csv"));
    await screen.findByTestId("import-mapping");
    expect(backend.callsTo("import_finish")).toHaveLength(1);
    expect(backend.callsTo("import_preview").map((c) => c.args)).toEqual([
      { path: A, delimiter: null },
      { path: B, delimiter: null },
    ]);
    expect(screen.queryByTestId("import-result")).not.toBeInTheDocument();
    expect(screen.queryAllByTestId("import-waiting")).toHaveLength(0);
    expect(screen.queryByTestId("import-errors-result")).not.toBeInTheDocument();

    // The last file: Finish returns to the empty state, again with nothing left over.
    await runDryRun(user);
    await commitConfirmed(user);
    expect(await screen.findByTestId("import-result")).toHaveTextContent("(run #42)");
    await user.click(within(screen.getByTestId("import-result")).getByTestId("import-errors"));
    await screen.findByTestId("import-errors-result");
    await user.click(screen.getByTestId("import-finish"));
    await screen.findByTestId("import-empty");
    expect(screen.queryByTestId("import-errors-result")).not.toBeInTheDocument();
  });

  it("disables Commit when nothing would be created or updated", async () => {
    const { user } = setup({
      current: A,
      files: { [A]: { rows: [importRow({ index: 0, action: "unchanged" })] } },
    });
    await runDryRun(user);
    expect(screen.getByTestId("import-commit")).toBeDisabled();
    expect(screen.getByTestId("import-commit")).toHaveTextContent("Commit 0 changes");
    expect(screen.getByTestId("import-errors")).toBeDisabled();
  });

  it("offers the dry run again when the store changed since it", async () => {
    const { backend, user } = setup({
      current: A,
      handlers: {
        import_commit: () => {
          throw apiError(
            "stale",
            "The local user store changed since this dry run (a pull or another import wrote users). Nothing was written; run the dry run again.",
          );
        },
      },
    });
    await runDryRun(user);
    await commitConfirmed(user);
    const banner = await screen.findByTestId("import-error");
    expect(banner).toHaveAttribute("role", "alert");
    expect(banner).toHaveTextContent("The local user store changed since this dry run");
    await user.click(within(banner).getByRole("button", { name: "Run the dry run again" }));
    await screen.findByTestId("import-summary");
    expect(backend.callsTo("import_plan")).toHaveLength(2);
    expect(backend.callsTo("import_plan")[1].args).toMatchObject({ path: A, mode: "add", region: "US" });
    expect(screen.queryByTestId("import-error")).not.toBeInTheDocument();
  });

  it("cancels a commit and keeps the review", async () => {
    const pending = deferred<unknown>();
    const { backend, user } = setup({
      current: A,
      handlers: {
        import_commit: (args) => {
          sendProgress(args.onProgress, { phase: "writing", done: 1, total: 3 });
          return pending.promise;
        },
        import_cancel: () => {
          pending.reject(apiError("cancelled", "Cancelled: nothing was written."));
          return null;
        },
      },
    });
    await runDryRun(user);
    await commitConfirmed(user);
    await waitFor(() =>
      expect(screen.getByTestId("import-progress")).toHaveTextContent("Writing 1 of 3 users… 33%"),
    );
    expect(screen.getByTestId("import-commit")).toBeDisabled();
    await user.click(screen.getByTestId("import-cancel"));
    expect(await screen.findByTestId("import-cancelled")).toHaveTextContent(
      "Cancelled: nothing was written.",
    );
    expect(backend.callsTo("import_cancel")).toHaveLength(1);
    expect(screen.getByTestId("import-summary")).toBeInTheDocument();
    expect(screen.getByTestId("import-commit")).toBeEnabled();
    expect(screen.queryByTestId("import-result")).not.toBeInTheDocument();
  });
});
