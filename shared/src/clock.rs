//! Timestamps as the API renders and DynamoDB sorts them: RFC 3339, UTC, fixed
//! microsecond precision, so that lexical order is time order.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A point in time as an RFC 3339 text: what the ledger records (`createdAt`,
/// `processedAt`, ...). Made now, or read from a text that is RFC 3339 (stored items,
/// client input); the text is kept as given, so what was stored is shown byte for byte.
/// Ordered by the instant it names, whatever its offset or precision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Timestamp(String);

/// A text that is not an RFC 3339 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be an RFC 3339 date-time, such as 2026-11-25T09:21:00Z")]
pub struct TimestampError;

impl Timestamp {
    /// The current time, `2026-11-25T09:21:00.123456Z`.
    pub fn now() -> Self {
        Self(now_rfc3339())
    }

    /// `text` if it is an RFC 3339 date-time.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        DateTime::parse_from_rfc3339(text).map_err(|_| TimestampError)?;
        Ok(Self(text.to_owned()))
    }

    /// The instant, in UTC.
    pub fn instant(&self) -> DateTime<Utc> {
        // Checked when made: the fallback is never taken.
        DateTime::parse_from_rfc3339(&self.0).map_or(DateTime::UNIX_EPOCH, |t| t.to_utc())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Timestamp {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, TimestampError> {
        Self::parse(text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant()
            .cmp(&other.instant())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl From<&Timestamp> for String {
    fn from(at: &Timestamp) -> Self {
        at.0.clone()
    }
}

/// The current time as `2026-11-25T09:21:00.123456Z`.
pub fn now_rfc3339() -> String {
    format_rfc3339(Utc::now())
}

/// `at` as `2026-11-25T09:21:00.123456Z`.
pub fn format_rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_fixed_width_so_lexical_order_is_time_order() {
        let early = DateTime::from_timestamp(1_795_591_141, 0).unwrap_or_default();
        let late = DateTime::from_timestamp(1_795_591_141, 5_000).unwrap_or_default();
        let (a, b) = (format_rfc3339(early), format_rfc3339(late));
        assert_eq!(a, "2026-11-25T07:19:01.000000Z");
        assert_eq!(a.len(), b.len());
        assert!(a < b);
    }

    #[test]
    fn a_timestamp_is_rfc3339_kept_as_written_and_ordered_by_instant() {
        let utc = Timestamp::parse("2026-11-25T09:21:00.000001Z").unwrap_or_else(|e| panic!("{e}"));
        let offset =
            Timestamp::parse("2026-11-25T10:21:00+01:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(offset.as_str(), "2026-11-25T10:21:00+01:00");
        assert!(offset < utc, "ordered by instant, not text");
        for bad in ["", "2026-11-25", "yesterday", "2026-11-25T25:00:00Z"] {
            assert_eq!(Timestamp::parse(bad), Err(TimestampError), "{bad}");
        }
        let json = serde_json::to_string(&utc).unwrap_or_default();
        assert_eq!(json, r#""2026-11-25T09:21:00.000001Z""#);
        assert!(serde_json::from_str::<Timestamp>(r#""soon""#).is_err());
        assert!(Timestamp::now() > utc);
    }
}
