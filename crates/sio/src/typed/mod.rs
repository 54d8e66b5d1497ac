//! Typed events: the Rust type is the event. A type that derives
//! [`Event`](derive@Event) carries its name on the wire, its payload (the type
//! itself) and its acknowledgement's type; a unit struct that derives
//! [`Namespace`](derive@Namespace) lists which events go which way on one
//! namespace (the TypeScript `ClientToServerEvents`, `ServerToClientEvents`,
//! `InterServerEvents` and `SocketData` of Socket.IO's generics). Handlers,
//! emits, broadcasts, server-side events and acks then take the type,
//! never a string, and rustc refuses an event that is not in the
//! namespace's map, a payload of another type, or an ack that the event
//! does not declare.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use sio::SocketIo;
//! use sio::typed::{Event, Msg, Namespace, TypedAck, TypedSocket};
//!
//! /// Client → server: a chat line, acknowledged with its sequence number.
//! #[derive(Event, Deserialize)]
//! #[event("chat message", ack = u64)]
//! struct Say { text: String }
//!
//! /// Server → clients.
//! #[derive(Event, Serialize)]
//! #[event("message")]
//! struct Said { from: String, text: String }
//!
//! #[derive(Namespace)]
//! #[namespace(path = "/", client = [Say], server = [Said])]
//! struct Chat;
//!
//! async fn on_connect(socket: TypedSocket<Chat>) {
//!     socket.on(async |Msg(say): Msg<Say>, socket: TypedSocket<Chat>, ack: TypedAck<Say>| {
//!         let said = Said { from: socket.id().to_string(), text: say.text };
//!         let _ = socket.broadcast().emit(&said).await;
//!         let _ = ack.send(&1);
//!     });
//! }
//!
//! let io = SocketIo::builder().typed_ns(Chat, on_connect).build();
//! ```
//!
//! At run time a client payload that does not fit the event's type is not
//! handed to the handler: the builder's error hook gets the event, the
//! socket and the serde path of the mismatch (`text: invalid type: ...`),
//! and a client that asked for an ack gets `{"message": ...}` back, as
//! with the untyped [`Data`](crate::Data) extractor. Typed and untyped
//! handlers work side by side ([`TypedSocket::untyped`]).
//!
//! `sio::typed::ts` (feature `typescript`) writes the TypeScript
//! declarations of a namespace's maps for `socket.io-client`.

mod broadcast;
mod handler;
mod socket;
#[cfg(feature = "typescript")]
pub mod ts;

pub use broadcast::{TypedAckStream, TypedBroadcast, TypedIo};
pub use handler::{Msg, TypedAck, TypedHandlerArgs};
#[cfg(feature = "macros")]
pub use sio_macros::{Event, Namespace};
pub use socket::TypedSocket;

/// An event: its name on the wire, how its payload is laid out in the
/// packet's arguments, and the type of its acknowledgement. The type that
/// implements it is the payload (`Serialize` to emit it, `Deserialize` to
/// receive it). Implement it with `#[derive(Event)]`:
///
/// - `#[event("name")]` (or `name = "name"`): the event name;
/// - `ack = Type`: the acknowledgement's (first) argument, which also
///   implements [`AckedEvent`];
/// - `args`: on a tuple struct, each field is one argument
///   (`socket.emit("move", x, y)` in JavaScript) instead of the whole value
///   being one.
///
/// A type that is not an event cannot be emitted:
///
/// ```compile_fail,E0277
/// # use sio::typed::{Namespace, TypedSocket};
/// # #[derive(Namespace)] #[namespace(path = "/")] struct Chat;
/// fn greet(socket: TypedSocket<Chat>) {
///     socket.emit(&"hello"); // a string has no event name
/// }
/// ```
///
/// Reserved names do not compile:
///
/// ```compile_fail
/// #[derive(sio::typed::Event, serde::Serialize)]
/// #[event("disconnect")]
/// struct Bye;
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Socket.IO event",
    label = "not an event",
    note = "declare it: `#[derive(sio::typed::Event)] #[event(\"event name\")] struct {Self} {{ .. }}`; \
            the type is the event's payload"
)]
pub trait Event: Send + Sync + 'static {
    /// The name on the wire.
    const NAME: &'static str;
    /// True when the payload's fields are the arguments (a tuple struct
    /// with `#[event(args)]`); false when the payload is one argument.
    const SPREAD: bool = false;
    /// The acknowledgement's type ([`NoAck`] when the event declares none).
    type Ack: Send + 'static;
}

/// An event that declares an acknowledgement (`#[event(ack = Type)]`):
/// only these can be emitted with an ack or answered with [`TypedAck`].
///
/// ```compile_fail,E0277
/// # use serde::Deserialize;
/// # use sio::typed::{Event, Msg, Namespace, TypedAck, TypedSocket};
/// #[derive(Event, Deserialize)]
/// #[event("ping")]
/// struct Ping;
/// # #[derive(Namespace)] #[namespace(path = "/", client = [Ping])] struct Chat;
/// fn register(socket: TypedSocket<Chat>) {
///     socket.on(async |Msg(_): Msg<Ping>, ack: TypedAck<Ping>| {
///         let _ = ack.send(&()); // `Ping` declares no ack
///     });
/// }
/// ```
///
/// ```compile_fail,E0277
/// # use serde::Serialize;
/// # use sio::typed::{Event, Namespace, TypedSocket};
/// #[derive(Event, Serialize)]
/// #[event("tick")]
/// struct Tick;
/// # #[derive(Namespace)] #[namespace(path = "/", server = [Tick])] struct Clock;
/// async fn ask(socket: TypedSocket<Clock>) {
///     let _ = socket.emit_with_ack(&Tick).await; // `Tick` declares no ack
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "the event `{Self}` declares no acknowledgement",
    label = "no ack declared",
    note = "declare its type: `#[event(\"..\", ack = AckType)]` on `{Self}`"
)]
pub trait AckedEvent: Event {}

/// The [`Event::Ack`] of an event without acknowledgement (it has no
/// value: nothing can be sent or read as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NoAck {}

/// A namespace's event maps and socket data, implemented with
/// `#[derive(Namespace)]` on a unit struct:
/// `#[namespace(path = "/chat", client = [..], server = [..], server_side = [..], data = UserData)]`
/// (every part optional; `path` defaults to `/`). Two events of one map
/// with the same name do not compile:
///
/// ```compile_fail
/// # use serde::Deserialize;
/// # use sio::typed::{Event, Namespace};
/// #[derive(Event, Deserialize)] #[event("join")] struct Join;
/// #[derive(Event, Deserialize)] #[event("join")] struct JoinAgain;
/// #[derive(Namespace)]
/// #[namespace(path = "/", client = [Join, JoinAgain])]
/// struct Rooms;
/// ```
pub trait Namespace: Send + Sync + 'static {
    /// The namespace's path (`/`, `/chat`).
    const PATH: &'static str;
    /// What clients send (TypeScript's `ClientToServerEvents`), a type list.
    type ClientEvents: EventList;
    /// What the server sends (`ServerToClientEvents`).
    type ServerEvents: EventList;
    /// What servers of a cluster send each other (`InterServerEvents`).
    type ServerSideEvents: EventList;
    /// The type of `socket.data` (`SocketData`); `()` when not given.
    type Data: Send + Sync + 'static;
}

/// A list of events as `(A, (B, ()))`, written by `#[derive(Namespace)]`.
pub trait EventList: 'static {
    /// Appends the names, in order.
    fn names(out: &mut Vec<&'static str>);
}

impl EventList for () {
    fn names(_: &mut Vec<&'static str>) {}
}

impl<H: Event, T: EventList> EventList for (H, T) {
    fn names(out: &mut Vec<&'static str>) {
        out.push(H::NAME);
        T::names(out);
    }
}

/// `Self` is an event clients send on namespace `N` (listed in its
/// `client = [..]`).
///
/// ```compile_fail,E0277
/// # use serde::{Deserialize, Serialize};
/// # use sio::typed::{Event, Msg, Namespace, TypedSocket};
/// #[derive(Event, Deserialize, Serialize)] #[event("news")] struct News;
/// #[derive(Namespace)] #[namespace(path = "/", server = [News])] struct Feed;
/// fn register(socket: TypedSocket<Feed>) {
///     socket.on(async |Msg(_): Msg<News>| {}); // the server sends News, clients do not
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a client-to-server event of namespace `{N}`",
    label = "not in `{N}`'s `client = [..]`",
    note = "add it to the namespace: `#[namespace(client = [.., {Self}])]` on `{N}`"
)]
pub trait ClientEvent<N: Namespace>: Event {}

/// `Self` is an event the server sends on namespace `N` (listed in its
/// `server = [..]`).
///
/// ```compile_fail,E0277
/// # use serde::{Deserialize, Serialize};
/// # use sio::typed::{Event, Namespace, TypedSocket};
/// #[derive(Event, Deserialize, Serialize)] #[event("join")] struct Join;
/// #[derive(Namespace)] #[namespace(path = "/", client = [Join])] struct Rooms;
/// fn echo(socket: TypedSocket<Rooms>) {
///     let _ = socket.emit(&Join); // clients send Join, the server does not
/// }
/// ```
///
/// Broadcasts are checked the same way:
///
/// ```compile_fail,E0277
/// # use serde::{Deserialize, Serialize};
/// # use sio::typed::{Event, Namespace, TypedSocket};
/// #[derive(Event, Deserialize, Serialize)] #[event("join")] struct Join;
/// #[derive(Namespace)] #[namespace(path = "/", client = [Join])] struct Rooms;
/// async fn echo(socket: TypedSocket<Rooms>) {
///     let _ = socket.broadcast().emit(&Join).await;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a server-to-client event of namespace `{N}`",
    label = "not in `{N}`'s `server = [..]`",
    note = "add it to the namespace: `#[namespace(server = [.., {Self}])]` on `{N}`",
    note = "an event is a type that derives `sio::typed::Event` (its payload), not a name or a value of another type"
)]
pub trait ServerEvent<N: Namespace>: Event {}

/// `Self` is an event servers of a cluster send each other on namespace
/// `N` (listed in its `server_side = [..]`).
///
/// ```compile_fail,E0277
/// # use serde::{Deserialize, Serialize};
/// # use sio::typed::{Event, Namespace, TypedIo};
/// #[derive(Event, Deserialize, Serialize)] #[event("news")] struct News;
/// #[derive(Namespace)] #[namespace(path = "/", server = [News])] struct Feed;
/// async fn relay(io: TypedIo<Feed>) {
///     let _ = io.server_side_emit(&News).await;
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a server-side event of namespace `{N}`",
    label = "not in `{N}`'s `server_side = [..]`",
    note = "add it to the namespace: `#[namespace(server_side = [.., {Self}])]` on `{N}`"
)]
pub trait ServerSideEvent<N: Namespace>: Event {}

#[doc(hidden)]
pub mod __private {
    //! Used by the code `#[derive(Namespace)]` writes.

    /// Whether two names of `names` are equal (evaluated at compile time).
    pub const fn has_duplicate(names: &[&str]) -> bool {
        let mut i = 0;
        while i < names.len() {
            let mut j = i + 1;
            while j < names.len() {
                if eq(names[i].as_bytes(), names[j].as_bytes()) {
                    return true;
                }
                j += 1;
            }
            i += 1;
        }
        false
    }

    const fn eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}
