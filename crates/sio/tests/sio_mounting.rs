//! Mounting on an axum router: the rule for `.fallback` and `.layer`
//! (the layer wraps only what exists when it is added), and
//! `io.service()` under `Router::nest_service`, which works whatever the
//! order.

mod sio_common;

use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use sio::{Data, SocketIo, SocketRef};
use sio_common::{RawClient, serve};
use tower::ServiceExt as _;

fn io() -> SocketIo {
    SocketIo::builder()
        .ns("/", |socket: SocketRef| async move {
            socket.on(
                "echo",
                |socket: SocketRef, Data(x): Data<String>| async move {
                    let _ = socket.emit("echo", &x);
                },
            );
        })
        .build()
}

async fn fallback() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "fallback")
}

async fn get(app: &Router, uri: &str) -> (StatusCode, String) {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

const HANDSHAKE: &str = "/socket.io/?EIO=4&transport=polling";

async fn assert_serves_socket_io(app: Router) {
    let (status, body) = get(&app, HANDSHAKE).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.starts_with("0{"), "{body}");
    assert_eq!(
        get(&app, "/elsewhere").await,
        (StatusCode::NOT_FOUND, "fallback".to_owned())
    );
    let addr = serve(app).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    client.send(r#"2["echo","hi"]"#).await;
    assert_eq!(client.next_text().await, r#"2["echo","hi"]"#);
}

#[tokio::test]
async fn the_layer_serves_when_the_fallback_comes_first() {
    assert_serves_socket_io(Router::new().fallback(fallback).layer(io().layer())).await;
}

/// The documented rule (axum's): a fallback added after the layer is not
/// wrapped by it and answers the server's path. If axum changes this, the
/// guide and `SocketIo::layer`'s rustdoc must change too.
#[tokio::test]
async fn a_fallback_added_after_the_layer_answers_its_path() {
    let app = Router::new().layer(io().layer()).fallback(fallback);
    assert_eq!(get(&app, HANDSHAKE).await.1, "fallback");
}

#[tokio::test]
async fn the_nested_service_works_before_the_fallback() {
    let app = Router::new()
        .nest_service("/socket.io", io().service())
        .fallback(fallback);
    assert_serves_socket_io(app).await;
}

#[tokio::test]
async fn the_nested_service_works_after_the_fallback() {
    let app = Router::new()
        .fallback(fallback)
        .nest_service("/socket.io", io().service());
    assert_serves_socket_io(app).await;
}

#[tokio::test]
async fn the_service_also_mounts_as_a_route_service() {
    let app = Router::new()
        .route_service("/socket.io/", io().service())
        .fallback(fallback);
    assert_serves_socket_io(app).await;
}
