// Generates engine-io.json: the bytes Node's Engine.IO parsers produce and
// accept, for the golden-vector test (tests/golden.rs).
//
// Regenerate in a scratch directory:
//   npm i engine.io-parser@5 engine.io-parser-v3@npm:engine.io-parser@2
//   cp generate.cjs . && node generate.cjs > engine-io.json
"use strict";
const v4 = require("engine.io-parser");
const v3 = require("engine.io-parser-v3");

const hex = (b) => Buffer.from(b).toString("hex");
const bodyHex = (d) => (typeof d === "string" ? Buffer.from(d, "utf8") : Buffer.from(d)).toString("hex");

// Packets as both sides see them: text data or binary bytes (hex).
const P = {
  open: { type: "open", text: '{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}' },
  close: { type: "close" },
  ping: { type: "ping" },
  probe: { type: "ping", text: "probe" },
  pong: { type: "pong" },
  pongProbe: { type: "pong", text: "probe" },
  hello: { type: "message", text: "hello" },
  empty: { type: "message", text: "" },
  unicode: { type: "message", text: "é😀€ 日本" },
  bin: { type: "message", binary: "01020304" },
  binEmpty: { type: "message", binary: "" },
  binHigh: { type: "message", binary: "00ff80fe" },
  upgrade: { type: "upgrade" },
  noop: { type: "noop" },
};
const toNode = (p) =>
  p.binary !== undefined ? { type: p.type, data: Buffer.from(p.binary, "hex") } : p.text !== undefined ? { type: p.type, data: p.text } : { type: p.type };

const lists = [
  [P.hello],
  [P.hello, P.bin],
  [P.bin, P.binEmpty, P.binHigh],
  [P.unicode, P.empty, P.ping, P.pong, P.close],
  [P.noop],
  [P.close],
  [P.probe, P.pongProbe, P.upgrade],
  [P.open],
  [P.unicode, P.bin, P.unicode],
];

const out = { packets: [], payloads: [], decode: [] };

// Single packets: text form (v4 base64 for binary), WebSocket form.
for (const p of Object.values(P)) {
  v4.encodePacket(toNode(p), false, (enc) => out.packets.push({ protocol: 4, supportsBinary: false, packet: p, body: bodyHex(enc), binaryFrame: typeof enc !== "string" }));
  v4.encodePacket(toNode(p), true, (enc) => out.packets.push({ protocol: 4, supportsBinary: true, packet: p, body: bodyHex(enc), binaryFrame: typeof enc !== "string" }));
  v3.encodePacket(toNode(p), false, false, (enc) => out.packets.push({ protocol: 3, supportsBinary: false, packet: p, body: bodyHex(enc), binaryFrame: typeof enc !== "string" }));
  v3.encodePacket(toNode(p), true, false, (enc) => out.packets.push({ protocol: 3, supportsBinary: true, packet: p, body: bodyHex(enc), binaryFrame: typeof enc !== "string" }));
}

// Polling bodies.
for (const list of lists) {
  const nodes = list.map(toNode);
  v4.encodePayload(nodes, (enc) => out.payloads.push({ protocol: 4, supportsBinary: true, packets: list, body: bodyHex(enc), binaryBody: false }));
  for (const sb of [false, true]) {
    v3.encodePayload(nodes, sb, (enc) => out.payloads.push({ protocol: 3, supportsBinary: sb, packets: list, body: bodyHex(enc), binaryBody: typeof enc !== "string" }));
  }
}

// Bodies Node refuses (decoded to an error packet).
const v4Errors = ["", "7", "abc", "4hello\x1e9"];
for (const body of v4Errors) {
  const packets = v4.decodePayload(body, "nodebuffer");
  const error = packets.some((p) => p.type === "error");
  out.decode.push({ protocol: 4, binaryBody: false, body: bodyHex(body), error });
}
const v3Errors = ["", "5:4hello", "x:4a", "2:4a3", "1:9", "3:4😀"];
for (const body of v3Errors) {
  let error = false;
  v3.decodePayload(body, (p) => { if (p.type === "error") error = true; });
  out.decode.push({ protocol: 3, binaryBody: false, body: bodyHex(body), error });
}

process.stdout.write(JSON.stringify(out, null, 1) + "\n");
