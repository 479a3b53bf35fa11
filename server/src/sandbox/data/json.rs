//! Writes JSON straight into a `String`: listing 100 records per page thousands of times a
//! second should not build a `serde_json::Value` tree per record.

use std::fmt::Write;

/// Appends `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `"key":` (keys are trusted literals or already-safe names).
pub fn push_key(out: &mut String, key: &str) {
    push_str(out, key);
    out.push(':');
}

/// Milliseconds since the epoch as HubSpot's ISO 8601 form, `2024-05-01T12:34:56.789Z`.
/// Hand-rolled (civil-from-days), as it runs several times per record listed.
pub fn iso_ms(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    let mut out = String::with_capacity(24);
    let _ = write!(out, "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z");
    out
}

/// Parses a HubSpot filter or property time: epoch milliseconds, an RFC 3339 date-time, or a
/// plain `YYYY-MM-DD` date (midnight UTC).
pub fn parse_time_ms(value: &str) -> Option<i64> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse().ok();
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Some(t.timestamp_millis());
    }
    let date = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\u{1}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\u0001é\"");
        assert_eq!(serde_json::from_str::<String>(&s).ok().as_deref(), Some("a\"b\\c\u{1}é"));
    }

    #[test]
    fn times_parse_both_ways() {
        assert_eq!(iso_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        for ms in [0, 951_782_400_000, 1_709_164_800_999, 4_102_444_800_000, 1_795_737_600_001] {
            let chrono = chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            assert_eq!(Some(iso_ms(ms)), chrono, "{ms}");
        }
        assert_eq!(parse_time_ms("2023-11-14T22:13:20.123Z"), Some(1_700_000_000_123));
        assert_eq!(parse_time_ms("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(parse_time_ms("nope"), None);
    }
}
