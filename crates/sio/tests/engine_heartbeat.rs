//! Heartbeat under tokio's paused clock: the session task's only timer
//! drives pings and the ping timeout, with no real waiting.

mod engine_common;

use std::time::Duration;

use engine_common::*;
use http::StatusCode;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_missing_pong_closes_the_session_after_ping_timeout() {
    let (layer, svc) = app(config());
    let start = Instant::now();
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");

    let ping = call(&svc, get_req(&uri)).await;
    assert_eq!(ping.text(), "2");
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(300),
        "one ping interval after open"
    );

    // No pong: the session closes at ping_timeout, answering the held poll.
    let last = call(&svc, get_req(&uri)).await;
    assert!(start.elapsed() >= Duration::from_millis(500));
    assert!(
        last.status == StatusCode::BAD_REQUEST || last.text() == "1",
        "{last:?}"
    );
    assert!(no_sessions_left(&layer).await);
    assert_eq!(
        call(&svc, get_req(&uri)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test(start_paused = true)]
async fn pongs_keep_the_session_alive() {
    let (layer, svc) = app(config());
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    for _ in 0..5 {
        assert_eq!(call(&svc, get_req(&uri)).await.text(), "2");
        assert_eq!(call(&svc, post_req(&uri, "3")).await.status, StatusCode::OK);
    }
    assert_eq!(layer.session_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_silent_session_is_forgotten() {
    let (layer, svc) = app(config());
    handshake(&svc).await;
    assert_eq!(layer.session_count(), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(no_sessions_left(&layer).await);
}

/// A GET that comes once the ping timeout has passed finds the session
/// closed, even when the session's task has not run its timer yet and a
/// ping waits, set out for the next GET: that GET must not take it.
#[tokio::test(start_paused = true)]
async fn a_get_after_the_ping_timeout_finds_the_session_closed() {
    let (_layer, svc) = app(config());
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    // The ping is queued at 300 ms with no GET waiting for it.
    tokio::time::sleep(Duration::from_millis(301)).await;
    // Past the 200 ms ping timeout, without letting the task run first.
    tokio::time::advance(Duration::from_millis(250)).await;
    let late = call(&svc, get_req(&uri)).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{late:?}");
}

/// A pong whose POST was answered `ok` just before the ping deadline
/// counts, even when the session's task only gets to it after the
/// deadline.
#[tokio::test(start_paused = true)]
async fn a_pong_accepted_just_before_the_deadline_counts() {
    let (layer, svc) = app(config());
    let start = Instant::now();
    let sid = handshake(&svc).await;
    let uri = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(call(&svc, get_req(&uri)).await.text(), "2");
    assert_eq!(start.elapsed(), Duration::from_millis(300));
    // The pong must arrive by 500 ms: its POST is answered at 499 ms...
    tokio::time::advance(Duration::from_millis(199)).await;
    assert_eq!(call(&svc, post_req(&uri, "3")).await.status, StatusCode::OK);
    // ...and the task runs past the deadline, before it took the pong.
    tokio::time::advance(Duration::from_millis(2)).await;
    // The session lives on: the next ping comes one interval after the pong.
    let next = call(&svc, get_req(&uri)).await;
    assert_eq!(next.text(), "2", "{next:?}");
    assert_eq!(start.elapsed(), Duration::from_millis(799));
    assert_eq!(layer.session_count(), 1);
}
