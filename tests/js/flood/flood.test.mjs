// Flood protection with real clients (issue 17), against a server started
// with --flood-limit (100 events a second per socket, burst 100; 50 sessions
// per address) and SIO_E2E_API=1 (namespaces /flood-drop, /flood-warn and
// /flood-disconnect with the other policies). A socket.io-client emits
// 10,000 events in a loop, in a worker thread; a well-behaved client on the
// same server keeps its latency (p99 within 2x of its baseline).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import http from "node:http";
import { io } from "socket.io-client";
import { BASE_URL, waitFor } from "../lib/helpers.mjs";

const FLOOD = 10000;
const RATE = 100; // events a second, and the burst
const PINGS = 150;
let good;
let baseline;

/** At most what a bucket of RATE lets through in `ms`. */
function allowance(ms) {
  return RATE + Math.ceil((RATE * ms) / 1000) + 1;
}

function socketFrom(nsp, { localAddress, ...opts } = {}) {
  const agent = localAddress ? new http.Agent({ localAddress }) : undefined;
  return io(`${BASE_URL}${nsp}`, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
    agent,
    ...opts,
  });
}

async function connected(socket) {
  const auth = waitFor(socket, "auth", { failOn: ["connect_error", "disconnect"] });
  socket.connect();
  await auth;
  return socket;
}

/** p99 of PINGS acked round trips, one every 15 ms (well under the limit). */
async function p99(socket) {
  const times = [];
  for (let i = 0; i < PINGS; i++) {
    const t0 = process.hrtime.bigint();
    await socket.timeout(5000).emitWithAck("message-with-ack", i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await new Promise((r) => setTimeout(r, 15));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length * 0.99) - 1];
}

function flood(nsp, { withAck = true } = {}) {
  const worker = new Worker(new URL("./flood-worker.mjs", import.meta.url), {
    workerData: { url: BASE_URL, nsp, count: FLOOD, withAck },
  });
  return new Promise((resolve, reject) => {
    worker.once("message", (m) => {
      worker.terminate();
      resolve(m);
    });
    worker.once("error", reject);
  });
}

/** Floods `nsp` while the good client pings; both results. */
async function underFlood(nsp, opts) {
  const [result, p] = await Promise.all([flood(nsp, opts), p99(good)]);
  console.log(`# ${nsp}: ${JSON.stringify({ ...result, warnings: result.warnings.length })}, ` +
    `good client p99 ${p.toFixed(2)} ms (baseline ${baseline.toFixed(2)} ms)`);
  // 2x the baseline, with a 10 ms floor: on two cores the flooding client
  // (10,000 emits in a tight loop) runs beside the server and this test's
  // own event loop, and takes a core of its own; a sub-2 ms baseline is
  // below what the scheduler keeps steady then (seen on CI: 9.4 ms p99
  // against a 1.6 ms baseline). A server stalled by the flood shows
  // hundreds of milliseconds.
  assert.ok(p <= 2 * Math.max(baseline, 10), `p99 ${p} ms vs baseline ${baseline} ms`);
  return result;
}

before(async () => {
  good = await connected(socketFrom("/"));
  baseline = await p99(good);
});
after(() => good?.disconnect());

test("ack error: 10,000 events, the rest answered {message: 'rate limited'}", { timeout: 60000 }, async () => {
  const r = await underFlood("/");
  assert.equal(r.accepted + r.limited, FLOOD);
  assert.ok(r.accepted >= RATE, `accepted ${r.accepted}`);
  assert.ok(r.accepted <= allowance(r.elapsedMs), `accepted ${r.accepted} in ${r.elapsedMs} ms`);
  assert.equal(r.disconnect, "io client disconnect");
});

test("drop: events over the limit vanish, the socket stays", { timeout: 60000 }, async () => {
  const r = await underFlood("/flood-drop", { withAck: false });
  assert.ok(r.echoes >= RATE, `echoes ${r.echoes}`);
  assert.ok(r.echoes <= allowance(r.elapsedMs), `echoes ${r.echoes} in ${r.elapsedMs} ms`);
  assert.equal(r.disconnect, "io client disconnect");
});

test("warn then disconnect: the client hears the warning, then is disconnected", { timeout: 60000 }, async () => {
  const r = await underFlood("/flood-warn");
  assert.equal(r.warnings.length, 1);
  assert.deepEqual(r.warnings[0], { message: "rate limited", event: "message-with-ack" });
  assert.equal(r.disconnect, "io server disconnect");
  assert.ok(r.accepted <= allowance(r.elapsedMs), `accepted ${r.accepted}`);
  assert.ok(r.accepted + r.limited < FLOOD, "disconnected before the end of the flood");
});

test("disconnect: the first event over the limit ends the socket", { timeout: 60000 }, async () => {
  const r = await underFlood("/flood-disconnect");
  assert.equal(r.disconnect, "io server disconnect");
  assert.equal(r.warnings.length, 0);
  assert.ok(r.accepted >= RATE && r.accepted <= allowance(r.elapsedMs), `accepted ${r.accepted}`);
});

/** A polling handshake from `localAddress`: status and body. */
function handshake(localAddress) {
  return new Promise((resolve, reject) => {
    http
      .get(`${BASE_URL}/socket.io/?EIO=4&transport=polling`, { localAddress }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      })
      .on("error", reject);
  });
}

test("200 connections from one address are cut at 50; other addresses connect", { timeout: 60000 }, async () => {
  const sockets = Array.from({ length: 200 }, () => socketFrom("/", { localAddress: "127.0.0.2" }));
  const outcomes = await Promise.all(
    sockets.map((s) =>
      connected(s).then(
        () => "connected",
        () => "refused",
      ),
    ),
  );
  const count = (o) => outcomes.filter((x) => x === o).length;
  assert.equal(count("connected"), 50);
  assert.equal(count("refused"), 150);
  const refused = await handshake("127.0.0.2");
  assert.equal(refused.status, 429);
  assert.deepEqual(JSON.parse(refused.body), { code: 429, message: "Too Many Requests" });
  // Other addresses are not affected.
  const others = await Promise.all(
    ["127.0.0.3", "127.0.0.4"].map((a) => connected(socketFrom("/", { localAddress: a }))),
  );
  for (const s of [...sockets, ...others]) s.disconnect();
  // Sessions closed give their places back.
  let back;
  for (let i = 0; i < 50; i++) {
    back = await handshake("127.0.0.2");
    if (back.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(back.status, 200);
});
