//! The `metrics` example (feature `metrics`): socket.io-client makes known
//! traffic (`tests/js/examples/client.mjs metrics`), then `/metrics` is
//! scraped and every metric of `sio::metrics` is checked by name, labels and
//! value. Skipped with a message when node or `tests/js/node_modules` is
//! missing, unless `CI` or `SIO_REQUIRE_NODE` is set.

mod sio_common;

use std::process::Stdio;
use std::time::Duration;

#[allow(dead_code)]
#[path = "../../../examples/metrics/main.rs"]
mod metrics_example;

/// The value of the sample `key` (name and labels as rendered), if present.
fn value(body: &str, key: &str) -> Option<f64> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            line.strip_prefix(key)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
}

fn check(body: &str, expected: &[(&str, f64)]) {
    for (key, want) in expected {
        assert_eq!(value(body, key), Some(*want), "{key} in:\n{body}");
    }
}

#[tokio::test]
async fn the_scrape_counts_the_traffic() {
    if !sio_common::node_ready("socket.io-client") {
        return;
    }
    let prometheus = metrics_example::install_recorder().unwrap();
    let addr = sio_common::serve(metrics_example::app(prometheus)).await;
    let child = tokio::process::Command::new("node")
        .args(["examples/client.mjs", "metrics", &format!("http://{addr}")])
        .current_dir(sio_common::js_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("node script timed out")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "node failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("example metrics: 1 checks passed"),
        "{stdout}"
    );
    // the scrape the client made while both sockets were connected
    let during = stdout
        .split_once("--- scrape ---\n")
        .and_then(|(_, rest)| rest.split_once("--- end ---"))
        .map(|(body, _)| body)
        .expect("a scrape in the client's output");
    check(
        during,
        &[
            (r#"sio_connections{transport="websocket"}"#, 1.0),
            (r#"sio_connections{transport="polling"}"#, 1.0),
            (
                r#"sio_connections_opened_total{transport="websocket"}"#,
                1.0,
            ),
            (r#"sio_connections_opened_total{transport="polling"}"#, 1.0),
            (r#"sio_sockets{namespace="/"}"#, 2.0),
            (r#"sio_sockets_connected_total{namespace="/"}"#, 2.0),
            // CONNECT ×2, echo ×3, shout, ask, count
            ("sio_packets_received_total", 8.0),
            // CONNECT replies ×2, echo acks ×3, the shout to the other
            // client, the question, the answers to ask and count
            ("sio_packets_sent_total", 9.0),
            ("sio_broadcasts_total", 1.0),
            ("sio_broadcast_recipients_total", 1.0),
            ("sio_deliveries_dropped_total", 0.0),
            ("sio_acks_sent_total", 5.0),
            ("sio_acks_timed_out_total", 1.0),
            (r#"sio_adapter_requests_total{kind="fetch_sockets"}"#, 1.0),
            (r#"sio_adapter_requests_total{kind="join"}"#, 0.0),
            (r#"sio_adapter_timeouts_total{kind="fetch_sockets"}"#, 0.0),
        ],
    );
    let received = value(during, "sio_bytes_received_total").unwrap();
    let sent = value(during, "sio_bytes_sent_total").unwrap();
    assert!(received > 8.0 && sent > 9.0, "{during}");
    // once the clients left, the gauges come back to zero
    let deadline = tokio::time::Instant::now() + sio_common::WAIT;
    loop {
        let (status, body) = sio_common::http(addr, "GET", "/metrics", "").await;
        assert_eq!(status, 200);
        let zero = [
            r#"sio_connections{transport="websocket"}"#,
            r#"sio_connections{transport="polling"}"#,
            r#"sio_sockets{namespace="/"}"#,
        ]
        .iter()
        .all(|key| value(&body, key) == Some(0.0));
        if zero {
            assert!(body.contains("# HELP sio_acks_sent_total"), "{body}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gauges not back to 0:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
