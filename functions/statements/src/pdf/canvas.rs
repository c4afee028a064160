//! One page's content stream, written directly: text placed by relative moves inside
//! as few text objects as possible, font and colour changes only when they change.

use pdf_writer::{Content, Str};

use super::text::{self, Font};

/// An RGB colour, each channel in `0.0..=1.0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rgb(pub f32, pub f32, pub f32);

/// Coordinates and sizes with two decimals: exact enough, and short in the stream.
fn round(value: f32) -> f32 {
    (value * 100.0).round() / 100.0
}

/// A page being drawn, in PDF points from the bottom-left corner.
pub(super) struct Canvas {
    content: Content,
    /// Inside `BT … ET`, with the start of the current line.
    text_line: Option<(f32, f32)>,
    font: Option<(Font, f32)>,
    fill: Option<Rgb>,
    stroke: Option<Rgb>,
}

impl Canvas {
    /// An empty page whose stream is expected to take about `capacity` bytes.
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            content: Content::with_capacity(capacity),
            text_line: None,
            font: None,
            fill: None,
            stroke: None,
        }
    }

    /// The finished content stream.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.end_text();
        self.content.finish().into_vec()
    }

    /// `text` with its baseline starting at (`x`, `y`).
    pub(super) fn text(&mut self, font: Font, size: f32, x: f32, y: f32, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        self.move_text_to(x, y);
        let size = round(size);
        if self.font != Some((font, size)) {
            self.content.set_font(font.resource(), size);
            self.font = Some((font, size));
        }
        self.content.show(Str(text));
    }

    /// `text` ending at `right`.
    pub(super) fn text_right(&mut self, font: Font, size: f32, right: f32, y: f32, text: &[u8]) {
        let x = right - font.width(text, size);
        self.text(font, size, x, y, text);
    }

    /// `text` ending at `right`, shrunk when wider than `max`.
    pub(super) fn text_right_fit(
        &mut self,
        font: Font,
        size: f32,
        (right, max): (f32, f32),
        y: f32,
        text: &[u8],
    ) {
        let size = text::fitted_size(font, text, size, max);
        self.text_right(font, size, right, y, text);
    }

    /// The colour of text and filled shapes from here on.
    pub(super) fn set_fill(&mut self, color: Rgb) {
        if self.fill != Some(color) {
            self.content.set_fill_rgb(color.0, color.1, color.2);
            self.fill = Some(color);
        }
    }

    /// A filled rectangle.
    pub(super) fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Rgb) {
        self.end_text();
        self.set_fill(color);
        self.content
            .rect(round(x), round(y), round(width), round(height))
            .fill_nonzero();
    }

    /// A rectangle's outline.
    pub(super) fn stroke_rect(&mut self, rect: [f32; 4], line_width: f32, color: Rgb) {
        self.end_text();
        self.set_stroke(color, line_width);
        let [x, y, width, height] = rect.map(round);
        self.content.rect(x, y, width, height).stroke();
    }

    /// A horizontal line from `x1` to `x2` at `y`.
    pub(super) fn hline(&mut self, (x1, x2): (f32, f32), y: f32, line_width: f32, color: Rgb) {
        self.end_text();
        self.set_stroke(color, line_width);
        self.content
            .move_to(round(x1), round(y))
            .line_to(round(x2), round(y))
            .stroke();
    }

    fn set_stroke(&mut self, color: Rgb, line_width: f32) {
        if self.stroke != Some(color) {
            self.content.set_stroke_rgb(color.0, color.1, color.2);
            self.stroke = Some(color);
        }
        self.content.set_line_width(line_width);
    }

    /// Starts a text object if none is open, then moves the line start to (`x`, `y`)
    /// relative to the previous one (`Td`), which keeps the stream short.
    fn move_text_to(&mut self, x: f32, y: f32) {
        let (from_x, from_y) = match self.text_line {
            Some(line) => line,
            None => {
                self.content.begin_text();
                (0.0, 0.0)
            }
        };
        let (x, y) = (round(x), round(y));
        self.content.next_line(round(x - from_x), round(y - from_y));
        self.text_line = Some((x, y));
    }

    fn end_text(&mut self) {
        if self.text_line.take().is_some() {
            self.content.end_text();
        }
    }
}
