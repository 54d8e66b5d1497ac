//! Sockets as the admin UI reads them (Node's `serialize(socket, nsp)`):
//! `{id, clientId, transport, nsp, data, handshake, rooms}`.

use serde_json::{Value as Json, json};
use sio_adapter::SocketInfo;
use sio_engine::TransportKind;

use crate::socket::Socket;

/// The engine session id cut to 12 characters, and the transport.
pub(crate) fn admin_fields(socket: &Socket) -> Json {
    let sid = socket.engine().sid().as_str();
    let client_id: String = sid.chars().take(12).collect();
    let transport = match socket.engine().transport() {
        TransportKind::Polling => "polling",
        TransportKind::WebSocket => "websocket",
    };
    json!({ "clientId": client_id, "transport": transport })
}

/// A socket of this server.
pub(crate) fn local(socket: &Socket) -> Json {
    let mut data = match socket.data_json() {
        Json::Null => Json::Object(serde_json::Map::new()),
        other => other,
    };
    if let Json::Object(map) = &mut data {
        map.insert("_admin".to_owned(), admin_fields(socket));
    }
    let info = SocketInfo {
        id: socket.id().clone(),
        handshake: socket.handshake().to_json(),
        rooms: socket.rooms(),
        data,
    };
    from_info(info, socket.ns())
}

/// A socket described by the adapter (of this server or another one).
pub(crate) fn from_info(info: SocketInfo, nsp: &str) -> Json {
    let mut data = info.data;
    let admin = match &mut data {
        Json::Object(map) => map.remove("_admin"),
        _ => None,
    };
    if data.is_null() {
        data = Json::Object(serde_json::Map::new());
    }
    let field = |name: &str| {
        admin
            .as_ref()
            .and_then(|a| a.get(name))
            .cloned()
            .unwrap_or_default()
    };
    let mut handshake = info.handshake;
    if let Json::Object(map) = &mut handshake {
        map.remove("auth");
        let headers = map.get("headers");
        let forwarded = ["cf-connecting-ip", "x-forwarded-for"]
            .iter()
            .find_map(|h| headers.and_then(|hs| hs.get(*h)).cloned());
        if let Some(address) = forwarded {
            map.insert("address".to_owned(), address);
        }
    }
    json!({
        "id": info.id.as_str(),
        "clientId": field("clientId"),
        "transport": field("transport"),
        "nsp": nsp,
        "data": data,
        "handshake": handshake,
        "rooms": info.rooms.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_client_fields_from_admin_data_and_drops_auth() {
        let info = SocketInfo {
            id: "s1".into(),
            handshake: json!({
                "headers": {"x-forwarded-for": "10.0.0.9"},
                "address": "127.0.0.1",
                "auth": {"token": "x"},
            }),
            rooms: vec!["s1".into(), "lobby".into()],
            data: json!({"user": "ann", "_admin": {"clientId": "abc", "transport": "polling"}}),
        };
        let s = from_info(info, "/");
        assert_eq!(s["clientId"], "abc");
        assert_eq!(s["transport"], "polling");
        assert_eq!(s["data"], json!({"user": "ann"}));
        assert_eq!(s["handshake"]["address"], "10.0.0.9");
        assert!(s["handshake"].get("auth").is_none());
        assert_eq!(s["rooms"], json!(["s1", "lobby"]));
    }
}
