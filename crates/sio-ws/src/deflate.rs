//! permessage-deflate (RFC 7692): the server's settings, the parameters a
//! connection agreed on, and compressing and inflating messages with zlib
//! states that connections borrow from a shared pool.
//!
//! Without context takeover (sio's default, both ways) a connection keeps
//! no zlib state between messages: it borrows one for the length of one
//! message, so an idle connection costs nothing, and a message compressed
//! once can be sent as it is to every connection that agreed on the same
//! window. With context takeover a connection keeps its own state for its
//! life (about 260 KB to compress with the default memory level, 40 KB to
//! inflate), as in Node.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use zlib_rs::{DeflateConfig, DeflateFlush, Inflate, InflateFlush, Status};

use crate::CloseCode;

/// The four bytes that end every flushed message, which the sender strips
/// and the receiver appends (RFC 7692 §7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xFF, 0xFF];

/// Settings of permessage-deflate (Node: the `perMessageDeflate` option of
/// engine.io, which hands it to `ws`). Build with [`Default`] and the
/// setters.
///
/// Defaults are Node's, except that sio asks for **no context takeover
/// both ways**: every message is compressed on its own, so a broadcast is
/// compressed once for all of its recipients and an idle connection holds
/// no zlib state. Turn takeover on to trade that for a better ratio on
/// streams of similar messages.
///
/// ```
/// let deflate = sio_ws::PerMessageDeflate::default().threshold(512).level(1);
/// assert_eq!(deflate.threshold_bytes(), 512);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerMessageDeflate {
    pub(crate) threshold: usize,
    pub(crate) level: u8,
    pub(crate) mem_level: u8,
    pub(crate) server_no_context_takeover: bool,
    pub(crate) client_no_context_takeover: bool,
    pub(crate) server_max_window_bits: Option<u8>,
    pub(crate) client_max_window_bits: Option<u8>,
    pub(crate) concurrency_limit: usize,
}

impl Default for PerMessageDeflate {
    fn default() -> Self {
        Self {
            threshold: 1024,
            level: 6,
            mem_level: 8,
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: None,
            client_max_window_bits: None,
            concurrency_limit: 10,
        }
    }
}

impl PerMessageDeflate {
    /// Node: `threshold`. Messages smaller than this many bytes go out
    /// uncompressed. Default 1024.
    pub fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// The configured threshold.
    pub fn threshold_bytes(&self) -> usize {
        self.threshold
    }

    /// Node: `zlibDeflateOptions.level`, 0 (store) to 9 (smallest).
    /// Default 6 (zlib's default). Larger values are taken as 9.
    pub fn level(mut self, level: u8) -> Self {
        self.level = level.min(9);
        self
    }

    /// Node: `zlibDeflateOptions.memLevel`, 1 to 9: memory of a compressor
    /// against speed. Default 8. Values out of range are clamped.
    pub fn mem_level(mut self, level: u8) -> Self {
        self.mem_level = level.clamp(1, 9);
        self
    }

    /// Node: `serverNoContextTakeover`. True: every message the server
    /// sends is compressed on its own (the response says
    /// `server_no_context_takeover`). Default **true** in sio (Node:
    /// false); a client that asks for it gets it either way.
    pub fn server_no_context_takeover(mut self, on: bool) -> Self {
        self.server_no_context_takeover = on;
        self
    }

    /// Node: `clientNoContextTakeover`. True: the response tells the client
    /// to compress every message on its own, so the server keeps no inflate
    /// state between messages. Default **true** in sio (Node: false).
    pub fn client_no_context_takeover(mut self, on: bool) -> Self {
        self.client_no_context_takeover = on;
        self
    }

    /// Node: `serverMaxWindowBits`, 9 to 15: the window the server
    /// compresses with, announced in the response. Default: none announced
    /// (15, or less when the client asks for less).
    pub fn server_max_window_bits(mut self, bits: Option<u8>) -> Self {
        self.server_max_window_bits = bits.map(|b| b.clamp(9, 15));
        self
    }

    /// Node: `clientMaxWindowBits`, 8 to 15: the largest window the client
    /// may compress with. Set, it is announced when the client offers the
    /// parameter, and an offer without it is declined (as in Node).
    /// Default: none.
    pub fn client_max_window_bits(mut self, bits: Option<u8>) -> Self {
        self.client_max_window_bits = bits.map(|b| b.clamp(8, 15));
        self
    }

    /// Node: `concurrencyLimit`, which bounds the zlib jobs Node runs at
    /// once (to bound zlib's memory). sio runs each job on the connection's
    /// own task, at most one per worker thread; this bounds the zlib states
    /// kept in the pool between jobs. Default 10.
    pub fn concurrency_limit(mut self, n: usize) -> Self {
        self.concurrency_limit = n;
        self
    }
}

/// What one connection agreed on in its handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// Window (9–15) of the messages the server sends.
    pub server_max_window_bits: u8,
    /// Window (8–15) of the messages the client sends.
    pub client_max_window_bits: u8,
    /// The server compresses every message on its own.
    pub server_no_context_takeover: bool,
    /// The client compresses every message on its own.
    pub client_no_context_takeover: bool,
}

/// The server's permessage-deflate: its settings and the zlib states that
/// connections borrow. One per server; cheap to clone.
#[derive(Debug, Clone)]
pub struct Deflate(Arc<Shared>);

struct Shared {
    config: PerMessageDeflate,
    stats: Counters,
    /// Idle compressors, with their window.
    deflaters: Mutex<Vec<(u8, zlib_rs::Deflate)>>,
    inflaters: Mutex<Vec<Inflate>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate")
            .field("config", &self.config)
            .field("idle_deflaters", &self.deflaters.lock().len())
            .field("idle_inflaters", &self.inflaters.lock().len())
            .finish()
    }
}

impl Deflate {
    /// The server's compression with `config`.
    pub fn new(config: PerMessageDeflate) -> Self {
        Self(Arc::new(Shared {
            config,
            stats: Counters::default(),
            deflaters: Mutex::new(Vec::new()),
            inflaters: Mutex::new(Vec::new()),
        }))
    }

    /// The settings.
    pub fn config(&self) -> &PerMessageDeflate {
        &self.0.config
    }

    /// What this server's connections compressed and inflated so far.
    pub fn stats(&self) -> DeflateStats {
        let c = &self.0.stats;
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        DeflateStats {
            compressed: get(&c.compressed),
            compressed_in: get(&c.compressed_in),
            compressed_out: get(&c.compressed_out),
            inflated: get(&c.inflated),
        }
    }

    /// The compressing side of a connection that agreed on `agreement`.
    pub fn compressor(&self, agreement: &Agreement) -> Compressor {
        Compressor {
            deflate: self.clone(),
            window: agreement.server_max_window_bits,
            takeover: !agreement.server_no_context_takeover,
            kept: None,
        }
    }

    /// The inflating side of a connection that agreed on `agreement`.
    pub fn decompressor(&self, agreement: &Agreement) -> Decompressor {
        Decompressor {
            deflate: self.clone(),
            takeover: !agreement.client_no_context_takeover,
            kept: None,
        }
    }

    fn new_deflater(&self, window: u8) -> zlib_rs::Deflate {
        let config = &self.0.config;
        zlib_rs::Deflate::new_with_config(DeflateConfig {
            level: i32::from(config.level),
            mem_level: i32::from(config.mem_level),
            // Negative: raw deflate, no zlib header.
            window_bits: -i32::from(window.clamp(9, 15)),
            ..DeflateConfig::default()
        })
    }

    fn take_deflater(&self, window: u8) -> zlib_rs::Deflate {
        let mut idle = self.0.deflaters.lock();
        match idle.iter().rposition(|(w, _)| *w == window) {
            Some(i) => idle.swap_remove(i).1,
            None => {
                drop(idle);
                self.new_deflater(window)
            }
        }
    }

    fn put_deflater(&self, window: u8, mut state: zlib_rs::Deflate) {
        if self.0.deflaters.lock().len() >= self.0.config.concurrency_limit {
            return;
        }
        state.reset();
        self.0.deflaters.lock().push((window, state));
    }

    fn take_inflater(&self) -> Inflate {
        let popped = self.0.inflaters.lock().pop();
        // Inflating with the largest window reads every window a client may
        // choose.
        popped.unwrap_or_else(|| Inflate::new(false, 15))
    }

    fn put_inflater(&self, mut state: Inflate) {
        if self.0.inflaters.lock().len() >= self.0.config.concurrency_limit {
            return;
        }
        state.reset(false);
        self.0.inflaters.lock().push(state);
    }
}

/// Counts of [`Deflate::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeflateStats {
    /// Messages compressed (a broadcast compressed once counts once).
    pub compressed: u64,
    /// Bytes those messages had before.
    pub compressed_in: u64,
    /// Bytes they had after.
    pub compressed_out: u64,
    /// Messages inflated.
    pub inflated: u64,
}

#[derive(Debug, Default)]
struct Counters {
    compressed: AtomicU64,
    compressed_in: AtomicU64,
    compressed_out: AtomicU64,
    inflated: AtomicU64,
}

impl Counters {
    fn compressed(&self, data: &[u8], out: Option<&Bytes>) {
        let add = |n: &AtomicU64, v: usize| {
            n.fetch_add(u64::try_from(v).unwrap_or(u64::MAX), Ordering::Relaxed);
        };
        add(&self.compressed, 1);
        add(&self.compressed_in, data.len());
        add(&self.compressed_out, out.map_or(data.len(), Bytes::len));
    }
}

/// Compresses the messages of one connection.
pub struct Compressor {
    deflate: Deflate,
    window: u8,
    takeover: bool,
    /// The connection's own state, with context takeover.
    kept: Option<zlib_rs::Deflate>,
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("window", &self.window)
            .field("takeover", &self.takeover)
            .field("kept", &self.kept.is_some())
            .finish_non_exhaustive()
    }
}

impl Compressor {
    /// The threshold below which messages go out uncompressed.
    pub fn threshold(&self) -> usize {
        self.deflate.0.config.threshold
    }

    /// The window this connection's messages are compressed with, when
    /// their compressed form does not depend on what the connection sent
    /// before (no context takeover): the bytes can then be shared with
    /// every connection of the same window. `None` with context takeover.
    pub fn shareable_window(&self) -> Option<u8> {
        (!self.takeover).then_some(self.window)
    }

    /// Compresses one message. `None` means: send it uncompressed. That is
    /// the case when compressing does not make it smaller (without context
    /// takeover), or when zlib fails (it should not; with context takeover
    /// the connection's history then starts over, which is only valid if
    /// the message is not sent compressed).
    pub fn compress(&mut self, data: &[u8]) -> Option<Bytes> {
        let out = self.run(data);
        self.deflate.0.stats.compressed(data, out.as_ref());
        out
    }

    fn run(&mut self, data: &[u8]) -> Option<Bytes> {
        if self.takeover {
            let deflate = &self.deflate;
            let window = self.window;
            let state = self
                .kept
                .get_or_insert_with(|| deflate.new_deflater(window));
            // A failed run leaves the shared history unknown: start over.
            return deflate_sync(state, data).or_else(|| {
                self.kept = None;
                None
            });
        }
        let mut state = self.deflate.take_deflater(self.window);
        let out = deflate_sync(&mut state, data);
        self.deflate.put_deflater(self.window, state);
        out.filter(|out| out.len() < data.len())
    }
}

/// Runs `data` through `state` with a sync flush and strips the flush's
/// empty block (RFC 7692 §7.2.1); `None` if zlib fails.
fn deflate_sync(state: &mut zlib_rs::Deflate, data: &[u8]) -> Option<Bytes> {
    // Deflate never grows data by more than a few bytes per 16 KB block.
    let mut out = vec![0; data.len() + data.len() / 1024 + 64];
    let mut input = data;
    let mut written = 0;
    loop {
        let (in0, out0) = (state.total_in(), state.total_out());
        let status = state.compress(input, &mut out[written..], DeflateFlush::SyncFlush);
        let read = usize::try_from(state.total_in() - in0).unwrap_or(input.len());
        written += usize::try_from(state.total_out() - out0).unwrap_or(0);
        input = input.get(read..).unwrap_or_default();
        if !matches!(status, Ok(Status::Ok | Status::BufError)) {
            return None;
        }
        if input.is_empty() && written < out.len() {
            break;
        }
        out.resize(out.len() * 2, 0);
    }
    out.truncate(written);
    // A sync flush always ends with the empty stored block.
    if !out.ends_with(&TAIL) {
        return None;
    }
    out.truncate(written - TAIL.len());
    Some(Bytes::from(out))
}

/// Inflates the messages a connection receives.
pub struct Decompressor {
    deflate: Deflate,
    takeover: bool,
    /// The connection's own state, with context takeover.
    kept: Option<Inflate>,
}

impl std::fmt::Debug for Decompressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decompressor")
            .field("takeover", &self.takeover)
            .field("kept", &self.kept.is_some())
            .finish_non_exhaustive()
    }
}

impl Decompressor {
    /// Inflates one message of at most `max` bytes once inflated.
    ///
    /// # Errors
    /// [`CloseCode::TOO_BIG`] as soon as the output passes `max` (the rest
    /// is not inflated); [`CloseCode::INVALID_DATA`] when `data` is not a
    /// deflate stream.
    pub fn inflate(&mut self, data: &[u8], max: usize) -> Result<BytesMut, CloseCode> {
        self.deflate
            .0
            .stats
            .inflated
            .fetch_add(1, Ordering::Relaxed);
        if self.takeover {
            let state = self.kept.get_or_insert_with(|| Inflate::new(false, 15));
            let result = inflate_into(state, data, max);
            if !matches!(result, Ok((_, Flow::Open))) {
                // A final block, or a failure: the next message starts a
                // new stream.
                state.reset(false);
            }
            return result.map(|(out, _)| out);
        }
        let mut state = self.deflate.take_inflater();
        let result = inflate_into(&mut state, data, max);
        self.deflate.put_inflater(state);
        result.map(|(out, _)| out)
    }
}

/// Whether a message left its deflate stream open.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Open,
    /// The message held a final block (BFINAL): the stream is over.
    Ended,
}

/// Inflates `data` followed by the flush tail, failing past `max` bytes.
fn inflate_into(
    state: &mut Inflate,
    data: &[u8],
    max: usize,
) -> Result<(BytesMut, Flow), CloseCode> {
    let mut out = BytesMut::new();
    // Output grows in steps, so that a small compressed message that
    // inflates to a lot costs memory only as it goes.
    let mut step = (data.len().saturating_mul(4)).clamp(256, 64 * 1024);
    for input in [data, &TAIL[..]] {
        let mut input = input;
        loop {
            let room = max.saturating_add(1).saturating_sub(out.len()).min(step);
            if room == 0 {
                return Err(CloseCode::TOO_BIG);
            }
            let start = out.len();
            out.resize(start + room, 0);
            let (in0, out0) = (state.total_in(), state.total_out());
            let status = state.decompress(input, &mut out[start..], InflateFlush::SyncFlush);
            let read = usize::try_from(state.total_in() - in0).unwrap_or(input.len());
            let made = usize::try_from(state.total_out() - out0).unwrap_or(0);
            out.truncate(start + made);
            if out.len() > max {
                return Err(CloseCode::TOO_BIG);
            }
            input = input.get(read..).unwrap_or_default();
            match status {
                Ok(Status::Ok | Status::BufError) => {}
                // A final block: nothing may follow within this message.
                Ok(Status::StreamEnd) => return Ok((out, Flow::Ended)),
                Err(_) => return Err(CloseCode::INVALID_DATA),
            }
            // Done with this input once it is consumed and the output had
            // room left (so nothing more is pending inside zlib).
            if input.is_empty() && made < room {
                break;
            }
            if read == 0 && made == 0 {
                return Err(CloseCode::INVALID_DATA);
            }
            step = step.saturating_mul(2).min(1024 * 1024);
        }
    }
    Ok((out, Flow::Open))
}

#[cfg(test)]
mod tests;
