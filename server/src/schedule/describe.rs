//! English for the common cron shapes ("every day at 00:00", "at 02:30 on weekdays"); any
//! other shape is shown as the expression itself, which is still exact.

/// The day-of-week names, index 0 = Sunday (7 is Sunday too).
const WEEKDAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// More times than this read worse than the expression.
const MAX_TIMES: usize = 6;

/// Words for five expanded fields in `zone`, or `None` when the shape is not a common one.
pub(super) fn cron_words(fields: &[String], zone: &str) -> Option<String> {
    let [minute, hour, dom, month, dow] = fields else { return None };
    let every_day = dom == "*" && month == "*" && dow == "*";
    if hour == "*" && every_day {
        if minute == "*" {
            return Some("every minute".into());
        }
        if let Some(n) = minute.strip_prefix("*/").and_then(|n| n.parse::<u32>().ok()) {
            return Some(plural(n, "minute"));
        }
        let m = number(minute)?;
        let words = if m == 0 { "every hour".into() } else { format!("every hour at :{m:02}") };
        return Some(format!("{words} ({zone})"));
    }
    if let Some(n) = hour.strip_prefix("*/").and_then(|n| n.parse::<u32>().ok()) {
        let m = number(minute)?;
        let at = if m == 0 { String::new() } else { format!(" at :{m:02}") };
        return every_day.then(|| format!("{}{at} ({zone})", plural(n, "hour")));
    }
    let times = times(minute, hour)?;
    let days = match (dom.as_str(), month.as_str(), dow.as_str()) {
        ("*", "*", "*") => format!("every day at {times}"),
        ("*", "*", dow) => on_weekdays(dow, &times)?,
        (dom, "*", "*") => {
            let days = list(dom)?.iter().map(|d| ordinal(*d)).collect::<Vec<_>>();
            format!("on the {} of every month at {times}", join(&days))
        }
        (dom, month, "*") => {
            let day = number(dom)?;
            let name = MONTHS.get(usize::try_from(number(month)?).ok()?.checked_sub(1)?)?;
            format!("every year on {day} {name} at {times}")
        }
        _ => return None,
    };
    Some(format!("{days} ({zone})"))
}

/// "every 5 minutes", "every hour", "every 90 seconds".
pub(super) fn interval_words(every_secs: u64) -> String {
    let (n, unit) = match every_secs {
        s if s % 86_400 == 0 => (s / 86_400, "day"),
        s if s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    plural(u32::try_from(n).unwrap_or(u32::MAX), unit)
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 { format!("every {unit}") } else { format!("every {n} {unit}s") }
}

/// "02:30", or "08:00, 12:00 and 17:00" for lists of plain minutes and hours.
fn times(minute: &str, hour: &str) -> Option<String> {
    let (minutes, hours) = (list(minute)?, list(hour)?);
    if minutes.len() * hours.len() > MAX_TIMES {
        return None;
    }
    let all: Vec<String> = hours.iter().flat_map(|h| minutes.iter().map(move |m| format!("{h:02}:{m:02}"))).collect();
    Some(join(&all))
}

/// "at 02:30 on weekdays", "every Monday and Friday at 09:00".
fn on_weekdays(dow: &str, times: &str) -> Option<String> {
    let mut days = weekday_set(dow)?;
    days.sort_unstable();
    days.dedup();
    Some(match days.as_slice() {
        [1, 2, 3, 4, 5] => format!("at {times} on weekdays"),
        [0, 6] => format!("at {times} on weekends"),
        [0, 1, 2, 3, 4, 5, 6] => format!("every day at {times}"),
        days => {
            let names: Vec<String> =
                days.iter().filter_map(|d| WEEKDAYS.get(*d as usize)).map(|s| s.to_string()).collect();
            format!("every {} at {times}", join(&names))
        }
    })
}

/// Weekday numbers (7 folded into 0) for lists and ranges of numbers or names; `None` for
/// anything with steps, `L` or `#`.
fn weekday_set(dow: &str) -> Option<Vec<u32>> {
    let mut days = Vec::new();
    for part in dow.split(',') {
        let (start, end) = match part.split_once('-') {
            Some((a, b)) => (weekday(a)?, weekday(b)?),
            None => (weekday(part)?, weekday(part)?),
        };
        // SUN written as 7 closes a range such as MON-SUN.
        let end = if end == 0 && start > 0 { 7 } else { end };
        if start > end {
            return None;
        }
        days.extend((start..=end).map(|d| d % 7));
    }
    Some(days)
}

fn weekday(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (n <= 7).then_some(n % 7);
    }
    WEEKDAYS.iter().position(|name| name[..3].eq_ignore_ascii_case(text)).and_then(|i| u32::try_from(i).ok())
}

/// A comma list of plain numbers, in order.
fn list(text: &str) -> Option<Vec<u32>> {
    let mut values: Vec<u32> = text.split(',').map(number).collect::<Option<_>>()?;
    values.sort_unstable();
    values.dedup();
    Some(values)
}

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// "a", "a and b", "a, b and c".
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
