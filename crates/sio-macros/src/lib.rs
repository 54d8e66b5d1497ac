//! Derives for sio's typed events, re-exported by `sio` (feature `macros`,
//! on by default) as `sio::typed::{Event, Namespace}`; see `sio::typed`
//! for what they declare and how the server uses them. The generated code
//! names `::sio`, so use them from a crate that depends on `sio`.
//!
//! - `#[derive(Event)]` with `#[event("name")]` and optionally
//!   `ack = Type` (the acknowledgement's type) and `args` (a tuple
//!   struct's fields are the event's arguments instead of one argument).
//! - `#[derive(Namespace)]` with `#[namespace(path = "/chat", client = [..],
//!   server = [..], server_side = [..], data = Type)]`: the event maps of
//!   one namespace.

#![forbid(unsafe_code)]

mod event;
mod namespace;

use proc_macro::TokenStream;

/// Declares an event: `#[event("chat message")]` (the name on the wire),
/// with optional `ack = ChatAck` and `args`. The type is the payload.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    event::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares the event maps of a namespace:
/// `#[namespace(path = "/", client = [A, B], server = [C], server_side = [D], data = UserData)]`.
#[proc_macro_derive(Namespace, attributes(namespace))]
pub fn derive_namespace(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    namespace::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
