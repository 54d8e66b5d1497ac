//! Two servers in one process on the local PostgreSQL, with raw clients:
//! broadcasts (binary and large ones through the attachments table),
//! broadcasts with acks, fetch/join/leave/disconnect across servers and
//! server-side events. Skipped, with a printed reason, when PostgreSQL
//! does not answer.

mod common;

use std::time::Duration;

use common::{Frame, RawClient, cluster, setup, socket};
use sio::Value;

#[tokio::test]
async fn broadcasts_binary_and_large_payloads_cross_servers() {
    let Some(db) = common::database().await else {
        return;
    };
    let s = setup("broadcast");
    let nodes = cluster(&s.config, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (mut ca, _) = RawClient::connect(a.addr, "/", None).await;
    let (mut cb1, id1) = RawClient::connect(b.addr, "/", None).await;
    let (mut cb2, _) = RawClient::connect(b.addr, "/", None).await;
    socket(&b.io, &id1).join("room1");

    a.io.emit("hello", &("world", 1)).await.unwrap();
    a.io.to("room1")
        .emit("msg", &serde_json::json!({"a": 1}))
        .await
        .unwrap();
    a.io.except("room1").emit("exc", &true).await.unwrap();
    a.io.emit("bin", &bytes::Bytes::from_static(&[1, 2, 3]))
        .await
        .unwrap();
    let large = "x".repeat(9000);
    a.io.emit("large", &large).await.unwrap();

    assert_eq!(ca.next_text().await, r#"2["hello",["world",1]]"#);
    assert_eq!(ca.next_text().await, r#"2["exc",true]"#);
    assert_eq!(cb1.next_text().await, r#"2["hello",["world",1]]"#);
    assert_eq!(cb1.next_text().await, r#"2["msg",{"a":1}]"#);
    assert_eq!(cb2.next_text().await, r#"2["hello",["world",1]]"#);
    assert_eq!(cb2.next_text().await, r#"2["exc",true]"#);
    for client in [&mut ca, &mut cb1, &mut cb2] {
        assert_eq!(
            client.next_text().await,
            r#"51-["bin",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(client.next().await, Frame::Binary(vec![1, 2, 3]));
        assert_eq!(client.next_text().await, format!(r#"2["large","{large}"]"#));
    }
    // The binary and the large broadcast went through the table.
    let table = &s.table;
    let rows: i64 = db
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 2);
    common::drop_table(&db, &s).await;
}

#[tokio::test]
async fn acks_fetch_operations_and_server_side_events_span_the_cluster() {
    let Some(db) = common::database().await else {
        return;
    };
    let s = setup("ops");
    let mut nodes = cluster(&s.config, &["a", "b"]).await;
    let (mut ca, ida) = RawClient::connect(nodes[0].addr, "/", None).await;
    let (mut cb, idb) = RawClient::connect(nodes[1].addr, "/", None).await;
    socket(&nodes[1].io, &idb).join("room1");

    // Broadcast with acks: both clients answer.
    let io = nodes[0].io.clone();
    let collected = tokio::spawn(async move {
        io.timeout(Duration::from_secs(3))
            .emit_with_ack::<_, Value>("vote", &"?")
            .await
    });
    for (i, client) in [&mut ca, &mut cb].into_iter().enumerate() {
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
    assert_eq!(answers, [0i64, 1].map(Value::from));

    // fetchSockets sees both servers' sockets, with their data and rooms.
    let mut infos = nodes[0].io.fetch_sockets("/").await.unwrap();
    infos.sort_by(|x, y| x.data["node"].as_str().cmp(&y.data["node"].as_str()));
    assert_eq!(infos.len(), 2);
    assert_eq!((infos[0].id.as_str(), infos[1].id.as_str()), (&*ida, &*idb));
    assert!(infos[1].rooms.iter().any(|r| r.as_str() == "room1"));

    // Join and leave, then disconnect, from the other server.
    let main = nodes[0].io.of("/").unwrap();
    nodes[0].io.sockets_join("all").await.unwrap();
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while main.clone().to("all").socket_ids().await.unwrap().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "joined everywhere");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    main.clone().to("room1").leave("all").await.unwrap();
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while main.clone().to("all").socket_ids().await.unwrap().len() > 1 {
        assert!(tokio::time::Instant::now() < deadline, "left everywhere");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Server-side events, with and without acks.
    nodes[0]
        .io
        .server_side_emit(vec![Value::from("ping"), Value::from(1i64)])
        .await
        .unwrap();
    let got = tokio::time::timeout(common::WAIT, nodes[1].events.recv())
        .await
        .unwrap();
    assert_eq!(got.unwrap(), vec![Value::from("ping"), Value::from(1i64)]);
    let collected = nodes[1]
        .io
        .server_side_emit_with_ack(vec![Value::from("whoami")], Duration::from_secs(2))
        .await
        .unwrap();
    assert!(collected.complete);
    assert_eq!(collected.responses.len(), 1);
    assert_eq!(collected.responses[0].args, [Value::from("a")]);

    nodes[1].io.disconnect_sockets(false).await.unwrap();
    for client in [&mut ca, &mut cb] {
        assert_eq!(client.next().await, Frame::Text("1".to_owned()));
    }
    common::drop_table(&db, &s).await;
}

#[tokio::test]
async fn the_emitters_messages_without_nsp_are_delivered_and_not_counted() {
    let Some(db) = common::database().await else {
        return;
    };
    let s = setup("emitter");
    // Two servers: once they count each other, both LISTEN.
    let nodes = cluster(&s.config, &["a", "b"]).await;
    let (mut client, id) = RawClient::connect(nodes[0].addr, "/", None).await;
    socket(&nodes[0].io, &id).join("room1");
    // As @socket.io/postgres-emitter 0.1.1 writes them (golden capture).
    let join = r#"{"type":4,"data":{"opts":{"rooms":["room1"],"except":[]},"rooms":["room9"]},"uid":"emitter"}"#;
    let emit = r#"{"type":3,"data":{"packet":{"type":2,"data":["hello","from emitter"],"nsp":"/"},"opts":{"rooms":["room9"],"flags":{},"except":[]}},"uid":"emitter"}"#;
    common::notify(&db, &s.channel, join).await;
    common::notify(&db, &s.channel, emit).await;
    assert_eq!(client.next_text().await, r#"2["hello","from emitter"]"#);
    assert_eq!(nodes[0].factory.server_count("/"), 2);
    common::drop_table(&db, &s).await;
}
