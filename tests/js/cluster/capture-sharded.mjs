// Captures what Node's sharded adapter (@socket.io/redis-adapter 8.3.0,
// createShardedAdapter, socket.io 4.8.4) publishes, for the golden vectors
// of crates/sio-cluster (src/tests/node-sharded.jsonl). Two Node servers
// on the Redis at REDIS_URL (channel prefix `golden`); every SPUBLISH of
// their publishing clients is recorded as it leaves node-redis.
//
//   REDIS_URL=redis://127.0.0.1:6379 node cluster/capture-sharded.mjs > out.jsonl
//
// One line per message: {"name", "channel", "hex"}; ids and uids are random,
// so a capture differs from run to run, but each message round-trips.
import { createServer } from "node:http";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
let step = "setup";
const out = [];

async function server() {
  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const sPublish = pub.sPublish.bind(pub);
  pub.sPublish = (channel, payload) => {
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    out.push({ name: step, channel, hex: bytes.toString("hex") });
    return sPublish(channel, payload);
  };
  const http = createServer();
  const io = new Server(http, { adapter: createShardedAdapter(pub, sub, { channelPrefix: "golden" }) });
  await new Promise((r) => http.listen(0, "127.0.0.1", r));
  return { io, http, pub, sub, url: `http://127.0.0.1:${http.address().port}` };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

const a = await server();
const b = await server();
b.io.on("connection", (socket) => {
  socket.data = { user: "u", buf: Buffer.from([7]) };
  socket.join(["room1", 42]);
  socket.on("ask", (_arg, ack) => ack(Buffer.from([5, 6])));
});
b.io.on("no-arg", (ack) => ack());
b.io.on("ping", () => {});
const client = ioc(b.url, { transports: ["websocket"] });
client.on("ask", (_arg, ack) => ack(Buffer.from([5, 6])));
await new Promise((r) => client.on("connect", r));
await settle();

const steps = [
  ["emit", () => a.io.emit("hello", "world", 1)],
  ["room", () => a.io.to("room1").emit("msg", { a: 1 })],
  ["numeric-room", () => a.io.to(42).emit("num", 2)],
  ["binary", () => a.io.emit("bin", Buffer.from([1, 2, 3]), { n: 1.5, neg: -1 })],
  ["date", () => a.io.emit("date", new Date(0))],
  ["volatile", () => a.io.volatile.compress(false).emit("flags")],
  ["server-side-binary", () => a.io.serverSideEmit("ping", Buffer.from([9]))],
  ["server-side-no-arg", () => a.io.serverSideEmitWithAck("no-arg").catch(() => {})],
  ["ack-binary", () => a.io.timeout(1000).emitWithAck("ask", 1).catch(() => {})],
  ["fetch-binary-data", () => a.io.fetchSockets()],
  ["join", () => a.io.in(client.id).socketsJoin("room3")],
  ["leave", () => a.io.in("room3").socketsLeave("room3")],
  ["disconnect", () => a.io.in(client.id).disconnectSockets(true)],
];
for (const [name, run] of steps) {
  step = name;
  await run();
  await settle();
}
for (const line of out) console.log(JSON.stringify(line));
client.close();
for (const s of [a, b]) {
  s.io.close();
  await Promise.allSettled([s.pub.quit(), s.sub.quit()]);
}
process.exit(0);
