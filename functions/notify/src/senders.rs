//! The two delivery channels: email through SES v2 and SMS through SNS.
//!
//! Each send either returns the provider's message id or an [`SdkFailure`] classified
//! (see [`crate::failure`]) as permanent (the request can never succeed for this
//! recipient: record it, do not retry) or retryable (throttling, 5xx, network,
//! account-wide pauses).

use aws_sdk_sesv2::types::Destination;
use aws_sdk_sns::types::MessageAttributeValue;

use crate::failure::{self, SdkFailure, email_class, sms_class};
use crate::render;

/// The SNS attribute that makes an SMS transactional (higher delivery priority).
const SMS_TYPE: &str = "AWS.SNS.SMS.SMSType";

/// A channel a holder is notified on; its name is part of the dedupe key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    /// Both channels, in the order they are sent.
    pub const ALL: [Self; 2] = [Self::Email, Self::Sms];

    /// `email` or `sms`, as in the dedupe key and the logs.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// Where email comes from.
#[derive(Debug, Clone)]
pub struct EmailSender {
    pub client: aws_sdk_sesv2::Client,
    pub from: String,
    pub configuration_set: Option<String>,
}

impl EmailSender {
    /// Sends `email` to `to` (one `SendEmail`); returns the SES message id.
    pub async fn send(
        &self,
        to: &str,
        email: &render::Email,
    ) -> Result<Option<String>, SdkFailure> {
        let content = shared::email::simple(&email.subject, &email.text, &email.html)
            .map_err(|_| failure::permanent("InvalidContent"))?;
        let output = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to).build())
            .content(content)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| SdkFailure::from_sdk(&e, email_class))?;
        Ok(output.message_id().map(str::to_owned))
    }
}

/// Where SMS comes from.
#[derive(Debug, Clone)]
pub struct SmsSender {
    pub client: aws_sdk_sns::Client,
}

impl SmsSender {
    /// Sends `text` to `phone_number` (one `Publish`); returns the SNS message id.
    pub async fn send(&self, phone_number: &str, text: &str) -> Result<Option<String>, SdkFailure> {
        let transactional = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("Transactional")
            .build()
            .map_err(|_| failure::permanent("InvalidMessageAttribute"))?;
        let output = self
            .client
            .publish()
            .phone_number(phone_number)
            .message(text)
            .message_attributes(SMS_TYPE, transactional)
            .send()
            .await
            .map_err(|e| SdkFailure::from_sdk(&e, sms_class))?;
        Ok(output.message_id().map(str::to_owned))
    }
}
