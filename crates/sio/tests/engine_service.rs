//! The engine service driven with `tower::ServiceExt::oneshot`: path
//! matching, every refusal code, body limits, origin and allow-request
//! checks, CORS in front.

mod engine_common;

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use engine_common::*;
use http::{Method, Request, StatusCode};
use tower::{Layer as _, ServiceExt as _};

fn json(reply: &Reply) -> serde_json::Value {
    assert_eq!(reply.headers["content-type"], "application/json");
    serde_json::from_slice(&reply.body).unwrap()
}

async fn refused(
    uri: &str,
    method: Method,
    config: sio::EngineConfig,
) -> (StatusCode, serde_json::Value) {
    let (_layer, svc) = app(config);
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let reply = call(&svc, req).await;
    (reply.status, json(&reply))
}

#[tokio::test]
async fn other_paths_reach_the_inner_service_untouched() {
    let (_layer, svc) = app(config());
    let reply = call(&svc, get_req("/other")).await;
    assert_eq!((reply.status, reply.text()), (StatusCode::OK, "inner"));
    for path in [
        "/engine.io/x",
        "/engine.iox",
        "/",
        "/engine.io//",
        "/foo/engine.io/",
    ] {
        let reply = call(&svc, get_req(&format!("{path}?EIO=4&transport=polling"))).await;
        assert_eq!(
            (reply.status, reply.text()),
            (StatusCode::NOT_FOUND, "inner fallback"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_path_matches_with_and_without_its_trailing_slash() {
    let (_layer, svc) = app(config());
    for path in ["/engine.io/", "/engine.io"] {
        let reply = call(&svc, get_req(&format!("{path}?EIO=4&transport=polling"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(reply.text().starts_with("0{"));
    }
}

#[tokio::test]
async fn handshake_announces_the_settings() {
    let (_layer, svc) = app(config());
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.headers["content-type"], "text/plain; charset=UTF-8");
    let open: serde_json::Value = serde_json::from_str(&reply.text()[1..]).unwrap();
    assert_eq!(open["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(open["pingInterval"], 300);
    assert_eq!(open["pingTimeout"], 200);
    assert_eq!(open["maxPayload"], 1_000_000);
    assert_eq!(open["sid"].as_str().unwrap().len(), 27);
}

#[tokio::test]
async fn each_refusal_has_its_code() {
    let cases: [(&str, Method, u16, u64); 9] = [
        (
            "/engine.io/?EIO=4&transport=carrier-pigeon",
            Method::GET,
            400,
            0,
        ),
        ("/engine.io/?EIO=4&transport=__proto__", Method::GET, 400, 0),
        ("/engine.io/?EIO=4", Method::GET, 400, 0),
        ("/engine.io/?EIO=9&transport=polling", Method::GET, 400, 5),
        ("/engine.io/?transport=polling", Method::GET, 400, 5),
        (
            "/engine.io/?EIO=4&transport=polling&sid=nope",
            Method::GET,
            400,
            1,
        ),
        ("/engine.io/?EIO=4&transport=polling", Method::POST, 400, 2),
        ("/engine.io/?EIO=4&transport=polling", Method::PUT, 400, 2),
        ("/engine.io/?EIO=4&transport=websocket", Method::GET, 400, 3),
    ];
    for (uri, method, status, code) in cases {
        let (got_status, body) = refused(uri, method.clone(), config()).await;
        assert_eq!(got_status.as_u16(), status, "{method} {uri}");
        assert_eq!(body["code"], code, "{method} {uri}");
    }
}

#[tokio::test]
async fn protocol_3_is_off_by_default() {
    let (status, body) = refused(
        "/engine.io/?EIO=3&transport=polling",
        Method::GET,
        sio::EngineConfig::default(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(5))
    );
    assert_eq!(body["message"], "Unsupported protocol version");
}

#[tokio::test]
async fn disabled_transports_are_unknown() {
    let (status, body) = refused(
        "/engine.io/?EIO=4&transport=polling",
        Method::GET,
        config().transports(false, true),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(0))
    );
}

#[tokio::test]
async fn a_v4_binary_post_is_refused_and_closes_the_session() {
    let (layer, svc) = app(config());
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let req = Request::post(&uri)
        .header("content-type", "application/octet-stream")
        .body(Body::from("4a"))
        .unwrap();
    assert_eq!(call(&svc, req).await.status, StatusCode::BAD_REQUEST);
    assert!(no_sessions_left(&layer).await);
}

#[tokio::test]
async fn oversized_post_with_content_length_gets_413_and_closes() {
    let (layer, svc) = app(config().max_payload(1000));
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let reply = call(&svc, post_req(&uri, format!("4{}", "a".repeat(2000)))).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(no_sessions_left(&layer).await);
    assert_eq!(
        call(&svc, get_req(&uri)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn endless_chunked_post_gets_413_once_past_the_cap() {
    let (layer, svc) = app(config().max_payload(10_000));
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    // A body without length that never ends: the cap must stop reading it.
    let chunks = futures_util::stream::repeat_with(|| {
        Ok::<_, std::io::Error>(Bytes::from_static(&[b'a'; 512]))
    });
    let req = Request::post(&uri).body(Body::from_stream(chunks)).unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(5), call(&svc, req))
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(no_sessions_left(&layer).await);
}

#[tokio::test]
async fn a_second_concurrent_post_is_refused_and_closes_the_session() {
    let (layer, svc) = app(config());
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    // The first POST's body stays open until the test lets it end.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let body =
        futures_util::stream::unfold(rx, |mut rx| async { rx.recv().await.map(|c| (c, rx)) });
    tx.send(Ok(Bytes::from_static(b"4a"))).await.unwrap();
    let first = tokio::spawn({
        let svc = svc.clone();
        let req = Request::post(&uri).body(Body::from_stream(body)).unwrap();
        async move { call(&svc, req).await.status }
    });
    // Once the first body's chunk is consumed the POST is in flight.
    tx.reserve().await.unwrap();
    let second = call(&svc, post_req(&uri, "4b")).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    drop(tx);
    first.await.unwrap();
    assert!(no_sessions_left(&layer).await);
}

#[tokio::test]
async fn post_then_poll_echoes_in_one_payload() {
    let (_layer, svc) = app(config());
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let reply = call(&svc, post_req(&uri, "4a\x1e4b\x1ebAQI=")).await;
    assert_eq!((reply.status, reply.text()), (StatusCode::OK, "ok"));
    assert_eq!(reply.headers["content-type"], "text/html");
    assert_eq!(call(&svc, get_req(&uri)).await.text(), "4a\x1e4b\x1ebAQI=");
}

#[tokio::test]
async fn large_poll_responses_are_compressed() {
    let (_layer, svc) = app(config());
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let big = format!("4{}", "x".repeat(4000));
    assert_eq!(
        call(&svc, post_req(&uri, big.clone())).await.status,
        StatusCode::OK
    );
    let req = Request::get(&uri)
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .unwrap();
    let reply = call(&svc, req).await;
    assert_eq!(reply.headers["content-encoding"], "gzip");
    assert!(reply.body.len() < 1000);
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&reply.body[..]), &mut out)
        .unwrap();
    assert_eq!(out, big);
}

#[tokio::test]
async fn origin_allow_list_applies_to_polling_and_websocket() {
    let (_layer, svc) = app(config().allowed_origins(["https://good.example"]));
    let with_origin = |uri: &str, origin: &str| {
        Request::get(uri)
            .header("origin", origin)
            .body(Body::empty())
            .unwrap()
    };
    let polling = "/engine.io/?EIO=4&transport=polling";
    assert_eq!(
        call(&svc, with_origin(polling, "https://good.example"))
            .await
            .status,
        StatusCode::OK
    );
    let reply = call(&svc, with_origin(polling, "https://evil.example")).await;
    assert_eq!(
        (reply.status, json(&reply)["code"].as_u64()),
        (StatusCode::FORBIDDEN, Some(4))
    );
    let ws = Request::get("/engine.io/?EIO=4&transport=websocket")
        .header("origin", "https://evil.example")
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .body(Body::empty())
        .unwrap();
    let reply = call(&svc, ws).await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "refused before the 101"
    );
}

#[tokio::test]
async fn allow_request_hook_refuses_with_403_even_when_it_panics() {
    let cfg = config().allow_request(|parts| {
        let ok = parts.headers.contains_key("x-token");
        async move { ok }
    });
    let (layer, svc) = app(cfg);
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.text(), r#"{"code":4,"message":"Forbidden"}"#);
    let req = Request::get("/engine.io/?EIO=4&transport=polling")
        .header("x-token", "1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&svc, req).await.status, StatusCode::OK);
    assert_eq!(layer.session_count(), 1);

    let (_layer, svc) = app(config().allow_request(|_| async { panic!("hook bug") }));
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        call(&svc, get_req("/other")).await.status,
        StatusCode::OK,
        "still serving"
    );
}

#[tokio::test]
async fn custom_ids_and_cookie() {
    let cfg = config()
        .cookie(true)
        .id_generator(|_| async { "my-id".to_owned() });
    let (_layer, svc) = app(cfg);
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(sid_of(reply.text()), "my-id");
    assert_eq!(
        reply.headers["set-cookie"],
        "io=my-id; Path=/; HttpOnly; SameSite=Lax"
    );
    // The same id again is in use: the generator failed, the server says so.
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn cors_layer_in_front_answers_preflight() {
    let layer = sio::EngineIoLayer::new(config(), Echo);
    let svc = tower_http::cors::CorsLayer::permissive().layer(layer.layer(inner()));
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/engine.io/?EIO=4&transport=polling")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .body(Body::empty())
        .unwrap();
    let res = svc.clone().oneshot(preflight).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let req = Request::get("/engine.io/?EIO=4&transport=polling")
        .header("origin", "https://app.example")
        .body(Body::empty())
        .unwrap();
    let res = svc.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_burst_of_small_packets_in_one_post_is_accepted_up_to_the_cap() {
    let (_layer, svc) = app(config().max_buffered_packets(5000));
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    // What engine.io-client sends after 1000 synchronous `send`s.
    let burst: Vec<String> = (0..1000).map(|i| format!("4m{i}")).collect();
    let reply = call(&svc, post_req(&uri, burst.join("\x1e"))).await;
    assert_eq!(reply.status, StatusCode::OK);

    let (layer, svc) = app(config().max_packets_per_payload(10));
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let burst: Vec<String> = (0..11).map(|i| format!("4m{i}")).collect();
    let reply = call(&svc, post_req(&uri, burst.join("\x1e"))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(no_sessions_left(&layer).await);
}

#[tokio::test]
async fn handshakes_past_max_sessions_get_503() {
    let (layer, svc) = app(config().max_sessions(2));
    let first = handshake(&svc).await;
    handshake(&svc).await;
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(layer.session_count(), 2);
    // Existing sessions are untouched.
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={first}");
    assert_eq!(
        call(&svc, post_req(&uri, "4hi")).await.status,
        StatusCode::OK
    );
}
