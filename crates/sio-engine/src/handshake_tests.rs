//! Handshake query parsing (security cases 1, 2 and 4).

use super::*;

fn parse(q: &str) -> Result<HandshakeQuery<'_>, RequestError> {
    HandshakeQuery::parse(Some(q))
}

#[test]
fn parses_a_handshake_and_a_session_request() {
    assert_eq!(
        parse("EIO=4&transport=polling&t=Nx1"),
        Ok(HandshakeQuery {
            protocol: Protocol::V4,
            transport: TransportKind::Polling,
            sid: None,
            b64: false,
        })
    );
    let q = parse("EIO=3&transport=websocket&sid=ab-C_d.9~&b64=1").unwrap();
    assert_eq!(q.protocol, Protocol::V3);
    assert_eq!(q.transport, TransportKind::WebSocket);
    assert_eq!(q.sid.as_deref(), Some("ab-C_d.9~"));
    assert!(q.b64);
    assert!(parse("EIO=3&transport=polling&b64=true").unwrap().b64);
    assert!(!parse("EIO=3&transport=polling&b64=0").unwrap().b64);
    // Percent-encoding is decoded.
    assert_eq!(
        parse("EIO=%34&transport=pol%6Cing").unwrap().protocol,
        Protocol::V4
    );
}

#[test]
fn protocol_version_must_be_3_or_4() {
    for q in [
        "transport=polling",
        "EIO=9&transport=polling",
        "EIO=&transport=polling",
        "EIO=04&transport=polling",
        "EIO=4.0&transport=polling",
        "EIO=4&EIO=4&transport=polling",
        "EIO=3&EIO=4&transport=polling",
        "eio=4&transport=polling",
    ] {
        assert_eq!(
            parse(q),
            Err(RequestError::UnsupportedProtocolVersion),
            "{q}"
        );
    }
    assert_eq!(
        HandshakeQuery::parse(None),
        Err(RequestError::UnknownTransport)
    );
}

#[test]
fn transport_must_be_known() {
    for q in [
        "EIO=4",
        "EIO=4&transport=",
        "EIO=4&transport=abc",
        "EIO=4&transport=__proto__",
        "EIO=4&transport=constructor",
        "EIO=4&transport=Polling",
        "EIO=4&transport=polling&transport=polling",
        "EIO=4&transport=polling&transport=websocket",
        "EIO=4&transport[]=polling",
    ] {
        assert_eq!(parse(q), Err(RequestError::UnknownTransport), "{q}");
    }
}

#[test]
fn malformed_sid_is_unknown() {
    let long = "a".repeat(10_000);
    for sid in ["", "a%20b", "a/b", "é", "a+b", long.as_str()] {
        let q = format!("EIO=4&transport=polling&sid={sid}");
        assert_eq!(parse(&q), Err(RequestError::UnknownSid), "{sid}");
    }
    assert_eq!(
        parse("EIO=4&transport=polling&sid=a&sid=a"),
        Err(RequestError::UnknownSid)
    );
    let max = "a".repeat(crate::MAX_SID_LEN);
    assert!(parse(&format!("EIO=4&transport=polling&sid={max}")).is_ok());
}

#[test]
fn the_fast_path_reads_pairs_as_form_urlencoded_does() {
    for q in [
        "EIO=4&transport=polling&t=PZ1x2&sid=abc",
        "&&EIO=4&&transport=websocket&",
        "EIO&transport=&=4&sid==a=b",
        "EIO=%34&transport=pol%6Cing&b64=1",
        "a+b=c+d&sid=x%2By&%zz=%",
        "é=ü&EIO=3",
    ] {
        let fast: Vec<(String, String)> = super::pairs(q)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let crate_: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(fast, crate_, "{q}");
    }
}
