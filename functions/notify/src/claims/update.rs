//! The settle statement: a PartiQL `UPDATE` of one message's item, its values passed as
//! parameters (`?`), conditioned on the claim token.

use aws_sdk_dynamodb::types::AttributeValue;
use shared::store::s;

use super::{
    ATTR_CLAIM_TOKEN, ATTR_ID, ChannelRecord, SUFFIX_ERROR_CODE, SUFFIX_PROVIDER_MESSAGE_ID,
    SUFFIX_UPDATED_AT,
};

/// `SET` and `REMOVE` clauses of a settle, in order. Attribute names are this module's
/// constants and channel names: plain words, quoted as PartiQL identifiers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct SettleStatement {
    clauses: Vec<String>,
    parameters: Vec<AttributeValue>,
}

impl SettleStatement {
    /// `SET "attribute" = ?`.
    pub(super) fn set(&mut self, attribute: &str, value: AttributeValue) -> &mut Self {
        self.clauses.push(format!("SET \"{attribute}\" = ?"));
        self.parameters.push(value);
        self
    }

    /// `REMOVE "attribute"`.
    pub(super) fn remove(&mut self, attribute: &str) -> &mut Self {
        self.clauses.push(format!("REMOVE \"{attribute}\""));
        self
    }

    /// Sets `record`'s channel state and update time, and its provider message id and
    /// error code, removing those it does not have (a retry that succeeded drops the
    /// earlier error code).
    pub(super) fn channel(&mut self, record: &ChannelRecord, at: &str) -> &mut Self {
        let name = record.channel.name();
        self.set(name, s(record.state.as_str()));
        self.set(&format!("{name}{SUFFIX_UPDATED_AT}"), s(at));
        for (suffix, value) in [
            (SUFFIX_PROVIDER_MESSAGE_ID, &record.provider_message_id),
            (SUFFIX_ERROR_CODE, &record.error_code),
        ] {
            let attribute = format!("{name}{suffix}");
            match value {
                Some(value) => self.set(&attribute, s(value)),
                None => self.remove(&attribute),
            };
        }
        self
    }

    /// The statement on `key`'s item in `table`, applied only while `token` holds the
    /// claim, and its parameters.
    pub(super) fn into_request(
        mut self,
        table: &str,
        key: &str,
        token: &str,
    ) -> (String, Vec<AttributeValue>) {
        let statement = format!(
            "UPDATE \"{table}\" {} WHERE \"{ATTR_ID}\" = ? AND \"{ATTR_CLAIM_TOKEN}\" = ?",
            self.clauses.join(" ")
        );
        self.parameters.extend([s(key), s(token)]);
        (statement, self.parameters)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ATTR_STATUS, COMPLETED, ChannelState};
    use super::*;
    use crate::senders::Channel;

    #[test]
    fn a_settle_sets_each_channel_removes_what_no_longer_applies_and_checks_the_token() {
        let mut update = SettleStatement::default();
        update.set(ATTR_STATUS, s(COMPLETED));
        let record = ChannelRecord {
            channel: Channel::Email,
            state: ChannelState::Sent,
            provider_message_id: Some("m-1".to_owned()),
            error_code: None,
        };
        update.channel(&record, "t");
        let (statement, parameters) = update.into_request("log", "tx#acc", "tok");
        assert_eq!(
            statement,
            "UPDATE \"log\" SET \"status\" = ? SET \"email\" = ? SET \"emailUpdatedAt\" = ? \
             SET \"emailProviderMessageId\" = ? REMOVE \"emailErrorCode\" \
             WHERE \"notificationId\" = ? AND \"claimToken\" = ?"
        );
        assert_eq!(
            parameters,
            [COMPLETED, "SENT", "t", "m-1", "tx#acc", "tok"].map(s)
        );
    }
}
