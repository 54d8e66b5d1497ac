use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::*;

const ACCEPT: &str = "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn response(extension: Option<&str>) -> String {
    let mut head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n{ACCEPT}"
    );
    if let Some(value) = extension {
        head.push_str("\r\nsec-websocket-extensions: ");
        head.push_str(value);
    }
    head
}

#[test]
fn reads_what_the_server_agreed_to() {
    let parse = |extension, offered| parse_response(response(extension).as_bytes(), offered);
    assert_eq!(parse(None, true), Ok(Agreed::default()));
    // sio's answer: no context takeover either way.
    let sio = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    assert_eq!(
        parse(Some(sio), true),
        Ok(Agreed {
            extension: Some(sio.to_owned()),
            deflate: true,
            server_takeover: false,
        })
    );
    // Node's `ws` with its defaults keeps the server's context.
    let node = "permessage-deflate; client_max_window_bits=15";
    let agreed = parse(Some(node), true).unwrap();
    assert!(agreed.deflate && agreed.server_takeover);
    for refused in [
        parse(Some(sio), false),
        parse(Some("x-webkit-deflate-frame"), true),
        parse(Some("permessage-deflate; mystery"), true),
        parse(Some("permessage-deflate, permessage-deflate"), true),
    ] {
        assert!(refused.is_err(), "{refused:?}");
    }
}

#[test]
fn refuses_a_bad_response() {
    let bad_accept = response(None).replace("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "x");
    let two =
        response(Some("permessage-deflate")) + "\r\nSec-WebSocket-Extensions: permessage-deflate";
    for head in [
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 0".to_owned(),
        "HTTP/1.1 1010".to_owned(),
        bad_accept,
        response(None) + "\r\nno colon",
        two,
    ] {
        assert!(parse_response(head.as_bytes(), true).is_err(), "{head}");
    }
}

#[test]
fn offers_deflate_when_asked() {
    let with = request(
        "127.0.0.1:3000",
        "/socket.io/?EIO=4&transport=websocket",
        true,
    );
    assert!(with.starts_with("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"));
    assert!(
        with.contains(
            "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        )
    );
    assert!(with.ends_with("\r\n\r\n"));
    let without = request("127.0.0.1:3000", "/", false);
    assert!(!without.contains("Extensions"));
    assert!(without.ends_with("Sec-WebSocket-Version: 13\r\n\r\n"));
}

/// A server that answers the handshake with `extension`, then writes
/// `frames` in one go and returns what the client sent after the request.
async fn serve_once(
    extension: Option<&'static str>,
    frames: Vec<u8>,
) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            request.push(tcp.read_u8().await.unwrap());
        }
        let head = response(extension) + "\r\n\r\n";
        tcp.write_all(head.as_bytes()).await.unwrap();
        tcp.write_all(&frames).await.unwrap();
        let mut rest = Vec::new();
        let _ = tcp.read_to_end(&mut rest).await;
        rest
    });
    (addr, task)
}

fn server_frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut frame = vec![b0];
    if len < 126 {
        frame.push(len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        frame.push(126);
        frame.extend_from_slice(&short.to_be_bytes());
    } else {
        frame.push(127);
        frame.extend_from_slice(&(len as u64).to_be_bytes());
    }
    frame.extend_from_slice(payload);
    frame
}

#[tokio::test]
async fn reads_frames_across_reads_fragments_and_pings() {
    let mut frames = Vec::new();
    // 20 frames of 1000 bytes: the 16 KiB buffer ends inside one.
    for i in 0..20u8 {
        frames.extend(server_frame(0x81, &[b'a' + i; 1000]));
    }
    // A fragmented text with a ping between its fragments.
    frames.extend(server_frame(0x41, b"hel"));
    frames.extend(server_frame(0x89, b"p"));
    frames.extend(server_frame(0x80, b"lo"));
    // A binary frame larger than the buffer.
    frames.extend(server_frame(0x82, &[7; 70_000]));
    frames.extend(server_frame(0x88, &[3, 232]));
    let (addr, server) = serve_once(Some("permessage-deflate"), frames).await;
    let mut client = Client::connect(&addr, "/", true).await.unwrap();
    assert!(client.agreed.deflate && client.agreed.server_takeover);
    for i in 0..20u8 {
        let msg = client.recv().await.unwrap();
        assert!(msg.text && !msg.compressed);
        assert_eq!((msg.wire, msg.data), (1004, &[b'a' + i; 1000][..]));
    }
    let msg = client.recv().await.unwrap();
    assert!(msg.text && msg.compressed);
    assert_eq!((msg.wire, msg.data), (9, &b"hello"[..]));
    assert!(client.has_queued());
    let msg = client.recv().await.unwrap();
    assert!(!msg.text && !msg.compressed);
    assert_eq!((msg.wire, msg.data.len()), (70_010, 70_000));
    assert_eq!(
        client.recv().await.unwrap_err(),
        r#"the server closed the WebSocket with 1000 """#
    );
    client.flush().await.unwrap();
    drop(client);
    // The pong, masked with the zero key.
    assert_eq!(server.await.unwrap(), [0x8A, 0x81, 0, 0, 0, 0, b'p']);
}

#[tokio::test]
async fn fails_on_a_broken_stream() {
    for frames in [
        server_frame(0x80, b"x"), // continuation of nothing
        [server_frame(0x01, b"x"), server_frame(0x81, b"y")].concat(), // new message inside one
        vec![0x81, 0x85, 0, 0, 0, 0, b'x'], // masked
    ] {
        let (addr, _server) = serve_once(None, frames).await;
        let mut client = Client::connect(&addr, "/", false).await.unwrap();
        assert!(client.recv().await.is_err());
    }
}
