//! The layer composes with tower-http (CORS, trace, compression, timeout)
//! under `ServiceBuilder` without breaking long-polling or WebSocket, and
//! leaves every other route to the inner router.

mod sio_common;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use sio::{Data, SocketIo, SocketRef};
use sio_common::{RawClient, serve};
use tower::ServiceBuilder;
use tower::ServiceExt as _;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

fn app() -> Router {
    let io = SocketIo::builder()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .ns("/", |socket: SocketRef| async move {
            socket.on(
                "echo",
                |socket: SocketRef, Data(x): Data<String>| async move {
                    let _ = socket.emit("echo", &x);
                },
            );
        })
        .build();
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(CorsLayer::permissive())
                .layer(CompressionLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(10),
                ))
                .layer(io.layer()),
        )
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let text = if parts
        .headers
        .get("content-encoding")
        .is_some_and(|v| v == "gzip")
    {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text)
            .unwrap();
        text
    } else {
        String::from_utf8_lossy(&body).into_owned()
    };
    (parts.status, parts.headers, text)
}

#[tokio::test]
async fn long_polling_works_through_the_stack() {
    let app = app();
    let get_req = |uri: &str| {
        Request::get(uri)
            .header("origin", "http://example.com")
            .header("accept-encoding", "gzip")
            .body(Body::empty())
    };
    let (status, headers, body) = call(
        &app,
        get_req("/socket.io/?EIO=4&transport=polling").unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers.contains_key("access-control-allow-origin"),
        "CORS ran"
    );
    let open: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap().to_owned();
    let uri = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    let post = Request::post(&uri).body(Body::from(r#"40"#)).unwrap();
    assert_eq!(call(&app, post).await.0, StatusCode::OK);
    let (status, _, body) = call(&app, get_req(&uri).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(r#"40{"sid":"#), "{body}");
    let post = Request::post(&uri)
        .body(Body::from(r#"42["echo","hi"]"#))
        .unwrap();
    assert_eq!(call(&app, post).await.0, StatusCode::OK);
    let (_, _, body) = call(&app, get_req(&uri).unwrap()).await;
    assert_eq!(body, r#"42["echo","hi"]"#);
    // the inner router still answers its own routes
    let (status, _, body) = call(&app, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn websocket_works_through_the_stack() {
    let addr = serve(app()).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    client.send(r#"2["echo","over ws"]"#).await;
    assert_eq!(client.next_text().await, r#"2["echo","over ws"]"#);
}

#[tokio::test]
async fn the_layer_also_mounts_as_a_route_service() {
    let io = SocketIo::builder()
        .ns("/", |_: SocketRef| async move {})
        .build();
    let svc = tower::Layer::layer(
        &io.layer(),
        tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(
                http::Response::builder()
                    .status(404)
                    .body(Body::empty())
                    .unwrap(),
            )
        }),
    );
    let app = Router::new().route_service("/socket.io/", svc);
    let (status, _, body) = call(
        &app,
        Request::get("/socket.io/?EIO=4&transport=polling")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with('0'));
}
