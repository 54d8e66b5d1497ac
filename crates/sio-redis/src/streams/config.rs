//! [`RedisStreamsConfig`]: the options of Node's
//! `@socket.io/redis-streams-adapter` 0.3.1 with its defaults, the limits
//! put on what is read from Redis, and the stream a namespace writes to.

use std::time::Duration;

/// Options of the Redis Streams adapter, with Node's defaults, and the
/// bounds on what is read back from Redis (untrusted input: any client of
/// the Redis server may write to the stream or publish on the channels).
///
/// | option | default | Node's name |
/// |---|---|---|
/// | [`stream_name`](Self::stream_name) | `socket.io` | `streamName` |
/// | [`stream_count`](Self::stream_count) | 1 | `streamCount` (streams `{name}-{i}` when more than 1) |
/// | [`channel_prefix`](Self::channel_prefix) | `socket.io` | `channelPrefix` (pub/sub of requests and answers) |
/// | [`max_len`](Self::max_len) | 10 000 | `maxLen` (`XADD … MAXLEN ~`) |
/// | [`read_count`](Self::read_count) | 100 | `readCount` (`XREAD COUNT`) |
/// | [`block_time`](Self::block_time) | 5000 ms | `blockTimeInMs` (`XREAD BLOCK`) |
/// | [`session_key_prefix`](Self::session_key_prefix) | `sio:session:` | `sessionKeyPrefix` |
/// | [`only_plaintext`](Self::only_plaintext) | `false` | `onlyPlaintext` (binary data as JSON, never msgpack) |
/// | [`use_sharded_pubsub`](Self::use_sharded_pubsub) | `false` | `useShardedPubSub` (requests and answers over `SPUBLISH`/`SSUBSCRIBE`, count by `PUBSUB SHARDNUMSUB`) |
/// | [`requests_timeout`](Self::requests_timeout) | 5 s | the `ClusterAdapter`'s fixed request timeout |
/// | [`max_message_size`](Self::max_message_size) | 8 MiB | — an entry or message larger than this is dropped unread |
/// | [`max_restore_reads`](Self::max_restore_reads) | 100 | — `XRANGE` calls of one session restore (Node's fixed 100) |
/// | [`max_restore_packets`](Self::max_restore_packets) | 10 000 | — missed packets one restore gives back (past it: a fresh session) |
///
/// Every server of a cluster must agree on
/// [`use_sharded_pubsub`](Self::use_sharded_pubsub): sharded and classic
/// pub/sub do not see each other's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisStreamsConfig {
    pub(crate) stream_name: String,
    pub(crate) stream_count: u32,
    pub(crate) channel_prefix: String,
    pub(crate) max_len: u64,
    pub(crate) read_count: u64,
    pub(crate) block_time: Duration,
    pub(crate) session_key_prefix: String,
    pub(crate) only_plaintext: bool,
    pub(crate) use_sharded_pubsub: bool,
    pub(crate) requests_timeout: Duration,
    pub(crate) max_message_size: usize,
    pub(crate) max_restore_reads: usize,
    pub(crate) max_restore_packets: usize,
}

impl Default for RedisStreamsConfig {
    fn default() -> Self {
        Self {
            stream_name: "socket.io".to_owned(),
            stream_count: 1,
            channel_prefix: "socket.io".to_owned(),
            max_len: 10_000,
            read_count: 100,
            block_time: Duration::from_millis(5000),
            session_key_prefix: "sio:session:".to_owned(),
            only_plaintext: false,
            use_sharded_pubsub: false,
            requests_timeout: Duration::from_millis(5000),
            max_message_size: 8 << 20,
            max_restore_reads: 100,
            max_restore_packets: 10_000,
        }
    }
}

impl RedisStreamsConfig {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// The name of the stream (the prefix of the streams' names when
    /// [`stream_count`](Self::stream_count) is more than 1).
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream_name = name.into();
        self
    }

    /// How many streams the namespaces are spread over (at least 1).
    pub fn stream_count(mut self, count: u32) -> Self {
        self.stream_count = count.max(1);
        self
    }

    /// The prefix of the pub/sub channels of requests and answers.
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }

    /// The approximate length the stream is trimmed to on each `XADD`. A
    /// client whose offset was trimmed away gets a fresh session.
    pub fn max_len(mut self, len: u64) -> Self {
        self.max_len = len;
        self
    }

    /// How many entries one `XREAD` takes (at least 1).
    pub fn read_count(mut self, count: u64) -> Self {
        self.read_count = count.max(1);
        self
    }

    /// How long one `XREAD` blocks waiting for entries.
    pub fn block_time(mut self, time: Duration) -> Self {
        self.block_time = time;
        self
    }

    /// The prefix of the session keys.
    pub fn session_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.session_key_prefix = prefix.into();
        self
    }

    /// Writes entries carrying binary as JSON too (Node's `onlyPlaintext`;
    /// binary then reaches the other servers as JSON, not as bytes).
    pub fn only_plaintext(mut self, on: bool) -> Self {
        self.only_plaintext = on;
        self
    }

    /// Sends requests and answers (`fetch_sockets`, `server_side_emit`,
    /// broadcasts with acks) with Redis 7's sharded pub/sub (`SPUBLISH`,
    /// `SSUBSCRIBE`) and counts the servers with `PUBSUB SHARDNUMSUB`, as
    /// Node's `useShardedPubSub`. Needs Redis 7 and a plain `redis://` URL
    /// (the sharded subscriber's own connection has no TLS).
    pub fn use_sharded_pubsub(mut self, on: bool) -> Self {
        self.use_sharded_pubsub = on;
        self
    }

    /// How long requests (`fetch_sockets`, `server_side_emit_with_ack`)
    /// wait for the other servers.
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }

    /// The largest stream entry or pub/sub message read, in bytes.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Most `XRANGE` calls of one session restore.
    pub fn max_restore_reads(mut self, n: usize) -> Self {
        self.max_restore_reads = n.max(1);
        self
    }

    /// Most missed packets one restore gives back; a client that missed
    /// more gets a fresh session.
    pub fn max_restore_packets(mut self, n: usize) -> Self {
        self.max_restore_packets = n;
        self
    }

    /// The names of every stream, as readers read them.
    pub fn streams(&self) -> Vec<String> {
        if self.stream_count <= 1 {
            vec![self.stream_name.clone()]
        } else {
            (0..self.stream_count)
                .map(|i| format!("{}-{i}", self.stream_name))
                .collect()
        }
    }

    /// The stream namespace `nsp` writes to, computed as Node does (see
    /// [`ns_hash`]): `{name}-{hash % count}`, where the remainder keeps the
    /// sign of the hash. A negative remainder names a stream nobody reads
    /// (`socket.io--1`): that is Node 0.3.1's behaviour, kept so that a
    /// mixed cluster agrees on where each namespace goes.
    pub fn stream_for(&self, nsp: &str) -> String {
        if self.stream_count <= 1 {
            return self.stream_name.clone();
        }
        let count = i64::from(self.stream_count);
        let index = i64::from(ns_hash(nsp)) % count;
        format!("{}-{index}", self.stream_name)
    }
}

/// Node's namespace hash: Java's `String.hashCode` over UTF-16 code units,
/// `h = h * 31 + unit` in wrapping 32-bit signed arithmetic. It is often
/// negative (`"/namespace-long-name"` gives -200 843 077), and Node takes
/// the remainder with JavaScript's `%`, which keeps that sign: see
/// [`RedisStreamsConfig::stream_for`].
pub fn ns_hash(nsp: &str) -> i32 {
    nsp.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_defaults() {
        let c = RedisStreamsConfig::default();
        assert_eq!(c.streams(), ["socket.io"]);
        assert_eq!(c.stream_for("/admin"), "socket.io");
        assert_eq!((c.max_len, c.read_count), (10_000, 100));
        assert_eq!(c.block_time, Duration::from_millis(5000));
        assert_eq!(c.session_key_prefix, "sio:session:");
        assert!(!c.use_sharded_pubsub);
    }

    #[test]
    fn hash_as_java_and_js() {
        // Values computed with Node 0.3.1's `hashCode` (`h = h * 31 + charCodeAt(i); h |= 0`).
        assert_eq!(ns_hash(""), 0);
        assert_eq!(ns_hash("/"), 47);
        assert_eq!(ns_hash("/admin"), 1_438_238_848);
        assert_eq!(ns_hash("/namespace-long-name"), -200_843_077);
        // UTF-16 code units: a character outside the BMP counts twice.
        assert_eq!(ns_hash("😀"), 0xd83d * 31 + 0xde00);
    }

    #[test]
    fn negative_remainder_kept() {
        let c = RedisStreamsConfig::default().stream_count(4);
        assert_eq!(
            c.streams(),
            ["socket.io-0", "socket.io-1", "socket.io-2", "socket.io-3"]
        );
        assert_eq!(c.stream_for("/"), "socket.io-3");
        // -200843077 % 4 == -1 in JavaScript: a stream no reader reads.
        assert_eq!(c.stream_for("/namespace-long-name"), "socket.io--1");
    }
}
