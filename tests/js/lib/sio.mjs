// Helpers for the socket.io suites: clients of both major versions in each
// transport mode, fresh dynamic namespaces so that tests running side by side
// never see each other's sockets, and acks with a bound.
import { randomBytes } from "node:crypto";
import { io as ioV4 } from "socket.io-client";
import ioV2 from "socket.io-client-v2";
import { BASE_URL, WAIT_MS, waitFor } from "./helpers.mjs";

/** Transport modes: options for the client and the transport it ends on. */
export const MODES = {
  websocket: { transports: ["websocket"], upgrade: false, final: "websocket" },
  polling: { transports: ["polling"], upgrade: false, final: "polling" },
  upgrade: { transports: ["polling", "websocket"], upgrade: true, final: "websocket" },
};

/** A namespace of the contract's dynamic family that no other test uses. */
export function freshNamespace(label = "t") {
  return `/dyn-${label}-${randomBytes(6).toString("hex")}`;
}

const live = new Set();

/** Closes every client the helpers opened and that is still open. */
export function closeAll() {
  for (const socket of live) socket.disconnect();
  live.clear();
}

/**
 * A socket.io-client 4.x socket on `nsp`, not yet connected. `manager`
 * shares one engine.io connection between namespaces.
 */
export function clientV4(nsp = "/", { mode = "websocket", auth, manager } = {}) {
  const { transports, upgrade } = MODES[mode];
  const socket = manager
    ? manager.socket(nsp, auth ? { auth } : {})
    : ioV4(`${BASE_URL}${nsp}`, {
        transports,
        upgrade,
        auth,
        forceNew: true,
        reconnection: false,
        autoConnect: false,
      });
  live.add(socket);
  return socket;
}

/** A socket.io-client 2.x socket on `nsp` (engine.io protocol 3), not yet connected. */
export function clientV2(nsp = "/", { mode = "websocket" } = {}) {
  const { transports, upgrade } = MODES[mode];
  const socket = ioV2(`${BASE_URL}${nsp}`, {
    transports,
    upgrade,
    forceNew: true,
    reconnection: false,
    autoConnect: false,
  });
  live.add(socket);
  return socket;
}

/**
 * Connects `socket` and resolves with the payload of the server's `auth`
 * event, which the contract sends right after every connection. Waits for
 * the transport upgrade too when the socket's mode has one.
 */
export async function connect(socket, { mode } = {}) {
  const auth = waitFor(socket, "auth", { failOn: ["connect_error", "error", "disconnect"] });
  const engineReady = mode === "upgrade" ? waitForUpgrade(socket) : null;
  socket.connect();
  const payload = await auth;
  if (engineReady) await engineReady;
  return payload;
}

/** Resolves once the socket's engine.io connection runs over websocket. */
function waitForUpgrade(socket) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no upgrade to websocket")), WAIT_MS);
    const check = () => {
      const engine = socket.io.engine;
      if (!engine) return setTimeout(check, 10);
      if (engine.transport && engine.transport.name === "websocket") {
        clearTimeout(timer);
        return resolve();
      }
      engine.once("upgrade", () => {
        clearTimeout(timer);
        resolve();
      });
    };
    socket.io.once("open", check);
  });
}

/** Connects `count` 4.x clients to `nsp` and resolves with them. */
export async function connectMany(nsp, count, opts = {}) {
  const sockets = Array.from({ length: count }, () => clientV4(nsp, opts));
  await Promise.all(sockets.map((socket) => connect(socket, opts)));
  return sockets;
}

/**
 * Emits `event` with `args` asking for an ack; resolves with the ack's
 * arguments as an array. Works with both client versions.
 */
export function ask(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        const state = socket.connected ? "connected" : "disconnected";
        reject(new Error(`no ack for '${event}' within ${WAIT_MS} ms (socket ${state})`));
      },
      WAIT_MS,
    );
    socket.emit(event, ...args, (...reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

/** Resolves with the reason of the socket's next `disconnect`. */
export async function disconnectReason(socket, opts) {
  const args = await waitFor(socket, "disconnect", opts);
  return Array.isArray(args) ? args[0] : args;
}
