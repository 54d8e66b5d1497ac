//! Two or three servers in one process on one Redis, with raw clients:
//! broadcasts, broadcasts with acks, fetch/sockets, join/leave/disconnect
//! across servers, and server-side events.

mod common;

use std::time::Duration;

use common::{Answer, Frame, RawClient, cluster, socket};
use sio::Value;

#[tokio::test]
async fn broadcasts_reach_every_server_by_room_and_except() {
    let key = common::unique_key("broadcast");
    let nodes = cluster(&key, &[("a", Answer::Name("a")), ("b", Answer::Name("b"))]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (mut ca, _) = RawClient::connect(a.addr, "/", None).await;
    let (mut cb1, id1) = RawClient::connect(b.addr, "/", None).await;
    let (mut cb2, id2) = RawClient::connect(b.addr, "/", None).await;
    socket(&b.io, &id1).join("room1");
    socket(&b.io, &id2).join("room2");

    a.io.main_ns()
        .emit_args("hello", &("world", 1))
        .await
        .unwrap();
    a.io.to("room1")
        .emit("msg", &serde_json::json!({"a": 1}))
        .await
        .unwrap();
    a.io.except("room1").emit("exc", &true).await.unwrap();
    a.io.to(["room1", "room2"])
        .emit("multi", &())
        .await
        .unwrap();
    a.io.emit("bin", &bytes::Bytes::from_static(&[1, 2, 3]))
        .await
        .unwrap();

    assert_eq!(ca.next_text().await, r#"2["hello","world",1]"#);
    assert_eq!(ca.next_text().await, r#"2["exc",true]"#);
    assert_eq!(cb1.next_text().await, r#"2["hello","world",1]"#);
    assert_eq!(cb1.next_text().await, r#"2["msg",{"a":1}]"#);
    assert_eq!(cb1.next_text().await, r#"2["multi",null]"#);
    assert_eq!(cb2.next_text().await, r#"2["hello","world",1]"#);
    assert_eq!(cb2.next_text().await, r#"2["exc",true]"#);
    assert_eq!(cb2.next_text().await, r#"2["multi",null]"#);
    for client in [&mut ca, &mut cb1, &mut cb2] {
        assert_eq!(
            client.next_text().await,
            r#"51-["bin",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(client.next().await, Frame::Binary(vec![1, 2, 3]));
    }
    // A local broadcast stays on its server.
    b.io.local().emit("local", &()).await.unwrap();
    a.io.emit("after", &()).await.unwrap();
    assert_eq!(ca.next_text().await, r#"2["after",null]"#);
    assert_eq!(cb1.next_text().await, r#"2["local",null]"#);
}

#[tokio::test]
async fn broadcast_with_acks_collects_the_answers_of_every_server() {
    let key = common::unique_key("acks");
    let nodes = cluster(&key, &[("a", Answer::Name("a")), ("b", Answer::Name("b"))]).await;
    let mut clients = [
        RawClient::connect(nodes[0].addr, "/", None).await.0,
        RawClient::connect(nodes[1].addr, "/", None).await.0,
        RawClient::connect(nodes[1].addr, "/", None).await.0,
    ];
    let io = nodes[0].io.clone();
    let collected = tokio::spawn(async move {
        io.timeout(Duration::from_secs(3))
            .emit_with_ack::<_, Value>("vote", &"?")
            .await
    });
    for (i, client) in clients.iter_mut().enumerate() {
        let packet = client.next_text().await;
        let id = packet
            .strip_prefix('2')
            .and_then(|p| p.strip_suffix(r#"["vote","?"]"#))
            .unwrap_or_else(|| panic!("{packet}"))
            .to_owned();
        client.send(&format!("3{id}[{i}]")).await;
    }
    let collected = collected.await.unwrap().unwrap();
    assert!(collected.complete);
    let mut answers: Vec<Value> = collected.all().unwrap();
    answers.sort_by_key(|v| serde_json::to_string(v).unwrap());
    assert_eq!(answers, [0i64, 1, 2].map(Value::from));
}

#[tokio::test]
async fn fetch_sockets_join_leave_and_disconnect_span_the_cluster() {
    let key = common::unique_key("ops");
    let nodes = cluster(&key, &[("a", Answer::Name("a")), ("b", Answer::Name("b"))]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (mut ca, ida) = RawClient::connect(a.addr, "/", None).await;
    let (mut cb, idb) = RawClient::connect(b.addr, "/", None).await;
    socket(&b.io, &idb).join("room1");

    let mut infos = a.io.fetch_sockets("/").await.unwrap();
    infos.sort_by(|x, y| x.data["node"].as_str().cmp(&y.data["node"].as_str()));
    assert_eq!(infos.len(), 2);
    assert_eq!((infos[0].id.as_str(), infos[1].id.as_str()), (&*ida, &*idb));
    assert_eq!(infos[1].data["node"], "b");
    assert!(infos[1].rooms.iter().any(|r| r.as_str() == "room1"));
    assert_eq!(
        infos[1].handshake["url"]
            .as_str()
            .map(|u| u.starts_with("/socket.io/")),
        Some(true)
    );
    let mut ids = a.io.socket_ids("/").await.unwrap();
    ids.sort();
    let mut expected = vec![ida.clone(), idb.clone()];
    expected.sort();
    assert_eq!(
        ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
        expected
    );
    let main = a.io.of("/").unwrap();
    let in_room = main.clone().to("room1").socket_ids().await.unwrap();
    assert_eq!(in_room.len(), 1);

    // Join and leave: a later request from the same server sees them done.
    a.io.sockets_join("all").await.unwrap();
    assert_eq!(main.clone().to("all").socket_ids().await.unwrap().len(), 2);
    main.clone().to("room1").leave("all").await.unwrap();
    let left = main.clone().to("all").socket_ids().await.unwrap();
    assert_eq!(
        left.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
        std::slice::from_ref(&ida)
    );

    // Disconnect from the other server.
    b.io.disconnect_sockets(false).await.unwrap();
    for client in [&mut ca, &mut cb] {
        assert_eq!(client.next().await, Frame::Text("1".to_owned()));
    }
}

#[tokio::test]
async fn server_side_events_reach_the_other_servers_only() {
    let key = common::unique_key("sse");
    let mut nodes = cluster(&key, &[("a", Answer::Name("a")), ("b", Answer::Name("b"))]).await;
    nodes[0]
        .io
        .server_side_emit(vec![Value::from("ping"), Value::from(1i64)])
        .await
        .unwrap();
    let got = tokio::time::timeout(common::WAIT, nodes[1].events.recv())
        .await
        .unwrap();
    assert_eq!(got.unwrap(), vec![Value::from("ping"), Value::from(1i64)]);
    // b answers; a's first event is b's, so a never got its own.
    nodes[1]
        .io
        .server_side_emit(vec![Value::from("pong")])
        .await
        .unwrap();
    let got = tokio::time::timeout(common::WAIT, nodes[0].events.recv())
        .await
        .unwrap();
    assert_eq!(got.unwrap(), vec![Value::from("pong")]);
}

#[tokio::test]
async fn server_side_emit_with_ack_collects_answers_and_times_out_on_a_silent_server() {
    let key = common::unique_key("sse-ack");
    let nodes = cluster(
        &key,
        &[
            ("a", Answer::Name("a")),
            ("b", Answer::Name("b")),
            ("c", Answer::Name("c")),
        ],
    )
    .await;
    let collected = nodes[0]
        .io
        .server_side_emit_with_ack(vec![Value::from("whoami")], Duration::from_secs(2))
        .await
        .unwrap();
    assert!(collected.complete);
    let mut names: Vec<Value> = collected
        .responses
        .into_iter()
        .map(|r| r.args[0].clone())
        .collect();
    names.sort_by_key(|v| serde_json::to_string(v).unwrap());
    assert_eq!(names, [Value::from("b"), Value::from("c")]);
    drop(nodes);

    let key = common::unique_key("sse-silent");
    let nodes = cluster(
        &key,
        &[
            ("a", Answer::Name("a")),
            ("b", Answer::Name("b")),
            ("c", Answer::Never),
        ],
    )
    .await;
    let started = tokio::time::Instant::now();
    let timeout = Duration::from_millis(500);
    let collected = nodes[0]
        .io
        .server_side_emit_with_ack(vec![Value::from("whoami")], timeout)
        .await
        .unwrap();
    assert!(!collected.complete);
    assert_eq!(collected.responses.len(), 1);
    assert_eq!(collected.responses[0].args, [Value::from("b")]);
    assert!(started.elapsed() >= timeout);
}

#[tokio::test]
async fn answers_on_the_requesters_own_channel_when_configured() {
    let key = common::unique_key("specific");
    let config = common::config(&key).publish_on_specific_response_channel(true);
    let a = common::node_with(config.clone(), "a", Answer::Name("a")).await;
    let b = common::node_with(config, "b", Answer::Name("b")).await;
    common::wait_subscribers(&key, 2).await;
    let (_cb, idb) = RawClient::connect(b.addr, "/", None).await;
    let infos = a.io.fetch_sockets("/").await.unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].id.as_str(), idb);
    let collected =
        a.io.server_side_emit_with_ack(vec![Value::from("whoami")], Duration::from_secs(2))
            .await
            .unwrap();
    assert!(collected.complete);
    assert_eq!(collected.responses[0].args, [Value::from("b")]);
}
