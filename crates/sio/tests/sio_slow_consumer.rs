//! A client that stops reading fills its own queue only: broadcasts skip
//! it (and count it) while the other clients get every packet on time.

mod sio_common;

use std::time::{Duration, Instant};

use sio::{SocketIo, SocketRef};
use sio_common::{RawClient, serve_io};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_reader_does_not_slow_the_others() {
    let io = SocketIo::builder()
        .max_buffer(64)
        .ns("/", |_: SocketRef| async move {})
        .build();
    let addr = serve_io(&io).await;
    let (_stalled, _) = RawClient::connect(addr, "/", None).await; // never read again
    let (mut fast, _) = RawClient::connect(addr, "/", None).await;
    let payload = "p".repeat(64 * 1024);
    let mut dropped = 0;
    let started = Instant::now();
    for i in 0..300 {
        let report = io.emit("big", &(i, &payload)).await.unwrap();
        dropped += report.dropped;
        let got = fast.next_text().await;
        assert!(got.starts_with(&format!(r#"2["big",[{i},"#)), "round {i}");
    }
    assert!(
        dropped > 0,
        "the stalled client's queue filled and was skipped"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
