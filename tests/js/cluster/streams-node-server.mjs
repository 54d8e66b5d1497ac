// A Node socket.io 4.8 server on @socket.io/redis-streams-adapter 0.3.1
// with connection-state recovery (window 2000 ms, as the Rust e2e_server's
// --recovery), keeping the part of the e2e contract the streams tests use:
// join, to, emit-all, message (-> message-back).
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";

/** Starts the server on 127.0.0.1 (a free port); resolves with its url and close(). */
export async function startStreamsServer({ redisUrl }) {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  const http = createServer();
  const io = new Server(http, {
    adapter: createAdapter(redis),
    connectionStateRecovery: { maxDisconnectionDuration: 2000 },
    pingInterval: 300,
    pingTimeout: 200,
  });
  io.on("connection", (socket) => {
    socket.on("join", (rooms, ack) => {
      socket.join(rooms);
      ack?.([...socket.rooms].sort());
    });
    socket.on("rooms", (ack) => ack?.([...socket.rooms].sort()));
    socket.on("message", (...args) => socket.emit("message-back", ...args));
    socket.on("to", (room, event, ...args) => io.to(room).emit(event, ...args));
    socket.on("emit-all", (event, ...args) => io.emit(event, ...args));
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address();
  return {
    url: `http://127.0.0.1:${port}`,
    io,
    async close() {
      await new Promise((resolve) => io.close(() => resolve()));
      await redis.quit().catch(() => {});
    },
  };
}
