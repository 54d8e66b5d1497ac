// @ts-check
// The chat page's script. Plain JavaScript for the browser, typed with
// JSDoc: `tsc --noEmit` checks it (tests/ts, run by .ci/run) against
// `events.ts`, which the `chat_ts` example generates from the Rust event
// declarations (examples/chat/events.rs). A changed Rust type that this
// script no longer fits fails that check.

/** @typedef {import("./events").ServerToClientEvents} ServerToClientEvents */
/** @typedef {import("./events").ClientToServerEvents} ClientToServerEvents */
/** @typedef {import("./events").User} User */
/** @typedef {import("./events").Notice} Notice */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ ($(id));

/**
 * The client from /socket.io/socket.io.js, typed with the generated maps.
 * @type {import("socket.io-client").Socket<ServerToClientEvents, ClientToServerEvents>}
 */
const socket = /** @type {any} */ (window).io();
/** @type {User} */
let me = { nick: "anonymous", room: "lobby" };
/** @type {Map<string, boolean>} */
const typers = new Map();

/**
 * @param {string | null} nick
 * @param {string | Node} content
 * @param {string} [cls]
 */
function add(nick, content, cls) {
  const li = document.createElement("li");
  if (cls) li.className = cls;
  if (nick) {
    const b = document.createElement("span");
    b.className = "nick";
    b.textContent = nick;
    li.append(b);
  }
  li.append(content);
  $("log").append(li);
  li.scrollIntoView();
  return li;
}

/**
 * @param {string} nick
 * @param {string} name
 * @param {ArrayBuffer | Buffer} bytes (a browser receives an ArrayBuffer)
 * @param {string} [cls]
 */
function showImage(nick, name, bytes, cls) {
  const img = document.createElement("img");
  img.alt = name;
  img.src = URL.createObjectURL(new Blob([/** @type {BlobPart} */ (bytes)]));
  add(nick, img, cls);
}

function showTyping() {
  const names = [...typers.keys()];
  $("typing").textContent = names.length
    ? names.join(", ") + (names.length > 1 ? " are" : " is") + " typing…"
    : "";
}

/** @param {User} user */
function setUser(user) {
  me = user;
  $("room-name").textContent = "#" + me.room;
}

/**
 * What a notice says.
 * @param {Notice} notice
 * @returns {string}
 */
function describe(notice) {
  switch (notice.kind) {
    case "renamed":
      return `${notice.from} is now known as ${notice.to}`;
    case "joined":
      return `${notice.nick} joined #${notice.room}`;
    case "left":
      return notice.room === null ? `${notice.nick} left` : `${notice.nick} left #${notice.room}`;
  }
}

socket.on("connect", () => { $("status").textContent = "connected"; });
socket.on("disconnect", () => { $("status").textContent = "disconnected"; });
socket.on("chat", ({ from, text }) => {
  typers.delete(from.nick);
  showTyping();
  add(from.nick, text);
});
socket.on("notice", (notice) => add(null, describe(notice), "notice"));
socket.on("typing", ({ nick, typing }) => {
  if (typing) typers.set(nick, true); else typers.delete(nick);
  showTyping();
});
socket.on("image", (nick, name, bytes) => showImage(nick, name, bytes));

$("nick-form").addEventListener("submit", (e) => {
  e.preventDefault();
  socket.emit("nick", input("nick").value, setUser);
});
$("room-form").addEventListener("submit", (e) => {
  e.preventDefault();
  socket.emit("join", input("room").value, (user) => {
    if (user.room !== me.room) {
      typers.clear();
      showTyping();
      add(null, "you joined #" + user.room, "notice");
    }
    setUser(user);
  });
});

let typing = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let typingTimer;
input("text").addEventListener("input", () => {
  if (!typing) { typing = true; socket.emit("typing", true); }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { typing = false; socket.emit("typing", false); }, 1500);
});
$("send").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input("text").value.trim();
  if (!text) return;
  socket.emit("chat", text);
  add(me.nick, text, "me");
  input("text").value = "";
  clearTimeout(typingTimer);
  if (typing) { typing = false; socket.emit("typing", false); }
});
input("image").addEventListener("change", async () => {
  const file = input("image").files?.[0];
  input("image").value = "";
  if (!file) return;
  if (file.size > 900000) { add(null, "images are limited to 900 kB", "notice"); return; }
  const data = await file.arrayBuffer();
  socket.emit("image", { name: file.name, data });
  showImage(me.nick, file.name, data, "me");
});
