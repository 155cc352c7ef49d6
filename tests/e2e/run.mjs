// End-to-end tests of the real CC Sync binary, driven through tauri-driver (WebDriver) under Xvfb,
// with a private D-Bus and an unlocked gnome-keyring (see scripts/e2e.sh, which sets those up).
// Long on purpose: one app launch runs every scenario in order, sharing the driver helpers above them.
//
//   node tests/e2e/run.mjs <path to ccsync-desktop>
//
// Prints `N passed, N failed` and exits non-zero when anything failed.

import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Session, sleep, waitForDriver } from "./webdriver.mjs";
import { freePort, waitForEmulator } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const application = resolve(process.argv[2] ?? join(here, "../../target/debug/ccsync-desktop"));
const cli = join(dirname(application), "ccsync");
const artifacts = join(here, "artifacts");
let base;

// A secret no other test uses, so finding it on disk can only mean a leak.
const WRONG_SECRET = `e2e-wrong-access-key-${process.pid}-Zq8`;
const DEMO_SECRETS = ["demo-client-secret-7Qm2", "demo+access/key=secret=="];
const PROD = "Prod CXone";

const results = [];
let session;
let paths;
let demoUrl;

async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name}\n      ${error.stack ?? error}`);
    try {
      saveScreenshot(`failed-${name.replace(/\W+/g, "-")}`);
    } catch {
      // a missing screenshot must not hide the failure
    }
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// WebKitWebDriver's screenshot command hangs under Xvfb here, so grab the X display instead.
function saveScreenshot(name) {
  mkdirSync(artifacts, { recursive: true });
  execFileSync("import", ["-window", "root", join(artifacts, `${name}.png`)], { timeout: 10000 });
}

const row = (name) => `//tr[@data-testid="connection-row" and @data-name="${name}"]`;
const inRow = (name, testid) => `${row(name)}//*[@data-testid="${testid}"]`;
const resultOf = (name) => `${row(name)}/following-sibling::tr[1]//*[@data-testid="test-result"]`;
const byTestId = (id) => `//*[@data-testid="${id}"]`;

async function invoke(command, args = {}) {
  const reply = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
       .then((value) => done({ value }), (error) => done({ error }));`,
    [command, args],
  );
  if (reply.error) throw new Error(`${command}: ${JSON.stringify(reply.error)}`);
  return reply.value;
}

async function testConnectionInUi(name) {
  await session.click(await session.waitFor(inRow(name, "test-button")));
  const result = await session.waitFor(resultOf(name), { timeout: 30000, what: `the test result of ${name}` });
  return { ok: (await session.attribute(result, "data-ok")) === "true", text: await session.text(result) };
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function keyringLookup(connectionId, secret) {
  try {
    return execFileSync("secret-tool", ["lookup", "service", "CC Sync", "username", `${connectionId}/${secret}`], {
      encoding: "utf8",
    });
  } catch {
    return null;
  }
}

async function main() {
  assert(existsSync(application), `no app binary at ${application}; build it first`);
  assert(existsSync(cli), `no ccsync binary at ${cli}; build it first (cargo build -p ccsync)`);
  assert(process.env.DBUS_SESSION_BUS_ADDRESS, "run inside dbus-run-session (scripts/e2e.sh does)");
  // Free ports, so a driver left over from another run can never answer in our place.
  const [port, nativePort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  // The app inherits this environment: the demo tenant's Webex tokens expire quickly, so the suite
  // sees the Service App credential renew itself.
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CCSYNC_DEMO_WEBEX_TOKEN_TTL: "2" },
  });
  const driverExit = new Promise((_, fail) => driver.once("exit", (code) => fail(new Error(`tauri-driver exited (${code})`))));
  try {
    await Promise.race([waitForDriver(base), driverExit]);
    await suite();
  } finally {
    if (session) await session.delete().catch(() => {});
    driver.kill("SIGTERM");
    await new Promise((done) => (driver.exitCode !== null ? done() : driver.once("exit", done)));
  }
}

async function suite() {
  await test("a fresh data folder opens on the welcome screen", async () => {
    session = await Session.create(base, application);
    await session.waitFor(byTestId("demo-button"), { what: "the 'Explore with a demo tenant' button" });
    paths = await invoke("app_info");
    assert(paths.keyring_problem === null, `the keyring is reported unavailable: ${paths.keyring_problem}`);
    assert(paths.database_path.startsWith(process.env.HOME), `database outside the test HOME: ${paths.database_path}`);
  });

  await test("choosing the demo tenant lists its connection", async () => {
    await session.click(await session.waitFor(byTestId("demo-button")));
    await session.waitFor(row("Demo tenant"), { what: "the demo connection row" });
    const connection = (await invoke("list_connections")).find((c) => c.name === "Demo tenant");
    demoUrl = connection.settings.auth_url;
    assert(connection.is_demo && demoUrl.startsWith("http://127.0.0.1:"), `demo connection: ${JSON.stringify(connection)}`);
  });

  await test("Test connection on the demo tenant shows the business unit and API endpoint", async () => {
    const { ok, text } = await testConnectionInUi("Demo tenant");
    assert(ok, `the test failed: ${text}`);
    assert(text.includes("Demo Contact Center"), `no business unit in: ${text}`);
    assert(text.includes("API endpoint") && text.includes(demoUrl), `no API endpoint in: ${text}`);
    saveScreenshot("connections");
  });

  await test("after the demo tenant a Start here card points the way; testing ticks its first step", async () => {
    const card = await session.waitFor(byTestId("start-here"), { what: "the Start here card" });
    const steps = await session.find(`//*[@data-testid="start-here"]//li`);
    assert(steps.length === 4, `${steps.length} steps`);
    for (const id of ["synchronize", "mapping", "import"]) {
      const step = await session.waitFor(byTestId(`start-step-${id}`));
      assert((await session.attribute(step, "data-done")) === "false", `${id} is done on a fresh store`);
    }
    assert((await session.text(card)).includes("Synchronize users"), "no Synchronize step");
    await session.waitFor(`//*[@data-testid="start-step-test" and @data-done="true"]`, {
      what: "the Test step ticked after the demo tenant's test",
    });
  });

  await test("a plain-http remote URL is refused at the URL field and nothing is lost", async () => {
    await session.click(await session.waitFor(byTestId("add-connection-button")));
    await session.type(await session.waitFor(byTestId("field-name")), PROD);
    await session.type(await session.waitFor(byTestId("field-auth_url")), "http://cxone.example.com");
    await session.type(await session.waitFor(byTestId("field-client_id")), "ccsync-demo-client");
    await session.type(await session.waitFor(byTestId("field-access_key_id")), "DEMO4KEY6ID2ACCESS");
    await session.type(await session.waitFor(byTestId("secret-client_secret")), "demo-client-secret-7Qm2");
    await session.type(await session.waitFor(byTestId("secret-access_key_secret")), WRONG_SECRET);
    await session.click(await session.waitFor(byTestId("save-and-test-connection")));
    // The core names the field: the sentence is under the URL, which has the focus.
    const error = await session.text(await session.waitFor(byTestId("error-auth_url"), { what: "the URL field's error" }));
    assert(error.includes("plain http://"), `unexpected field error: ${error}`);
    assert((await session.find(byTestId("form-error"))).length === 0, "the error is also shown below the form");
    const focused = await session.executeAsync(
      `arguments[arguments.length - 1](document.activeElement && document.activeElement.dataset.testid);`,
    );
    assert(focused === "field-auth_url", `focus is on ${focused}`);
    const name = await session.waitFor(byTestId("field-name"));
    assert((await session.cmd("GET", `/element/${name}/property/value`)) === PROD, "the typed name was lost");
  });

  await test("a CXone connection with a wrong secret fails Save and test in the dialog, and is kept only by Save anyway", async () => {
    await session.type(await session.waitFor(byTestId("field-auth_url")), demoUrl);
    await session.click(await session.waitFor(byTestId("save-and-test-connection")));
    const inDialog = `//*[@role="dialog"]//*[@data-testid="test-result"]`;
    const result = await session.waitFor(inDialog, { timeout: 30000, what: "the test result in the dialog" });
    assert((await session.attribute(result, "data-ok")) === "false", "a wrong secret passed the test");
    const text = await session.text(result);
    assert(text.includes("rejected the access key"), `unclear error: ${text}`);
    assert((await session.find(row(PROD))).length === 0, "the failing connection was saved before Save anyway");
    await session.click(await session.waitFor(byTestId("save-anyway")));
    await session.waitFor(row(PROD), { timeout: 30000, what: `the ${PROD} row` });
    const last = await session.waitFor(inRow(PROD, "last-test"), { what: "its last test" });
    assert((await session.attribute(last, "data-ok")) === "false", "the failed test is not on the row");
    assert((await session.find(`//*[@role="dialog"]`)).length === 0, "the dialog stayed open");
  });

  await test("after a restart the connections and their secrets are still there", async () => {
    await session.delete();
    session = undefined;
    await sleep(500);
    session = await Session.create(base, application);
    await session.waitFor(row(PROD), { what: `the ${PROD} row after restart` });
    await session.waitFor(row("Demo tenant"), { what: "the demo row after restart" });
    const demo = await testConnectionInUi("Demo tenant");
    assert(demo.ok, `the demo tenant failed after restart: ${demo.text}`);
    const prod = await testConnectionInUi(PROD);
    assert(prod.text.includes("rejected the access key"), `the stored secret was not used: ${prod.text}`);
  });

  await test("the secret is in the real gnome-keyring", async () => {
    const all = await invoke("list_connections");
    const prod = all.find((c) => c.name === PROD);
    assert(prod, "no Prod connection");
    assert(keyringLookup(prod.id, "access_key_secret") === WRONG_SECRET, "secret-tool cannot read the stored secret");
    assert(prod.stored_secrets.includes("access_key_secret"), `stored_secrets: ${prod.stored_secrets}`);
  });

  await test("no secret is in the database file or the log", async () => {
    const files = [...filesUnder(dirname(paths.database_path)), ...filesUnder(paths.log_dir)];
    assert(files.some((f) => f.endsWith(".sqlite3")), `no database among ${files}`);
    const logs = filesUnder(paths.log_dir);
    assert(logs.length > 0 && logs.some((f) => readFileSync(f, "utf8").includes("connection tested")), "the log is empty");
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of [WRONG_SECRET, ...DEMO_SECRETS]) {
        assert(!bytes.includes(Buffer.from(secret)), `${file} contains a secret`);
      }
    }
  });

  await syncSuite();
  await mappingSuite();
  await importSuite();
  await layoutSuite();
  await damagedStoreSuite();
  await traySuite();
}

// A real drop from the desktop: a GTK drag source (drag_source.py) offers the files, and xdotool
// drags them onto the app's window through XDND. The app accepts only paths it saw dropped this
// way (or chosen in its own dialogs), so a drop the page merely claims would be refused.
async function dropFiles(files) {
  const [x, y] = [1080, 600];
  const source = spawn("/usr/bin/python3", [join(here, "drag_source.py"), String(x), String(y), ...files], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((done) => (source.exitCode !== null ? done() : source.once("exit", done)));
  try {
    await new Promise((ready, fail) => {
      const timer = setTimeout(() => fail(new Error("the drag source did not show its window")), 15000);
      source.stdout.on("data", (chunk) => {
        if (chunk.toString().includes("ready")) {
          clearTimeout(timer);
          ready();
        }
      });
      source.once("exit", (code) => fail(new Error(`the drag source exited (${code})`)));
    });
    const xdo = (...args) => execFileSync("xdotool", args.map(String));
    xdo("mousemove", x + 50, y + 50);
    xdo("mousedown", 1);
    // Small steps: GTK starts a drag only after the pointer moves past a threshold.
    for (let step = 1; step <= 12; step += 1) {
      xdo("mousemove", x + 50 - step * 40, y + 50 - step * 20);
      await sleep(40);
    }
    xdo("mouseup", 1);
    await Promise.race([exited, sleep(10000)]);
  } finally {
    if (source.exitCode === null) source.kill("SIGTERM");
  }
}

async function summaryCount(name) {
  return Number((await session.text(await session.waitFor(byTestId(`summary-${name}`)))).trim());
}

async function waitForCount(name, expected) {
  const deadline = Date.now() + 15000;
  let shown;
  while (Date.now() < deadline) {
    shown = await summaryCount(name);
    if (shown === expected) return;
    await sleep(100);
  }
  throw new Error(`summary ${name} shows ${shown}, expected ${expected}`);
}

const STANDARD = "Webex Contact Center Standard Agent";
const PREMIUM = "Webex Contact Center Premium Agent";

function userFile(dir, name, rows) {
  const header = `User ID/Email (Required),First Name,Last Name,Display Name,Phone Number,${STANDARD},${PREMIUM}`;
  const path = join(dir, name);
  writeFileSync(path, [header, ...rows].join("\r\n") + "\r\n");
  return path;
}

async function importSuite() {
  const dir = mkdtempSync(join(tmpdir(), "ccsync-e2e-import-"));
  const team = userFile(dir, "team.csv", [
    "ivy.import@example.com,Ivy,Import,Ivy Import,+1 201 555 0161,TRUE,FALSE",
    "jon.import@example.com,Jon,Import,Jon Import,(201) 555-0162,FALSE,TRUE",
    "kim.import@example.com,Kim,Import,Kim Import,442071838750,TRUE,",
    "lea.import@example.com,Léa,Import,Léa Import,1.55512E+10,FALSE,TRUE",
  ]);

  await test("CSV Import: a path the page merely claims was dropped is refused, and so is a made-up export path", async () => {
    await session.click(await session.waitFor(byTestId("nav-csv-import")));
    // What a script in the page could do: claim a drop, or name any file to write.
    await invoke("plugin:event|emit_to", {
      target: { kind: "Webview", label: "main" },
      event: "tauri://drag-drop",
      payload: { paths: [team], position: { x: 200, y: 200 } },
    });
    const banner = await session.text(await session.waitFor(byTestId("import-error"), { what: "the refusal" }));
    assert(banner.includes("was not chosen"), `banner: ${banner}`);
    const queue = await invoke("import_queue");
    assert(queue.current === null && queue.waiting.length === 0, `queued: ${JSON.stringify(queue)}`);
    const target = join(dir, "made-up.csv");
    let refused = "";
    try {
      await invoke("export_users", { path: target });
    } catch (error) {
      refused = String(error);
    }
    assert(refused.includes("was not chosen") && !existsSync(target), `export_users: ${refused}`);
  });

  await test("CSV Import: a dropped file shows its mapping, then a dry-run summary", async () => {
    await session.click(await session.waitFor(byTestId("nav-csv-import")));
    await dropFiles([team]);
    await session.waitFor(byTestId("import-mapping"), { what: "the column mapping" });
    const format = await session.text(await session.waitFor(byTestId("import-format")));
    assert(format.includes("UTF-8"), `format shown: ${format}`);
    const emailField = await session.property(await session.waitFor(byTestId("mapping-select-0")), "value");
    assert(emailField === "email", `the email column is mapped to ${emailField}`);
    const premiumField = await session.property(await session.waitFor(byTestId("mapping-select-6")), "value");
    assert(premiumField === "premium_agent", `the Premium column is mapped to ${premiumField}`);
    await session.click(await session.waitFor(byTestId("import-dry-run")));
    await session.waitFor(byTestId("import-summary"), { timeout: 30000, what: "the dry-run summary" });
    await waitForCount("rows", 4);
    await waitForCount("created", 3);
    await waitForCount("invalid", 1);
    await waitForCount("warnings", 1);
    saveScreenshot("csv-import");
  });

  await test("CSV Import: fixing the invalid cell in the review table re-validates the row", async () => {
    await session.click(await session.waitFor(byTestId("filter-problems")));
    const invalid = `//*[@data-testid="review-row" and @data-action="invalid"]`;
    await session.waitFor(invalid, { what: "the invalid row" });
    await session.click(await session.waitFor(`${invalid}//*[@data-testid="edit-row"]`));
    const phone = await session.waitFor(byTestId("edit-cell-4"));
    await session.type(phone, "+1 201 555 0164");
    await session.click(await session.waitFor(byTestId("edit-save")));
    await waitForCount("invalid", 0);
    await waitForCount("created", 4);
  });

  await test("CSV Import: Commit asks first with the counts, writes the users, and Records shows them with their licences", async () => {
    const commit = await session.waitFor(byTestId("import-commit"));
    await session.click(commit);
    const confirm = await session.text(await session.waitFor(byTestId("import-confirm-text"), { what: "the confirmation" }));
    assert(confirm.includes("Create 4 users"), `confirmation: ${confirm}`);
    await session.click(await session.waitFor(byTestId("confirm-ok")));
    const toast = await session.text(await session.waitFor(byTestId("toast-message"), { what: "the toast after Commit" }));
    assert(/Imported team\.csv: 4 created/.test(toast), `toast: ${toast}`);
    const result = await session.text(await session.waitFor(byTestId("import-result"), { timeout: 30000 }));
    assert(/4 created/.test(result), `result: ${result}`);
    await session.click(await session.waitFor(byTestId("import-finish")));
    await openRecords("users");
    await session.type(await session.waitFor(byTestId("records-search")), "Import");
    await session.waitFor(`//*[@data-testid="record-row"]`, { what: "the imported users" });
    await sleep(300);
    const rows = await session.find(`//*[@data-testid="record-row"]`);
    assert(rows.length === 4, `${rows.length} rows match "Import"`);
    // Virtualized rows: WebKitWebDriver returns empty text there, so read textContent.
    const texts = await Promise.all(rows.map((r) => session.property(r, "textContent")));
    const lea = texts.find((t) => t.includes("Léa Import"));
    const jon = texts.find((t) => t.includes("Jon Import"));
    const ivy = texts.find((t) => t.includes("Ivy Import"));
    assert(lea && lea.includes("Premium Agent"), `Léa's row: ${lea}`);
    assert(jon && jon.includes("Premium Agent"), `Jon's row: ${jon}`);
    assert(ivy && ivy.includes("Standard Agent"), `Ivy's row: ${ivy}`);
    const runs = await invoke("list_runs");
    assert(runs[0].kind === "import" && runs[0].created === 4, `last run: ${JSON.stringify(runs[0])}`);
  });

  await test("CSV Import: two files dropped at once are imported one after the other", async () => {
    const first = userFile(dir, "first.csv", ["may.first@example.com,May,First,May First,,TRUE,"]);
    const second = userFile(dir, "second.csv", ["ned.second@example.com,Ned,Second,Ned Second,,,TRUE"]);
    await session.click(await session.waitFor(byTestId("nav-csv-import")));
    await dropFiles([first, second]);
    await session.waitFor(byTestId("import-mapping"));
    const waiting = await session.text(await session.waitFor(byTestId("import-waiting")));
    assert(waiting.includes("second.csv"), `waiting: ${waiting}`);
    const current = await invoke("import_queue");
    assert(current.current === first && current.waiting[0] === second, `queue: ${JSON.stringify(current)}`);
    await session.click(await session.waitFor(byTestId("import-dry-run")));
    await waitForCount("created", 1);
    assert((await invoke("import_queue")).current === first, "the second file started before the first finished");
    await session.click(await session.waitFor(byTestId("import-commit")));
    await session.click(await session.waitFor(byTestId("confirm-ok")));
    await session.waitFor(byTestId("import-result"), { timeout: 30000 });
    await session.click(await session.waitFor(byTestId("import-finish")));
    await session.waitFor(`//*[@data-testid="import-file" and contains(., "second.csv")]`, {
      what: "the second file's mapping after Finish",
    });
    await session.waitFor(byTestId("import-mapping"));
    assert((await invoke("import_queue")).current === second, "the second file is current after Finish");
    await session.click(await session.waitFor(byTestId("import-discard")));
    const after = await invoke("import_queue");
    assert(after.current === null && after.waiting.length === 0, `queue after Discard: ${JSON.stringify(after)}`);
  });

  await test("CSV Import: a CSV dropped on Records opens CSV Import with it queued, its first values shown", async () => {
    const rejects = userFile(dir, "rejects.csv", [
      "ora.drop@example.com,Ora,Drop,Ora Drop,,TRUE,",
      "",
      "not-an-email,Pat,Drop,Pat Drop,,TRUE,",
      "quinn.drop@example.com,Quinn,Drop,Quinn Drop,call me,TRUE,",
      "ora.drop@example.com,Ora,Again,Ora Again,,,TRUE",
    ]);
    await openRecords("users");
    await dropFiles([rejects]);
    await session.waitFor(`//*[@data-testid="nav-csv-import" and @aria-current="page"]`, {
      what: "CSV Import opened by the drop on Records",
    });
    await session.waitFor(byTestId("import-mapping"), { what: "the dropped file's mapping" });
    const queue = await invoke("import_queue");
    assert(queue.current === rejects, `queue: ${JSON.stringify(queue)}`);
    const samples = await session.property(await session.waitFor(byTestId("mapping-samples-0")), "textContent");
    assert(samples.includes("ora.drop@example.com") && samples.includes("not-an-email"), `first values: ${samples}`);
    await session.click(await session.waitFor(byTestId("import-dry-run")));
    await session.waitFor(byTestId("import-summary"), { timeout: 30000 });
    await waitForCount("invalid", 4);
  });

  await test("CSV Import: the error CSV starts with a BOM and numbers each row as the messages do", async () => {
    const out = join(dir, "rejects-errors.csv");
    const before = saveDialogs();
    await session.click(await session.waitFor(byTestId("import-errors")));
    const deadline = Date.now() + 15000;
    let opened = [];
    while (Date.now() < deadline && opened.length === 0) {
      await sleep(200);
      opened = saveDialogs().filter((id) => !before.includes(id));
    }
    assert(opened.length > 0, "no save dialog appeared");
    // The file name field has the focus: replace the proposed name with a full path, as a person can.
    await sleep(500);
    execFileSync("xdotool", ["windowfocus", "--sync", opened[0], "key", "ctrl+a"], { timeout: 10000 });
    execFileSync("xdotool", ["type", "--delay", "20", out], { timeout: 20000 });
    execFileSync("xdotool", ["key", "Return"], { timeout: 10000 });
    const saved = await session.text(await session.waitFor(byTestId("import-errors-result"), { timeout: 20000 }));
    assert(saved.includes("4 rows") && saved.includes(out), `saved: ${saved}`);
    const bytes = readFileSync(out);
    assert(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, "the error file of a UTF-8 source starts with a BOM");
    const lines = bytes.toString("utf8").slice(1).split("\r\n").filter(Boolean);
    assert(lines[0].startsWith("Row,Error,User ID/Email (Required),"), `header: ${lines[0]}`);
    // Rows 2 and 6 share an email (each names the other), row 3 is blank, 4 and 5 are invalid.
    const numbers = lines.slice(1).map((line) => line.split(",")[0]);
    assert(numbers.join(" ") === "2 4 5 6", `Row column: ${numbers.join(" ")}`);
    assert(lines[1].includes("row 6") && lines[4].includes("row 2"), `messages: ${lines.join(" / ")}`);
    // Discard: nothing about this file stays on the screen.
    await session.click(await session.waitFor(byTestId("import-discard")));
    await session.waitFor(byTestId("import-empty"));
    assert((await session.find(byTestId("import-errors-result"))).length === 0, "the saved-file message stayed");
  });

  await test("CSV Import: Browse… opens the file dialog", async () => {
    const before = dialogWindows();
    await session.click(await session.waitFor(`//button[normalize-space(.)="Browse…"]`));
    const deadline = Date.now() + 15000;
    let opened = [];
    while (Date.now() < deadline && opened.length === 0) {
      await sleep(200);
      opened = dialogWindows().filter((id) => !before.includes(id));
    }
    assert(opened.length > 0, "no file dialog window appeared");
    // Close it as a person would (Escape), so the window is free again. There is no window manager
    // under Xvfb, so focus the dialog directly instead of activating it.
    execFileSync("xdotool", ["windowfocus", "--sync", opened[0], "key", "Escape"], { timeout: 10000 });
    const gone = Date.now() + 10000;
    while (Date.now() < gone && dialogWindows().includes(opened[0])) await sleep(200);
    assert(!dialogWindows().includes(opened[0]), "the file dialog did not close");
  });
}

// The GTK save dialog CC Sync opens, once it shows.
async function waitForSaveDialog() {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const [found] = saveDialogs();
    if (found) {
      await sleep(500); // let it take keyboard input
      return found;
    }
    await sleep(200);
  }
  throw new Error("no save dialog appeared");
}

// The visible top-level windows titled like a GTK save dialog.
function saveDialogs() {
  try {
    const out = execFileSync("xdotool", ["search", "--onlyvisible", "--name", "Save"], {
      encoding: "utf8",
      timeout: 10000,
    });
    return out.split("\n").filter(Boolean);
  } catch {
    return []; // xdotool exits 1 when nothing matches
  }
}

// The visible top-level windows titled like a GTK file chooser.
function dialogWindows() {
  try {
    const out = execFileSync("xdotool", ["search", "--onlyvisible", "--name", "Open|Select|Choose"], {
      encoding: "utf8",
      timeout: 10000,
    });
    return out.split("\n").filter(Boolean);
  } catch {
    return []; // xdotool exits 1 when nothing matches
  }
}

const mappingRows = `//*[@data-testid="mapping-row"]`;

async function openMapping() {
  await session.click(await session.waitFor(byTestId("nav-user-mapping")));
  // With several business units (the suite has added CXone connections of its own), the demo's first.
  if ((await businessUnits()).length > 1) await chooseUnit(await unitOf());
  await session.click(await session.waitFor(byTestId("platform-ringcentral")));
  await setMappingSettings(true);
}

/** The business units (`mapping_units`): one per CXone connection, the screen's default first. */
async function businessUnits() {
  return invoke("mapping_units");
}

/** The business unit of the CXone connection `name` (the demo's first unit by default). */
async function unitOf(name = "Demo tenant") {
  const unit = (await businessUnits()).find((u) => u.connection_name === name);
  assert(unit, `no business unit of the connection ${name}`);
  return unit;
}

/** The id of a business unit's link for `platform`: the demo's first unit's unless `unit` is given. */
async function linkOf(platform, unit = null) {
  const chosen = unit ?? (await unitOf());
  const link = chosen?.links.find((l) => l.platform === platform);
  assert(link, `${chosen?.label ?? "no business unit"} has no ${platform} link`);
  return link.id;
}

/** Chooses the business unit on the User Mapping screen (the choice shows with two or more). */
async function chooseUnit(unit) {
  await session.selectOption(await session.waitFor(byTestId("mapping-unit")), unit.cxone_connection_id);
  const deadline = Date.now() + 10000;
  while ((await session.property(await session.waitFor(byTestId("mapping-unit")), "value")) !== unit.cxone_connection_id && Date.now() < deadline) {
    await sleep(100);
  }
}

/** The record ids the list shows (the rows in view). */
async function shownRecordIds() {
  const ids = [];
  for (const row of await session.find(mappingRows)) ids.push(Number(await session.attribute(row, "data-record-id")));
  return ids;
}

/** Waits until the status chart's text matches `pattern`, and returns it. */
async function countsText(pattern = /mapped/) {
  return waitForText(byTestId("status-counts"), pattern, 15000);
}

/** Unfolds (or folds) the schedule and permission gate under the list. */
async function setMappingSettings(open) {
  const settings = await session.waitFor(byTestId("mapping-settings"));
  if (Boolean(await session.property(settings, "open")) !== open) {
    await session.click(await session.waitFor(byTestId("mapping-settings-toggle")));
  }
}

/** The status of the mapping row of `recordId`. */
async function rowStatus(recordId) {
  const row = await session.waitFor(`//*[@data-testid="mapping-row" and @data-record-id="${recordId}"]`);
  return session.attribute(row, "data-status");
}

async function rowMenu(recordId, item) {
  await session.click(await session.waitFor(`//*[@data-testid="mapping-row" and @data-record-id="${recordId}"]//*[@data-testid="row-menu"]`));
  await session.click(await session.waitFor(byTestId(item)));
}

async function mappingSuite() {
  let mappedRecord;

  await test("User Mapping → Run Auto Sync now → counts appear", async () => {
    // Every demo user first (three were added earlier).
    await session.click(await session.waitFor(byTestId("nav-synchronize")));
    await pickConnection("Demo tenant");
    await session.click(await session.waitFor(byTestId("entity-users")));
    await session.waitFor(planRows, { timeout: 30000 });
    await session.click(await session.waitFor(byTestId("select-all")));
    await session.click(await session.waitFor(byTestId("add-selected")));
    await session.waitFor(byTestId("apply-result"), { timeout: 30000 });

    // Nothing chosen yet: the first business unit is the default.
    await session.click(await session.waitFor(byTestId("nav-user-mapping")));
    const units = await businessUnits();
    if (units.length > 1) {
      const shown = await session.property(await session.waitFor(byTestId("mapping-unit")), "value");
      assert(shown === units[0].cxone_connection_id, `the default business unit is ${shown}, not ${units[0].label}`);
    }
    await openMapping();
    await session.click(await session.waitFor(byTestId("run-auto-sync")));
    const result = await session.text(await session.waitFor(byTestId("auto-sync-result"), { timeout: 60000 }));
    assert(/\d+/.test(result) && /mapped/i.test(result), `result: ${result}`);
    const counts = await session.text(await session.waitFor(byTestId("status-counts")));
    assert(/Mapped/i.test(counts) && /Unmapped/i.test(counts), `counts: ${counts}`);
    saveScreenshot("user-mapping");
  });

  await test("filter Unmapped → ⋯ → Map User → search → pick → the row shows Mapped (manual)", async () => {
    await session.selectOption(await session.waitFor(byTestId("mapping-status-filter")), "unmapped");
    const first = await session.waitFor(mappingRows);
    mappedRecord = await session.attribute(first, "data-record-id");
    assert((await session.attribute(first, "data-status")).startsWith("unmapped"), "the filter shows unmapped users");
    const users = await invoke("list_mappings", { linkId: await linkOf("ringcentral") });
    const email = users.find((u) => String(u.record_id) === mappedRecord).email;
    await rowMenu(mappedRecord, "menu-map-user");
    await session.waitFor(byTestId("map-user-dialog"));
    await session.type(await session.waitFor(byTestId("account-search")), "Contractor");
    const option = await session.waitFor(byTestId("account-option"), { what: "a search result" });
    const marked = await session.find(`//*[@data-testid="account-option"]//mark`);
    assert(marked.length > 0, "the matching part is highlighted");
    await session.click(option);
    await session.waitFor(byTestId("map-guard"), { what: "the picked account beside the user" });
    await session.click(await session.waitFor(byTestId("confirm-map")));
    // A contractor's account does not carry the user's name: the guard asks first.
    const question = await waitForTextContent(byTestId("map-confirm-sentence"), /./);
    assert(/does not resemble/.test(question), `question: ${question}`);
    await session.click(await session.waitFor(byTestId("confirm-map-anyway")));
    // Show just this user, so its row is in view whatever the list's order.
    await session.selectOption(await session.waitFor(byTestId("mapping-status-filter")), "all");
    await session.type(await session.waitFor(byTestId("mapping-search")), email);
    const deadline = Date.now() + 10000;
    while ((await rowStatus(mappedRecord)) !== "mapped_manual" && Date.now() < deadline) await sleep(100);
    assert((await rowStatus(mappedRecord)) === "mapped_manual", `status ${await rowStatus(mappedRecord)}`);
    const badgeElement = await session.waitFor(
      `//*[@data-testid="mapping-row" and @data-record-id="${mappedRecord}"]//*[@data-testid="mapping-status"]`,
    );
    // textContent: WebKitWebDriver reads no rendered text inside the virtualized rows.
    const badge = await session.cmd("GET", `/element/${badgeElement}/property/textContent`);
    assert(/mapped \(manual\)/i.test(badge), `badge: ${badge}`);
  });

  await test("Unmap asks first, naming the user and the account → the row shows Unmapped", async () => {
    await rowMenu(mappedRecord, "menu-unmap");
    const sentence = await waitForTextContent(byTestId("unmap-sentence"), /./);
    assert(/will no longer be mapped to contractor\d+@partner\.example \(RingCentral\)/.test(sentence), `sentence: ${sentence}`);
    await session.click(await session.waitFor(byTestId("confirm-ok")));
    const deadline = Date.now() + 10000;
    while ((await rowStatus(mappedRecord)) !== "unmapped_by_admin" && Date.now() < deadline) await sleep(100);
    assert((await rowStatus(mappedRecord)) === "unmapped_by_admin", `status ${await rowStatus(mappedRecord)}`);
    await session.waitFor(`//*[@data-testid="toast"][contains(., "Unmapped ")]`, { what: "the Unmap toast" });
  });

  await test("Map User of an inactive account asks for confirmation; Undo restores the previous state", async () => {
    const find = async (id) => (await invoke("list_mappings", { linkId: await linkOf("ringcentral") })).find((u) => u.record_id === id);
    const users = await invoke("list_mappings", { linkId: await linkOf("ringcentral") });
    // A user whose only matching account is inactive (the demo directory seeds some).
    const inactive = /matches: (.+) \((\d+)\)\.$/;
    const user = users.find((u) => u.status === "unmapped_only_inactive" && inactive.test(u.detail));
    assert(user, "the demo tenant has a user with only an inactive account");
    const [, accountName, accountId] = inactive.exec(user.detail);
    const before = await find(user.record_id);

    await session.selectOption(await session.waitFor(byTestId("mapping-status-filter")), "unmapped");
    const search = await session.waitFor(byTestId("mapping-search"));
    await session.type(search, user.email);
    try {
      await rowMenu(user.record_id, "menu-map-user");
    } catch (error) {
      // Say what the screen shows, to tell a stale list from a search that did not take.
      const typed = await session.property(search, "value");
      const shown = await session.text(await session.waitFor(byTestId("mapping-shown")));
      const unit = await session.property(await session.waitFor(byTestId("mapping-unit")), "value");
      const now = (await invoke("list_mappings", { linkId: await linkOf("ringcentral") })).find((u) => u.record_id === user.record_id);
      throw new Error(`${error.message}; search "${typed}", ${shown}, unit ${unit} (${JSON.stringify(await unitOf())}), the user now: ${JSON.stringify(now)}`);
    }
    await session.waitFor(byTestId("map-user-dialog"));
    await session.type(await session.waitFor(byTestId("account-search")), accountName);
    await session.click(
      await session.waitFor(`//*[@data-testid="account-option" and @data-account-id="${accountId}"]`, { what: "the inactive account" }),
    );
    await waitForTextContent(byTestId("guard-status"), /^Inactive on RingCentral/);
    await session.click(await session.waitFor(byTestId("confirm-map")));
    const question = await waitForTextContent(byTestId("map-confirm-sentence"), /./);
    assert(question.includes(`Check before mapping ${user.name}`) && /it is inactive/.test(question), `question: ${question}`);
    assert((await find(user.record_id)).status === "unmapped_only_inactive", "nothing is mapped before the admin confirms");
    await session.click(await session.waitFor(byTestId("confirm-map-anyway")));

    // The toast says what happened and that the row left the Unmapped list.
    const toast = `//*[@data-testid="toast"][contains(., "Mapped ${user.name} to ")]`;
    const said = await waitForTextContent(toast, /./);
    assert(/\(RingCentral\)\./.test(said) && /left the list/.test(said), `toast: ${said}`);
    assert((await find(user.record_id)).status === "mapped_manual", "the store has the manual mapping");
    assert((await session.find(`//*[@data-testid="mapping-row" and @data-record-id="${user.record_id}"]`)).length === 0, "the row left the filtered list");

    await session.click(await session.waitFor(`${toast}//*[@data-testid="toast-undo"]`));
    await waitForTextContent(toast, /^Undone: /);
    // The row is back in the Unmapped list with its status, and the store as it was.
    const deadline = Date.now() + 10000;
    while ((await session.find(`//*[@data-testid="mapping-row" and @data-record-id="${user.record_id}"]`)).length === 0 && Date.now() < deadline) await sleep(100);
    assert((await rowStatus(user.record_id)) === "unmapped_only_inactive", `status ${await rowStatus(user.record_id)}`);
    const after = await find(user.record_id);
    const same = (row) => JSON.stringify({ ...row, updated_at: null });
    assert(same(after) === same(before), `store after undo: ${JSON.stringify(after)} (before: ${JSON.stringify(before)})`);
    // History has the undo, like any change.
    const runs = await invoke("list_runs");
    const audit = await invoke("run_audit", { runId: runs[0].id });
    assert(audit.some((a) => a.changes.some((c) => c.field === "RingCentral account (undo)")), `audit: ${JSON.stringify(audit)}`);

    await session.type(search, " ");
    await session.selectOption(await session.waitFor(byTestId("mapping-status-filter")), "all");
    // The pointer rests on the toast (which pauses it): close it, so it covers nothing later.
    for (const close of await session.find(byTestId("toast-dismiss"))) await session.click(close);
  });

  await test("Permission gate on with a key no profile carries: Auto Sync stops with a sentence, nothing changes", async () => {
    const before = JSON.stringify(await invoke("list_mappings", { linkId: await linkOf("ringcentral") }));
    await waitForText(byTestId("gate-state"), /^Off/);
    await session.click(await session.waitFor(byTestId("gate-enabled")));
    await session.type(await session.waitFor(byTestId("gate-key")), "NoSuchKey");
    await session.click(await session.waitFor(byTestId("save-gate")));
    await waitForText(byTestId("gate-state"), /On: users need .NoSuchKey/);
    await session.click(await session.waitFor(byTestId("run-auto-sync")));
    const error = await session.text(await session.waitFor(byTestId("auto-sync-error"), { timeout: 60000 }));
    assert(/"NoSuchKey"/.test(error) && /would skip every user/.test(error), `error: ${error}`);
    assert(JSON.stringify(await invoke("list_mappings", { linkId: await linkOf("ringcentral") })) === before, "no mapping changed");
    // Off again: later steps map as usual.
    await session.click(await session.waitFor(byTestId("gate-enabled")));
    await session.click(await session.waitFor(byTestId("save-gate")));
    await waitForText(byTestId("gate-state"), /^Off/);
  });

  await test("Webex Auto Sync runs again after its access token expired (the rotated refresh token is kept)", async () => {
    const webexRuns = async () =>
      // An Auto Sync run is named after its link: "Demo Contact Center (…) → Demo Webex".
      (await invoke("list_runs")).filter((r) => r.kind === "auto_sync" && r.connection_name.endsWith("→ Demo Webex"));
    const before = (await webexRuns()).length;
    await session.click(await session.waitFor(byTestId("platform-webex")));
    for (const run of [1, 2]) {
      // The demo's Webex access tokens last 2 seconds in this suite (CCSYNC_DEMO_WEBEX_TOKEN_TTL).
      if (run === 2) await sleep(2500);
      await session.click(await session.waitFor(byTestId("run-auto-sync")));
      const deadline = Date.now() + 60000;
      let runs = await webexRuns();
      while (runs.length < before + run && Date.now() < deadline) {
        await sleep(200);
        runs = await webexRuns();
      }
      assert(runs.length === before + run, `run ${run} was not recorded`);
      assert(runs[0].status === "succeeded", `run ${run}: ${runs[0].status} ${runs[0].error ?? ""}`);
      await session.waitFor(byTestId("auto-sync-result"), { timeout: 30000 });
    }
    await session.click(await session.waitFor(byTestId("platform-ringcentral")));
  });

  await businessUnitSuite();

  await test("a schedule survives a restart, with its next run shown", async () => {
    await session.selectOption(await session.waitFor(byTestId("schedule-kind")), "every_minutes");
    await session.type(await session.waitFor(byTestId("schedule-minutes")), "30");
    await session.click(await session.waitFor(byTestId("save-schedule")));
    const shownBefore = await session.text(await session.waitFor(byTestId("schedule-next")));
    await session.delete();
    session = undefined;
    await sleep(500);
    session = await Session.create(base, application);
    await session.waitFor(row("Demo tenant"));
    await openMapping();
    const kind = await session.waitFor(byTestId("schedule-kind"));
    const deadline = Date.now() + 10000;
    while ((await session.cmd("GET", `/element/${kind}/property/value`)) !== "every_minutes" && Date.now() < deadline) await sleep(100);
    assert((await session.cmd("GET", `/element/${kind}/property/value`)) === "every_minutes", "the schedule was kept");
    const shown = await session.text(await session.waitFor(byTestId("schedule-next")));
    assert(/Next run/i.test(shown) && !/Next run:?\s*—/.test(shown), `next run: ${shown} (before restart: ${shownBefore})`);
  });
}

/**
 * The demo's second business unit ("Demo Contact Center West", its own CXone connection, RingCentral
 * and Webex accounts): chosen on the screen, its Auto Sync and Map User touch only its users and
 * accounts, and the first unit's counts stay as they were. Ends on the first unit again (the
 * choice is remembered, and later steps expect the default).
 */
async function businessUnitSuite() {
  let first;
  let west;
  let firstRows;
  let firstCounts;

  await test("a second business unit: choose it, pull its users, Run Auto Sync → its own counts", async () => {
    first = await unitOf("Demo tenant");
    west = await unitOf("Demo tenant West");
    assert(/^Demo Contact Center West/.test(west.label), `the second unit is ${west.label}`);
    assert(west.links.some((l) => l.platform === "ringcentral" && l.external_connection_name === "Demo RingCentral West"), `West's links: ${JSON.stringify(west.links)}`);
    firstRows = JSON.stringify(await invoke("list_mappings", { linkId: await linkOf("ringcentral", first) }));
    firstCounts = await countsText();

    // West's users, from its own CXone connection.
    await session.click(await session.waitFor(byTestId("nav-synchronize")));
    await pickConnection(west.connection_name);
    await session.click(await session.waitFor(byTestId("entity-users")));
    await session.waitFor(planRows, { timeout: 30000 });
    await session.click(await session.waitFor(byTestId("select-all")));
    await session.click(await session.waitFor(byTestId("add-selected")));
    await session.waitFor(byTestId("apply-result"), { timeout: 30000 });

    await openMapping();
    await chooseUnit(west);
    const westLink = await linkOf("ringcentral", west);
    const westUsers = (await invoke("list_mappings", { linkId: westLink })).map((u) => u.record_id);
    const firstUsers = JSON.parse(firstRows).map((u) => u.record_id);
    assert(westUsers.length > 0 && westUsers.every((id) => !firstUsers.includes(id)), "West lists its own users only");
    const deadline = Date.now() + 15000;
    let shown = await shownRecordIds();
    while ((shown.length === 0 || shown.some((id) => !westUsers.includes(id))) && Date.now() < deadline) {
      await sleep(100);
      shown = await shownRecordIds();
    }
    assert(shown.length > 0 && shown.every((id) => westUsers.includes(id)), `rows shown: ${shown} (West's: ${westUsers})`);

    await session.click(await session.waitFor(byTestId("run-auto-sync")));
    const result = await session.text(await session.waitFor(byTestId("auto-sync-result"), { timeout: 60000 }));
    assert(result.includes(west.label) && /Mapped \d+/.test(result), `result: ${result}`);
    const counts = await countsText();
    assert(new RegExp(`of ${westUsers.length} mapped`).test(counts), `West's counts: ${counts}`);
    saveScreenshot("user-mapping-second-unit");
  });

  await test("Map User in the second unit searches only its RingCentral accounts", async () => {
    assert(west, "no second unit (the previous step failed)");
    const westLink = await linkOf("ringcentral", west);
    const eastLink = await linkOf("ringcentral", first);
    await session.selectOption(await session.waitFor(byTestId("mapping-status-filter")), "unmapped");
    const row = await session.waitFor(mappingRows, { what: "an unmapped user of West" });
    const recordId = Number(await session.attribute(row, "data-record-id"));
    await rowMenu(recordId, "menu-map-user");
    await session.waitFor(byTestId("map-user-dialog"));
    const query = "a";
    await session.type(await session.waitFor(byTestId("account-search")), query);
    await session.waitFor(byTestId("account-option"), { what: "a search result" });
    const westIds = (await invoke("search_accounts", { linkId: westLink, query, limit: 25, forUser: recordId })).map((a) => a.account_id);
    const eastIds = (await invoke("search_accounts", { linkId: eastLink, query, limit: 25, forUser: null })).map((a) => a.account_id);
    assert(JSON.stringify(westIds) !== JSON.stringify(eastIds), "the two units' RingCentral directories answer alike");
    const deadline = Date.now() + 10000;
    let options = [];
    while (Date.now() < deadline) {
      options = [];
      for (const o of await session.find(byTestId("account-option"))) options.push(await session.attribute(o, "data-account-id"));
      if (JSON.stringify(options) === JSON.stringify(westIds)) break;
      await sleep(100);
    }
    assert(JSON.stringify(options) === JSON.stringify(westIds), `shown: ${options}; West's: ${westIds}; East's: ${eastIds}`);
    // Map to the first free one, confirming if the guard asks.
    const free = (await invoke("search_accounts", { linkId: westLink, query, limit: 25, forUser: recordId })).find((a) => a.mapped_to === null);
    assert(free, "West has a free account matching the search");
    await session.click(await session.waitFor(`//*[@data-testid="account-option" and @data-account-id="${free.account_id}"]`));
    await session.waitFor(byTestId("map-guard"), { what: "the picked account beside the user" });
    await session.click(await session.waitFor(byTestId("confirm-map")));
    const asked = Date.now() + 5000;
    while (Date.now() < asked) {
      if ((await session.find(byTestId("confirm-map-anyway"))).length > 0) {
        await session.click(await session.waitFor(byTestId("confirm-map-anyway")));
        break;
      }
      if ((await session.find(byTestId("map-user-dialog"))).length === 0) break;
      await sleep(100);
    }
    const mapped = Date.now() + 10000;
    const status = async () => (await invoke("list_mappings", { linkId: westLink })).find((u) => u.record_id === recordId);
    while ((await status()).status !== "mapped_manual" && Date.now() < mapped) await sleep(100);
    const after = await status();
    assert(after.status === "mapped_manual" && after.account_id === free.account_id, `West's user: ${JSON.stringify(after)}`);
    await session.selectOption(await session.waitFor(byTestId("mapping-status-filter")), "all");
    for (const close of await session.find(byTestId("toast-dismiss"))) await session.click(close);
  });

  await test("the first unit's counts and rows did not change", async () => {
    assert(first && firstRows, "no first unit's counts (an earlier step failed)");
    assert(JSON.stringify(await invoke("list_mappings", { linkId: await linkOf("ringcentral", first) })) === firstRows, "the first unit's rows changed");
    await chooseUnit(first);
    const deadline = Date.now() + 15000;
    let counts = await countsText();
    while (counts !== firstCounts && Date.now() < deadline) {
      await sleep(100);
      counts = await countsText();
    }
    assert(counts === firstCounts, `the first unit's counts: ${counts} (before: ${firstCounts})`);
  });
}

/** Waits until the element's textContent (what WebKitWebDriver reads inside grids) matches `pattern`. */
async function waitForTextContent(xpath, pattern, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let text = "";
  while (Date.now() < deadline) {
    text = await session.cmd("GET", `/element/${await session.waitFor(xpath)}/property/textContent`);
    if (pattern.test(text)) return text;
    await sleep(100);
  }
  throw new Error(`${xpath}: "${text}" does not match ${pattern}`);
}

/** Waits until the element's text matches `pattern`. */
async function waitForText(xpath, pattern, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let text = "";
  while (Date.now() < deadline) {
    text = await session.text(await session.waitFor(xpath));
    if (pattern.test(text)) return text;
    await sleep(100);
  }
  throw new Error(`${xpath}: "${text}" does not match ${pattern}`);
}

// This binary only (by its full path), so another checkout's app running on the machine does not count.
function appRunning() {
  try {
    execFileSync("pgrep", ["-f", `^${application}( |$)`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Last: it replaces the database with garbage. */
async function damagedStoreSuite() {
  await test("a damaged database: the window says so, and a new database keeps the old file beside it", async () => {
    const dbPath = paths.database_path;
    await session.delete();
    session = undefined;
    // The app must be gone: closing, it would write its journal back over the file.
    const deadline = Date.now() + 15000;
    while (appRunning() && Date.now() < deadline) await sleep(100);
    assert(!appRunning(), "the app is still running after its session ended");
    const garbage = "this is not a database ".repeat(200);
    writeFileSync(dbPath, garbage);
    // The write-ahead log would still hold the last good pages, and SQLite would read them over the
    // garbage: damage it too.
    for (const companion of [`${dbPath}-wal`, `${dbPath}-shm`]) {
      if (existsSync(companion)) writeFileSync(companion, garbage);
    }
    session = await Session.create(base, application);
    const message = await session.text(await session.waitFor(byTestId("store-problem-message")));
    assert(/damaged/.test(message) && message.includes(dbPath), `message: ${message}`);
    saveScreenshot("store-problem");
    const logged = filesUnder(paths.log_dir).some((f) => readFileSync(f, "utf8").includes("the database could not be opened"));
    assert(logged, "the failure is in the log");
    await session.click(await session.waitFor(byTestId("store-start-new")));
    await session.waitFor(byTestId("demo-button"), { what: "the welcome screen of a new database" });
    const folder = dirname(dbPath);
    const kept = readdirSync(folder).filter((name) => name.startsWith(`${basename(dbPath)}.unusable-`));
    const keptMain = kept.filter((name) => /unusable-\d{8}-\d{6}$/.test(name));
    assert(keptMain.length === 1, `set aside: ${kept.join(", ")}`);
    assert(readFileSync(join(folder, keptMain[0]), "utf8") === garbage, "the damaged file is kept byte for byte");
  });
}

// ---------- Working in the background: Start at login, the tray, notifications ----------
// Last: it ends with Quit from the tray, so no app is left for a later step.

const trayHelper = join(here, "tray.py");

function trayTool(...args) {
  return execFileSync("/usr/bin/python3", [trayHelper, ...args], { encoding: "utf8", timeout: 15000 });
}

/** The pid of this suite's app (matched by its full path: other apps may run on the machine). */
function appPid() {
  try {
    return Number(execFileSync("pgrep", ["-f", `^${application}`], { encoding: "utf8" }).split("\n")[0]);
  } catch {
    return null;
  }
}

/** The app's visible top-level windows (X ids). */
function visibleAppWindows(pid) {
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--pid", String(pid), "--name", "^CC Sync$"], {
      encoding: "utf8",
      timeout: 10000,
    })
      .split("\n")
      .filter(Boolean);
  } catch {
    return []; // xdotool exits 1 when nothing matches
  }
}

/** A tray host's side of the desktop: a StatusNotifierWatcher and a notification server. */
function startTrayServices() {
  const child = spawn("/usr/bin/python3", [trayHelper, "services"], { stdio: ["ignore", "pipe", "inherit"] });
  const events = [];
  let buffered = "";
  child.stdout.on("data", (chunk) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop();
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
  });
  return {
    events,
    async next(kind, predicate = () => true, timeout = 20000) {
      const deadline = Date.now() + timeout;
      while (Date.now() < deadline) {
        const found = events.find((e) => e.event === kind && predicate(e));
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`tray.py services exited (${child.exitCode})`);
        await sleep(100);
      }
      throw new Error(`no ${kind} within ${timeout} ms; seen: ${JSON.stringify(events)}`);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((done) => (child.exitCode !== null ? done() : child.once("exit", done)));
      }
    },
  };
}

async function traySuite() {
  const autostartDir = join(process.env.XDG_CONFIG_HOME ?? join(process.env.HOME, ".config"), "autostart");
  const autostartEntries = () => (existsSync(autostartDir) ? readdirSync(autostartDir) : []);

  await test("Start at login: the switch writes and removes the system's autostart entry, and shows it", async () => {
    await session.click(await session.waitFor(byTestId("nav-user-mapping")));
    await setMappingSettings(true);
    const where = await session.text(await session.waitFor(byTestId("schedule-where")));
    assert(/open or in the tray/.test(where) && /cron or Task Scheduler/.test(where), `where: ${where}`);
    const command = await session.property(await session.waitFor(byTestId("schedule-cli-command")), "textContent");
    assert(command === "ccsync map auto --platform ringcentral", `command: ${command}`);
    const toggle = await session.waitFor(`${byTestId("autostart-switch")}[not(@disabled)]`);
    assert((await session.property(toggle, "checked")) === false, "Start at login is on in a fresh HOME");
    assert(autostartEntries().length === 0, `autostart entries before: ${autostartEntries()}`);
    await session.click(toggle);
    const deadline = Date.now() + 10000;
    while (autostartEntries().length === 0 && Date.now() < deadline) await sleep(100);
    const [entry] = autostartEntries();
    assert(entry, "no autostart entry was written");
    const desktop = readFileSync(join(autostartDir, entry), "utf8");
    assert(desktop.includes(application) && desktop.includes("--background"), `autostart entry: ${desktop}`);
    await session.waitFor(`${byTestId("autostart-switch")}[not(@disabled)]`);
    assert((await session.property(toggle, "checked")) === true, "the switch does not show it on");
    assert((await invoke("get_autostart")) === true, "the system does not have it on");
    await session.click(toggle);
    while (autostartEntries().length > 0 && Date.now() < deadline + 10000) await sleep(100);
    assert(autostartEntries().length === 0, `autostart entries after turning it off: ${autostartEntries()}`);
    assert((await invoke("get_autostart")) === false, "the system still has it on");
  });

  let services;
  let item;
  let pid;
  try {
    await test("a scheduled Auto Sync that fails shows a desktop notification with the sentence", async () => {
      await session.delete();
      session = undefined;
      const deadline = Date.now() + 15000;
      while (appPid() !== null && Date.now() < deadline) await sleep(100);
      assert(appPid() === null, "the app is still running after its session ended");
      services = startTrayServices();
      await services.next("ready");
      // Set long ago, so the first look at the schedules finds a run due. A schedule is a business
      // unit's: tray.py makes a CXone and a RingCentral connection and their link in this (new)
      // database, with no secrets in the keyring, so the run fails.
      trayTool("schedule", paths.database_path, JSON.stringify({ kind: "every_minutes", minutes: 30 }), "2020-01-01T00:00:00Z");
      session = await Session.create(base, application);
      pid = appPid();
      assert(pid, "the app is not running");
      const notice = await services.next("notification", (n) => n.summary.startsWith("Scheduled Auto Sync failed"), 30000);
      assert(notice.summary === "Scheduled Auto Sync failed — RingCentral", `summary: ${notice.summary}`);
      assert(/"Scheduled RingCentral" is not in the keyring/.test(notice.body), `body: ${notice.body}`);
      // The window says it too.
      await session.click(await session.waitFor(byTestId("nav-user-mapping")));
      const error = await session.text(await session.waitFor(byTestId("schedule-last-error")));
      assert(error.includes(notice.body), `the screen says: ${error}`);
    });

    await test("with a schedule on, CC Sync has a tray icon: Open, Run Auto Sync now, the next run, Quit", async () => {
      assert(services && pid, "no app with tray services (the previous step failed)");
      const registered = await services.next("item");
      const deadline = Date.now() + 15000;
      for (;;) {
        item = { ...registered, ...JSON.parse(trayTool("item", registered.service, registered.path)) };
        if (item.Status === "Active" || Date.now() > deadline) break;
        await sleep(200);
      }
      assert(item.Status === "Active", `tray item: ${JSON.stringify(item)}`);
      const labels = item.items.filter((i) => i.type !== "separator" && i.visible).map((i) => i.label);
      assert(labels[0] === "Open CC Sync" && labels[1] === "Run Auto Sync now" && labels.at(-1) === "Quit", `menu: ${labels}`);
      const next = item.items.find((i) => i.label.startsWith("Next Auto Sync"));
      assert(next && /\(RingCentral\)$/.test(next.label) && !next.enabled, `next run item: ${JSON.stringify(next)}`);
    });

    await test("closing the window with a schedule on keeps CC Sync running in the tray", async () => {
      assert(item, "no tray item (the previous step failed)");
      const windows = visibleAppWindows(pid);
      assert(windows.length === 1, `visible windows: ${windows}`);
      // What a window manager sends when the window's close button is clicked.
      trayTool("close", windows[0]);
      const deadline = Date.now() + 10000;
      while (visibleAppWindows(pid).length > 0 && Date.now() < deadline) await sleep(100);
      assert(visibleAppWindows(pid).length === 0, "the window is still shown");
      await sleep(1500);
      assert(appPid() === pid, "CC Sync stopped when its window closed");
      const still = JSON.parse(trayTool("item", item.service, item.path));
      assert(still.Status === "Active", `tray item after closing: ${JSON.stringify(still)}`);
      const told = await services.next("notification", (n) => n.summary === "CC Sync is still running");
      assert(/tray/.test(told.body), `notice: ${told.body}`);
    });

    await test("Run Auto Sync now in the tray menu runs it, and its failure is a notification", async () => {
      assert(item, "no tray item (an earlier step failed)");
      trayTool("click", item.service, item.path, "Run Auto Sync now");
      const notice = await services.next("notification", (n) => n.summary === "Auto Sync failed — RingCentral");
      assert(/"Scheduled RingCentral" is not in the keyring/.test(notice.body), `body: ${notice.body}`);
      assert(appPid() === pid, "CC Sync stopped");
    });

    await test("Open CC Sync in the tray menu shows the window again", async () => {
      assert(item, "no tray item (an earlier step failed)");
      trayTool("click", item.service, item.path, "Open CC Sync");
      const deadline = Date.now() + 10000;
      while (visibleAppWindows(pid).length === 0 && Date.now() < deadline) await sleep(100);
      assert(visibleAppWindows(pid).length === 1, "the window did not come back");
      await session.waitFor(byTestId("schedule-panel"));
    });

    await test("Quit in the tray menu ends CC Sync", async () => {
      assert(item, "no tray item (an earlier step failed)");
      trayTool("click", item.service, item.path, "Quit");
      const deadline = Date.now() + 15000;
      while (appPid() !== null && Date.now() < deadline) await sleep(100);
      assert(appPid() === null, "CC Sync is still running after Quit");
    });
  } finally {
    await services?.stop();
    // Whatever failed above, no app may be left running.
    const left = appPid();
    if (left !== null) process.kill(left, "SIGTERM");
  }
}

const planRows = `//*[@data-testid="plan-row"]`;

async function pickConnection(name) {
  const connection = (await invoke("list_connections")).find((c) => c.name === name);
  assert(connection, `no connection named ${name}`);
  await session.selectOption(await session.waitFor(byTestId("sync-connection")), connection.id);
}

async function openRecords(entity) {
  await session.click(await session.waitFor(byTestId("nav-records")));
  await session.click(await session.waitFor(byTestId(`records-tab-${entity}`)));
}

async function syncSuite() {
  let chosen = [];

  await test("Synchronize → Users lists the demo tenant's users; three chosen are added", async () => {
    await session.click(await session.waitFor(byTestId("nav-synchronize")));
    await pickConnection("Demo tenant");
    await session.click(await session.waitFor(byTestId("entity-users")));
    await session.waitFor(planRows, { timeout: 30000, what: "the list of users" });
    const summary = await session.text(await session.waitFor(byTestId("plan-summary")));
    assert(/250/.test(summary), `the demo tenant has 250 users: ${summary}`);
    saveScreenshot("synchronize");
    await session.click(await session.waitFor(byTestId("clear-all")));
    const rows = (await session.find(planRows)).slice(0, 3);
    for (const element of rows) {
      chosen.push(await session.attribute(element, "data-id"));
      const box = await session.cmd("POST", `/element/${element}/element`, {
        using: "xpath",
        value: `.//*[@data-testid="plan-row-checkbox"]`,
      });
      await session.click(Object.values(box)[0]);
    }
    const add = await session.waitFor(byTestId("add-selected"));
    assert((await session.text(add)).includes("3"), `Add Selected shows ${await session.text(add)}`);
    await session.click(add);
    const result = await session.text(await session.waitFor(byTestId("apply-result"), { timeout: 30000 }));
    assert(/Created 3\b/.test(result) && result.includes("Call Center Agents"), `result: ${result}`);
  });

  await test("Records shows exactly those three in Call Center Agents with \"password not set\"", async () => {
    await openRecords("users");
    await session.waitFor(`//*[@data-testid="record-row"]`, { what: "the stored users" });
    const rows = await session.find(`//*[@data-testid="record-row"]`);
    const ids = await Promise.all(rows.map((r) => session.attribute(r, "data-id")));
    assert(JSON.stringify([...ids].sort()) === JSON.stringify([...chosen].sort()), `stored ${ids}, chose ${chosen}`);
    for (const r of rows) {
      const text = await session.text(r);
      // The badge is styled upper-case, and WebDriver reads rendered text.
      assert(text.toLowerCase().includes("password not set"), `row without the password note: ${text}`);
    }
  });

  await test("Records → Set temporary passwords: cancelling the save sets nothing; saving clears the badges, and no password is in the database", async () => {
    await openRecords("users");
    await session.waitFor(`//*[@data-testid="record-row"]`, { what: "the stored users" });
    await session.click(await session.waitFor(byTestId("records-select-all")));
    const button = await session.waitFor(byTestId("records-set-passwords"));
    assert((await session.text(button)).includes("(3)"), `button: ${await session.text(button)}`);
    await session.click(button);
    await session.waitFor(byTestId("passwords-dialog"), { what: "the Set temporary passwords dialog" });

    // The admin closes the save dialog: nothing is set, and the dialog says so.
    await session.click(await session.waitFor(byTestId("passwords-save")));
    const cancelled = await waitForSaveDialog();
    execFileSync("xdotool", ["windowfocus", "--sync", cancelled, "key", "Escape"], { timeout: 10000 });
    await session.waitFor(byTestId("passwords-not-saved"), { what: "the note that nothing was set" });
    assert((await invoke("list_records", { entity: "users" })).every((u) => !u.password_set), "a password was set");

    // Saved this time: the file is typed into the real GTK dialog, as a person would.
    const file = join(mkdtempSync(join(tmpdir(), "ccsync-e2e-passwords-")), "passwords.csv");
    await session.click(await session.waitFor(byTestId("passwords-save")));
    const dialog = await waitForSaveDialog();
    execFileSync("xdotool", ["windowfocus", "--sync", dialog, "key", "ctrl+a"], { timeout: 10000 });
    execFileSync("xdotool", ["type", "--delay", "30", file], { timeout: 30000 });
    execFileSync("xdotool", ["key", "Return"], { timeout: 10000 });
    const result = await session.text(await session.waitFor(byTestId("passwords-result"), { timeout: 30000 }));
    assert(result.includes("for 3 users") && result.includes(file), `result: ${result}`);

    // The file: UTF-8 with a BOM, CRLF, one row per user with a password.
    const text = readFileSync(file, "utf8");
    assert(text.startsWith("\uFEFF") && text.endsWith("\r\n"), "no BOM or no CRLF");
    const lines = text.slice(1).split("\r\n").filter(Boolean);
    assert(lines[0].startsWith("CXone ID,Name,Email,Temporary password"), `header: ${lines[0]}`);
    assert(lines.length === 4, `${lines.length - 1} users in the file`);
    // The password is the last cell but one (passwords hold no comma or quote; names may).
    const secrets = lines.slice(1).map((line) => line.split(",").at(-2));
    assert(secrets.every((p) => /^[A-Za-z][!-~]{15}$/.test(p)) && new Set(secrets).size === 3, "passwords");

    // The badges now say the users must change their passwords.
    await sleep(300);
    const badges = await session.find(byTestId("password-badge"));
    const states = await Promise.all(badges.map((b) => session.attribute(b, "data-state")));
    assert(states.length === 3 && states.every((state) => state === "must-change"), `badges: ${states}`);
    const rows = await session.find(`//*[@data-testid="record-row"]`);
    for (const r of rows) {
      const text = (await session.property(r, "textContent")).toLowerCase();
      assert(text.includes("must change at first sign-in") && !text.includes("password not set"), `row: ${text}`);
    }
    const users = await invoke("list_records", { entity: "users" });
    assert(users.every((u) => u.password_set && u.must_change_password), `stored: ${JSON.stringify(users)}`);

    // No password in the database file, its write-ahead log, its backups, or the log.
    const files = [...filesUnder(dirname(paths.database_path)), ...filesUnder(paths.log_dir)];
    assert(files.some((f) => f.endsWith("-wal")), `no write-ahead log among ${files}`);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const secret of secrets) assert(!bytes.includes(Buffer.from(secret)), `${f} contains a password`);
    }
    const runs = await invoke("list_runs");
    assert(runs[0].kind === "passwords" && runs[0].updated === 3, `last run: ${JSON.stringify(runs[0])}`);
  });

  await test("Add Selected keeps the list: rows show added, the filter stays, a second batch adds without fetching again", async () => {
    await session.click(await session.waitFor(byTestId("nav-synchronize")));
    await pickConnection("Demo tenant");
    await session.click(await session.waitFor(byTestId("entity-users")));
    await session.waitFor(planRows, { timeout: 30000, what: "the list of users" });
    await session.click(await session.waitFor(byTestId("status-chip-new")));
    const newRows = `//*[@data-testid="plan-row" and @data-status="new"]`;
    const pick = async (count) => {
      const ids = [];
      for (const element of (await session.find(newRows)).slice(0, count)) {
        ids.push(await session.attribute(element, "data-id"));
        const box = await session.cmd("POST", `/element/${element}/element`, {
          using: "xpath",
          value: `.//*[@data-testid="plan-row-checkbox"]`,
        });
        await session.click(Object.values(box)[0]);
      }
      await session.click(await session.waitFor(byTestId("add-selected")));
      for (const id of ids) {
        await session.waitFor(`//*[@data-testid="plan-row" and @data-id="${id}" and @data-status="added"]`, {
          timeout: 30000,
          what: `row ${id} shown as added`,
        });
      }
      return ids;
    };
    const first = await pick(2);
    // The newest toast (an earlier Add Selected's may still show).
    const lastToast = async () => (await session.find(byTestId("toast"))).at(-1);
    await session.waitFor(byTestId("toast"), { what: "the toast" });
    const toast = await session.text(await lastToast());
    assert(toast.includes("Added 2 users to the store"), `toast: ${toast}`);
    const chip = await session.waitFor(byTestId("status-chip-new"));
    assert((await session.attribute(chip, "aria-pressed")) === "true", "the status filter was reset");
    const box = await session.cmd("POST", `/element/${await session.waitFor(`//*[@data-id="${first[0]}"]`)}/element`, {
      using: "xpath",
      value: `.//*[@data-testid="plan-row-checkbox"]`,
    });
    assert((await session.property(Object.values(box)[0], "disabled")) === true, "an added row can be picked again");
    const second = await pick(2);
    assert(second.every((id) => !first.includes(id)), `the second batch repeats ${second}`);
    // Both batches came from one fetch: their runs share the fetch's start.
    const runs = (await invoke("list_runs")).filter((r) => r.kind === "pull" && r.entity === "users");
    assert(runs[0].created === 2 && runs[1].created === 2, `runs: ${JSON.stringify(runs.slice(0, 2))}`);
    assert(runs[0].started_at === runs[1].started_at, "the second batch fetched again");
    assert(runs[0].fetch_ms !== null && runs[0].duration_ms === runs[0].fetch_ms + runs[0].write_ms, "phases");
    chosen.push(...first, ...second);
    const action = await session.cmd("POST", `/element/${await lastToast()}/element`, {
      using: "xpath",
      value: `.//*[@data-testid="toast-action"]`,
    });
    await session.click(Object.values(action)[0]);
    await session.click(await session.waitFor(byTestId("records-tab-users"), { what: "Records, from the toast" }));
    await waitForText(byTestId("records-count"), /\b7\b/);
  });

  for (const [entity, group, count] of [
    ["campaigns", "CC Campaigns", 12],
    ["dispositions", "CC Dispositions", 10],
    ["agent_statuses", "CC Agent Status", 8],
  ]) {
    await test(`Synchronize → ${group} with Select All adds every one`, async () => {
      await session.click(await session.waitFor(byTestId("nav-synchronize")));
      await pickConnection("Demo tenant");
      await session.click(await session.waitFor(byTestId(`entity-${entity}`)));
      await session.waitFor(planRows, { timeout: 30000, what: `the list of ${entity}` });
      await session.click(await session.waitFor(byTestId("select-all")));
      await session.click(await session.waitFor(byTestId("add-selected")));
      const result = await session.text(await session.waitFor(byTestId("apply-result"), { timeout: 30000 }));
      assert(new RegExp(`Created ${count}\\b`).test(result) && result.includes(group), `result: ${result}`);
      await openRecords(entity);
      // The count is empty while the records load.
      await waitForText(byTestId("records-count"), new RegExp(`\\b${count}\\b`));
    });
  }

  await test("a fetch from an emulator answering 500 shows the error, not an empty list", async () => {
    const port = await freePort();
    const emulator = spawn(cli, ["emulator", "--port", String(port), "--fault", "/inContactAPI=500"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    try {
      await waitForEmulator(port);
      await invoke("create_connection", {
        draft: {
          name: "Broken tenant",
          settings: {
            kind: "cxone",
            auth_url: `http://127.0.0.1:${port}`,
            client_id: "ccsync-demo-client",
            access_key_id: "DEMO4KEY6ID2ACCESS",
            campaigns_from_skills: false,
          },
          secrets: { client_secret: DEMO_SECRETS[0], access_key_secret: DEMO_SECRETS[1] },
        },
      });
      await session.click(await session.waitFor(byTestId("nav-connections")));
      await session.click(await session.waitFor(byTestId("nav-synchronize")));
      await pickConnection("Broken tenant");
      await session.click(await session.waitFor(byTestId("entity-users")));
      const error = await session.text(await session.waitFor(byTestId("sync-error"), { timeout: 45000 }));
      assert(error.includes("HTTP 500") && error.includes("agents"), `unclear error: ${error}`);
      assert((await session.find(planRows)).length === 0, "a list was shown despite the error");
      await session.waitFor(byTestId("sync-open-logs"), { what: "the link to the log" });
    } finally {
      emulator.kill("SIGTERM");
      await new Promise((done) => (emulator.exitCode !== null ? done() : emulator.once("exit", done)));
    }
  });

  await test("History lists the runs, the failed one with its error", async () => {
    await session.click(await session.waitFor(byTestId("nav-history")));
    await session.waitFor(`//*[@data-testid="run-row"]`, { what: "the runs" });
    const runs = await session.find(`//*[@data-testid="run-row"]`);
    assert(runs.length >= 5, `only ${runs.length} runs listed`);
    const failed = await session.text(await session.waitFor(byTestId("run-error")));
    assert(failed.includes("HTTP 500"), `failed run shows: ${failed}`);
  });
}

// ---------- Layout: every screen at the minimum window (960×600) and at 1280×800, light and dark ----------

// Screenshots for people (and the README), under the repository's target/ folder.
const screensDir = resolve(here, "../../target/e2e-screens");
const LAYOUT_SIZES = [
  [960, 600], // the window's minimum (src-tauri/tauri.conf.json)
  [1280, 800],
];

/** Runs `script` in the page and returns its value. */
function inPage(script, ...args) {
  return session.cmd("POST", "/execute/sync", { script, args });
}

/** The app's top-level X window (there is no window manager, so no frame around it). */
function appWindowId() {
  const out = execFileSync("xdotool", ["search", "--onlyvisible", "--name", "^CC Sync$"], { encoding: "utf8", timeout: 10000 });
  const ids = out.split("\n").filter(Boolean);
  assert(ids.length > 0, "no visible window named CC Sync");
  return ids[ids.length - 1];
}

/** A picture of the app's window alone, named `<screen>-<width>x<height>[-dark].png`. */
function saveScreen(name) {
  mkdirSync(screensDir, { recursive: true });
  execFileSync("import", ["-window", appWindowId(), join(screensDir, `${name}.png`)], { timeout: 10000 });
}

const viewport = () => inPage("return [window.innerWidth, window.innerHeight];");

/** Resizes the real window through WebDriver (Set Window Rect), or xdotool when the driver cannot. */
async function resizeWindow(width, height) {
  try {
    await session.cmd("POST", "/window/rect", { width, height });
  } catch {
    execFileSync("xdotool", ["windowsize", "--sync", appWindowId(), String(width), String(height)], { timeout: 10000 });
  }
  const deadline = Date.now() + 10000;
  let size = await viewport();
  while ((size[0] !== width || size[1] !== height) && Date.now() < deadline) {
    await sleep(100);
    size = await viewport();
  }
  assert(size[0] === width && size[1] === height, `the window is ${size.join("×")}, not ${width}×${height}`);
  await sleep(300); // let the virtual lists measure their new height
}

/**
 * What a person would see wrong in the window as it is: a page or screen that scrolls sideways,
 * content cut off sideways by its container (text cut with an ellipsis on purpose aside), a badge on
 * two lines, and any of `actions` (CSS selector) that is in view in its list yet outside the window
 * or cut by its list. Also says whether the screen itself scrolls up and down.
 */
function layoutReport(actions) {
  return inPage(
    `const actions = arguments[0];
     const vw = window.innerWidth, vh = window.innerHeight;
     const problems = [];
     const describe = (el) => {
       const id = el.getAttribute("data-testid");
       const text = (el.getAttribute("aria-label") || el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
       return (id ? "[" + id + "]" : el.tagName.toLowerCase() + "." + String(el.className).split(" ")[0]) + (text ? ' "' + text + '"' : "");
     };
     const doc = document.scrollingElement;
     if (doc.scrollWidth > vw) problems.push("the page scrolls sideways: " + doc.scrollWidth + " > " + vw);
     const main = document.querySelector(".main");
     if (main && main.scrollWidth > main.clientWidth + 1) problems.push("the screen scrolls sideways: " + main.scrollWidth + " > " + main.clientWidth);
     for (const el of document.querySelectorAll("body *")) {
       if (el.clientWidth === 0 || el.closest(".visually-hidden")) continue;
       const style = getComputedStyle(el);
       if (style.overflowX === "visible" || style.textOverflow === "ellipsis") continue;
       if (el.scrollWidth > el.clientWidth + 1) problems.push(describe(el) + " hides " + (el.scrollWidth - el.clientWidth) + "px of its content sideways");
     }
     for (const badge of document.querySelectorAll(".badge")) {
       const box = badge.getBoundingClientRect();
       if (box.height > parseFloat(getComputedStyle(badge).lineHeight) * 1.5 + 4) problems.push(describe(badge) + " wraps onto two lines");
     }
     const scroller = (el) => {
       if (getComputedStyle(el).position === "fixed") return null; // a dialog, over everything
       for (let p = el.parentElement; p; p = p.parentElement) {
         if (getComputedStyle(p).position === "fixed") return null;
         const y = getComputedStyle(p).overflowY;
         if (y === "auto" || y === "scroll") return p;
         // A box that hides its overflow but has none (a card around a table) clips nothing: the
         // list is what scrolls around it.
         if (y === "hidden" && p.scrollHeight > p.clientHeight + 1) return p;
       }
       return null;
     };
     let checked = 0;
     for (const el of document.querySelectorAll(actions)) {
       const box = el.getBoundingClientRect();
       if (box.width === 0 && box.height === 0) continue; // not rendered
       const list = scroller(el);
       if (list) {
         const area = list.getBoundingClientRect();
         if (box.top < area.top - 0.5 || box.bottom > area.bottom + 0.5) continue; // scrolled out of view: reachable by scrolling down
         if (box.left < area.left - 0.5 || box.right > area.right + 0.5) problems.push(describe(el) + " is cut off by its list");
       }
       if (box.left < 0 || box.top < 0 || box.right > vw + 0.5 || box.bottom > vh + 0.5) {
         problems.push(describe(el) + " is outside the " + vw + "×" + vh + " window (" + [box.left, box.top, box.right, box.bottom].map(Math.round).join(",") + ")");
       }
       checked += 1;
     }
     return { problems, checked, screenScrolls: main ? main.scrollHeight > main.clientHeight + 1 : false };`,
    actions,
  );
}

/** Asserts the window shows `actions` (at least `min` of them) and nothing that `layoutReport` finds wrong. */
async function assertLayout(what, actions, { min = 1, oneScrollbar = false } = {}) {
  const report = await layoutReport(actions);
  assert(report.problems.length === 0, `${what}:\n        ${report.problems.slice(0, 12).join("\n        ")}`);
  assert(report.checked >= min, `${what}: only ${report.checked} of the actions (${actions}) are in view, expected ${min}`);
  // A list screen's list scrolls inside itself; the screen around it does not scroll as well.
  assert(!oneScrollbar || !report.screenScrolls, `${what}: the screen scrolls as well as its list (two scrollbars)`);
}

const DIALOG = `//*[@role="dialog" or @role="alertdialog"]`;

/** The open dialog fits the window, and so do its buttons; then it is closed with `closeXpath`. */
async function checkDialog(what, closeXpath, shot) {
  await session.waitFor(DIALOG, { what });
  try {
    await sleep(200);
    if (shot) saveScreen(shot);
    await assertLayout(what, `[role="dialog"], [role="alertdialog"], [role="dialog"] button, [role="alertdialog"] button`, { min: 3 });
  } finally {
    // Closed whatever happened, so the next steps can reach the window.
    await session.click(await session.waitFor(closeXpath));
    const deadline = Date.now() + 5000;
    while ((await session.find(DIALOG)).length > 0 && Date.now() < deadline) await sleep(100);
  }
}

/** Every screen, with the data the suites before left in it; `suffix` names its screenshots. */
const LAYOUT_SCREENS = [
  {
    id: "connections",
    async visit() {
      await session.click(await session.waitFor(byTestId("nav-connections")));
      await session.waitFor(row(PROD));
    },
    actions: `[data-testid="connection-row"] button, [data-testid="last-test"]`,
    min: 9,
    async dialogs(size) {
      await session.click(await session.waitFor(inRow("Demo tenant", "edit-button")));
      await checkDialog("the Edit connection dialog", byTestId("cancel-connection"), `connection-form-${size}`);
      await session.click(await session.waitFor(inRow(PROD, "delete-button")));
      await checkDialog("the Delete connection dialog", byTestId("cancel-delete"));
    },
  },
  {
    id: "synchronize",
    async visit() {
      await session.click(await session.waitFor(byTestId("nav-synchronize")));
      await pickConnection("Demo tenant");
      await session.click(await session.waitFor(byTestId("entity-users")));
      await session.waitFor(planRows, { timeout: 30000 });
    },
    actions: `[data-testid="plan-row-checkbox"], [data-testid="plan-status"], [data-testid="select-all"], [data-testid="clear-all"], [data-testid="add-selected"]`,
    min: 10,
    oneScrollbar: true,
  },
  {
    id: "user-mapping",
    async visit() {
      await openMapping();
      await setMappingSettings(false);
      await session.waitFor(mappingRows, { timeout: 15000 });
    },
    actions: `[data-testid="row-menu"], [data-testid="mapping-status"], [data-testid="mapping-settings-toggle"]`,
    min: 8,
    oneScrollbar: true,
    async dialogs(size) {
      const menus = await session.find(`${mappingRows}//*[@data-testid="row-menu"]`);
      await session.click(menus[0]);
      await session.waitFor(byTestId("menu-map-user"));
      await assertLayout("the row menu", `[data-testid^="menu-"]`, { min: 2 });
      await session.click(await session.waitFor(byTestId("menu-map-user")));
      await checkDialog("the Map User dialog", `${DIALOG}//button[normalize-space(.)="Cancel"]`, `map-user-${size}`);
    },
  },
  {
    id: "csv-import",
    async visit() {
      await session.click(await session.waitFor(byTestId("nav-csv-import")));
      await session.waitFor(`${byTestId("import-dry-run")} | ${byTestId("import-review-step")}`, { what: "the dropped file" });
      if ((await session.find(byTestId("import-review-step"))).length === 0) {
        await session.click(await session.waitFor(byTestId("import-dry-run")));
      }
      await session.waitFor(`//*[@data-testid="review-row"]`, { timeout: 30000, what: "the review table" });
    },
    actions: `[data-testid="edit-row"], [data-testid="review-action"], [data-testid="import-commit"], [data-testid="import-discard"]`,
    min: 6,
    // The dry-run summary and its buttons above the review leave the list too little room at 600
    // pixels high: there the screen scrolls too.
    oneScrollbar: (size) => size !== "960x600",
    async dialogs(size) {
      await session.click(await session.waitFor(`//*[@data-testid="review-row"]//*[@data-testid="edit-row"]`));
      await checkDialog("the Edit row dialog", `${DIALOG}//button[normalize-space(.)="Close"]`, `edit-row-${size}`);
    },
  },
  {
    id: "records",
    async visit() {
      await openRecords("users");
      await session.waitFor(`//*[@data-testid="record-row"]`);
    },
    // The last cell of each row (Last synced) and the password badge must be in view.
    actions: `[data-testid="record-row"] > :last-child, [data-testid="password-badge"], [data-testid="records-export"]`,
    min: 10,
    oneScrollbar: true,
    async extra() {
      const cut = await inPage(
        `return [...document.querySelectorAll('[data-testid="password-badge"]')]
           .filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent);`,
      );
      assert(cut.length === 0, `password badges cut short: ${cut.slice(0, 3).join(", ")}`);
    },
  },
  {
    id: "history",
    async visit() {
      await session.click(await session.waitFor(byTestId("nav-history")));
      await session.click(await session.waitFor(`//*[@data-testid="run-row"]//*[@data-testid="run-details"]`));
      await session.waitFor(`//*[@data-testid="audit-panel"]//*[@data-testid="run-facts"]`);
    },
    // Duration (the next-to-last cell) and Details (the last) of every run in view.
    actions: `[data-testid="run-row"] > :nth-last-child(2), [data-testid="run-details"], [data-testid="history-refresh"]`,
    min: 5,
    oneScrollbar: true,
  },
];

async function visitAndCheck(screen, size, suffix = "") {
  await screen.visit();
  await sleep(400);
  saveScreen(`${screen.id}-${size}${suffix}`);
  const oneScrollbar = typeof screen.oneScrollbar === "function" ? screen.oneScrollbar(size) : screen.oneScrollbar;
  await assertLayout(`${screen.id} at ${size}${suffix}`, screen.actions, { min: screen.min, oneScrollbar });
  if (screen.extra) await screen.extra();
}

const currentTheme = () => inPage("return [document.documentElement.dataset.theme, getComputedStyle(document.documentElement).backgroundColor];");

/** 0 (black) … 1 (white), from a CSS rgb() colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

async function layoutSuite() {
  // A file in the CSV Import review, so its table has rows too (discarded at the end).
  const dir = mkdtempSync(join(tmpdir(), "ccsync-e2e-layout-"));
  const long = "a.very.long.address.that.no.column.is.wide.enough.for";
  const file = userFile(dir, "layout.csv", [
    `${long}@example.com,Pat,Layout,Pat With A Rather Long Display Name For A Narrow Column,+1 201 555 0171,TRUE,FALSE`,
    "quinn.layout@example.com,Quinn,Layout,Quinn Layout,(201) 555-0172,FALSE,TRUE",
    "not-an-email,Rae,Layout,Rae Layout,555,TRUE,TRUE",
  ]);

  await test("Layout: a file for the CSV Import review", async () => {
    await resizeWindow(1280, 800);
    await session.click(await session.waitFor(byTestId("nav-csv-import")));
    await dropFiles([file]);
    await session.waitFor(byTestId("import-dry-run"), { what: "the dropped file's mapping" });
  });

  try {
    for (const [width, height] of LAYOUT_SIZES) {
      const size = `${width}x${height}`;
      await test(`Layout: the window resizes to ${width}×${height}`, () => resizeWindow(width, height));
      for (const screen of LAYOUT_SCREENS) {
        await test(`Layout at ${width}×${height}: ${screen.id} fits, every row action in view`, async () => {
          await visitAndCheck(screen, size);
          if (screen.dialogs) await screen.dialogs(size);
        });
      }
    }

    await test("Layout: Dark from the sidebar darkens every screen at 1280×800", async () => {
      await session.click(await session.waitFor(byTestId("theme-dark")));
      const [theme, background] = await currentTheme();
      assert(theme === "dark" && luminance(background) < 0.2, `theme ${theme}, background ${background}`);
      for (const screen of LAYOUT_SCREENS) await visitAndCheck(screen, "1280x800", "-dark");
    });

    await test("Layout: the theme choice survives a restart, and System follows the desktop (light here)", async () => {
      await session.delete();
      session = undefined;
      await sleep(500);
      session = await Session.create(base, application);
      await session.waitFor(row("Demo tenant"));
      const [theme] = await currentTheme();
      assert(theme === "dark", `after a restart the theme is ${theme}`);
      assert(await session.property(await session.waitFor(`${byTestId("theme-dark")}//input`), "checked"), "Dark is not the checked choice");
      await session.click(await session.waitFor(byTestId("theme-system")));
      const [system, background] = await currentTheme();
      assert(system === "light" && luminance(background) > 0.8, `System: theme ${system}, background ${background}`);
    });
  } finally {
    // What the later suites expect: the default window, the default theme, no import under way.
    await test("Layout: back to 1280×800, System theme, no import under way", async () => {
      await resizeWindow(1280, 800);
      const system = await session.find(byTestId("theme-system"));
      if (system.length > 0 && (await currentTheme())[0] !== "light") await session.click(system[0]);
      await session.click(await session.waitFor(byTestId("nav-csv-import")));
      await sleep(300);
      const discard = await session.find(byTestId("import-discard"));
      if (discard.length > 0) await session.click(discard[0]);
      const deadline = Date.now() + 10000;
      let queue = await invoke("import_queue");
      while (queue.current !== null && Date.now() < deadline) {
        await sleep(200);
        queue = await invoke("import_queue");
      }
      assert(queue.current === null && queue.waiting.length === 0, `queue: ${JSON.stringify(queue)}`);
    });
  }
}

try {
  await main();
} catch (error) {
  results.push({ name: "harness", ok: false });
  console.log(`FAIL  harness\n      ${error.stack ?? error}`);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`\n${passed} passed, ${failed} failed`);
// A run in which nothing ran is a failure too.
process.exit(failed === 0 && passed > 0 ? 0 : 1);
