//! The last page's footer: the chain heads at both ends, the signature, and how to
//! check them.

use shared::statement::Statement;

use super::canvas::Canvas;
use super::layout::{ACCENT, BOTTOM, FOOTER_HEIGHT, INK, LEFT, MUTED, RIGHT};
use super::text::{self, Font};

/// Small print.
const SIZE: f32 = 7.5;
/// Where values follow their labels.
const VALUE_X: f32 = LEFT + 90.0;

/// How to check the statement, in the reader's words.
const HOW: [&[u8]; 3] = [
    b"To verify this statement, send its JSON form to POST /statements/verify (no sign-in needed)",
    b"or run: bank verify-statement <file.json>. Both check the bank's signature and recompute",
    b"the chain of entries from the opening head to the closing head.",
];

/// The footer, in the band [`FOOTER_HEIGHT`] high above [`BOTTOM`].
pub(super) fn draw(canvas: &mut Canvas, statement: &Statement) {
    let top = BOTTOM + FOOTER_HEIGHT;
    canvas.hline((LEFT, RIGHT), top - 4.0, 0.8, ACCENT);
    canvas.set_fill(ACCENT);
    canvas.text(Font::Bold, 9.0, LEFT, top - 17.0, b"Verification");
    let (signed, key) = match &statement.signature {
        Some(signature) => (
            format!("Signed by Serverless Bank ({})", signature.algorithm),
            signature.key_id.as_str(),
        ),
        None => (
            String::from("Not signed: this copy carries no bank signature."),
            "none",
        ),
    };
    let facts: [(&[u8], &str); 4] = [
        (b"Opening chain head", statement.opening_head.as_str()),
        (b"Closing chain head", statement.closing_head.as_str()),
        (b"Signature", &signed),
        (b"Signing key ID", key),
    ];
    let mut y = top - 30.0;
    for (label, value) in facts {
        canvas.set_fill(MUTED);
        canvas.text(Font::Regular, SIZE, LEFT, y, label);
        canvas.set_fill(INK);
        let mut bytes = text::encode(value);
        text::truncate(Font::Regular, &mut bytes, SIZE, RIGHT - VALUE_X);
        canvas.text(Font::Regular, SIZE, VALUE_X, y, &bytes);
        y -= 11.0;
    }
    y -= 4.0;
    canvas.set_fill(MUTED);
    for line in HOW {
        let size = text::fitted_size(Font::Regular, line, SIZE, RIGHT - LEFT);
        canvas.text(Font::Regular, size, LEFT, y, line);
        y -= 10.0;
    }
}
