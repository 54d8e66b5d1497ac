// A slow consumer must not slow the others down: a raw WebSocket client
// joins a namespace and then stops reading its socket, while a normal
// client of the same namespace keeps receiving large broadcasts on time.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { WS_URL, WAIT_MS } from "../lib/helpers.mjs";
import { clientV4, connect, ask, closeAll, freshNamespace } from "../lib/sio.mjs";

const ROUNDS = 200;
const PAYLOAD = "p".repeat(64 * 1024);
const MAX_LATENCY_MS = 1000;

const raw = new Set();
after(() => {
  for (const ws of raw) ws.terminate();
  closeAll();
});

/**
 * Connects a raw protocol 4 WebSocket client to `nsp` and resolves once the
 * server has sent the namespace's `auth` event. Answers pings while it reads.
 */
function rawClient(nsp) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${WS_URL}/socket.io/?EIO=4&transport=websocket`);
    raw.add(ws);
    const timer = setTimeout(() => reject(new Error("raw client did not connect")), WAIT_MS);
    ws.on("error", reject);
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? "" : data.toString();
      if (text.startsWith("0")) ws.send(`40${nsp},`);
      else if (text === "2") ws.send("3");
      else if (text.startsWith(`42${nsp},["auth"`)) {
        clearTimeout(timer);
        resolve(ws);
      }
    });
  });
}

test("a client that stops reading does not delay broadcasts to others", { timeout: 30000 }, async (t) => {
  const nsp = freshNamespace("slow");
  const slow = await rawClient(nsp);
  const fast = clientV4(nsp);
  await connect(fast);
  assert.deepEqual(await ask(fast, "count"), [2]);

  // Stop reading: the server's writes to this client pile up. Blind pongs
  // keep its session alive on servers that accept them; a server may also
  // drop it, which is fine: only the other client's service is measured.
  slow._socket.pause();
  const pongs = setInterval(() => slow.readyState === WebSocket.OPEN && slow.send("3"), 100);

  const latencies = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const sent = Date.now();
      const got = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`round ${i}: no broadcast`)), WAIT_MS);
        fast.once("big", (n, body) => {
          clearTimeout(timer);
          resolve([n, body.length]);
        });
      });
      fast.emit("emit-all", "big", i, PAYLOAD);
      assert.deepEqual(await got, [i, PAYLOAD.length]);
      latencies.push(Date.now() - sent);
    }
  } finally {
    clearInterval(pongs);
  }
  const worst = Math.max(...latencies);
  const total = latencies.reduce((a, b) => a + b, 0);
  t.diagnostic(`${ROUNDS} broadcasts of 64 KB: worst ${worst} ms, total ${total} ms`);
  assert.ok(worst < MAX_LATENCY_MS, `worst broadcast latency ${worst} ms`);
  assert.ok(total < 15000, `${ROUNDS} broadcasts took ${total} ms`);
  // the server still answers normally
  assert.deepEqual(await ask(fast, "message-with-ack", "alive"), ["alive"]);
  slow.terminate();
  fast.disconnect();
});
