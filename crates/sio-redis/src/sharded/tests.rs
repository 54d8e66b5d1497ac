//! Channel choice and reply parsing, as Node does them.

use sio_adapter::BroadcastOptions;
use sio_cluster::message::data;
use sio_cluster::{ClusterMessage, MessageType};

use super::{looks_like_a_socket_id, sum_numsub};

#[test]
fn socket_ids_are_twenty_code_units() {
    assert!(looks_like_a_socket_id("wPOdSW3qRtxSt-HhAAAB"));
    assert!(!looks_like_a_socket_id("room1"));
}

#[test]
fn numsub_replies_are_summed_over_nodes() {
    use redis::Value as V;
    let one = V::Array(vec![V::BulkString(b"p#/#".to_vec()), V::Int(2)]);
    assert_eq!(sum_numsub(&one), 2);
    let nodes = V::Map(vec![
        (V::BulkString(b"n1".to_vec()), one.clone()),
        (
            V::BulkString(b"n2".to_vec()),
            V::Array(vec![V::BulkString(b"p#/#".to_vec()), V::Int(0)]),
        ),
        (V::BulkString(b"n3".to_vec()), one),
    ]);
    assert_eq!(sum_numsub(&nodes), 4);
    let resp3 = V::Map(vec![(V::BulkString(b"p#/#".to_vec()), V::Int(3))]);
    assert_eq!(sum_numsub(&resp3), 3);
    assert_eq!(sum_numsub(&V::Nil), 0);
}

#[test]
fn message_builders_are_those_of_the_core() {
    let m = ClusterMessage::new(
        MessageType::Broadcast,
        Some(data::broadcast(
            vec!["x".into()],
            &BroadcastOptions::rooms(["r"]),
            None,
        )),
        "u",
        "/",
    );
    assert_eq!(m.request_id(), None);
}
