// socket.io-client 4.x, several clients per namespace: rooms, emits to a
// room, broadcasts, emits with acks to every client, and the operators that
// act on other sockets (count, sockets, sockets-join/leave,
// disconnect-sockets). Each test has a namespace of its own.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { waitFor, within, patternBytes, toBuffer } from "../lib/helpers.mjs";
import {
  clientV4,
  connect,
  connectMany,
  ask,
  closeAll,
  freshNamespace,
  disconnectReason,
} from "../lib/sio.mjs";

const TEST = { timeout: 15000 };
after(closeAll);

/** Resolves with the first argument of every `event` received by each socket. */
function everyoneGets(sockets, event) {
  return Promise.all(sockets.map((s) => waitFor(s, event).then((v) => [v].flat()[0])));
}

/**
 * Asserts that `socket` gets no `event` before a marker event that was sent
 * after it: the server handles one socket's events in order, so the marker
 * arriving first proves the event was never sent to this socket.
 */
async function assertNotReceived(socket, event, marker) {
  let got = false;
  const spy = () => (got = true);
  socket.on(event, spy);
  try {
    await marker;
  } finally {
    socket.off(event, spy);
  }
  assert.equal(got, false, `unexpected '${event}'`);
}

for (const mode of ["websocket", "polling"]) {
  describe(`socket.io v4 rooms over ${mode}`, () => {
    test("join, leave and rooms ack the sorted rooms", TEST, async () => {
      const [socket] = await connectMany(freshNamespace("rooms"), 1, { mode });
      assert.deepEqual(await ask(socket, "rooms"), [[socket.id]]);
      assert.deepEqual(await ask(socket, "join", "zeta"), [[socket.id, "zeta"].sort()]);
      assert.deepEqual(await ask(socket, "join", ["beta", "alpha"]), [
        ["alpha", "beta", "zeta", socket.id].sort(),
      ]);
      assert.deepEqual(await ask(socket, "leave", "beta"), [["alpha", "zeta", socket.id].sort()]);
      assert.deepEqual(await ask(socket, "leave", "never-joined"), [
        ["alpha", "zeta", socket.id].sort(),
      ]);
      assert.deepEqual(await ask(socket, "rooms"), [["alpha", "zeta", socket.id].sort()]);
    });

    test("to reaches the room only, sender included when it is in it", TEST, async () => {
      const [a, b, c] = await connectMany(freshNamespace("to"), 3, { mode });
      await ask(a, "join", "room");
      await ask(b, "join", "room");
      const bytes = patternBytes(64);
      const gets = everyoneGets([a, b], "news");
      const notC = assertNotReceived(c, "news", waitFor(c, "marker"));
      a.emit("to", "room", "news", "hello", { bytes });
      assert.deepEqual(await gets, ["hello", "hello"]);
      a.emit("to", c.id, "marker"); // every socket is in the room of its own id
      await notC;
      // a sender outside the room is not included
      const fromC = everyoneGets([a, b], "from-c");
      const notSelf = assertNotReceived(c, "from-c", waitFor(c, "marker"));
      c.emit("to", "room", "from-c", 1);
      c.emit("to", c.id, "marker");
      assert.deepEqual(await fromC, [1, 1]);
      await notSelf;
    });

    test("broadcast reaches every socket but the sender", TEST, async () => {
      const [a, b, c] = await connectMany(freshNamespace("bc"), 3, { mode });
      const gets = everyoneGets([b, c], "shout");
      const notA = assertNotReceived(a, "shout", waitFor(a, "marker"));
      a.emit("broadcast", "shout", "hey");
      assert.deepEqual(await gets, ["hey", "hey"]);
      a.emit("to", a.id, "marker"); // after the broadcast: same socket, same order
      await notA;
    });

    test("emit-all reaches every socket, sender included, binary intact", TEST, async () => {
      const sockets = await connectMany(freshNamespace("all"), 3, { mode });
      const bytes = patternBytes(2048, 4);
      const gets = Promise.all(sockets.map((s) => waitFor(s, "everyone")));
      sockets[1].emit("emit-all", "everyone", "x", bytes);
      for (const [text, got] of await gets) {
        assert.equal(text, "x");
        assert.deepEqual(toBuffer(got), bytes);
      }
    });

    test("emit-all-ack collects every client's first ack argument, sorted", TEST, async () => {
      const sockets = await connectMany(freshNamespace("eaa"), 4, { mode });
      sockets.forEach((s, i) => s.on("vote", (n, ack) => ack({ who: 3 - i, n }, "ignored")));
      const [err, replies] = await ask(sockets[0], "emit-all-ack", "vote", 5);
      assert.equal(err, null);
      assert.deepEqual(replies, [0, 1, 2, 3].map((who) => ({ who, n: 5 })));
    });

    test("emit-all-ack reports a timeout with the replies that came", TEST, async () => {
      const sockets = await connectMany(freshNamespace("eat"), 3, { mode });
      sockets[0].on("poll", (ack) => ack("b"));
      sockets[1].on("poll", (ack) => ack("a"));
      sockets[2].on("poll", () => {}); // never acks
      const started = Date.now();
      const [err, replies] = await ask(sockets[0], "emit-all-ack", "poll");
      assert.equal(err, "timeout");
      assert.deepEqual(replies, ["a", "b"]);
      assert.ok(Date.now() - started >= 900, "waited for the 1000 ms timeout");
    });

    test("count and sockets list the namespace's sockets", TEST, async () => {
      const nsp = freshNamespace("count");
      const sockets = await connectMany(nsp, 3, { mode });
      assert.deepEqual(await ask(sockets[0], "count"), [3]);
      const ids = sockets.map((s) => s.id).sort();
      assert.deepEqual(await ask(sockets[0], "sockets"), [ids]);
      assert.deepEqual(await ask(sockets[0], "sockets", null), [ids]);
      await ask(sockets[1], "join", "r");
      await ask(sockets[2], "join", "r");
      assert.deepEqual(await ask(sockets[0], "sockets", "r"), [[sockets[1].id, sockets[2].id].sort()]);
      assert.deepEqual(await ask(sockets[0], "sockets", "empty-room"), [[]]);
    });

    test("sockets-join and sockets-leave move a whole room", TEST, async () => {
      const [a, b, c] = await connectMany(freshNamespace("sj"), 3, { mode });
      await ask(a, "join", "src");
      await ask(b, "join", "src");
      assert.deepEqual(await ask(c, "sockets-join", "src", "dst"), [null]);
      assert.deepEqual(await ask(c, "sockets", "dst"), [[a.id, b.id].sort()]);
      assert.deepEqual(await ask(a, "rooms"), [[a.id, "dst", "src"].sort()]);
      assert.deepEqual(await ask(c, "rooms"), [[c.id]]);
      // and a message to the new room reaches them
      const gets = everyoneGets([a, b], "in-dst");
      c.emit("to", "dst", "in-dst", "yes");
      assert.deepEqual(await gets, ["yes", "yes"]);

      assert.deepEqual(await ask(c, "sockets-leave", "src", "dst"), [null]);
      assert.deepEqual(await ask(c, "sockets", "dst"), [[]]);
      assert.deepEqual(await ask(b, "rooms"), [[b.id, "src"].sort()]);
    });

    test("disconnect-sockets disconnects the room's sockets only", TEST, async () => {
      const nsp = freshNamespace("ds");
      const [a, b, c] = await connectMany(nsp, 3, { mode });
      await ask(a, "join", "doomed");
      await ask(b, "join", "doomed");
      const reasons = Promise.all([disconnectReason(a), disconnectReason(b)]);
      assert.deepEqual(await ask(c, "disconnect-sockets", "doomed", false), [null]);
      assert.deepEqual(await within(reasons), ["io server disconnect", "io server disconnect"]);
      assert.ok(c.connected);
      assert.deepEqual(await ask(c, "sockets"), [[c.id]]);
    });

    test("disconnect-sockets with close also closes their connections", TEST, async () => {
      const nsp = freshNamespace("dsc");
      const [a, b] = await connectMany(nsp, 2, { mode });
      await ask(a, "join", "doomed");
      const closed = waitFor(a.io.engine, "close");
      const reason = disconnectReason(a);
      assert.deepEqual(await ask(b, "disconnect-sockets", "doomed", true), [null]);
      assert.equal(await reason, "io server disconnect");
      await closed;
      assert.deepEqual(await ask(b, "count"), [1]);
    });
  });
}
