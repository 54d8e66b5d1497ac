// The chat example (examples/chat) in a real headless Chromium: two pages
// set nicknames and chat, see the typing indicator, one joins a room and
// then hears only that room, one shares an image whose bytes the other
// page shows. The client bundle comes from the server's serve_client.
//
// Needs a release build of the example (`cargo build --release --example
// chat`) and Debian's chromium (CHROMIUM overrides /usr/bin/chromium).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { deflateSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
const CHAT_BIN = process.env.CHAT_BIN || join(TARGET, "release", "examples", "chat");

let server;
let browser;
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

/** Starts the chat example and resolves once it listens. */
async function startChat(port) {
  const child = spawn(CHAT_BIN, ["--port", String(port), "--host", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("chat: open")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`chat exited with ${code}: ${out}`)));
    child.on("error", reject);
  });
  return child;
}

/** A small valid PNG: `size`×`size`, two colours split on the diagonal. */
function png(size, [r, g, b], [r2, g2, b2]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const rows = Array.from({ length: size }, (_, y) =>
    Buffer.from([0, ...Array.from({ length: size }, (_, x) => (x > y ? [r, g, b] : [r2, g2, b2])).flat()]),
  );
  const pixels = Buffer.concat(rows);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A connected chat page; its uncaught errors fail the test. */
async function openPage(errors) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base);
  await page.locator("#status", { hasText: "connected" }).waitFor();
  return page;
}

const lines = (page) => page.locator("#log li").allTextContents();

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startChat(port);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

test("the client bundle is served with Node's headers", async () => {
  const res = await fetch(`${base}/socket.io/socket.io.js`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/javascript; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "public, max-age=0");
  const etag = res.headers.get("etag");
  assert.match(etag, /^"4\.\d+\.\d+"$/);
  assert.match(await res.text(), /Socket\.IO v4/);
  const again = await fetch(`${base}/socket.io/socket.io.js`, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${base}/socket.io/package.json`)).status, 404);
});

test("two pages chat, type, use rooms and share an image", async () => {
  const errors = [];
  const alice = await openPage(errors);
  const bob = await openPage(errors);

  // Both pages moved to WebSocket with per-message deflate (the image
  // below then travels compressed both ways).
  for (const page of [alice, bob]) {
    await page.waitForFunction(() => socket.io.engine.transport.name === "websocket");
    const extensions = await page.evaluate(() => socket.io.engine.transport.ws.extensions);
    assert.match(extensions, /^permessage-deflate/);
  }

  // Nicknames: each page's ack comes back, the other page hears of it.
  await alice.fill("#nick", "alice");
  await alice.click("#nick-form button");
  await bob.locator("#log li.notice", { hasText: "anonymous is now known as alice" }).waitFor();
  await bob.fill("#nick", "bob");
  await bob.click("#nick-form button");
  await alice.locator("#log li.notice", { hasText: "is now known as bob" }).waitFor();

  // Typing indicator, then a message.
  await alice.locator("#text").pressSequentially("hello b");
  await bob.locator("#typing", { hasText: "alice is typing…" }).waitFor();
  await alice.fill("#text", "hello bob");
  await alice.press("#text", "Enter");
  await bob.locator("#log li", { hasText: "alicehello bob" }).waitFor();
  await bob.locator("#typing", { hasText: /^$/ }).waitFor();
  await bob.fill("#text", "hi alice");
  await bob.press("#text", "Enter");
  await alice.locator("#log li", { hasText: "bobhi alice" }).waitFor();

  // Bob joins #rust: the lobby's next message does not reach him; once
  // alice joins #rust too, her messages do (in order, so no waiting).
  await bob.fill("#room", "rust");
  await bob.click("#room-form button");
  await bob.locator("#room-name", { hasText: "#rust" }).waitFor();
  await alice.locator("#log li.notice", { hasText: "bob left #lobby" }).waitFor();
  await alice.fill("#text", "lobby only");
  await alice.press("#text", "Enter");
  await alice.fill("#room", "rust");
  await alice.click("#room-form button");
  await alice.locator("#room-name", { hasText: "#rust" }).waitFor();
  await bob.locator("#log li.notice", { hasText: "alice joined #rust" }).waitFor();
  await alice.fill("#text", "in rust");
  await alice.press("#text", "Enter");
  await bob.locator("#log li", { hasText: "alicein rust" }).waitFor();
  assert.ok(!(await lines(bob)).some((l) => l.includes("lobby only")), "bob heard the lobby");

  // Alice shares an image: bob's page shows an <img> with the same bytes.
  const image = png(48, [200, 30, 30], [30, 90, 200]);
  await alice.setInputFiles("#image", { name: "red.png", mimeType: "image/png", buffer: image });
  const img = bob.locator("#log li img");
  await img.waitFor();
  const shown = await img.evaluate(async (el) => {
    await el.decode();
    const bytes = new Uint8Array(await (await fetch(el.src)).arrayBuffer());
    return { bytes: Array.from(bytes), width: el.naturalWidth, alt: el.alt };
  });
  assert.deepEqual(Buffer.from(shown.bytes), image);
  assert.equal(shown.width, 48);
  assert.equal(shown.alt, "red.png");

  const shot = join(tmpdir(), `sio-chat-${process.pid}.png`);
  await bob.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
  assert.deepEqual(errors, []);
});
