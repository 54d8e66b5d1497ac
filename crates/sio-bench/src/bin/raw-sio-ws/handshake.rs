//! The opening handshake, read by hand: the request head is read up to its
//! blank line, its request line and headers parsed into an `http` method
//! and header map, and `sio_ws::check_handshake` decides between 101 and
//! 400. Bytes the client sent after the head are handed back for the frame
//! decoder.

use http::Method;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// The longest request head read; a longer one closes the connection.
const MAX_HEAD: usize = 16 * 1024;

/// Most header lines read from one request.
const MAX_HEADERS: usize = 64;

/// Reads the upgrade request on `stream` and answers it: 101 with the
/// accept key, or 400 with the reason. Returns what the client sent after
/// the head (frames sent without waiting for the 101), or `None` when the
/// connection is not a WebSocket and should be closed.
pub(crate) async fn accept<S>(stream: &mut S) -> Option<Vec<u8>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(end) = head_end(&buf) {
            break end;
        }
        if buf.len() >= MAX_HEAD {
            return None;
        }
        buf.reserve(1024);
        match stream.read_buf(&mut buf).await {
            Ok(1..) => {}
            Ok(0) | Err(_) => return None,
        }
    };
    let (head, rest) = buf.split_at_checked(end)?;
    let checked = parse_head(head).and_then(|(method, headers)| {
        sio_ws::check_handshake(&method, &headers).map_err(|e| e.to_string())
    });
    match checked {
        Ok(accept) => {
            let mut response = Vec::with_capacity(160);
            response.extend_from_slice(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                  Connection: Upgrade\r\nSec-WebSocket-Accept: ",
            );
            response.extend_from_slice(accept.as_bytes());
            response.extend_from_slice(b"\r\n\r\n");
            stream.write_all(&response).await.ok()?;
            // After the blank line (4 bytes): the first frames, if any.
            Some(rest.get(4..).unwrap_or_default().to_vec())
        }
        Err(reason) => {
            let response = format!(
                "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\
                 Content-Length: {}\r\n\r\n{reason}",
                reason.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
            None
        }
    }
}

/// Where the blank line that ends the head starts, if it has arrived.
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// The method and headers of a request head (without its blank line).
///
/// # Errors
/// What is wrong with it, for the 400's body.
fn parse_head(head: &[u8]) -> Result<(Method, HeaderMap), String> {
    let text = std::str::from_utf8(head).map_err(|_| "a request head that is not UTF-8")?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("a bad request line: {request_line:?}"));
    };
    if target.is_empty() || version != "HTTP/1.1" {
        return Err(format!("a bad request line: {request_line:?}"));
    }
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| "a bad method")?;
    let mut headers = HeaderMap::new();
    for (i, line) in lines.enumerate() {
        if i == MAX_HEADERS {
            return Err(format!("more than {MAX_HEADERS} headers"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header line without a colon: {line:?}"))?;
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("a bad header name: {name:?}"))?;
        let value =
            HeaderValue::from_str(value.trim()).map_err(|_| format!("a bad value of {name}"))?;
        headers.append(name, value);
    }
    Ok((method, headers))
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    const CHROMIUM: &str = "GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\
        Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

    #[test]
    fn parses_a_browser_request() {
        let (method, headers) = parse_head(CHROMIUM.trim_end().as_bytes()).unwrap();
        assert_eq!(method, Method::GET);
        assert_eq!(headers.len(), 6);
        assert_eq!(headers["sec-websocket-version"], "13");
        assert_eq!(
            sio_ws::check_handshake(&method, &headers).unwrap(),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn refuses_broken_heads() {
        for head in [
            "GET /",
            "GET / HTTP/1.0",
            "GET  / HTTP/1.1",
            "GET / HTTP/1.1 extra",
            "GET / HTTP/1.1\r\nno colon here",
            "GET / HTTP/1.1\r\nbad name: x",
            "GET / HTTP/1.1\r\nX: bad\x01value",
        ] {
            assert!(parse_head(head.as_bytes()).is_err(), "{head:?}");
        }
        let many = format!("GET / HTTP/1.1{}", "\r\nX: y".repeat(MAX_HEADERS + 1));
        assert!(parse_head(many.as_bytes()).is_err());
        assert!(parse_head(b"GET / HTTP/1.1\r\nX: \xff").is_err());
    }

    #[test]
    fn finds_the_end_of_the_head() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n"), None);
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\n"), Some(14));
        assert_eq!(head_end(b"a\r\n\r\n\x81"), Some(1));
    }

    #[tokio::test]
    async fn answers_101_and_keeps_early_frames() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        let request = [CHROMIUM.as_bytes(), b"\r\n\x81\x80\0\0\0\0"].concat();
        client.write_all(&request).await.unwrap();
        let rest = accept(&mut server).await.unwrap();
        assert_eq!(rest, b"\x81\x80\0\0\0\0");
        drop(server);
        let mut response = String::new();
        client.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 101 "), "{response}");
        assert!(response.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        // No extension is negotiated.
        assert!(!response.to_ascii_lowercase().contains("extensions"));
    }

    #[tokio::test]
    async fn answers_400_to_a_bad_key() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        let request = CHROMIUM.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=") + "\r\n";
        client.write_all(request.as_bytes()).await.unwrap();
        assert_eq!(accept(&mut server).await, None);
        let mut response = String::new();
        client.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 400 "), "{response}");
        assert!(response.ends_with("missing or invalid Sec-WebSocket-Key"));
    }

    #[tokio::test]
    async fn gives_up_on_an_endless_head() {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let head = format!("GET / HTTP/1.1\r\nX: {}", "y".repeat(MAX_HEAD));
        client.write_all(head.as_bytes()).await.unwrap();
        assert_eq!(accept(&mut server).await, None);
    }
}
