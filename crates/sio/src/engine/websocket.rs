//! WebSocket: checks the upgrade request, negotiates permessage-deflate,
//! answers 101, and hands the upgraded connection (sio-ws's codec over
//! hyper's upgrade) to the session's task — a new session for a direct handshake, the existing one
//! for an upgrade from polling (which the session must accept before the
//! 101 is sent).

use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS, UPGRADE};
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use sio_engine::{HandshakeQuery, RequestError, Session, Sid, TransportKind};
use sio_ws::{Agreement, Deflate, Limits};
use tokio::sync::oneshot;

use super::driver::Command;
use super::registry::Entry;
use super::response::Reject;
use super::wsconn::WsConn;
use super::{Engine, EngineHandler, events};
use crate::limit::AddrPermit;

/// Checks that `parts` is a WebSocket opening handshake (GET, `Upgrade:
/// websocket`, `Connection: upgrade`, version 13, a key of 16 bytes in
/// base64) and returns the `Sec-WebSocket-Accept` value.
pub(crate) fn accept_key(parts: &Parts) -> Result<HeaderValue, RequestError> {
    sio_ws::check_handshake(&parts.method, &parts.headers).map_err(|e| {
        tracing::debug!("websocket handshake refused: {e}");
        RequestError::BadRequest
    })
}

fn switching(accept: HeaderValue, extensions: Option<HeaderValue>) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = res.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(SEC_WEBSOCKET_ACCEPT, accept);
    if let Some(value) = extensions {
        h.insert(SEC_WEBSOCKET_EXTENSIONS, value);
    }
    res
}

/// What a new WebSocket needs from the handshake: its limits and, when the
/// client's offer was accepted, permessage-deflate.
struct Setup {
    limits: Limits,
    deflate: Option<(Deflate, Agreement)>,
}

impl Setup {
    /// Negotiates permessage-deflate (when the server has it on); the
    /// value for the 101's `Sec-WebSocket-Extensions`, if accepted.
    fn new<H>(engine: &Engine<H>, parts: &Parts) -> (Self, Option<HeaderValue>) {
        let max = usize::try_from(engine.config.session.max_payload).unwrap_or(usize::MAX);
        let limits = Limits {
            max_message: max,
            ..Limits::default()
        };
        let negotiated = engine.config.deflate.as_ref().and_then(|deflate| {
            sio_ws::negotiate(deflate.config(), &parts.headers)
                .map(|(agreement, answer)| ((deflate.clone(), agreement), answer))
        });
        let (deflate, answer) = negotiated.unzip();
        (Self { limits, deflate }, answer)
    }

    /// The WebSocket, once the connection has switched protocols.
    async fn accept(self, on_upgrade: Option<OnUpgrade>) -> Option<Box<WsConn>> {
        let upgraded = on_upgrade?.await.ok()?;
        let deflate = self.deflate.as_ref().map(|(d, a)| (d, *a));
        Some(Box::new(WsConn::new(
            TokioIo::new(upgraded),
            self.limits,
            deflate,
        )))
    }
}

/// A direct WebSocket handshake: a new session, opened once the connection
/// has switched protocols.
pub(crate) async fn handshake<H: EngineHandler>(
    engine: &Arc<Engine<H>>,
    query: &HandshakeQuery<'_>,
    sid: Sid,
    mut parts: Parts,
    accept: HeaderValue,
    permit: Option<AddrPermit>,
) -> Result<Response<Full<Bytes>>, Reject> {
    let (setup, extensions) = Setup::new(engine, &parts);
    let mut res = switching(accept, extensions);
    events::apply(&engine.config, res.headers_mut(), &parts, Some(&sid));
    let on_upgrade = parts.extensions.remove::<OnUpgrade>();
    let (protocol, b64) = (query.protocol, query.b64);
    let task_engine = engine.clone();
    let task_sid = sid;
    tokio::spawn(async move {
        let Some(ws) = setup.accept(on_upgrade).await else {
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
        // Checked again here: the registry may have filled up, or the
        // endpoint started shutting down, since the 101 was decided.
        let mut ws = Some(ws);
        if let Err(reject) = task_engine.start(session, parts, None, &mut ws, permit) {
            tracing::debug!(?reject, "websocket session not registered");
            if let Some(mut ws) = ws {
                ws.queue_close(Some(reject.ws_close_code()), "");
                ws.finish(task_engine.config.session.ping_timeout);
            }
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
    let (setup, extensions) = Setup::new(engine, parts);
    let shared = entry.shared.clone();
    let write_timeout = engine.config.session.ping_timeout;
    let mut res = switching(accept, extensions);
    events::apply(&engine.config, res.headers_mut(), parts, None);
    tokio::spawn(async move {
        let ws = setup.accept(on_upgrade).await;
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
                ws.queue_close(None, "");
                ws.finish(write_timeout);
            }
            (Err(_), None) => {}
        }
    });
    Ok(res)
}
