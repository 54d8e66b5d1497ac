//! Per-socket event rate limits: [`EventRateLimit`] (the settings, given
//! to [`SocketIoBuilder::event_rate_limit`](crate::SocketIoBuilder::event_rate_limit))
//! and the state each socket keeps. The check runs in the connection's
//! own task before the packet middlewares: one uncontended per-socket lock,
//! no timer, no allocation.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;

use super::bucket::{Bucket, Rate};

/// What happens to an event over its rate limit (see [`EventRateLimit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OverLimit {
    /// Drop the event; nothing runs and the client is told nothing (an
    /// acknowledgement it asked for never comes).
    Drop,
    /// Drop the event; if the client asked for an acknowledgement, answer
    /// it with `{"message": "rate limited"}`. The socket's
    /// [`on_error`](crate::SocketRef::on_error) listener hears of it.
    AckError,
    /// As [`OverLimit::AckError`]; the first event over the limit also
    /// emits `event` to the client with `{"message": "rate limited"}`,
    /// and the socket is disconnected (reason `server namespace
    /// disconnect`) when more than `strikes` events in a row are over the
    /// limit. A client that pauses until its bucket is full again starts
    /// afresh (and is warned again next time).
    Warn {
        /// The warning event sent to the client.
        event: String,
        /// How many events over the limit are forgiven before the socket
        /// is disconnected.
        strikes: u32,
    },
    /// Disconnect the socket at the first event over the limit (reason
    /// `server namespace disconnect`).
    Disconnect,
}

impl OverLimit {
    /// [`OverLimit::Warn`] with the event `rate-limited` and 100 strikes.
    pub fn warn() -> Self {
        Self::Warn {
            event: "rate-limited".to_owned(),
            strikes: 100,
        }
    }
}

/// Per-socket event rate limits: a token bucket per socket (`per_second`
/// events a second, `burst` at once), and optionally separate buckets for
/// groups of events. Off unless given to
/// [`SocketIoBuilder::event_rate_limit`](crate::SocketIoBuilder::event_rate_limit);
/// applies to every socket of every namespace.
///
/// | setting | default |
/// |---|---|
/// | rate ([`EventRateLimit::new`]) | 100 events a second, burst 100 |
/// | [`policy`](Self::policy) | [`OverLimit::AckError`] |
/// | [`group`](Self::group) | none: every event shares one bucket |
///
/// ```
/// use sio::{EventRateLimit, OverLimit, SocketIo};
/// let io = SocketIo::builder()
///     .event_rate_limit(
///         EventRateLimit::new(20, 40)
///             .policy(OverLimit::warn())
///             // typing notices have their own, smaller budget
///             .group(["typing"], 5, 5),
///     )
///     .build();
/// # drop(io);
/// ```
#[derive(Debug, Clone)]
pub struct EventRateLimit {
    rate: Rate,
    policy: OverLimit,
    groups: Vec<(Vec<String>, Rate)>,
}

impl Default for EventRateLimit {
    fn default() -> Self {
        Self::new(100, 100)
    }
}

impl EventRateLimit {
    /// `per_second` events a second per socket, `burst` at once (at least
    /// 1), with the policy [`OverLimit::AckError`].
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            rate: Rate::new(per_second, burst),
            policy: OverLimit::AckError,
            groups: Vec::new(),
        }
    }

    /// What happens to an event over the limit (default
    /// [`OverLimit::AckError`]).
    pub fn policy(mut self, policy: OverLimit) -> Self {
        self.policy = policy;
        self
    }

    /// Gives the events named in `events` a bucket of their own, shared
    /// among them: they count against it and not against the socket's
    /// main bucket. An event named in several groups belongs to the first.
    pub fn group<I, S>(mut self, events: I, per_second: u32, burst: u32) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names = events.into_iter().map(Into::into).collect();
        self.groups.push((names, Rate::new(per_second, burst)));
        self
    }

    /// Freezes the settings for the server.
    pub(crate) fn build(self) -> Arc<EventLimiter> {
        let mut rates = vec![self.rate];
        let mut index = HashMap::new();
        for (names, rate) in self.groups {
            let i = rates.len();
            rates.push(rate);
            for name in names {
                index.entry(name).or_insert(i);
            }
        }
        Arc::new(EventLimiter {
            rates,
            index,
            policy: self.policy,
        })
    }
}

/// The frozen settings, shared by every socket.
#[derive(Debug)]
pub(crate) struct EventLimiter {
    /// The main rate first, then one per group.
    rates: Vec<Rate>,
    /// Which bucket an event in a group uses (empty without groups).
    index: HashMap<String, usize>,
    pub(crate) policy: OverLimit,
}

/// What the socket does with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Under the limit: on to the middlewares and handlers.
    Pass,
    /// Over the limit: drop it as the policy says.
    Drop,
    /// Over the limit, the first of a run: warn the client, then drop.
    Warn,
    /// Over the limit too often (or the policy is to disconnect at once).
    Disconnect,
}

/// One socket's buckets and strikes.
#[derive(Debug)]
pub(crate) struct SocketLimit {
    limiter: Arc<EventLimiter>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    buckets: Vec<Bucket>,
    strikes: u32,
}

impl SocketLimit {
    pub(crate) fn new(limiter: Arc<EventLimiter>, now: Instant) -> Self {
        let buckets = limiter.rates.iter().map(|r| Bucket::full(r, now)).collect();
        Self {
            limiter,
            state: Mutex::new(State {
                buckets,
                strikes: 0,
            }),
        }
    }

    /// The policy for events over the limit.
    pub(crate) fn policy(&self) -> &OverLimit {
        &self.limiter.policy
    }

    /// Counts one incoming `event` at `now`.
    pub(crate) fn check(&self, event: &str, now: Instant) -> Verdict {
        let limiter = &*self.limiter;
        let i = if limiter.index.is_empty() {
            0
        } else {
            limiter.index.get(event).copied().unwrap_or(0)
        };
        let Some(rate) = limiter.rates.get(i) else {
            return Verdict::Pass;
        };
        let mut state = self.state.lock();
        let State { buckets, strikes } = &mut *state;
        let Some(bucket) = buckets.get_mut(i) else {
            return Verdict::Pass;
        };
        if *strikes > 0 && bucket.is_full(rate, now) {
            *strikes = 0;
        }
        if bucket.take(rate, now) {
            return Verdict::Pass;
        }
        *strikes = strikes.saturating_add(1);
        match &limiter.policy {
            OverLimit::Drop | OverLimit::AckError => Verdict::Drop,
            OverLimit::Disconnect => Verdict::Disconnect,
            OverLimit::Warn { strikes: max, .. } if *strikes > *max => Verdict::Disconnect,
            OverLimit::Warn { .. } if *strikes == 1 => Verdict::Warn,
            OverLimit::Warn { .. } => Verdict::Drop,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn verdicts(limit: &SocketLimit, event: &str, n: usize, now: Instant) -> Vec<Verdict> {
        (0..n).map(|_| limit.check(event, now)).collect()
    }

    #[test]
    fn ack_error_drops_past_the_burst() {
        let t0 = Instant::now();
        let limit = SocketLimit::new(EventRateLimit::new(10, 3).build(), t0);
        let v = verdicts(&limit, "a", 5, t0);
        assert_eq!(v[..3], [Verdict::Pass; 3]);
        assert_eq!(v[3..], [Verdict::Drop; 2]);
        assert_eq!(
            limit.check("a", t0 + Duration::from_millis(100)),
            Verdict::Pass
        );
    }

    #[test]
    fn warn_once_then_disconnect_after_the_strikes() {
        let t0 = Instant::now();
        let policy = OverLimit::Warn {
            event: "slow-down".into(),
            strikes: 3,
        };
        let limit = SocketLimit::new(EventRateLimit::new(1, 2).policy(policy).build(), t0);
        let v = verdicts(&limit, "a", 6, t0);
        use Verdict::*;
        assert_eq!(v, [Pass, Pass, Warn, Drop, Drop, Disconnect]);
    }

    #[test]
    fn a_calm_client_is_forgiven() {
        let t0 = Instant::now();
        let policy = OverLimit::Warn {
            event: "slow-down".into(),
            strikes: 3,
        };
        let limit = SocketLimit::new(EventRateLimit::new(1, 2).policy(policy).build(), t0);
        use Verdict::*;
        assert_eq!(verdicts(&limit, "a", 4, t0), [Pass, Pass, Warn, Drop]);
        // Two seconds of calm fill the bucket: the strikes are forgotten.
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(verdicts(&limit, "a", 5, t1), [Pass, Pass, Warn, Drop, Drop]);
    }

    #[test]
    fn disconnect_at_once() {
        let t0 = Instant::now();
        let limit = SocketLimit::new(
            EventRateLimit::new(1, 1)
                .policy(OverLimit::Disconnect)
                .build(),
            t0,
        );
        assert_eq!(
            verdicts(&limit, "a", 2, t0),
            [Verdict::Pass, Verdict::Disconnect]
        );
    }

    #[test]
    fn groups_have_their_own_bucket() {
        let t0 = Instant::now();
        let limiter = EventRateLimit::new(10, 2)
            .group(["typing", "cursor"], 10, 1)
            .build();
        let limit = SocketLimit::new(limiter, t0);
        assert_eq!(limit.check("typing", t0), Verdict::Pass);
        assert_eq!(limit.check("cursor", t0), Verdict::Drop);
        // The main bucket is untouched by the group.
        assert_eq!(
            verdicts(&limit, "chat", 3, t0),
            [Verdict::Pass, Verdict::Pass, Verdict::Drop]
        );
    }
}
