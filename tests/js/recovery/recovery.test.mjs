// Connection-state recovery, against an e2e server started with
// `--recovery` (window 2000 ms), with socket.io-client 4.x, which recovers
// natively: it keeps the private id (`pid`) of its CONNECT reply and the
// offset of the last event it got, and sends both on reconnection.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { waitFor, eventually, toBuffer, patternBytes } from "../lib/helpers.mjs";
import { clientV4, connect, ask, closeAll, freshNamespace, MODES } from "../lib/sio.mjs";

const TEST = { timeout: 20000 };
const WINDOW_MS = 2000;
after(closeAll);

/** Drops the client's transport (not a client disconnect: it may come back). */
async function dropTransport(socket) {
  const gone = waitFor(socket, "disconnect");
  socket.io.engine.close();
  await gone;
}

/** Reconnects `socket` (same Manager, so same pid and offset) and waits for `connect`. */
async function reconnect(socket) {
  const connected = waitFor(socket, "connect", { failOn: ["connect_error"] });
  socket.connect();
  await connected;
}

/** Records every event of `socket` (name and args, offset included) in order. */
function record(socket) {
  const seen = [];
  socket.onAny((event, ...args) => seen.push({ event, args }));
  return seen;
}

for (const mode of Object.keys(MODES)) {
  describe(`connection-state recovery (${mode})`, () => {
    test("the CONNECT reply carries a pid and events carry an offset", TEST, async () => {
      const nsp = freshNamespace("rec");
      const a = clientV4(nsp, { mode });
      const seen = record(a);
      await connect(a, { mode });
      assert.equal(a.recovered, false);
      assert.equal(typeof a._pid, "string");
      assert.ok(a._pid.length >= 20, "the pid is long and random");
      a.emit("message", "x");
      await waitFor(a, "message-back");
      const back = seen.find((e) => e.event === "message-back");
      assert.equal(back.args[0], "x");
      assert.equal(typeof back.args[1], "string", "offset as last argument");
      // Events with an ack ask carry no offset (they are never replayed).
      const reply = await ask(a, "rooms");
      assert.deepEqual(reply[0], [a.id]);
    });

    test("a client back within the window gets its id, rooms and every missed event in order", TEST, async () => {
      const nsp = freshNamespace("rec");
      const a = clientV4(nsp, { mode });
      const b = clientV4(nsp, { mode });
      await connect(a, { mode });
      await connect(b, { mode });
      await ask(a, "join", "r");
      const id = a.id;

      await dropTransport(a);
      const bytes = patternBytes(3000, 7);
      b.emit("to", "r", "m1", 1);
      b.emit("to", "r", "m2", { bin: bytes, n: 2 });
      b.emit("to", id, "m3", "direct");
      b.emit("to", "elsewhere", "not-for-a", 0);
      b.emit("emit-all", "m4", 4);
      await ask(b, "rooms"); // the server handled b's events in order

      const seen = record(a);
      await reconnect(a);
      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      await eventually(() => seen.some((e) => e.event === "m4"), { what: "the missed events" });
      const missed = seen.filter((e) => e.event !== "auth");
      assert.deepEqual(missed.map((e) => e.event), ["m1", "m2", "m3", "m4"]);
      assert.equal(missed[0].args[0], 1);
      assert.equal(missed[1].args[0].n, 2);
      assert.deepEqual(toBuffer(missed[1].args[0].bin), bytes, "binary replayed intact");
      assert.equal(missed[2].args[0], "direct");
      for (const e of missed) assert.equal(typeof e.args.at(-1), "string", "each carries its offset");
      const rooms = (await ask(a, "rooms"))[0];
      assert.deepEqual(rooms, [id, "r"].sort());
      // Still in room r for new emits.
      const live = waitFor(a, "after");
      b.emit("to", "r", "after", 5);
      assert.equal([await live].flat()[0], 5);
    });

    test("after the window the client gets a fresh session", TEST, async () => {
      const nsp = freshNamespace("rec");
      const a = clientV4(nsp, { mode });
      await connect(a, { mode });
      await ask(a, "join", "r");
      const id = a.id;
      await dropTransport(a);
      await sleep(WINDOW_MS + 500);
      await reconnect(a);
      assert.equal(a.recovered, false);
      assert.notEqual(a.id, id);
      assert.deepEqual((await ask(a, "rooms"))[0], [a.id]);
    });
  });
}

describe("connection-state recovery refuses what is not the client's", () => {
  test("a forged pid gives a fresh session", TEST, async () => {
    const nsp = freshNamespace("rec");
    const a = clientV4(nsp);
    await connect(a);
    const forged = clientV4(nsp, { auth: { pid: "forged-pid-0123456789", offset: "0" } });
    await connect(forged);
    assert.equal(forged.recovered, false);
    assert.notEqual(forged.id, a.id);
  });

  test("the pid of a live socket, or of a session already recovered, gives a fresh session", TEST, async () => {
    const nsp = freshNamespace("rec");
    const a = clientV4(nsp);
    let offset;
    a.onAny((...args) => (offset = args.at(-1)));
    await connect(a);
    await ask(a, "join", "secret");
    // Someone holding a's pid and offset while a is connected.
    const thief = clientV4(nsp, { auth: { pid: a._pid, offset } });
    await connect(thief);
    assert.notEqual(thief.id, a.id);
    assert.deepEqual((await ask(thief, "rooms"))[0], [thief.id]);

    // a drops and recovers; replaying its pid and offset then gets nothing.
    const pid = a._pid;
    const lastOffset = offset;
    await dropTransport(a);
    await reconnect(a);
    assert.equal(a.recovered, true);
    const late = clientV4(nsp, { auth: { pid, offset: lastOffset } });
    await connect(late);
    assert.notEqual(late.id, a.id);
    assert.deepEqual((await ask(late, "rooms"))[0], [late.id]);
  });

  test("a client that leaves on purpose is not recovered", TEST, async () => {
    const nsp = freshNamespace("rec");
    const a = clientV4(nsp);
    await connect(a);
    const id = a.id;
    a.disconnect();
    await reconnect(a);
    assert.equal(a.recovered, false);
    assert.notEqual(a.id, id);
  });
});

// The server replays a backlog with the CONNECT reply, all of it or none:
// never `recovered` with packets missing. e2e_server buffers at most 1024
// packets per connection (`max_buffer`), so 5,000 missed packets cannot be
// replayed (a fresh session) while 500 are, whole and in order.
for (const mode of ["websocket", "polling"]) {
  describe(`connection-state recovery of a long backlog (${mode})`, () => {
    /** Drops a's transport, has b send `missed` events to a's room, reconnects a. */
    async function missPackets(missed) {
      const nsp = freshNamespace("rec");
      const a = clientV4(nsp, { mode });
      const b = clientV4(nsp, { mode: "websocket" });
      await connect(a, { mode });
      await connect(b, { mode: "websocket" });
      await ask(a, "join", "r");
      const id = a.id;
      await dropTransport(a);
      for (let i = 0; i < missed; i++) b.emit("to", "r", "n", i);
      await ask(b, "rooms"); // the server handled b's events in order
      const seen = record(a);
      await reconnect(a);
      return { a, id, seen };
    }

    /** The `n` events `a` got, after a round trip (which follows any replay). */
    async function numbers(a, seen) {
      await ask(a, "rooms");
      return seen.filter((e) => e.event === "n").map((e) => e.args[0]);
    }

    test("5,000 missed packets: a fresh session, none replayed", { timeout: 30000 }, async () => {
      const { a, id, seen } = await missPackets(5000);
      assert.equal(a.recovered, false, "not recovered with packets missing");
      assert.notEqual(a.id, id);
      assert.deepEqual((await ask(a, "rooms"))[0], [a.id]);
      assert.deepEqual(await numbers(a, seen), []);
    });

    test("500 missed packets: recovered, all of them in order", { timeout: 30000 }, async () => {
      const { a, id, seen } = await missPackets(500);
      assert.equal(a.recovered, true);
      assert.equal(a.id, id);
      const got = await numbers(a, seen);
      assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => i));
    });
  });
}
