// A flooding client, run in a worker thread so that its 10,000 events do not
// hold up the event loop of the well-behaved client measured next to it.
// workerData: { url, nsp, count, withAck }. Posts, once the flood is over
// (every ack back, the socket disconnected, or the server quiet again):
// { accepted, limited, warnings, echoes, disconnect, elapsedMs }.
import { parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";

const { url, nsp, count, withAck } = workerData;
const socket = io(`${url}${nsp}`, {
  transports: ["websocket"],
  reconnection: false,
  forceNew: true,
});
const result = { accepted: 0, limited: 0, warnings: [], echoes: 0, disconnect: null, elapsedMs: 0 };
let answered = 0;
let started = 0;
let finished = false;
const finish = () => {
  if (finished) return;
  finished = true;
  result.elapsedMs = Date.now() - started;
  socket.disconnect();
  parentPort.postMessage(result);
};
socket.on("rate-limited", (data) => result.warnings.push(data));
socket.on("message-back", () => result.echoes++);
socket.on("disconnect", (reason) => {
  result.disconnect ??= reason;
  finish();
});
socket.on("connect_error", (err) => {
  result.disconnect = `connect_error: ${err.message}`;
  finish();
});
socket.once("auth", async () => {
  started = Date.now();
  for (let i = 0; i < count; i++) {
    if (withAck) {
      socket.emit("message-with-ack", i, (reply) => {
        if (reply && reply.message === "rate limited") result.limited++;
        else result.accepted++;
        if (++answered === count) finish();
      });
    } else {
      socket.emit("message", i);
    }
  }
  if (!withAck) {
    // Dropped events leave no trace: ask until one ack comes back (the
    // bucket refills); every echo sent before it has arrived by then.
    for (let tries = 0; tries < 50 && !finished; tries++) {
      try {
        await socket.timeout(200).emitWithAck("message-with-ack", "done");
        break;
      } catch {
        // over the limit still
      }
    }
    finish();
  }
});
