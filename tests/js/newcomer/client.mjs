// The three newcomer programs of issue 13 (examples/newcomer/*.rs) with the
// real client: socket.io-client 4.x against a server started by the Rust
// test crates/sio/tests/newcomer_js.rs, which passes the scenario and the
// server's URL: `node newcomer/client.mjs <chat|auth|acks> <url>`.
// Prints one line per check and exits 0 only when every check passed.
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const [scenario, url] = process.argv.slice(2);
if (!scenario || !url) {
  console.error("usage: node client.mjs <chat|auth|acks> <server url>");
  process.exit(2);
}
setTimeout(() => {
  console.error(`newcomer ${scenario}: timed out`);
  process.exit(1);
}, 20_000).unref();

let checks = 0;
function pass(name) {
  checks += 1;
  console.log(`ok ${name}`);
}

function connect(opts = {}) {
  const socket = io(url, { forceNew: true, reconnection: false, ...opts });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

const next = (socket, event) => new Promise((resolve) => socket.once(event, resolve));

async function chat() {
  const a = await connect();
  const b = await connect();
  for (const s of [a, b]) {
    const rooms = await s.timeout(5000).emitWithAck("join", "r1");
    assert.equal(rooms[0], s.id, "own id first");
    assert.ok(rooms.includes("r1"));
  }
  pass("join answers the rooms, the socket's own id first");
  const heard = next(b, "chat");
  let echoed = false;
  a.on("chat", () => (echoed = true));
  a.emit("chat", { room: "r1", text: "hi" });
  assert.deepEqual(await heard, { room: "r1", text: "hi" });
  pass("a chat message reaches the room");
  const announced = Promise.all([next(a, "announce"), next(b, "announce")]);
  const res = await fetch(`${url}/announce`, { method: "POST", body: "hello all" });
  assert.equal(res.status, 204);
  assert.deepEqual(await announced, ["hello all", "hello all"]);
  assert.equal(echoed, false, "the sender does not hear its own chat");
  pass("an HTTP route emits to every client");
  a.close();
  b.close();
}

async function auth() {
  const ann = await connect({ auth: { token: "t-ann" } });
  assert.equal(await ann.timeout(5000).emitWithAck("whoami"), "ann");
  pass("the middleware keeps the user in the socket's data");
  for (const auth of [{ token: "nope" }, undefined]) {
    await assert.rejects(connect(auth ? { auth } : {}), (err) => {
      assert.equal(err.message, "unauthorized");
      return true;
    });
  }
  pass("an unknown or missing token is refused, on the main namespace too");
  ann.close();
}

async function acks() {
  const one = await connect();
  const two = await connect();
  one.on("question", (q, cb) => cb(q === "2 + 2?" ? "4" : "?"));
  one.on("vote", (_q, cb) => cb(3));
  two.on("vote", (_q, cb) => cb(5));
  for (const s of [one, two]) assert.equal(await s.timeout(5000).emitWithAck("join"), true);
  assert.equal(await one.timeout(5000).emitWithAck("quiz"), "you said 4");
  pass("the server waits for one socket's ack");
  assert.deepEqual(await one.timeout(5000).emitWithAck("poll"), [3, 5]);
  pass("the server reads typed acks from a room");
  one.close();
  two.close();
}

const scenarios = { chat, auth, acks };
await scenarios[scenario]();
console.log(`newcomer ${scenario}: ${checks} checks passed`);
process.exit(0);
