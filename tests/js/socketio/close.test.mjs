// The server closing a whole connection (`disconnect-me` and
// `disconnect-sockets` with close = true) over each transport mode: the
// client hears the DISCONNECT first ("io server disconnect"), then the
// engine.io CLOSE ("transport close"), as from Node. Over long-polling the
// CLOSE comes on the client's next GET.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { BASE_URL, WAIT_MS, waitFor, eventually } from "../lib/helpers.mjs";
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
const engines = new Set();
after(() => {
  closeAll();
  for (const engine of engines) engine.close();
});

/**
 * A bare engine.io-client on the socket.io endpoint, speaking socket.io
 * packets by hand, connected to `nsp`. Its `log` holds every message it
 * received, then `close:<reason>`.
 */
async function rawClient(mode, nsp) {
  const { transports, upgrade, final } = MODES[mode];
  const engine = new Socket(BASE_URL, { path: "/socket.io/", transports, upgrade });
  engines.add(engine);
  engine.log = [];
  engine.on("message", (m) => engine.log.push(m));
  engine.on("close", (reason) => engine.log.push(`close:${reason}`));
  const upgraded = upgrade ? waitFor(engine, "upgrade", { failOn: ["close"] }) : null;
  await waitFor(engine, "open", { failOn: ["error", "close"] });
  const connected = waitFor(engine, "message", { failOn: ["close"] });
  engine.send(`0${nsp},`);
  assert.match(await connected, new RegExp(`^0${nsp},\\{`));
  if (upgraded) await upgraded;
  assert.equal(engine.transport.name, final);
  return engine;
}

/** Resolves with the engine's next message that matches `re`. */
function nextMessage(engine, re) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (re.test(m)) {
        cleanup();
        resolve(m);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no message matching ${re}; got ${JSON.stringify(engine.log)}`));
    }, WAIT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      engine.off("message", onMessage);
    };
    engine.on("message", onMessage);
  });
}

/** Resolves with the reason of the engine's `close`. */
async function closeReason(engine) {
  const args = await waitFor(engine, "close");
  return Array.isArray(args) ? args[0] : args;
}

for (const mode of Object.keys(MODES)) {
  describe(`the server closes the connection, over ${mode}`, () => {
    test("socket.io v4: disconnect-me (true) ends with 'io server disconnect'", TEST, async () => {
      const socket = clientV4(freshNamespace("dm4"), { mode });
      await connect(socket, { mode });
      const gone = disconnectReason(socket);
      socket.emit("disconnect-me", true);
      assert.equal(await gone, "io server disconnect");
    });

    test("socket.io v2: disconnect-me (true) ends with 'io server disconnect'", TEST, async () => {
      const socket = clientV2(freshNamespace("dm2"), { mode });
      await connect(socket, { mode });
      const gone = disconnectReason(socket);
      socket.emit("disconnect-me", true);
      assert.equal(await gone, "io server disconnect");
    });

    test("engine.io: disconnect-me (true) sends DISCONNECT, then CLOSE ('transport close')", TEST, async () => {
      const nsp = freshNamespace("dme");
      const engine = await rawClient(mode, nsp);
      const closed = closeReason(engine);
      engine.send(`2${nsp},["disconnect-me",true]`);
      assert.equal(await closed, "transport close");
      assert.deepEqual(engine.log.slice(-2), [`1${nsp},`, "close:transport close"]);
    });

    test("engine.io: disconnect-sockets (room, true) from another socket ends with 'transport close'", TEST, async () => {
      const nsp = freshNamespace("dse");
      const engine = await rawClient(mode, nsp);
      const joined = nextMessage(engine, new RegExp(`^3${nsp},1\\[`));
      engine.send(`2${nsp},1["join","doomed"]`);
      await joined;
      const other = clientV4(nsp);
      await connect(other);
      const closed = closeReason(engine);
      assert.deepEqual(await ask(other, "disconnect-sockets", "doomed", true), [null]);
      assert.equal(await closed, "transport close");
      assert.deepEqual(engine.log.slice(-2), [`1${nsp},`, "close:transport close"]);
      assert.ok(other.connected);
    });

    test("engine.io: the client closes; its session is gone (a later request gets 400)", TEST, async () => {
      const nsp = freshNamespace("cc");
      const engine = await rawClient(mode, nsp);
      const sid = engine.id;
      const closed = closeReason(engine);
      engine.close();
      assert.equal(await closed, "forced close");
      // A GET the client might have sent with its CLOSE is answered (NOOP);
      // the session itself ends at once or within the short grace.
      await eventually(async () => {
        const res = await fetch(`${BASE_URL}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
        await res.text();
        return res.status === 400;
      }, { what: `session ${sid} gone` });
    });
  });
}
