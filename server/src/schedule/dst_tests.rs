//! Cron triggers across daylight-saving changes, with fixed dates. 2026: Europe/Berlin
//! springs forward on 29 March (02:00 CET -> 03:00 CEST) and falls back on 25 October
//! (03:00 CEST -> 02:00 CET); America/New_York on 8 March and 1 November at 02:00.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};

use super::Trigger;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("test instant").with_timezone(&Utc)
}

fn cron(expression: &str, zone: &str) -> Trigger {
    Trigger::parse_cron(expression, zone).expect("valid test cron")
}

fn due(trigger: &Trigger, from: &str, to: &str) -> Vec<DateTime<Utc>> {
    trigger.due_between(at(from), at(to))
}

fn local(instants: &[DateTime<Utc>], zone: chrono_tz::Tz) -> Vec<String> {
    instants.iter().map(|t| t.with_timezone(&zone).format("%H:%M %Z").to_string()).collect()
}

fn evenly_spaced(instants: &[DateTime<Utc>], step: Duration) -> bool {
    instants.windows(2).all(|pair| pair[1] - pair[0] == step)
}

#[test]
fn nightly_berlin_across_a_year() {
    let nightly = cron("0 0 * * *", "Europe/Berlin");
    // (2026-01-01 00:00 CET, 2027-01-01 00:00 CET]: 2 January 2026 .. 1 January 2027.
    let runs = due(&nightly, "2025-12-31T23:00:00Z", "2026-12-31T23:00:00Z");
    assert_eq!(runs.len(), 365);
    let berlin = chrono_tz::Europe::Berlin;
    assert!(runs.iter().all(|t| t.with_timezone(&berlin).format("%H:%M").to_string() == "00:00"));
    // Midnight is CEST (22:00 UTC) from 30 March through 25 October: 210 nights.
    assert_eq!(runs.iter().filter(|t| t.format("%H").to_string() == "22").count(), 210);
    assert_eq!(runs.iter().filter(|t| t.format("%H").to_string() == "23").count(), 155);
    let gaps: Vec<i64> = runs.windows(2).map(|p| (p[1] - p[0]).num_hours()).collect();
    assert_eq!(gaps.iter().filter(|h| **h == 23).count(), 1, "the short night in March");
    assert_eq!(gaps.iter().filter(|h| **h == 25).count(), 1, "the long night in October");
    assert_eq!(gaps.iter().filter(|h| **h == 24).count(), 362);
}

#[test]
fn spring_forward_skipped_time_runs_once_after_the_gap() {
    let t = cron("30 2 * * *", "Europe/Berlin");
    let runs = due(&t, "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z");
    assert_eq!(runs, vec![at("2026-03-28T01:30:00Z"), at("2026-03-29T01:00:00Z"), at("2026-03-30T00:30:00Z")]);
    assert_eq!(local(&runs, chrono_tz::Europe::Berlin), ["02:30 CET", "03:00 CEST", "02:30 CEST"]);
    // Asked from inside the missing hour's UTC span, the shifted run is still ahead.
    assert_eq!(t.next_after(at("2026-03-29T00:59:59Z")), Some(at("2026-03-29T01:00:00Z")));
    assert_eq!(t.next_after(at("2026-03-29T01:00:00Z")), Some(at("2026-03-30T00:30:00Z")));
}

#[test]
fn spring_forward_several_skipped_times_fold_into_one_run() {
    for expression in ["0,30 2 * * *", "*/15 2 * * *", "* 2 * * *"] {
        let t = cron(expression, "Europe/Berlin");
        let runs = due(&t, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
        assert_eq!(runs, vec![at("2026-03-29T01:00:00Z")], "{expression}");
    }
    // A job at 03:00 itself coincides with the shifted 02:30 run: one run, not two.
    let both = cron("0,30 2,3 * * *", "Europe/Berlin");
    let runs = due(&both, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
    assert_eq!(runs, vec![at("2026-03-29T01:00:00Z"), at("2026-03-29T01:30:00Z")]);
}

#[test]
fn fall_back_repeated_time_runs_once_at_first_occurrence() {
    let t = cron("30 2 * * *", "Europe/Berlin");
    let runs = due(&t, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z");
    assert_eq!(runs, vec![at("2026-10-25T00:30:00Z"), at("2026-10-26T01:30:00Z")]);
    assert_eq!(local(&runs, chrono_tz::Europe::Berlin), ["02:30 CEST", "02:30 CET"]);
    // Between the two 02:30s nothing is due, even asked from the second pass.
    assert_eq!(t.next_after(at("2026-10-25T01:00:00Z")), Some(at("2026-10-26T01:30:00Z")));
    let listed = cron("0,30 2 * * *", "Europe/Berlin");
    let runs = due(&listed, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z");
    assert_eq!(runs, vec![at("2026-10-25T00:00:00Z"), at("2026-10-25T00:30:00Z")]);
}

#[test]
fn quarter_hours_fire_in_both_passes_of_the_repeated_hour() {
    let t = cron("*/15 * * * *", "Europe/Berlin");
    // Local 02:00-02:59 twice: 00:00-00:59 UTC (CEST) and 01:00-01:59 UTC (CET).
    let repeated = due(&t, "2026-10-24T23:59:00Z", "2026-10-25T01:59:00Z");
    assert_eq!(repeated.len(), 8);
    assert_eq!(
        local(&repeated, chrono_tz::Europe::Berlin),
        ["02:00 CEST", "02:15 CEST", "02:30 CEST", "02:45 CEST", "02:00 CET", "02:15 CET", "02:30 CET", "02:45 CET"]
    );
    // Local 01:00 up to 03:00 lasts three real hours that night: 12 quarter hours.
    let window = due(&t, "2026-10-24T22:59:00Z", "2026-10-25T01:59:00Z");
    assert_eq!(window.len(), 12);
    assert_eq!(window.first(), Some(&at("2026-10-24T23:00:00Z")));
    assert!(evenly_spaced(&window, Duration::minutes(15)));
}

#[test]
fn quarter_hours_step_from_first_pass_into_second() {
    let t = cron("*/15 * * * *", "Europe/Berlin");
    // 02:50 CEST is followed on the clock by 02:00 CET, which is the next quarter hour.
    assert_eq!(t.next_after(at("2026-10-25T00:50:00Z")), Some(at("2026-10-25T01:00:00Z")));
    assert_eq!(t.next_after(at("2026-10-25T00:30:00Z")), Some(at("2026-10-25T00:45:00Z")));
    assert_eq!(t.next_after(at("2026-10-25T01:50:00Z")), Some(at("2026-10-25T02:00:00Z")));
}

#[test]
fn quarter_hours_across_spring_forward_neither_skip_nor_double() {
    let t = cron("*/15 * * * *", "Europe/Berlin");
    let runs = due(&t, "2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z");
    assert_eq!(runs.len(), 8);
    assert!(evenly_spaced(&runs, Duration::minutes(15)));
    assert_eq!(local(&runs[2..4], chrono_tz::Europe::Berlin), ["01:45 CET", "03:00 CEST"]);
}

#[test]
fn hourly_fires_every_real_hour_through_both_changes() {
    let hourly = cron("0 * * * *", "Europe/Berlin");
    // The local day of 25 October has 25 hours; of 29 March, 23.
    let long_day = due(&hourly, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
    assert_eq!(long_day.len(), 25);
    assert!(evenly_spaced(&long_day, Duration::hours(1)));
    let short_day = due(&hourly, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
    assert_eq!(short_day.len(), 23);
    assert!(evenly_spaced(&short_day, Duration::hours(1)));
}

#[test]
fn new_york_changes_at_two_in_the_morning() {
    let ny = chrono_tz::America::New_York;
    let t = cron("30 2 * * *", "America/New_York");
    let spring = due(&t, "2026-03-07T00:00:00Z", "2026-03-09T23:00:00Z");
    assert_eq!(spring, vec![at("2026-03-07T07:30:00Z"), at("2026-03-08T07:00:00Z"), at("2026-03-09T06:30:00Z")]);
    assert_eq!(local(&spring, ny), ["02:30 EST", "03:00 EDT", "02:30 EDT"]);

    // In New York the repeated hour is 01:00-01:59.
    let t = cron("30 1 * * *", "America/New_York");
    let fall = due(&t, "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z");
    assert_eq!(fall, vec![at("2026-11-01T05:30:00Z"), at("2026-11-02T06:30:00Z")]);
    assert_eq!(local(&fall, ny), ["01:30 EDT", "01:30 EST"]);

    let halves = cron("*/30 * * * *", "America/New_York");
    let repeated = due(&halves, "2026-11-01T04:59:00Z", "2026-11-01T06:59:00Z");
    assert_eq!(local(&repeated, ny), ["01:00 EDT", "01:30 EDT", "01:00 EST", "01:30 EST"]);
}

#[test]
fn zones_without_dst_and_utc() {
    let t = cron("0 9 * * *", "Asia/Kolkata");
    assert_eq!(t.next_after(at("2026-03-29T00:00:00Z")), Some(at("2026-03-29T03:30:00Z")));
    let t = cron("0 0 * * *", "UTC");
    assert_eq!(t.next_after(at("2026-10-25T00:00:00Z")), Some(at("2026-10-26T00:00:00Z")));
}

#[test]
fn next_after_agrees_with_a_brute_force_walk_around_every_change() {
    // Interval-like: every real minute whose Berlin wall clock shows a quarter hour (Berlin's
    // offsets are whole hours, so that is every UTC quarter hour).
    let quarters = cron("*/15 * * * *", "Europe/Berlin");
    for start in ["2026-03-28T22:00:00Z", "2026-10-24T22:00:00Z"] {
        for minute in 0..(6 * 60) {
            let after = at(start) + Duration::minutes(minute) + Duration::seconds(30);
            let mut expected = after + Duration::seconds(30);
            while expected.format("%M").to_string().parse::<u32>().unwrap() % 15 != 0 {
                expected += Duration::minutes(1);
            }
            assert_eq!(quarters.next_after(after), Some(expected), "after {after}");
        }
    }
    // Wall-clock: from any minute of the two nights, the next run is the first later one of
    // the runs listed above, whichever pass of the clock the minute is in.
    let nightly = cron("30 2 * * *", "Europe/Berlin");
    for (start, runs) in [
        ("2026-03-28T20:00:00Z", ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        ("2026-10-24T20:00:00Z", ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
    ] {
        for minute in 0..(8 * 60) {
            let after = at(start) + Duration::minutes(minute);
            let expected = runs.iter().map(|r| at(r)).find(|r| *r > after);
            assert_eq!(nightly.next_after(after), expected, "after {after}");
        }
    }
}
