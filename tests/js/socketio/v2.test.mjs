// socket.io-client 2.x (socket.io protocol 4 over engine.io protocol 3)
// over each transport mode: connect and refusals, acks both ways, binary,
// rooms, server disconnects, ordering, and mixing with 4.x clients.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { waitFor, inBursts, isBinary, toBuffer, patternBytes } from "../lib/helpers.mjs";
import {
  MODES,
  clientV2,
  clientV4,
  connect,
  ask,
  closeAll,
  freshNamespace,
  disconnectReason,
} from "../lib/sio.mjs";

const TEST = { timeout: 15000 };
after(closeAll);

/** Connects a 2.x client to `nsp` in `mode` and waits for the server's `auth`. */
async function connectV2(nsp, mode) {
  const socket = clientV2(nsp, { mode });
  const auth = await connect(socket, { mode });
  return [socket, auth];
}

/** Resolves with the payload of the 2.x client's `error` event (a refused namespace). */
async function refusal(nsp, mode) {
  const socket = clientV2(nsp, { mode });
  const refused = waitFor(socket, "error", { failOn: ["connect"] });
  socket.connect();
  const data = await refused;
  assert.equal(socket.connected, false);
  return data;
}

for (const mode of Object.keys(MODES)) {
  describe(`socket.io v2 client over ${mode}`, () => {
    test("connects to / and /custom and gets {} as auth", TEST, async () => {
      const [main, auth] = await connectV2("/", mode);
      assert.deepEqual(auth, {});
      assert.equal(main.io.engine.transport.name, MODES[mode].final);
      const [custom, customAuth] = await connectV2("/custom", mode);
      assert.deepEqual(customAuth, {});
      main.close();
      custom.close();
    });

    test("/admin refuses it with the data {code: 401}", TEST, async () => {
      assert.deepEqual(await refusal("/admin", mode), { code: 401 });
    });

    test("an unknown namespace is refused with 'Invalid namespace'", TEST, async () => {
      assert.deepEqual(await refusal("/nope", mode), { message: "Invalid namespace" });
    });

    test("events and acks in both directions, binary intact", TEST, async () => {
      const [socket] = await connectV2(freshNamespace("v2"), mode);
      const back = waitFor(socket, "message-back");
      socket.emit("message", "a", 1, { b: [true, null] });
      assert.deepEqual(await back, ["a", 1, { b: [true, null] }]);

      const bytes = patternBytes(1000, 6);
      const [top, nested] = await ask(socket, "message-with-ack", bytes, { deep: [bytes] });
      assert.ok(isBinary(top));
      assert.deepEqual(toBuffer(top), bytes);
      assert.deepEqual(toBuffer(nested.deep[0]), bytes);

      socket.once("q", (n, ack) => ack(n + 1));
      assert.deepEqual(await ask(socket, "ask", "q", 41), [null, 42]);
      socket.close();
    });

    test("rooms and counts", TEST, async () => {
      const nsp = freshNamespace("v2r");
      const [a] = await connectV2(nsp, mode);
      const [b] = await connectV2(nsp, mode);
      assert.deepEqual(await ask(a, "count"), [2]);
      const [rooms] = await ask(a, "join", ["r2", "r1"]);
      assert.deepEqual(rooms, [...rooms].sort());
      assert.ok(rooms.includes("r1") && rooms.includes("r2"));
      const got = waitFor(a, "in-room");
      b.emit("to", "r1", "in-room", "v2");
      assert.equal(await got, "v2");
      a.close();
      b.close();
    });

    test("500 events keep their order", TEST, async () => {
      const [socket] = await connectV2(freshNamespace("v2o"), mode);
      const send = (i) => socket.emit("message", i);
      const backs = await inBursts(socket, "message-back", 500, send, { failOn: ["disconnect"] });
      assert.deepEqual(backs, Array.from({ length: 500 }, (_, i) => i));
      socket.close();
    });

    test("disconnect-me ends with 'io server disconnect'", TEST, async () => {
      const [socket] = await connectV2(freshNamespace("v2d"), mode);
      const reason = disconnectReason(socket);
      socket.emit("disconnect-me", false);
      assert.equal(await reason, "io server disconnect");
    });
  });
}

describe("socket.io v2 and v4 clients together", () => {
  test("broadcasts and emit-all-ack cross protocol versions", TEST, async () => {
    const nsp = freshNamespace("mix");
    const [old] = await connectV2(nsp, "websocket");
    const fresh = clientV4(nsp);
    await connect(fresh);
    const bytes = patternBytes(77);
    const toOld = waitFor(old, "hi");
    fresh.emit("broadcast", "hi", "from v4", bytes);
    const [text, got] = await toOld;
    assert.equal(text, "from v4");
    assert.deepEqual(toBuffer(got), bytes);

    old.on("who", (ack) => ack("v2"));
    fresh.on("who", (ack) => ack("v4"));
    assert.deepEqual(await ask(old, "emit-all-ack", "who"), [null, ["v2", "v4"]]);
    old.close();
    fresh.disconnect();
  });
});
