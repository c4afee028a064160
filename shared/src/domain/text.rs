//! Free text one person writes and another reads (descriptions, account names,
//! freeze reasons): length-limited, and free of control and bidirectional-formatting
//! characters, which could hide or reorder what the reader sees (CVE-2021-42574,
//! "Trojan Source").

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters")]
    Control,
    #[error("must not contain bidirectional-formatting characters")]
    Bidi,
}

/// `text` escaped for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Bidirectional embedding, override and isolate controls, and the directional marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// `text` trimmed, if it is 1..=`max` characters with no control or bidi character.
pub fn checked(text: &str, max: usize) -> Result<String, TextError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    if text.chars().any(char::is_control) {
        return Err(TextError::Control);
    }
    if text.chars().any(is_bidi_control) {
        return Err(TextError::Bidi);
    }
    Ok(text.to_owned())
}

/// `text` as it may be shown to someone: control and bidi characters removed
/// (stored text was checked on the way in; this also covers older items).
pub fn displayable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_markup_quotes_and_ampersands() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape_html("Café 50%"), "Café 50%");
    }

    #[test]
    fn plain_text_is_kept_trimmed() {
        assert_eq!(
            checked("  rent for May ", 20).as_deref(),
            Ok("rent for May")
        );
        assert_eq!(checked("café ☕", 6).as_deref(), Ok("café ☕"));
    }

    #[test]
    fn empty_long_control_and_bidi_text_is_refused() {
        assert_eq!(checked("   ", 5), Err(TextError::Empty));
        assert_eq!(checked("abcdef", 5), Err(TextError::TooLong(5)));
        assert_eq!(checked("a\u{7}b", 5), Err(TextError::Control));
        assert_eq!(checked("a\nb", 5), Err(TextError::Control));
        for bidi in ['\u{202E}', '\u{2066}', '\u{2069}', '\u{200F}', '\u{061C}'] {
            assert_eq!(checked(&format!("pay{bidi}me"), 10), Err(TextError::Bidi));
        }
    }

    #[test]
    fn displayable_text_has_no_hidden_characters() {
        assert_eq!(displayable("re\u{202E}fund\u{7}\n"), "refund");
        assert_eq!(displayable("rent"), "rent");
    }
}
