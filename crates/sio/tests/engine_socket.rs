//! The handle the layer above uses: what it says about the session, its
//! bounded send path and its close.

use std::time::Duration;

use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use sio::{
    CloseReason, ConnHandler, EngineConfig, EngineHandler, EngineIoLayer, EngineSocket, Message,
    Protocol, SendError, TransportKind,
};
use tokio::sync::mpsc;
use tower::{Layer as _, ServiceExt as _};

/// Hands every opened socket, and every close reason, to the test.
struct Spy(
    mpsc::UnboundedSender<EngineSocket>,
    mpsc::UnboundedSender<CloseReason>,
);
struct SpyConn(mpsc::UnboundedSender<CloseReason>);

impl EngineHandler for Spy {
    type Conn = SpyConn;
    fn on_open(&self, socket: EngineSocket) -> SpyConn {
        let _ = self.0.send(socket);
        SpyConn(self.1.clone())
    }
}

impl ConnHandler for SpyConn {
    fn on_message(&mut self, _msg: Message) {}
    fn on_close(&mut self, reason: CloseReason) {
        let _ = self.0.send(reason);
    }
}

type Svc = sio::EngineIoService<axum::Router, Spy>;

fn spy(
    config: EngineConfig,
) -> (
    Svc,
    mpsc::UnboundedReceiver<EngineSocket>,
    mpsc::UnboundedReceiver<CloseReason>,
) {
    let (open_tx, open_rx) = mpsc::unbounded_channel();
    let (close_tx, close_rx) = mpsc::unbounded_channel();
    let svc = EngineIoLayer::new(config, Spy(open_tx, close_tx)).layer(axum::Router::new());
    (svc, open_rx, close_rx)
}

async fn get(svc: &Svc, uri: &str) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header("x-client", "test")
        .body(Body::empty())
        .unwrap();
    let res = svc.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_socket_describes_its_session() {
    let (svc, mut opened, _closed) = spy(EngineConfig::default());
    let (_, open) = get(&svc, "/engine.io/?EIO=4&transport=polling").await;
    let socket = opened.recv().await.unwrap();
    assert!(open.contains(socket.sid().as_str()));
    assert_eq!(socket.protocol(), Protocol::V4);
    assert_eq!(socket.transport(), TransportKind::Polling);
    assert_eq!(socket.parts().headers["x-client"], "test");
    assert_eq!(socket.parts().uri.path(), "/engine.io/");
}

#[tokio::test(start_paused = true)]
async fn send_reports_full_instead_of_growing_without_bound() {
    let config = EngineConfig::default()
        .max_buffered_packets(4)
        .socket_buffer(2);
    let (svc, mut opened, _closed) = spy(config);
    get(&svc, "/engine.io/?EIO=4&transport=polling").await;
    let socket = opened.recv().await.unwrap();
    let mut accepted = 0;
    for _ in 0..100 {
        match socket.send(Message::Text("x".to_owned().into())) {
            Ok(()) => accepted += 1,
            Err(SendError::Full) => break,
            Err(e) => panic!("{e}"),
        }
        tokio::task::yield_now().await;
    }
    // 4 in the session, 1 held by the task, 2 in the channel.
    assert!(accepted <= 7, "accepted {accepted}");
    assert_eq!(
        socket.send(Message::Text("y".to_owned().into())),
        Err(SendError::Full)
    );
    // A poll drains the session; sending works again.
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={}", socket.sid());
    let (status, body) = get(&svc, &uri).await;
    assert_eq!((status, body.matches("4x").count()), (StatusCode::OK, 4));
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(socket.send(Message::Text("z".to_owned().into())), Ok(()));
}

#[tokio::test]
async fn close_ends_the_session_with_forced_close() {
    let (svc, mut opened, mut closed) = spy(EngineConfig::default());
    get(&svc, "/engine.io/?EIO=4&transport=polling").await;
    let socket = opened.recv().await.unwrap();
    socket.close();
    assert_eq!(closed.recv().await, Some(CloseReason::ForcedClose));
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={}", socket.sid());
    // The CLOSE packet waits for the next poll, if the session still has one.
    let (status, _) = get(&svc, &uri).await;
    assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST);
    assert_eq!(get(&svc, &uri).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        socket.send(Message::Text("late".to_owned().into())),
        Err(SendError::Closed)
    );
}

/// Over polling with no GET waiting, what was sent before the close and
/// the CLOSE packet go out on the next GET (as Node does); then the
/// session is gone.
#[tokio::test]
async fn a_close_without_a_waiting_get_is_said_on_the_next_one() {
    let (svc, mut opened, mut closed) = spy(EngineConfig::default());
    get(&svc, "/engine.io/?EIO=4&transport=polling").await;
    let socket = opened.recv().await.unwrap();
    socket.send(Message::Text("bye".to_owned().into())).unwrap();
    socket.close();
    assert_eq!(closed.recv().await, Some(CloseReason::ForcedClose));
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={}", socket.sid());
    assert_eq!(
        get(&svc, &uri).await,
        (StatusCode::OK, "4bye\x1e1".to_owned())
    );
    assert_eq!(get(&svc, &uri).await.0, StatusCode::BAD_REQUEST);
    assert!(socket.is_closed());
}

/// A session closed that way does not hold up the server's shutdown while
/// it waits for that GET.
#[tokio::test(start_paused = true)]
async fn shutdown_does_not_wait_for_a_closed_sessions_next_get() {
    let (open_tx, mut opened) = mpsc::unbounded_channel();
    let (close_tx, mut closed) = mpsc::unbounded_channel();
    let layer = EngineIoLayer::new(EngineConfig::default(), Spy(open_tx, close_tx));
    let svc = layer.layer(axum::Router::new());
    get(&svc, "/engine.io/?EIO=4&transport=polling").await;
    let socket = opened.recv().await.unwrap();
    socket.close();
    assert_eq!(closed.recv().await, Some(CloseReason::ForcedClose));
    let start = tokio::time::Instant::now();
    layer.shutdown().await;
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(layer.session_count(), 0);
}

/// Answers each message one second later, from a timer the handler drives
/// itself through `ConnHandler::poll`.
struct Delayed;
struct DelayedConn {
    socket: EngineSocket,
    timers: Vec<(std::pin::Pin<Box<tokio::time::Sleep>>, Message)>,
}

impl EngineHandler for Delayed {
    type Conn = DelayedConn;
    fn on_open(&self, socket: EngineSocket) -> DelayedConn {
        DelayedConn {
            socket,
            timers: Vec::new(),
        }
    }
}

impl ConnHandler for DelayedConn {
    fn on_message(&mut self, msg: Message) {
        let timer = Box::pin(tokio::time::sleep(Duration::from_secs(1)));
        self.timers.push((timer, msg));
    }
    fn on_close(&mut self, _reason: CloseReason) {}
    fn poll(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        let socket = &self.socket;
        self.timers.retain_mut(|(timer, msg)| {
            let done = timer.as_mut().poll(cx).is_ready();
            if done {
                let _ = socket.send(msg.clone());
            }
            !done
        });
        if self.timers.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_handler_drives_its_own_futures_in_the_session_task() {
    let config = EngineConfig::default().ping_interval(Duration::from_secs(60));
    let svc = EngineIoLayer::new(config, Delayed).layer(axum::Router::new());
    let send = |req: Request<Body>| {
        let svc = svc.clone();
        async move {
            let res = svc.oneshot(req).await.unwrap();
            res.into_body().collect().await.unwrap().to_bytes()
        }
    };
    let open = send(
        Request::get("/engine.io/?EIO=4&transport=polling")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let json: serde_json::Value = serde_json::from_slice(&open[1..]).unwrap();
    let uri = format!(
        "/engine.io/?EIO=4&transport=polling&sid={}",
        json["sid"].as_str().unwrap()
    );
    send(Request::post(&uri).body(Body::from("4later")).unwrap()).await;
    let start = tokio::time::Instant::now();
    let reply = send(Request::get(&uri).body(Body::empty()).unwrap()).await;
    assert_eq!(&reply[..], b"4later");
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}
