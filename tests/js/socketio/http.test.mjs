// The engine.io side of `/socket.io/`, seen from raw clients: the protocol
// version check, the handshake's settings, and the contract's connect
// timeout (a session that joins no namespace within 1000 ms is closed).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { BASE_URL, waitFor } from "../lib/helpers.mjs";

const TEST = { timeout: 10000 };

const open = new Set();
after(() => {
  for (const socket of open) socket.close();
});

for (const [label, query] of [
  ["missing EIO", "transport=polling"],
  ["EIO=5", "EIO=5&transport=polling"],
]) {
  test(`/socket.io/ refuses ${label} with 400 and code 5`, TEST, async () => {
    const res = await fetch(`${BASE_URL}/socket.io/?${query}`);
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(await res.text()).code, 5);
  });
}

test("/socket.io/ handshake announces the contract's settings", TEST, async () => {
  const res = await fetch(`${BASE_URL}/socket.io/?EIO=4&transport=polling`);
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.equal(body[0], "0");
  const openPacket = JSON.parse(body.slice(1));
  assert.deepEqual(openPacket.upgrades, ["websocket"]);
  assert.equal(openPacket.pingInterval, 300);
  assert.equal(openPacket.pingTimeout, 200);
  assert.equal(openPacket.maxPayload, 1000000);
});

for (const transport of ["websocket", "polling"]) {
  test(`a session that joins no namespace is closed after about 1000 ms (${transport})`, TEST, async () => {
    const socket = new Socket(BASE_URL, { path: "/socket.io/", transports: [transport], upgrade: false });
    open.add(socket);
    await waitFor(socket, "open", { failOn: ["error", "close"] });
    const opened = Date.now();
    await waitFor(socket, "close", { ms: 5000 });
    const elapsed = Date.now() - opened;
    assert.ok(elapsed >= 800 && elapsed < 3000, `closed after ${elapsed} ms`);
  });
}
