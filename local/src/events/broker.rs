//! The live subscriptions of every WebSocket, and delivery of published events to
//! those whose channel receives them: one `data` frame per event and subscription.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::json;
use shared::events::ChannelPath;
use tokio::sync::mpsc::UnboundedSender;

/// One WebSocket connection.
pub type ConnectionId = u64;

#[derive(Debug)]
struct Subscription {
    channel: ChannelPath,
    /// The connection's outgoing frames.
    to: UnboundedSender<String>,
}

/// Every subscription, by connection and subscription id.
#[derive(Debug, Default)]
pub struct Broker {
    next: AtomicU64,
    subscriptions: Mutex<HashMap<(ConnectionId, String), Subscription>>,
}

impl Broker {
    /// A new connection's id.
    pub fn connect(&self) -> ConnectionId {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    fn table(&self) -> MutexGuard<'_, HashMap<(ConnectionId, String), Subscription>> {
        // A panic while holding the lock leaves the map consistent (single inserts
        // and removals): keep serving.
        self.subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds subscription `id` of `connection`; `false` when it exists already.
    pub fn subscribe(
        &self,
        connection: ConnectionId,
        id: &str,
        channel: ChannelPath,
        to: UnboundedSender<String>,
    ) -> bool {
        let mut table = self.table();
        let key = (connection, id.to_owned());
        if table.contains_key(&key) {
            return false;
        }
        table.insert(key, Subscription { channel, to });
        true
    }

    /// Whether `connection` has subscription `id` (taken or being decided).
    pub fn has(&self, connection: ConnectionId, id: &str) -> bool {
        self.table().contains_key(&(connection, id.to_owned()))
    }

    /// Removes subscription `id` of `connection`; `false` when there was none.
    pub fn unsubscribe(&self, connection: ConnectionId, id: &str) -> bool {
        self.table().remove(&(connection, id.to_owned())).is_some()
    }

    /// Removes every subscription of a closed connection.
    pub fn disconnect(&self, connection: ConnectionId) {
        self.table().retain(|(c, _), _| *c != connection);
    }

    /// Sends `events` (JSON texts) to every subscription receiving `channel`; returns
    /// how many subscriptions they reached.
    pub fn publish(&self, channel: &ChannelPath, events: &[String]) -> usize {
        let table = self.table();
        let mut reached = 0;
        for ((_, id), subscription) in table.iter() {
            if !subscription.channel.receives(channel) {
                continue;
            }
            reached += 1;
            for event in events {
                let frame = json!({ "type": "data", "id": id, "event": event });
                // A closed connection's receiver is gone: it is removed on its way out.
                let _ = subscription.to.send(frame.to_string());
            }
        }
        reached
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use shared::events::Use;

    fn path(p: &str, use_: Use) -> ChannelPath {
        ChannelPath::parse(p, use_).unwrap()
    }

    #[test]
    fn an_event_reaches_each_matching_subscription_once_and_no_other() {
        let broker = Broker::default();
        let (a, b) = (broker.connect(), broker.connect());
        let (to_a, mut from_a) = tokio::sync::mpsc::unbounded_channel();
        let (to_b, mut from_b) = tokio::sync::mpsc::unbounded_channel();
        assert!(broker.subscribe(a, "1", path("/users/x", Use::Subscribe), to_a.clone()));
        assert!(!broker.subscribe(a, "1", path("/users/y", Use::Subscribe), to_a));
        assert!(broker.subscribe(b, "1", path("/users/y", Use::Subscribe), to_b));
        let published = path("/users/x", Use::Publish);
        assert_eq!(broker.publish(&published, &[r#"{"n":1}"#.to_owned()]), 1);
        let frame: serde_json::Value = serde_json::from_str(&from_a.try_recv().unwrap()).unwrap();
        assert_eq!(
            frame,
            json!({"type": "data", "id": "1", "event": "{\"n\":1}"})
        );
        assert!(from_a.try_recv().is_err() && from_b.try_recv().is_err());
        assert!(broker.unsubscribe(a, "1") && !broker.unsubscribe(a, "1"));
        assert_eq!(broker.publish(&published, &["{}".to_owned()]), 0);
        broker.disconnect(b);
        assert!(!broker.has(b, "1"));
    }
}
