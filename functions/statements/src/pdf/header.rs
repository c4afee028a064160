//! What every page repeats (bank, statement, account, page number) and the first
//! page's summary.

use std::fmt::Write as _;

use shared::statement::Statement;

use super::canvas::Canvas;
use super::format;
use super::layout::{
    ACCENT, HEADER_BOTTOM, INK, LABEL_SIZE, LEFT, MUTED, PANEL, RIGHT, RULE, WIDTH,
};
use super::text::{self, Font};

/// The bank's name, as printed.
const BANK: &[u8] = b"Serverless Bank";

/// The header's texts, encoded and cut to their places once for every page.
#[derive(Debug)]
pub(super) struct Doc {
    title: Vec<u8>,
    generated: Vec<u8>,
    name: Vec<u8>,
    account_id: Vec<u8>,
    holder: Vec<u8>,
    currency: Vec<u8>,
    period: Vec<u8>,
}

/// Where the header's second column of facts starts.
const FACTS_X: f32 = LEFT + 300.0;
/// Where values follow their labels.
const VALUE_OFFSET: f32 = 70.0;

/// `text` encoded and cut to `max` points in `font` at `size`.
fn fitted(text: &str, (font, size): (Font, f32), max: f32) -> Vec<u8> {
    let mut bytes = text::encode(text);
    text::truncate(font, &mut bytes, size, max);
    bytes
}

impl Doc {
    pub(super) fn new(statement: &Statement) -> Self {
        let mut when = String::new();
        format::settled(&statement.generated_at, &mut when);
        let value = (Font::Bold, LABEL_SIZE);
        let left = FACTS_X - LEFT - VALUE_OFFSET - 12.0;
        let right = RIGHT - FACTS_X - VALUE_OFFSET;
        let period = format::period(&statement.from, &statement.to);
        Self {
            title: fitted(&format!("Statement {}", statement.period), TITLE, 240.0),
            generated: fitted(&format!("Generated {when}"), SMALL, 240.0),
            name: fitted(&statement.account.name, value, left),
            account_id: fitted(&statement.account.account_id.to_string(), value, left),
            holder: fitted(&statement.account.holder_id, value, left),
            currency: text::encode(statement.currency.as_str()),
            period: fitted(&period, value, right),
        }
    }
}

/// The statement's title and the small print under it.
const TITLE: (Font, f32) = (Font::Bold, 13.0);
const SMALL: (Font, f32) = (Font::Regular, 7.5);

/// The header of page `number` (from 1) of `pages`.
pub(super) fn draw(canvas: &mut Canvas, doc: &Doc, number: usize, pages: usize) {
    let mut page = String::with_capacity(24);
    let _ = write!(page, "Page {number} of {pages}");
    canvas.fill_rect(LEFT, 806.0, 4.0, 19.0, ACCENT);
    canvas.set_fill(ACCENT);
    canvas.text(Font::Bold, 17.0, LEFT + 10.0, 809.0, BANK);
    canvas.text_right(TITLE.0, TITLE.1, RIGHT, 811.0, &doc.title);
    canvas.set_fill(MUTED);
    canvas.text(SMALL.0, SMALL.1, LEFT + 10.0, 795.0, b"Account statement");
    canvas.text_right(SMALL.0, SMALL.1, RIGHT, 797.0, &doc.generated);
    canvas.set_fill(INK);
    canvas.text_right(Font::Bold, LABEL_SIZE, RIGHT, 785.0, page.as_bytes());
    canvas.hline((LEFT, RIGHT), 777.0, 1.2, ACCENT);
    let facts: [(f32, &[u8], &[u8]); 5] = [
        (LEFT, b"Account", &doc.name),
        (LEFT, b"Account ID", &doc.account_id),
        (LEFT, b"Holder ID", &doc.holder),
        (FACTS_X, b"Currency", &doc.currency),
        (FACTS_X, b"Period", &doc.period),
    ];
    let mut y = [762.0, 762.0];
    for (x, label, value) in facts {
        let row = usize::from(x > LEFT);
        canvas.set_fill(MUTED);
        canvas.text(Font::Regular, LABEL_SIZE, x, y[row], label);
        canvas.set_fill(INK);
        canvas.text(Font::Bold, LABEL_SIZE, x + VALUE_OFFSET, y[row], value);
        y[row] -= 12.0;
    }
    canvas.hline((LEFT, RIGHT), HEADER_BOTTOM, 0.6, RULE);
}

/// The summary panel's top and height (room for the v2 rows on hold and available).
const SUMMARY_TOP: f32 = 690.0;
const SUMMARY_HEIGHT: f32 = 96.0;

/// The first page's summary: period and count on the left, the money on the right.
pub(super) fn summary(canvas: &mut Canvas, doc: &Doc, statement: &Statement) {
    canvas.set_fill(ACCENT);
    canvas.text(Font::Bold, 10.0, LEFT, SUMMARY_TOP + 8.0, b"Summary");
    let bottom = SUMMARY_TOP - SUMMARY_HEIGHT;
    canvas.fill_rect(LEFT, bottom, WIDTH, SUMMARY_HEIGHT, PANEL);
    canvas.stroke_rect([LEFT, bottom, WIDTH, SUMMARY_HEIGHT], 0.6, RULE);
    let count = text::encode(&statement.entries.len().to_string());
    let left: [(&[u8], &[u8]); 2] = [
        (b"Statement period", &doc.period),
        (b"Transactions", &count),
    ];
    let mut y = SUMMARY_TOP - 16.0;
    for (label, value) in left {
        canvas.set_fill(MUTED);
        canvas.text(Font::Regular, 8.5, LEFT + 10.0, y, label);
        canvas.set_fill(INK);
        canvas.text(Font::Bold, 8.5, LEFT + 95.0, y, value);
        y -= 14.0;
    }
    money_column(canvas, statement);
}

/// How a summary amount is printed: plain, or bold under a rule (a closing figure).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Ruled,
}

/// Opening balance, totals and closing balance, and (v2) the amount on hold and the
/// available balance at the closing, each with the currency code.
fn money_column(canvas: &mut Canvas, statement: &Statement) {
    let code = statement.currency.as_str();
    let mut amounts = vec![
        (
            "Opening balance",
            statement.opening_balance.to_string(),
            Style::Plain,
        ),
        ("Total in", statement.total_in.to_string(), Style::Plain),
        ("Total out", statement.total_out.to_string(), Style::Plain),
        (
            "Closing balance",
            statement.closing_balance.to_string(),
            Style::Ruled,
        ),
    ];
    if let Some(held) = statement.closing_held {
        amounts.push(("On hold at closing", held.to_string(), Style::Plain));
    }
    if let Some(available) = statement.closing_available {
        amounts.push(("Available at closing", available.to_string(), Style::Ruled));
    }
    let (label_x, value_right) = (LEFT + 290.0, RIGHT - 10.0);
    let max = value_right - label_x - 90.0;
    let mut y = SUMMARY_TOP - 16.0;
    for (label, amount, style) in amounts {
        let ruled = style == Style::Ruled;
        if ruled {
            canvas.hline((label_x, value_right), y + 9.0, 0.5, RULE);
            y -= 2.0;
        }
        let font = if ruled { Font::Bold } else { Font::Regular };
        let value = text::encode(&format!("{amount} {code}"));
        canvas.set_fill(if ruled { INK } else { MUTED });
        canvas.text(font, 8.5, label_x, y, label.as_bytes());
        canvas.set_fill(INK);
        canvas.text_right_fit(font, 8.5, (value_right, max), y, &value);
        y -= 13.0;
    }
}
