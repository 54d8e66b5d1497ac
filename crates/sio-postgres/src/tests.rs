//! Tests of the bus against the local PostgreSQL (skipped, with a printed
//! reason, when it does not answer): NOTIFY and LISTEN, attachments, and
//! garbage on the adapter's channel and in its table.

use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::PostgresAdapterConfig;
use crate::bus::{Bus, Incoming, Receiver};
use crate::notification;

/// The test database, or `None` (and why, printed) when it does not answer.
pub(crate) async fn database() -> Option<tokio_postgres::Config> {
    let url = std::env::var("SIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mut config: tokio_postgres::Config = url.parse().ok()?;
    config.connect_timeout(Duration::from_secs(2));
    match config.connect(tokio_postgres::NoTls).await {
        Ok(_) => Some(config),
        Err(e) => {
            eprintln!("skipped: PostgreSQL at {url} does not answer: {e}");
            None
        }
    }
}

/// A unique prefix and table for one test.
pub(crate) fn fresh(test: &str) -> PostgresAdapterConfig {
    let tag: u32 = rand::random();
    PostgresAdapterConfig::default()
        .channel_prefix(format!("sio-test-{test}-{tag:08x}"))
        .table_name(format!("sio_test_{tag:08x}"))
        .requests_timeout(Duration::from_secs(3))
}

#[derive(Default)]
struct Recorder {
    got: Mutex<Vec<Incoming>>,
    wake: Notify,
}

impl Receiver for Recorder {
    fn uid(&self) -> &str {
        "me"
    }
    fn receive(&self, message: Incoming) {
        self.got.lock().push(message);
        self.wake.notify_one();
    }
}

impl Recorder {
    async fn next(&self) -> Incoming {
        loop {
            if let Some(m) = {
                let mut got = self.got.lock();
                (!got.is_empty()).then(|| got.remove(0))
            } {
                return m;
            }
            tokio::time::timeout(Duration::from_secs(5), self.wake.notified())
                .await
                .expect("a message within 5 s");
        }
    }
}

async fn drop_table(pg: &tokio_postgres::Config, table: &str) {
    if let Ok((client, conn)) = pg.connect(tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP TABLE IF EXISTS {table}"))
            .await;
    }
}

#[tokio::test]
async fn notifications_attachments_and_garbage() {
    let Some(pg) = database().await else { return };
    let config = fresh("bus");
    let channel = config.channel("/");
    let bus = Bus::start(pg.clone(), config.clone());
    let recorder = Arc::new(Recorder::default());
    let weak: Weak<dyn Receiver> = Arc::downgrade(&recorder) as Weak<dyn Receiver>;
    bus.route(&channel, weak.clone());
    bus.listening(&channel, Duration::from_secs(5))
        .await
        .unwrap();

    // A whole message.
    let json = r#"{"type":2,"uid":"other","nsp":"/"}"#;
    bus.publisher().notify(&channel, json).await.unwrap();
    assert_eq!(recorder.next().await, Incoming::Json(json.into()));

    // Garbage, then a header of a missing row, then a row that is not
    // msgpack: the first two are dropped, the last handed on as bytes
    // (the codec refuses it); delivery goes on.
    for garbage in [
        "",
        "not json",
        "[1,2]",
        r#"{"attachmentId":"x"}"#,
        r#"{"uid":"x","attachmentId":"999999"}"#,
    ] {
        bus.publisher().notify(&channel, garbage).await.unwrap();
    }
    let other = |id: i64| notification::header("other", 3, id);
    bus.publisher()
        .notify_with_attachment(&channel, b"\xc1garbage", other)
        .await
        .unwrap();
    assert_eq!(
        recorder.next().await,
        Incoming::Msgpack(b"\xc1garbage".to_vec())
    );

    // A large attachment (over the threshold) round-trips.
    let big = vec![7u8; 100_000];
    bus.publisher()
        .notify_with_attachment(&channel, &big, other)
        .await
        .unwrap();
    assert_eq!(recorder.next().await, Incoming::Msgpack(big));

    // Our own header is not read back.
    let mine = |id: i64| notification::header("me", 3, id);
    bus.publisher()
        .notify_with_attachment(&channel, b"\x80", mine)
        .await
        .unwrap();
    bus.publisher().notify(&channel, json).await.unwrap();
    assert_eq!(recorder.next().await, Incoming::Json(json.into()));

    // Unrouted: nothing more arrives.
    bus.unroute(&channel, &weak);
    drop_table(&pg, &config.table_name).await;
}

#[tokio::test]
async fn cleanup_deletes_old_rows() {
    let Some(pg) = database().await else { return };
    let config = fresh("cleanup").cleanup_interval(Duration::from_millis(300));
    let channel = config.channel("/");
    let bus = Bus::start(pg.clone(), config.clone());
    bus.publisher()
        .notify_with_attachment(&channel, b"\x80", |id| notification::header("x", 3, id))
        .await
        .unwrap();
    let (client, conn) = pg.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let count = format!("SELECT count(*) FROM {}", config.table_name);
    let rows: i64 = client.query_one(&count, &[]).await.unwrap().get(0);
    assert_eq!(rows, 1);
    // The row is older than 300 ms at the second cleanup at the latest.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let rows: i64 = client.query_one(&count, &[]).await.unwrap().get(0);
        if rows == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "old rows are deleted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(bus);
    drop_table(&pg, &config.table_name).await;
}

#[tokio::test]
async fn unreachable_database_is_retried_with_a_clear_error() {
    // A port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pg: tokio_postgres::Config = format!("postgres://postgres@127.0.0.1:{port}/test")
        .parse()
        .unwrap();
    let bus = Bus::start(pg, fresh("down"));
    let error = bus.connected(Duration::from_millis(500)).await.unwrap_err();
    assert!(error.to_string().contains("postgres"), "{error}");
    let error = bus.publisher().notify("x", "{}").await.unwrap_err();
    assert!(
        matches!(error, sio_adapter::AdapterError::Transport(_)),
        "{error}"
    );
}

#[tokio::test]
async fn a_database_that_never_answers_does_not_hold_every_publish() {
    // Accepts TCP (the backlog does) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut pg: tokio_postgres::Config = format!("postgres://postgres@127.0.0.1:{port}/test")
        .parse()
        .unwrap();
    pg.connect_timeout(Duration::from_millis(300));
    let config = fresh("silent").requests_timeout(Duration::from_millis(300));
    let bus = Bus::start(pg, config);
    let started = tokio::time::Instant::now();
    let first = bus.publisher().notify("x", "{}").await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(250), "{first}");
    // The next ones fail at once with the same reason, until the backoff
    // has passed.
    let started = tokio::time::Instant::now();
    let second = bus.publisher().notify("x", "{}").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(first, second);
    drop(silent);
}

#[tokio::test]
async fn connections_killed_by_the_server_are_opened_again_and_listen_again() {
    let Some(mut pg) = database().await else {
        return;
    };
    let config = fresh("killed");
    let name = format!("sio-test-{:08x}", rand::random::<u32>());
    pg.application_name(&name);
    let channel = config.channel("/");
    let bus = Bus::start(pg.clone(), config.clone());
    let recorder = Arc::new(Recorder::default());
    bus.route(&channel, Arc::downgrade(&recorder) as Weak<dyn Receiver>);
    bus.listening(&channel, Duration::from_secs(5))
        .await
        .unwrap();
    bus.publisher()
        .notify(&channel, r#"{"n":1}"#)
        .await
        .unwrap();
    assert_eq!(recorder.next().await, Incoming::Json(r#"{"n":1}"#.into()));

    // The server ends both connections (as a restart or a failover would).
    let (admin, conn) = pg.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let killed = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
            &[&name],
        )
        .await
        .unwrap();
    assert_eq!(killed.len(), 2, "the LISTEN and the query connections");
    let mut status = bus.shared.status.subscribe();
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| !s.connected))
        .await
        .expect("the loss is seen")
        .unwrap();
    bus.listening(&channel, Duration::from_secs(5))
        .await
        .unwrap();
    // The first publish may meet the dead connection; the next one opens a
    // new one.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while bus
        .publisher()
        .notify(&channel, r#"{"n":2}"#)
        .await
        .is_err()
    {
        assert!(tokio::time::Instant::now() < deadline, "publishing again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(recorder.next().await, Incoming::Json(r#"{"n":2}"#.into()));
    drop_table(&pg, &config.table_name).await;
}
