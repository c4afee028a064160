//! A statement as a PDF a person reads: A4 pages, each with the bank, the statement's
//! period, the account and "Page N of M"; on the first page a summary (period,
//! opening balance, totals in and out, closing balance, and for a v2 statement the
//! amount on hold and the available balance at the closing); then every entry (date
//! settled, type, description, signed amount, balance after) between the opening and
//! closing balances, followed by the holds active at the closing (short id, expiry,
//! amount) when there are any; on the last page, the chain heads, the signature and
//! how to verify the statement.
//!
//! Amounts are printed exactly as the statement's two-decimal strings (`1250.00`,
//! `-5.00`), never regrouped or rounded, so that a reader can compare them with the
//! JSON form. Text uses the standard Helvetica fonts with WinAnsi encoding; characters
//! outside it print as `?`. Content streams are written directly, page by page.

mod canvas;
mod footer;
mod format;
mod header;
mod layout;
mod metrics;
mod table;
mod text;

use pdf_writer::{Finish, Name, Pdf, Rect, Ref, TextStr};
use shared::statement::Statement;

use canvas::Canvas;
use layout::{PAGE_HEIGHT, PAGE_WIDTH, PagePlan};
use text::Font;

/// Fixed object ids; each page `i` then takes `FIRST_PAGE + 2i` and its content the
/// next id.
const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const FONTS: [Ref; 2] = [Ref::new(4), Ref::new(5)];
const FIRST_PAGE: i32 = 6;

/// About how many bytes a page's content stream takes, to size buffers once.
const BYTES_PER_ROW: usize = 200;
const BYTES_PER_PAGE: usize = 3_000;

/// `statement` as a PDF document. Any statement renders: an empty month prints a line
/// saying so, and text the fonts cannot show prints as `?`.
pub fn render(statement: &Statement) -> Vec<u8> {
    let holds = statement.holds.as_deref().map_or(0, <[_]>::len);
    let rows = layout::row_count(statement.entries.len(), holds);
    let plans = layout::paginate(rows);
    let mut pdf = Pdf::with_capacity(rows * BYTES_PER_ROW + plans.len() * BYTES_PER_PAGE);
    let pages: Vec<(Ref, Ref)> = (0..plans.len()).map(page_refs).collect();
    write_document(&mut pdf, statement, &pages);
    let doc = header::Doc::new(statement);
    let mut scratch = table::Scratch::default();
    for (number, (plan, &(page, content))) in plans.iter().zip(&pages).enumerate() {
        let stream = draw_page(
            statement,
            &doc,
            plan,
            (number + 1, plans.len()),
            &mut scratch,
        );
        write_page(&mut pdf, page, content);
        pdf.stream(content, &stream);
    }
    pdf.finish()
}

/// The ids of page `index` and of its content stream.
fn page_refs(index: usize) -> (Ref, Ref) {
    let index = i32::try_from(index).unwrap_or(i32::MAX / 2 - FIRST_PAGE);
    let page = FIRST_PAGE.saturating_add(index.saturating_mul(2));
    (Ref::new(page), Ref::new(page.saturating_add(1)))
}

/// The catalog, page tree, fonts and document information.
fn write_document(pdf: &mut Pdf, statement: &Statement, pages: &[(Ref, Ref)]) {
    pdf.catalog(CATALOG).pages(PAGE_TREE);
    let count = i32::try_from(pages.len()).unwrap_or(i32::MAX);
    pdf.pages(PAGE_TREE)
        .kids(pages.iter().map(|&(page, _)| page))
        .count(count);
    for (font, id) in Font::ALL.into_iter().zip(FONTS) {
        pdf.type1_font(id)
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let title = format!(
        "Statement {} - {}",
        statement.period, statement.account.name
    );
    pdf.document_info(INFO)
        .title(TextStr(&title))
        .author(TextStr("Serverless Bank"))
        .producer(TextStr("Serverless Bank statements"));
}

/// A page object: A4, both fonts, its content stream.
fn write_page(pdf: &mut Pdf, page: Ref, content: Ref) {
    let mut writer = pdf.page(page);
    writer
        .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
        .parent(PAGE_TREE)
        .contents(content);
    let mut resources = writer.resources();
    let mut fonts = resources.fonts();
    for (font, id) in Font::ALL.into_iter().zip(FONTS) {
        fonts.pair(font.resource(), id);
    }
    fonts.finish();
    resources.finish();
    writer.finish();
}

/// Page `number` of `pages`: header, summary on the first, its rows, footer on the
/// last.
fn draw_page(
    statement: &Statement,
    doc: &header::Doc,
    plan: &PagePlan,
    (number, pages): (usize, usize),
    scratch: &mut table::Scratch,
) -> Vec<u8> {
    let mut canvas = Canvas::new(BYTES_PER_PAGE + plan.rows.len() * BYTES_PER_ROW);
    header::draw(&mut canvas, doc, number, pages);
    if plan.first {
        header::summary(&mut canvas, doc, statement);
    }
    table::draw(&mut canvas, statement, plan, scratch);
    if plan.last {
        footer::draw(&mut canvas, statement);
    }
    canvas.finish()
}
