//! Dynamic namespaces on the Redis adapter, watched from Redis itself
//! (MONITOR): refused children send no subscription command, accepted
//! ones subscribe only their own names and unsubscribe them when they
//! close, and the subscriber keeps delivering broadcasts meanwhile.

mod common;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Answer, RawClient, redis_url};
use futures_util::StreamExt as _;
use parking_lot::Mutex;
use sio::{ConnectError, Data, Ns, SocketIo, SocketRef};
use sio_redis::RedisAdapterFactory;

/// Subscription commands seen by Redis for one key prefix.
#[derive(Default, Debug)]
struct Seen {
    /// SUBSCRIBE and PSUBSCRIBE commands.
    subscribe_commands: usize,
    /// Names in them.
    subscribed_names: usize,
    /// What each client connection is subscribed to now.
    live: HashMap<String, HashSet<String>>,
}

/// Starts MONITOR and records the subscription commands naming `key`.
async fn monitor(key: &str) -> Arc<Mutex<Seen>> {
    let monitor = redis::Client::open(redis_url())
        .unwrap()
        .get_async_monitor()
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let key = key.to_owned();
    let record = seen.clone();
    tokio::spawn(async move {
        let mut lines = monitor.into_on_message::<String>();
        while let Some(line) = lines.next().await {
            // 1700000000.123456 [0 127.0.0.1:5555] "SUBSCRIBE" "a" "b"
            let Some((head, args)) = line.split_once("] ") else {
                continue;
            };
            let client = head.rsplit(' ').next().unwrap_or_default().to_owned();
            let args: Vec<&str> = args
                .trim_matches('"')
                .split("\" \"")
                .filter(|a| a.contains(key.as_str()))
                .collect();
            let Some(command) = line.split("] \"").nth(1).and_then(|r| r.split('"').next()) else {
                continue;
            };
            if args.is_empty() {
                continue;
            }
            let mut seen = record.lock();
            let live = seen.live.entry(client).or_default();
            match command.to_ascii_uppercase().as_str() {
                "SUBSCRIBE" | "PSUBSCRIBE" => {
                    live.extend(args.iter().map(|a| a.to_string()));
                    seen.subscribe_commands += 1;
                    seen.subscribed_names += args.len();
                }
                "UNSUBSCRIBE" | "PUNSUBSCRIBE" => {
                    for a in &args {
                        live.remove(*a);
                    }
                }
                _ => {}
            }
        }
    });
    seen
}

/// A server whose dynamic children `/dyn-*` admit only `{"ok": true}`.
async fn server(key: &str) -> (SocketIo, SocketAddr, RedisAdapterFactory) {
    let factory = RedisAdapterFactory::connect_with(&redis_url(), common::config(key))
        .await
        .unwrap();
    let io = SocketIo::builder()
        .adapter(factory.clone())
        .ns("/", |_: SocketRef| async {})
        .dyn_namespace(
            |name| name.starts_with("/dyn-"),
            Ns::new(|_: SocketRef| async {}).middleware(
                |Data(auth): Data<serde_json::Value>| async move {
                    if auth["ok"] == true {
                        Ok(())
                    } else {
                        Err(ConnectError::new("no"))
                    }
                },
            ),
        )
        .build();
    let addr = common::serve(&io).await;
    (io, addr, factory)
}

/// Waits until `done` holds, for at most 5 s.
async fn eventually(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_children_subscribe_nothing_and_churn_leaves_no_subscription() {
    let key = common::unique_key("dynamic");
    let seen = monitor(&key).await;
    let (_io, addr, factory) = server(&key).await;
    let other = common::node(&key, "b", Answer::Never).await;
    common::wait_subscribers(&key, 2).await;
    let at_start = seen.lock().subscribed_names;

    // Another server broadcasts to `/` all along; the subscriber of this
    // one must deliver each within 100 ms.
    let (mut listener, _) = RawClient::connect(addr, "/", None).await;
    let stop = Arc::new(AtomicBool::new(false));
    let probe = tokio::spawn({
        let stop = stop.clone();
        async move {
            let mut worst = Duration::ZERO;
            let mut n = 0u64;
            while !stop.load(Ordering::Acquire) {
                let sent = Instant::now();
                other.io.emit("tick", &n).await.unwrap();
                let expected = format!(r#"2["tick",{n}]"#);
                while listener.next_text().await != expected {}
                worst = worst.max(sent.elapsed());
                n += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (worst, n)
        }
    });

    // 1,000 dynamic names, each refused by its middleware.
    let mut client = RawClient::open(addr).await;
    for i in 0..1000 {
        let ns = format!("/dyn-refused-{i}");
        client.send(&format!("0{ns},")).await;
        let reply = client.next_text().await;
        assert!(reply.starts_with(&format!("4{ns},")), "{reply}");
    }
    let refused = seen.lock().subscribed_names - at_start;

    // 100 accepted, then left: their subscriptions come and go.
    for i in 0..100 {
        let ns = format!("/dyn-ok-{i}");
        client.join(&ns, Some(r#"{"ok":true}"#)).await;
        client.send(&format!("1{ns},")).await;
    }
    stop.store(true, Ordering::Release);
    let (worst, probes) = probe.await.unwrap();
    let accepted = {
        let seen = seen.lock();
        eprintln!(
            "subscribed names: {refused} for 1,000 refused children; {} for 100 accepted \
         ({} SUBSCRIBE/PSUBSCRIBE commands in all); worst broadcast delay {worst:?} over {probes} probes",
            seen.subscribed_names - at_start - refused,
            seen.subscribe_commands,
        );
        seen.subscribed_names - at_start - refused
    };
    eventually(
        || factory.subscriptions() == 4,
        "the closed children's routes are not all gone",
    )
    .await;
    eventually(
        || {
            let seen = seen.lock();
            seen.live
                .values()
                .flatten()
                .all(|name| !name.contains("/dyn-"))
        },
        "a closed child is still subscribed in Redis",
    )
    .await;
    assert_eq!(refused, 0, "a refused child subscribed");
    assert!(
        accepted <= 4 * 100,
        "accepted children subscribed more than their own names"
    );
    assert!(
        worst < Duration::from_millis(100),
        "a broadcast took {worst:?}"
    );
}
