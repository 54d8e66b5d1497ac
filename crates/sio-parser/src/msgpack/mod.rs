//! The socket.io-msgpack-parser wire format: each packet is one msgpack map
//! `{type, data, id, nsp}` in one binary message; binary values are native
//! `bin` (or the `ext 0` that browsers' ArrayBuffers produce).

mod decode;
mod encode;

pub(crate) use decode::decode;
pub(crate) use encode::encode;
