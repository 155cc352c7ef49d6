// A small W3C WebDriver client over fetch: enough to drive the real app through tauri-driver.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf"; // the W3C web element key

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, application, env = {}) {
    const body = {
      capabilities: {
        alwaysMatch: { "tauri:options": { application, env } },
      },
    };
    const value = await call(base, "POST", "/session", body);
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async delete() {
    await this.cmd("DELETE", "");
  }

  async find(xpath) {
    const found = await this.cmd("POST", "/elements", { using: "xpath", value: xpath });
    return found.map((e) => e[ELEMENT]);
  }

  /** Waits until `xpath` matches a displayed element and returns it. */
  async waitFor(xpath, { timeout = 15000, what = xpath } = {}) {
    const deadline = Date.now() + timeout;
    let last = [];
    while (Date.now() < deadline) {
      last = await this.find(xpath).catch(() => []);
      if (last.length > 0) return last[0];
      await sleep(100);
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
  }

  async click(element) {
    await this.cmd("POST", `/element/${element}/click`, {});
  }

  async type(element, text) {
    await this.cmd("POST", `/element/${element}/clear`, {});
    await this.cmd("POST", `/element/${element}/value`, { text });
  }

  text(element) {
    return this.cmd("GET", `/element/${element}/text`);
  }

  /** A DOM property (value, textContent…), read from the live element. */
  property(element, name) {
    return this.cmd("GET", `/element/${element}/property/${name}`);
  }

  attribute(element, name) {
    return this.cmd("GET", `/element/${element}/attribute/${name}`);
  }

  async selectOption(select, value) {
    const option = await this.cmd("POST", `/element/${select}/element`, {
      using: "xpath",
      value: `.//option[@value="${value}"]`,
    });
    await this.click(option[ELEMENT]);
  }

  /** Runs `script` in the page; `arguments[arguments.length-1]` is the callback. */
  executeAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

}

const debug = process.env.E2E_DEBUG === "1";

async function call(base, method, path, body) {
  if (debug) console.log(`-> ${method} ${path} ${body === undefined ? "" : JSON.stringify(body).slice(0, 200)}`);
  const response = await fetch(`${base}${path}`, {
    method,
    // No WebDriver command may hang the suite.
    signal: AbortSignal.timeout(60000),
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = json.value?.message ?? JSON.stringify(json);
    throw new Error(`${method} ${path}: HTTP ${response.status}: ${message}`);
  }
  return json.value;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitForDriver(base, timeout = 20000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`the WebDriver server at ${base} did not start`);
}
