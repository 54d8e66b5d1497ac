// The examples of issue 15 (examples/{auth,cluster,tower,hyper}) with the
// real client: socket.io-client 4.x against servers started by the Rust test
// crates/sio/tests/examples_js.rs, which passes the scenario and the URLs:
// `node examples/client.mjs <auth|cluster|tower|hyper> <url> [url2]`, or
// `node examples/client.mjs shutdown:<mode> <url>...` (see `shutdown`).
// Prints one line per check and exits 0 only when every check passed. The
// tower scenario prints "ready for shutdown" and waits for the server to
// disconnect it.
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const [scenario, url, url2] = process.argv.slice(2);
if (!scenario || !url) {
  console.error("usage: node client.mjs <auth|cluster|tower|hyper> <url> [url2]");
  process.exit(2);
}
setTimeout(() => {
  console.error(`example ${scenario}: timed out`);
  process.exit(1);
}, 30_000).unref();

let checks = 0;
function pass(name) {
  checks += 1;
  console.log(`ok ${name}`);
}

function connect(target, opts = {}) {
  const socket = io(target, { forceNew: true, reconnection: false, ...opts });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

const next = (socket, event) => new Promise((resolve) => socket.once(event, resolve));
const transports = [["websocket"], ["polling"]];

async function auth() {
  const ann = await connect(url, { auth: { token: "t-ann" } });
  const bob = await connect(url, { auth: { token: "t-bob" }, transports: ["polling"] });
  assert.deepEqual(await ann.timeout(5000).emitWithAck("whoami"), { name: "ann", admin: true });
  assert.deepEqual(await bob.timeout(5000).emitWithAck("whoami"), { name: "bob", admin: false });
  pass("the middleware keeps the user of the token in the socket's data");
  for (const [auth, code, message] of [
    [{ token: "nope" }, "BAD_TOKEN", "unknown token"],
    [undefined, "NO_TOKEN", "a token is required"],
    [{ token: 42 }, null, null],
  ]) {
    await assert.rejects(connect(url, auth ? { auth } : {}), (err) => {
      if (code) {
        assert.equal(err.message, message);
        assert.deepEqual(err.data, { code, message });
      }
      return true;
    });
  }
  pass("a bad or missing token gets connect_error with { code, message }");
  const said = next(ann, "said");
  bob.emit("say", "hi ann");
  assert.deepEqual(await said, { from: "bob", text: "hi ann" });
  pass("a handler reads the sender's name from the socket's data");
  assert.deepEqual(await bob.timeout(5000).emitWithAck("kick", ann.id), { error: "forbidden" });
  const gone = next(bob, "disconnect");
  assert.deepEqual(await ann.timeout(5000).emitWithAck("kick", bob.id), { kicked: bob.id });
  assert.equal(await gone, "io server disconnect");
  pass("only an admin may kick");
  ann.close();
}

async function cluster() {
  for (const [target, name] of [[url, "a"], [url2, "b"]]) {
    const page = await (await fetch(target)).text();
    assert.match(page, new RegExp(`You are on server <b id="server">${name}</b>`));
  }
  pass("each page says which server it is on");
  const welcomed = async (target, opts) => {
    const socket = io(target, { forceNew: true, reconnection: false, ...opts });
    const welcome = await next(socket, "welcome");
    return [socket, welcome];
  };
  const [a, wa] = await welcomed(url);
  const [b, wb] = await welcomed(url2, { transports: ["polling"] });
  assert.deepEqual([wa, wb], [{ server: "a" }, { server: "b" }]);
  pass("each server welcomes its client with its name");
  for (const [from, to] of [[a, "a"], [b, "b"]]) {
    const heard = Promise.all([next(a, "shout"), next(b, "shout")]);
    from.emit("shout", `hello from a client of ${to}`);
    const got = await heard;
    assert.deepEqual(got, [
      { server: to, text: `hello from a client of ${to}` },
      { server: to, text: `hello from a client of ${to}` },
    ]);
  }
  pass("a shout on either server reaches the clients of both");
  a.close();
  b.close();
}

async function tower() {
  const res = await fetch(`${url}/`, {
    headers: { "accept-encoding": "gzip", origin: url },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.equal(res.headers.get("access-control-allow-origin"), url);
  assert.match(await res.text(), /sio under tower/);
  pass("ServeDir serves the page, gzip-compressed, with CORS for the page's origin");
  const sockets = [];
  for (const t of transports) {
    const s = await connect(url, { transports: t });
    assert.deepEqual(await s.timeout(5000).emitWithAck("echo", { t }), { t });
    sockets.push(s);
  }
  const stats = await (await fetch(`${url}/api/stats`)).json();
  assert.equal(stats.connections, 2);
  pass("Socket.IO over WebSocket and long-polling through the whole stack");
  const reasons = Promise.all(sockets.map((s) => next(s, "disconnect")));
  console.log("ready for shutdown");
  // as with Node's io.close(): no DISCONNECT packet, the connections close.
  // A polling client between two GETs when its session ends gets the
  // CLOSE on its next GET (sio keeps it for a short grace; Node drops it).
  assert.deepEqual(await reasons, ["transport close", "transport close"]);
  pass("the graceful shutdown disconnects every client");
}

// `shutdown:<polling|websocket|upgrade> <url>...`: one client per server,
// one server after the other; each prints "ready for shutdown <i>", and the
// Rust test then emits "tick" (which answers a pending GET, so a polling
// client is between two GETs) and calls io.close(). Each client must see
// "transport close", as from Node's io.close(), never "transport error".
async function shutdown(mode, urls) {
  const opts = {
    polling: { transports: ["polling"] },
    websocket: { transports: ["websocket"] },
    upgrade: { transports: ["polling", "websocket"] },
  }[mode];
  assert.ok(opts, `unknown mode ${mode}`);
  const reasons = [];
  for (const [i, target] of urls.entries()) {
    const s = await connect(target, opts);
    if (mode === "upgrade" && s.io.engine.transport.name !== "websocket") {
      await next(s.io.engine, "upgrade");
    }
    assert.equal(await s.timeout(5000).emitWithAck("echo", i), i);
    const gone = next(s, "disconnect");
    console.log(`ready for shutdown ${i}`);
    reasons.push(await gone);
  }
  console.log(`reasons ${JSON.stringify(reasons)}`);
  assert.deepEqual(reasons, urls.map(() => "transport close"));
  pass(`io.close() ends ${urls.length} ${mode} clients with "transport close"`);
}

async function hyper() {
  assert.match(await (await fetch(`${url}/anything`)).text(), /plain hyper here/);
  pass("the inner hyper service answers what is not Socket.IO's");
  for (const t of transports) {
    const s = await connect(url, { transports: t });
    const hello = await s.timeout(5000).emitWithAck("hello");
    assert.equal(hello.id, s.id);
    assert.equal(hello.address, "127.0.0.1");
    assert.equal(hello.transport, t[0]);
    s.close();
  }
  pass("Socket.IO over WebSocket and long-polling on plain hyper, with the peer's address");
}

async function metrics() {
  const a = await connect(url, { transports: ["websocket"] });
  const b = await connect(url, { transports: ["polling"] });
  for (const n of [1, 2, 3]) assert.equal(await a.timeout(5000).emitWithAck("echo", n), n);
  const shout = next(b, "shout");
  a.emit("shout", "hey");
  assert.equal(await shout, "hey");
  // no "question" listener: the server's ack times out
  assert.equal(await a.timeout(5000).emitWithAck("ask"), false);
  assert.equal(await a.timeout(5000).emitWithAck("count"), 2);
  const scrape = await (await fetch(`${url}/metrics`)).text();
  console.log(`--- scrape ---\n${scrape}--- end ---`);
  pass("traffic made and scraped");
  a.close();
  b.close();
}

const scenarios = { auth, cluster, tower, hyper, metrics };
if (scenario.startsWith("shutdown:")) {
  await shutdown(scenario.slice("shutdown:".length), process.argv.slice(3));
} else {
  await scenarios[scenario]();
}
console.log(`example ${scenario}: ${checks} checks passed`);
process.exit(0);
