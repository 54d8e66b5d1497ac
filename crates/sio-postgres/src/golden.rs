//! Golden vectors: what Node's `@socket.io/postgres-adapter` 0.5.0 and
//! `@socket.io/postgres-emitter` 0.1.1 notified and stored, captured with
//! `golden/capture.mjs` (see `golden/README.md`). Every notification and
//! row decodes; the adapter's own messages re-encode byte for byte, JSON
//! and msgpack; headers are written as Node writes them; and this crate
//! sends through the table exactly what Node does.

use serde::Deserialize;
use sio_cluster::{ClusterMessage, Codec, EMITTER_UID, Flavor, MessageType};
use sio_parser::Value;

use crate::notification::{self, Notification};

const CAPTURE: &str = include_str!("../golden/node-0.5.0.json");

#[derive(Deserialize)]
struct Capture {
    notifications: Vec<Note>,
    attachments: Vec<Row>,
}

#[derive(Deserialize)]
struct Note {
    step: String,
    channel: String,
    payload: String,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    payload_hex: String,
}

fn capture() -> Capture {
    serde_json::from_str(CAPTURE).expect("the capture is JSON")
}

fn codec() -> Codec {
    Codec {
        flavor: Flavor::MsgpackJs,
        ..Codec::default()
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Decodes as the transport does (the emitter writes no `nsp`).
fn decode(bytes: &[u8]) -> ClusterMessage {
    let mut value = codec().decode_value(bytes).expect("decodes");
    if let Value::Object(entries) = &mut value
        && !entries.iter().any(|(k, _)| k == "nsp")
    {
        entries.push(("nsp".to_owned(), Value::from("/")));
    }
    ClusterMessage::from_value(value).expect("a cluster message")
}

#[test]
fn every_notification_decodes_and_the_adapters_reencode_byte_for_byte() {
    let capture = capture();
    assert!(capture.notifications.len() >= 20);
    let mut kinds = std::collections::HashSet::new();
    for note in &capture.notifications {
        assert_eq!(note.channel, "golden#/", "{}", note.step);
        match notification::parse(note.payload.clone()).expect("parses") {
            Notification::Message { json, .. } => {
                let message = decode(json.as_bytes());
                kinds.insert(message.kind);
                if message.uid != EMITTER_UID {
                    let again = sio_cluster::encode_json(&message.to_value());
                    assert_eq!(String::from_utf8_lossy(&again), json, "{}", note.step);
                }
            }
            Notification::Header { uid, attachment_id } => {
                let uid = uid.expect("a uid");
                let row = capture
                    .attachments
                    .iter()
                    .find(|r| r.id == attachment_id.to_string())
                    .expect("its row");
                let message = decode(&hex(&row.payload_hex));
                assert_eq!(message.uid, uid, "{}", note.step);
                assert_eq!(
                    notification::header(&uid, message.kind.code(), attachment_id),
                    note.payload
                );
            }
        }
    }
    // Each of the 13 types was captured.
    for kind in [
        MessageType::InitialHeartbeat,
        MessageType::Heartbeat,
        MessageType::Broadcast,
        MessageType::SocketsJoin,
        MessageType::SocketsLeave,
        MessageType::DisconnectSockets,
        MessageType::FetchSockets,
        MessageType::FetchSocketsResponse,
        MessageType::ServerSideEmit,
        MessageType::ServerSideEmitResponse,
        MessageType::BroadcastClientCount,
        MessageType::BroadcastAck,
        MessageType::AdapterClose,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} captured");
    }
}

#[test]
fn attachment_rows_decode_and_reencode_byte_for_byte() {
    let capture = capture();
    assert_eq!(capture.attachments.len(), 3);
    for row in &capture.attachments {
        let bytes = hex(&row.payload_hex);
        let message = decode(&bytes);
        assert_eq!(message.kind, MessageType::Broadcast);
        if message.uid != EMITTER_UID {
            assert_eq!(
                sio_cluster::encode_msgpack(&message.to_value()),
                bytes,
                "row {}",
                row.id
            );
        }
    }
    // The binary broadcast keeps its binary arguments.
    let binary = decode(&hex(&capture.attachments[0].payload_hex));
    assert!(binary.has_binary());
}
