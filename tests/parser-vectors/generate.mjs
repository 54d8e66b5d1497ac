// Writes the golden vectors of crates/sio-parser from the Node packages
// themselves: socket.io-parser 4.2.x (protocol 5), socket.io-parser 3.3.x
// (protocol 4, socket.io-client 2.x) and socket.io-msgpack-parser.
//
// Usage: node generate.mjs <output dir>
// Binary data is written as {"$binary": "<hex>"} in models and as
// {"binary": "<hex>"} frames.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";

const require = createRequire(import.meta.url);
const v5 = require("socket.io-parser");
const v4 = require("socket.io-parser-v4");
const msgpack = require("socket.io-msgpack-parser");

const out = process.argv[2] ?? "../../crates/sio-parser/tests/vectors";
mkdirSync(out, { recursive: true });

const bin = (...bytes) => Buffer.from(bytes);
const kb = (seed) => Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + seed) & 0xff));

// JSON model of a packet: Buffers become {"$binary": hex}.
function model(value) {
  if (Buffer.isBuffer(value)) return { $binary: value.toString("hex") };
  if (value instanceof ArrayBuffer) return { $binary: Buffer.from(value).toString("hex") };
  if (Array.isArray(value)) return value.map(model);
  if (value && typeof value === "object") {
    const o = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) o[k] = model(v);
    return o;
  }
  return value;
}

function clone(value) {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === "object") {
    const o = {};
    for (const [k, v] of Object.entries(value)) o[k] = clone(v);
    return o;
  }
  return value;
}

const frame = (f) => (typeof f === "string" ? { text: f } : { binary: Buffer.from(f).toString("hex") });

// Decodes frames with a Node decoder; returns the packet or throws.
function nodeDecode(Decoder, frames, opts) {
  const decoder = new Decoder(opts);
  let got = null;
  decoder.on("decoded", (p) => (got = p));
  for (const f of frames) decoder.add(f);
  return got;
}

// Binary packets are modelled with their plain type (EVENT/ACK): the Node
// decoders report them so, and the encoders pick the binary type themselves.
function plainType(p) {
  if (p.type === 5) p.type = 2;
  if (p.type === 6) p.type = 3;
  return p;
}

function check(name, packet, decoded) {
  const want = plainType(model(packet));
  const have = plainType(model(decoded));
  delete have.attachments;
  if (!isDeepStrictEqual(want, have)) {
    throw new Error(`${name}: Node round trip differs: ${JSON.stringify(want)} vs ${JSON.stringify(have)}`);
  }
}

// ---------------------------------------------------------------- protocol 5
const P = v5.PacketType;
const cases5 = [
  ["connect default", { type: P.CONNECT, nsp: "/" }],
  ["connect admin", { type: P.CONNECT, nsp: "/admin" }],
  ["connect auth", { type: P.CONNECT, nsp: "/", data: { token: "abc", n: 1 } }],
  ["connect sid", { type: P.CONNECT, nsp: "/admin", data: { sid: "oSO0OpakMV_3jnilAAAA" } }],
  ["connect sid pid", { type: P.CONNECT, nsp: "/", data: { sid: "oSO0OpakMV_3jnilAAAA", pid: "YHcX2sdAF1z_aOgQAAAB" } }],
  ["disconnect default", { type: P.DISCONNECT, nsp: "/" }],
  ["disconnect admin", { type: P.DISCONNECT, nsp: "/admin" }],
  ["event name only", { type: P.EVENT, nsp: "/", data: ["hello"] }],
  ["event small", { type: P.EVENT, nsp: "/", data: ["chat", { user: "a", text: "hi" }] }],
  ["event ack 0", { type: P.EVENT, nsp: "/", data: ["hello", 1], id: 0 }],
  ["event ns ack", { type: P.EVENT, nsp: "/admin", data: ["project:delete", 123], id: 456 }],
  ["event max ack id", { type: P.EVENT, nsp: "/", data: ["x"], id: 2 ** 53 - 1 }],
  ["event unicode ns", { type: P.EVENT, nsp: "/café", data: ["ünïcödé", "日本語"] }],
  ["event emoji", { type: P.EVENT, nsp: "/", data: ["😀", "🚀 rocket", { "🔑": "🗝️" }] }],
  ["event escapes", { type: P.EVENT, nsp: "/", data: ["esc", "quote \" backslash \\ slash /", "\n\t\r\b\f\u0001\u001f"] }],
  ["event escaped name", { type: P.EVENT, nsp: "/", data: ["line\nbreak"] }],
  ["event empty containers", { type: P.EVENT, nsp: "/", data: ["empty", [], {}, ""] }],
  ["event scalars", { type: P.EVENT, nsp: "/", data: ["scalars", null, true, false, 0, -1, 1.5, -0.25, 3.14159, 9007199254740991] }],
  ["event nested", { type: P.EVENT, nsp: "/", data: ["nested", { a: [1, { b: [2, [3, { c: null }]] }] }] }],
  ["event numeric head", { type: P.EVENT, nsp: "/", data: [42, "answer"] }],
  ["event named error", { type: P.EVENT, nsp: "/", data: ["error", "allowed by the parser"] }],
  ["ack empty", { type: P.ACK, nsp: "/", data: [], id: 1 }],
  ["ack values", { type: P.ACK, nsp: "/admin", data: ["ok", { n: 2 }], id: 456 }],
  ["connect_error message", { type: P.CONNECT_ERROR, nsp: "/", data: { message: "Not authorized" } }],
  ["connect_error data", { type: P.CONNECT_ERROR, nsp: "/admin", data: { message: "refused", data: { code: 42 } } }],
  ["connect_error string", { type: P.CONNECT_ERROR, nsp: "/", data: "Not authorized" }],
  ["binary event", { type: P.EVENT, nsp: "/", data: ["file", bin(1, 2, 3)] }],
  ["binary event ns ack", { type: P.EVENT, nsp: "/admin", data: ["upload", { name: "a.bin", body: bin(0xff, 0) }], id: 9 }],
  ["binary nested", { type: P.EVENT, nsp: "/", data: ["deep", { a: { b: [bin(1), { c: bin(2, 2) }] } }, [[bin()]]] }],
  ["binary 2x1KB", { type: P.EVENT, nsp: "/", data: ["blobs", kb(1), kb(2)] }],
  ["binary ack", { type: P.ACK, nsp: "/", data: [bin(3, 2, 1)], id: 456 }],
  ["binary ack ns", { type: P.ACK, nsp: "/admin", data: ["ok", bin(7)], id: 0 }],
];

const vectors5 = cases5.map(([name, packet]) => {
  const frames = new v5.Encoder().encode(clone(packet));
  check(name, packet, nodeDecode(v5.Decoder, frames));
  return { name, packet: model(packet), frames: frames.map(frame) };
});

// ---------------------------------------------------------------- protocol 4
const Q = v4; // types as numbers: CONNECT 0 … BINARY_ACK 6
const cases4 = [
  ["connect default", { type: Q.CONNECT, nsp: "/" }],
  ["connect admin", { type: Q.CONNECT, nsp: "/admin" }],
  ["connect query", { type: Q.CONNECT, nsp: "/admin?token=abc&uid=1" }],
  ["disconnect admin", { type: Q.DISCONNECT, nsp: "/admin" }],
  ["event", { type: Q.EVENT, nsp: "/", data: ["hello", 1] }],
  ["event ns ack", { type: Q.EVENT, nsp: "/admin", data: ["project:delete", 123], id: 456 }],
  ["ack", { type: Q.ACK, nsp: "/admin", data: [], id: 456 }],
  ["error string", { type: Q.ERROR, nsp: "/admin", data: "Not authorized" }],
  ["binary event", { type: Q.BINARY_EVENT, nsp: "/", data: ["hello", bin(1, 2, 3)] }],
  ["binary ack", { type: Q.BINARY_ACK, nsp: "/admin", data: [bin(3, 2, 1)], id: 456 }],
];

const vectors4 = cases4.map(([name, packet]) => {
  let frames;
  new v4.Encoder().encode(clone(packet), (f) => (frames = f));
  check(name, packet, nodeDecode(v4.Decoder, frames));
  return { name, packet: plainType(model(packet)), frames: frames.map(frame) };
});

// ---------------------------------------------------------------- msgpack
// Packets built in the key order of the Node server: events {type, data, id}
// and acks {id, type, data}, then nsp.
const M = msgpack.PacketType;
const casesM = [
  ["connect sid", { type: M.CONNECT, data: { sid: "oSO0OpakMV_3jnilAAAA" }, nsp: "/" }],
  ["connect client", { type: M.CONNECT, nsp: "/admin" }, { encode: false }],
  ["connect auth", { type: M.CONNECT, data: { token: "abc" }, nsp: "/" }],
  ["disconnect", { type: M.DISCONNECT, nsp: "/admin" }],
  ["event small", { type: M.EVENT, data: ["chat", { user: "a", text: "hi" }], nsp: "/" }],
  ["event ack", { type: M.EVENT, data: ["hello", 1], id: 456, nsp: "/admin" }],
  ["event numbers", { type: M.EVENT, data: ["n", 0, 127, 128, 255, 256, 65535, 65536, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 1.5, -0.25], nsp: "/" }],
  ["event strings", { type: M.EVENT, data: ["s", "", "a".repeat(31), "b".repeat(32), "c".repeat(256), "😀 ünï"], nsp: "/" }],
  ["event containers", { type: M.EVENT, data: ["c", [], {}, Array.from({ length: 16 }, (_, i) => i), Object.fromEntries(Array.from({ length: 16 }, (_, i) => ["k" + i, i])), null, true, false], nsp: "/" }],
  ["event binary", { type: M.EVENT, data: ["file", bin(1, 2, 3), { nested: [bin()] }], nsp: "/" }],
  ["event 2x1KB", { type: M.EVENT, data: ["blobs", kb(1), kb(2)], nsp: "/" }],
  ["ack", { id: 7, type: M.ACK, data: ["ok", bin(9)], nsp: "/" }],
  ["connect_error", { type: M.CONNECT_ERROR, data: { message: "Not authorized", data: { code: 1 } }, nsp: "/" }],
  ["connect_error string", { type: M.CONNECT_ERROR, data: "Not authorized", nsp: "/admin" }],
  // As socket.io-client sends them: an extra `options` key, ack id before nsp.
  ["client event options", { type: M.EVENT, data: ["hello", "world"], options: { compress: true }, id: 3, nsp: "/" }, { encode: false, omit: ["options"] }],
  ["browser arraybuffer", { type: M.EVENT, data: ["ab", new Uint8Array([4, 5, 6]).buffer], nsp: "/" }, { encode: false }],
];

const vectorsM = casesM.map(([name, packet, opts = {}]) => {
  const [bytes] = new msgpack.Encoder().encode(packet);
  const decoded = nodeDecode(msgpack.Decoder, [bytes]);
  const want = model(packet);
  for (const k of opts.omit ?? []) delete want[k];
  const have = model(decoded);
  for (const k of opts.omit ?? []) delete have[k];
  if (!isDeepStrictEqual(want, have)) throw new Error(`${name}: msgpack round trip differs`);
  return { name, packet: want, frames: [frame(bytes)], encode: opts.encode ?? true };
});

// ---------------------------------------------------------------- invalid
// Inputs every Node decoder refuses; sio must refuse them too.
const invalidText = [
  ["unknown type 7", ["7"]],
  ["unknown type letter", ['x["a"]']],
  ["event object payload", ['2{"a":1}']],
  ["event string payload", ['2"hello"']],
  ["event empty array", ["2[]"]],
  ["event null head", ["2[null]"]],
  ["event object head", ['2[{"a":1}]']],
  ["event bool head", ["2[true]"]],
  ["event array head", ['2[["a"]]']],
  ["event reserved connect", ['2["connect"]']],
  ["event reserved connect_error", ['2["connect_error"]']],
  ["event reserved disconnect", ['2["disconnect"]']],
  ["event reserved disconnecting", ['2["disconnecting"]']],
  ["event reserved newListener", ['2["newListener"]']],
  ["event reserved removeListener", ['2["removeListener"]']],
  ["event malformed json", ['2["a",']],
  ["event trailing garbage", ['2["a"]x']],
  ["ack id negative", ['2-1["a"]']],
  ["ack id float", ['2/admin,1.5["a"]']],
  ["ack not array", ['31{"a":1}']],
  ["connect array", ["0[]"]],
  ["connect string", ['0"token"']],
  ["disconnect with data", ["1{}"]],
  ["connect_error array", ["4[]"]],
  ["connect_error boolean", ["4true"]],
  ["too many attachments", ['51000000-["a",{"_placeholder":true,"num":0}]']],
  ["attachments header two dashes", ['5-1-["a",{"_placeholder":true,"num":0}]']],
  ["attachments header letters", ['5abc-["a",{"_placeholder":true,"num":0}]']],
  ["attachments header missing dash", ['51["a",{"_placeholder":true,"num":0}]']],
  ["binary event reserved", ['51-["disconnect",{"_placeholder":true,"num":0}]']],
  ["placeholder num string", ['51-["a",{"_placeholder":true,"num":"0"}]', bin(1)]],
  ["placeholder num negative", ['51-["a",{"_placeholder":true,"num":-1}]', bin(1)]],
  ["stricter: placeholder num float", ['51-["a",{"_placeholder":true,"num":0.5}]', bin(1)]],
  ["placeholder num out of range", ['51-["a",{"_placeholder":true,"num":1}]', bin(1)]],
  // Node accepts these; sio refuses them on purpose (see the crate docs).
  ["stricter: empty packet", [""]],
  ["stricter: event without data", ["2"]],
  ["stricter: ack without id", ["3[]"]],
  ["stricter: ack id above 2^53-1", ['29007199254740992["a"]']],
  ["stricter: ack id 400 digits", ["2" + "9".repeat(400) + '["a"]']],
  ["stricter: attachments header without digits", ['5-["a"]']],
  ["stricter: placeholder duplicate", ['52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]', bin(1), bin(2)]],
  ["stricter: placeholder extra key", ['51-["a",{"_placeholder":true,"num":0,"x":1}]', bin(1)]],
  ["stricter: attachment never referenced", ['51-["a"]', bin(1)]],
  ["binary without pending packet", [bin(1, 2)]],
  ["text while awaiting attachments", ['52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', bin(1), '2["b"]']],
];

const invalid = invalidText.map(([name, frames]) => {
  let error = null;
  try {
    nodeDecode(v5.Decoder, frames, { maxAttachments: 10 });
  } catch (e) {
    error = e.message;
  }
  const stricter = name.startsWith("stricter: ");
  if ((error === null) !== stricter) throw new Error(`${name}: Node ${error === null ? "accepted" : "refused"} it`);
  return { name, frames: frames.map(frame), node_error: error ?? "accepted by Node; refused by sio on purpose" };
});

const invalidM = [
  ["not a map", [1, 2]],
  ["type out of range", { type: 5, nsp: "/" }],
  ["type string", { type: "2", nsp: "/", data: ["a"] }],
  ["nsp missing", { type: 2, data: ["a"] }],
  ["nsp number", { type: 2, data: ["a"], nsp: 1 }],
  ["event not array", { type: 2, data: { a: 1 }, nsp: "/" }],
  ["connect array", { type: 0, data: [], nsp: "/" }],
  ["disconnect with data", { type: 1, data: {}, nsp: "/" }],
  ["ack id float", { type: 3, data: [], id: 1.5, nsp: "/" }],
  ["ack id string", { type: 3, data: [], id: "1", nsp: "/" }],
].map(([name, value]) => {
  const bytes = require("notepack.io").encode(value);
  let error = null;
  try {
    nodeDecode(msgpack.Decoder, [bytes]);
  } catch (e) {
    error = e.message;
  }
  if (error === null) throw new Error(`msgpack ${name}: Node accepted it`);
  return { name, frames: [frame(bytes)], node_error: error };
});

const here = new URL(".", import.meta.url).pathname;
const versionOf = (pkg) => JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"), "utf8")).version;
const versions = {
  "socket.io-parser": versionOf("socket.io-parser"),
  "socket.io-parser (protocol 4)": versionOf("socket.io-parser-v4"),
  "socket.io-msgpack-parser": versionOf("socket.io-msgpack-parser"),
  "notepack.io": versionOf("notepack.io"),
};

const write = (file, vectors) =>
  writeFileSync(join(out, file), JSON.stringify({ generator: "tests/parser-vectors/generate.mjs", versions, vectors }, null, 1) + "\n");

write("default-v5.json", vectors5);
write("default-v4.json", vectors4);
write("msgpack.json", vectorsM);
write("invalid-default.json", invalid);
write("invalid-msgpack.json", invalidM);
console.log(`wrote ${vectors5.length + vectors4.length + vectorsM.length} vectors and ${invalid.length + invalidM.length} invalid inputs to ${out}`);
