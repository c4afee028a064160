//! Dates and labels as the statement prints them.

use std::fmt::Write as _;

use shared::clock::Timestamp;
use shared::domain::TransactionType;
use shared::statement::StatementEntry;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// `text` (RFC 3339) as `YYYY-MM-DD HH:MM UTC` in `out` (cleared first); a text that
/// is not RFC 3339 is shown as it is.
pub(super) fn settled(text: &str, out: &mut String) {
    out.clear();
    if let Some((date, time)) = plain_utc(text) {
        out.push_str(date);
        out.push(' ');
        out.push_str(time);
        out.push_str(" UTC");
    } else if let Ok(stamp) = Timestamp::parse(text) {
        let _ = write!(out, "{}", stamp.instant().format("%Y-%m-%d %H:%M UTC"));
    } else {
        out.push_str(text);
    }
}

/// The date and `HH:MM` of a `YYYY-MM-DDTHH:MM:SS[.f]Z` text (what the ledger
/// stores), without parsing it further.
fn plain_utc(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let shape = bytes.len() >= 20
        && bytes.last() == Some(&b'Z')
        && bytes.get(10) == Some(&b'T')
        && [4, 7].iter().all(|&i| bytes.get(i) == Some(&b'-'))
        && [13, 16].iter().all(|&i| bytes.get(i) == Some(&b':'))
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]
            .iter()
            .all(|&i| bytes.get(i).is_some_and(u8::is_ascii_digit));
    if shape {
        Some((text.get(..10)?, text.get(11..16)?))
    } else {
        None
    }
}

/// The statement's dates, first and last day included: `YYYY-MM-DD to YYYY-MM-DD`
/// (`to` is the first instant after the period).
pub(super) fn period(from: &str, to: &str) -> String {
    format!("{} to {}", day(from, false), day(to, true))
}

/// The UTC date of `text`; with `before`, the day before when `text` is a midnight.
fn day(text: &str, before: bool) -> String {
    let Ok(stamp) = Timestamp::parse(text) else {
        return text.to_owned();
    };
    let instant = stamp.instant();
    let date = instant.date_naive();
    let date = if before && instant.timestamp().rem_euclid(DAY) == 0 {
        date.pred_opt().unwrap_or(date)
    } else {
        date
    };
    date.format("%Y-%m-%d").to_string()
}

/// The entry's type as a person reads it in `out` (cleared first): `Deposit`,
/// `Transfer in`, `Transfer out`, `Adjustment`...
pub(super) fn entry_type(entry: &StatementEntry, out: &mut Vec<u8>) {
    out.clear();
    for (index, byte) in entry.entry_type.as_str().bytes().enumerate() {
        out.push(match byte {
            b'_' => b' ',
            _ if index == 0 => byte,
            _ => byte.to_ascii_lowercase(),
        });
    }
    if entry.entry_type == TransactionType::Transfer {
        let way: &[u8] = if entry.amount.is_negative() {
            b" out"
        } else {
            b" in"
        };
        out.extend_from_slice(way);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        let mut out = String::new();
        settled(text, &mut out);
        out
    }

    #[test]
    fn settlement_times_are_shown_in_utc_to_the_minute() {
        assert_eq!(shown("2026-05-03T09:15:22.123456Z"), "2026-05-03 09:15 UTC");
        assert_eq!(shown("2026-05-03T09:15:22Z"), "2026-05-03 09:15 UTC");
        assert_eq!(shown("2026-05-03T11:15:22+02:00"), "2026-05-03 09:15 UTC");
        assert_eq!(shown("not a date"), "not a date");
    }

    #[test]
    fn the_period_names_its_first_and_last_day() {
        let text = period("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z");
        assert_eq!(text, "2026-05-01 to 2026-05-31");
        let leap = period("2028-02-01T00:00:00.000000Z", "2028-03-01T00:00:00.000000Z");
        assert_eq!(leap, "2028-02-01 to 2028-02-29");
    }
}
