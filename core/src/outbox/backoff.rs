//! Retry schedule: exponential backoff with jitter, capped.

use chrono::Duration;
use rand::Rng;

/// How long to wait before the next attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub base: Duration,
    /// Longest delay, however many failures.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { base: Duration::seconds(5), cap: Duration::hours(1) }
    }
}

impl Backoff {
    /// The delay after `attempts` failed attempts (1 = the first failure).
    ///
    /// "Equal jitter": half the exponential delay is fixed, half random, so that thousands of phones coming
    /// back online together spread out, while no phone retries sooner than half the planned delay.
    pub fn delay(&self, attempts: u32, rng: &mut impl Rng) -> Duration {
        let exponent = attempts.saturating_sub(1).min(30);
        let planned_ms = self.base.num_milliseconds().saturating_mul(1i64 << exponent).min(self.cap.num_milliseconds()).max(0);
        let half = planned_ms / 2;
        Duration::milliseconds(half + rng.gen_range(0..=half.max(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn grows_exponentially_within_jitter_and_is_capped() {
        let backoff = Backoff::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for attempts in 1..=40u32 {
            let planned = (5_000i64 << (attempts - 1).min(30)).min(3_600_000);
            for _ in 0..50 {
                let d = backoff.delay(attempts, &mut rng).num_milliseconds();
                assert!(d >= planned / 2 && d <= planned, "attempt {attempts}: {d} outside [{}, {planned}]", planned / 2);
            }
        }
    }

    #[test]
    fn jitter_spreads_retries() {
        let backoff = Backoff::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let delays: std::collections::HashSet<i64> = (0..100).map(|_| backoff.delay(5, &mut rng).num_milliseconds()).collect();
        assert!(delays.len() > 50);
    }
}
