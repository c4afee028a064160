//! The channel part of the log's settle expression, on the shared
//! [`UpdateExpression`] builder.

use shared::store::{UpdateExpression, s};

use super::{ChannelRecord, SUFFIX_ERROR_CODE, SUFFIX_PROVIDER_MESSAGE_ID, SUFFIX_UPDATED_AT};

/// Sets `record`'s channel state and update time, and its provider message id and
/// error code, removing those it does not have (a retry that succeeded drops the
/// earlier error code). Attribute names are the channel's name and this module's
/// suffixes: plain words, used as their own placeholders.
pub(super) fn channel(update: &mut UpdateExpression, record: &ChannelRecord, at: &str) {
    let name = record.channel.name();
    update.set(name, name, s(record.state.as_str()));
    let updated_at = format!("{name}{SUFFIX_UPDATED_AT}");
    update.set(&updated_at, &updated_at, s(at));
    for (suffix, value) in [
        (SUFFIX_PROVIDER_MESSAGE_ID, &record.provider_message_id),
        (SUFFIX_ERROR_CODE, &record.error_code),
    ] {
        let attribute = format!("{name}{suffix}");
        update.set_or_remove(&attribute, &attribute, value.as_deref().map(s));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ATTR_STATUS, COMPLETED, ChannelState};
    use super::*;
    use crate::senders::Channel;

    #[test]
    fn a_settle_expression_sets_each_channel_and_removes_what_no_longer_applies() {
        let mut update = UpdateExpression::new();
        update.set(ATTR_STATUS, ATTR_STATUS, s(COMPLETED));
        let record = ChannelRecord {
            channel: Channel::Email,
            state: ChannelState::Sent,
            provider_message_id: Some("m-1".to_owned()),
            error_code: None,
        };
        channel(&mut update, &record, "t");
        let expression = update.expression();
        assert!(expression.starts_with("SET #status = :status, #email = :email"));
        assert!(expression.contains("#emailProviderMessageId = :emailProviderMessageId"));
        assert!(
            expression.ends_with(" REMOVE #emailErrorCode"),
            "{expression}"
        );
        assert_eq!(
            update.names().get("#emailErrorCode").map(String::as_str),
            Some("emailErrorCode")
        );
        assert_eq!(update.values().len(), 4);
    }
}
