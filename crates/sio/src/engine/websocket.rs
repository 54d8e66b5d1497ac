//! WebSocket: checks the upgrade request ourselves, answers 101, and hands
//! the upgraded connection (tokio-tungstenite over hyper's upgrade) to the
//! session's task — a new session for a direct handshake, the existing one
//! for an upgrade from polling (which the session must accept before the
//! 101 is sent).

use std::sync::Arc;

use bytes::Bytes;
use http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use sio_engine::{HandshakeQuery, RequestError, Session, Sid, TransportKind};
use tokio::sync::oneshot;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::driver::{Command, WsStream};
use super::registry::Entry;
use super::response::Reject;
use super::{Engine, EngineHandler, events};

/// Checks that `parts` is a WebSocket opening handshake (GET, `Upgrade:
/// websocket`, `Connection: upgrade`, version 13, a key) and returns the
/// `Sec-WebSocket-Accept` value.
pub(crate) fn accept_key(parts: &Parts) -> Result<HeaderValue, RequestError> {
    let h = &parts.headers;
    let ok = parts.method == Method::GET
        && has_token(h, UPGRADE, "websocket")
        && has_token(h, CONNECTION, "upgrade")
        && h.get(SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    let key = h
        .get(SEC_WEBSOCKET_KEY)
        .filter(|_| ok)
        .ok_or(RequestError::BadRequest)?;
    HeaderValue::from_str(&derive_accept_key(key.as_bytes())).map_err(|_| RequestError::BadRequest)
}

/// True when the comma-separated header `name` holds `token` (any case).
fn has_token(headers: &HeaderMap, name: http::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn switching(accept: HeaderValue) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(SEC_WEBSOCKET_ACCEPT, accept);
    res
}

/// Read buffer of each WebSocket, in bytes: the most one read takes from
/// the socket. tungstenite zeroes that many bytes before every read (also
/// a read that finds nothing), so the size is paid per message: 4 KiB was
/// a fifth of the CPU of a small-message round trip, 1 KiB is a twentieth.
/// Its default (128 KiB) also made an idle connection cost about 160 KB
/// of RSS. Larger messages still arrive, in reads of this size.
const WS_READ_BUFFER: usize = 1024;

fn ws_config<H>(engine: &Engine<H>) -> WebSocketConfig {
    let max = usize::try_from(engine.config.session.max_payload).unwrap_or(usize::MAX);
    WebSocketConfig::default()
        .read_buffer_size(WS_READ_BUFFER)
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

async fn accept_ws(
    on_upgrade: Option<OnUpgrade>,
    config: WebSocketConfig,
) -> Option<Box<WsStream>> {
    let upgraded = on_upgrade?.await.ok()?;
    let ws =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    Some(Box::new(ws))
}

/// A direct WebSocket handshake: a new session, opened once the connection
/// has switched protocols.
pub(crate) async fn handshake<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    query: &HandshakeQuery<'_>,
    sid: Sid,
    mut parts: Parts,
    accept: HeaderValue,
) -> Result<Response<Full<Bytes>>, Reject> {
    let mut res = switching(accept);
    events::apply(&engine.config, res.headers_mut(), &parts, Some(&sid));
    let on_upgrade = parts.extensions.remove::<OnUpgrade>();
    let config = ws_config(engine);
    let (protocol, b64) = (query.protocol, query.b64);
    let task_engine = engine.clone();
    let task_sid = sid;
    tokio::spawn(async move {
        let Some(ws) = accept_ws(on_upgrade, config).await else {
            return;
        };
        let now = tokio::time::Instant::now().into_std();
        let session_config = task_engine.config.session.clone();
        let session = Session::new(
            task_sid,
            protocol,
            TransportKind::WebSocket,
            b64,
            session_config,
            now,
        );
        if task_engine.start(session, parts, None, Some(ws)).is_err() {
            tracing::warn!("websocket session could not be registered");
        }
    });
    Ok(res)
}

/// An upgrade of a polling session: the session is asked before the 101;
/// if it accepts, the WebSocket then goes to the session's task, if it
/// refuses (already upgraded or upgrading), the WebSocket is closed right
/// after the handshake, as Node does.
pub(crate) async fn upgrade<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    entry: &Entry,
    parts: &mut Parts,
    accept: HeaderValue,
) -> Result<Response<Full<Bytes>>, Reject> {
    let (tx, rx) = oneshot::channel();
    entry.command(Command::Upgrade(tx), false)?;
    let accepted = rx.await.map_err(|_| RequestError::UnknownSid)?;
    let on_upgrade = parts.extensions.remove::<OnUpgrade>();
    let config = ws_config(engine);
    let shared = entry.shared.clone();
    let mut res = switching(accept);
    events::apply(&engine.config, res.headers_mut(), parts, None);
    tokio::spawn(async move {
        let ws = accept_ws(on_upgrade, config).await;
        match (accepted, ws) {
            (Ok(()), Some(ws)) => {
                let _ = shared.outbox.push_command(Command::Ws(ws), true);
            }
            (Ok(()), None) => {
                let _ = shared.outbox.push_command(Command::WsFailed, true);
            }
            // Refused (already upgraded or upgrading): like Node, complete
            // the WebSocket handshake, then close it at once; the session
            // is untouched.
            (Err(_), Some(mut ws)) => {
                let _ = WebSocketStream::close(&mut *ws, None).await;
            }
            (Err(_), None) => {}
        }
    });
    Ok(res)
}
