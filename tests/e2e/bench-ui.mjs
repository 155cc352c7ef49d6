// UI benchmark of the real app: how soon the Synchronize list shows its first rows once a plan of
// N users has arrived, and how smoothly it scrolls. Run in a headless session:
//   scripts/headless-session.sh node tests/e2e/bench-ui.mjs target/release/ccsync-desktop [agents]
// Prints the figures and appends a row to BENCHMARKS.md when BENCH_RECORD=1.

import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Session, waitForDriver } from "./webdriver.mjs";
import { freePort, waitForEmulator } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const application = resolve(process.argv[2] ?? join(here, "../../target/release/ccsync-desktop"));
const cli = join(dirname(application), "ccsync");
const agents = Number(process.argv[3] ?? 100000);

const [driverPort, nativePort, emulatorPort] = [await freePort(), await freePort(), await freePort()];
const base = `http://127.0.0.1:${driverPort}`;
const emulator = spawn(cli, ["emulator", "--port", String(emulatorPort), "--agents", String(agents)], {
  stdio: ["ignore", "ignore", "inherit"],
});
const driver = spawn("tauri-driver", ["--port", String(driverPort), "--native-port", String(nativePort)], {
  stdio: ["ignore", "ignore", "inherit"],
});
let session;
try {
  await waitForEmulator(emulatorPort);
  await waitForDriver(base);
  session = await Session.create(base, application);
  await session.waitFor(`//*[@data-testid="demo-button"]`);
  const invoke = (command, args) =>
    session.executeAsync(
      `const done = arguments[arguments.length - 1];
       window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((v) => done({ v }), (e) => done({ e }));`,
      [command, args],
    );
  const created = await invoke("create_connection", {
    draft: {
      name: "Bench tenant",
      settings: {
        kind: "cxone",
        auth_url: `http://127.0.0.1:${emulatorPort}`,
        client_id: "ccsync-demo-client",
        access_key_id: "DEMO4KEY6ID2ACCESS",
        campaigns_from_skills: false,
      },
      secrets: { client_secret: "demo-client-secret-7Qm2", access_key_secret: "demo+access/key=secret==" },
    },
  });
  if (created.e) throw new Error(JSON.stringify(created.e));
  // The Synchronize screen reads the connections when it opens.
  await session.click(await session.waitFor(`//*[@data-testid="nav-synchronize"]`));
  await session.waitFor(`//*[@data-testid="entity-users"]`);

  // In the page: click Users, wait for the first row, and time it from the plan's arrival.
  const firstRows = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     const started = performance.now();
     const found = () => document.querySelector('[data-testid="plan-row"]');
     const finish = () => {
       const mark = performance.getEntriesByName("ccsync:plan-received").pop();
       done({ total: performance.now() - started, afterPlan: mark ? performance.now() - mark.startTime : null,
              rows: document.querySelectorAll('[data-testid="plan-row"]').length });
     };
     new MutationObserver((_, observer) => { if (found()) { observer.disconnect(); requestAnimationFrame(finish); } })
       .observe(document.body, { childList: true, subtree: true });
     document.querySelector('[data-testid="entity-users"]').click();`,
  );

  // Scroll the list through 120 frames and record each frame's time.
  const scroll = await session.executeAsync(
    `const done = arguments[arguments.length - 1];
     const box = document.querySelector('[data-testid="plan-scroll"]');
     const frames = [];
     let last = performance.now();
     let n = 0;
     const step = (now) => {
       frames.push(now - last); last = now; n += 1;
       box.scrollTop += 1500;
       if (n < 120) requestAnimationFrame(step);
       else {
         frames.sort((a, b) => a - b);
         done({ p95: frames[Math.floor(frames.length * 0.95)], max: frames[frames.length - 1],
                median: frames[Math.floor(frames.length / 2)], scrolledTo: box.scrollTop });
       }
     };
     requestAnimationFrame(step);`,
  );
  const line =
    `${agents} users: first rows ${firstRows.afterPlan.toFixed(0)} ms after the plan arrived ` +
    `(${firstRows.total.toFixed(0)} ms from the click, fetch included; ${firstRows.rows} rows in the DOM); ` +
    `scrolling frames median ${scroll.median.toFixed(1)} ms, p95 ${scroll.p95.toFixed(1)} ms, max ${scroll.max.toFixed(1)} ms`;
  console.log(line);
  if (process.env.BENCH_RECORD === "1") {
    appendFileSync(
      join(here, "../../BENCHMARKS.md"),
      `| \`scripts/headless-session.sh node tests/e2e/bench-ui.mjs target/release/ccsync-desktop ${agents}\` | ` +
        `${agents} | ${firstRows.afterPlan.toFixed(0)} ms | ${firstRows.total.toFixed(0)} ms | ${firstRows.rows} | ` +
        `${scroll.median.toFixed(1)} / ${scroll.p95.toFixed(1)} / ${scroll.max.toFixed(1)} ms |\n`,
    );
  }
} finally {
  if (session) await session.delete().catch(() => {});
  driver.kill("SIGTERM");
  emulator.kill("SIGTERM");
}
