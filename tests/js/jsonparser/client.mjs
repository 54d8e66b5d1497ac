// A custom parser end to end: socket.io-client 4.x configured with
// socket.io-json-parser 3.0.0 (every packet is `JSON.stringify(packet)`)
// against a sio server built with `.parser(Parser::custom(JsonParser))`,
// the parser of examples/custom_parser (started by the Rust test
// crates/sio/tests/sio_custom_parser_js.rs, which passes its URL as
// argv[2]). Over WebSocket only and over polling only: the CONNECT with
// auth, a server emit with nested data, an emit with ack both ways, and a
// room broadcast between two clients. Prints one line per check and exits
// 0 only when every check passed.
import assert from "node:assert/strict";
import { io } from "socket.io-client";
import jsonParser from "socket.io-json-parser";

const url = process.argv[2];
if (!url) {
  console.error("usage: node client.mjs <server url>");
  process.exit(2);
}
const WAIT_MS = 5000;
setTimeout(() => {
  console.error("json-parser e2e: timed out");
  process.exit(1);
}, 30_000).unref();

let checks = 0;
function pass(name) {
  checks += 1;
  console.log(`ok ${name}`);
}

function connect(transports, auth) {
  return io(url, {
    parser: jsonParser,
    transports,
    upgrade: false,
    forceNew: true,
    reconnection: false,
    auth,
  });
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

async function run(mode, transports) {
  const a = connect(transports, { token: "abc" });
  const [welcome] = await once(a, "welcome");
  assert.equal(a.io.engine.transport.name, mode);
  assert.equal(welcome.id, a.id);
  assert.deepEqual(welcome.auth, { token: "abc" });
  assert.deepEqual(welcome.nested, { list: [1, 2.5, "x", null, true, -3], deep: { a: { b: { c: [] } } } });
  pass(`${mode}: connect with auth, server emit with nested data`);

  const echoed = await a.timeout(WAIT_MS).emitWithAck("echo", 1, "two", { three: [3] });
  assert.deepEqual(echoed, [1, "two", { three: [3] }]);
  pass(`${mode}: emit with ack round trip`);

  a.on("question", (n, ack) => ack(n * 2, "answered"));
  const answer = await a.timeout(WAIT_MS).emitWithAck("ask", 21);
  assert.deepEqual(answer, [42, "answered"]);
  pass(`${mode}: server emit with ack answered by the client`);

  const b = connect(transports, {});
  await once(b, "welcome");
  const rooms = await b.timeout(WAIT_MS).emitWithAck("join", "r1");
  assert.deepEqual(rooms, ["r1"]);
  const got = once(b, "news");
  a.emit("to", "r1", "news", { n: 1 });
  assert.deepEqual(await got, [{ n: 1 }]);
  pass(`${mode}: room broadcast reaches the member`);
  a.close();
  b.close();
}

try {
  await run("websocket", ["websocket"]);
  await run("polling", ["polling"]);
  console.log(`json-parser e2e: ${checks} checks passed`);
  process.exit(0);
} catch (err) {
  console.error(err);
  process.exit(1);
}
