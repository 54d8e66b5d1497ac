//! RFC 6455 with raw bytes on a socket: every rule a client can break gets
//! a close frame with the code of §7.4 (1002, 1007, 1009) and then the TCP
//! connection closes, even when the client never answers the close; bad
//! upgrade requests get 400 with Node's engine.io body and open nothing.

mod engine_common;
mod ws_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use engine_common::{config, serve};
use sio::{CloseReason, ConnHandler, EngineHandler, EngineIoLayer, EngineSocket, Message};
use ws_common::{End, RawWs, frame, upgrade, upgrade_with};

/// Echoes, and counts the sessions opened.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

struct CountingConn(EngineSocket);

impl EngineHandler for Counting {
    type Conn = CountingConn;
    fn on_open(&self, socket: EngineSocket) -> CountingConn {
        self.0.fetch_add(1, Ordering::SeqCst);
        CountingConn(socket)
    }
}

impl ConnHandler for CountingConn {
    fn on_message(&mut self, msg: Message) {
        if msg.text() == Some("close me") {
            self.0.close();
        } else {
            let _ = self.0.send(msg);
        }
    }
    fn on_close(&mut self, _reason: CloseReason) {}
}

const PATH: &str = "/engine.io/?EIO=4&transport=websocket";

/// A server with 1 MB messages (the e2e server's limit); its counter.
async fn server() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let counting = Counting::default();
    let opened = counting.0.clone();
    let layer = EngineIoLayer::new(config().max_payload(1_000_000), counting);
    (serve(Router::new().layer(layer)).await, opened)
}

/// A WebSocket session past its OPEN packet.
async fn open(addr: std::net::SocketAddr) -> RawWs {
    let mut ws = upgrade(addr, PATH, "").await;
    assert_eq!(ws.status(), 101);
    let open = ws.frame().await;
    assert!(open.text().starts_with("0{"), "{open:?}");
    ws
}

/// Sends `bytes` and expects a close frame with `code`, then the end of
/// the connection within a short bound, without answering the close.
async fn expect_close(bytes: &[u8], code: u16) {
    let (addr, _) = server().await;
    let mut ws = open(addr).await;
    ws.send_raw(bytes).await;
    let close = ws.message().await;
    assert_eq!(
        (close.opcode, close.close_code()),
        (8, Some(code)),
        "{close:?}"
    );
    let start = Instant::now();
    assert_eq!(ws.next(Duration::from_secs(5)).await, End::Eof);
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn protocol_errors_close_with_1002() {
    let cases: [(&str, Vec<u8>); 10] = [
        ("RSV1 without an extension", frame(0xC1, b"4hi", true)),
        ("RSV2", frame(0xA1, b"4hi", true)),
        ("RSV3", frame(0x91, b"4hi", true)),
        ("reserved opcode 3", frame(0x83, b"x", true)),
        ("reserved control opcode 0xB", frame(0x8B, b"x", true)),
        ("unmasked client frame", frame(0x81, b"4hi", false)),
        ("ping of 126 bytes", frame(0x89, &[0; 126], true)),
        ("fragmented ping", frame(0x09, b"p", true)),
        ("continuation without a start", frame(0x80, b"x", true)),
        ("close frame of one byte", frame(0x88, &[3], true)),
    ];
    for (name, bytes) in cases {
        eprintln!("case: {name}");
        expect_close(&bytes, 1002).await;
    }
    // A new message inside a fragmented one.
    expect_close(
        &[frame(0x01, b"4a", true), frame(0x81, b"4b", true)].concat(),
        1002,
    )
    .await;
    // A close code no peer may send.
    expect_close(&frame(0x88, &1005u16.to_be_bytes(), true), 1002).await;
}

#[tokio::test]
async fn invalid_utf8_closes_with_1007_whole_or_across_fragments() {
    expect_close(&frame(0x81, b"4\xff\xfe", true), 1007).await;
    // "€" is e2 82 ac: split between two fragments it is fine, broken it
    // is not.
    let (addr, _) = server().await;
    let mut ws = open(addr).await;
    ws.send_raw(&[frame(0x01, b"4\xe2\x82", true), frame(0x80, b"\xac", true)].concat())
        .await;
    assert_eq!(ws.message().await.text(), "4€");
    expect_close(
        &[
            frame(0x01, b"4abc\xe2", true),
            frame(0x80, b"\x28\xa1", true),
        ]
        .concat(),
        1007,
    )
    .await;
}

#[tokio::test]
async fn too_big_closes_with_1009_before_the_payload_arrives() {
    // Only the header of a 1.2 MB frame, and a few bytes.
    let big = frame(0x82, &vec![0; 1_200_000], true);
    expect_close(&big[..100], 1009).await;
    // 12 fragments of 100 KB each: past 1 MB on the eleventh.
    let mut fragments = frame(0x02, &vec![0; 100_000], true);
    for i in 1..12 {
        let b0 = if i == 11 { 0x80 } else { 0x00 };
        fragments.extend(frame(b0, &vec![0; 100_000], true));
    }
    expect_close(&fragments, 1009).await;
}

#[tokio::test]
async fn pings_are_answered_and_a_client_close_is_echoed() {
    let (addr, _) = server().await;
    let mut ws = open(addr).await;
    ws.send(0x9, b"are you there").await;
    let pong = ws.message().await;
    assert_eq!(
        (pong.opcode, pong.payload.as_slice()),
        (0xA, &b"are you there"[..])
    );
    ws.send(0x1, b"4still here").await;
    assert_eq!(ws.message().await.text(), "4still here");
    ws.send(0x8, &[0x0f, 0xa0, b'b', b'y', b'e']).await; // 4000 "bye"
    let close = ws.message().await;
    assert_eq!(close.close_code(), Some(4000));
    assert_eq!(ws.next(Duration::from_secs(3)).await, End::Eof);
}

#[tokio::test]
async fn a_session_the_server_closes_sends_a_close_frame_then_ends() {
    let (addr, _) = server().await;
    let mut ws = open(addr).await;
    ws.send(0x1, b"4close me").await;
    // The engine's CLOSE packet, then an empty close frame (1005, as Node).
    assert_eq!(ws.message().await.text(), "1");
    let close = ws.message().await;
    assert_eq!((close.opcode, close.payload.len()), (8, 0));
    assert_eq!(ws.next(Duration::from_secs(3)).await, End::Eof);
}

#[tokio::test]
async fn bad_upgrade_requests_get_400_and_open_no_session() {
    let (addr, opened) = server().await;
    let cases = [
        ("key of 5 bytes", "c2hvcnQ=", "13"),
        ("key not base64", "!!!!!!!!!!!!!!!!!!!!!!==", "13"),
        ("no key", "", "13"),
        ("version 12", ws_common::KEY, "12"),
        ("version 8", ws_common::KEY, "8"),
    ];
    for (name, key, version) in cases {
        let mut ws = upgrade_with(addr, PATH, key, version, "").await;
        assert_eq!(ws.status(), 400, "{name}");
        assert_eq!(
            ws.body().await,
            r#"{"code":3,"message":"Bad request"}"#,
            "{name}"
        );
    }
    assert_eq!(opened.load(Ordering::SeqCst), 0);
    // A good one opens a session.
    let _ws = open(addr).await;
    assert_eq!(opened.load(Ordering::SeqCst), 1);
}
