// The HTTP side of the contract, checked with plain fetch: the health
// route, the protocol version check and the polling handshake of both
// engine.io protocol versions on `/engine.io/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE_URL } from "../lib/helpers.mjs";

const TEST = { timeout: 10000 };

test("GET /health answers 200 ok", TEST, async () => {
  const res = await fetch(`${BASE_URL}/health`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
});

for (const [label, query] of [
  ["missing EIO", "transport=polling"],
  ["EIO=5", "EIO=5&transport=polling"],
  ["EIO=2", "EIO=2&transport=polling"],
]) {
  test(`${label} is refused with 400 and code 5`, TEST, async () => {
    const res = await fetch(`${BASE_URL}/engine.io/?${query}`);
    assert.equal(res.status, 400);
    const body = JSON.parse(await res.text());
    assert.equal(body.code, 5);
    assert.equal(typeof body.message, "string");
  });
}

/** Parses the OPEN packet's JSON and checks the contract's settings. */
function checkHandshake(json) {
  const open = JSON.parse(json);
  assert.equal(typeof open.sid, "string");
  assert.ok(open.sid.length > 0);
  assert.deepEqual(open.upgrades, ["websocket"]);
  assert.equal(open.pingInterval, 300);
  assert.equal(open.pingTimeout, 200);
  return open;
}

test("EIO=4 polling handshake announces the contract's settings", TEST, async () => {
  const res = await fetch(`${BASE_URL}/engine.io/?EIO=4&transport=polling`);
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.equal(body[0], "0", `expected an OPEN packet, got ${body}`);
  const open = checkHandshake(body.slice(1));
  assert.equal(open.maxPayload, 1000000);
});

test("EIO=3 polling handshake (base64 framing) is accepted", TEST, async () => {
  const res = await fetch(`${BASE_URL}/engine.io/?EIO=3&transport=polling&b64=1`);
  assert.equal(res.status, 200);
  const body = await res.text();
  const match = /^(\d+):0(\{.*?\})/.exec(body);
  assert.ok(match, `expected a length-prefixed OPEN packet, got ${body}`);
  checkHandshake(match[2]);
  assert.equal(Number(match[1]), match[2].length + 1);
});

test("an unknown sid is refused with 400 and code 1", TEST, async () => {
  const res = await fetch(`${BASE_URL}/engine.io/?EIO=4&transport=polling&sid=no-such-session`);
  assert.equal(res.status, 400);
  assert.equal(JSON.parse(await res.text()).code, 1);
});
