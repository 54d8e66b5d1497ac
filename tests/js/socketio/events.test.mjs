// socket.io-client 4.x: events and acks in both directions over each
// transport mode, binary arguments at any nesting, and the order of 1000
// events on one socket.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { waitFor, inBursts, isBinary, toBuffer, patternBytes } from "../lib/helpers.mjs";
import { MODES, clientV4, connect, ask, closeAll, freshNamespace } from "../lib/sio.mjs";

const TEST = { timeout: 15000 };
after(closeAll);

/** Arguments with binary parts at several depths, and what they must equal. */
function nestedBinary() {
  const a = patternBytes(16, 1);
  const b = patternBytes(3000, 2);
  const c = Buffer.from([0, 255, 10, 13]);
  return [a, { list: [1, b, { deep: { deeper: [c, "text"] } }], empty: Buffer.alloc(0) }, "tail"];
}

/** Replaces every binary value by a Buffer, so results compare with deepEqual. */
function normalize(value) {
  if (isBinary(value)) return toBuffer(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

for (const mode of Object.keys(MODES)) {
  describe(`socket.io v4 events over ${mode}`, () => {
    let socket;
    test("connects", TEST, async () => {
      socket = clientV4(freshNamespace("ev"), { mode });
      await connect(socket, { mode });
      assert.ok(socket.connected);
    });

    test("message is answered with message-back and the same arguments", TEST, async () => {
      const args = ["text", 42, 1.5, true, null, { a: [1, { b: "c" }] }, ["x", "y"], "ünï ✓"];
      const back = waitFor(socket, "message-back");
      socket.emit("message", ...args);
      assert.deepEqual(await back, args);
    });

    test("message-with-ack acks with the same arguments", TEST, async () => {
      assert.deepEqual(await ask(socket, "message-with-ack", "a", { b: 2 }, [3]), [
        "a",
        { b: 2 },
        [3],
      ]);
      assert.deepEqual(await ask(socket, "message-with-ack"), []);
    });

    test("binary at any nesting round-trips through message and acks", TEST, async () => {
      const args = nestedBinary();
      const back = waitFor(socket, "message-back");
      socket.emit("message", ...args);
      const got = await back;
      assert.ok(isBinary(got[0]), "top-level binary stays binary");
      assert.deepEqual(normalize(got), args);
      assert.deepEqual(normalize(await ask(socket, "message-with-ack", ...args)), args);
      const big = patternBytes(300 * 1024, 9);
      assert.deepEqual(normalize(await ask(socket, "message-with-ack", { big })), [{ big }]);
    });

    test("ask: the server's ack request is answered by the client", TEST, async () => {
      socket.once("question", (n, bytes, ack) => {
        assert.equal(n, 6);
        ack(n * 7, bytes, { ok: true });
      });
      const bytes = patternBytes(100);
      const reply = await ask(socket, "ask", "question", 6, bytes);
      assert.deepEqual(normalize(reply), [null, 42, bytes, { ok: true }]);
    });

    test("1000 events keep their order", TEST, async () => {
      const count = 1000;
      const send = (i) =>
        i % 50 === 49 ? socket.emit("message", i, Buffer.from([i & 0xff])) : socket.emit("message", i);
      const backs = await inBursts(socket, "message-back", count, send, { failOn: ["disconnect"] });
      const got = backs.map((args) => (Array.isArray(args) ? args[0] : args));
      assert.deepEqual(got, Array.from({ length: count }, (_, i) => i));
      socket.disconnect();
    });
  });
}

describe("socket.io v4 ask timeout", () => {
  test("ask acks 'timeout' when the client never answers", TEST, async () => {
    const socket = clientV4(freshNamespace("timeout"));
    await connect(socket);
    const asked = waitFor(socket, "silent");
    const started = Date.now();
    const reply = ask(socket, "ask", "silent", "ping?");
    const [arg] = [await asked].flat();
    assert.equal(arg, "ping?");
    assert.deepEqual(await reply, ["timeout"]);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 4000, `timeout after ${elapsed} ms (contract: 1000 ms)`);
    socket.disconnect();
  });
});

describe("socket.io v4 events during the upgrade", () => {
  test("1000 events sent before and during the upgrade keep their order", TEST, async () => {
    const socket = clientV4(freshNamespace("upg"), { mode: "upgrade" });
    await connect(socket); // the upgrade is usually still under way here
    const engine = socket.io.engine;
    const upgraded = engine.transport.name === "websocket" ? null : waitFor(engine, "upgrade");
    const count = 1000;
    const send = (i) => socket.emit("message", i);
    const backs = await inBursts(socket, "message-back", count, send, { failOn: ["disconnect"] });
    const got = backs.map((args) => (Array.isArray(args) ? args[0] : args));
    assert.deepEqual(got, Array.from({ length: count }, (_, i) => i));
    await upgraded;
    assert.equal(socket.io.engine.transport.name, "websocket");
    assert.deepEqual(await ask(socket, "message-with-ack", "after"), ["after"]);
    socket.disconnect();
  });
});
