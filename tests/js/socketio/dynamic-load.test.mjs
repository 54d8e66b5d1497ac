// Dynamic namespaces under real load (issue 11, item 3): 50 connections each
// join 200 distinct children of the contract's dynamic family, names of 100
// characters (10,000 children alive at the end, next to whatever the other
// suites hold): every connection joins all of its namespaces within 5 s.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Manager } from "socket.io-client";
import { BASE_URL, waitFor } from "../lib/helpers.mjs";
import { clientV4, closeAll, connect, freshNamespace } from "../lib/sio.mjs";

const CONNECTIONS = Number(process.env.DYN_CONNECTIONS || 50);
const PER_CONNECTION = 200;
const managers = [];
after(() => {
  closeAll();
  for (const manager of managers) {
    for (const socket of Object.values(manager.nsps)) socket.disconnect();
  }
});

/** A 100-character name of the family `/dyn-...`, unique to this run. */
function longName(run, connection, child) {
  const name = `/dyn-load-${run}-${connection}-${child}-`;
  return name + "x".repeat(100 - name.length);
}

test("50 connections each join 200 dynamic children within 5 s", { timeout: 60000 }, async () => {
  const run = randomBytes(4).toString("hex");
  // One child held elsewhere, as another suite would: 10,001 in all.
  const elsewhere = clientV4(freshNamespace("load"));
  await connect(elsewhere);
  const joinAll = async (c) => {
    const manager = new Manager(BASE_URL, {
      transports: ["websocket"],
      reconnection: false,
      autoConnect: false,
    });
    managers.push(manager);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: PER_CONNECTION }, (_, i) => {
        const socket = manager.socket(longName(run, c, i));
        const joined = waitFor(socket, "auth", { failOn: ["connect_error", "disconnect"] });
        socket.connect();
        return joined;
      }),
    );
    return Date.now() - started;
  };
  // One connection after the other, all kept open (10,000 children alive
  // at the end): joined all at once, the 10,000 CONNECTs starve the client's
  // own event loop past the contract's 500 ms heartbeat on a busy machine.
  const times = [];
  for (let c = 0; c < CONNECTIONS; c++) times.push(await joinAll(c));
  const slowest = Math.max(...times);
  console.log(`# slowest connection joined its ${PER_CONNECTION} namespaces in ${slowest} ms`);
  assert.ok(slowest < 5000, `slowest connection took ${slowest} ms`);
});
