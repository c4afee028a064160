//! One email as the bank sends it through SES v2: a subject, a text part and an HTML
//! part, all UTF-8 (notify's notifications and the statement worker's emails). What
//! goes into the HTML part is escaped with [`crate::domain::text::escape_html`].

use aws_sdk_sesv2::error::BuildError;
use aws_sdk_sesv2::types::{Body, Content, EmailContent, Message};

const CHARSET: &str = "UTF-8";

/// The `SendEmail` content of a simple (not raw, not templated) email.
pub fn simple(subject: &str, text: &str, html: &str) -> Result<EmailContent, BuildError> {
    let content = |data: &str| Content::builder().data(data).charset(CHARSET).build();
    let body = Body::builder()
        .text(content(text)?)
        .html(content(html)?)
        .build();
    let message = Message::builder()
        .subject(content(subject)?)
        .body(body)
        .build();
    Ok(EmailContent::builder().simple(message).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_parts_are_utf8() {
        let email = simple("Subject é", "text", "<p>html</p>").ok();
        let message = email.as_ref().and_then(EmailContent::simple);
        let subject = message.and_then(Message::subject);
        assert_eq!(subject.map(Content::data), Some("Subject é"));
        assert_eq!(subject.and_then(Content::charset), Some("UTF-8"));
        let body = message.and_then(Message::body);
        assert_eq!(body.and_then(Body::text).map(Content::data), Some("text"));
        assert_eq!(
            body.and_then(Body::html).map(Content::data),
            Some("<p>html</p>")
        );
    }
}
