//! The scheduler's clock. Normally the wall clock; for tests and demos it can run faster,
//! so hours of schedules pass in minutes: `HITCH_SCHEDULER_TIME_SCALE=60` makes one real
//! second one scheduled minute. Scaled time is measured from an anchor, and processes given
//! the same anchor (`HITCH_SCHEDULER_TIME_ANCHOR_MS`) agree on what time it is, which is what
//! lets three processes share one simulated day. Only due times use this clock; leases,
//! backoff and run timestamps stay on the wall clock.

use std::time::Duration;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerClock {
    /// Wall-clock ms where scaled and real time coincide.
    anchor_ms: i64,
    /// Scheduled ms per real ms (1 = real time).
    scale: u32,
}

/// The fastest a clock may run: beyond it a one-minute schedule would be due more often
/// than a tick can notice.
pub const MAX_SCALE: u32 = 1000;

impl SchedulerClock {
    pub const REAL: SchedulerClock = SchedulerClock { anchor_ms: 0, scale: 1 };

    /// A clock `scale` times faster than the wall clock from `anchor_ms` on; `None` when the
    /// scale is outside 1..=[`MAX_SCALE`].
    pub fn scaled(anchor_ms: i64, scale: u32) -> Option<SchedulerClock> {
        (1..=MAX_SCALE).contains(&scale).then_some(SchedulerClock { anchor_ms, scale })
    }

    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// Scheduled time at wall-clock `real_ms`.
    pub fn at(&self, real_ms: i64) -> i64 {
        self.anchor_ms.saturating_add((real_ms - self.anchor_ms).saturating_mul(i64::from(self.scale)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        let ms = self.at(Utc::now().timestamp_millis());
        DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The real time it takes for `scheduled` to pass on this clock.
    pub fn real(&self, scheduled: Duration) -> Duration {
        scheduled / self.scale
    }

    /// The time that passes on this clock in `real` time.
    pub fn scheduled(&self, real: Duration) -> Duration {
        real.saturating_mul(self.scale)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn real_time_is_the_identity() {
        assert_eq!(SchedulerClock::REAL.at(1_700_000_000_123), 1_700_000_000_123);
        assert_eq!(SchedulerClock::REAL.real(Duration::from_secs(7)), Duration::from_secs(7));
    }

    #[test]
    fn a_scaled_clock_runs_faster_from_its_anchor() {
        let clock = SchedulerClock::scaled(1_000_000, 60).expect("valid scale");
        assert_eq!(clock.at(1_000_000), 1_000_000);
        assert_eq!(clock.at(1_001_000), 1_060_000, "one real second is one scheduled minute");
        assert_eq!(clock.real(Duration::from_secs(60)), Duration::from_secs(1));
    }

    #[test]
    fn scales_out_of_range_are_refused() {
        assert!(SchedulerClock::scaled(0, 0).is_none());
        assert!(SchedulerClock::scaled(0, MAX_SCALE + 1).is_none());
    }
}
