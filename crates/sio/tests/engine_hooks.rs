//! The engine's event hooks driven with `tower::ServiceExt::oneshot`:
//! `initial_headers` on handshakes only, `headers` on every successful
//! response (polling and WebSocket), and the connection-error hook with
//! Node's codes, messages and the request head.

mod engine_common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use engine_common::*;
use http::{HeaderValue, Method, Request, StatusCode};

/// What the connection-error hook saw: code, message, context, status,
/// and the request's path and query.
type Seen = Arc<Mutex<Vec<(u8, &'static str, Option<&'static str>, u16, String)>>>;

fn recording(cfg: sio::EngineConfig) -> (sio::EngineConfig, Seen) {
    let seen = Seen::default();
    let sink = seen.clone();
    let cfg = cfg.on_connection_error(move |e| {
        let uri = e.req.uri.to_string();
        sink.lock()
            .unwrap()
            .push((e.code, e.message, e.context, e.status.as_u16(), uri));
    });
    (cfg, seen)
}

fn ws_req(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .body(Body::empty())
        .unwrap()
}

fn header_hooks() -> sio::EngineConfig {
    config()
        .cookie(true)
        .initial_headers(|headers, req| {
            // Sees the cookie header already set, and the request head.
            let had_cookie = headers.contains_key("set-cookie");
            headers.append("set-cookie", HeaderValue::from_static("team=blue; Path=/"));
            let ua = req.headers.get("user-agent").cloned();
            headers.insert("x-initial", HeaderValue::from_static("1"));
            headers.insert("x-had-cookie", HeaderValue::from(u16::from(had_cookie)));
            if let Some(ua) = ua {
                headers.insert("x-ua", ua);
            }
        })
        .headers(|headers, req| {
            let method = HeaderValue::from_str(req.method.as_str()).unwrap();
            headers.insert("x-every", method);
        })
}

#[tokio::test]
async fn initial_headers_run_on_the_handshake_and_headers_on_every_response() {
    let (_layer, svc) = app(header_hooks());
    let req = Request::get("/engine.io/?EIO=4&transport=polling")
        .header("user-agent", "tester/1")
        .body(Body::empty())
        .unwrap();
    let reply = call(&svc, req).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookies: Vec<_> = reply.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert_eq!(cookies[1], "team=blue; Path=/");
    assert_eq!(reply.headers["x-had-cookie"], "1");
    assert_eq!(reply.headers["x-ua"], "tester/1");
    assert_eq!(reply.headers["x-initial"], "1");
    assert_eq!(reply.headers["x-every"], "GET");
    let sid = sid_of(reply.text());

    let url = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let reply = call(&svc, post_req(&url, "4hello")).await;
    assert_eq!((reply.status, reply.text()), (StatusCode::OK, "ok"));
    assert_eq!(reply.headers["x-every"], "POST");
    assert!(!reply.headers.contains_key("x-initial"));
    assert!(!reply.headers.contains_key("set-cookie"));

    let reply = call(&svc, get_req(&url)).await;
    assert_eq!((reply.status, reply.text()), (StatusCode::OK, "4hello"));
    assert_eq!(reply.headers["x-every"], "GET");
    assert!(!reply.headers.contains_key("x-initial"));

    // The upgrade's 101 is not a handshake: `headers` only.
    let ws = format!("/engine.io/?EIO=4&transport=websocket&sid={sid}");
    let reply = call(&svc, ws_req(&ws)).await;
    assert_eq!(reply.status, StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(reply.headers["x-every"], "GET");
    assert!(!reply.headers.contains_key("x-initial"));
}

#[tokio::test]
async fn a_websocket_handshake_gets_both_hooks_and_refusals_neither() {
    let (_layer, svc) = app(header_hooks());
    let reply = call(&svc, ws_req("/engine.io/?EIO=4&transport=websocket")).await;
    assert_eq!(reply.status, StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(reply.headers["x-initial"], "1");
    assert_eq!(reply.headers["x-every"], "GET");
    assert_eq!(reply.headers.get_all("set-cookie").iter().count(), 2);

    let reply = call(
        &svc,
        get_req("/engine.io/?EIO=4&transport=polling&sid=nope"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reply.headers.contains_key("x-every"));
}

#[tokio::test]
async fn a_panicking_header_hook_does_not_take_the_request_down() {
    let cfg = config().headers(|headers, _| {
        headers.insert("x-before", HeaderValue::from_static("1"));
        panic!("hook bug")
    });
    let (layer, svc) = app(cfg);
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-before"], "1");
    assert_eq!(layer.session_count(), 1);
}

#[tokio::test]
async fn every_refusal_is_reported_with_nodes_code_and_message() {
    let (cfg, seen) = recording(config().allowed_origins(["https://ok.example"]));
    let (_layer, svc) = app(cfg);
    let sid = handshake(&svc).await;
    let cases = [
        (get_req("/engine.io/?EIO=4&transport=carrier"), 400),
        (get_req("/engine.io/?EIO=4&transport=polling&sid=nope"), 400),
        (post_req("/engine.io/?EIO=4&transport=polling", "x"), 400),
        (get_req("/engine.io/?EIO=4&transport=websocket"), 400),
        (
            Request::get("/engine.io/?EIO=4&transport=polling")
                .header("origin", "https://evil.example")
                .body(Body::empty())
                .unwrap(),
            403,
        ),
        (get_req("/engine.io/?EIO=9&transport=polling"), 400),
    ];
    for (req, status) in cases {
        assert_eq!(call(&svc, req).await.status.as_u16(), status);
    }
    let seen = seen.lock().unwrap().clone();
    let got: Vec<_> = seen.iter().map(|s| (s.0, s.1, s.3)).collect();
    assert_eq!(
        got,
        [
            (0, "Transport unknown", 400),
            (1, "Session ID unknown", 400),
            (2, "Bad handshake method", 400),
            (3, "Bad request", 400),
            (4, "Forbidden", 403),
            (5, "Unsupported protocol version", 400),
        ]
    );
    assert!(seen.iter().all(|s| s.2.is_none()));
    assert_eq!(seen[1].4, "/engine.io/?EIO=4&transport=polling&sid=nope");

    // Requests that pass are not reported, nor is a live session's POST.
    let url = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(
        call(&svc, post_req(&url, "4x")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn allow_request_and_id_generator_refusals_are_reported() {
    let cfg = config()
        .allow_request(|req| {
            let ok = req.headers.contains_key("x-token");
            async move { ok }
        })
        .id_generator(|_| async { "not a valid id".to_owned() });
    let (cfg, seen) = recording(cfg);
    let (_layer, svc) = app(cfg);
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let req = Request::builder()
        .method(Method::GET)
        .uri("/engine.io/?EIO=4&transport=polling")
        .header("x-token", "1")
        .body(Body::empty())
        .unwrap();
    let reply = call(&svc, req).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let seen = seen.lock().unwrap().clone();
    let got: Vec<_> = seen.iter().map(|s| (s.0, s.1, s.2, s.3)).collect();
    assert_eq!(
        got,
        [
            (4, "Forbidden", None, 403),
            (3, "Bad request", Some("ID_GENERATION_ERROR"), 500),
        ]
    );
}

#[tokio::test]
async fn the_session_cap_is_reported_and_a_panicking_hook_is_contained() {
    let (cfg, seen) = recording(config().max_sessions(1));
    let (_layer, svc) = app(cfg);
    handshake(&svc).await;
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=polling")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].0, seen[0].2), (3, Some("TOO_MANY_SESSIONS")));

    let cfg = config().on_connection_error(|_| panic!("hook bug"));
    let (_layer, svc) = app(cfg);
    let reply = call(&svc, get_req("/engine.io/?EIO=4&transport=nope")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.text(), r#"{"code":0,"message":"Transport unknown"}"#);
}
