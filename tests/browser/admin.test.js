// The admin example (examples/admin) with the real Socket.IO Admin UI
// (the npm package @socket.io/admin-ui, served by the example at
// /admin-ui/) in a headless Chromium: a bad password is refused; the UI
// logs in, lists a second page's socket with its rooms and transport,
// shows the server's stats, and its disconnect button disconnects that
// page's socket.
//
// Needs a release build of the example (`cargo build --release --example
// admin`) and Debian's chromium (CHROMIUM overrides /usr/bin/chromium).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
const ADMIN_BIN = process.env.ADMIN_BIN || join(TARGET, "release", "examples", "admin");

let server;
let browser;
let context;
let base;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Starts the admin example and resolves once it listens. */
async function startAdmin(port) {
  const child = spawn(ADMIN_BIN, ["--port", String(port), "--host", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("admin: open")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`admin exited with ${code}: ${out}`)));
    child.on("error", reject);
  });
  return child;
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startAdmin(port);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  context = await browser.newContext({ locale: "en-US" });
  // The UI's index.html loads fonts from public CDNs: refused at once
  // (the tests run offline), the UI works without them.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** Fills the UI's connection modal and submits it. */
async function connect(page, password) {
  await page.getByLabel("Server URL").fill(base);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: /connect/i }).click();
}

test("the UI's files are served from the npm package", async () => {
  const res = await fetch(`${base}/admin-ui/`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Socket\.IO Admin UI/);
});

test("the admin UI logs in, shows sockets, rooms and stats, and disconnects a socket", async () => {
  // A client held by a second page, on long-polling (a fixed transport).
  const client = await context.newPage();
  await client.goto(`${base}/?polling`);
  await client.locator("#status", { hasText: "connected" }).waitFor();
  const id = await client.locator("#id").textContent();
  assert.ok(id.length > 0);

  const ui = await context.newPage();
  await ui.goto(`${base}/admin-ui/`);

  // A bad password: refused, the modal stays.
  await connect(ui, "wrong");
  await ui.getByText("Invalid credentials").waitFor();

  await connect(ui, "secret");
  await ui.getByText("Invalid credentials").waitFor({ state: "hidden" });
  await ui.getByText(/^\s*connected\s*$/i).first().waitFor();

  // The sockets: the client's row, with its transport.
  await ui.goto(`${base}/admin-ui/#/sockets`);
  const row = ui.locator("tr", { hasText: id });
  await row.waitFor();
  await row.getByText("HTTP long-polling").waitFor();

  // Its page: its rooms (its own and `lobby`).
  await row.click();
  await ui.getByText("lobby").first().waitFor();

  // The server and its stats (every 2 s).
  await ui.goto(`${base}/admin-ui/#/servers`);
  const server = ui.locator("tr", { hasText: "admin-example" });
  await server.waitFor();
  await server.getByText(/healthy/i).waitFor();

  // The rooms list.
  await ui.goto(`${base}/admin-ui/#/rooms`);
  await ui.getByRole("row", { name: /lobby/ }).first().waitFor();

  // Disconnect from the sockets list: the second page's socket goes.
  await ui.goto(`${base}/admin-ui/#/sockets`);
  await row.waitFor();
  await row.locator("button:has(.mdi-logout)").click();
  await client.locator("#status", { hasText: "disconnected: io server disconnect" }).waitFor();
  // (The click also opened the socket's page.) The list no longer has it.
  await ui.goto(`${base}/admin-ui/#/sockets`);
  await ui.waitForFunction(
    (id) => ![...document.querySelectorAll("tr")].some((tr) => tr.textContent.includes(id)),
    id,
  );
});
