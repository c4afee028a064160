#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};

use super::Cron;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn next(expression: &str, after: &str) -> Option<DateTime<Utc>> {
    Cron::parse(expression).unwrap().next_after(at(after))
}

const MONTHLY: &str = "cron(0 2 1 * ? *)";

#[test]
fn the_monthly_run_fires_at_two_on_the_first_of_the_next_month() {
    assert_eq!(
        next(MONTHLY, "2026-11-15T10:30:00Z"),
        Some(at("2026-12-01T02:00:00Z"))
    );
}

#[test]
fn from_the_end_of_a_month_the_monthly_run_is_the_next_day() {
    assert_eq!(
        next(MONTHLY, "2026-11-30T23:59:59.999Z"),
        Some(at("2026-12-01T02:00:00Z"))
    );
    // February of a leap year ends on the 29th.
    assert_eq!(
        next(MONTHLY, "2028-02-29T12:00:00Z"),
        Some(at("2028-03-01T02:00:00Z"))
    );
}

#[test]
fn from_december_the_monthly_run_is_in_january_of_the_next_year() {
    assert_eq!(
        next(MONTHLY, "2026-12-31T23:00:00Z"),
        Some(at("2027-01-01T02:00:00Z"))
    );
    assert_eq!(
        next(MONTHLY, "2026-12-01T02:00:00Z"),
        Some(at("2027-01-01T02:00:00Z"))
    );
}

#[test]
fn an_instant_on_the_firing_time_is_not_a_firing_the_next_one_is() {
    // Strictly after: started exactly at a firing time, the runtime does not fire at
    // start-up.
    assert_eq!(
        next(MONTHLY, "2026-11-01T02:00:00Z"),
        Some(at("2026-12-01T02:00:00Z"))
    );
    assert_eq!(
        next(MONTHLY, "2026-11-01T01:59:59.5Z"),
        Some(at("2026-11-01T02:00:00Z"))
    );
    assert_eq!(
        next(MONTHLY, "2026-11-01T02:00:00.001Z"),
        Some(at("2026-12-01T02:00:00Z"))
    );
}

#[test]
fn a_question_mark_in_day_of_month_lets_day_of_week_decide() {
    // Mondays (2) at 09:15; 2026-11-30 is a Monday.
    let weekly = "cron(15 9 ? * 2 *)";
    assert_eq!(
        next(weekly, "2026-11-25T00:00:00Z"),
        Some(at("2026-11-30T09:15:00Z"))
    );
    assert_eq!(
        next("cron(15 9 ? * MON *)", "2026-11-30T09:15:00Z"),
        Some(at("2026-12-07T09:15:00Z"))
    );
    // Saturday and Sunday: 7 and 1.
    assert_eq!(
        next("cron(0 0 ? * 1,7 *)", "2026-11-25T00:00:00Z"),
        Some(at("2026-11-28T00:00:00Z"))
    );
}

#[test]
fn every_field_form_is_read() {
    // Every 15 minutes between 08:00 and 09:59 on weekdays.
    let every = "cron(0/15 8-9 ? * MON-FRI *)";
    assert_eq!(
        next(every, "2026-11-27T09:50:00Z"), // a Friday
        Some(at("2026-11-30T08:00:00Z"))
    );
    assert_eq!(
        next(every, "2026-11-27T08:20:00Z"),
        Some(at("2026-11-27T08:30:00Z"))
    );
    assert_eq!(
        next("cron(*/20 * * * ? *)", "2026-11-27T08:41:00Z"),
        Some(at("2026-11-27T09:00:00Z"))
    );
    assert_eq!(
        next("cron(0 12 1 JAN,jul ? *)", "2026-02-01T00:00:00Z"),
        Some(at("2026-07-01T12:00:00Z"))
    );
}

#[test]
fn a_day_a_month_lacks_is_skipped_and_a_past_year_never_fires() {
    // The 31st: not in November.
    assert_eq!(
        next("cron(0 0 31 * ? *)", "2026-11-01T00:00:00Z"),
        Some(at("2026-12-31T00:00:00Z"))
    );
    assert_eq!(next("cron(0 0 1 * ? 2025)", "2026-11-01T00:00:00Z"), None);
    assert_eq!(next("cron(0 0 30 2 ? *)", "2026-11-01T00:00:00Z"), None);
    assert_eq!(
        next("cron(0 0 1 1 ? 2030-2031)", "2026-11-01T00:00:00Z"),
        Some(at("2030-01-01T00:00:00Z"))
    );
}

#[test]
fn malformed_or_unsupported_expressions_are_refused_with_a_reason() {
    for (expression, reason) in [
        ("rate(1 day)", "not a cron"),
        ("cron(0 2 1 * ?)", "six fields"),
        ("cron(0 2 1 * * *)", "must be ?"),
        ("cron(0 2 ? * ? *)", "only one"),
        ("cron(60 2 1 * ? *)", "outside 0-59"),
        ("cron(0 24 1 * ? *)", "outside 0-23"),
        ("cron(0 2 0 * ? *)", "outside 1-31"),
        ("cron(0 2 1 13 ? *)", "outside 1-12"),
        ("cron(0 2 ? * 8 *)", "outside 1-7"),
        ("cron(0 2 1 * ? 1969)", "outside 1970-2199"),
        ("cron(0 2 L * ? *)", "not supported"),
        ("cron(0 2 ? * 6#3 *)", "not supported"),
        ("cron(0/0 2 1 * ? *)", "positive"),
        ("cron(0 5-2 1 * ? *)", "backwards"),
        ("cron(x 2 1 * ? *)", "not a number"),
    ] {
        let error = Cron::parse(expression).unwrap_err();
        assert!(
            error.to_string().contains(reason),
            "{expression}: {error} (expected `{reason}`)"
        );
    }
}
