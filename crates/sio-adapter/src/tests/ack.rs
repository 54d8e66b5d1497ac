//! Broadcasts with acks, and collecting the answers.

use std::time::Duration;

use sio_parser::Value;
use tokio::time::Instant;

use super::fake::{four, opts, packet, sorted};
use crate::{AckEvent, AckResponse, AckStream, Adapter, BroadcastOptions, SocketId};

const TIMEOUT: Duration = Duration::from_secs(5);

fn answer(sid: &SocketId) -> AckResponse {
    AckResponse {
        socket: Some(sid.clone()),
        args: vec![Value::from("ok")],
    }
}

#[tokio::test]
async fn each_target_gets_the_packet_the_ack_id_and_the_sink() {
    let (ns, adapter) = four();
    let (sink, _stream) = AckStream::new(1);
    let p = packet();
    adapter
        .broadcast_with_ack(p.clone(), 42, opts(&["red"], &[]), sink)
        .await
        .unwrap();
    let sent = ns.ack_sent.lock();
    assert_eq!(sorted(sent.iter().map(|s| &s.sid)), ["a", "c"]);
    assert!(sent.iter().all(|s| s.ack_id == 42 && s.packet == p));
    assert!(
        ns.sent.lock().is_empty(),
        "no plain send for an ack broadcast"
    );
}

#[tokio::test(start_paused = true)]
async fn a_count_of_zero_is_reported_and_completes_the_collection() {
    let (_ns, adapter) = four();
    let (sink, stream) = AckStream::new(1);
    adapter
        .broadcast_with_ack(packet(), 1, opts(&["nowhere"], &[]), sink)
        .await
        .unwrap();
    let start = Instant::now();
    let collected = stream.collect(TIMEOUT).await;
    assert!(collected.complete);
    assert!(collected.responses.is_empty());
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn only_queued_sockets_are_counted() {
    let (ns, adapter) = four();
    ns.full.lock().insert(SocketId::from("a"));
    ns.closed.lock().insert(SocketId::from("b"));
    let (sink, stream) = AckStream::new(1);
    let count = adapter.broadcast_with_ack_local(&packet(), 1, &BroadcastOptions::all(), &sink);
    assert_eq!(count, 2);
    // c and d answer; a and b never got the packet, so nothing is missing.
    for send in ns.ack_sent.lock().iter() {
        send.sink.ack(answer(&send.sid));
    }
    let start = Instant::now();
    let collected = stream.collect(TIMEOUT).await;
    assert!(collected.complete);
    assert_eq!(
        sorted(collected.responses.iter().filter_map(|r| r.socket.clone())),
        ["c", "d"]
    );
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn answers_arriving_before_the_count_still_complete() {
    let (ns, adapter) = four();
    *ns.answer_at_once.lock() = true;
    let (sink, stream) = AckStream::new(1);
    adapter
        .broadcast_with_ack(packet(), 7, BroadcastOptions::all(), sink)
        .await
        .unwrap();
    let start = Instant::now();
    let collected = stream.collect(TIMEOUT).await;
    assert!(collected.complete);
    assert_eq!(collected.responses.len(), 4);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn collection_ends_early_once_every_client_answered() {
    let (ns, adapter) = four();
    let (sink, stream) = AckStream::new(1);
    adapter
        .broadcast_with_ack(packet(), 3, opts(&["lobby"], &[]), sink)
        .await
        .unwrap();
    let sinks: Vec<_> = ns
        .ack_sent
        .lock()
        .iter()
        .map(|s| (s.sid.clone(), s.sink.clone()))
        .collect();
    let answers = tokio::spawn(async move {
        for (sid, sink) in sinks {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sink.ack(answer(&sid));
        }
    });
    let start = Instant::now();
    let collected = stream.collect(TIMEOUT).await;
    assert!(collected.complete);
    assert_eq!(collected.responses.len(), 2);
    assert_eq!(start.elapsed(), Duration::from_millis(200));
    answers.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn collection_times_out_with_the_answers_so_far() {
    let (ns, adapter) = four();
    let (sink, stream) = AckStream::new(1);
    adapter
        .broadcast_with_ack(packet(), 3, BroadcastOptions::all(), sink)
        .await
        .unwrap();
    {
        let sent = ns.ack_sent.lock();
        for send in sent.iter().take(3) {
            send.sink.ack(answer(&send.sid));
        }
    }
    let start = Instant::now();
    let collected = stream.collect(TIMEOUT).await;
    assert!(!collected.complete);
    assert_eq!(collected.responses.len(), 3);
    assert_eq!(start.elapsed(), TIMEOUT);
    // The sinks notice that nobody listens any more.
    assert!(ns.ack_sent.lock().iter().all(|s| s.sink.is_closed()));
}

#[tokio::test(start_paused = true)]
async fn a_missing_server_report_times_out() {
    let (ns, adapter) = four();
    // Two servers expected; only this one reports.
    let (sink, stream) = AckStream::new(2);
    *ns.answer_at_once.lock() = true;
    adapter
        .broadcast_with_ack(packet(), 3, BroadcastOptions::all(), sink)
        .await
        .unwrap();
    let collected = stream.collect(TIMEOUT).await;
    assert!(!collected.complete);
    assert_eq!(collected.responses.len(), 4);
}

#[tokio::test(start_paused = true)]
async fn once_every_sink_is_dropped_the_collection_ends() {
    let (ns, adapter) = four();
    let (sink, stream) = AckStream::new(1);
    adapter
        .broadcast_with_ack(packet(), 3, opts(&["d"], &[]), sink)
        .await
        .unwrap();
    ns.ack_sent.lock().clear();
    let start = Instant::now();
    let collected = stream.collect(TIMEOUT).await;
    assert!(!collected.complete, "d never answered");
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn a_relay_reads_the_count_then_each_answer() {
    let (ns, adapter) = four();
    let (sink, mut stream) = AckStream::new(1);
    let count = adapter.broadcast_with_ack_local(&packet(), 9, &opts(&["blue"], &[]), &sink);
    drop(sink);
    for send in ns.ack_sent.lock().drain(..) {
        send.sink.ack(answer(&send.sid));
    }
    assert_eq!(
        stream.next_event().await,
        Some(AckEvent::ClientCount(count))
    );
    let mut answered = Vec::new();
    while let Some(event) = stream.next_event().await {
        let AckEvent::Ack(response) = event else {
            panic!("unexpected {event:?}");
        };
        answered.extend(response.socket);
    }
    assert_eq!(sorted(answered), ["b", "c"]);
}
