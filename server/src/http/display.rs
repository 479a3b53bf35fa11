//! How times read to a person: relative ("3 minutes ago") with the absolute time in the
//! tenant's zone, zone shown.

use chrono::{DateTime, TimeZone, Utc};
use hitch_app::models::Timestamp;

/// The tenant zone, falling back to UTC for a name the tz database does not know.
pub fn zone(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

pub fn timestamp(ms: i64, tz: chrono_tz::Tz, now_ms: i64) -> Timestamp {
    let utc: DateTime<Utc> = Utc.timestamp_millis_opt(ms).single().unwrap_or_default();
    Timestamp {
        relative: relative(now_ms - ms),
        absolute: utc.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z").to_string(),
        iso: utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// "just now", "5 minutes ago", "in 7 days"... `delta_ms` is now minus the moment.
pub fn relative(delta_ms: i64) -> String {
    let future = delta_ms < 0;
    let secs = delta_ms.abs() / 1000;
    if secs < 45 {
        return "just now".into();
    }
    let (n, unit) = match secs {
        s if s < 90 * 60 => ((s + 30) / 60, "minute"),
        s if s < 36 * 3600 => ((s + 1800) / 3600, "hour"),
        s if s < 45 * 86400 => ((s + 43200) / 86400, "day"),
        s if s < 548 * 86400 => ((s + 15 * 86400) / (30 * 86400), "month"),
        s => ((s + 182 * 86400) / (365 * 86400), "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if future { format!("in {n} {unit}{plural}") } else { format!("{n} {unit}{plural} ago") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_words() {
        assert_eq!(relative(10_000), "just now");
        assert_eq!(relative(60_000), "1 minute ago");
        assert_eq!(relative(5 * 60_000), "5 minutes ago");
        assert_eq!(relative(3 * 3_600_000), "3 hours ago");
        assert_eq!(relative(-7 * 86_400_000), "in 7 days");
    }

    #[test]
    fn absolute_in_tenant_zone() {
        // 2026-11-27 19:00:00 UTC is 20:00 in Berlin (CET, UTC+1).
        let ms = 1_795_806_000_000;
        let t = timestamp(ms, zone("Europe/Berlin"), ms);
        assert_eq!(t.absolute, "2026-11-27 20:00:00 CET");
        assert_eq!(t.iso, "2026-11-27T19:00:00Z");
        assert_eq!(zone("Nowhere/Else"), chrono_tz::UTC);
    }
}
