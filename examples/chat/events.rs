//! The chat's events, declared once: the server (`main.rs`) handles and
//! emits them through `sio::typed`, and `export_ts.rs` writes them as
//! TypeScript (`static/events.ts`) for the page's script (`static/chat.js`,
//! checked by `tsc`). ts-rs derives only with sio's `typescript` feature,
//! so the server itself builds without it.

// The exporter reads the types, not the fields.
#![cfg_attr(feature = "typescript", allow(dead_code))]

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sio::typed::{Event, Namespace};
#[cfg(feature = "typescript")]
use ts_rs::TS;

/// Who a socket is and which room it is in (the socket's data, and the
/// answer to `nick` and `join`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
pub(crate) struct User {
    pub(crate) nick: String,
    pub(crate) room: String,
}

/// Client → server: take a nickname; answered with the updated user.
#[derive(Debug, Event, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("nick", ack = User)]
pub(crate) struct SetNick(pub(crate) String);

/// Client → server: move to a room; answered with the updated user.
#[derive(Debug, Event, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("join", ack = User)]
pub(crate) struct JoinRoom(pub(crate) String);

/// Client → server: a chat line for the sender's room.
#[derive(Debug, Event, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("chat")]
pub(crate) struct Say(pub(crate) String);

/// Client → server: the sender started or stopped typing.
#[derive(Debug, Event, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("typing")]
pub(crate) struct Typing(pub(crate) bool);

/// Client → server: an image to share (its bytes travel as a binary
/// attachment).
#[derive(Debug, Event, Deserialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("image")]
pub(crate) struct ShareImage {
    pub(crate) name: String,
    #[cfg_attr(feature = "typescript", ts(as = "sio::typed::ts::Binary"))]
    pub(crate) data: Bytes,
}

/// Server → clients: a chat line, with who said it.
#[derive(Debug, Event, Serialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("chat")]
pub(crate) struct ChatLine {
    pub(crate) from: User,
    pub(crate) text: String,
}

/// Server → clients: something happened in the room.
#[derive(Debug, Event, Serialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("notice")]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum Notice {
    /// Someone took a new nickname.
    Renamed { from: String, to: String },
    /// Someone arrived in the room.
    Joined { nick: String, room: String },
    /// Someone left: for another room, or the chat (`room` is null).
    Left { nick: String, room: Option<String> },
}

/// Server → clients: who is typing.
#[derive(Debug, Event, Serialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("typing")]
pub(crate) struct TypingNotice {
    pub(crate) nick: String,
    pub(crate) typing: bool,
}

/// Server → clients: a shared image as three arguments (nick, file name,
/// bytes), `socket.on("image", (nick, name, bytes) => ..)`.
#[derive(Debug, Event, Serialize)]
#[cfg_attr(feature = "typescript", derive(TS))]
#[event("image", args)]
pub(crate) struct SharedImage(
    pub(crate) String,
    pub(crate) String,
    #[cfg_attr(feature = "typescript", ts(as = "sio::typed::ts::Binary"))] pub(crate) Bytes,
);

/// The chat's only namespace.
#[derive(Namespace)]
#[namespace(
    path = "/",
    client = [SetNick, JoinRoom, Say, Typing, ShareImage],
    server = [ChatLine, Notice, TypingNotice, SharedImage],
    data = User
)]
pub(crate) struct Chat;
