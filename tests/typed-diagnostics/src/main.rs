//! Each function misuses the typed API once; check.sh expects the
//! diagnostic in `expected.txt` for each.

use serde::{Deserialize, Serialize};
use sio::typed::{Event, Msg, Namespace, TypedAck, TypedIo, TypedSocket};

#[derive(Event, Deserialize, Serialize)]
#[event("news")]
struct News;

#[derive(Event, Deserialize, Serialize)]
#[event("join")]
struct Join;

#[derive(Event, Deserialize)]
#[event("add", ack = i64)]
struct Add(i64, i64);

#[derive(Serialize, Deserialize)]
struct User {
    name: String,
}

#[derive(Namespace)]
#[namespace(path = "/", client = [Join, Add], server = [News], data = User)]
struct Feed;

/// A server-to-client event registered as a client one.
fn listen_to_a_server_event(socket: TypedSocket<Feed>) {
    socket.on(async |Msg(_): Msg<News>| {});
}

/// A client-to-server event emitted by the server.
fn emit_a_client_event(socket: TypedSocket<Feed>) {
    let _ = socket.emit(&Join);
}

/// A value that is no event.
fn emit_a_string(socket: TypedSocket<Feed>) {
    let _ = socket.emit(&"hello");
}

/// An ack on an event that declares none.
fn ack_an_event_without_ack(socket: TypedSocket<Feed>) {
    socket.on(async |Msg(_): Msg<Join>, ack: TypedAck<Join>| {
        let _ = ack.send(&todo!());
    });
}

/// Waiting for an ack the event does not declare.
async fn emit_with_an_undeclared_ack(socket: TypedSocket<Feed>) {
    let _ = socket.emit_with_ack(&News).await;
}

/// A handler whose first argument names no event.
fn handler_without_msg(socket: TypedSocket<Feed>) {
    socket.on(async |s: TypedSocket<Feed>| drop(s));
}

/// A server-side event that is not in the map.
async fn server_side_emit_outside_the_map(io: TypedIo<Feed>) {
    let _ = io.server_side_emit(&News).await;
}

/// An ack of the wrong type.
fn ack_of_the_wrong_type(socket: TypedSocket<Feed>) {
    socket.on(async |Msg(Add(a, b)): Msg<Add>, ack: TypedAck<Add>| {
        let _ = ack.send(&format!("{}", a + b));
    });
}

/// Socket data of another type.
fn data_of_another_type(socket: TypedSocket<Feed>) {
    socket.set_data("alice".to_owned());
}

fn main() {}
