//! [`Period`]: the calendar month (UTC) a statement covers, written `YYYY-MM`.
//!
//! Its bounds are RFC 3339 instants in the ledger's fixed format
//! (`2026-11-01T00:00:00.000000Z`: microseconds, `Z`), so they compare with the
//! ledger's `settledAt` values lexically as well as in time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};

/// The first accepted year.
const MIN_YEAR: i32 = 2000;
/// The last accepted year.
const MAX_YEAR: i32 = 9999;

/// One calendar month in UTC, from its first instant (inclusive) to the first instant
/// of the next month (exclusive). Ordered in time.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    // Field order matters: the derived `Ord` compares the year first.
    year: i32,
    month: u32,
}

/// Why a text is not a period. The messages are meant for API clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not `YYYY-MM` (four digits, a dash, two digits).
    #[error("period must be a month such as 2026-11")]
    Format,
    /// A month outside `01..=12`.
    #[error("period month must be between 01 and 12, such as 2026-11")]
    Month,
    /// A year outside `2000..=9999`.
    #[error("period year must be between 2000 and 9999, such as 2026-11")]
    Year,
}

impl Period {
    /// Reads `YYYY-MM` (exactly; no spaces, no day, no sign).
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes[..4].iter().all(u8::is_ascii_digit)
            && bytes[5..].iter().all(u8::is_ascii_digit);
        if !shaped {
            return Err(PeriodError::Format);
        }
        let year: i32 = text[..4].parse().map_err(|_| PeriodError::Format)?;
        let month: u32 = text[5..].parse().map_err(|_| PeriodError::Format)?;
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month);
        }
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(PeriodError::Year);
        }
        Ok(Self { year, month })
    }

    /// The month `at` falls in (UTC).
    pub fn containing(at: DateTime<Utc>) -> Self {
        Self {
            year: at.year(),
            month: at.month(),
        }
    }

    /// The month before the month of `now`: the latest closed period. In January,
    /// December of the previous year. Not clamped to the years [`Period::parse`]
    /// accepts (the clock is expected to be well inside them).
    pub fn previous(now: DateTime<Utc>) -> Self {
        let current = Self::containing(now);
        if current.month == 1 {
            Self {
                year: current.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: current.year,
                month: current.month - 1,
            }
        }
    }

    /// The following month (December → January of the next year); `None` after
    /// 9999-12, which has no `YYYY-MM` successor.
    pub fn next(&self) -> Option<Self> {
        let (year, month) = self.after();
        (year <= MAX_YEAR).then_some(Self { year, month })
    }

    /// The year.
    pub const fn year(&self) -> i32 {
        self.year
    }

    /// The month, `1..=12`.
    pub const fn month(&self) -> u32 {
        self.month
    }

    /// The first instant of the month, inclusive: `2026-11-01T00:00:00.000000Z`.
    pub fn from(&self) -> String {
        start_of(self.year, self.month)
    }

    /// The first instant of the next month, exclusive: `2026-12-01T00:00:00.000000Z`.
    /// (For 9999-12 it is `10000-01-01T00:00:00.000000Z`, the one value whose lexical
    /// order is not its time order.)
    pub fn to(&self) -> String {
        let (year, month) = self.after();
        start_of(year, month)
    }

    /// Whether `at` is inside the month: `from() <= at < to()`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        Self::containing(at) == *self
    }

    /// Whether the month is over at `now` (`to() <= now`): the current month and the
    /// months after it are not closed.
    pub fn is_closed(&self, now: DateTime<Utc>) -> bool {
        *self < Self::containing(now)
    }

    /// The year and month after this one, unchecked.
    fn after(&self) -> (i32, u32) {
        if self.month >= 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        }
    }
}

/// `YYYY-MM-01T00:00:00.000000Z`, as `clock::format_rfc3339` writes that instant.
fn start_of(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}-01T00:00:00.000000Z")
}

impl fmt::Display for Period {
    /// `YYYY-MM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Self, PeriodError> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;

    fn try_from(text: String) -> Result<Self, PeriodError> {
        Self::parse(&text)
    }
}

impl From<Period> for String {
    fn from(period: Period) -> Self {
        period.to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone as _;

    use super::*;

    fn at(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn periods_parse_strictly_and_have_fixed_width_bounds() {
        let december = Period::parse("2026-12").unwrap();
        assert_eq!(december.to_string(), "2026-12");
        assert_eq!(december.from(), "2026-12-01T00:00:00.000000Z");
        assert_eq!(december.to(), "2027-01-01T00:00:00.000000Z");
        assert_eq!(december.next(), Some(Period::parse("2027-01").unwrap()));
        assert_eq!(
            Period::parse("2026-02").unwrap().to(),
            "2026-03-01T00:00:00.000000Z"
        );
        assert_eq!(
            crate::clock::format_rfc3339(at(2026, 12, 1, 0)),
            december.from()
        );
        assert!(
            december.from() < december.to()
                && "2026-12-31T23:59:59.999999Z" < december.to().as_str()
        );
        for (text, error) in [
            ("2026-00", PeriodError::Month),
            ("2026-13", PeriodError::Month),
            ("1999-12", PeriodError::Year),
            ("0000-01", PeriodError::Year),
            ("2026-1", PeriodError::Format),
            ("2026-011", PeriodError::Format),
            ("2026/11", PeriodError::Format),
            ("+202-11", PeriodError::Format),
            ("2026-11-01", PeriodError::Format),
            (" 2026-11", PeriodError::Format),
            ("２０２６-11", PeriodError::Format),
            ("", PeriodError::Format),
        ] {
            assert_eq!(Period::parse(text), Err(error), "{text}");
        }
        assert_eq!(
            PeriodError::Format.to_string(),
            "period must be a month such as 2026-11"
        );
        let last = Period::parse("9999-12").unwrap();
        assert_eq!(last.next(), None);
        assert_eq!(serde_json::to_string(&december).unwrap(), "\"2026-12\"");
        assert!(serde_json::from_str::<Period>("\"2026-13\"").is_err());
    }

    #[test]
    fn the_previous_period_and_closed_periods_follow_the_clock() {
        assert_eq!(
            Period::previous(at(2027, 1, 15, 12)),
            Period::parse("2026-12").unwrap()
        );
        assert_eq!(
            Period::previous(at(2026, 11, 1, 0)),
            Period::parse("2026-10").unwrap()
        );
        let november = Period::parse("2026-11").unwrap();
        assert!(!november.is_closed(at(2026, 11, 30, 23)));
        assert!(!november.is_closed(at(2026, 10, 3, 0)));
        assert!(november.is_closed(at(2026, 12, 1, 0)));
        assert!(november.is_closed(at(2027, 3, 1, 0)));
        assert!(Period::previous(at(2026, 12, 1, 0)).is_closed(at(2026, 12, 1, 0)));
        assert!(november.contains(at(2026, 11, 1, 0)) && !november.contains(at(2026, 12, 1, 0)));
    }
}
