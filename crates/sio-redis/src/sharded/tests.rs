//! Channel choice and reply parsing, as Node does them.

use sio_adapter::BroadcastOptions;
use sio_cluster::message::data;
use sio_cluster::{ClusterMessage, MessageType};

use super::{ShardedConfig, SubscriptionMode, channel_of, looks_like_a_socket_id, sum_numsub};
use sio_cluster::Codec;

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

/// The capture of the real Node adapter (see sio-cluster's golden tests).
const NODE_SHARDED: &str = include_str!("../../../sio-cluster/src/tests/node-sharded.jsonl");

#[test]
fn every_captured_message_goes_to_the_channel_node_chose() {
    let config = ShardedConfig::default().channel_prefix("golden");
    let codec = Codec::default();
    let mut checked = 0;
    for line in NODE_SHARDED.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let hex = v["hex"].as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let message = codec.decode(&bytes).unwrap();
        let channel = v["channel"].as_str().unwrap();
        if message.kind.is_response() {
            assert_eq!(channel, format!("golden#/#{}#", &channel[9..25]));
            continue;
        }
        assert_eq!(channel_of(&config, &message), channel, "{line}");
        checked += 1;
    }
    assert_eq!(checked, 13);
    // Static mode: everything on the namespace's channel.
    let config = config.subscription_mode(SubscriptionMode::Static);
    let room = ClusterMessage::new(
        MessageType::Broadcast,
        Some(data::broadcast(
            vec!["x".into()],
            &BroadcastOptions::rooms(["r"]),
            None,
        )),
        "u",
        "/",
    );
    assert_eq!(channel_of(&config, &room), "golden#/#");
    let config = config.subscription_mode(SubscriptionMode::DynamicPrivate);
    let sid = ClusterMessage::new(
        MessageType::Broadcast,
        Some(data::broadcast(
            vec!["x".into()],
            &BroadcastOptions::rooms(["GsxVt1VZsqxQIKglAAAA"]),
            None,
        )),
        "u",
        "/",
    );
    assert_eq!(channel_of(&config, &sid), "golden#/#GsxVt1VZsqxQIKglAAAA#");
}
