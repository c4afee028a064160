//! Where things go on an A4 page, and which table rows each page holds.
//!
//! The table's rows are the opening balance, every entry (or the "no transactions"
//! line of an empty month) and the closing balance, then, when holds were active at
//! the closing, a "Holds at closing" line and one row per hold. The last page also
//! keeps room at its bottom for the verification footer.

use std::ops::Range;

use super::canvas::Rgb;

/// A4, in points.
pub(super) const PAGE_WIDTH: f32 = 595.28;
pub(super) const PAGE_HEIGHT: f32 = 841.89;

/// The printable band.
pub(super) const LEFT: f32 = 40.0;
pub(super) const RIGHT: f32 = PAGE_WIDTH - 40.0;
pub(super) const WIDTH: f32 = RIGHT - LEFT;

/// The rule under the header, on every page.
pub(super) const HEADER_BOTTOM: f32 = 722.0;
/// The top of the table on the first page (below the summary) and on the others.
pub(super) const FIRST_TABLE_TOP: f32 = 580.0;
pub(super) const TABLE_TOP: f32 = HEADER_BOTTOM - 14.0;
/// The column titles' band.
pub(super) const TABLE_HEAD_HEIGHT: f32 = 18.0;
/// One row of the table.
pub(super) const ROW_HEIGHT: f32 = 13.0;
/// Rows stay above this line.
pub(super) const BOTTOM: f32 = 44.0;
/// The verification footer's height, from [`BOTTOM`] up, on the last page.
pub(super) const FOOTER_HEIGHT: f32 = 100.0;

/// The table's columns: left edges for text, right edges for amounts.
pub(super) const DATE_X: f32 = LEFT + 5.0;
pub(super) const TYPE_X: f32 = LEFT + 100.0;
pub(super) const DESCRIPTION_X: f32 = LEFT + 164.0;
pub(super) const DESCRIPTION_WIDTH: f32 = AMOUNT_RIGHT - AMOUNT_WIDTH - DESCRIPTION_X - 8.0;
pub(super) const AMOUNT_RIGHT: f32 = RIGHT - 92.0;
pub(super) const AMOUNT_WIDTH: f32 = 64.0;
pub(super) const BALANCE_RIGHT: f32 = RIGHT - 5.0;
pub(super) const BALANCE_WIDTH: f32 = 84.0;

/// Type sizes.
pub(super) const ROW_SIZE: f32 = 8.0;
pub(super) const LABEL_SIZE: f32 = 8.0;

/// Colours.
pub(super) const INK: Rgb = Rgb(0.11, 0.12, 0.14);
pub(super) const MUTED: Rgb = Rgb(0.42, 0.45, 0.5);
pub(super) const ACCENT: Rgb = Rgb(0.08, 0.22, 0.42);
pub(super) const RULE: Rgb = Rgb(0.8, 0.82, 0.86);
pub(super) const PANEL: Rgb = Rgb(0.95, 0.96, 0.98);
pub(super) const ZEBRA: Rgb = Rgb(0.965, 0.97, 0.98);
pub(super) const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);
pub(super) const DEBIT: Rgb = Rgb(0.64, 0.1, 0.1);

/// One page: which rows of the table it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PagePlan {
    pub(super) rows: Range<usize>,
    pub(super) first: bool,
    pub(super) last: bool,
}

impl PagePlan {
    /// The top of this page's table.
    pub(super) const fn table_top(&self) -> f32 {
        if self.first {
            FIRST_TABLE_TOP
        } else {
            TABLE_TOP
        }
    }
}

/// How many rows fit under the table head from `top` down to [`BOTTOM`].
fn capacity(top: f32) -> usize {
    let rows = ((top - TABLE_HEAD_HEIGHT - BOTTOM) / ROW_HEIGHT).floor();
    if rows > 1.0 { rows as usize } else { 1 }
}

/// The rows the footer takes from the last page.
fn footer_rows() -> usize {
    (FOOTER_HEIGHT / ROW_HEIGHT).ceil() as usize
}

/// The table rows of a statement with `entries` entries and `holds` holds at the
/// closing: opening balance, the entries or the "no transactions" line, closing
/// balance, then the holds' title and one row per hold (none without holds).
pub(super) const fn row_count(entries: usize, holds: usize) -> usize {
    let ledger = if entries == 0 { 3 } else { entries + 2 };
    if holds == 0 {
        ledger
    } else {
        ledger + 1 + holds
    }
}

/// Splits `rows` table rows over pages, leaving room for the footer on the last one
/// (which then holds at least one row, never the footer alone).
pub(super) fn paginate(rows: usize) -> Vec<PagePlan> {
    let mut pages = Vec::with_capacity(rows / capacity(TABLE_TOP) + 2);
    let mut start = 0;
    loop {
        let first = pages.is_empty();
        let room = capacity(if first { FIRST_TABLE_TOP } else { TABLE_TOP });
        let left = rows - start;
        if left + footer_rows() <= room {
            pages.push(PagePlan {
                rows: start..rows,
                first,
                last: true,
            });
            return pages;
        }
        let take = room.min(left.saturating_sub(1)).max(1);
        pages.push(PagePlan {
            rows: start..start + take,
            first,
            last: false,
        });
        start += take;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_months_fit_on_one_page() {
        assert_eq!(
            paginate(3),
            vec![PagePlan {
                rows: 0..3,
                first: true,
                last: true
            }]
        );
    }

    #[test]
    fn every_row_is_on_exactly_one_page_and_the_last_has_room_for_the_footer() {
        for rows in [3, 20, 30, 38, 41, 50, 90, 302, 10_002] {
            let pages = paginate(rows);
            let mut next = 0;
            for page in &pages {
                assert_eq!(page.rows.start, next);
                assert!(!page.rows.is_empty());
                next = page.rows.end;
            }
            assert_eq!(next, rows);
            let last = pages.last().map(|page| page.rows.len()).unwrap_or_default();
            let top = if pages.len() == 1 {
                FIRST_TABLE_TOP
            } else {
                TABLE_TOP
            };
            assert!(last + footer_rows() <= capacity(top), "{rows}");
            assert!(pages.iter().filter(|page| page.last).count() == 1);
        }
    }
}
