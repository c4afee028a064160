//! Timestamps as the API renders and DynamoDB sorts them: RFC 3339, UTC, fixed
//! microsecond precision, so that lexical order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

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
}
