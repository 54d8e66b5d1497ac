//! Flood protection, off by default: per-socket event rates
//! ([`EventRateLimit`], checked before the packet middlewares) and
//! per-address connection limits on the engine ([`ConnectionLimit`],
//! checked at the handshake). Both are token buckets kept with what they
//! limit (the socket, the address map): no timer, no task.
//!
//! The buckets are local to one server. A cluster-wide limit would keep
//! the same bucket in a shared store (a Redis script taking a token
//! atomically); the check is one call, `take(key, now) -> bool`, so such a
//! store could stand in for [`bucket::Bucket`] without changing the
//! policies.

mod addr;
pub(crate) mod bucket;
mod events;

pub use addr::ConnectionLimit;
pub(crate) use addr::{AddrLimiter, AddrPermit, peer_addr};
pub(crate) use events::{EventLimiter, SocketLimit, Verdict};
pub use events::{EventRateLimit, OverLimit};
