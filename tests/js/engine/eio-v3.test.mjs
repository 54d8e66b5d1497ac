// engine.io-client 3.x (engine.io protocol 3, `EIO=3`, the transport of
// socket.io 2.x clients) against the bare echo endpoint `/engine.io/`.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import eio from "engine.io-client-v3";
import { BASE_URL, waitFor, collect, inBursts, isBinary, toBuffer, patternBytes } from "../lib/helpers.mjs";

const TEST = { timeout: 15000 };

/** The ways a protocol 3 client can reach the server. */
const MODES = {
  polling: { transports: ["polling"], upgrade: false, final: "polling" },
  "polling (base64)": { transports: ["polling"], upgrade: false, forceBase64: true, final: "polling" },
  websocket: { transports: ["websocket"], upgrade: false, final: "websocket" },
  upgrade: { transports: ["polling", "websocket"], upgrade: true, final: "websocket" },
};

const open = new Set();
after(() => {
  for (const socket of open) socket.close();
});

async function connect(mode) {
  const { final, ...opts } = MODES[mode];
  const socket = eio(BASE_URL, opts);
  open.add(socket);
  socket.on("close", () => open.delete(socket));
  const upgraded = opts.upgrade ? waitFor(socket, "upgrade", { failOn: ["close"] }) : null;
  await waitFor(socket, "open", { failOn: ["error", "close"] });
  if (upgraded) await upgraded;
  assert.equal(socket.transport.name, final);
  return socket;
}

async function echo(socket, data) {
  const reply = waitFor(socket, "message", { failOn: ["close"] });
  socket.send(data);
  return reply;
}

for (const mode of Object.keys(MODES)) {
  describe(`engine.io v3 over ${mode}`, () => {
    test("handshake announces the contract's heartbeat", TEST, async () => {
      const socket = await connect(mode);
      assert.match(socket.id, /^\S+$/);
      assert.equal(socket.pingInterval, 300);
      assert.equal(socket.pingTimeout, 200);
      socket.close();
    });

    test("text comes back as the same text", TEST, async () => {
      const socket = await connect(mode);
      for (const text of ["hello", "ünïcødé ✓ 🚀", "12:34", "a\nb"]) {
        assert.equal(await echo(socket, text), text);
      }
      socket.close();
    });

    test("binary comes back as binary with identical bytes", TEST, async () => {
      const socket = await connect(mode);
      for (const bytes of [patternBytes(256), patternBytes(40000, 5)]) {
        const reply = await echo(socket, bytes);
        assert.ok(isBinary(reply), `expected binary, got ${typeof reply}`);
        assert.deepEqual(toBuffer(reply), bytes);
      }
      socket.close();
    });

    test("300 messages come back in order", TEST, async () => {
      const socket = await connect(mode);
      const count = 300;
      const send = (i) => socket.send(`msg-${i}`);
      const replies = await inBursts(socket, "message", count, send, { failOn: ["close"] });
      assert.deepEqual(replies, Array.from({ length: count }, (_, i) => `msg-${i}`));
      socket.close();
    });

    test("client pings are answered", TEST, async () => {
      const socket = await connect(mode);
      // protocol 3: the client pings every pingInterval, the server pongs
      await collect(socket, "pong", 2, { ms: 3000, failOn: ["close"] });
      assert.equal(await echo(socket, "still here"), "still here");
      socket.close();
    });
  });
}

// Clients of the protocol-3 era (and the official v3 suite) may start
// listening for messages only once the WebSocket's 'open' fired: the OPEN
// packet must not come in the same read as the 101.
test("protocol 3 over WebSocket: a client listening after 'open' still gets the OPEN packet", async () => {
  const { default: WebSocket } = await import("ws");
  const WS = BASE_URL.replace(/^http/, "ws");
  for (let i = 0; i < 20; i++) {
    const ws = new WebSocket(`${WS}/engine.io/?EIO=3&transport=websocket`);
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
    const { data } = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no OPEN packet after 'open' (round ${i})`)), 2000);
      ws.addEventListener("message", (e) => { clearTimeout(timer); resolve(e); }, { once: true });
    });
    assert.match(String(data), /^0\{"sid":/);
    ws.close();
  }
});
