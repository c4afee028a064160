//! EventBridge cron expressions, `cron(minutes hours day-of-month month day-of-week
//! year)`, and the next instant one fires after a given one (UTC).
//!
//! Each field takes `*`, a number, a range `a-b`, a step `*/n`, `a/n` or `a-b/n`, or a
//! comma-separated list of those; months also `JAN`-`DEC`, days of the week `SUN`-`SAT`
//! (1 is Sunday, as EventBridge counts). Exactly one of day-of-month and day-of-week is
//! `?` (the other one decides the day). EventBridge's `L`, `W` and `#` are not read.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// The years EventBridge accepts.
const YEARS: (u32, u32) = (1970, 2199);
const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A cron expression that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expression}: {reason}")]
pub struct CronError {
    pub expression: String,
    pub reason: String,
}

/// Which day field decides the day.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    /// Days of the month, 1-31 (day-of-week is `?`).
    OfMonth(BTreeSet<u32>),
    /// Days of the week, 1 (Sunday) to 7 (Saturday) (day-of-month is `?`).
    OfWeek(BTreeSet<u32>),
}

/// A parsed `cron(...)` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    days: Days,
    months: BTreeSet<u32>,
    years: BTreeSet<u32>,
}

impl Cron {
    /// Reads `cron(m h dom mon dow y)`.
    pub fn parse(expression: &str) -> Result<Self, CronError> {
        let error = |reason: &str| CronError {
            expression: expression.to_owned(),
            reason: reason.to_owned(),
        };
        let inner = expression
            .trim()
            .strip_prefix("cron(")
            .and_then(|rest| rest.strip_suffix(')'))
            .ok_or_else(|| error("not a cron(...) expression"))?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minutes, hours, day_of_month, month, day_of_week, year] = fields[..] else {
            return Err(error(
                "six fields expected: minutes hours day-of-month month day-of-week year",
            ));
        };
        let days = match (day_of_month, day_of_week) {
            ("?", "?") => return Err(error("only one of day-of-month and day-of-week may be ?")),
            (dom, "?") => Days::OfMonth(field(dom, (1, 31), &[]).map_err(|r| error(&r))?),
            ("?", dow) => Days::OfWeek(field(dow, (1, 7), &DAY_NAMES).map_err(|r| error(&r))?),
            _ => return Err(error("one of day-of-month and day-of-week must be ?")),
        };
        Ok(Self {
            minutes: field(minutes, (0, 59), &[]).map_err(|r| error(&r))?,
            hours: field(hours, (0, 23), &[]).map_err(|r| error(&r))?,
            days,
            months: field(month, (1, 12), &MONTH_NAMES).map_err(|r| error(&r))?,
            years: field(year, YEARS, &[]).map_err(|r| error(&r))?,
        })
    }

    /// The first instant strictly after `after` at which the expression fires (on a
    /// whole minute), or `None` if it never fires again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let whole_minute = after.naive_utc().with_second(0)?.with_nanosecond(0)?;
        let first = whole_minute + Duration::minutes(1);
        let last_year = i32::try_from(*self.years.last()?).ok()?;
        let mut date = first.date();
        let mut earliest = Some(first.time());
        while date.year() <= last_year {
            if self.fires_on(date)
                && let Some(time) = self.first_time(earliest)
            {
                return Some(NaiveDateTime::new(date, time).and_utc());
            }
            date = date.succ_opt()?;
            earliest = None;
        }
        None
    }

    fn fires_on(&self, date: NaiveDate) -> bool {
        let year = u32::try_from(date.year()).unwrap_or(0);
        let day = match &self.days {
            Days::OfMonth(days) => days.contains(&date.day()),
            Days::OfWeek(days) => days.contains(&date.weekday().number_from_sunday()),
        };
        day && self.months.contains(&date.month()) && self.years.contains(&year)
    }

    /// The first firing time of a day, not before `earliest` when given.
    fn first_time(&self, earliest: Option<NaiveTime>) -> Option<NaiveTime> {
        let (from_hour, from_minute) = earliest.map_or((0, 0), |t| (t.hour(), t.minute()));
        self.hours.range(from_hour..).find_map(|&hour| {
            let from = if hour == from_hour { from_minute } else { 0 };
            let minute = *self.minutes.range(from..).next()?;
            NaiveTime::from_hms_opt(hour, minute, 0)
        })
    }
}

/// One field's values within `bounds` (inclusive); `names` are the words for
/// `bounds.0`, `bounds.0 + 1`, ... (case-insensitive).
fn field(text: &str, bounds: (u32, u32), names: &[&str]) -> Result<BTreeSet<u32>, String> {
    let mut values = BTreeSet::new();
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let (from, to) = match range {
            "*" => bounds,
            _ => match range.split_once('-') {
                Some((a, b)) => (value(a, bounds, names)?, value(b, bounds, names)?),
                // `a/n` runs from a to the field's end.
                None if step.is_some() => (value(range, bounds, names)?, bounds.1),
                None => {
                    let v = value(range, bounds, names)?;
                    (v, v)
                }
            },
        };
        let step: usize = match step {
            Some(s) => s
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`{item}`: the step must be a positive number"))?,
            None => 1,
        };
        if from > to {
            return Err(format!("`{item}`: the range runs backwards"));
        }
        values.extend((from..=to).step_by(step));
    }
    Ok(values)
}

fn value(text: &str, (min, max): (u32, u32), names: &[&str]) -> Result<u32, String> {
    let named = names
        .iter()
        .zip(min..)
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, v)| v);
    let number = named.or_else(|| text.parse().ok()).ok_or_else(|| {
        format!("`{text}` is not a number (L, W and # are not supported locally)")
    })?;
    if (min..=max).contains(&number) {
        Ok(number)
    } else {
        Err(format!("`{text}` is outside {min}-{max}"))
    }
}

#[cfg(test)]
#[path = "cron_tests.rs"]
mod tests;
