//! A server speaking the `socket.io-json-parser` format (npm, 3.0.0): a
//! packet format written outside sio, plugged in with
//! `.parser(Parser::custom(JsonParser))`. Clients must use the same parser:
//! `io(url, { parser: require("socket.io-json-parser") })`.
//!
//! Run: `cargo run -p sio --example custom_parser` (listens on
//! 127.0.0.1:3000, or the port in `PORT`); it echoes `echo` events through
//! their ack.

mod json_parser;

use axum::Router;
use json_parser::JsonParser;
use sio::{AckSender, Args, Parser, SocketIo, SocketRef, Value};

async fn on_connect(socket: SocketRef) {
    socket.on(
        "echo",
        |Args(args): Args<Vec<Value>>, ack: AckSender| async move {
            let _ = ack.send(&args);
        },
    );
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let io = SocketIo::builder()
        .parser(Parser::custom(JsonParser))
        .ns("/", on_connect)
        .build();
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().layer(io.layer())).await
}
