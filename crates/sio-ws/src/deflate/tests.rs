use super::*;

fn agreement(window: u8, takeover: bool) -> Agreement {
    Agreement {
        server_max_window_bits: window,
        client_max_window_bits: 15,
        server_no_context_takeover: !takeover,
        client_no_context_takeover: !takeover,
    }
}

fn json(n: usize) -> Vec<u8> {
    let mut s = String::from("42[\"bench\",{");
    for i in 0..n {
        s.push_str(&format!("\"key{i}\":\"value number {}\",", i * 7));
    }
    s.push_str("\"end\":true}]");
    s.into_bytes()
}

/// Inflates with a plain zlib state of `window` bits, as a client would.
fn client_inflate(state: &mut Inflate, data: &[u8]) -> Vec<u8> {
    inflate_into(state, data, usize::MAX).unwrap().0.to_vec()
}

#[test]
fn messages_round_trip_at_every_window() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let data = json(200);
    for window in 9..=15 {
        let mut compressor = deflate.compressor(&agreement(window, false));
        assert_eq!(compressor.shareable_window(), Some(window));
        let packed = compressor.compress(&data).unwrap();
        assert!(packed.len() < data.len() / 3, "window {window}");
        // A client that agreed on this window inflates it with its own.
        let mut client = Inflate::new(false, window);
        assert_eq!(
            client_inflate(&mut client, &packed),
            data,
            "window {window}"
        );
    }
}

#[test]
fn without_takeover_the_same_message_compresses_to_the_same_bytes() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let data = json(50);
    let mut a = deflate.compressor(&agreement(15, false));
    let mut b = deflate.compressor(&agreement(15, false));
    let first = a.compress(&data).unwrap();
    assert_eq!(a.compress(&data).unwrap(), first);
    assert_eq!(b.compress(&data).unwrap(), first);
}

#[test]
fn with_takeover_each_connection_keeps_its_history() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let mut compressor = deflate.compressor(&agreement(15, true));
    assert_eq!(compressor.shareable_window(), None);
    let mut decompressor = deflate.decompressor(&agreement(15, true));
    let data = json(30);
    let first = compressor.compress(&data).unwrap();
    let second = compressor.compress(&data).unwrap();
    // The second refers back to the first.
    assert!(second.len() < first.len() / 4);
    for packed in [first, second] {
        assert_eq!(decompressor.inflate(&packed, 1 << 20).unwrap(), data);
    }
}

#[test]
fn data_that_does_not_shrink_goes_uncompressed() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let mut compressor = deflate.compressor(&agreement(15, false));
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    let noise: Vec<u8> = (0..2000)
        .map(|_| {
            // xorshift64: bytes zlib cannot shrink.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect();
    assert_eq!(compressor.compress(&noise), None);
    assert_eq!(compressor.compress(b""), None);
}

#[test]
fn inflating_stops_at_the_limit() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let mut compressor = deflate.compressor(&agreement(15, false));
    let bomb = compressor.compress(&vec![b'a'; 5_000_000]).unwrap();
    let mut decompressor = deflate.decompressor(&agreement(15, false));
    assert_eq!(
        decompressor.inflate(&bomb, 1_000_000),
        Err(CloseCode::TOO_BIG)
    );
    // Exactly at the limit is fine.
    let packed = compressor.compress(&vec![b'a'; 1000]).unwrap();
    assert_eq!(decompressor.inflate(&packed, 1000).unwrap().len(), 1000);
    assert_eq!(decompressor.inflate(&packed, 999), Err(CloseCode::TOO_BIG));
}

#[test]
fn garbage_does_not_inflate() {
    let deflate = Deflate::new(PerMessageDeflate::default());
    let mut decompressor = deflate.decompressor(&agreement(15, false));
    assert_eq!(
        decompressor.inflate(&[0xff; 64], 1000),
        Err(CloseCode::INVALID_DATA)
    );
    // The pooled state is reset: the next message inflates.
    let mut compressor = deflate.compressor(&agreement(15, false));
    let data = json(10);
    let packed = compressor.compress(&data).unwrap();
    assert_eq!(decompressor.inflate(&packed, 1 << 20).unwrap(), data);
}

#[test]
fn the_pool_keeps_at_most_the_concurrency_limit() {
    let deflate = Deflate::new(PerMessageDeflate::default().concurrency_limit(2));
    let states: Vec<_> = (0..5).map(|_| deflate.take_deflater(15)).collect();
    for state in states {
        deflate.put_deflater(15, state);
    }
    assert_eq!(deflate.0.deflaters.lock().len(), 2);
    let states: Vec<_> = (0..5).map(|_| deflate.take_inflater()).collect();
    for state in states {
        deflate.put_inflater(state);
    }
    assert_eq!(deflate.0.inflaters.lock().len(), 2);
}

#[test]
fn settings_are_clamped_to_what_zlib_takes() {
    let config = PerMessageDeflate::default()
        .level(42)
        .mem_level(0)
        .server_max_window_bits(Some(3))
        .client_max_window_bits(Some(99));
    assert_eq!(
        (
            config.level,
            config.mem_level,
            config.server_max_window_bits,
            config.client_max_window_bits
        ),
        (9, 1, Some(9), Some(15))
    );
    // A compressor with the extreme settings works.
    let deflate = Deflate::new(config);
    let data = json(20);
    let packed = deflate
        .compressor(&agreement(9, false))
        .compress(&data)
        .unwrap();
    assert_eq!(client_inflate(&mut Inflate::new(false, 9), &packed), data);
}
