// Connection-state recovery across servers with the Redis Streams adapter:
// a Rust e2e_server (SIO_URL, started by run-e2e.sh's cluster-streams
// suite with --redis-streams REDIS_URL --recovery) and a Node socket.io
// server on @socket.io/redis-streams-adapter 0.3.1 with recovery (started
// here) share the stream `socket.io`. Broadcasts (binary included) cross
// both ways with their stream entry id as offset, and a client recovers
// its session from the Node server on the Rust one and back. (The rest of
// the cluster contract runs in tests/js/cluster with
// CLUSTER_ADAPTER=streams.)
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { io as ioc } from "socket.io-client";
import { BASE_URL, WAIT_MS, waitFor } from "../lib/helpers.mjs";
import { startNodeServer } from "../cluster/node-server.mjs";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const ENTRY_ID = /^[0-9]+-[0-9]+$/;

describe("redis streams adapter: recovery across servers", () => {
  let node;
  const open = new Set();

  before(async () => {
    node = await startNodeServer({ redisUrl: REDIS_URL, name: "node-js", adapter: "streams", recovery: true });
  });
  afterEach(() => {
    for (const socket of open) socket.disconnect();
    open.clear();
  });
  after(async () => {
    await node?.close();
  });

  function client(url, opts = {}) {
    const socket = ioc(url, { transports: ["websocket"], forceNew: true, reconnection: false, ...opts });
    open.add(socket);
    return socket;
  }

  async function connect(url) {
    const socket = client(url);
    await waitFor(socket, "connect", { failOn: ["connect_error"] });
    return socket;
  }

  /** The next `event` on `socket`: its arguments. */
  function next(socket, event) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} in time`)), WAIT_MS);
      socket.once(event, (...args) => {
        clearTimeout(timer);
        resolve(args);
      });
    });
  }

  async function join(socket, room) {
    return socket.timeout(WAIT_MS).emitWithAck("join", room);
  }

  test("broadcasts cross both ways, binary included, with entry ids as offsets", async () => {
    const rust = await connect(BASE_URL);
    const js = await connect(node.url);
    await join(rust, "r");
    await join(js, "r");
    // From the Node server to both.
    const got = [next(rust, "hello"), next(js, "hello")];
    js.emit("to", "r", "hello", "from-node", Buffer.from([1, 2, 3]), { n: 1.5 });
    for (const args of await Promise.all(got)) {
      assert.equal(args[0], "from-node");
      assert.deepEqual(Buffer.from(args[1]), Buffer.from([1, 2, 3]));
      assert.deepEqual(args[2], { n: 1.5 });
      assert.match(args[3], ENTRY_ID);
    }
    const [a, b] = await Promise.all(got);
    assert.equal(a[3], b[3], "one entry id on both servers");
    // From the Rust server to both.
    const back = [next(rust, "hi"), next(js, "hi")];
    rust.emit("emit-all", "hi", "from-rust", Buffer.from([4, 5]));
    const [c, d] = await Promise.all(back);
    for (const args of [c, d]) {
      assert.equal(args[0], "from-rust");
      assert.deepEqual(Buffer.from(args[1]), Buffer.from([4, 5]));
      assert.match(args[2], ENTRY_ID);
    }
    assert.equal(c[2], d[2]);
  });

  /**
   * Drops `socket`'s transport, then connects a new client to `url` with
   * its pid and last offset, as socket.io-client does when it reconnects
   * (a load balancer would have sent it to the other server).
   */
  async function moveTo(socket, url) {
    const gone = waitFor(socket, "disconnect");
    socket.io.engine.close();
    await gone;
    // Wait for the session to be in Redis (the server writes it on disconnect).
    await new Promise((r) => setTimeout(r, 100));
    const moved = client(url, { autoConnect: false });
    moved._pid = socket._pid;
    moved._lastOffset = socket._lastOffset;
    return moved;
  }

  for (const [from, to] of [
    ["node", "rust"],
    ["rust", "node"],
  ]) {
    test(`a client recovers its session from the ${from} server on the ${to} one`, async () => {
      const urls = { node: node.url, rust: BASE_URL };
      const other = await connect(urls[to]);
      const first = await connect(urls[from]);
      const seen = [];
      await join(first, "room-x");
      first.emit("to", "room-x", "m0");
      const m0 = await next(first, "m0");
      assert.match(m0[0], ENTRY_ID);
      const { id, _pid: pid } = first;
      const moved = await moveTo(first, urls[to]);
      // Missed while away: to its room (binary too), elsewhere, and to all.
      other.emit("to", "room-x", "missed", 1);
      other.emit("to", "room-x", "missed", Buffer.from([9, 8]));
      other.emit("to", "room-y", "not-for-it", 0);
      other.emit("emit-all", "missed", "all");
      await next(other, "missed");
      // (The Rust server also emits `auth` on every connection.)
      moved.onAny((event, ...args) => event === "missed" && seen.push([event, ...args]));
      const connected = waitFor(moved, "connect", { failOn: ["connect_error"] });
      moved.connect();
      await connected;
      assert.equal(moved.recovered, true, "recovered");
      assert.equal(moved.id, id, "same id");
      assert.equal(moved._pid, pid);
      const deadline = Date.now() + WAIT_MS;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        seen.map(([event, ...args]) => [event, ...args.slice(0, -1)]),
        [
          ["missed", 1],
          ["missed", Buffer.from([9, 8])],
          ["missed", "all"],
        ],
      );
      for (const [, ...args] of seen) assert.match(args.at(-1), ENTRY_ID);
      assert.deepEqual(await moved.timeout(WAIT_MS).emitWithAck("rooms"), [id, "room-x"].sort());
    });
  }
});
