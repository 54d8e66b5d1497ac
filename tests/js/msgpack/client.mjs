// The msgpack parser end to end with the real JavaScript client:
// socket.io-client 4.x with socket.io-msgpack-parser against a sio server
// built with `.parser(Parser::MsgPack)` (started by the Rust test
// crates/sio/tests/sio_msgpack_js.rs, which passes its URL as argv[2]).
// Over WebSocket and over polling: the CONNECT with auth, a server emit
// with nested and binary data, an emit with ack both ways, binary round
// trips, and a room broadcast between two clients. The server's engine
// hooks as a client sees them: allow-request refusing a handshake (403),
// and the initial_headers / headers hooks on the responses. Prints one
// line per check and exits 0 only when every check passed.
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";

const url = process.argv[2];
if (!url) {
  console.error("usage: node client.mjs <server url>");
  process.exit(2);
}
const WAIT_MS = 5000;
setTimeout(() => {
  console.error("msgpack e2e: timed out");
  process.exit(1);
}, 30_000).unref();

let checks = 0;
function pass(name) {
  checks += 1;
  console.log(`ok ${name}`);
}

function connect(transports, auth, query = {}) {
  const socket = io(url, {
    query,
    parser: msgpackParser,
    transports,
    upgrade: false,
    forceNew: true,
    reconnection: false,
    auth,
  });
  return socket;
}

function once(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event}`)), WAIT_MS);
    socket.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const bytes = (...b) => Buffer.from(b);

async function run(mode) {
  const transports = [mode];
  const a = connect(transports, { token: "abc", n: 7 });
  const [welcome, blob] = await once(a, "welcome");
  assert.equal(a.io.engine.transport.name, mode);
  assert.equal(welcome.id, a.id);
  assert.deepEqual(welcome.auth, { token: "abc", n: 7 });
  assert.deepEqual(welcome.nested, {
    list: [1, 2.5, "x", null, true, -3],
    deep: { a: { b: { c: [] } } },
  });
  assert.ok(Buffer.isBuffer(blob) || blob instanceof Uint8Array);
  assert.deepEqual(Buffer.from(blob), bytes(0, 1, 2, 255));
  pass(`${mode}: connect with auth, server emit with nested and binary data`);

  const sent = [1, "two", { n: [1, { x: null }], f: 0.5 }, bytes(0, 255, 1)];
  const echoed = await a.timeout(WAIT_MS).emitWithAck("echo", ...sent);
  assert.deepEqual(echoed.slice(0, 3), sent.slice(0, 3));
  assert.deepEqual(Buffer.from(echoed[3]), sent[3]);
  pass(`${mode}: emit with ack, binary and nested data round trip`);

  a.on("question", (n, blob, cb) => cb(n * 2, Buffer.from(blob).reverse()));
  const answer = await a.timeout(WAIT_MS).emitWithAck("ask", 21);
  assert.equal(answer[0], 42);
  assert.deepEqual(Buffer.from(answer[1]), bytes(3, 2, 1));
  pass(`${mode}: server emit with ack answered by the client`);

  const rooms = await a.timeout(WAIT_MS).emitWithAck("join", "lobby");
  assert.deepEqual(rooms, ["lobby"]);
  const b = connect(transports, {});
  await once(b, "welcome");
  const news = once(a, "news");
  b.emit("to", "lobby", "news", { from: b.id }, bytes(9, 8));
  const [body, data] = await news;
  assert.deepEqual(body, { from: b.id });
  assert.deepEqual(Buffer.from(data), bytes(9, 8));
  pass(`${mode}: room broadcast with binary reaches the member`);

  a.disconnect();
  b.disconnect();
}

async function hooks() {
  const refused = connect(["polling"], {}, { deny: "1" });
  const err = await new Promise((resolve) => refused.once("connect_error", resolve));
  assert.equal(err.description, 403);
  refused.close();
  pass("hooks: allow-request refuses the handshake with 403");

  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("set-cookie"), "lb=node-a; Path=/");
  assert.equal(res.headers.get("x-served-by"), "node-a");
  const open = JSON.parse((await res.text()).slice(1));
  assert.match(open.sid, /^node-a\./);
  const post = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${open.sid}`, {
    method: "POST",
    body: "1",
  });
  assert.equal(await post.text(), "ok");
  assert.equal(post.headers.get("set-cookie"), null);
  assert.equal(post.headers.get("x-served-by"), "node-a");
  pass("hooks: initial_headers on the handshake, headers on every response, custom ids");
}

try {
  await run("websocket");
  await run("polling");
  await hooks();
  console.log(`msgpack e2e: ${checks} checks passed`);
  process.exit(0);
} catch (err) {
  console.error("msgpack e2e failed:", err);
  process.exit(1);
}
