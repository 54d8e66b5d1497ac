//! The `tracing` spans: what a user logs in a handler carries the session's
//! span (sid, transport, protocol, remote address) and the socket's
//! (namespace, socket id). A `fmt` subscriber writes into a buffer that the
//! test reads.

mod sio_common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use sio::{AckSender, SocketIo, SocketRef};
use sio_common::RawClient;

/// The subscriber's output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines_with(&self, text: &str) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .filter(|line| line.contains(text))
            .map(str::to_owned)
            .collect()
    }
}

#[tokio::test]
async fn a_log_in_a_handler_carries_the_session_and_socket_spans() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .init();

    let io = SocketIo::builder()
        .ns("/chat", |socket: SocketRef| async move {
            tracing::info!("user: connected");
            socket.on("hello", |ack: AckSender| async move {
                tracing::info!(n = 1, "user: in the handler");
                let _ = ack.send("hi");
            });
            socket.on_disconnect(|| async move { tracing::info!("user: gone") });
        })
        .build();
    let app = axum::Router::new().layer(io.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await.unwrap()
    });

    let (mut client, id) = RawClient::connect(addr, "/chat", None).await;
    client.send(r#"2/chat,7["hello"]"#).await;
    assert_eq!(client.next_text().await, r#"3/chat,7["hi"]"#);
    let sid = client.sid.clone();
    client.close().await;
    let session = format!("session{{sid={sid} transport=websocket protocol=4 remote=127.0.0.1:");
    let socket = format!("}}:socket{{ns=/chat id={id}}}: ");
    for (message, fields) in [("user: connected", ""), ("user: in the handler", " n=1")] {
        let lines = captured.lines_with(message);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert!(line.contains(&session), "{line}\nshould contain {session}");
        assert!(
            line.contains(&format!("{socket}{message}{fields}")),
            "{line}"
        );
    }
    // the disconnect handler runs once the session ends: still in its spans
    let deadline = tokio::time::Instant::now() + sio_common::WAIT;
    while captured.lines_with("user: gone").is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no disconnect log");
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let gone = captured.lines_with("user: gone");
    assert!(
        gone[0].contains(&session) && gone[0].contains(&socket),
        "{gone:?}"
    );
}
