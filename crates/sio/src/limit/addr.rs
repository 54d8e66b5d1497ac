//! Per-address connection limits on the engine: [`ConnectionLimit`] (the
//! settings, given to
//! [`EngineConfig::connection_limit`](crate::EngineConfig::connection_limit))
//! and the map of addresses behind it. The map is bounded: addresses with
//! no live session are swept out once it reaches
//! [`ConnectionLimit::max_addresses`], so rotating or spoofed addresses
//! cannot grow it; an address with a live session is kept while it lasts
//! (their number is bounded by `max_sessions`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use http::request::Parts;
use parking_lot::Mutex;

use super::bucket::{Bucket, Rate};

/// Per-address connection limits: how many sessions one client address
/// may hold at once, and how many handshakes it may make a second. Off
/// unless given to
/// [`EngineConfig::connection_limit`](crate::EngineConfig::connection_limit)
/// (or [`SocketIoBuilder::connection_limit`](crate::SocketIoBuilder::connection_limit)).
/// A refused handshake gets HTTP 429 with the body
/// `{"code":429,"message":"Too Many Requests"}`.
///
/// The address is the TCP peer's: the request's extensions must hold a
/// `std::net::SocketAddr` or axum's `ConnectInfo<SocketAddr>` (serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`); a request
/// without one is not limited. Behind a reverse proxy, name the proxy in
/// [`trusted_proxies`](Self::trusted_proxies): only then is
/// `X-Forwarded-For` read.
///
/// | setting | default |
/// |---|---|
/// | [`sessions`](Self::sessions) | 50 live sessions per address |
/// | [`handshakes`](Self::handshakes) | 10 a second, burst 50, per address |
/// | [`trusted_proxies`](Self::trusted_proxies) | none (`X-Forwarded-For` ignored) |
/// | [`max_addresses`](Self::max_addresses) | 10 000 addresses remembered |
///
/// ```
/// use sio::{ConnectionLimit, SocketIo};
/// let io = SocketIo::builder()
///     .connection_limit(
///         ConnectionLimit::default()
///             .sessions(20)
///             .trusted_proxies(["10.0.0.2".parse().unwrap()]),
///     )
///     .build();
/// # drop(io);
/// ```
#[derive(Debug, Clone)]
pub struct ConnectionLimit {
    sessions: u32,
    handshakes: Rate,
    trusted: Vec<IpAddr>,
    max_addresses: usize,
}

impl Default for ConnectionLimit {
    fn default() -> Self {
        Self {
            sessions: 50,
            handshakes: Rate::new(10, 50),
            trusted: Vec::new(),
            max_addresses: 10_000,
        }
    }
}

impl ConnectionLimit {
    /// How many sessions one address may hold at once (default 50).
    pub fn sessions(mut self, n: u32) -> Self {
        self.sessions = n;
        self
    }

    /// How many handshakes one address may make: `per_second` a second,
    /// `burst` at once (default 10 and 50). Refused handshakes do not
    /// count.
    pub fn handshakes(mut self, per_second: u32, burst: u32) -> Self {
        self.handshakes = Rate::new(per_second, burst);
        self
    }

    /// Reverse proxies whose `X-Forwarded-For` is believed: when the peer
    /// is one of them, the client is the last address of that header that
    /// is not a trusted proxy. Default: none, the header is ignored.
    pub fn trusted_proxies<I: IntoIterator<Item = IpAddr>>(mut self, proxies: I) -> Self {
        self.trusted = proxies.into_iter().collect();
        self
    }

    /// How many addresses with no live session are remembered (for their
    /// handshake rate) before the oldest knowledge is swept (default
    /// 10 000).
    pub fn max_addresses(mut self, n: usize) -> Self {
        self.max_addresses = n.max(1);
        self
    }

    pub(crate) fn build(self) -> Arc<AddrLimiter> {
        let next_sweep = self.max_addresses;
        Arc::new(AddrLimiter {
            config: self,
            map: Mutex::new(Map {
                entries: HashMap::default(),
                next_sweep,
            }),
        })
    }
}

/// The live state: addresses and what each holds.
#[derive(Debug)]
pub(crate) struct AddrLimiter {
    config: ConnectionLimit,
    map: Mutex<Map>,
}

#[derive(Debug)]
struct Map {
    entries: HashMap<IpAddr, Entry, foldhash::fast::RandomState>,
    /// Sweep when the map reaches this size (amortised: at least twice
    /// what survived the last sweep).
    next_sweep: usize,
}

#[derive(Debug)]
struct Entry {
    sessions: u32,
    handshakes: Bucket,
}

/// A live session's place in its address's count, given back on drop.
#[derive(Debug)]
pub(crate) struct AddrPermit {
    limiter: Arc<AddrLimiter>,
    ip: IpAddr,
}

impl Drop for AddrPermit {
    fn drop(&mut self) {
        let mut map = self.limiter.map.lock();
        if let Some(entry) = map.entries.get_mut(&self.ip) {
            entry.sessions = entry.sessions.saturating_sub(1);
        }
    }
}

impl AddrLimiter {
    /// The client address of a request: the peer, or with a trusted peer
    /// the last untrusted address of `X-Forwarded-For`.
    pub(crate) fn client_ip(&self, parts: &Parts) -> Option<IpAddr> {
        let peer = peer_addr(parts)?.ip();
        if !self.config.trusted.contains(&peer) {
            return Some(peer);
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        forwarded
            .iter()
            .rev()
            .filter_map(|s| s.parse::<IpAddr>().ok())
            .find(|ip| !self.config.trusted.contains(ip))
            .or(Some(peer))
    }

    /// Admits one handshake from `ip` at `now`; `None` when it is over a
    /// limit. The permit counts the session until it is dropped.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Option<AddrPermit> {
        let config = &self.config;
        let mut map = self.map.lock();
        if !map.entries.contains_key(&ip) && map.entries.len() >= map.next_sweep {
            // Addresses holding no session are forgotten; a live one is
            // kept while its sessions last.
            map.entries.retain(|_, e| e.sessions > 0);
            map.next_sweep = config.max_addresses.max(2 * map.entries.len());
        }
        let entry = map.entries.entry(ip).or_insert_with(|| Entry {
            sessions: 0,
            handshakes: Bucket::full(&config.handshakes, now),
        });
        if entry.sessions >= config.sessions || !entry.handshakes.take(&config.handshakes, now) {
            return None;
        }
        entry.sessions += 1;
        Some(AddrPermit {
            limiter: self.clone(),
            ip,
        })
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.lock().entries.len()
    }
}

/// The TCP peer of a request, from its extensions: a `SocketAddr`, or
/// axum's `ConnectInfo<SocketAddr>`.
pub(crate) fn peer_addr(parts: &Parts) -> Option<SocketAddr> {
    if let Some(addr) = parts.extensions.get::<SocketAddr>() {
        return Some(*addr);
    }
    #[cfg(feature = "axum")]
    if let Some(info) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return Some(info.0);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::*;

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))
    }

    #[test]
    fn sessions_per_address_are_capped_and_given_back() {
        let limiter = ConnectionLimit::default().sessions(3).build();
        let now = Instant::now();
        let held: Vec<_> = (0..3).filter_map(|_| limiter.admit(ip(1), now)).collect();
        assert_eq!(held.len(), 3);
        assert!(limiter.admit(ip(1), now).is_none());
        // Another address is not affected.
        assert!(limiter.admit(ip(2), now).is_some());
        drop(held);
        assert!(limiter.admit(ip(1), now).is_some());
    }

    #[test]
    fn handshakes_per_second_are_capped() {
        let limiter = ConnectionLimit::default().handshakes(2, 2).build();
        let t0 = Instant::now();
        assert!(limiter.admit(ip(1), t0).is_some());
        assert!(limiter.admit(ip(1), t0).is_some());
        assert!(limiter.admit(ip(1), t0).is_none());
        assert!(
            limiter
                .admit(ip(1), t0 + Duration::from_millis(500))
                .is_some()
        );
    }

    #[test]
    fn the_map_stays_bounded_under_100_000_addresses() {
        let limiter = ConnectionLimit::default().build();
        let now = Instant::now();
        let mut max = 0;
        for n in 0..100_000 {
            drop(limiter.admit(ip(n), now));
            max = max.max(limiter.len());
        }
        assert!(max <= 10_000, "map grew to {max}");
        // Addresses with live sessions are kept, the map still bounded.
        let held: Vec<_> = (0..100_000)
            .filter_map(|n| limiter.admit(ip(n), now))
            .step_by(100)
            .collect();
        assert!(limiter.len() <= 20_000, "map grew to {}", limiter.len());
        drop(held);
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let limiter = ConnectionLimit::default().trusted_proxies([proxy]).build();
        let req = |peer: &str| {
            let mut req = http::Request::builder()
                .header("x-forwarded-for", "1.2.3.4, 5.6.7.8, 10.0.0.2")
                .body(())
                .unwrap();
            let peer: IpAddr = peer.parse().unwrap();
            req.extensions_mut().insert(SocketAddr::new(peer, 1234));
            req.into_parts().0
        };
        assert_eq!(limiter.client_ip(&req("10.0.0.2")), "5.6.7.8".parse().ok());
        assert_eq!(limiter.client_ip(&req("9.9.9.9")), "9.9.9.9".parse().ok());
    }
}
