//! Broadcasts: who is reached, the shared encoded packet, full queues.

use std::sync::Arc;

use bytes::Bytes;
use sio_parser::{Encoded, Encoder};

use super::fake::{four, opts, packet, setup};
use crate::{Adapter, BroadcastOptions, BroadcastReport, SocketId};

async fn reached(rooms: &[&str], except: &[&str]) -> (Vec<String>, BroadcastReport) {
    let (ns, adapter) = four();
    let report = adapter
        .broadcast(packet(), opts(rooms, except))
        .await
        .unwrap();
    (ns.sent_to(), report)
}

#[tokio::test]
async fn to_all_reaches_every_socket_once() {
    let (to, report) = reached(&[], &[]).await;
    assert_eq!(to, ["a", "b", "c", "d"]);
    assert_eq!(
        report,
        BroadcastReport {
            sent: 4,
            dropped: 0
        }
    );
}

#[tokio::test]
async fn to_rooms_reaches_their_union_without_duplicates() {
    assert_eq!(reached(&["lobby"], &[]).await.0, ["a", "b"]);
    // c is in red and blue; a in lobby and red: each gets it once.
    let (to, report) = reached(&["lobby", "red", "blue"], &[]).await;
    assert_eq!(to, ["a", "b", "c"]);
    assert_eq!(report.sent, 3);
    assert_eq!(reached(&["d"], &[]).await.0, ["d"]);
    assert!(reached(&["nowhere"], &[]).await.0.is_empty());
}

#[tokio::test]
async fn except_leaves_out_every_socket_of_its_rooms() {
    assert_eq!(reached(&[], &["red"]).await.0, ["b", "d"]);
    // socket.broadcast.emit: everyone but the sender.
    assert_eq!(reached(&[], &["a"]).await.0, ["b", "c", "d"]);
    assert_eq!(reached(&[], &["red", "blue"]).await.0, ["d"]);
    assert_eq!(reached(&[], &["nowhere"]).await.0.len(), 4);
}

#[tokio::test]
async fn rooms_and_except_combine() {
    assert_eq!(reached(&["lobby", "red"], &["blue"]).await.0, ["a"]);
    assert_eq!(reached(&["red", "blue"], &["a"]).await.0, ["b", "c"]);
    assert!(reached(&["lobby"], &["lobby"]).await.0.is_empty());
}

#[tokio::test]
async fn every_recipient_shares_the_same_buffers() {
    let (ns, adapter) = four();
    let attachment = Bytes::from_static(b"\x01\x02\x03");
    let encoded = Encoder::default()
        .event("/", "file", &("f", attachment), None)
        .unwrap();
    let Encoded::Text { frame, attachments } = &encoded else {
        panic!("expected a text packet");
    };
    let text_ptr = frame.as_frame().as_bytes().as_ptr();
    let attachment_ptr = attachments[0].as_ptr();
    adapter
        .broadcast(encoded.clone(), BroadcastOptions::all())
        .await
        .unwrap();
    let sent = ns.sent.lock();
    assert_eq!(sent.len(), 4);
    for (sid, got, _) in sent.iter() {
        let Encoded::Text { frame, attachments } = got else {
            panic!("{sid}: expected a text packet");
        };
        let ptr = frame.as_frame().as_bytes().as_ptr();
        assert_eq!(ptr, text_ptr, "{sid}: text re-encoded");
        assert_eq!(
            attachments[0].as_ptr(),
            attachment_ptr,
            "{sid}: attachment copied"
        );
    }
}

#[tokio::test]
async fn full_or_closing_sockets_are_dropped_and_the_rest_served() {
    let (ns, adapter) = four();
    ns.full.lock().insert(SocketId::from("b"));
    ns.closed.lock().insert(SocketId::from("c"));
    let report = adapter
        .broadcast(packet(), BroadcastOptions::all())
        .await
        .unwrap();
    assert_eq!(
        report,
        BroadcastReport {
            sent: 2,
            dropped: 2
        }
    );
    assert_eq!(ns.sent_to(), ["a", "d"]);
}

#[tokio::test]
async fn flags_reach_the_namespace() {
    let (ns, adapter) = four();
    let mut options = BroadcastOptions::socket(&SocketId::from("a"));
    options.flags.volatile = true;
    options.flags.compress = true;
    options.flags.local = true;
    adapter.broadcast(packet(), options.clone()).await.unwrap();
    let sent = ns.sent.lock();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].2, options.flags);
}

#[tokio::test]
async fn nothing_happens_until_the_future_is_polled() {
    let (ns, adapter) = four();
    let future = adapter.broadcast(packet(), BroadcastOptions::all());
    assert!(ns.sent.lock().is_empty());
    future.await.unwrap();
    assert_eq!(ns.sent.lock().len(), 4);
}

#[tokio::test]
async fn once_the_namespace_is_gone_broadcasts_do_nothing() {
    let (ns, adapter) = setup(&[("a", &["lobby"])]);
    let weak = Arc::downgrade(&ns);
    drop(ns);
    assert!(weak.upgrade().is_none());
    let report = adapter
        .broadcast(packet(), BroadcastOptions::all())
        .await
        .unwrap();
    assert_eq!(report, BroadcastReport::default());
    // The index itself still answers.
    assert_eq!(adapter.socket_count(), 1);
}
