// Captures what Node's Redis Streams adapter (@socket.io/redis-streams-adapter
// 0.3.1, socket.io 4.8.4, recovery on) writes for a socket.emit with binary
// and for the session of a socket whose transport closed, for the golden
// vectors of crates/sio-redis (src/streams/golden.rs). Run it with a
// `redis-cli -p PORT monitor` next to it and read the XADD and SET lines:
//
//   REDIS_URL=redis://127.0.0.1:PORT node cluster/capture-streams.mjs
//
// Uids, socket ids, pids and entry ids are random: a capture differs from
// run to run; the golden test rebuilds the bytes from the captured ids.
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const redis = createClient({ url: REDIS_URL });
await redis.connect();
const http = createServer();
const io = new Server(http, {
  adapter: createAdapter(redis),
  connectionStateRecovery: { maxDisconnectionDuration: 60000 },
});
io.on("connection", (socket) => {
  socket.data = { user: 1 };
  socket.join("room1");
  socket.emit("hi", 1, Buffer.from([7]));
});
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const client = ioc(`http://127.0.0.1:${http.address().port}`, { transports: ["websocket"] });
const args = await new Promise((resolve) => client.on("hi", (...a) => resolve(a)));
console.log("socket id", client.id, "offset", args.at(-1));
// Not a client disconnect: the session is kept (SET … PX 60000).
client.io.engine.close();
await new Promise((resolve) => setTimeout(resolve, 300));
io.close();
await redis.quit().catch(() => {});
process.exit(0);
