// WebSocket per-message deflate (RFC 7692) against a server started with
// --deflate: socket.io-client 4 and engine.io-client 3 in Node (whose `ws`
// offers the extension by default) negotiate it and exchange compressed
// frames both ways; a raw client sees the RSV1 bit on a server frame over
// the 1024-byte threshold and none on a small one.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import zlib from "node:zlib";
import { randomBytes } from "node:crypto";
import { BASE_URL, waitFor } from "../lib/helpers.mjs";
import { clientV4, connect, ask, closeAll } from "../lib/sio.mjs";
import EioV3 from "engine.io-client-v3";

const TEST = { timeout: 15000 };
after(closeAll);

/** A text of `n` bytes that compresses well. */
const big = (n) => "deflate me ".repeat(Math.ceil(n / 11)).slice(0, n);

for (const mode of ["websocket", "upgrade"]) {
  describe(`socket.io-client 4 with deflate over ${mode}`, () => {
    test("negotiates permessage-deflate and round-trips large events", TEST, async () => {
      const socket = clientV4("/", { mode });
      await connect(socket, { mode });
      const ws = socket.io.engine.transport.ws;
      assert.equal(socket.io.engine.transport.name, "websocket");
      assert.equal(ws.extensions, "permessage-deflate");
      const text = big(5000);
      // The client compresses (its threshold is 1024 too), the server
      // inflates, answers, and compresses the answer.
      assert.deepEqual(await ask(socket, "message-with-ack", text, { n: 1 }), [text, { n: 1 }]);
      const back = waitFor(socket, "message-back");
      socket.emit("message", text);
      assert.equal(await back, text);
      // Binary attachments, compressible and not.
      const bytes = Buffer.concat([Buffer.alloc(3000, 7), randomBytes(3000)]);
      const [echo] = await ask(socket, "message-with-ack", bytes);
      assert.ok(Buffer.from(echo).equals(bytes));
      socket.disconnect();
    });
  });
}

test("engine.io-client 3 (socket.io 2 clients) negotiates it too", TEST, async () => {
  const eio = new EioV3(`${BASE_URL}/engine.io/`, { transports: ["websocket"] });
  await waitFor(eio, "open");
  assert.ok(eio.transport.ws.extensions.includes("permessage-deflate"));
  const text = big(4000);
  const echo = waitFor(eio, "message");
  eio.send(text);
  assert.equal(await echo, text);
  eio.close();
});

/** A raw WebSocket client on `path`: frames with their RSV1 bit. */
async function raw(path, offer) {
  const { hostname, port } = new URL(BASE_URL);
  const sock = net.connect(Number(port), hostname);
  await new Promise((resolve, reject) => sock.once("connect", resolve).once("error", reject));
  const key = randomBytes(16).toString("base64");
  sock.write(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      (offer ? `Sec-WebSocket-Extensions: ${offer}\r\n` : "") +
      "\r\n",
  );
  let buf = Buffer.alloc(0);
  let head = null;
  let gotHead;
  const headIn = new Promise((resolve) => (gotHead = resolve));
  const frames = [];
  const waiters = [];
  sock.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (head === null) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      head = buf.subarray(0, end).toString();
      buf = buf.subarray(end + 4);
      gotHead();
    }
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1] & 0x7f;
      let at = 2;
      if (len === 126) [len, at] = [buf.readUInt16BE(2), 4];
      else if (len === 127) [len, at] = [Number(buf.readBigUInt64BE(2)), 10];
      if (buf.length < at + len) return;
      const frame = { rsv1: (buf[0] & 0x40) !== 0, opcode: buf[0] & 0x0f, payload: buf.subarray(at, at + len) };
      buf = buf.subarray(at + len);
      if (frame.opcode === 1 && frame.payload.toString() === "2") {
        send("3");
        continue;
      }
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    }
  });
  const next = () =>
    frames.length
      ? Promise.resolve(frames.shift())
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no frame")), 5000);
          waiters.push((f) => (clearTimeout(timer), resolve(f)));
        });
  function send(text) {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const len = payload.length;
    const header =
      len < 126
        ? Buffer.from([0x81, 0x80 | len])
        : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
    sock.write(Buffer.concat([header, mask, masked]));
  }
  await headIn;
  const headers = () => head;
  return { next, send, headers, close: () => sock.destroy() };
}

const inflate = (payload) =>
  zlib
    .inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    })
    .toString();

test("a raw client sees RSV1 on a large server frame and not on a small one", TEST, async () => {
  const ws = await raw("/socket.io/?EIO=4&transport=websocket", "permessage-deflate; client_max_window_bits");
  assert.match(ws.headers(), /sec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover/i);
  assert.match((await ws.next()).payload.toString(), /^0\{/);
  ws.send("40");
  assert.match((await ws.next()).payload.toString(), /^40\{/);
  assert.equal((await ws.next()).payload.toString(), '42["auth",{}]');
  const text = big(4000);
  ws.send(`42["message",${JSON.stringify(text)}]`);
  const large = await ws.next();
  assert.equal(large.rsv1, true);
  assert.ok(large.payload.length < 400, `compressed to ${large.payload.length} bytes`);
  assert.equal(inflate(large.payload), `42["message-back",${JSON.stringify(text)}]`);
  ws.send('42["message","hi"]');
  const small = await ws.next();
  assert.equal(small.rsv1, false);
  assert.equal(small.payload.toString(), '42["message-back","hi"]');
  ws.close();
});

test("a client that offers nothing gets no extension and plain frames", TEST, async () => {
  const ws = await raw("/socket.io/?EIO=4&transport=websocket", null);
  assert.doesNotMatch(ws.headers(), /sec-websocket-extensions/i);
  await ws.next();
  ws.send("40");
  await ws.next();
  await ws.next();
  const text = big(4000);
  ws.send(`42["message",${JSON.stringify(text)}]`);
  const frame = await ws.next();
  assert.equal(frame.rsv1, false);
  assert.equal(frame.payload.toString(), `42["message-back",${JSON.stringify(text)}]`);
  ws.close();
});
