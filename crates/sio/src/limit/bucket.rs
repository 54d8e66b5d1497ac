//! The token bucket both limiters share: `burst` tokens at most, refilled
//! at `per_second`, one taken per event or handshake. Pure arithmetic on
//! instants the caller passes in: no timer, no clock read here, so tests
//! drive it with made-up instants.

use std::time::Instant;

/// A rate: `per_second` tokens a second, at most `burst` saved up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rate {
    pub(crate) per_second: f64,
    pub(crate) burst: f64,
}

impl Rate {
    pub(crate) fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_second),
            burst: f64::from(burst.max(1)),
        }
    }
}

/// One bucket's state: tokens left at `last`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn full(rate: &Rate, now: Instant) -> Self {
        Self {
            tokens: rate.burst,
            last: now,
        }
    }

    fn refill(&mut self, rate: &Rate, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.last = now;
    }

    /// Takes one token; false (and nothing taken) when there is none.
    pub(crate) fn take(&mut self, rate: &Rate, now: Instant) -> bool {
        self.refill(rate, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// True when the bucket is full again at `now` (the peer calmed down).
    pub(crate) fn is_full(&self, rate: &Rate, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * rate.per_second >= rate.burst
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn burst_then_rate() {
        let rate = Rate::new(10, 5);
        let t0 = Instant::now();
        let mut b = Bucket::full(&rate, t0);
        assert_eq!((0..8).filter(|_| b.take(&rate, t0)).count(), 5);
        // 10 a second: one token every 100 ms.
        assert!(!b.take(&rate, t0 + Duration::from_millis(50)));
        assert!(b.take(&rate, t0 + Duration::from_millis(100)));
        assert!(!b.take(&rate, t0 + Duration::from_millis(110)));
        // A long pause saves up no more than the burst.
        let later = t0 + Duration::from_secs(60);
        assert!(b.is_full(&rate, later));
        assert_eq!((0..8).filter(|_| b.take(&rate, later)).count(), 5);
    }

    #[test]
    fn zero_rate_allows_the_burst_only() {
        let rate = Rate::new(0, 2);
        let t0 = Instant::now();
        let mut b = Bucket::full(&rate, t0);
        assert!(b.take(&rate, t0));
        assert!(b.take(&rate, t0));
        assert!(!b.take(&rate, t0 + Duration::from_secs(3600)));
    }
}
