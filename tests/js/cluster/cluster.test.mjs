// A Rust e2e_server on a cluster adapter (SIO_URL, started by run-e2e.sh
// with --redis, or --redis-sharded, and --node-name rust-1) and a Node
// socket.io server on the same Node adapter (started here, kind
// CLUSTER_ADAPTER: `classic` by default, or `sharded`; see node-server.mjs)
// form one cluster on the Redis at REDIS_URL (or the Redis Cluster whose
// masters are CLUSTER_NODES, comma-separated redis:// urls), with the
// default key `socket.io`. Clients on each side see the other side's
// broadcasts, rooms, fetchSockets, socketsJoin, broadcasts with acks and
// server-side events, and (classic only) @socket.io/redis-emitter reaches
// both.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, test } from "node:test";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";
import { io as ioc } from "socket.io-client";
import { BASE_URL, WAIT_MS, waitFor } from "../lib/helpers.mjs";
import { startNodeServer } from "./node-server.mjs";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const RUST_NAME = process.env.SIO_NODE_NAME || "rust-1";
const NODE_NAME = "node-js";
const KIND = process.env.CLUSTER_ADAPTER || "classic";
const CLUSTER_NODES = (process.env.CLUSTER_NODES || "").split(",").filter(Boolean);

let node;
let redis;
const open = new Set();

before(async () => {
  node = await startNodeServer({
    redisUrl: REDIS_URL,
    name: NODE_NAME,
    adapter: KIND,
    clusterNodes: CLUSTER_NODES,
  });
  if (KIND === "classic") {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  }
  // Both servers must count each other before the first request.
  const rust = await connect(BASE_URL);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const names = await ask(rust, "servers");
    if (names.length === 2) break;
    assert.ok(Date.now() < deadline, `servers: ${JSON.stringify(names)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  rust.disconnect();
});

afterEach(() => {
  for (const socket of open) socket.disconnect();
  open.clear();
});

after(async () => {
  await node?.close();
  await redis?.quit();
});

async function connect(url) {
  const socket = ioc(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  open.add(socket);
  await waitFor(socket, "connect", { failOn: ["connect_error"] });
  return socket;
}

/**
 * One client on each server, once the cluster sees these two and no other
 * (the previous test's clients are gone).
 */
async function pair() {
  const clients = [await connect(BASE_URL), await connect(node.url)];
  const mine = clients.map((c) => c.id).sort();
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const ids = await ask(clients[0], "sockets", null);
    if (JSON.stringify(ids) === JSON.stringify(mine)) return clients;
    assert.ok(Date.now() < deadline, `sockets: ${JSON.stringify(ids)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The first argument of the ack of `event`. */
function ask(socket, event, ...args) {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args);
}

/** Every argument of the ack of `event`. */
function askAll(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(WAIT_MS).emit(event, ...args, (err, ...answer) => (err ? reject(err) : resolve(answer)));
  });
}

const room = () => `room-${randomBytes(4).toString("hex")}`;

/**
 * Calls `emit` until `event` reaches `receiver`, and resolves with its
 * argument. With the classic adapter once is enough; the sharded one (dynamic
 * mode) subscribes a server to a room's channel only once the room exists
 * there (a moment after a join, and after the join's ack on the Node
 * server), so a broadcast sent right after that join may be missed (between
 * Node servers as well).
 */
async function emitUntilHeard(receiver, event, emit) {
  const heard = waitFor(receiver, event);
  emit();
  if (KIND === "classic") return heard;
  const timer = setInterval(emit, 100);
  try {
    return await heard;
  } finally {
    clearInterval(timer);
  }
}

test("servers: each side's server-side emit with ack gets the other's name", async () => {
  const [rust, js] = await pair();
  assert.deepEqual(await ask(rust, "servers"), [NODE_NAME, RUST_NAME].sort());
  assert.deepEqual(await ask(js, "servers"), [NODE_NAME, RUST_NAME].sort());
});

test("servers: asked on a child namespace, the whoami still goes on / and reaches Node", async () => {
  // The Node server has no /custom: Node's serverSideEmit uses the main namespace.
  const custom = await connect(`${BASE_URL}/custom`);
  assert.deepEqual(await ask(custom, "servers"), [NODE_NAME, RUST_NAME].sort());
});

test("a broadcast from Rust reaches the Node client and back, binary intact", async () => {
  const [rust, js] = await pair();
  const heard = [waitFor(js, "hello"), waitFor(rust, "hello")];
  rust.emit("emit-all", "hello", 1, Buffer.from([1, 2, 3]), { n: 1.5 });
  for (const [n, bin, obj] of await Promise.all(heard)) {
    assert.equal(n, 1);
    assert.deepEqual([...new Uint8Array(bin)], [1, 2, 3]);
    assert.deepEqual(obj, { n: 1.5 });
  }
  const back = waitFor(rust, "back");
  js.emit("emit-all", "back", "from node");
  assert.equal(await back, "from node");
});

test("rooms: a room broadcast crosses servers and reaches only the room", async () => {
  const [rust, js] = await pair();
  const r = room();
  await ask(js, "join", r);
  const seen = [];
  rust.onAny((event) => seen.push(event));
  assert.equal(await emitUntilHeard(js, "in-room", () => rust.emit("to", r, "in-room", 7)), 7);
  const marker = waitFor(rust, "marker");
  js.emit("emit-all", "marker");
  await marker;
  assert.deepEqual(seen, ["marker"]);
});

test("fetchSockets spans both servers, asked from either side", async () => {
  const [rust, js] = await pair();
  for (const socket of [rust, js]) {
    const ids = await ask(socket, "sockets", null);
    assert.deepEqual(ids, [rust.id, js.id].sort());
    assert.equal(await ask(socket, "count"), 2);
  }
  const r = room();
  await ask(js, "join", r);
  assert.deepEqual(await ask(rust, "sockets", r), [js.id]);
});

test("socketsJoin moves the other server's sockets into a room, both ways", async () => {
  const [rust, js] = await pair();
  const r1 = room();
  await ask(rust, "sockets-join", js.id, r1);
  assert.equal(await emitUntilHeard(js, "joined", () => rust.emit("to", r1, "joined", 1)), 1);
  const r2 = room();
  await ask(js, "sockets-join", rust.id, r2);
  assert.equal(await emitUntilHeard(rust, "joined2", () => js.emit("to", r2, "joined2", 2)), 2);
  assert.ok((await ask(rust, "rooms")).includes(r2));
});

test("socketsLeave and disconnectSockets cross servers, both ways", async () => {
  const [rust, js] = await pair();
  const r = room();
  await ask(rust, "join", r);
  await ask(js, "join", r);
  await ask(js, "sockets-leave", rust.id, r);
  assert.deepEqual(await ask(js, "sockets", r), [js.id]);
  await ask(rust, "sockets-leave", js.id, r);
  assert.deepEqual(await ask(rust, "sockets", r), []);
  const gone = waitFor(js, "disconnect");
  await ask(rust, "disconnect-sockets", js.id, false);
  assert.equal([await gone].flat()[0], "io server disconnect");
  const goneToo = waitFor(rust, "disconnect");
  const other = await connect(node.url);
  await ask(other, "disconnect-sockets", rust.id, false);
  assert.equal([await goneToo].flat()[0], "io server disconnect");
});

test("broadcasts with acks collect the answers of both servers' clients", async () => {
  const [rust, js] = await pair();
  for (const socket of [rust, js]) socket.on("q", (_, ack) => ack(socket.id));
  const expected = [JSON.stringify(rust.id), JSON.stringify(js.id)].sort().map((t) => JSON.parse(t));
  for (const asker of [rust, js]) {
    assert.deepEqual(await askAll(asker, "emit-all-ack", "q", 1), [null, expected]);
  }
});

// The emitter speaks the classic protocol only.
test("@socket.io/redis-emitter reaches the clients of both servers", { skip: KIND !== "classic" }, async () => {
  const [rust, js] = await pair();
  const emitter = new Emitter(redis);
  const both = [waitFor(rust, "from-emitter"), waitFor(js, "from-emitter")];
  emitter.emit("from-emitter", "e", Buffer.from([9]));
  for (const [text, bin] of await Promise.all(both)) {
    assert.equal(text, "e");
    assert.deepEqual([...new Uint8Array(bin)], [9]);
  }
  const r = room();
  await ask(rust, "join", r);
  const only = waitFor(rust, "em-room");
  emitter.to(r).emit("em-room", 1);
  assert.equal(await only, 1);
  const r2 = room();
  emitter.in(r).socketsJoin(r2);
  const moved = waitFor(rust, "em-moved");
  emitter.to(r2).emit("em-moved", 2);
  assert.equal(await moved, 2);
});
