// socket.io-client 4.x: connecting to the contract's namespaces over each
// transport mode, the `auth` echo, `/admin`'s middleware, unknown and
// dynamic namespaces, and the disconnections the server starts.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { Manager } from "socket.io-client";
import { BASE_URL, waitFor } from "../lib/helpers.mjs";
import {
  MODES,
  clientV4,
  connect,
  ask,
  closeAll,
  freshNamespace,
  disconnectReason,
} from "../lib/sio.mjs";

const TEST = { timeout: 15000 };
after(closeAll);

for (const mode of Object.keys(MODES)) {
  describe(`socket.io v4 connect over ${mode}`, () => {
    test("connects to / and gets {} as auth when it sent none", TEST, async () => {
      const socket = clientV4("/", { mode });
      assert.deepEqual(await connect(socket, { mode }), {});
      assert.ok(socket.connected);
      assert.equal(socket.io.engine.transport.name, MODES[mode].final);
      socket.disconnect();
    });

    test("the auth payload comes back unchanged", TEST, async () => {
      const auth = { token: "abc", user: { id: 7, tags: ["a", "b"] }, flag: true, none: null };
      const socket = clientV4("/custom", { mode, auth });
      assert.deepEqual(await connect(socket, { mode }), auth);
      socket.disconnect();
    });

    test("/admin refuses a connection without the token", TEST, async () => {
      const socket = clientV4("/admin", { mode });
      const refused = waitFor(socket, "connect_error", { failOn: ["connect"] });
      socket.connect();
      const err = await refused;
      assert.equal(err.message, "unauthorized");
      assert.deepEqual(err.data, { code: 401 });
      assert.equal(socket.connected, false);
    });

    test("/admin refuses a wrong token and admits the right one", TEST, async () => {
      const wrong = clientV4("/admin", { mode, auth: { token: "nope" } });
      const refused = waitFor(wrong, "connect_error", { failOn: ["connect"] });
      wrong.connect();
      assert.equal((await refused).message, "unauthorized");

      const auth = { token: "secret" };
      const right = clientV4("/admin", { mode, auth });
      assert.deepEqual(await connect(right, { mode }), auth);
      assert.deepEqual(await ask(right, "message-with-ack", "admin ok"), ["admin ok"]);
      right.disconnect();
    });

    test("an unknown namespace is refused with 'Invalid namespace'", TEST, async () => {
      for (const nsp of ["/unknown", "/dyn-", "/dyn-a.b", "/custom2"]) {
        const socket = clientV4(nsp, { mode });
        const refused = waitFor(socket, "connect_error", { failOn: ["connect"] });
        socket.connect();
        const err = await refused;
        assert.equal(err.message, "Invalid namespace", `namespace ${nsp}`);
      }
    });

    test("a dynamic namespace is created on first connection and isolated", TEST, async () => {
      const nsp = freshNamespace("abc");
      const first = clientV4(nsp, { mode });
      assert.deepEqual(await connect(first, { mode }), {});
      const second = clientV4(nsp, { mode });
      await connect(second, { mode });
      assert.deepEqual(await ask(first, "count"), [2]);
      assert.deepEqual((await ask(first, "sockets"))[0], [first.id, second.id].sort());
      first.disconnect();
      second.disconnect();
    });
  });
}

describe("socket.io v4 connect: sessions and namespaces", () => {
  test("/dyn-abc works as any other namespace", TEST, async () => {
    const socket = clientV4("/dyn-abc");
    assert.deepEqual(await connect(socket), {});
    assert.deepEqual(await ask(socket, "message-with-ack", 1, "two", { three: 3 }), [
      1,
      "two",
      { three: 3 },
    ]);
    socket.disconnect();
  });

  test("several namespaces share one connection", TEST, async () => {
    const manager = new Manager(BASE_URL, { transports: ["websocket"], reconnection: false, autoConnect: false });
    const main = clientV4("/", { manager });
    const custom = clientV4("/custom", { manager, auth: { n: 1 } });
    const admin = clientV4("/admin", { manager, auth: { token: "secret" } });
    assert.deepEqual(await connect(main), {});
    assert.deepEqual(await connect(custom), { n: 1 });
    assert.deepEqual(await connect(admin), { token: "secret" });
    assert.deepEqual(await ask(custom, "message-with-ack", "c"), ["c"]);
    assert.notEqual(main.id, custom.id);
    manager.engine.close();
  });

  test("disconnect-me (false) leaves the connection's other namespaces alone", TEST, async () => {
    const manager = new Manager(BASE_URL, { transports: ["websocket"], reconnection: false, autoConnect: false });
    const main = clientV4("/", { manager });
    const custom = clientV4("/custom", { manager });
    await connect(main);
    await connect(custom);
    const gone = disconnectReason(main);
    main.emit("disconnect-me", false);
    assert.equal(await gone, "io server disconnect");
    assert.equal(main.connected, false);
    assert.deepEqual(await ask(custom, "message-with-ack", "still"), ["still"]);
    manager.engine.close();
  });

  test("disconnect-me (true) closes the whole connection", TEST, async () => {
    const manager = new Manager(BASE_URL, { transports: ["websocket"], reconnection: false, autoConnect: false });
    const main = clientV4("/", { manager });
    const custom = clientV4("/custom", { manager });
    await connect(main);
    await connect(custom);
    const mainGone = disconnectReason(main);
    const customGone = disconnectReason(custom);
    const engineClosed = waitFor(manager.engine, "close");
    main.emit("disconnect-me", true);
    assert.equal(await mainGone, "io server disconnect");
    const customReason = await customGone;
    assert.ok(
      ["io server disconnect", "transport close"].includes(customReason),
      `unexpected reason ${customReason}`,
    );
    await engineClosed;
    assert.equal(custom.connected, false);
  });

  test("a client disconnect is seen by the server", TEST, async () => {
    const nsp = freshNamespace("bye");
    const stay = clientV4(nsp);
    const leave = clientV4(nsp);
    await connect(stay);
    await connect(leave);
    assert.deepEqual(await ask(stay, "count"), [2]);
    leave.disconnect();
    // the server learns of it once the DISCONNECT packet is read: ask again
    // until the count drops (each ask is a round trip on the same socket)
    let count = 2;
    for (let i = 0; i < 50 && count !== 1; i++) [count] = await ask(stay, "count");
    assert.equal(count, 1);
    stay.disconnect();
  });
});
