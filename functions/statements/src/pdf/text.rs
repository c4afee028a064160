//! Text as the PDF carries it: WinAnsi bytes for the standard Helvetica fonts, measured
//! with the fonts' own metrics, cut to fit a column.

use pdf_writer::Name;
use shared::domain::text::is_bidi_control;

use super::metrics;

/// The smallest size an over-long amount is shrunk to before it would be cut.
const MIN_FIT_SIZE: f32 = 4.0;

/// What a cut text ends with.
const ELLIPSIS: &[u8] = b"...";

/// The two fonts of the document (standard 14: never embedded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
}

impl Font {
    /// Both fonts, in the order of their resource names.
    pub(super) const ALL: [Self; 2] = [Self::Regular, Self::Bold];

    /// The name the page resources give the font.
    pub(super) const fn resource(self) -> Name<'static> {
        match self {
            Self::Regular => Name(b"F1"),
            Self::Bold => Name(b"F2"),
        }
    }

    /// The standard font's PostScript name.
    pub(super) const fn base_font(self) -> Name<'static> {
        match self {
            Self::Regular => Name(b"Helvetica"),
            Self::Bold => Name(b"Helvetica-Bold"),
        }
    }

    /// The width of WinAnsi `text` at `size`, in points.
    pub(super) fn width(self, text: &[u8], size: f32) -> f32 {
        let table = match self {
            Self::Regular => &metrics::REGULAR,
            Self::Bold => &metrics::BOLD,
        };
        let units: u32 = text
            .iter()
            .map(|&byte| {
                byte.checked_sub(32)
                    .and_then(|index| table.get(usize::from(index)))
                    .map_or(0, |&width| u32::from(width))
            })
            .sum();
        units as f32 * size / 1000.0
    }
}

/// WinAnsi codes 0x80..=0x9F, by code; `'\0'` where WinAnsi has no character.
const HIGH: [char; 32] = [
    '\u{20AC}', '\0', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\0', '\u{017D}', '\0', '\0',
    '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}',
    '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\0', '\u{017E}', '\u{0178}',
];

/// The WinAnsi code of `c`, when it has one.
fn win_ansi(c: char) -> Option<u8> {
    match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => u8::try_from(u32::from(c)).ok(),
        '\0' => None,
        _ => HIGH
            .iter()
            .position(|&high| high == c)
            .and_then(|index| u8::try_from(0x80 + index).ok()),
    }
}

/// `text` as WinAnsi bytes in `out` (cleared first): bidirectional controls dropped,
/// controls and other spaces shown as a space, anything else WinAnsi lacks as `?`.
pub(super) fn encode_into(text: &str, out: &mut Vec<u8>) {
    out.clear();
    for c in text.chars() {
        if is_bidi_control(c) {
            continue;
        }
        let byte = if c.is_control() || c.is_whitespace() {
            b' '
        } else {
            win_ansi(c).unwrap_or(b'?')
        };
        out.push(byte);
    }
}

/// `text` as WinAnsi bytes (see [`encode_into`]).
pub(super) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    encode_into(text, &mut out);
    out
}

/// Cuts `text` so that it is at most `max` points wide at `size`, ending it with
/// `...` when anything was cut.
pub(super) fn truncate(font: Font, text: &mut Vec<u8>, size: f32, max: f32) {
    if font.width(text, size) <= max {
        return;
    }
    let room = max - font.width(ELLIPSIS, size);
    let mut width = 0.0;
    let mut keep = 0;
    for &byte in text.iter() {
        width += font.width(&[byte], size);
        if width > room {
            break;
        }
        keep += 1;
    }
    text.truncate(keep);
    while text.last() == Some(&b' ') {
        text.pop();
    }
    text.extend_from_slice(ELLIPSIS);
}

/// The size at which `text` fits in `max` points: `size`, or smaller (not below a
/// legible minimum) when it is too wide.
pub(super) fn fitted_size(font: Font, text: &[u8], size: f32, max: f32) -> f32 {
    let width = font.width(text, size);
    if width <= max || width <= 0.0 {
        size
    } else {
        (size * max / width).max(MIN_FIT_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_latin_and_windows_characters_and_replaces_the_rest() {
        assert_eq!(encode("Café – “ok” €5"), b"Caf\xe9 \x96 \x93ok\x94 \x805");
        assert_eq!(encode("日本\u{202E}a\tb"), b"??a b");
    }

    #[test]
    fn measures_with_the_standard_metrics() {
        assert!((Font::Regular.width(b"0", 10.0) - 5.56).abs() < 1e-4);
        assert!((Font::Bold.width(b"W", 1000.0) - 944.0).abs() < 1e-3);
    }

    #[test]
    fn cuts_long_text_with_an_ellipsis_within_the_width() {
        let mut text = encode("A very long description that cannot fit in the column");
        truncate(Font::Regular, &mut text, 8.0, 100.0);
        assert!(text.ends_with(b"..."));
        assert!(Font::Regular.width(&text, 8.0) <= 100.0);
        let mut short = encode("Rent");
        truncate(Font::Regular, &mut short, 8.0, 100.0);
        assert_eq!(short, b"Rent");
    }

    #[test]
    fn shrinks_only_what_does_not_fit() {
        assert!((fitted_size(Font::Regular, b"1.00", 8.0, 100.0) - 8.0).abs() < f32::EPSILON);
        let size = fitted_size(Font::Regular, b"1000000000000000000.00", 8.0, 80.0);
        assert!(size < 8.0 && Font::Regular.width(b"1000000000000000000.00", size) <= 80.01);
    }
}
