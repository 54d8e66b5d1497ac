// engine.io-client 6.x (engine.io protocol 4) against the bare echo endpoint
// `/engine.io/` of the e2e server: polling only, websocket only, and the
// polling → websocket upgrade.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import {
  BASE_URL,
  waitFor,
  collect,
  inBursts,
  eventually,
  isBinary,
  toBuffer,
  patternBytes,
} from "../lib/helpers.mjs";

const TEST = { timeout: 15000 };

/** The three ways a client can reach the server. */
const MODES = {
  polling: { transports: ["polling"], upgrade: false, final: "polling" },
  websocket: { transports: ["websocket"], upgrade: false, final: "websocket" },
  upgrade: { transports: ["polling", "websocket"], upgrade: true, final: "websocket" },
};

const open = new Set();
after(() => {
  for (const socket of open) socket.close();
});

/** Opens a client in `mode` and resolves once it runs on its final transport. */
async function connect(mode) {
  const { transports, upgrade, final } = MODES[mode];
  const socket = new Socket(BASE_URL, { transports, upgrade });
  open.add(socket);
  socket.on("close", () => open.delete(socket));
  const upgraded = upgrade ? waitFor(socket, "upgrade", { failOn: ["close"] }) : null;
  await waitFor(socket, "open", { failOn: ["error", "close"] });
  if (upgraded) await upgraded;
  assert.equal(socket.transport.name, final);
  return socket;
}

/** Sends `data` and resolves with the next message the server sends back. */
async function echo(socket, data) {
  const reply = waitFor(socket, "message", { failOn: ["close"] });
  socket.send(data);
  return reply;
}

for (const mode of Object.keys(MODES)) {
  describe(`engine.io v4 over ${mode}`, () => {
    test("handshake announces the contract's settings", TEST, async () => {
      const socket = await connect(mode);
      assert.match(socket.id, /^\S+$/);
      // engine.io-client keeps the handshake values it was given
      assert.equal(socket._pingInterval, 300);
      assert.equal(socket._pingTimeout, 200);
      assert.equal(socket._maxPayload, 1000000);
      socket.close();
    });

    test("text comes back as the same text", TEST, async () => {
      const socket = await connect(mode);
      for (const text of ["hello", "ünïcødé ✓ 🚀", "4not-a-packet-type", "a\nb"]) {
        assert.equal(await echo(socket, text), text);
      }
      socket.close();
    });

    test("binary comes back as binary with identical bytes", TEST, async () => {
      const socket = await connect(mode);
      for (const bytes of [patternBytes(256), Buffer.from([0]), patternBytes(70000, 7)]) {
        const reply = await echo(socket, bytes);
        assert.ok(isBinary(reply), `expected binary, got ${typeof reply}`);
        assert.deepEqual(toBuffer(reply), bytes);
      }
      socket.close();
    });

    test("1000 messages come back in order", TEST, async () => {
      const socket = await connect(mode);
      const count = 1000;
      const replies = await inBursts(
        socket,
        "message",
        count,
        (i) => socket.send(i % 10 === 9 ? Buffer.from(`bin-${i}`) : `msg-${i}`),
        { failOn: ["close"] },
      );
      const got = replies.map((m) => (typeof m === "string" ? m : `B:${toBuffer(m)}`));
      const want = Array.from({ length: count }, (_, i) => (i % 10 === 9 ? `B:bin-${i}` : `msg-${i}`));
      assert.deepEqual(got, want);
      socket.close();
    });

    test("a 500 KB message comes back whole", TEST, async () => {
      const socket = await connect(mode);
      const text = "x".repeat(250 * 1024) + "y".repeat(250 * 1024);
      assert.equal(await echo(socket, text), text);
      const bytes = patternBytes(500 * 1024, 3);
      assert.deepEqual(toBuffer(await echo(socket, bytes)), bytes);
      socket.close();
    });

    test("stays open across several heartbeats", TEST, async () => {
      const socket = await connect(mode);
      // ping interval 300 ms: three pings answered keep the session alive
      await collect(socket, "ping", 3, { ms: 3000, failOn: ["close"] });
      assert.equal(await echo(socket, "still here"), "still here");
      socket.close();
    });

    test("a close from the client ends the session on the server", TEST, async () => {
      const socket = await connect(mode);
      const sid = socket.id;
      const closed = waitFor(socket, "close");
      socket.close();
      const [reason] = await closed;
      assert.equal(reason, "forced close");
      // the server forgets the session: a poll with its sid is refused
      await eventually(
        async () => {
          const res = await fetch(`${BASE_URL}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
          const body = await res.text();
          return res.status === 400 && JSON.parse(body).code === 1;
        },
        { what: "server-side close of the session" },
      );
    });
  });
}
