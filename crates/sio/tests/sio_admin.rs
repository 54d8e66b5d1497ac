//! The Socket.IO Admin UI protocol (`@socket.io/admin-ui` 0.5.1), seen by
//! a raw protocol-5 client on the admin namespace: basic auth and
//! sessions, `config` and `all_sockets`, the per-socket events of
//! development mode, the commands, `server_stats`, readonly and
//! production mode.

mod sio_common;

use serde_json::{Value as Json, json};
use sio::admin::{AdminUi, Mode};
use sio::{Data, SocketIo, SocketRef};
use sio_common::{Frame, RawClient, serve_io};

fn hash() -> String {
    bcrypt::hash("secret", 4).unwrap()
}

fn server(ui: AdminUi) -> SocketIo {
    SocketIo::builder()
        .instrument(ui)
        .ns("/", |socket: SocketRef| async move {
            socket.set_data(json!({ "user": "alice" }));
            socket.join("lobby");
            socket.on(
                "hello",
                |socket: SocketRef, Data(n): Data<i64>| async move {
                    let _ = socket.emit("world", &(n + 1));
                },
            );
        })
        .build()
}

/// Reads `/admin` events until one named `event`; returns its arguments.
async fn until(client: &mut RawClient, event: &str) -> Vec<Json> {
    loop {
        let text = client.next_text().await;
        if let Some(body) = text.strip_prefix("2/admin,")
            && let Ok(Json::Array(mut list)) = serde_json::from_str::<Json>(body)
            && list.first() == Some(&Json::from(event))
        {
            list.remove(0);
            return list;
        }
    }
}

async fn login(addr: std::net::SocketAddr, auth: &str) -> RawClient {
    let (client, _) = RawClient::connect(addr, "/admin", Some(auth)).await;
    client
}

#[tokio::test]
async fn a_wrong_password_is_refused() {
    let io = server(AdminUi::basic_auth("admin", hash()).unwrap());
    let addr = serve_io(&io).await;
    let mut client = RawClient::open(addr).await;
    client
        .send(r#"0/admin,{"username":"admin","password":"nope"}"#)
        .await;
    assert_eq!(
        client.next().await,
        Frame::Text(r#"4/admin,{"message":"invalid credentials"}"#.into())
    );
    client
        .send(r#"0/admin,{"sessionId":"0000000000000000"}"#)
        .await;
    assert_eq!(
        client.next().await,
        Frame::Text(r#"4/admin,{"message":"invalid credentials"}"#.into())
    );
}

#[tokio::test]
async fn reports_sockets_rooms_data_and_events_and_runs_commands() {
    let io = server(
        AdminUi::basic_auth("admin", hash())
            .unwrap()
            .server_id("srv-A"),
    );
    let addr = serve_io(&io).await;
    let mut admin = login(addr, r#"{"username":"admin","password":"secret"}"#).await;
    let session = until(&mut admin, "session").await;
    let session = session[0].as_str().unwrap().to_owned();
    assert_eq!(session.len(), 16);
    let config = until(&mut admin, "config").await;
    assert_eq!(config[0]["supportedFeatures"].as_array().unwrap().len(), 9);
    let all = until(&mut admin, "all_sockets").await;
    let me = &all[0].as_array().unwrap()[0];
    assert_eq!(me["nsp"], "/admin");
    assert_eq!(me["transport"], "websocket");
    assert_eq!(me["clientId"], admin.sid[..12]);

    // A client of `/`: its connection, room, data and events are reported.
    let (mut user, id) = RawClient::connect(addr, "/", None).await;
    let joined = until(&mut admin, "room_joined").await;
    assert_eq!(joined[..3], [json!("/"), json!(id), json!(id)]);
    let connected = until(&mut admin, "socket_connected").await;
    assert_eq!(connected[0]["id"], id);
    assert_eq!(connected[0]["rooms"], json!([id]));
    assert!(connected[0]["handshake"].get("auth").is_none());
    assert!(connected[1].as_str().unwrap().ends_with('Z'));
    let updated = until(&mut admin, "socket_updated").await;
    assert_eq!(
        updated[0],
        json!({"id": id, "nsp": "/", "data": {"user": "alice"}})
    );
    let lobby = until(&mut admin, "room_joined").await;
    assert_eq!(lobby[..3], [json!("/"), json!("lobby"), json!(id)]);
    user.send(r#"2["hello",41]"#).await;
    let received = until(&mut admin, "event_received").await;
    assert_eq!(received[..3], [json!("/"), json!(id), json!(["hello", 41])]);
    let sent = until(&mut admin, "event_sent").await;
    assert_eq!(sent[..3], [json!("/"), json!(id), json!(["world", 42])]);

    // Commands.
    admin
        .send(&format!(r#"2/admin,["join","/","room2","{id}"]"#))
        .await;
    let joined = until(&mut admin, "room_joined").await;
    assert_eq!(joined[..3], [json!("/"), json!("room2"), json!(id)]);
    admin
        .send(&format!(r#"2/admin,["leave","/","lobby","{id}"]"#))
        .await;
    let left = until(&mut admin, "room_left").await;
    assert_eq!(left[..3], [json!("/"), json!("lobby"), json!(id)]);
    admin
        .send(r#"2/admin,["emit","/",null,"from_admin",1,2]"#)
        .await;
    let sent = until(&mut admin, "event_sent").await;
    assert_eq!(sent[2], json!(["from_admin", 1, 2]));
    admin
        .send(&format!(r#"2/admin,["_disconnect","/",false,"{id}"]"#))
        .await;
    let gone = until(&mut admin, "socket_disconnected").await;
    assert_eq!(
        gone[..3],
        [json!("/"), json!(id), json!("server namespace disconnect")]
    );
    loop {
        match user.next().await {
            Frame::Text(t) if t == "1" => break,
            Frame::Text(_) => {}
            other => panic!("no DISCONNECT: {other:?}"),
        }
    }

    // Stats every 2 s, with the counts of what happened.
    let stats = until(&mut admin, "server_stats").await;
    let stats = &stats[0];
    assert_eq!(stats["serverId"], "srv-A");
    assert_eq!(stats["clientsCount"], 2);
    assert_eq!(stats["pollingClientsCount"], 0);
    let names: Vec<_> = stats["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap(),
                n["socketsCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("/", 0), ("/admin", 1)]);
    let kinds: Vec<_> = stats["aggregatedEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    for kind in [
        "rawConnection",
        "packetsIn",
        "bytesIn",
        "packetsOut",
        "bytesOut",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }

    // A reconnection with the session id: accepted, no new session.
    let mut again = login(addr, &format!(r#"{{"sessionId":"{session}"}}"#)).await;
    let first = again.next_text().await;
    assert!(first.starts_with(r#"2/admin,["config""#), "{first}");
}

#[tokio::test]
async fn readonly_production_sends_stats_and_ignores_commands() {
    let io = server(AdminUi::no_auth().readonly(true).mode(Mode::Production));
    let addr = serve_io(&io).await;
    let mut admin = login(addr, r#"{"username":"x","password":"y"}"#).await;
    let config = until(&mut admin, "config").await;
    assert_eq!(
        config[0],
        json!({"supportedFeatures": ["AGGREGATED_EVENTS"]})
    );
    let (mut user, id) = RawClient::connect(addr, "/", None).await;
    admin
        .send(&format!(r#"2/admin,["_disconnect","/",false,"{id}"]"#))
        .await;
    // Nothing per socket in production: the next event is the stats.
    let next = admin.next_text().await;
    assert!(next.starts_with(r#"2/admin,["server_stats""#), "{next}");
    user.send(r#"2["hello",1]"#).await;
    assert_eq!(user.next_text().await, r#"2["world",2]"#);
}
