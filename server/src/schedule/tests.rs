//! Triggers: JSON shape, validation messages, intervals, catch-up, words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};

use super::{MAX_DUE, Trigger};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("test instant").with_timezone(&Utc)
}

fn cron(expression: &str, zone: &str) -> Trigger {
    Trigger::parse_cron(expression, zone).expect("valid test cron")
}

fn refusal(expression: &str) -> String {
    Trigger::parse_cron(expression, "Europe/Berlin").expect_err(expression).to_string()
}

#[test]
fn json_shapes() {
    let cases = [
        (Trigger::Manual, r#"{"kind":"manual"}"#),
        (cron("0 0 * * *", "Europe/Berlin"), r#"{"kind":"cron","expression":"0 0 * * *","time_zone":"Europe/Berlin"}"#),
        (Trigger::interval(300).unwrap(), r#"{"kind":"interval","every_secs":300}"#),
        (Trigger::Webhook, r#"{"kind":"webhook"}"#),
    ];
    for (trigger, json) in cases {
        assert_eq!(serde_json::to_string(&trigger).unwrap(), json);
        assert_eq!(serde_json::from_str::<Trigger>(json).unwrap(), trigger);
    }
    assert_eq!(Trigger::default(), Trigger::Manual);
}

#[test]
fn cron_is_stored_normalized() {
    assert_eq!(
        cron("  0   0 * *\t*  ", " Europe/Berlin "),
        Trigger::Cron { expression: "0 0 * * *".into(), time_zone: "Europe/Berlin".into() }
    );
    assert_eq!(cron("@Daily", "UTC"), Trigger::Cron { expression: "@daily".into(), time_zone: "UTC".into() });
    for ok in ["0 9 * * MON-FRI", "0 0 L * *", "0 6 1,15 * *", "0 0 29 2 *", "*/5 8-18 * JAN-MAR 1#1", "@hourly"] {
        assert!(Trigger::parse_cron(ok, "Europe/Berlin").is_ok(), "{ok}");
    }
}

#[test]
fn out_of_range_values_are_named() {
    assert_eq!(refusal("0 25 * * *"), "'0 25 * * *': hour 25 is out of range (0–23).");
    assert_eq!(refusal("60 * * * *"), "'60 * * * *': minute 60 is out of range (0–59).");
    assert_eq!(refusal("0 0 32 * *"), "'0 0 32 * *': day of month 32 is out of range (1–31).");
    assert_eq!(refusal("0 0 0 * *"), "'0 0 0 * *': day of month 0 is out of range (1–31).");
    assert_eq!(refusal("0 0 * 13 *"), "'0 0 * 13 *': month 13 is out of range (1–12).");
    assert_eq!(refusal("0 0 * * 1-9"), "'0 0 * * 1-9': day of week 9 is out of range (0–7).");
    assert_eq!(refusal("0 8-24/2 * * *"), "'0 8-24/2 * * *': hour 24 is out of range (0–23).");
}

#[test]
fn malformed_fields_are_explained() {
    assert_eq!(
        refusal("*/0 * * * *"),
        "'*/0 * * * *': the minute field '*/0' is not valid (a step must be at least 1)."
    );
    assert_eq!(
        refusal("5/10 * * * *"),
        "'5/10 * * * *': the minute field '5/10' is not valid (write a step as */N or A-B/N, for example */15)."
    );
    assert_eq!(
        refusal("0 0 * * funday"),
        "'0 0 * * funday': the day of week field 'funday' is not valid ('f' is not allowed there)."
    );
    assert_eq!(
        refusal("0 5-2 * * *"),
        "'0 5-2 * * *': the hour field '5-2' is not valid (a range must go from low to high, within the allowed values)."
    );
    assert_eq!(
        refusal("0 0 30 2 *"),
        "'0 0 30 2 *' never matches a real date (check the day of month against the month)."
    );
    assert!(refusal("0 0 31 4,6,9,11 *").contains("never matches"));
}

#[test]
fn wrong_shapes_are_explained() {
    assert_eq!(
        refusal(""),
        "Enter a cron expression such as '0 0 * * *' (minute, hour, day of month, month, day of week)."
    );
    assert_eq!(
        refusal("0 0 * *"),
        "'0 0 * *' has 4 fields. A cron expression has 5: minute, hour, day of month, month, day of week."
    );
    assert!(refusal("0 0 0 * * *").starts_with("'0 0 0 * * *' has 6 fields. Use 5 (minute, hour"));
    assert_eq!(
        refusal("@reboot"),
        "'@reboot' is not a known shortcut. Use @hourly, @daily, @weekly, @monthly or @yearly, or five fields."
    );
}

#[test]
fn unknown_zones_are_refused() {
    let err = Trigger::parse_cron("0 0 * * *", "Mars/Olympus").unwrap_err();
    assert_eq!(err.to_string(), "Unknown time zone 'Mars/Olympus'. Use an IANA name such as Europe/Berlin.");
    let err = Trigger::parse_cron("0 0 * * *", " ").unwrap_err();
    assert_eq!(err.to_string(), "Choose a time zone, such as Europe/Berlin.");
}

#[test]
fn stored_json_is_validated_like_typed_input() {
    let bad: Trigger = serde_json::from_str(r#"{"kind":"cron","expression":"0 25 * * *","time_zone":"UTC"}"#).unwrap();
    assert_eq!(bad.validate().unwrap_err().to_string(), "'0 25 * * *': hour 25 is out of range (0–23).");
    assert_eq!(bad.next_after(at("2026-01-01T00:00:00Z")), None);
    let short: Trigger = serde_json::from_str(r#"{"kind":"interval","every_secs":5}"#).unwrap();
    assert!(short.validate().is_err());
    assert!(short.due_between(at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z")).is_empty());
    assert!(Trigger::Webhook.validate().is_ok() && cron("@weekly", "UTC").validate().is_ok());
}

#[test]
fn interval_bounds() {
    assert_eq!(
        Trigger::interval(59).unwrap_err().to_string(),
        "Choose an interval between 1 minute and 31 days; 59 seconds is too short."
    );
    assert_eq!(
        Trigger::interval(2_678_401).unwrap_err().to_string(),
        "Choose an interval between 1 minute and 31 days; 2678401 seconds is too long."
    );
    assert!(Trigger::interval(60).is_ok() && Trigger::interval(31 * 86_400).is_ok());
}

#[test]
fn intervals_fire_on_an_epoch_grid() {
    let every5 = Trigger::interval(300).unwrap();
    assert_eq!(every5.next_after(at("2026-05-01T10:02:30Z")), Some(at("2026-05-01T10:05:00Z")));
    assert_eq!(every5.next_after(at("2026-05-01T10:05:00Z")), Some(at("2026-05-01T10:10:00Z")));
    let hour = every5.due_between(at("2026-05-01T10:00:00Z"), at("2026-05-01T11:00:00Z"));
    assert_eq!(hour.len(), 12);
    assert_eq!((hour[0], hour[11]), (at("2026-05-01T10:05:00Z"), at("2026-05-01T11:00:00Z")));
    assert_eq!(
        every5.latest_due(at("2026-05-01T10:00:00Z"), at("2026-05-01T10:59:59Z")),
        Some(at("2026-05-01T10:55:00Z"))
    );
    assert_eq!(every5.latest_due(at("2026-05-01T10:55:00Z"), at("2026-05-01T10:59:59Z")), None);
    let daily = Trigger::interval(86_400).unwrap();
    assert_eq!(daily.next_after(at("2026-05-01T10:00:00Z")), Some(at("2026-05-02T00:00:00Z")));
}

#[test]
fn manual_and_webhook_are_never_due() {
    for t in [Trigger::Manual, Trigger::Webhook] {
        assert!(!t.is_scheduled());
        assert_eq!(t.next_after(at("2026-01-01T00:00:00Z")), None);
        assert!(t.due_between(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")).is_empty());
        assert_eq!(t.latest_due(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")), None);
        assert!(t.next_runs(at("2026-01-01T00:00:00Z"), 5, chrono_tz::UTC).is_empty());
    }
    assert!(cron("@daily", "UTC").is_scheduled() && Trigger::interval(60).unwrap().is_scheduled());
}

#[test]
fn due_between_is_bounded() {
    let every_minute = cron("* * * * *", "UTC");
    let due = every_minute.due_between(at("2026-01-01T00:00:00Z"), at("2026-01-03T00:00:00Z"));
    assert_eq!(due.len(), MAX_DUE);
    assert_eq!(due.last(), Some(&at("2026-01-01T16:40:00Z")));
}

#[test]
fn latest_due_after_downtime() {
    let five = cron("*/5 * * * *", "Europe/Berlin");
    assert_eq!(
        five.latest_due(at("2026-01-01T00:00:00Z"), at("2026-01-08T00:07:00Z")),
        Some(at("2026-01-08T00:05:00Z"))
    );
    let nightly = cron("0 0 * * *", "Europe/Berlin");
    assert_eq!(
        nightly.latest_due(at("2026-01-01T00:00:00Z"), at("2026-01-08T12:00:00Z")),
        Some(at("2026-01-07T23:00:00Z"))
    );
    let yearly = cron("@yearly", "Europe/Berlin");
    assert_eq!(
        yearly.latest_due(at("2019-06-01T00:00:00Z"), at("2026-06-01T00:00:00Z")),
        Some(at("2025-12-31T23:00:00Z"))
    );
    assert_eq!(yearly.latest_due(at("2026-01-02T00:00:00Z"), at("2026-06-01T00:00:00Z")), None);
    // The last hour is empty and the day before it holds more than MAX_DUE instants.
    let busy = cron("* 0-20 * * *", "UTC");
    assert_eq!(
        busy.latest_due(at("2026-01-01T00:00:00Z"), at("2026-01-05T23:30:00Z")),
        Some(at("2026-01-05T20:59:00Z"))
    );
}

#[test]
fn next_runs_in_the_display_zone() {
    let nightly = cron("0 0 * * *", "Europe/Berlin");
    let runs = nightly.next_runs(at("2026-11-26T12:00:00Z"), 3, chrono_tz::Europe::Berlin);
    let words: Vec<&str> = runs.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(words, ["2026-11-27 00:00 CET", "2026-11-28 00:00 CET", "2026-11-29 00:00 CET"]);
    assert_eq!(runs[1].0, at("2026-11-27T23:00:00Z"));
    let elsewhere = nightly.next_runs(at("2026-11-26T12:00:00Z"), 1, chrono_tz::America::New_York);
    assert_eq!(elsewhere[0].1, "2026-11-26 18:00 EST");
}

#[test]
fn describe_common_shapes() {
    let words = |e: &str| cron(e, "Europe/Berlin").describe();
    assert_eq!(words("0 0 * * *"), "every day at 00:00 (Europe/Berlin)");
    assert_eq!(words("@daily"), "every day at 00:00 (Europe/Berlin)");
    assert_eq!(words("*/5 * * * *"), "every 5 minutes");
    assert_eq!(words("* * * * *"), "every minute");
    assert_eq!(words("30 2 * * 1-5"), "at 02:30 on weekdays (Europe/Berlin)");
    assert_eq!(words("30 2 * * MON-FRI"), "at 02:30 on weekdays (Europe/Berlin)");
    assert_eq!(words("0 10 * * 6,0"), "at 10:00 on weekends (Europe/Berlin)");
    assert_eq!(words("0 9 * * 1,5"), "every Monday and Friday at 09:00 (Europe/Berlin)");
    assert_eq!(words("0 9 * * SUN"), "every Sunday at 09:00 (Europe/Berlin)");
    assert_eq!(words("0 8,17 * * *"), "every day at 08:00 and 17:00 (Europe/Berlin)");
    assert_eq!(words("0 * * * *"), "every hour (Europe/Berlin)");
    assert_eq!(words("15 * * * *"), "every hour at :15 (Europe/Berlin)");
    assert_eq!(words("0 */2 * * *"), "every 2 hours (Europe/Berlin)");
    assert_eq!(words("0 0 1 * *"), "on the 1st of every month at 00:00 (Europe/Berlin)");
    assert_eq!(words("0 6 1,15 * *"), "on the 1st and 15th of every month at 06:00 (Europe/Berlin)");
    assert_eq!(words("0 0 25 12 *"), "every year on 25 December at 00:00 (Europe/Berlin)");
    assert_eq!(words("0 0 L * *"), "cron `0 0 L * *` (Europe/Berlin)");
    assert_eq!(words("*/10 9-17 * * 1-5"), "cron `*/10 9-17 * * 1-5` (Europe/Berlin)");
}

#[test]
fn describe_other_kinds() {
    let every = |s: u64| Trigger::interval(s).unwrap().describe();
    assert_eq!(every(300), "every 5 minutes");
    assert_eq!(every(60), "every minute");
    assert_eq!(every(90), "every 90 seconds");
    assert_eq!(every(3600), "every hour");
    assert_eq!(every(7200), "every 2 hours");
    assert_eq!(every(86_400), "every day");
    assert_eq!(Trigger::Manual.describe(), "manually");
    assert_eq!(Trigger::Webhook.describe(), "when its webhook receives a request");
}
