//! A cron expression read on one zone's wall clock, turned into UTC instants by the DST
//! rules described in the module docs of `schedule`. croner does the field parsing and
//! the matching on naive local time; the mapping from local time to instants is ours.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::errors::CronError;
use croner::parser::{CronParser, Seconds, Year};

use crate::domain::ValidationError;

/// The five fields in order, with the plain values each accepts.
const FIELDS: [(&str, u32, u32); 5] =
    [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7)];

/// How many naive candidates one `next_after` may look at. The stop rule ends a search
/// after a handful; this only guards against a bug turning into a hang.
const MAX_CANDIDATES: usize = 10_000;

/// A validated cron trigger, ready to compute instants.
#[derive(Debug, Clone)]
pub(super) struct CronSchedule {
    cron: Cron,
    tz: Tz,
    /// The hour field names hours (not `*` or `*/n`): matching wall-clock times fire once
    /// per local day, so a repeated hour fires once and a skipped one moves past the gap.
    wall_clock: bool,
    /// The five fields after expanding `@daily` and friends; read by `describe`.
    fields: Vec<String>,
}

/// Five fields only: the scheduler works to the minute (and intervals start at one
/// minute), so a seconds field would promise precision we don't deliver.
fn parser() -> CronParser {
    CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build()
}

/// The time zone named by `name`, or a message saying how to name one.
pub(super) fn parse_zone(name: &str) -> Result<Tz, ValidationError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ValidationError::new("Choose a time zone, such as Europe/Berlin."));
    }
    name.parse::<Tz>().map_err(|_| {
        ValidationError::new(format!("Unknown time zone '{name}'. Use an IANA name such as Europe/Berlin."))
    })
}

/// The expression as stored: trimmed, fields joined by single spaces, a shortcut lowercased.
pub(super) fn normalize(expression: &str) -> String {
    let trimmed = expression.trim();
    if trimmed.starts_with('@') {
        trimmed.to_ascii_lowercase()
    } else {
        trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

impl CronSchedule {
    /// Parses and checks `expression` (5 fields or an `@daily`-style shortcut) in `zone`.
    pub(super) fn parse(expression: &str, zone: &str) -> Result<Self, ValidationError> {
        let tz = parse_zone(zone)?;
        let shown = normalize(expression);
        let fields = expand(&shown)?;
        for (index, text) in fields.iter().enumerate() {
            check_field(&shown, index, text)?;
        }
        let cron = parser().parse(&fields.join(" ")).map_err(|err| {
            ValidationError::new(format!("'{shown}' is not a valid cron expression ({}).", detail(&err, &shown)))
        })?;
        // Catches day/month pairs no calendar has, such as 30 February, which would
        // otherwise save fine and then never run.
        let probe = NaiveDate::from_ymd_opt(2000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        if probe.is_none_or(|start| cron.find_next_occurrence(&start, true).is_err()) {
            return Err(ValidationError::new(format!(
                "'{shown}' never matches a real date (check the day of month against the month)."
            )));
        }
        let wall_clock = !fields[1].starts_with('*');
        Ok(Self { cron, tz, wall_clock, fields })
    }

    pub(super) fn tz(&self) -> Tz {
        self.tz
    }

    pub(super) fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The first instant strictly after `after` at which this expression fires.
    pub(super) fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut cursor = self.search_start(after)?;
        let mut inclusive = true;
        let mut best: Option<DateTime<Utc>> = None;
        for _ in 0..MAX_CANDIDATES {
            let Ok(naive) = self.cron.find_next_occurrence(&cursor, inclusive) else {
                return best;
            };
            if let Some(found) = best {
                // Wall-clock order equals instant order except for the second pass of a
                // repeated hour, so once past `found` on the wall clock and outside a
                // repeated range, nothing later can come earlier.
                let past = naive > found.with_timezone(&self.tz).naive_local();
                if past && !matches!(self.tz.from_local_datetime(&naive), LocalResult::Ambiguous(..)) {
                    return best;
                }
            }
            for instant in self.instants(naive).into_iter().flatten() {
                if instant > after && best.is_none_or(|b| instant < b) {
                    best = Some(instant);
                }
            }
            cursor = naive;
            inclusive = false;
        }
        best
    }

    /// Where the wall-clock search starts: `after` on the local clock, except in the first
    /// pass of a repeated hour, where the second pass of earlier wall times still lies ahead.
    fn search_start(&self, after: DateTime<Utc>) -> Option<NaiveDateTime> {
        let whole = DateTime::from_timestamp(after.timestamp(), 0)?;
        let local = whole.with_timezone(&self.tz).naive_local();
        match self.tz.from_local_datetime(&local) {
            LocalResult::Ambiguous(_, second) if whole < second => {
                let offset = second.offset().fix().local_minus_utc();
                Some(whole.naive_utc() + Duration::seconds(i64::from(offset)))
            }
            _ => Some(local),
        }
    }

    /// The instants a matching wall-clock time stands for (at most two).
    fn instants(&self, naive: NaiveDateTime) -> [Option<DateTime<Utc>>; 2] {
        let utc = |t: DateTime<Tz>| t.with_timezone(&Utc);
        match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => [Some(utc(t)), None],
            LocalResult::Ambiguous(first, second) if !self.wall_clock => [Some(utc(first)), Some(utc(second))],
            LocalResult::Ambiguous(first, _) => [Some(utc(first)), None],
            LocalResult::None if self.wall_clock => [self.end_of_gap(naive), None],
            LocalResult::None => [None, None],
        }
    }

    /// The instant the clocks jump forward over `naive` (a wall time that does not exist),
    /// which is also the first valid instant after the gap.
    fn end_of_gap(&self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        let offset_at =
            |t: DateTime<Utc>| i64::from(self.tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc());
        let guess = naive.and_utc();
        let before = offset_at(guess - Duration::days(1));
        let after = offset_at(guess + Duration::days(1));
        // The jump T satisfies T + before <= naive < T + after.
        let mut lo = guess - Duration::seconds(after);
        let mut hi = guess - Duration::seconds(before);
        if offset_at(hi) != after || lo >= hi {
            return None;
        }
        while hi - lo > Duration::seconds(1) {
            let mid = lo + (hi - lo) / 2;
            if offset_at(mid) == after { hi = mid } else { lo = mid }
        }
        Some(hi)
    }
}

/// The five fields of a normalized expression, shortcuts expanded.
fn expand(shown: &str) -> Result<Vec<String>, ValidationError> {
    if shown.is_empty() {
        return Err(ValidationError::new(
            "Enter a cron expression such as '0 0 * * *' (minute, hour, day of month, month, day of week).",
        ));
    }
    let text = match shown {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other if other.starts_with('@') => {
            return Err(ValidationError::new(format!(
                "'{other}' is not a known shortcut. Use @hourly, @daily, @weekly, @monthly or @yearly, or five fields."
            )));
        }
        other => other,
    };
    let fields: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    match fields.len() {
        5 => Ok(fields),
        6 | 7 => Err(ValidationError::new(format!(
            "'{shown}' has {} fields. Use 5 (minute, hour, day of month, month, day of week): \
             schedules run to the minute, without seconds or years.",
            fields.len()
        ))),
        n => Err(ValidationError::new(format!(
            "'{shown}' has {n} field{}. A cron expression has 5: minute, hour, day of month, month, day of week.",
            if n == 1 { "" } else { "s" }
        ))),
    }
}

/// Parses one field on its own (the others `*`) so the message can name the field.
fn check_field(shown: &str, index: usize, text: &str) -> Result<(), ValidationError> {
    let mut probe = ["*"; 5];
    probe[index] = text;
    let Err(err) = parser().parse(&probe.join(" ")) else {
        return Ok(());
    };
    let (name, min, max) = FIELDS[index];
    if let Some(value) = out_of_range(index, text) {
        return Err(ValidationError::new(format!("'{shown}': {name} {value} is out of range ({min}–{max}).")));
    }
    Err(ValidationError::new(format!("'{shown}': the {name} field '{text}' is not valid ({}).", detail(&err, text))))
}

/// A plain number in `text` outside the field's range, for the most common mistake.
fn out_of_range(index: usize, text: &str) -> Option<u32> {
    let (_, min, max) = FIELDS[index];
    text.split(',')
        .flat_map(|part| {
            // After '/' comes a step and after '#' an nth; neither is a field value.
            let values = part.split('/').next().unwrap_or_default();
            let values = values.split('#').next().unwrap_or_default();
            values.split('-').map(|v| v.trim_end_matches(['L', 'W', 'l', 'w']))
        })
        .filter_map(|v| v.parse::<u32>().ok())
        .find(|v| *v < min || *v > max)
}

/// croner's complaint in words for a person; `text` is what the user typed there.
fn detail(err: &CronError, text: &str) -> String {
    match err {
        CronError::IllegalCharacters(msg) => {
            // croner upper-cases the pattern; point at the character as the user typed it.
            let reported = msg.split("character '").nth(1).and_then(|rest| rest.chars().next());
            let typed = reported.and_then(|r| text.chars().find(|c| c.to_ascii_uppercase() == r));
            match typed {
                Some(c) => format!("'{c}' is not allowed there"),
                None => "it contains a character that is not allowed there".into(),
            }
        }
        CronError::ComponentError(msg) if msg.contains("Step cannot be zero") => "a step must be at least 1".into(),
        CronError::ComponentError(msg) if msg.contains("Invalid step syntax") => {
            "write a step as */N or A-B/N, for example */15".into()
        }
        CronError::ComponentError(msg) if msg.contains("Range out of bounds") => {
            "a range must go from low to high, within the allowed values".into()
        }
        CronError::ComponentError(msg) | CronError::InvalidPattern(msg) => {
            let msg = msg.trim_end_matches('.');
            let mut chars = msg.chars();
            chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
        }
        other => other.to_string(),
    }
}
