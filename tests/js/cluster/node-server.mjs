// A Node socket.io 4.8 server on one of Node's cluster adapters that keeps
// the cluster part of the e2e server's contract (shared/e2e-server.md):
// join, rooms, to, emit-all, count, sockets, sockets-join, sockets-leave,
// disconnect-sockets, emit-all-ack, servers, and the answer to the
// server-side event `whoami`. The cluster suite runs it next to a Rust
// e2e_server on the same adapter. Adapter kinds (`adapter` option, or env
// CLUSTER_ADAPTER in the suite):
// - `classic`: @socket.io/redis-adapter 8.3 `createAdapter` (e2e --redis);
// - `sharded`: its `createShardedAdapter` (SPUBLISH/SSUBSCRIBE, e2e
//   --redis-sharded), on a single Redis, or on a Redis Cluster when
//   `clusterNodes` (redis:// urls of the masters) is given;
// - `streams`: @socket.io/redis-streams-adapter 0.3.1 (e2e
//   --redis-streams), with connection-state recovery (window 2000 ms, as
//   the e2e server's --recovery) when `recovery` is set;
// - `postgres`: @socket.io/postgres-adapter 0.5.0 on a pg Pool
//   (LISTEN/NOTIFY, e2e --postgres), on the database at `postgresUrl`; the
//   attachments table is created as its README does.
// With `adminUi` set it is instrumented with @socket.io/admin-ui 0.5.1 as
// the e2e server's --admin-ui is: namespace /monitor, basic auth admin /
// secret, development mode, serverId = `name`.
import { createServer } from "node:http";
import { createAdapter as createPostgresAdapter } from "@socket.io/postgres-adapter";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { instrument } from "@socket.io/admin-ui";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import pg from "pg";
import { createClient, createCluster } from "redis";
import { Server } from "socket.io";

const ACK_TIMEOUT = 1000;
/** The bcrypt hash (cost 10) of `secret`, as in the e2e server. */
const ADMIN_HASH = "$2a$10$GvIvhoSVVcjwaJjc2rrotOaBT8/2Ci.k6hoqaUz1ITw1XXDbE6wga";

const sortedRooms = (socket) => [...socket.rooms].sort();
/** Orders values by their JSON text, code unit by code unit (as the Rust server does). */
const byJson = (a, b) => {
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The adapter of `kind` and a close() for its clients. */
async function makeAdapter({ kind, redisUrl, postgresUrl, clusterNodes, key, subscriptionMode }) {
  if (kind === "postgres") {
    // Two clients: the adapter keeps one for LISTEN, so every NOTIFY goes
    // through the other, in order. With more, concurrent publishes take
    // different connections and may arrive out of order (a socketsLeave
    // after the fetchSockets sent just after it), which the suite's
    // read-after-write checks would see.
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
    await pool.query(`CREATE TABLE IF NOT EXISTS socket_io_attachments (
      id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`);
    return { adapter: createPostgresAdapter(pool, { channelPrefix: key }), close: () => pool.end() };
  }
  if (kind === "streams") {
    // One client: the adapter duplicates it for its readers and pub/sub.
    const client = createClient({ url: redisUrl });
    await client.connect();
    return {
      adapter: createStreamsAdapter(client, { channelPrefix: key }),
      close: () => Promise.allSettled([client.quit()]),
    };
  }
  if (kind !== "classic" && kind !== "sharded") {
    throw new Error(`unknown adapter kind: ${kind}`);
  }
  const pub = clusterNodes?.length
    ? createCluster({ rootNodes: clusterNodes.map((url) => ({ url })) })
    : createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const close = () => Promise.allSettled([pub.quit(), sub.quit()]);
  if (kind === "sharded") {
    const opts = { channelPrefix: key };
    if (subscriptionMode) opts.subscriptionMode = subscriptionMode;
    return { adapter: createShardedAdapter(pub, sub, opts), close };
  }
  return { adapter: createAdapter(pub, sub, { key, requestsTimeout: ACK_TIMEOUT }), close };
}

/**
 * Starts the server on 127.0.0.1 (a free port); resolves with its url and
 * close(). `adapter`: `classic` (default), `sharded`, `streams` or
 * `postgres`; `key`: the classic key, or the sharded, streams or Postgres
 * channelPrefix; `recovery`: connection-state recovery on (2000 ms);
 * `adminUi`: instrumented with the Admin UI on /monitor (admin / secret).
 */
export async function startNodeServer({
  redisUrl,
  postgresUrl,
  name,
  key = "socket.io",
  adapter: kind = "classic",
  clusterNodes,
  subscriptionMode,
  recovery = false,
  adminUi = false,
}) {
  const store = await makeAdapter({ kind, redisUrl, postgresUrl, clusterNodes, key, subscriptionMode });
  const http = createServer();
  const io = new Server(http, {
    adapter: store.adapter,
    ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 2000 } } : {}),
    pingInterval: 300,
    pingTimeout: 200,
  });
  if (adminUi) {
    instrument(io, {
      namespaceName: "/monitor",
      auth: { type: "basic", username: "admin", password: ADMIN_HASH },
      serverId: name,
      mode: "development",
    });
  }
  io.on("whoami", (ack) => ack(name));
  io.on("connection", (socket) => {
    socket.on("join", (rooms, ack) => {
      socket.join(rooms);
      ack?.(sortedRooms(socket));
    });
    socket.on("rooms", (ack) => ack?.(sortedRooms(socket)));
    socket.on("to", (room, event, ...args) => io.to(room).emit(event, ...args));
    socket.on("emit-all", (event, ...args) => io.emit(event, ...args));
    socket.on("count", async (ack) => ack?.((await io.fetchSockets()).length));
    socket.on("sockets", async (room, ack) => {
      const target = room == null ? io : io.in(room);
      ack?.((await target.fetchSockets()).map((s) => s.id).sort());
    });
    socket.on("sockets-join", (room, target, ack) => {
      io.in(room).socketsJoin(target);
      ack?.(null);
    });
    socket.on("sockets-leave", (room, target, ack) => {
      io.in(room).socketsLeave(target);
      ack?.(null);
    });
    socket.on("disconnect-sockets", (room, close, ack) => {
      io.in(room).disconnectSockets(close === true);
      ack?.(null);
    });
    socket.on("emit-all-ack", async (event, ...rest) => {
      const ack = typeof rest.at(-1) === "function" ? rest.pop() : undefined;
      try {
        const replies = await io.timeout(ACK_TIMEOUT).emitWithAck(event, ...rest);
        ack?.(null, replies.sort(byJson));
      } catch (err) {
        ack?.("timeout", (err.responses ?? []).sort(byJson));
      }
    });
    socket.on("servers", async (ack) => {
      let names = [];
      try {
        // The adapter's requestsTimeout (ACK_TIMEOUT) bounds the wait.
        names = await io.serverSideEmitWithAck("whoami");
      } catch (err) {
        names = err.responses ?? [];
      }
      ack?.([...names, name].sort());
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address();
  return {
    url: `http://127.0.0.1:${port}`,
    io,
    async close() {
      await new Promise((resolve) => io.close(() => resolve()));
      await store.close();
    },
  };
}
