//! Channel paths as AppSync Events reads them: a namespace then up to four more
//! segments (five in all), each 1–50 letters, digits or dashes, separated by `/` (a
//! leading `/` is optional); `*` only as the last segment and only when subscribing.

use std::fmt;

/// At most this many segments, the namespace included.
pub const MAX_SEGMENTS: usize = 5;
/// At most this many characters in a segment.
pub const MAX_SEGMENT_LEN: usize = 50;

/// What a channel path is used for: only a subscription may end in `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Publish,
    Subscribe,
}

/// Why a channel path is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("the channel path is empty")]
    Empty,
    #[error("a channel path has at most {MAX_SEGMENTS} segments")]
    TooManySegments,
    #[error("a channel segment is empty")]
    EmptySegment,
    #[error("a channel segment has at most {MAX_SEGMENT_LEN} characters")]
    SegmentTooLong,
    #[error("a channel segment holds only letters, digits and dashes")]
    InvalidCharacter,
    #[error("a wildcard is allowed only as the last segment of a subscription")]
    MisplacedWildcard,
}

/// A checked channel path (namespace first).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelPath {
    segments: Vec<String>,
}

impl ChannelPath {
    /// Parses `path` for `use_`.
    pub fn parse(path: &str, use_: Use) -> Result<Self, ChannelError> {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        if trimmed.is_empty() {
            return Err(ChannelError::Empty);
        }
        let segments: Vec<&str> = trimmed.split('/').collect();
        if segments.len() > MAX_SEGMENTS {
            return Err(ChannelError::TooManySegments);
        }
        let last = segments.len() - 1;
        for (i, segment) in segments.iter().enumerate() {
            if *segment == "*" {
                // The namespace itself is never a wildcard: `/*` names no namespace.
                if use_ != Use::Subscribe || i != last || i == 0 {
                    return Err(ChannelError::MisplacedWildcard);
                }
                continue;
            }
            check_segment(segment)?;
        }
        Ok(Self {
            segments: segments.into_iter().map(str::to_owned).collect(),
        })
    }

    /// The namespace (first segment).
    pub fn namespace(&self) -> &str {
        self.segments.first().map_or("", String::as_str)
    }

    /// Every segment, the namespace first.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Whether this path ends in a wildcard.
    pub fn is_wildcard(&self) -> bool {
        self.segments.last().is_some_and(|s| s == "*")
    }

    /// Whether an event published to `channel` reaches a subscription to `self`: the
    /// same path, or a wildcard subscription whose prefix `channel` extends.
    pub fn receives(&self, channel: &ChannelPath) -> bool {
        if self.is_wildcard() {
            let prefix = &self.segments[..self.segments.len() - 1];
            channel.segments.len() > prefix.len() && channel.segments.starts_with(prefix)
        } else {
            self.segments == channel.segments
        }
    }
}

fn check_segment(segment: &str) -> Result<(), ChannelError> {
    if segment.is_empty() {
        return Err(ChannelError::EmptySegment);
    }
    if segment.chars().count() > MAX_SEGMENT_LEN {
        return Err(ChannelError::SegmentTooLong);
    }
    if segment.contains('*') {
        return Err(ChannelError::MisplacedWildcard);
    }
    if !segment
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(ChannelError::InvalidCharacter);
    }
    Ok(())
}

impl fmt::Display for ChannelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}", self.segments.join("/"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn publish(path: &str) -> Result<ChannelPath, ChannelError> {
        ChannelPath::parse(path, Use::Publish)
    }

    fn subscribe(path: &str) -> Result<ChannelPath, ChannelError> {
        ChannelPath::parse(path, Use::Subscribe)
    }

    #[test]
    fn a_user_channel_parses_with_or_without_its_leading_slash() {
        let sub = "0f8c2f9e-5b7a-4c1d-9e2f-3a4b5c6d7e8f";
        let path = publish(&format!("/users/{sub}")).unwrap();
        assert_eq!(path.namespace(), "users");
        assert_eq!(path.to_string(), format!("/users/{sub}"));
        assert_eq!(publish(&format!("users/{sub}")).unwrap(), path);
    }

    #[test]
    fn five_segments_at_most_each_of_letters_digits_and_dashes() {
        assert!(publish("/a/b/c/d/e").is_ok());
        assert_eq!(publish("/a/b/c/d/e/f"), Err(ChannelError::TooManySegments));
        assert_eq!(publish("/a//b"), Err(ChannelError::EmptySegment));
        assert_eq!(publish("/a/b/"), Err(ChannelError::EmptySegment));
        assert_eq!(publish("/"), Err(ChannelError::Empty));
        assert_eq!(publish(""), Err(ChannelError::Empty));
        assert_eq!(publish("/a/b_c"), Err(ChannelError::InvalidCharacter));
        assert_eq!(publish("/a/b.c"), Err(ChannelError::InvalidCharacter));
        assert_eq!(publish("/a/é"), Err(ChannelError::InvalidCharacter));
        assert!(publish(&format!("/a/{}", "x".repeat(50))).is_ok());
        assert_eq!(
            publish(&format!("/a/{}", "x".repeat(51))),
            Err(ChannelError::SegmentTooLong)
        );
    }

    #[test]
    fn a_wildcard_only_ends_a_subscription() {
        assert!(subscribe("/users/*").is_ok_and(|p| p.is_wildcard()));
        assert_eq!(publish("/users/*"), Err(ChannelError::MisplacedWildcard));
        assert_eq!(
            subscribe("/users/*/x"),
            Err(ChannelError::MisplacedWildcard)
        );
        assert_eq!(subscribe("/users/a*"), Err(ChannelError::MisplacedWildcard));
        assert_eq!(subscribe("/*"), Err(ChannelError::MisplacedWildcard));
    }

    #[test]
    fn a_wildcard_subscription_receives_what_extends_its_prefix_only() {
        let all = subscribe("/users/*").unwrap();
        let one = subscribe("/users/abc").unwrap();
        let abc = publish("/users/abc").unwrap();
        let deeper = publish("/users/abc/x").unwrap();
        let other = publish("/other/abc").unwrap();
        assert!(all.receives(&abc) && all.receives(&deeper));
        assert!(!all.receives(&other));
        assert!(!all.receives(&publish("/users").unwrap()));
        assert!(one.receives(&abc));
        assert!(!one.receives(&deeper) && !one.receives(&publish("/users/abd").unwrap()));
    }
}
