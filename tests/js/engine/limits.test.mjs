// The contract's limits on `/engine.io/`, seen from raw clients: the
// heartbeat (ping interval 300 ms, ping timeout 200 ms) closes a client that
// stops answering, and the 1,000,000-byte max payload bounds both a polling
// POST and a WebSocket message.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { BASE_URL, WS_URL, waitFor, within } from "../lib/helpers.mjs";

const TEST = { timeout: 10000 };
const MAX_PAYLOAD = 1000000;

const raw = new Set();
after(() => {
  for (const ws of raw) ws.terminate();
});

/** A raw protocol 4 WebSocket session on /engine.io/ and its OPEN packet. */
async function openWebSocket() {
  const ws = new WebSocket(`${WS_URL}/engine.io/?EIO=4&transport=websocket`);
  raw.add(ws);
  const first = await waitFor(ws, "message", { failOn: ["error", "close"] });
  const text = first[0].toString();
  assert.equal(text[0], "0", `expected OPEN, got ${text}`);
  return [ws, JSON.parse(text.slice(1))];
}

async function pollingHandshake() {
  const res = await fetch(`${BASE_URL}/engine.io/?EIO=4&transport=polling`);
  assert.equal(res.status, 200);
  return JSON.parse((await res.text()).slice(1)).sid;
}

test("a client that never answers pings is closed after the ping timeout", TEST, async () => {
  const [ws] = await openWebSocket();
  const opened = Date.now();
  const pings = [];
  ws.on("message", (data) => pings.push(data.toString()));
  await waitFor(ws, "close", { ms: 5000 });
  const elapsed = Date.now() - opened;
  assert.ok(pings.includes("2"), `expected a ping, got ${JSON.stringify(pings)}`);
  // 300 ms to the first ping, 200 ms for the pong: closed soon after 500 ms
  assert.ok(elapsed >= 400 && elapsed < 3000, `closed after ${elapsed} ms`);
});

test("a client that answers pings stays open", TEST, async () => {
  const [ws] = await openWebSocket();
  const threePings = new Promise((resolve) => {
    let pings = 0;
    ws.on("message", (data) => {
      if (data.toString() !== "2") return;
      ws.send("3");
      if (++pings === 3) resolve();
    });
  });
  await within(threePings, 3000, "three ping rounds");
  const echoed = new Promise((resolve) => {
    ws.on("message", (data) => data.toString() === "4alive" && resolve());
  });
  ws.send("4alive");
  await within(echoed, 2000, "the echo after three pings");
  assert.equal(ws.readyState, WebSocket.OPEN);
  ws.close();
});

test("a polling POST over the max payload is refused with 413", TEST, async () => {
  const sid = await pollingHandshake();
  const body = "4" + "x".repeat(MAX_PAYLOAD + 10);
  const res = await fetch(`${BASE_URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
    method: "POST",
    headers: { "Content-Type": "text/plain;charset=UTF-8" },
    body,
  });
  assert.equal(res.status, 413);
});

test("a polling POST just under the max payload is accepted", TEST, async () => {
  const sid = await pollingHandshake();
  const body = "4" + "y".repeat(MAX_PAYLOAD - 1000);
  const url = `${BASE_URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`;
  const res = await fetch(url, { method: "POST", body });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
  const echo = await fetch(url);
  assert.equal(echo.status, 200);
  assert.equal(await echo.text(), body);
});

test("a WebSocket message over the max payload closes the connection", TEST, async () => {
  const [ws] = await openWebSocket();
  const closed = waitFor(ws, "close", { ms: 5000 });
  ws.on("error", () => {}); // the server may reset instead of a close frame
  ws.send("4" + "z".repeat(MAX_PAYLOAD + 10));
  const [code] = [await closed].flat();
  assert.notEqual(code, 1000, "closed as if normally");
});
