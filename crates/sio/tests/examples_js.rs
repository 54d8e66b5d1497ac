//! The examples of issue 15 (`examples/{auth,cluster,tower,hyper}`), each
//! served on 127.0.0.1:0 and driven by the real JavaScript client
//! (`tests/js/examples/client.mjs`, socket.io-client 4.x). Skipped with a
//! message when node or `tests/js/node_modules` is missing (or, for the
//! cluster, Redis), unless `CI` or `SIO_REQUIRE_NODE` is set: then a
//! missing node fails the test.

mod sio_common;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};

#[allow(dead_code)]
#[path = "../../../examples/auth/main.rs"]
mod auth;

#[allow(dead_code)]
#[path = "../../../examples/cluster/main.rs"]
mod cluster;

#[allow(dead_code)]
#[path = "../../../examples/tower/main.rs"]
mod tower_example;

#[allow(dead_code)]
#[path = "../../../examples/hyper/main.rs"]
mod hyper_example;

/// Runs the client's `scenario` against `urls`, calling `on_line` with
/// each line it prints; returns its output once it succeeded.
async fn run_with(scenario: &str, urls: &[String], mut on_line: impl FnMut(&str)) -> String {
    let mut child = tokio::process::Command::new("node")
        .arg("examples/client.mjs")
        .arg(scenario)
        .args(urls)
        .current_dir(sio_common::js_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut out = String::new();
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            on_line(&line);
            out.push_str(&line);
            out.push('\n');
        }
        child.wait_with_output().await.unwrap()
    };
    let done = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("node script timed out");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(
        done.status.success(),
        "node failed ({}):\n{out}\n{stderr}",
        done.status
    );
    out
}

async fn listener() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[tokio::test]
async fn auth_checks_the_token_against_the_user_table() {
    if !sio_common::node_ready("socket.io-client") {
        return;
    }
    let addr = sio_common::serve(auth::app(auth::Users::demo())).await;
    let out = run_with("auth", &[format!("http://{addr}")], |_| {}).await;
    assert!(out.contains("example auth: 4 checks passed"), "{out}");
}

#[tokio::test]
async fn cluster_broadcasts_reach_both_servers_through_redis() {
    if !sio_common::node_ready("socket.io-client") {
        return;
    }
    let redis = std::env::var("SIO_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let key = format!(
        "sio-example-cluster-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    );
    let mut urls = Vec::new();
    for name in ["a", "b"] {
        let (app, _io) = match cluster::server(name, &redis, &key).await {
            Ok(server) => server,
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("SKIPPED: no Redis at {redis} ({e})");
                return;
            }
            Err(e) => panic!("Redis at {redis}: {e}"),
        };
        urls.push(format!("http://{}", sio_common::serve(app).await));
    }
    let out = run_with("cluster", &urls, |_| {}).await;
    assert!(out.contains("example cluster: 3 checks passed"), "{out}");
}

#[tokio::test]
async fn tower_stack_serves_files_and_sockets_and_shuts_down_gracefully() {
    if !sio_common::node_ready("socket.io-client") {
        return;
    }
    let (listener, addr) = listener().await;
    let url = format!("http://{addr}");
    let static_dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tower/static");
    let io = tower_example::socket_io();
    let app = tower_example::app(&io, &static_dir, url.parse().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tower_example::serve(listener, app, io, async move {
        let _ = stopped.await;
    }));
    let mut stop = Some(stop);
    let out = run_with("tower", std::slice::from_ref(&url), |line| {
        if line == "ready for shutdown" {
            stop.take().map(|stop| stop.send(()));
        }
    })
    .await;
    assert!(out.contains("example tower: 3 checks passed"), "{out}");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server did not stop")
        .unwrap()
        .unwrap();
}

/// Serves `n` tower examples and runs the `shutdown:<mode>` scenario on
/// them: when the client of server `i` says it is ready, that server emits
/// `tick` (answering a pending poll: a polling client is then between two
/// GETs) and shuts down. Every client must see `transport close`.
async fn shutdown_ends_clients_cleanly(mode: &str, n: usize) {
    if !sio_common::node_ready("socket.io-client") {
        return;
    }
    let static_dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tower/static");
    let (mut urls, mut stops, mut servers) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let (listener, addr) = listener().await;
        let url = format!("http://{addr}");
        let io = tower_example::socket_io();
        let app = tower_example::app(&io, &static_dir, url.parse().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        servers.push(tokio::spawn(tower_example::serve(
            listener,
            app,
            io.clone(),
            async move {
                let _ = stopped.await;
            },
        )));
        stops.push(Some((io, stop)));
        urls.push(url);
    }
    let out = run_with(&format!("shutdown:{mode}"), &urls, |line| {
        let Some(i) = line.strip_prefix("ready for shutdown ") else {
            return;
        };
        let taken = i
            .parse::<usize>()
            .ok()
            .and_then(|i| stops.get_mut(i)?.take());
        if let Some((io, stop)) = taken {
            tokio::spawn(async move {
                io.emit("tick", &1).await.unwrap();
                let _ = stop.send(());
            });
        }
    })
    .await;
    assert!(out.contains("example shutdown:"), "{out}");
    for server in servers {
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the server did not stop")
            .unwrap()
            .unwrap();
    }
}

#[tokio::test]
async fn shutdown_ends_polling_clients_between_two_gets_with_transport_close() {
    // Many times: a session ending between two GETs used to be a race.
    shutdown_ends_clients_cleanly("polling", 20).await;
}

#[tokio::test]
async fn shutdown_ends_websocket_clients_with_transport_close() {
    shutdown_ends_clients_cleanly("websocket", 3).await;
}

#[tokio::test]
async fn shutdown_ends_upgraded_clients_with_transport_close() {
    shutdown_ends_clients_cleanly("upgrade", 3).await;
}

#[tokio::test]
async fn hyper_serves_sockets_without_axum() {
    if !sio_common::node_ready("socket.io-client") {
        return;
    }
    let (listener, addr) = listener().await;
    tokio::spawn(hyper_example::serve(listener, hyper_example::socket_io()));
    let out = run_with("hyper", &[format!("http://{addr}")], |_| {}).await;
    assert!(out.contains("example hyper: 2 checks passed"), "{out}");
}
