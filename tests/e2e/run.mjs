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

  await test("a plain-http remote URL is refused in the form and nothing is lost", async () => {
    await session.click(await session.waitFor(byTestId("add-connection-button")));
    await session.type(await session.waitFor(byTestId("field-name")), PROD);
    await session.type(await session.waitFor(byTestId("field-auth_url")), "http://cxone.example.com");
    await session.type(await session.waitFor(byTestId("field-client_id")), "ccsync-demo-client");
    await session.type(await session.waitFor(byTestId("field-access_key_id")), "DEMO4KEY6ID2ACCESS");
    await session.type(await session.waitFor(byTestId("secret-client_secret")), "demo-client-secret-7Qm2");
    await session.type(await session.waitFor(byTestId("secret-access_key_secret")), WRONG_SECRET);
    await session.click(await session.waitFor(byTestId("save-connection")));
    const error = await session.text(await session.waitFor(byTestId("form-error"), { what: "the form error" }));
    assert(error.includes("plain http://"), `unexpected form error: ${error}`);
    const name = await session.waitFor(byTestId("field-name"));
    assert((await session.cmd("GET", `/element/${name}/property/value`)) === PROD, "the typed name was lost");
  });

  await test("a CXone connection with a wrong secret saves, and its test says the access key was rejected", async () => {
    await session.type(await session.waitFor(byTestId("field-auth_url")), demoUrl);
    await session.click(await session.waitFor(byTestId("save-connection")));
    await session.waitFor(row(PROD), { what: `the ${PROD} row` });
    const { ok, text } = await testConnectionInUi(PROD);
    assert(!ok, `a wrong secret passed the test: ${text}`);
    assert(text.includes("rejected the access key"), `unclear error: ${text}`);
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

  await test("CSV Import: Commit writes the users, and Records shows them with their licences", async () => {
    const commit = await session.waitFor(byTestId("import-commit"));
    await session.click(commit);
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
  await session.click(await session.waitFor(byTestId("platform-ringcentral")));
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
    const users = await invoke("list_mappings", { platform: "ringcentral" });
    const email = users.find((u) => String(u.record_id) === mappedRecord).email;
    await rowMenu(mappedRecord, "menu-map-user");
    await session.waitFor(byTestId("map-user-dialog"));
    await session.type(await session.waitFor(byTestId("account-search")), "Contractor");
    const option = await session.waitFor(byTestId("account-option"), { what: "a search result" });
    const marked = await session.find(`//*[@data-testid="account-option"]//mark`);
    assert(marked.length > 0, "the matching part is highlighted");
    await session.click(option);
    await session.click(await session.waitFor(byTestId("confirm-map")));
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

  await test("Unmap → the row shows Unmapped", async () => {
    await rowMenu(mappedRecord, "menu-unmap");
    const deadline = Date.now() + 10000;
    while ((await rowStatus(mappedRecord)) !== "unmapped_by_admin" && Date.now() < deadline) await sleep(100);
    assert((await rowStatus(mappedRecord)) === "unmapped_by_admin", `status ${await rowStatus(mappedRecord)}`);
  });

  await test("Permission gate on with a key no profile carries: Auto Sync stops with a sentence, nothing changes", async () => {
    const before = JSON.stringify(await invoke("list_mappings", { platform: "ringcentral" }));
    await waitForText(byTestId("gate-state"), /^Off/);
    await session.click(await session.waitFor(byTestId("gate-enabled")));
    await session.type(await session.waitFor(byTestId("gate-key")), "NoSuchKey");
    await session.click(await session.waitFor(byTestId("save-gate")));
    await waitForText(byTestId("gate-state"), /On: users need .NoSuchKey/);
    await session.click(await session.waitFor(byTestId("run-auto-sync")));
    const error = await session.text(await session.waitFor(byTestId("auto-sync-error"), { timeout: 60000 }));
    assert(/"NoSuchKey"/.test(error) && /would skip every user/.test(error), `error: ${error}`);
    assert(JSON.stringify(await invoke("list_mappings", { platform: "ringcentral" })) === before, "no mapping changed");
    // Off again: later steps map as usual.
    await session.click(await session.waitFor(byTestId("gate-enabled")));
    await session.click(await session.waitFor(byTestId("save-gate")));
    await waitForText(byTestId("gate-state"), /^Off/);
  });

  await test("Webex Auto Sync runs again after its access token expired (the rotated refresh token is kept)", async () => {
    const webexRuns = async () =>
      (await invoke("list_runs")).filter((r) => r.kind === "auto_sync" && r.connection_name === "Demo Webex");
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

function appRunning() {
  try {
    execFileSync("pgrep", ["-x", basename(application)], { stdio: "ignore" });
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
      // Set long ago, so the first look at the schedules finds a run due; no RingCentral
      // connection exists in this (new) database, so the run fails.
      trayTool("schedule", paths.database_path, "ringcentral", JSON.stringify({ kind: "every_minutes", minutes: 30 }), "2020-01-01T00:00:00Z");
      session = await Session.create(base, application);
      pid = appPid();
      assert(pid, "the app is not running");
      const notice = await services.next("notification", (n) => n.summary.startsWith("Scheduled Auto Sync failed"), 30000);
      assert(notice.summary === "Scheduled Auto Sync failed — RingCentral", `summary: ${notice.summary}`);
      assert(/RingCentral connection/.test(notice.body), `body: ${notice.body}`);
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
      assert(/RingCentral connection/.test(notice.body), `body: ${notice.body}`);
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
