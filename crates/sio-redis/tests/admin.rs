//! The admin UI across a cluster: two instrumented servers on one Redis;
//! an admin socket on the first sees the stats of both, the sockets of
//! both (`all_sockets` through `fetch_sockets`), the events of the second,
//! and its `_disconnect` command reaches a client of the second.

mod common;

use common::{RawClient, redis_url, serve, unique_key, wait_subscribers};
use serde_json::{Value as Json, json};
use sio::admin::AdminUi;
use sio::{SocketIo, SocketRef};
use sio_redis::RedisAdapterFactory;

async fn node(key: &str, id: &str) -> (SocketIo, std::net::SocketAddr) {
    let factory = RedisAdapterFactory::connect_with(&redis_url(), common::config(key))
        .await
        .expect("Redis at SIO_REDIS_URL or 127.0.0.1:6379");
    let io = SocketIo::builder()
        .adapter(factory)
        .instrument(AdminUi::no_auth().server_id(id))
        .ns("/", |socket: SocketRef| async move {
            socket.join("lobby");
        })
        .build();
    let addr = serve(&io).await;
    (io, addr)
}

/// Reads `/admin` events until one named `event` that `keep` accepts.
async fn until(client: &mut RawClient, event: &str, keep: impl Fn(&[Json]) -> bool) -> Vec<Json> {
    loop {
        let text = client.next_text().await;
        if let Some(body) = text.strip_prefix("2/admin,")
            && let Ok(Json::Array(mut list)) = serde_json::from_str::<Json>(body)
            && list.first() == Some(&Json::from(event))
        {
            list.remove(0);
            if keep(&list) {
                return list;
            }
        }
    }
}

#[tokio::test]
async fn a_ui_on_one_server_sees_and_drives_the_whole_cluster() {
    let key = unique_key("admin");
    let (_a, addr_a) = node(&key, "A").await;
    let (_b, addr_b) = node(&key, "B").await;
    wait_subscribers(&key, 2).await;
    let (mut user, id) = RawClient::connect(addr_b, "/", None).await;

    let (mut admin, _) = RawClient::connect(addr_a, "/admin", Some("{}")).await;
    let all = until(&mut admin, "all_sockets", |_| true).await;
    let theirs = all[0]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .expect("the socket of server B");
    assert_eq!(theirs["nsp"], "/");
    assert_eq!(theirs["transport"], "websocket");
    assert_eq!(theirs["clientId"], user.sid[..12]);
    assert_eq!(theirs["rooms"], json!([id, "lobby"]));

    // B's stats twice: the second comes after B saw the admin socket.
    let from_b = |args: &[Json]| args[0]["serverId"] == "B";
    until(&mut admin, "server_stats", from_b).await;
    until(&mut admin, "server_stats", from_b).await;

    admin
        .send(&format!(r#"2/admin,["_disconnect","/",false,"{id}"]"#))
        .await;
    let gone = until(&mut admin, "socket_disconnected", |_| true).await;
    assert_eq!(
        gone[..3],
        [json!("/"), json!(id), json!("server namespace disconnect")]
    );
    loop {
        if user.next_text().await == "1" {
            break;
        }
    }
}

#[tokio::test]
async fn logins_are_shared_through_redis_with_nodes_keys() {
    use sio_redis::RedisAdminSessionStore;
    let prefix = unique_key("admin-store");
    let store = RedisAdminSessionStore::connect(&redis_url())
        .await
        .expect("Redis")
        .prefix(prefix.clone());
    // What a Node server's RedisStore writes at login.
    let mut conn = common::redis().await;
    let key = format!("{prefix}#00112233aabbccdd");
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg("true")
        .arg("EX")
        .arg(60)
        .query_async(&mut conn)
        .await
        .unwrap();
    let hash = "$2a$10$GvIvhoSVVcjwaJjc2rrotOaBT8/2Ci.k6hoqaUz1ITw1XXDbE6wga";
    let io = SocketIo::builder()
        .instrument(
            AdminUi::basic_auth("admin", hash)
                .unwrap()
                .session_store(store.clone()),
        )
        .build();
    let addr = serve(&io).await;
    let (mut admin, _) =
        RawClient::connect(addr, "/admin", Some(r#"{"sessionId":"00112233aabbccdd"}"#)).await;
    let first = admin.next_text().await;
    assert!(first.starts_with(r#"2/admin,["config""#), "{first}");

    // And what this server saves, a Node server reads.
    sio_adapter::AdminSessionStore::save(&store, "ffeeddccbbaa9988".to_owned()).await;
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("{prefix}#ffeeddccbbaa9988"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((86_000..=86_400).contains(&ttl), "{ttl}");
    let value: String = redis::cmd("GET")
        .arg(format!("{prefix}#ffeeddccbbaa9988"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(value, "true");
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .arg(format!("{prefix}#ffeeddccbbaa9988"))
        .query_async(&mut conn)
        .await
        .unwrap();
}
