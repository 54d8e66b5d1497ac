// Helpers shared by the end-to-end suites: the server's address, bounded
// waits on client events, and byte comparisons that do not care whether a
// client hands binary data out as a Buffer, an ArrayBuffer or a view.

/** Base URL of the server under test (env `SIO_URL`). */
export const BASE_URL = (process.env.SIO_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");

/** The same address with the ws: scheme, for raw WebSocket clients. */
export const WS_URL = BASE_URL.replace(/^http/, "ws");

/** Default bound of every wait, in milliseconds. */
export const WAIT_MS = 5000;

/**
 * Resolves with the arguments of the next `event` of `emitter` (an array
 * when the event has several, the single value otherwise). Rejects after
 * `ms`, or when one of `failOn` fires first.
 */
export function waitFor(emitter, event, { ms = WAIT_MS, failOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const cleanups = [];
    const done = (fn, value) => {
      clearTimeout(timer);
      for (const cleanup of cleanups) cleanup();
      fn(value);
    };
    const timer = setTimeout(
      () => done(reject, new Error(`timed out after ${ms} ms waiting for '${event}'`)),
      ms,
    );
    const onEvent = (...args) => done(resolve, args.length > 1 ? args : args[0]);
    emitter.once(event, onEvent);
    cleanups.push(() => emitter.off(event, onEvent));
    for (const name of failOn) {
      const onFail = (err) =>
        done(reject, new Error(`'${name}' while waiting for '${event}': ${describe(err)}`));
      emitter.once(name, onFail);
      cleanups.push(() => emitter.off(name, onFail));
    }
  });
}

/**
 * Collects the next `count` payloads of `event`, in order, within `ms`;
 * rejects early when one of `failOn` fires (e.g. the client's close).
 */
export function collect(emitter, event, count, { ms = WAIT_MS, failOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const cleanups = [];
    const done = (fn, value) => {
      clearTimeout(timer);
      for (const cleanup of cleanups) cleanup();
      fn(value);
    };
    const onEvent = (...args) => {
      seen.push(args.length > 1 ? args : args[0]);
      if (seen.length === count) done(resolve, seen);
    };
    const timer = setTimeout(
      () => done(reject, new Error(`got ${seen.length} of ${count} '${event}' within ${ms} ms`)),
      ms,
    );
    emitter.on(event, onEvent);
    cleanups.push(() => emitter.off(event, onEvent));
    for (const name of failOn) {
      const onFail = (err) =>
        done(reject, new Error(`'${name}' after ${seen.length} of ${count} '${event}': ${describe(err)}`));
      emitter.once(name, onFail);
      cleanups.push(() => emitter.off(name, onFail));
    }
  });
}

/** Rejects after `ms` unless `promise` settles first. */
export function within(promise, ms = WAIT_MS, what = "operation") {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `check` (sync or async) every `everyMs` until it returns a truthy
 * value, which is returned; fails after `ms`. For server-side effects that
 * no client event announces.
 */
export async function eventually(check, { ms = WAIT_MS, everyMs = 20, what = "condition" } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** True for every binary type a client may hand out. */
export function isBinary(value) {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** The bytes of a binary value as a Buffer (throws on anything else). */
export function toBuffer(value) {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected binary data, got ${typeof value}: ${describe(value)}`);
}

/** `n` bytes of a fixed pattern that covers every byte value. */
export function patternBytes(n, seed = 0) {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

function describe(value) {
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Sends `count` messages with `send(i)` in bursts of `burst`, collecting
 * the `event` each one brings back before sending the next burst; resolves
 * with every reply in arrival order. The order is checked across all of
 * them, but a heartbeat never waits behind more than one burst of replies
 * (the contract's ping timeout is 200 ms, short on a busy machine).
 */
export async function inBursts(emitter, event, count, send, { burst = 100, ms = WAIT_MS, failOn = [] } = {}) {
  const replies = [];
  for (let start = 0; start < count; start += burst) {
    const end = Math.min(count, start + burst);
    const next = collect(emitter, event, end - start, { ms, failOn });
    for (let i = start; i < end; i++) send(i);
    replies.push(...(await next));
  }
  return replies;
}
