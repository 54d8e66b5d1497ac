//! A SUBSCRIBE whose reply never comes does not stop a server's cluster
//! traffic: the subscriber gives up on it after the requests timeout,
//! reconnects and subscribes to everything again.
//!
//! Redis is a `redis-server` of this test's own (skipped, with a note, when
//! there is no binary). Server A reaches it through a TCP proxy that, once
//! armed, turns the next connection sending a subscription command into a
//! black hole: the command is swallowed and nothing comes back, as on a
//! half-open connection. (`CLIENT PAUSE` would not do: its replies come
//! once the pause ends, so a subscriber without a deadline recovers too.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{RawClient, RedisServer, free_port};
use sio::{Ns, SocketIo, SocketRef};
use sio_redis::{RedisAdapterConfig, RedisAdapterFactory};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The requests timeout of server A: the deadline of each SUBSCRIBE.
const DEADLINE: Duration = Duration::from_millis(500);
/// How long after the stall both namespaces must receive again: the
/// deadline, the first reconnection pause (100 ms) and a new SUBSCRIBE,
/// with room for a loaded machine; under the 5 s after which the raw
/// client gives up on receiving anything.
const RECOVERY: Duration = Duration::from_secs(4);

/// A TCP proxy to Redis that can make one connection go silent.
#[derive(Clone, Default)]
struct Proxy {
    /// The next connection that sends a subscription command goes silent.
    armed: Arc<AtomicBool>,
    /// How many went silent.
    silenced: Arc<AtomicUsize>,
}

impl Proxy {
    /// Listens on a free port, forwarding to `upstream`; returns the URL.
    async fn start(&self, upstream: u16) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = self.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    continue;
                };
                tokio::spawn(proxy.clone().pipe(client, server));
            }
        });
        format!("redis://127.0.0.1:{port}/")
    }

    /// Forwards both ways until either side closes; once silenced, reads
    /// and drops everything (the connection stays open).
    async fn pipe(self, client: TcpStream, server: TcpStream) {
        let (mut from_client, mut to_client) = client.into_split();
        let (mut from_server, mut to_server) = server.into_split();
        let silent = Arc::new(AtomicBool::new(false));
        let upstream = {
            let silent = silent.clone();
            async move {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match from_client.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let chunk = buf.get(..n).unwrap_or_default();
                    if !silent.load(Ordering::Acquire)
                        && chunk
                            .windows(9)
                            .any(|w| w.eq_ignore_ascii_case(b"SUBSCRIBE"))
                        && self.armed.swap(false, Ordering::AcqRel)
                    {
                        silent.store(true, Ordering::Release);
                        self.silenced.fetch_add(1, Ordering::AcqRel);
                    }
                    if !silent.load(Ordering::Acquire) && to_server.write_all(chunk).await.is_err()
                    {
                        return;
                    }
                }
            }
        };
        let downstream = async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match from_server.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let chunk = buf.get(..n).unwrap_or_default();
                if !silent.load(Ordering::Acquire) && to_client.write_all(chunk).await.is_err() {
                    return;
                }
            }
        };
        // The client closing (the subscriber giving up) ends both.
        tokio::select! {
            () = upstream => {}
            () = downstream => {}
        }
    }
}

/// Waits until `n` connections listen on `channel`.
async fn subscribers(url: &str, channel: &str, n: i64) {
    let mut conn = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let deadline = Instant::now() + common::WAIT;
    loop {
        let reply: Vec<redis::Value> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut conn)
            .await
            .unwrap();
        if matches!(reply.as_slice(), [_, redis::Value::Int(c)] if *c >= n) {
            return;
        }
        assert!(Instant::now() < deadline, "{channel}: not subscribed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn factory(url: &str, key: &str) -> RedisAdapterFactory {
    let config = RedisAdapterConfig::default()
        .key(key)
        .requests_timeout(DEADLINE);
    RedisAdapterFactory::connect_with(url, config)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribe_without_reply_is_abandoned_and_traffic_flows_again() {
    let port = free_port();
    let Some(redis) = RedisServer::start(port) else {
        eprintln!("no redis-server binary: skipped");
        return;
    };
    redis.ping().await;
    let key = common::unique_key("stuck");
    let proxy = Proxy::default();
    let proxied = proxy.start(port).await;

    // A, through the proxy: `/`, and `/late`, whose adapter subscribes at
    // its first connection.
    let a = SocketIo::builder()
        .adapter(factory(&proxied, &key).await)
        .ns("/", |_: SocketRef| async {})
        .dyn_namespace(|name| name == "/late", Ns::new(|_: SocketRef| async {}))
        .build();
    // B, straight to Redis, broadcasts to both.
    let b = SocketIo::builder()
        .adapter(factory(&redis.url(), &key).await)
        .ns("/", |_: SocketRef| async {})
        .ns("/late", |_: SocketRef| async {})
        .build();
    subscribers(&redis.url(), &format!("{key}-request#/#"), 2).await;
    let addr = common::serve(&a).await;
    let (mut client, _) = RawClient::connect(addr, "/", None).await;
    b.emit("before", &0).await.unwrap();
    assert_eq!(client.next_text().await, r#"2["before",0]"#);

    // `/late` starts: its subscription command is swallowed.
    proxy.armed.store(true, Ordering::Release);
    client.join("/late", None).await;
    let deadline = Instant::now() + common::WAIT;
    while proxy.silenced.load(Ordering::Acquire) == 0 {
        assert!(
            Instant::now() < deadline,
            "no subscription command was sent"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stalled = Instant::now();
    let (tx, mut received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            if tx.send(client.next_text().await).is_err() {
                return;
            }
        }
    });

    let late = b.of("/late").unwrap();
    let (mut root_ok, mut late_ok) = (false, false);
    let mut n = 0u64;
    while !(root_ok && late_ok) {
        assert!(
            stalled.elapsed() < RECOVERY,
            "nothing from the cluster {RECOVERY:?} after a SUBSCRIBE went unanswered \
             (`/` delivered: {root_ok}, `/late` delivered: {late_ok})"
        );
        n += 1;
        b.emit("tick", &n).await.unwrap();
        late.emit("tick", &n).await.unwrap();
        let until = tokio::time::sleep(Duration::from_millis(100));
        tokio::pin!(until);
        loop {
            tokio::select! {
                () = &mut until => break,
                text = received.recv() => match text {
                    Some(t) if t.starts_with(r#"2["tick","#) => root_ok = true,
                    Some(t) if t.starts_with(r#"2/late,["tick","#) => late_ok = true,
                    Some(_) => {}
                    None => panic!("nothing reached the client for 5 s after a SUBSCRIBE went unanswered"),
                },
            }
        }
    }
    eprintln!(
        "both namespaces delivered {:?} after the stall (deadline {DEADLINE:?})",
        stalled.elapsed()
    );
    assert_eq!(proxy.silenced.load(Ordering::Acquire), 1);
}
