//! The `/api` namespace of the end-to-end server: what a real client can
//! observe of the per-socket listener API (catch-all listeners, a packet
//! middleware, `once`, the transport and its upgrade).

use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::json;
use sio::{AckSender, Ns, PacketError, SocketRef, TransportKind, Value};

fn transport(socket: &SocketRef) -> &'static str {
    match socket.engine().transport() {
        TransportKind::WebSocket => "websocket",
        _ => "polling",
    }
}

/// `/api`:
/// - a packet middleware rejects the event `forbidden` (an ack, when asked
///   for, carries `{"message":"forbidden event","data":{"event":"forbidden"}}`);
/// - `any-log` answers the names every accepted event so far (catch-all
///   listener), `outgoing-log` the names of the events sent to the socket;
/// - `once` is answered the first time only;
/// - `multi` has two listeners: each emits `multi-seen` with its number,
///   and the first one's answer (`"first"`) is the ack;
/// - `transport` answers `[transport, engine protocol]`; the server emits
///   `upgraded` with the new transport when the connection upgrades.
pub(crate) fn ns() -> Ns {
    Ns::new(|socket: SocketRef| async move {
        let incoming: Arc<Mutex<Vec<String>>> = Arc::default();
        let outgoing: Arc<Mutex<Vec<String>>> = Arc::default();
        let (log_in, log_out) = (incoming.clone(), outgoing.clone());
        socket.on_any(move |event, _| log_in.lock().push(event.to_owned()));
        socket.on_any_outgoing(move |event, _| log_out.lock().push(event.to_owned()));
        socket.use_middleware(|event, _| async move {
            if event == "forbidden" {
                Err(PacketError::new("forbidden event").with_data(json!({ "event": event })))
            } else {
                Ok(())
            }
        });
        socket.on("any-log", move |ack: AckSender| {
            let log = incoming.lock().clone();
            async move { ack.send(&log) }
        });
        socket.on("outgoing-log", move |ack: AckSender| {
            let log = outgoing.lock().clone();
            async move { ack.send(&log) }
        });
        socket.once("once", |ack: AckSender| async move { ack.send(&"first") });
        for (n, answer) in [(1, "first"), (2, "second")] {
            socket.on(
                "multi",
                move |socket: SocketRef, ack: AckSender| async move {
                    socket.emit("multi-seen", &n)?;
                    ack.send(&answer)
                },
            );
        }
        socket.on(
            "transport",
            |socket: SocketRef, ack: AckSender| async move {
                let protocol = Value::from(format!("{:?}", socket.engine().protocol()));
                ack.send_args(&(transport(&socket), protocol))
            },
        );
        socket.on("shout", |socket: SocketRef| async move {
            socket.emit("shouted", &1)
        });
        socket.on_upgrade(|socket| {
            let _ = socket.emit("upgraded", transport(socket));
        });
    })
}
