// The Admin UI across a mixed cluster: a Rust e2e_server (SIO_URL, started
// by run-e2e.sh with --redis REDIS_URL --admin-ui --node-name rust-1) and a
// Node socket.io 4.8 server instrumented with @socket.io/admin-ui 0.5.1
// (started here, see ../cluster/node-server.mjs) on the same
// @socket.io/redis-adapter (default key). An admin client speaks as the UI
// does: socket.io-client on /monitor with basic auth. Connected to either
// server it sees both servers' stats and sockets, and its commands reach
// the sockets held by the other server.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, test } from "node:test";
import { io as ioc } from "socket.io-client";
import { BASE_URL, WAIT_MS, eventually, waitFor } from "../lib/helpers.mjs";
import { startNodeServer } from "../cluster/node-server.mjs";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const RUST_NAME = process.env.SIO_NODE_NAME || "rust-1";
const NODE_NAME = "node-js";
const AUTH = { username: "admin", password: "secret" };

let node;
const open = new Set();

before(async () => {
  node = await startNodeServer({ redisUrl: REDIS_URL, name: NODE_NAME, adminUi: true });
  // Both servers must count each other before the first request.
  const rust = await connect(BASE_URL);
  await eventually(
    async () => (await rust.timeout(WAIT_MS).emitWithAck("servers")).length >= 2,
    { what: "both servers in the cluster" },
  );
  rust.disconnect();
});

afterEach(() => {
  for (const socket of open) socket.disconnect();
  open.clear();
});

after(async () => {
  await node?.close();
});

async function connect(url, opts = {}) {
  const socket = ioc(url, { transports: ["websocket"], forceNew: true, reconnection: false, ...opts });
  open.add(socket);
  await waitFor(socket, "connect", { failOn: ["connect_error"] });
  return socket;
}

/**
 * An admin client on `url` as the UI connects (polling then websocket,
 * basic auth); it records every event it gets, from before the connect.
 */
async function admin(url) {
  const socket = ioc(`${url}/monitor`, { auth: AUTH, forceNew: true, reconnection: false });
  open.add(socket);
  const seen = [];
  socket.onAny((event, ...args) => seen.push([event, ...args]));
  await waitFor(socket, "connect", { failOn: ["connect_error"] });
  return { socket, seen, args: (event) => seen.filter(([e]) => e === event).map(([, ...a]) => a) };
}

/** Waits until `check()` holds (polled: the admin's records grow). */
const until = (what, check, ms = WAIT_MS) => eventually(async () => check(), { what, ms });

/** The server ids of the `server_stats` the admin has seen. */
const statsIds = (a) => new Set(a.args("server_stats").map(([s]) => s.serverId));

/**
 * Waits for a `server_stats` of each server sent after the admin connected.
 * A Rust server reports per-socket events only once it knows an admin is
 * connected somewhere, which it asks the cluster at each stats tick (every
 * 2 s, just before it sends its stats): a Rust server's stats mean its
 * events now reach this admin.
 */
async function ready(a) {
  await until("stats of both servers", () => statsIds(a).has(RUST_NAME) && statsIds(a).has(NODE_NAME), 6000);
}

/** The ids of `nsp`'s sockets in the admin's `all_sockets`. */
const allSocketIds = (a, nsp = "/") =>
  a.args("all_sockets").flatMap(([list]) => list.filter((s) => s.nsp === nsp).map((s) => s.id));

const connectedIds = (a) => a.args("socket_connected").map(([s]) => s.id);

/** The first argument of the ack of `event`. */
const ask = (socket, event, ...args) => socket.timeout(WAIT_MS).emitWithAck(event, ...args);

const room = () => `room-${randomBytes(4).toString("hex")}`;

for (const [side, other] of [
  ["rust", "node"],
  ["node", "rust"],
]) {
  const urlOf = (s) => (s === "rust" ? BASE_URL : node.url);

  test(`an admin on the ${side} server gets server_stats from both servers`, async () => {
    const a = await admin(urlOf(side));
    // Every server broadcasts its stats every 2 s.
    await ready(a);
    for (const [stats] of a.args("server_stats")) {
      assert.equal(typeof stats.clientsCount, "number", JSON.stringify(stats));
      assert.ok(Array.isArray(stats.namespaces), JSON.stringify(stats));
    }
  });

  test(`an admin on the ${side} server sees the sockets of the ${other} server`, async () => {
    const mine = await connect(urlOf(side));
    const theirs = await connect(urlOf(other));
    // all_sockets: fetchSockets across the cluster, when the admin connects.
    const a = await admin(urlOf(side));
    await until("all_sockets", () => a.args("all_sockets").length > 0);
    const ids = allSocketIds(a);
    assert.ok(ids.includes(mine.id), `own socket ${mine.id} in ${JSON.stringify(ids)}`);
    assert.ok(ids.includes(theirs.id), `remote socket ${theirs.id} in ${JSON.stringify(ids)}`);
    const remote = a.args("all_sockets")[0][0].find((s) => s.id === theirs.id);
    assert.deepEqual(remote.rooms, [theirs.id]);
    assert.equal(remote.clientId, theirs.io.engine.id.slice(0, 12), JSON.stringify(remote));
    assert.equal(remote.transport, "websocket", JSON.stringify(remote));
    // socket_connected: broadcast by the server the client connects to.
    await ready(a);
    const late = await connect(urlOf(other));
    await until(`socket_connected of ${late.id}`, () => connectedIds(a).includes(late.id));
    const [serialized] = a.args("socket_connected").find(([s]) => s.id === late.id);
    assert.equal(serialized.nsp, "/");
    // and its disconnection
    const lateId = late.id;
    late.disconnect();
    await until(`socket_disconnected of ${lateId}`, () =>
      a.args("socket_disconnected").some(([nsp, id]) => nsp === "/" && id === lateId),
    );
  });

  test(`join, emit, leave and _disconnect from an admin on the ${side} server reach a socket on the ${other} server`, async () => {
    const target = await connect(urlOf(other));
    const a = await admin(urlOf(side));
    await ready(a);
    const r = room();
    // The UI's "add room" on a socket page: filter = the socket id.
    a.socket.emit("join", "/", r, target.id);
    await until(`${target.id} in ${r}`, async () => (await ask(target, "rooms")).includes(r));
    await until(`room_joined ${r}`, () =>
      a.args("room_joined").some(([nsp, joined, id]) => nsp === "/" && joined === r && id === target.id),
    );
    // `emit` (advertised, not sent by UI 0.5.1): to the room the socket joined.
    const hello = waitFor(target, "hello");
    a.socket.emit("emit", "/", r, "hello", side);
    assert.equal(await hello, side);
    a.socket.emit("leave", "/", r, target.id);
    await until(`${target.id} out of ${r}`, async () => !(await ask(target, "rooms")).includes(r));
    // The sockets list's disconnect button: close = false, filter = the id.
    const targetId = target.id;
    const gone = waitFor(target, "disconnect");
    a.socket.emit("_disconnect", "/", false, targetId);
    assert.equal((await gone)[0], "io server disconnect");
    await until(`socket_disconnected of ${targetId}`, () =>
      a.args("socket_disconnected").some(([nsp, id]) => nsp === "/" && id === targetId),
    );
    // The client page's disconnect: close = true also closes the connection.
    const client = await connect(urlOf(other));
    const closed = waitFor(client.io.engine, "close");
    a.socket.emit("_disconnect", "/", true, client.id);
    await closed;
  });
}
