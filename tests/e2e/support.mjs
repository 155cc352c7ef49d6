// Helpers shared by the end-to-end suite and the UI benchmark.

import { createServer } from "node:net";
import { sleep } from "./webdriver.mjs";

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Waits until `ccsync emulator` answers on `port`. */
export async function waitForEmulator(port, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`the emulator on port ${port} did not start`);
}
