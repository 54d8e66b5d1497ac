//! The engine hooks set on the `SocketIo` builder reach the engine: a
//! custom async id generator becomes the socket.io session's engine id,
//! allow-request refuses handshakes, the header hooks edit the responses
//! and refusals reach the connection-error hook.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use http::{HeaderValue, Request, StatusCode};
use http_body_util::BodyExt as _;
use sio::{SocketIo, SocketRef};
use tower::ServiceExt as _;

fn get(uri: &str, token: bool) -> Request<Body> {
    let mut req = Request::get(uri);
    if token {
        req = req.header("x-token", "secret").header("x-lb", "east");
    }
    req.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn builder_hooks_reach_the_engine() {
    let counter = Arc::new(AtomicUsize::new(0));
    let ids = counter.clone();
    let codes = Arc::new(Mutex::new(Vec::new()));
    let sink = codes.clone();
    let io = SocketIo::builder()
        .ns("/", |_socket: SocketRef| async {})
        .id_generator(move |req| {
            let n = ids.fetch_add(1, Ordering::Relaxed);
            // The generator sees the handshake request.
            let lb = req
                .headers
                .get("x-lb")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned();
            async move { format!("node-a.{lb}.{n}") }
        })
        .allow_request(|req| {
            let ok = req.headers.get("x-token").is_some_and(|v| v == "secret");
            async move { ok }
        })
        .initial_headers(|h, _| {
            h.insert("set-cookie", HeaderValue::from_static("lb=a; Path=/"));
        })
        .headers(|h, _| {
            h.insert("x-served-by", HeaderValue::from_static("node-a"));
        })
        .on_connection_error(move |e| sink.lock().unwrap().push((e.code, e.message)))
        .build();
    let app = axum::Router::new().layer(io.layer());

    let res = app
        .clone()
        .oneshot(get("/socket.io/?EIO=4&transport=polling", false))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = app
        .clone()
        .oneshot(get("/socket.io/?EIO=4&transport=polling", true))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["set-cookie"], "lb=a; Path=/");
    assert_eq!(res.headers()["x-served-by"], "node-a");
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let open: serde_json::Value = serde_json::from_slice(&body[1..]).unwrap();
    assert_eq!(open["sid"], "node-a.east.0");

    let uri = "/socket.io/?EIO=4&transport=polling&sid=node-a.east.0";
    let post = Request::post(uri)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(Body::from("40"))
        .unwrap();
    let res = app.clone().oneshot(post).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-served-by"], "node-a");
    assert!(!res.headers().contains_key("set-cookie"));

    let uri = "/socket.io/?EIO=4&transport=polling&sid=node-a.9";
    let res = app.oneshot(get(uri, true)).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        *codes.lock().unwrap(),
        [(4, "Forbidden"), (1, "Session ID unknown")]
    );
}
