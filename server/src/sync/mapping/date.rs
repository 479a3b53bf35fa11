//! The `date` transform: read a date or time in whatever form a source sends it, write it
//! in the form the destination wants. Formats are parsed once; chrono's `to_string` on a bad
//! format panics, so every format is checked for `Item::Error` and written with `write!`.

use std::fmt::Write as _;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::text::show;

/// A compiled `date` transform.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DateTransform {
    input: Input,
    output: Output,
}

#[derive(Debug, Clone, PartialEq)]
enum Input {
    /// RFC 3339, `YYYY-MM-DD`, or milliseconds since the epoch (HubSpot's form).
    Auto,
    Rfc3339,
    UnixSeconds,
    UnixMillis,
    Items(Vec<Item<'static>>),
}

#[derive(Debug, Clone, PartialEq)]
enum Output {
    Rfc3339,
    Items(Vec<Item<'static>>),
}

impl DateTransform {
    /// Checks and compiles the formats; the error is a phrase for a save-time message.
    pub(crate) fn compile(format: &str, input: Option<&str>) -> Result<Self, String> {
        let output = if format.eq_ignore_ascii_case("rfc3339") {
            Output::Rfc3339
        } else {
            Output::Items(strftime(format).ok_or_else(|| format!("the date format '{format}' is not valid"))?)
        };
        let input = match input.map(str::trim) {
            None | Some("") => Input::Auto,
            Some(name) if name.eq_ignore_ascii_case("rfc3339") => Input::Rfc3339,
            Some(name) if name.eq_ignore_ascii_case("unix") => Input::UnixSeconds,
            Some(name) if name.eq_ignore_ascii_case("unix_ms") => Input::UnixMillis,
            Some(name) => {
                Input::Items(strftime(name).ok_or_else(|| format!("the input date format '{name}' is not valid"))?)
            }
        };
        Ok(Self { input, output })
    }

    /// The value in the output format; null passes through. The error names the value.
    pub(crate) fn apply(&self, value: &Value, sensitive: bool) -> Result<Value, String> {
        if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
            return Ok(Value::Null);
        }
        let when = self.read(value).ok_or_else(|| self.unreadable(value, sensitive))?;
        let text = match &self.output {
            Output::Rfc3339 => when.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            Output::Items(items) => {
                let mut out = String::with_capacity(32);
                // Checked at compile time against a full date-time, so this cannot fail
                // for one; the error path is only a guard.
                write!(out, "{}", when.format_with_items(items.iter()))
                    .map_err(|_| format!("{} cannot be written in this date format", show(value, sensitive)))?;
                out
            }
        };
        Ok(Value::String(text))
    }

    fn read(&self, value: &Value) -> Option<DateTime<FixedOffset>> {
        match &self.input {
            Input::Auto => match value {
                Value::Number(_) => epoch(value, 1000),
                Value::String(s) => {
                    let s = s.trim();
                    if s.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-')) {
                        epoch(value, 1000)
                    } else {
                        read_text(s)
                    }
                }
                _ => None,
            },
            Input::Rfc3339 => DateTime::parse_from_rfc3339(value.as_str()?.trim()).ok(),
            Input::UnixSeconds => epoch(value, 1),
            Input::UnixMillis => epoch(value, 1000),
            Input::Items(items) => {
                let mut parsed = Parsed::new();
                chrono::format::parse(&mut parsed, value.as_str()?.trim(), items.iter()).ok()?;
                if let Ok(dt) = parsed.to_datetime() {
                    return Some(dt);
                }
                if let Ok(naive) = parsed.to_naive_datetime_with_offset(0) {
                    return Some(naive.and_utc().fixed_offset());
                }
                parsed.to_naive_date().ok().and_then(midnight)
            }
        }
    }

    fn unreadable(&self, value: &Value, sensitive: bool) -> String {
        let shown = show(value, sensitive);
        match &self.input {
            Input::Auto => format!("{shown} is not a date (expected RFC 3339, YYYY-MM-DD or milliseconds since 1970)"),
            Input::Rfc3339 => format!("{shown} is not an RFC 3339 date-time"),
            Input::UnixSeconds => format!("{shown} is not a time in seconds since 1970"),
            Input::UnixMillis => format!("{shown} is not a time in milliseconds since 1970"),
            Input::Items(_) => format!("{shown} does not match the input date format"),
        }
    }
}

/// A format's items, or None when it has an unknown specifier or cannot write a full
/// date-time (tested on a fixed one, so a run never meets the failure).
fn strftime(format: &str) -> Option<Vec<Item<'static>>> {
    if format.trim().is_empty() {
        return None;
    }
    let items = StrftimeItems::new(format).parse_to_owned().ok()?;
    if items.contains(&Item::Error) {
        return None;
    }
    let probe = DateTime::parse_from_rfc3339("2024-02-29T13:45:30.123+02:00").ok()?;
    let mut out = String::new();
    write!(out, "{}", probe.format_with_items(items.iter())).ok()?;
    Some(items)
}

/// An epoch number (or numeric text) in units of 1/`per_second` seconds.
fn epoch(value: &Value, per_second: i64) -> Option<DateTime<FixedOffset>> {
    let number = match value {
        Value::Number(n) => n.as_i64().map(|i| i as f64).or_else(|| n.as_f64())?,
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite())?,
        _ => return None,
    };
    let millis = if per_second == 1000 { number } else { number * 1000.0 };
    // Beyond ±2^53 an f64 is no longer exact, and no real date is that far out anyway.
    if !(-9.0e15..=9.0e15).contains(&millis) {
        return None;
    }
    DateTime::<Utc>::from_timestamp_millis(millis.floor() as i64).map(|dt| dt.fixed_offset())
}

/// RFC 3339, `YYYY-MM-DD`, or a date-time without an offset (read as UTC).
fn read_text(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt);
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return midnight(date);
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|naive| naive.and_utc().fixed_offset())
}

fn midnight(date: NaiveDate) -> Option<DateTime<FixedOffset>> {
    date.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc().fixed_offset())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn date(format: &str, input: Option<&str>, value: Value) -> Result<Value, String> {
        DateTransform::compile(format, input)?.apply(&value, false)
    }

    #[test]
    fn reads_the_usual_forms() {
        let day = Ok(json!("2024-03-05"));
        assert_eq!(date("%Y-%m-%d", None, json!("2024-03-05T10:11:12Z")), day);
        assert_eq!(date("%Y-%m-%d", None, json!("2024-03-05T10:11:12.345+01:00")), day);
        assert_eq!(date("%Y-%m-%d", None, json!("2024-03-05")), day);
        assert_eq!(date("%Y-%m-%d", None, json!("2024-03-05 10:11:12")), day);
        // HubSpot: milliseconds, as a number or as text.
        assert_eq!(date("%Y-%m-%d", None, json!(1_709_633_472_000_i64)), day);
        assert_eq!(date("%Y-%m-%d", None, json!("1709633472000")), day);
        assert_eq!(date("%Y-%m-%d", Some("unix"), json!(1_709_633_472)), day);
        assert_eq!(date("%Y-%m-%d", Some("unix"), json!("1709633472")), day);
        assert_eq!(date("%Y-%m-%d", Some("unix_ms"), json!(1_709_633_472_000_i64)), day);
        assert_eq!(date("%Y-%m-%d", Some("%d/%m/%Y"), json!("05/03/2024")), day);
        assert_eq!(date("%Y-%m-%d", Some("%d/%m/%Y %H:%M"), json!("05/03/2024 10:11")), day);
        assert_eq!(date("%d.%m.%Y", Some("rfc3339"), json!("2024-03-05T00:00:00Z")), Ok(json!("05.03.2024")));
    }

    #[test]
    fn writes_rfc3339_and_keeps_offsets() {
        assert_eq!(date("rfc3339", None, json!(0)), Ok(json!("1970-01-01T00:00:00Z")));
        assert_eq!(date("rfc3339", None, json!("2024-03-05")), Ok(json!("2024-03-05T00:00:00Z")));
        assert_eq!(date("rfc3339", None, json!("2024-03-05T23:30:00-05:00")), Ok(json!("2024-03-05T23:30:00-05:00")));
        assert_eq!(date("%H:%M %z", None, json!("2024-03-05T23:30:00-05:00")), Ok(json!("23:30 -0500")));
        assert_eq!(date("%s", Some("unix"), json!(-86400)), Ok(json!("-86400")));
    }

    #[test]
    fn null_and_empty_pass_through() {
        assert_eq!(date("%Y", None, json!(null)), Ok(json!(null)));
        assert_eq!(date("%Y", None, json!("  ")), Ok(json!(null)));
    }

    #[test]
    fn unreadable_values_are_named() {
        assert_eq!(
            date("%Y", None, json!("next tuesday")),
            Err("'next tuesday' is not a date (expected RFC 3339, YYYY-MM-DD or milliseconds since 1970)".into())
        );
        assert_eq!(
            date("%Y", None, json!("2024-02-30")).map_err(|e| e.starts_with("'2024-02-30' is not a date")),
            Err(true)
        );
        assert_eq!(date("%Y", None, json!(true)).map_err(|e| e.starts_with("true is not a date")), Err(true));
        assert_eq!(date("%Y", None, json!({"a": 1})).map_err(|e| e.starts_with("an object is not a date")), Err(true));
        assert_eq!(date("%Y", Some("unix"), json!("soon")), Err("'soon' is not a time in seconds since 1970".into()));
        assert_eq!(
            date("%Y", Some("%d/%m/%Y"), json!("2024-03-05")),
            Err("'2024-03-05' does not match the input date format".into())
        );
        assert!(date("%Y", None, json!(1e300)).is_err());
        assert!(date("%Y", None, json!("99999999999999999999")).is_err());
        let secret = DateTransform::compile("%Y", None).and_then(|d| d.apply(&json!("x"), true));
        assert!(secret.is_err_and(|e| e.starts_with("the value is not a date")));
    }

    #[test]
    fn bad_formats_are_refused_without_panicking() {
        for bad in ["%Q", "%", "%Y-%", "", "  ", "%Ez"] {
            assert!(DateTransform::compile(bad, None).is_err(), "{bad:?}");
        }
        assert_eq!(DateTransform::compile("%Q", None), Err("the date format '%Q' is not valid".into()));
        assert_eq!(DateTransform::compile("%Y", Some("%Q")), Err("the input date format '%Q' is not valid".into()));
        assert!(DateTransform::compile("%Y-%m-%dT%H:%M:%S%.3f%:z", None).is_ok());
        assert!(DateTransform::compile("RFC3339", Some("UNIX")).is_ok());
        assert!(DateTransform::compile("%A %e %B %Y, %I:%M %p", Some("")).is_ok());
    }
}
