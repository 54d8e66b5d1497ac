//! What arrives through PostgreSQL is untrusted: garbage notifications,
//! headers of missing or garbage rows, and rows too large are dropped
//! without disturbing delivery; a database that is down at start is
//! retried with a clear error while the server works alone. Skipped, with
//! a printed reason, when PostgreSQL does not answer (except the last
//! test, which needs no database).

mod common;

use std::time::Duration;

use common::{RawClient, cluster, notify, setup};
use sio::{SocketIo, SocketRef};
use sio_postgres::{PostgresAdapterConfig, PostgresAdapterFactory};

#[tokio::test]
async fn garbage_notifications_and_rows_are_ignored() {
    let Some(db) = common::database().await else {
        return;
    };
    let s = setup("garbage");
    let config = s.config.clone().max_attachment_size(1000);
    let nodes = cluster(&config, &["a", "b"]).await;
    let (mut client, _) = RawClient::connect(nodes[1].addr, "/", None).await;
    let table = &s.table;
    let insert = format!("INSERT INTO {table} (payload) VALUES ($1) RETURNING id");
    let mut headers = Vec::new();
    for row in [
        &b"\xc1"[..],
        b"\x93\x01\x02\x03",
        &[0x80u8; 2000][..],
        b"{\"type\":3}",
    ] {
        let id: i64 = db.query_one(&insert, &[&row]).await.unwrap().get(0);
        headers.push(format!(r#"{{"uid":"x","type":3,"attachmentId":"{id}"}}"#));
    }
    let mut garbage: Vec<String> = [
        "",
        "null",
        "[]",
        "{",
        r#"{"type":3}"#,
        r#"{"type":99,"uid":"x","nsp":"/"}"#,
        r#"{"type":3,"uid":"x","nsp":"/","data":{"packet":{"type":2,"data":"no"}}}"#,
        r#"{"type":3,"uid":"x","nsp":"/","data":{"packet":{"type":2,"data":[]},"opts":7}}"#,
        r#"{"type":7,"uid":"x","nsp":"/","data":{}}"#,
        r#"{"type":8,"uid":"x","nsp":"/","data":{"requestId":"zz","sockets":5}}"#,
        r#"{"uid":"x","type":3,"attachmentId":"999999999"}"#,
        r#"{"uid":"x","type":3,"attachmentId":"-4"}"#,
        r#"{"uid":"x","type":3,"attachmentId":[1]}"#,
    ]
    .map(str::to_owned)
    .into();
    garbage.extend(headers);
    for payload in &garbage {
        notify(&db, &s.channel, payload).await;
    }
    nodes[0].io.emit("after", &1).await.unwrap();
    assert_eq!(client.next_text().await, r#"2["after",1]"#);
    common::drop_table(&db, &s).await;
}

#[tokio::test]
async fn a_database_down_at_start_is_retried_and_local_delivery_works() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let config = PostgresAdapterConfig::default().requests_timeout(Duration::from_millis(300));
    let error = PostgresAdapterFactory::connect_with(&url, config.clone())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("postgres"), "{error}");

    let factory = PostgresAdapterFactory::new(&url, config).unwrap();
    let io = SocketIo::builder()
        .adapter(factory.clone())
        .ns("/", |_: SocketRef| async move {})
        .build();
    let addr = common::serve(&io).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    let sent = io.emit("local", &1).await;
    assert!(sent.is_err(), "the cluster part failed: {sent:?}");
    assert_eq!(client.next_text().await, r#"2["local",1]"#);
    assert_eq!(factory.server_count("/"), 1);
    let error = factory
        .connected(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("postgres"), "{error}");

    // Invalid options are refused at once.
    let bad = PostgresAdapterConfig::default().table_name("x; DROP TABLE y");
    assert!(PostgresAdapterFactory::new(&url, bad).is_err());
    assert!(PostgresAdapterFactory::new("http://nope", PostgresAdapterConfig::default()).is_err());
}
