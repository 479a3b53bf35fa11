//! When a recipe runs: its [`Trigger`] (manual, cron in an IANA zone, fixed interval or
//! inbound webhook) and the instants a trigger is due. Pure: no clock, no I/O; callers pass
//! the times in.
//!
//! # Cron expressions
//! Five fields, `minute hour day-of-month month day-of-week`, with croner's syntax (lists,
//! ranges, `*/n` steps, `JAN`/`MON` names, `L`, `W`, `#`), or `@hourly`, `@daily`,
//! `@midnight`, `@weekly`, `@monthly`, `@yearly`/`@annually`. Six- and seven-field forms
//! (seconds, years) are refused: the scheduler ticks per minute. When both day fields are
//! restricted a day matching either one fires, as in Vixie cron.
//!
//! # Daylight saving time
//! Expressions are matched against the wall clock of the trigger's zone. Which instants a
//! matching wall-clock time stands for depends on the hour field:
//!
//! - **The hour field names hours** (`2`, `2,14`, `9-17`, `@daily`): a wall-clock schedule.
//!   Each matching local time fires once per local calendar day.
//!   - Spring forward: a time the clocks skip fires once, at the first instant after the
//!     gap, which is what cronie and Vixie cron do for fixed-time jobs. `30 2 * * *` in
//!     Europe/Berlin on 2026-03-29 runs at 03:00 CEST (01:00 UTC). Several skipped times
//!     (`0,30 2 * * *`) fold into that one run.
//!   - Fall back: a time that occurs twice fires at the first occurrence only.
//!     `30 2 * * *` on 2026-10-25 runs at 02:30 CEST (00:30 UTC), not again at 02:30 CET.
//! - **The hour field is `*` or `*/n`** (`*/15 * * * *`, `@hourly`): interval-like. Every
//!   real instant whose local time matches fires, so the real spacing stays even.
//!   - Spring forward: skipped wall times have no instant and nothing is lost: Berlin's
//!     01:45 CET is followed 15 real minutes later by 03:00 CEST.
//!   - Fall back: the repeated hour fires in both passes: `*/15` fires 8 times over
//!     local 02:00-02:59 on 2026-10-25 (00:00-00:45 and 01:00-01:45 UTC), 12 times over
//!     local 01:00-03:00, which lasts three real hours that night.
//!
//! # Intervals
//! Interval triggers fire on a grid anchored at the Unix epoch (every 3600 s fires on the
//! hour, UTC), so the schedule needs no stored state, does not drift with run lengths and
//! `due_between` is exact after a restart.

mod cron;
mod describe;

#[cfg(test)]
mod dst_tests;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use self::cron::CronSchedule;
use crate::domain::ValidationError;

/// The shortest interval: the scheduler ticks once a minute.
pub const MIN_INTERVAL_SECS: u64 = 60;
/// The longest interval, 31 days; anything rarer reads better as a cron expression.
pub const MAX_INTERVAL_SECS: u64 = 31 * 86_400;
/// At most this many instants from one [`Trigger::due_between`] call.
pub const MAX_DUE: usize = 1000;

/// What starts a recipe's runs, stored as JSON on the recipe:
/// `{"kind":"cron","expression":"0 0 * * *","time_zone":"Europe/Berlin"}`,
/// `{"kind":"interval","every_secs":300}`, `{"kind":"manual"}`, `{"kind":"webhook"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// Only when someone presses Run.
    #[default]
    Manual,
    /// On a cron expression read in an IANA time zone (see the module docs for DST).
    Cron {
        /// Five fields or an `@daily`-style shortcut, as normalized by [`Trigger::parse_cron`].
        expression: String,
        /// An IANA zone name such as `Europe/Berlin`.
        time_zone: String,
    },
    /// Every `every_secs` seconds, on a grid anchored at the Unix epoch.
    Interval {
        /// Seconds between runs, [`MIN_INTERVAL_SECS`]..=[`MAX_INTERVAL_SECS`].
        every_secs: u64,
    },
    /// When the recipe's inbound webhook receives a request.
    Webhook,
}

/// A scheduled trigger with its expression parsed once for a batch of look-ups.
enum Schedule {
    Cron(Box<CronSchedule>),
    Interval(i64),
}

impl Trigger {
    /// A cron trigger, if `expression` is valid and `time_zone` is a known IANA zone; the
    /// error names the problem, e.g. "'0 25 * * *': hour 25 is out of range (0–23)."
    pub fn parse_cron(expression: &str, time_zone: &str) -> Result<Trigger, ValidationError> {
        let schedule = CronSchedule::parse(expression, time_zone)?;
        Ok(Trigger::Cron { expression: cron::normalize(expression), time_zone: schedule.tz().name().to_string() })
    }

    /// An interval trigger, if `every_secs` is within 1 minute..=31 days.
    pub fn interval(every_secs: u64) -> Result<Trigger, ValidationError> {
        if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&every_secs) {
            let why = if every_secs < MIN_INTERVAL_SECS { "too short" } else { "too long" };
            return Err(ValidationError::new(format!(
                "Choose an interval between 1 minute and 31 days; {every_secs} seconds is {why}."
            )));
        }
        Ok(Trigger::Interval { every_secs })
    }

    /// Checks a trigger that arrived as JSON, with the same messages as the constructors.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Trigger::Cron { expression, time_zone } => CronSchedule::parse(expression, time_zone).map(drop),
            Trigger::Interval { every_secs } => Trigger::interval(*every_secs).map(drop),
            Trigger::Manual | Trigger::Webhook => Ok(()),
        }
    }

    /// Whether the scheduler starts runs for this trigger (cron and interval).
    pub fn is_scheduled(&self) -> bool {
        matches!(self, Trigger::Cron { .. } | Trigger::Interval { .. })
    }

    /// The next due instant strictly after `after`; `None` for manual and webhook triggers
    /// and for a stored trigger that no longer validates.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule()?.next_after(after)
    }

    /// Due instants in `(from, to]`, oldest first, at most [`MAX_DUE`]: the scheduler's tick
    /// passes its previous tick and now.
    pub fn due_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        self.schedule().map(|s| s.due_between(from, to)).unwrap_or_default()
    }

    /// The last due instant in `(from, to]`: after downtime the scheduler catches up with
    /// one run for the latest missed instant, not one per missed instant.
    pub fn latest_due(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.schedule()? {
            Schedule::Interval(every) => {
                let last = to.timestamp().div_euclid(every) * every;
                DateTime::from_timestamp(last, 0).filter(|t| *t > from)
            }
            schedule => schedule.latest_due(from, to),
        }
    }

    /// The next `n` due instants after `after`, each with its time in `display_tz` as
    /// "2026-11-28 00:00 CET".
    pub fn next_runs(&self, after: DateTime<Utc>, n: usize, display_tz: Tz) -> Vec<(DateTime<Utc>, String)> {
        let Some(schedule) = self.schedule() else { return Vec::new() };
        let mut runs = Vec::with_capacity(n.min(MAX_DUE));
        let mut cursor = after;
        while runs.len() < n.min(MAX_DUE) {
            let Some(next) = schedule.next_after(cursor) else { break };
            runs.push((next, next.with_timezone(&display_tz).format("%Y-%m-%d %H:%M %Z").to_string()));
            cursor = next;
        }
        runs
    }

    /// The trigger in words: "every day at 00:00 (Europe/Berlin)", "every 5 minutes",
    /// "at 02:30 on weekdays (Europe/Berlin)". A cron trigger always names its own zone,
    /// since its times are read there whoever looks; uncommon shapes read
    /// "cron `0 0 L * *` (Europe/Berlin)".
    pub fn describe(&self) -> String {
        match self {
            Trigger::Manual => "manually".into(),
            Trigger::Webhook => "when its webhook receives a request".into(),
            Trigger::Interval { every_secs } => describe::interval_words(*every_secs),
            Trigger::Cron { expression, time_zone } => CronSchedule::parse(expression, time_zone)
                .ok()
                .and_then(|s| describe::cron_words(s.fields(), s.tz().name()))
                .unwrap_or_else(|| format!("cron `{expression}` ({time_zone})")),
        }
    }

    fn schedule(&self) -> Option<Schedule> {
        match self {
            Trigger::Cron { expression, time_zone } => {
                CronSchedule::parse(expression, time_zone).ok().map(|s| Schedule::Cron(Box::new(s)))
            }
            Trigger::Interval { every_secs } => {
                Trigger::interval(*every_secs).ok()?;
                i64::try_from(*every_secs).ok().map(Schedule::Interval)
            }
            Trigger::Manual | Trigger::Webhook => None,
        }
    }
}

impl Schedule {
    fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Cron(cron) => cron.next_after(after),
            Schedule::Interval(every) => {
                let next = (after.timestamp().div_euclid(*every) + 1).checked_mul(*every)?;
                DateTime::from_timestamp(next, 0)
            }
        }
    }

    fn due_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut due = Vec::new();
        let mut cursor = from;
        while due.len() < MAX_DUE {
            match self.next_after(cursor) {
                Some(next) if next <= to => {
                    due.push(next);
                    cursor = next;
                }
                _ => break,
            }
        }
        due
    }

    /// Searches back from `to` in growing windows, so a long outage costs no more than
    /// the last stretch that holds an instant; a full window is walked in chunks of
    /// [`MAX_DUE`] because only its end matters.
    fn latest_due(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
        const WINDOWS_HOURS: [i64; 5] = [1, 25, 24 * 8, 24 * 32, 24 * 367];
        // The last window reaches back to `from`, however far that is.
        let starts = WINDOWS_HOURS.iter().map(|h| (to - chrono::Duration::hours(*h)).max(from)).chain([from]);
        for start in starts {
            let mut cursor = start;
            let mut latest = None;
            loop {
                let batch = self.due_between(cursor, to);
                let Some(last) = batch.last().copied() else { break };
                latest = Some(last);
                if batch.len() < MAX_DUE {
                    break;
                }
                cursor = last;
            }
            if latest.is_some() || start == from {
                return latest;
            }
        }
        None
    }
}
