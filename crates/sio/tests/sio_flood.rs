//! Flood protection: per-socket event rate limits under each policy, seen
//! by a raw client, and per-address connection limits on the engine,
//! driven with `oneshot` (the address in the request's extensions).

mod engine_common;
mod sio_common;

use std::net::SocketAddr;

use axum::body::Body;
use http::{Request, StatusCode};
use sio::{
    AckSender, Args, ConnectionLimit, EventRateLimit, OverLimit, SocketIo, SocketRef, Value,
};
use sio_common::*;

/// A server whose `echo` and `free` events ack their arguments, with `limit`. The
/// rates are 0 a second: the burst is all a socket gets, whatever the
/// clock does.
fn server(limit: EventRateLimit) -> SocketIo {
    SocketIo::builder()
        .event_rate_limit(limit)
        .ns("/", |socket: SocketRef| async move {
            for event in ["echo", "free"] {
                socket.on(
                    event,
                    |Args(args): Args<Vec<Value>>, ack: AckSender| async move {
                        let _ = ack.send_args(&args);
                    },
                );
            }
        })
        .build()
}

#[tokio::test]
async fn ack_error_answers_events_over_the_limit() {
    let io = server(EventRateLimit::new(0, 3));
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    for id in 1..=5 {
        c.send(&format!(r#"2{id}["echo",{id}]"#)).await;
    }
    for id in 1..=3 {
        assert_eq!(c.next_text().await, format!("3{id}[{id}]"));
    }
    for id in 4..=5 {
        assert_eq!(
            c.next_text().await,
            format!(r#"3{id}[{{"message":"rate limited"}}]"#)
        );
    }
}

#[tokio::test]
async fn drop_tells_the_client_nothing_and_groups_keep_their_own_budget() {
    let io = server(
        EventRateLimit::new(0, 1)
            .policy(OverLimit::Drop)
            .group(["free"], 0, 100),
    );
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"21["echo",1]"#).await;
    c.send(r#"22["echo",2]"#).await;
    c.send(r#"23["free",3]"#).await;
    c.send(r#"24["echo",4]"#).await;
    c.send(r#"25["free",5]"#).await;
    // 2 and 4 were dropped without a word; `free` has a budget of its own.
    assert_eq!(c.next_text().await, "31[1]");
    assert_eq!(c.next_text().await, "33[3]");
    assert_eq!(c.next_text().await, "35[5]");
}

#[tokio::test]
async fn warn_then_disconnect_after_the_strikes() {
    let policy = OverLimit::Warn {
        event: "slow-down".into(),
        strikes: 2,
    };
    let io = server(EventRateLimit::new(0, 2).policy(policy));
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    for id in 1..=5 {
        c.send(&format!(r#"2{id}["echo",{id}]"#)).await;
    }
    assert_eq!(c.next_text().await, "31[1]");
    assert_eq!(c.next_text().await, "32[2]");
    assert_eq!(
        c.next_text().await,
        r#"2["slow-down",{"event":"echo","message":"rate limited"}]"#
    );
    for id in 3..=5 {
        assert_eq!(
            c.next_text().await,
            format!(r#"3{id}[{{"message":"rate limited"}}]"#)
        );
    }
    // The third strike is one too many: DISCONNECT.
    assert_eq!(c.next_text().await, "1");
}

#[tokio::test]
async fn disconnect_at_the_first_event_over_the_limit() {
    let io = server(EventRateLimit::new(0, 1).policy(OverLimit::Disconnect));
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/", None).await;
    c.send(r#"21["echo",1]"#).await;
    c.send(r#"2["echo",2]"#).await;
    assert_eq!(c.next_text().await, "31[1]");
    assert_eq!(c.next_text().await, "1");
}

#[tokio::test]
async fn a_namespace_limit_replaces_the_servers() {
    let echo = |socket: SocketRef| async move {
        socket.on(
            "echo",
            |Args(args): Args<Vec<Value>>, ack: AckSender| async move {
                let _ = ack.send_args(&args);
            },
        );
    };
    let io = SocketIo::builder()
        .event_rate_limit(EventRateLimit::new(0, 1))
        .ns("/", echo)
        .namespace(
            "/roomy",
            sio::Ns::new(echo).event_rate_limit(EventRateLimit::new(0, 3)),
        )
        .build();
    let addr = serve_io(&io).await;
    let (mut c, _) = RawClient::connect(addr, "/roomy", None).await;
    for id in 1..=4 {
        c.send(&format!(r#"2/roomy,{id}["echo",{id}]"#)).await;
    }
    for id in 1..=3 {
        assert_eq!(c.next_text().await, format!("3/roomy,{id}[{id}]"));
    }
    assert_eq!(
        c.next_text().await,
        r#"3/roomy,4[{"message":"rate limited"}]"#
    );
}

fn handshake_from(ip: &str) -> Request<Body> {
    let mut req = engine_common::get_req("/engine.io/?EIO=4&transport=polling");
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(addr);
    req
}

#[tokio::test]
async fn sessions_per_address_are_cut_at_the_limit_with_429() {
    let config =
        engine_common::config().connection_limit(Some(ConnectionLimit::default().sessions(3)));
    let (_layer, svc) = engine_common::app(config);
    for _ in 0..3 {
        let reply = engine_common::call(&svc, handshake_from("127.0.0.2")).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let reply = engine_common::call(&svc, handshake_from("127.0.0.2")).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers["content-type"], "application/json");
    assert_eq!(
        reply.text(),
        r#"{"code":429,"message":"Too Many Requests"}"#
    );
    // Another address is not affected.
    let reply = engine_common::call(&svc, handshake_from("127.0.0.3")).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn without_a_limit_one_address_opens_as_many_sessions_as_it_likes() {
    let (_layer, svc) = engine_common::app(engine_common::config());
    for _ in 0..60 {
        let reply = engine_common::call(&svc, handshake_from("127.0.0.2")).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}
