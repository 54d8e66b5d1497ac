//! The msgpack parser: every packet is one binary frame, both ways.

mod sio_common;

use sio::{AckSender, Args, Parser, SocketIo, SocketRef, Value};
use sio_common::{Frame, RawClient, serve_io};
use sio_engine::Message;
use sio_parser::{Decoder, DecoderConfig, Encoder, PacketKind, Version};

fn frame(encoded: sio_parser::Encoded) -> Vec<u8> {
    match encoded.messages().next() {
        Some(Message::Binary(data)) => data.to_vec(),
        other => panic!("not one binary frame: {other:?}"),
    }
}

#[tokio::test]
async fn msgpack_clients_connect_and_get_acks() {
    let io = SocketIo::builder()
        .parser(Parser::MsgPack)
        .ns("/", |socket: SocketRef| async move {
            socket.on(
                "echo",
                |Args(args): Args<Vec<Value>>, ack: AckSender| async move {
                    let _ = ack.send_args(&args);
                },
            );
        })
        .build();
    let addr = serve_io(&io).await;
    let encoder = Encoder::new(Parser::MsgPack, Version::V5);
    let mut decoder = Decoder::new(
        Parser::MsgPack,
        Version::V5,
        DecoderConfig::default().allow_connect_error(true),
    );
    let mut client = RawClient::open(addr).await;

    client
        .send_binary(&frame(
            encoder.connect_with("/", &serde_json::json!({})).unwrap(),
        ))
        .await;
    let Frame::Binary(reply) = client.next().await else {
        panic!("no binary CONNECT reply")
    };
    let reply = decoder.decode_binary(reply.into()).unwrap().unwrap();
    assert_eq!(reply.kind, PacketKind::Connect);

    let args = (1, "two", bytes::Bytes::from_static(b"\x00\xff"));
    client
        .send_binary(&frame(encoder.event("/", "echo", &args, Some(9)).unwrap()))
        .await;
    let Frame::Binary(ack) = client.next().await else {
        panic!("no binary ACK")
    };
    let ack = decoder.decode_binary(ack.into()).unwrap().unwrap();
    assert_eq!(ack.id, Some(9));
    let (n, text, bin): (u8, String, bytes::Bytes) = ack.args().unwrap();
    assert_eq!((n, text.as_str(), &bin[..]), (1, "two", &b"\x00\xff"[..]));
}
