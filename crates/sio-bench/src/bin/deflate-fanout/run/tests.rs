use super::*;

#[test]
fn reads_cpu_ticks_from_stat() {
    let stat = "4242 (e2e (srv) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 \
                731 112 0 0 20 0 3 0 12345 123456789 2500 18446744073709551615";
    assert_eq!(parse_stat(stat), Some(843));
    assert_eq!(parse_stat("4242 (x) S 1 2 3"), None);
    assert_eq!(parse_stat("no parenthesis"), None);
    let own = std::fs::read_to_string("/proc/self/stat").unwrap();
    assert!(parse_stat(&own).is_some());
}

#[test]
fn takes_quantiles() {
    assert_eq!(quantile(&[], 0.5), None);
    assert_eq!(quantile(&[7], 0.99), Some(7));
    let values: Vec<u32> = (1..=100).collect();
    assert_eq!(quantile(&values, 0.5), Some(51));
    assert_eq!(quantile(&values, 0.99), Some(99));
    assert_eq!(quantile(&values, 1.0), Some(100));
}

/// A server with the two parts of the e2e contract that the run uses: `auth`
/// emitted on connection, and `emit-all`; per-message deflate with Node's
/// defaults when `deflate`.
async fn server(deflate: bool) -> std::net::SocketAddr {
    use sio::{Args, PerMessageDeflate, SocketIo, SocketRef, Value};

    let io = SocketIo::builder()
        .per_message_deflate(deflate.then(PerMessageDeflate::default))
        .ns("/", |socket: SocketRef| async move {
            let _ = socket.emit("auth", &socket.handshake().auth);
            socket.on(
                "emit-all",
                |socket: SocketRef, Args(args): Args<Vec<Value>>| async move {
                    let mut args = args.into_iter();
                    if let Some(Value::String(event)) = args.next() {
                        let rest: Vec<Value> = args.collect();
                        let _ = socket.within_ns().emit_args(&event, &rest).await;
                    }
                },
            );
        })
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().layer(io.layer());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A short run against a sio server: every connection agrees on deflate
/// (or none does), every delivery comes compressed (or none does), is
/// inflated and checked, and the figures add up.
#[tokio::test]
async fn measures_a_fanout_with_and_without_deflate() {
    for deflate in [true, false] {
        let opts = Opts {
            addr: server(deflate).await.to_string(),
            conns: 20,
            duration: 0.3,
            warmup: 0.1,
            pid: Some(std::process::id()),
            ..Opts::default()
        };
        let (line, ok) = run(opts).await;
        assert!(ok, "{line}");
        let v: Value = serde_json::from_str(&line).unwrap();
        let delivered = v["delivered"].as_u64().unwrap();
        assert!(delivered > 20, "{line}");
        assert_eq!(v["negotiated"], if deflate { 21 } else { 0 }, "{line}");
        assert_eq!(v["inflate"], deflate, "{line}");
        assert_eq!(
            v["compressed"],
            if deflate { delivered } else { 0 },
            "{line}"
        );
        assert_eq!(v["checked"], delivered, "{line}");
        let payload = v["payload_bytes"].as_u64().unwrap();
        assert!(payload > 3700, "{line}");
        let message = v["message_bytes"].as_u64().unwrap();
        assert!(message > payload && message < payload + 40, "{line}");
        let wire = v["wire_bytes_per_delivery"].as_f64().unwrap();
        if deflate {
            assert!(wire < message as f64 / 2.0, "{line}");
        } else {
            // One frame, a 4-byte header (message_bytes is a mean: the
            // timestamp's digits vary).
            assert!((wire - message as f64 - 4.0).abs() < 1.5, "{line}");
        }
        assert!(
            v["p50_us"].is_u64() && v["server_cpu_us_per_delivery"].is_f64(),
            "{line}"
        );
    }
}
