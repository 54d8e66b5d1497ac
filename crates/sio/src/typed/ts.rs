//! TypeScript declarations of a namespace's event maps (feature
//! `typescript`), for `socket.io-client`'s
//! `Socket<ServerToClientEvents, ClientToServerEvents>`.
//!
//! Payload and ack types come from the Rust types through
//! [ts-rs](https://docs.rs/ts-rs): derive `ts_rs::TS` next to
//! `serde`'s derives (ts-rs reads the `#[serde(..)]` attributes, so the
//! declarations say what serde writes). Binary fields (`bytes::Bytes`)
//! take `#[ts(as = "sio::typed::ts::Binary")]` and become
//! `ArrayBuffer | Buffer`; 64-bit integers are `number` (JSON numbers).
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use sio::typed::{Event, Namespace};
//! use ts_rs::TS;
//!
//! #[derive(Event, Deserialize, TS)]
//! #[event("chat message", ack = u32)]
//! struct Say { text: String }
//!
//! #[derive(Event, Serialize, TS)]
//! #[event("message")]
//! struct Said { from: String, text: String }
//!
//! #[derive(Namespace)]
//! #[namespace(path = "/", client = [Say], server = [Said])]
//! struct Chat;
//!
//! let ts = sio::typed::ts::Declarations::new().namespace::<Chat>("").render();
//! assert!(ts.contains("export type Say = { text: string, };"));
//! assert!(ts.contains(r#""chat message": (payload: Say, callback: (ack: number) => void) => void;"#));
//! assert!(ts.contains(r#""message": (payload: Said) => void;"#));
//! ```

use std::any::TypeId;
use std::collections::HashSet;

use ts_rs::{Config, TS, TypeVisitor};

use super::{Event, EventList, Namespace, NoAck};

/// The TypeScript type of binary data, `ArrayBuffer | Buffer` (what
/// socket.io-client sends and receives in browsers and in Node): use it
/// with `#[ts(as = "sio::typed::ts::Binary")]` on a `bytes::Bytes` field.
#[derive(Debug, Clone, Copy)]
pub struct Binary;

impl TS for Binary {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &Config) -> String {
        "ArrayBuffer | Buffer".to_owned()
    }

    fn inline(cfg: &Config) -> String {
        Self::name(cfg)
    }
}

impl TS for NoAck {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &Config) -> String {
        "never".to_owned()
    }

    fn inline(cfg: &Config) -> String {
        Self::name(cfg)
    }
}

/// The events of a map whose payload and ack types implement [`TS`]
/// (implemented for the lists `#[derive(Namespace)]` writes).
pub trait TsEvents: EventList {
    /// Writes each event's signature and collects the types it uses.
    fn signatures(out: &mut Declarations, lines: &mut Vec<String>);
}

impl TsEvents for () {
    fn signatures(_: &mut Declarations, _: &mut Vec<String>) {}
}

impl<H, T> TsEvents for (H, T)
where
    H: Event + TS,
    H::Ack: TS,
    T: TsEvents,
{
    fn signatures(out: &mut Declarations, lines: &mut Vec<String>) {
        lines.push(out.signature::<H>());
        T::signatures(out, lines);
    }
}

/// Collects declarations: the types every listed event uses (each once)
/// and one set of interfaces per namespace.
pub struct Declarations {
    cfg: Config,
    seen: HashSet<TypeId>,
    types: Vec<String>,
    interfaces: Vec<String>,
}

impl std::fmt::Debug for Declarations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Declarations")
            .field("types", &self.types.len())
            .field("interfaces", &self.interfaces.len())
            .finish_non_exhaustive()
    }
}

impl Default for Declarations {
    fn default() -> Self {
        Self::new()
    }
}

/// Visits a type and its dependencies, declaring those that have a
/// declaration (derived types; not primitives).
struct Collect<'a>(&'a mut Declarations);

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        self.0.declare::<T>();
    }
}

impl Declarations {
    /// Nothing collected yet.
    pub fn new() -> Self {
        Self {
            cfg: Config::new().with_large_int("number"),
            seen: HashSet::new(),
            types: Vec::new(),
            interfaces: Vec::new(),
        }
    }

    fn declare<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        if T::output_path().is_some() {
            let decl = T::decl(&self.cfg);
            self.types.push(match T::docs() {
                Some(docs) => format!("{docs}export {decl}"),
                None => format!("export {decl}"),
            });
        }
        T::visit_dependencies(&mut Collect(self));
    }

    /// `"name": (payload: P, callback: (ack: A) => void) => void;`
    fn signature<E: Event + TS>(&mut self) -> String
    where
        E::Ack: TS,
    {
        self.declare::<E>();
        let mut params = Vec::new();
        let name = E::name(&self.cfg);
        if E::SPREAD {
            params.push(format!("...args: {name}"));
        } else if E::inline(&self.cfg) != "null" {
            params.push(format!("payload: {name}"));
        }
        if TypeId::of::<E::Ack>() != TypeId::of::<NoAck>() {
            self.declare::<E::Ack>();
            params.push(format!(
                "callback: (ack: {}) => void",
                <E::Ack as TS>::name(&self.cfg)
            ));
        }
        let event = serde_json::to_string(E::NAME).unwrap_or_default();
        format!("  {event}: ({}) => void;", params.join(", "))
    }

    /// Adds namespace `N`: its types and the interfaces
    /// `{prefix}ServerToClientEvents`, `{prefix}ClientToServerEvents` and
    /// `{prefix}InterServerEvents`.
    #[must_use]
    pub fn namespace<N>(mut self, prefix: &str) -> Self
    where
        N: Namespace,
        N::ClientEvents: TsEvents,
        N::ServerEvents: TsEvents,
        N::ServerSideEvents: TsEvents,
    {
        let mut server = Vec::new();
        N::ServerEvents::signatures(&mut self, &mut server);
        let mut client = Vec::new();
        N::ClientEvents::signatures(&mut self, &mut client);
        let mut inter = Vec::new();
        N::ServerSideEvents::signatures(&mut self, &mut inter);
        let path = N::PATH;
        for (name, what, lines) in [
            ("ServerToClientEvents", "the server sends", server),
            ("ClientToServerEvents", "clients send", client),
            ("InterServerEvents", "servers send each other", inter),
        ] {
            self.interfaces.push(format!(
                "/** What {what} on namespace `{path}`. */\nexport interface {prefix}{name} {{\n{}{}}}\n",
                lines.join("\n"),
                if lines.is_empty() { "" } else { "\n" },
            ));
        }
        self
    }

    /// The declarations as one `.ts` file.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "// Generated by sio::typed::ts from the Rust event declarations: do not edit.\n\n",
        );
        for decl in &self.types {
            out.push_str(decl);
            out.push_str("\n\n");
        }
        for interface in &self.interfaces {
            out.push_str(interface);
            out.push('\n');
        }
        out
    }
}
