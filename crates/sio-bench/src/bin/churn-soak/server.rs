//! The soak's server: sio on axum, with the handlers the churn exercises.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sio::{AckSender, Data, SocketIo, SocketRef};

/// Acks the server asked a client for that never came (timeout or error).
pub(crate) static SERVER_ACK_FAILURES: AtomicU64 = AtomicU64::new(0);

/// How long the server waits for a client's ack.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

async fn on_connect(socket: SocketRef) {
    socket.on(
        "join",
        |socket: SocketRef, Data(room): Data<String>, ack: AckSender| async move {
            socket.join(room.clone());
            let _ = ack.send(&room);
        },
    );
    socket.on("echo", |Data(n): Data<u64>, ack: AckSender| async move {
        let _ = ack.send(&n);
    });
    // The server asks the client in turn, and answers with the client's answer.
    socket.on(
        "ask",
        |socket: SocketRef, Data(n): Data<u64>, ack: AckSender| async move {
            let answer = socket
                .timeout(ACK_TIMEOUT)
                .emit_with_ack::<_, sio::Args<serde_json::Value>>("question", &n)
                .await;
            let answer = match answer {
                Ok(sio::Args(value)) => value,
                Err(_) => {
                    SERVER_ACK_FAILURES.fetch_add(1, Ordering::Relaxed);
                    serde_json::Value::Null
                }
            };
            let _ = ack.send(&answer);
        },
    );
    // A message to the room, so that rooms carry traffic as they churn.
    socket.on(
        "shout",
        |socket: SocketRef, Data(room): Data<String>| async move {
            let _ = socket.to(room).emit("shouted", "hello").await;
        },
    );
}

/// Starts the server on 127.0.0.1 (a free port).
pub(crate) async fn start() -> std::io::Result<(SocketIo, SocketAddr)> {
    let io = SocketIo::builder()
        .ping_interval(Duration::from_secs(5))
        .ping_timeout(Duration::from_secs(5))
        .ns("/", on_connect)
        .build();
    let app = axum::Router::new().layer(io.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((io, addr))
}
