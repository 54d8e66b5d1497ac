//! permessage-deflate (RFC 7692) seen on the wire: what the 101 answers,
//! RSV1 on the frames over the threshold and not on `compress(false)` nor
//! on small ones, compressed client messages inflated (and a bomb refused
//! with 1009), and a broadcast compressed once: every recipient gets the
//! same bytes.

mod engine_common;
mod ws_common;

use std::net::SocketAddr;
use std::time::Duration;

use sio::{Data, PerMessageDeflate, SocketIo, SocketRef};
use ws_common::{CHROMIUM_OFFER, End, RawWs, deflate, frame, inflate, upgrade};

const PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// A JSON event argument of about `n` bytes.
fn big(n: usize) -> String {
    "la ".repeat(n / 3)
}

/// A server with per-message deflate on (`deflate`), whose namespace `/`
/// emits on demand: `big` (compressed), `big-plain` (`compress(false)`),
/// `small`, and `all` (a broadcast).
async fn server(deflate: Option<PerMessageDeflate>) -> SocketAddr {
    let io = SocketIo::builder()
        .per_message_deflate(deflate)
        .ns("/", |socket: SocketRef| async move {
            socket.on(
                "go",
                |socket: SocketRef, Data(what): Data<String>| async move {
                    let _ = match what.as_str() {
                        "big" => socket.emit("big", &big(4000)),
                        "big-plain" => socket.compress(false).emit("big", &big(4000)),
                        "small" => socket.emit("small", "tiny"),
                        _ => Ok(()),
                    };
                },
            );
            socket.on("all", |socket: SocketRef| async move {
                let _ = socket.within_ns().emit("all", &big(4000)).await;
            });
            socket.on(
                "echo",
                |socket: SocketRef, Data(text): Data<String>| async move {
                    let _ = socket.emit("echo", &text);
                },
            );
        })
        .build();
    engine_common::serve(axum::Router::new().layer(io.layer())).await
}

/// A connected socket.io client, offering `offer` (if any).
async fn client(addr: SocketAddr, offer: Option<&str>) -> RawWs {
    let extra = offer.map_or(String::new(), |o| {
        format!("Sec-WebSocket-Extensions: {o}\r\n")
    });
    let mut ws = upgrade(addr, PATH, &extra).await;
    assert_eq!(ws.status(), 101);
    assert!(ws.frame().await.text().starts_with("0{"));
    ws.send(1, b"40").await;
    assert!(ws.message().await.text().starts_with("40{"));
    ws
}

/// The payload of the next message frame, inflated if RSV1 is set, and
/// whether it was.
async fn next(ws: &mut RawWs) -> (String, bool) {
    let f = ws.message().await;
    let payload = if f.rsv1 {
        inflate(&f.payload)
    } else {
        f.payload
    };
    (String::from_utf8(payload).unwrap(), f.rsv1)
}

#[tokio::test]
async fn the_101_answers_real_offers_and_only_when_on() {
    let on = server(Some(PerMessageDeflate::default())).await;
    let ws = client(on, Some(CHROMIUM_OFFER)).await;
    assert_eq!(
        ws.header("sec-websocket-extensions").as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    );
    let ws = client(on, None).await;
    assert_eq!(ws.header("sec-websocket-extensions"), None);
    // An offer that cannot be honoured: no extension, the upgrade goes on.
    let ws = client(on, Some("permessage-deflate; server_max_window_bits=8")).await;
    assert_eq!(ws.header("sec-websocket-extensions"), None);
    let off = server(None).await;
    let ws = client(off, Some(CHROMIUM_OFFER)).await;
    assert_eq!(ws.header("sec-websocket-extensions"), None);
}

#[tokio::test]
async fn rsv1_only_over_the_threshold_and_never_on_compress_false() {
    let addr = server(Some(PerMessageDeflate::default())).await;
    let mut ws = client(addr, Some(CHROMIUM_OFFER)).await;
    let expected = format!(r#"42["big","{}"]"#, big(4000));

    ws.send(1, br#"42["go","big"]"#).await;
    let f = ws.message().await;
    assert!(f.rsv1, "a 4 KB event is compressed");
    assert!(f.payload.len() < expected.len() / 10);
    assert_eq!(String::from_utf8(inflate(&f.payload)).unwrap(), expected);

    ws.send(1, br#"42["go","big-plain"]"#).await;
    assert_eq!(
        next(&mut ws).await,
        (expected.clone(), false),
        "compress(false)"
    );

    ws.send(1, br#"42["go","small"]"#).await;
    assert_eq!(
        next(&mut ws).await,
        (r#"42["small","tiny"]"#.to_owned(), false)
    );

    // Without the offer nothing is compressed.
    let mut plain = client(addr, None).await;
    plain.send(1, br#"42["go","big"]"#).await;
    assert_eq!(next(&mut plain).await, (expected, false));
}

#[tokio::test]
async fn compressed_client_messages_are_inflated() {
    let addr = server(Some(PerMessageDeflate::default())).await;
    let mut ws = client(addr, Some(CHROMIUM_OFFER)).await;
    let text = big(3000);
    let packet = format!(r#"42["echo","{text}"]"#);
    ws.send_raw(&frame(0xC1, &deflate(packet.as_bytes()), true))
        .await;
    assert_eq!(
        next(&mut ws).await,
        (format!(r#"42["echo","{text}"]"#), true)
    );
    // In fragments, RSV1 on the first.
    let packed = deflate(packet.as_bytes());
    let (a, b) = packed.split_at(packed.len() / 2);
    ws.send_raw(&[frame(0x41, a, true), frame(0x80, b, true)].concat())
        .await;
    assert_eq!(next(&mut ws).await.0, packet);
}

#[tokio::test]
async fn a_small_frame_inflating_past_max_payload_closes_with_1009() {
    let addr = server(Some(PerMessageDeflate::default())).await;
    let mut ws = client(addr, Some(CHROMIUM_OFFER)).await;
    // 10 MB of spaces in an event: about 10 KB compressed, 10 times the
    // default 1 MB limit once inflated.
    let mut bomb = String::from(r#"42["echo",""#);
    bomb.push_str(&" ".repeat(10_000_000));
    bomb.push_str(r#""]"#);
    let packed = deflate(bomb.as_bytes());
    assert!(packed.len() < 50_000);
    ws.send_raw(&frame(0xC1, &packed, true)).await;
    let close = ws.message().await;
    assert_eq!(close.close_code(), Some(1009));
    assert_eq!(ws.next(Duration::from_secs(3)).await, End::Eof);
}

#[tokio::test]
async fn a_broadcast_is_compressed_once_for_all_recipients() {
    let addr = server(Some(PerMessageDeflate::default())).await;
    let mut a = client(addr, Some(CHROMIUM_OFFER)).await;
    let mut b = client(addr, Some(CHROMIUM_OFFER)).await;
    let mut plain = client(addr, None).await;
    a.send(1, br#"42["all"]"#).await;
    let (fa, fb, fp) = (a.message().await, b.message().await, plain.message().await);
    assert!(fa.rsv1 && fb.rsv1 && !fp.rsv1);
    // Without context takeover the bytes are the same for everyone.
    assert_eq!(fa.payload, fb.payload);
    assert_eq!(inflate(&fa.payload), fp.payload);
}

#[tokio::test]
async fn with_context_takeover_each_connection_compresses_on_its_own() {
    let node = PerMessageDeflate::default()
        .server_no_context_takeover(false)
        .client_no_context_takeover(false);
    let addr = server(Some(node)).await;
    let mut ws = client(addr, Some(CHROMIUM_OFFER)).await;
    assert_eq!(
        ws.header("sec-websocket-extensions").as_deref(),
        Some("permessage-deflate")
    );
    // The second copy of a message refers back to the first: only a
    // decoder that keeps the history (as a real client does) reads it.
    let mut history = flate2::Decompress::new(false);
    let mut sizes = Vec::new();
    for _ in 0..2 {
        ws.send(1, br#"42["go","big"]"#).await;
        let f = ws.message().await;
        assert!(f.rsv1);
        sizes.push(f.payload.len());
        let mut input = f.payload.clone();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(10_000);
        history
            .decompress_vec(&input, &mut out, flate2::FlushDecompress::Sync)
            .unwrap();
        assert_eq!(out, format!(r#"42["big","{}"]"#, big(4000)).into_bytes());
    }
    assert!(sizes[1] < sizes[0], "{sizes:?}");
}
