//! Building the log's update expressions.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{ChannelRecord, SUFFIX_ERROR_CODE, SUFFIX_PROVIDER_MESSAGE_ID, SUFFIX_UPDATED_AT, s};

/// `SET a = :a, …` and `REMOVE b, …` clauses with their placeholders.
#[derive(Default)]
pub(super) struct Update {
    set: Vec<String>,
    remove: Vec<String>,
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
}

impl Update {
    /// Attribute names are this module's constants and channel names: safe as
    /// placeholders.
    pub(super) fn set(&mut self, name: &str, value: AttributeValue) {
        self.set.push(format!("#{name} = :{name}"));
        self.names.insert(format!("#{name}"), name.to_owned());
        self.values.insert(format!(":{name}"), value);
    }

    fn set_or_remove(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.set(name, s(value)),
            None => {
                self.remove.push(format!("#{name}"));
                self.names.insert(format!("#{name}"), name.to_owned());
            }
        }
    }

    pub(super) fn channel(&mut self, record: &ChannelRecord, at: &str) {
        let name = record.channel.name();
        self.set(name, s(record.state.as_str()));
        self.set(&format!("{name}{SUFFIX_UPDATED_AT}"), s(at));
        let id = record.provider_message_id.as_deref();
        self.set_or_remove(&format!("{name}{SUFFIX_PROVIDER_MESSAGE_ID}"), id);
        let code = record.error_code.as_deref();
        self.set_or_remove(&format!("{name}{SUFFIX_ERROR_CODE}"), code);
    }

    pub(super) fn expression(&self) -> String {
        let mut expression = format!("SET {}", self.set.join(", "));
        if !self.remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", self.remove.join(", ")));
        }
        expression
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ATTR_STATUS, COMPLETED, ChannelState};
    use super::*;
    use crate::senders::Channel;

    fn record(channel: Channel, state: ChannelState, id: Option<&str>) -> ChannelRecord {
        ChannelRecord {
            channel,
            state,
            provider_message_id: id.map(str::to_owned),
            error_code: None,
        }
    }

    #[test]
    fn a_settle_expression_sets_each_channel_and_removes_what_no_longer_applies() {
        let mut update = Update::default();
        update.set(ATTR_STATUS, s(COMPLETED));
        update.channel(
            &record(Channel::Email, ChannelState::Sent, Some("m-1")),
            "t",
        );
        let expression = update.expression();
        assert!(expression.starts_with("SET #status = :status, #email = :email"));
        assert!(expression.contains("#emailProviderMessageId = :emailProviderMessageId"));
        assert!(
            expression.ends_with(" REMOVE #emailErrorCode"),
            "{expression}"
        );
        assert_eq!(
            update.names.get("#emailErrorCode").map(String::as_str),
            Some("emailErrorCode")
        );
        assert_eq!(update.values.len(), 4);
    }
}
