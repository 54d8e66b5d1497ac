use super::*;

fn offer(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        SEC_WEBSOCKET_EXTENSIONS,
        HeaderValue::from_str(value).unwrap(),
    );
    h
}

fn answer(config: &PerMessageDeflate, value: &str) -> Option<String> {
    negotiate(config, &offer(value)).map(|(_, v)| v.to_str().unwrap().to_owned())
}

const DEFAULT: &str = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

#[test]
fn the_offers_of_real_clients() {
    let config = PerMessageDeflate::default();
    // Chromium, Firefox and Node's ws.
    assert_eq!(
        answer(&config, "permessage-deflate; client_max_window_bits").as_deref(),
        Some(DEFAULT)
    );
    // Safari.
    assert_eq!(
        answer(&config, "permessage-deflate").as_deref(),
        Some(DEFAULT)
    );
    // Python's websockets.
    let (agreement, value) = negotiate(
        &config,
        &offer("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"),
    )
    .unwrap();
    assert_eq!(
        value,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=12; client_max_window_bits=12"
    );
    assert_eq!(agreement.server_max_window_bits, 12);
    // No offer, or only an unknown extension.
    assert_eq!(negotiate(&config, &HeaderMap::new()), None);
    assert_eq!(answer(&config, "x-webkit-deflate-frame"), None);
}

#[test]
fn node_defaults_keep_context_takeover() {
    let node = PerMessageDeflate::default()
        .server_no_context_takeover(false)
        .client_no_context_takeover(false);
    let (agreement, value) =
        negotiate(&node, &offer("permessage-deflate; client_max_window_bits")).unwrap();
    assert_eq!(value, "permessage-deflate");
    assert!(!agreement.server_no_context_takeover && !agreement.client_no_context_takeover);
    // A client that asks the server not to keep context gets it.
    let (agreement, value) = negotiate(
        &node,
        &offer("permessage-deflate; server_no_context_takeover"),
    )
    .unwrap();
    assert_eq!(value, "permessage-deflate; server_no_context_takeover");
    assert!(agreement.server_no_context_takeover);
}

#[test]
fn offers_that_cannot_be_honoured_are_passed_over() {
    let config = PerMessageDeflate::default();
    for bad in [
        "permessage-deflate; unknown",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; client_max_window_bits=0x0f",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_max_window_bits=\"15",
    ] {
        assert_eq!(answer(&config, bad), None, "{bad}");
    }
    // The next acceptable offer is taken.
    assert_eq!(
        answer(
            &config,
            "permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits=\"10\""
        )
        .as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=10")
    );
}

#[test]
fn a_client_window_limit_needs_the_clients_consent() {
    let config = PerMessageDeflate::default().client_max_window_bits(Some(10));
    assert_eq!(answer(&config, "permessage-deflate"), None);
    assert_eq!(
        answer(&config, "PerMessage-Deflate; Client_Max_Window_Bits").as_deref(),
        Some(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=10"
        )
    );
    let config = PerMessageDeflate::default().server_max_window_bits(Some(11));
    let (agreement, _) = negotiate(
        &config,
        &offer("permessage-deflate; server_max_window_bits=13"),
    )
    .unwrap();
    assert_eq!(agreement.server_max_window_bits, 11);
}

#[test]
fn offers_are_read_from_every_header_and_only_so_far() {
    let mut h = HeaderMap::new();
    h.append(
        SEC_WEBSOCKET_EXTENSIONS,
        HeaderValue::from_static("foo, bar"),
    );
    h.append(
        SEC_WEBSOCKET_EXTENSIONS,
        HeaderValue::from_static("permessage-deflate"),
    );
    assert!(negotiate(&PerMessageDeflate::default(), &h).is_some());
    // Past 16 offers nothing more is read.
    let many = format!("{}permessage-deflate", "x, ".repeat(10_000));
    assert_eq!(answer(&PerMessageDeflate::default(), &many), None);
    let many_params = format!("permessage-deflate{}", "; a".repeat(10_000));
    assert_eq!(answer(&PerMessageDeflate::default(), &many_params), None);
}
