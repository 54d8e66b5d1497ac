// Captures the notifications and attachment rows that Node's
// @socket.io/postgres-adapter 0.5.0 and @socket.io/postgres-emitter 0.1.1
// write, as golden vectors for sio-postgres (see golden/README.md).
//
//   npm install socket.io@4.8.4 socket.io-client@4.8.4 pg@8 \
//     @socket.io/postgres-adapter@0.5.0 @socket.io/postgres-emitter@0.1.1
//   node capture.mjs postgres://postgres@127.0.0.1:5432/test > node-0.5.0.json
import { createServer } from "node:http";
import pg from "pg";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { createAdapter } from "@socket.io/postgres-adapter";
import { Emitter } from "@socket.io/postgres-emitter";

const url = process.argv[2] ?? "postgres://postgres@127.0.0.1:5432/test";
const prefix = "golden";
const table = "golden_attachments";
const opts = { channelPrefix: prefix, tableName: table, heartbeatInterval: 60000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`DROP TABLE IF EXISTS ${table}`);
await admin.query(`CREATE TABLE ${table} (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`);

const captured = [];
let step = "";
const listener = new pg.Client({ connectionString: url });
await listener.connect();
listener.on("notification", (m) => captured.push({ step, channel: m.channel, payload: m.payload }));
await listener.query(`LISTEN "${prefix}#/"`);

async function server(name) {
  const pool = new pg.Pool({ connectionString: url });
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pool, opts) });
  io.on("connection", (s) => {
    s.on("ping-me", (cb) => cb("pong"));
  });
  io.on("whoami", (cb) => cb(name));
  await new Promise((r) => http.listen(0, "127.0.0.1", r));
  return { io, pool, http, port: http.address().port };
}

async function at(name, f) {
  step = name;
  await f();
  await sleep(300);
}

let a, b;
await at("init-a", async () => { a = await server("a"); });
await at("init-b", async () => { b = await server("b"); });
const client = connect(`http://127.0.0.1:${b.port}`, { transports: ["websocket"] });
client.on("hello", () => {});
client.on("ask", (x, cb) => cb({ got: x }));
await new Promise((r) => client.on("connect", r));
b.io.of("/").sockets.get(client.id).join("room1");
await sleep(100);

await at("broadcast", () => a.io.emit("hello", 1, "two", { three: [3] }));
await at("broadcast-rooms", () => a.io.to("room1").except("room2").volatile.emit("hello", true));
await at("broadcast-binary", () => a.io.emit("hello", Buffer.from([1, 2, 3]), { nested: Buffer.from([255]) }));
await at("broadcast-large", () => a.io.emit("hello", "x".repeat(9000)));
await at("sockets-join", () => a.io.in("room1").socketsJoin(["room3", "room4"]));
await at("sockets-leave", () => a.io.in("room1").socketsLeave("room3"));
await at("fetch-sockets", async () => { await a.io.in("room1").fetchSockets(); });
await at("server-side-emit", () => a.io.serverSideEmit("note", 1));
await at("server-side-emit-ack", async () => { await a.io.serverSideEmitWithAck("whoami"); });
await at("broadcast-ack", async () => { await a.io.timeout(2000).emitWithAck("ask", 7); });
await at("disconnect-sockets", () => a.io.in("room1").disconnectSockets(true));
const emitter = new Emitter(new pg.Pool({ connectionString: url }), "/", { channelPrefix: prefix, tableName: table });
await at("emitter-broadcast", () => emitter.to("room1").emit("hello", "from emitter"));
await at("emitter-binary", () => emitter.emit("hello", Buffer.from([4, 5])));
await at("emitter-join", () => emitter.in("room1").socketsJoin("room9"));
await at("emitter-server-side-emit", () => emitter.serverSideEmit("note", 2));
await at("close-b", () => b.io.of("/").adapter.close());

const rows = (await admin.query(`SELECT id, payload FROM ${table} ORDER BY id`)).rows;
const attachments = rows.map((r) => ({ id: r.id, payload_hex: r.payload.toString("hex") }));
console.log(JSON.stringify({ node: { "socket.io": "4.8.4", "@socket.io/postgres-adapter": "0.5.0", "@socket.io/postgres-emitter": "0.1.1" }, notifications: captured, attachments }, null, 1));
await admin.query(`DROP TABLE ${table}`);
process.exit(0);
