//! Live events over AppSync Events (DESIGN §4 "Live events"): the channel rules, the
//! payload a holder receives when a transaction settles, the `onSubscribe` decision,
//! and (feature `events-publish`) the SigV4-signed HTTP publisher.
//!
//! One place for each rule: the notify function publishes with [`publish`], the
//! `events-subscribe` function decides with [`subscribe`], and the local runtime's
//! emulation of AppSync Events parses channels with [`channel`] and checks signatures
//! with the same signing code.

pub mod channel;
pub mod payload;
pub mod subscribe;

#[cfg(feature = "events-publish")]
pub mod publish;
#[cfg(feature = "events-publish")]
pub mod sigv4;

pub use channel::{ChannelError, ChannelPath, Use};
pub use payload::{EventType, LiveEvent};

/// The channel namespace holders subscribe under: `/users/<Cognito sub>`.
pub const NAMESPACE: &str = "users";

/// At most this many events in one publish request (AWS's limit).
pub const MAX_EVENTS_PER_PUBLISH: usize = 5;

/// At most this many bytes in one event (AWS: 240 KB).
pub const MAX_EVENT_BYTES: usize = 240 * 1024;

/// The channel of the holder whose Cognito `sub` is `sub`.
pub fn user_channel(sub: &str) -> String {
    format!("/{NAMESPACE}/{sub}")
}
