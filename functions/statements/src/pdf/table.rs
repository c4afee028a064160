//! The table of entries, framed by the opening and closing balances, then the holds
//! active at the closing.

use std::fmt::Write as _;

use shared::statement::{Statement, StatementEntry, StatementHold};

use super::canvas::Canvas;
use super::format;
use super::layout::{
    ACCENT, AMOUNT_RIGHT, AMOUNT_WIDTH, BALANCE_RIGHT, BALANCE_WIDTH, DATE_X, DEBIT,
    DESCRIPTION_WIDTH, DESCRIPTION_X, INK, LEFT, MUTED, PagePlan, RIGHT, ROW_HEIGHT, ROW_SIZE,
    RULE, TABLE_HEAD_HEIGHT, TYPE_X, WHITE, WIDTH, ZEBRA,
};
use super::text::{self, Font};

/// What the table says when the month has no entry.
const EMPTY: &[u8] = b"No transactions settled in this period.";

/// The title over the holds active at the closing.
const HOLDS_TITLE: &[u8] = b"Holds at closing";
/// What the holds' rows say of them: reserved, not paid out.
const HOLDS_NOTE: &[u8] = b"Reserved at the closing, not yet paid out";

/// How many characters of a hold's id are printed.
const SHORT_ID: usize = 8;

/// Buffers reused from row to row.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    text: String,
    bytes: Vec<u8>,
}

/// One row of the table.
enum Row<'a> {
    Opening,
    Entry(&'a StatementEntry),
    Empty,
    Closing,
    HoldsTitle,
    Hold(&'a StatementHold),
}

/// Row `index` of the table (see [`super::layout::row_count`]).
fn row(statement: &Statement, index: usize) -> Row<'_> {
    let entries = &statement.entries;
    let closing = entries.len().max(1) + 1;
    match index.checked_sub(1) {
        None => Row::Opening,
        Some(at) => match entries.get(at) {
            Some(entry) => Row::Entry(entry),
            None if entries.is_empty() && at == 0 => Row::Empty,
            None if index <= closing => Row::Closing,
            None if index == closing + 1 => Row::HoldsTitle,
            None => {
                let holds = statement.holds.as_deref().unwrap_or_default();
                match holds.get(index - closing - 2) {
                    Some(hold) => Row::Hold(hold),
                    None => Row::Closing,
                }
            }
        },
    }
}

/// The baseline of the `n`th row under a table head at `top`.
fn baseline(top: f32, n: usize) -> f32 {
    top - TABLE_HEAD_HEIGHT - ROW_HEIGHT * (n as f32 + 1.0) + 4.0
}

/// The page's part of the table: head, row shading, then every row's text.
pub(super) fn draw(
    canvas: &mut Canvas,
    statement: &Statement,
    page: &PagePlan,
    scratch: &mut Scratch,
) {
    let top = page.table_top();
    head(canvas, top, statement.currency.as_str());
    for n in (1..page.rows.len()).step_by(2) {
        canvas.fill_rect(LEFT, baseline(top, n) - 4.0, WIDTH, ROW_HEIGHT, ZEBRA);
    }
    for (n, index) in page.rows.clone().enumerate() {
        let y = baseline(top, n);
        match row(statement, index) {
            Row::Entry(entry) => entry_row(canvas, entry, y, scratch),
            Row::Opening => balance_row(canvas, b"Opening balance", &statement.opening_balance, y),
            Row::Closing => balance_row(canvas, b"Closing balance", &statement.closing_balance, y),
            Row::Empty => {
                canvas.set_fill(MUTED);
                canvas.text(Font::Regular, ROW_SIZE, DESCRIPTION_X, y, EMPTY);
            }
            Row::HoldsTitle => {
                canvas.set_fill(ACCENT);
                canvas.text(Font::Bold, ROW_SIZE, DATE_X, y, HOLDS_TITLE);
                canvas.set_fill(MUTED);
                canvas.text(Font::Regular, ROW_SIZE, DESCRIPTION_X, y, HOLDS_NOTE);
            }
            Row::Hold(hold) => hold_row(canvas, hold, y, scratch),
        }
    }
    let end = baseline(top, page.rows.len().saturating_sub(1)) - 4.0;
    canvas.hline((LEFT, RIGHT), end, 0.6, RULE);
}

/// The column titles on a dark band.
fn head(canvas: &mut Canvas, top: f32, currency: &str) {
    canvas.fill_rect(
        LEFT,
        top - TABLE_HEAD_HEIGHT,
        WIDTH,
        TABLE_HEAD_HEIGHT,
        ACCENT,
    );
    canvas.set_fill(WHITE);
    let y = top - 12.0;
    canvas.text(Font::Bold, ROW_SIZE, DATE_X, y, b"Date settled");
    canvas.text(Font::Bold, ROW_SIZE, TYPE_X, y, b"Type");
    canvas.text(Font::Bold, ROW_SIZE, DESCRIPTION_X, y, b"Description");
    let amount = text::encode(&format!("Amount ({currency})"));
    canvas.text_right(Font::Bold, ROW_SIZE, AMOUNT_RIGHT, y, &amount);
    let balance = text::encode(&format!("Balance ({currency})"));
    canvas.text_right(Font::Bold, ROW_SIZE, BALANCE_RIGHT, y, &balance);
}

/// One entry: date, type, description, signed amount, balance after.
fn entry_row(canvas: &mut Canvas, entry: &StatementEntry, y: f32, scratch: &mut Scratch) {
    let Scratch { text, bytes } = scratch;
    canvas.set_fill(INK);
    format::settled(&entry.settled_at, text);
    text::encode_into(text, bytes);
    text::truncate(Font::Regular, bytes, ROW_SIZE, TYPE_X - DATE_X - 6.0);
    canvas.text(Font::Regular, ROW_SIZE, DATE_X, y, bytes);
    format::entry_type(entry, bytes);
    canvas.text(Font::Regular, ROW_SIZE, TYPE_X, y, bytes);
    text::encode_into(entry.description.as_deref().unwrap_or_default(), bytes);
    text::truncate(Font::Regular, bytes, ROW_SIZE, DESCRIPTION_WIDTH);
    canvas.text(Font::Regular, ROW_SIZE, DESCRIPTION_X, y, bytes);
    text.clear();
    let _ = write!(text, "{}", entry.amount);
    if entry.amount.is_negative() {
        canvas.set_fill(DEBIT);
    }
    let amount = (AMOUNT_RIGHT, AMOUNT_WIDTH);
    canvas.text_right_fit(Font::Regular, ROW_SIZE, amount, y, text.as_bytes());
    canvas.set_fill(INK);
    text.clear();
    let _ = write!(text, "{}", entry.balance_after);
    let balance = (BALANCE_RIGHT, BALANCE_WIDTH);
    canvas.text_right_fit(Font::Regular, ROW_SIZE, balance, y, text.as_bytes());
}

/// One hold: its short id, `Hold`, when it expires, its amount (no balance: a hold
/// does not move it).
fn hold_row(canvas: &mut Canvas, hold: &StatementHold, y: f32, scratch: &mut Scratch) {
    let Scratch { text, bytes } = scratch;
    canvas.set_fill(INK);
    text.clear();
    let _ = write!(text, "{}", hold.transaction_id);
    let short = text.get(..SHORT_ID).unwrap_or(text.as_str());
    canvas.text(Font::Regular, ROW_SIZE, DATE_X, y, short.as_bytes());
    canvas.text(Font::Regular, ROW_SIZE, TYPE_X, y, b"Hold");
    format::settled(&hold.expires_at, text);
    text.insert_str(0, "Expires ");
    text::encode_into(text, bytes);
    text::truncate(Font::Regular, bytes, ROW_SIZE, DESCRIPTION_WIDTH);
    canvas.text(Font::Regular, ROW_SIZE, DESCRIPTION_X, y, bytes);
    text.clear();
    let _ = write!(text, "{}", hold.amount);
    let amount = (AMOUNT_RIGHT, AMOUNT_WIDTH);
    canvas.text_right_fit(Font::Regular, ROW_SIZE, amount, y, text.as_bytes());
}

/// The opening or closing balance, in bold in the balance column.
fn balance_row(canvas: &mut Canvas, label: &[u8], balance: &impl std::fmt::Display, y: f32) {
    canvas.set_fill(INK);
    canvas.text(Font::Bold, ROW_SIZE, DESCRIPTION_X, y, label);
    let value = balance.to_string();
    let column = (BALANCE_RIGHT, BALANCE_WIDTH);
    canvas.text_right_fit(Font::Bold, ROW_SIZE, column, y, value.as_bytes());
}
