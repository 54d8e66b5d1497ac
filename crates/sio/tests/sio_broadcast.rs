//! Broadcasts and operators: rooms, `broadcast`, emit with acks to many,
//! fetch_sockets, sockets_join/leave, disconnect_sockets, and backpressure
//! (a full queue is an error, volatile drops, broadcasts count drops).

mod sio_common;

use std::time::Duration;

use sio::{EmitError, SocketIo, SocketRef};
use sio_common::{Frame, RawClient, serve_io};

fn server() -> SocketIo {
    SocketIo::builder()
        .ns("/", |socket: SocketRef| async move {
            socket.set_data(serde_json::json!({ "user": socket.handshake().auth["user"] }));
        })
        .build()
}

async fn connect_many(addr: std::net::SocketAddr, n: usize) -> Vec<(RawClient, String)> {
    let mut all = Vec::new();
    for i in 0..n {
        all.push(RawClient::connect(addr, "/", Some(&format!(r#"{{"user":{i}}}"#))).await);
    }
    all
}

#[tokio::test]
async fn rooms_to_except_and_broadcast() {
    let io = server();
    let addr = serve_io(&io).await;
    let mut clients = connect_many(addr, 3).await;
    let sockets = io.local_sockets("/");
    let by_id = |id: &str| {
        sockets
            .iter()
            .find(|s| s.id().as_str() == id)
            .unwrap()
            .clone()
    };
    let a = by_id(&clients[0].1);
    let b = by_id(&clients[1].1);
    a.join("room");
    b.join(["room", "other"]);

    let report = io.to("room").emit("news", &1).await.unwrap();
    assert_eq!((report.sent, report.dropped), (2, 0));
    io.except("other").emit("not-other", &2).await.unwrap();
    a.broadcast().emit("from-a", &3).await.unwrap();

    let (c0, c1, c2) = match &mut clients[..] {
        [x, y, z] => (&mut x.0, &mut y.0, &mut z.0),
        _ => unreachable!(),
    };
    assert_eq!(c0.next_text().await, r#"2["news",1]"#);
    assert_eq!(c0.next_text().await, r#"2["not-other",2]"#);
    assert_eq!(c1.next_text().await, r#"2["news",1]"#);
    assert_eq!(c1.next_text().await, r#"2["from-a",3]"#);
    assert_eq!(c2.next_text().await, r#"2["not-other",2]"#);
    assert_eq!(c2.next_text().await, r#"2["from-a",3]"#);

    b.leave("room");
    let mut ids = io.of("/").unwrap().to("room").socket_ids().await.unwrap();
    ids.sort();
    assert_eq!(ids, vec![a.id().clone()]);
}

#[tokio::test]
async fn broadcast_with_acks_collects_every_answer_typed() {
    let io = server();
    let addr = serve_io(&io).await;
    let mut clients = connect_many(addr, 2).await;
    let io2 = io.clone();
    let collected = tokio::spawn(async move {
        io2.timeout(Duration::from_secs(5))
            .emit_with_ack::<_, u32>("vote", &"?")
            .await
    });
    for (i, (client, _)) in clients.iter_mut().enumerate() {
        let packet = client.next_text().await;
        let id = packet
            .strip_prefix('2')
            .and_then(|p| p.strip_suffix(r#"["vote","?"]"#))
            .unwrap()
            .to_owned();
        client.send(&format!(r#"3{id}[{i},"extra"]"#)).await;
    }
    let collected = collected.await.unwrap().unwrap();
    assert!(collected.complete);
    assert!(collected.replies.iter().all(|r| r.socket.is_some()));
    // Each answer is its FIRST argument, typed (as Node's emitWithAck).
    let mut answers = collected.all().unwrap();
    answers.sort();
    assert_eq!(answers, [0, 1]);
}

#[tokio::test]
async fn fetch_sockets_join_leave_and_disconnect() {
    let io = server();
    let addr = serve_io(&io).await;
    let mut clients = connect_many(addr, 2).await;
    let infos = io.fetch_sockets("/").await.unwrap();
    assert_eq!(infos.len(), 2);
    assert!(
        infos
            .iter()
            .all(|i| i.data["user"].is_number() && i.handshake["auth"].is_object())
    );

    io.sockets_join("all").await.unwrap();
    assert_eq!(
        io.of("/")
            .unwrap()
            .to("all")
            .socket_ids()
            .await
            .unwrap()
            .len(),
        2
    );
    io.sockets_leave("all").await.unwrap();
    assert!(
        io.of("/")
            .unwrap()
            .to("all")
            .socket_ids()
            .await
            .unwrap()
            .is_empty()
    );

    io.disconnect_sockets(false).await.unwrap();
    for (client, _) in &mut clients {
        assert_eq!(client.next().await, Frame::Text("1".to_owned()));
    }
    assert!(io.local_sockets("/").is_empty());
}

/// A polling client that never polls: its session buffer fills, then the
/// connection's queue.
#[tokio::test]
async fn a_full_queue_is_an_error_volatile_drops_and_broadcasts_count() {
    let io = SocketIo::builder()
        .engine_with(|e| e.max_buffered_packets(4))
        .max_buffer(2)
        .ns("/", |_: SocketRef| async move {})
        .build();
    // In memory: the service alone, no network.
    let svc = tower::Layer::layer(&io.layer(), axum::Router::new());
    let call = |req: http::Request<axum::body::Body>| tower::ServiceExt::oneshot(svc.clone(), req);
    let res = call(
        http::Request::get("/socket.io/?EIO=4&transport=polling")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let open: serde_json::Value = serde_json::from_slice(&body[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap().to_owned();
    let post = http::Request::post(format!("/socket.io/?EIO=4&transport=polling&sid={sid}"))
        .body(axum::body::Body::from("40"))
        .unwrap();
    assert!(call(post).await.unwrap().status().is_success());
    let socket = loop {
        if let Some(s) = io.local_sockets("/").pop() {
            break s;
        }
        tokio::task::yield_now().await;
    };

    let mut accepted = 0;
    let full = loop {
        match socket.emit("burst", &accepted) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 100, "the queue never filled");
        tokio::task::yield_now().await;
    };
    assert!(matches!(full, EmitError::BufferFull), "{full}");
    assert!(
        socket.volatile().emit("v", &()).is_ok(),
        "volatile emits are dropped silently"
    );
    let report = io.emit("b", &()).await.unwrap();
    assert_eq!((report.sent, report.dropped), (0, 1));
}
