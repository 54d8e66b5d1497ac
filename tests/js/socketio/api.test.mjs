// socket.io-client 4.x and the per-socket listener API of the server (the
// `/api` namespace, which the e2e server adds only with SIO_E2E_API=1, as
// tests/run-e2e.sh sets; not part of the contract, so a server without it,
// like the Node reference, skips this suite): a packet middleware's error reaches the
// client's ack, catch-all listeners see accepted events only (incoming) and
// every event sent (outgoing), `once` answers once, and the socket sees
// its connection upgrade from polling to WebSocket.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { clientV4, closeAll } from "../lib/sio.mjs";

/** Connects and waits for the CONNECT reply (`/api` sends no `auth` event). */
function connect(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
    socket.connect();
  });
}

const TEST = { timeout: 15000 };
after(closeAll);

/** True when the server serves `/api` (our e2e server with SIO_E2E_API=1). */
async function hasApi() {
  const socket = clientV4("/api", { mode: "websocket" });
  try {
    await connect(socket);
    return true;
  } catch {
    return false;
  } finally {
    socket.disconnect();
  }
}

const skip = (await hasApi()) ? false : "the server has no /api namespace (not in the contract)";

describe("server listener API", { skip }, () => {
  test("the upgrade is seen by the socket and its transport changes", TEST, async () => {
    const socket = clientV4("/api", { mode: "upgrade" });
    const upgraded = new Promise((resolve) => socket.on("upgraded", resolve));
    await connect(socket);
    assert.equal(await upgraded, "websocket");
    assert.deepEqual(await socket.timeout(5000).emitWithAck("transport"), "websocket");
    socket.disconnect();
  });

  test("every listener of an event runs, in order; the first answer is the ack", TEST, async () => {
    const socket = clientV4("/api", { mode: "websocket" });
    await connect(socket);
    const seen = [];
    const both = new Promise((resolve) =>
      socket.on("multi-seen", (n) => {
        seen.push(n);
        if (seen.length === 2) resolve();
      }),
    );
    assert.equal(await socket.timeout(5000).emitWithAck("multi"), "first");
    await both;
    assert.deepEqual(seen, [1, 2]);
    socket.disconnect();
  });

  test("a packet middleware rejects with an error ack; catch-all listeners; once", TEST, async () => {
    const socket = clientV4("/api", { mode: "websocket" });
    await connect(socket);
    const rejected = await socket.timeout(5000).emitWithAck("forbidden", 1);
    assert.deepEqual(rejected, { message: "forbidden event", data: { event: "forbidden" } });
    assert.equal(await socket.timeout(5000).emitWithAck("once"), "first");
    socket.emit("once"); // no handler any more: nothing comes back
    const shouted = new Promise((resolve) => socket.on("shouted", resolve));
    socket.emit("shout");
    assert.equal(await shouted, 1);
    const log = await socket.timeout(5000).emitWithAck("any-log");
    assert.deepEqual(log, ["once", "once", "shout", "any-log"]);
    assert.deepEqual(await socket.timeout(5000).emitWithAck("outgoing-log"), ["shouted"]);
    socket.disconnect();
  });
});
