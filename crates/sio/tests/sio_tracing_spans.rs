//! The `tracing` spans: what a user logs in a handler carries the session's
//! span (sid, transport, protocol, remote address) and the socket's
//! (namespace, socket id). A `fmt` subscriber writes into a buffer that the
//! test reads.

mod sio_common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message as WsMessage;

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

/// The global subscriber (installed once for the tests of this binary).
fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_target(false)
            .with_max_level(tracing::Level::INFO)
            .init();
        captured
    })
}

/// A server whose `/chat` handlers log, prefixed with `tag`; served with
/// the client's address in `ConnectInfo`.
async fn server(tag: &'static str) -> SocketAddr {
    let io = SocketIo::builder()
        .ns("/chat", move |socket: SocketRef| async move {
            tracing::info!("{tag}: connected");
            socket.on("hello", move |ack: AckSender| async move {
                tracing::info!(n = 1, "{tag}: in the handler");
                let _ = ack.send("hi");
            });
            socket.on_disconnect(move || async move { tracing::info!("{tag}: gone") });
        })
        .build();
    let app = axum::Router::new().layer(io.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, service).await.unwrap()
    });
    addr
}

#[tokio::test]
async fn a_log_in_a_handler_carries_the_session_and_socket_spans() {
    let captured = captured();
    let addr = server("user").await;

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

#[tokio::test]
async fn the_session_span_says_when_it_upgraded() {
    let captured = captured();
    let addr = server("upgrader").await;
    let (status, open) =
        sio_common::http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
    assert_eq!(status, 200, "{open}");
    let open: serde_json::Value = serde_json::from_str(open.strip_prefix('0').unwrap()).unwrap();
    let sid = open["sid"].as_str().unwrap().to_owned();
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(
        sio_common::http(addr, "POST", &path, "40/chat,").await.1,
        "ok"
    );
    let (_, reply) = sio_common::http(addr, "GET", &path, "").await;
    assert!(reply.starts_with("40/chat,"), "{reply}");

    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket&sid={sid}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(WsMessage::text("2probe")).await.unwrap();
    let probe = ws.next().await.unwrap().unwrap();
    assert_eq!(probe.to_text().unwrap(), "3probe");
    ws.send(WsMessage::text("5")).await.unwrap();
    ws.send(WsMessage::text(r#"42/chat,7["hello"]"#))
        .await
        .unwrap();
    loop {
        let frame = ws.next().await.unwrap().unwrap();
        if frame.to_text().unwrap() == r#"43/chat,7["hi"]"# {
            break;
        }
    }
    let before = captured.lines_with("upgrader: connected");
    assert!(
        before[0].contains(&format!("session{{sid={sid} transport=polling protocol=4")),
        "{before:?}"
    );
    assert!(!before[0].contains("transport=websocket"), "{before:?}");
    // fmt appends a recorded field: the span now ends with the new transport
    let after = captured.lines_with("upgrader: in the handler");
    assert!(
        after[0].contains("transport=websocket}:socket{ns=/chat"),
        "{after:?}"
    );
}
