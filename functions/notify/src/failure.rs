//! Failures of notify's AWS calls, on the codebase's one notion of retryable:
//! [`shared::store::ErrorClass`], carried by a [`shared::store::SdkFailure`] (an error
//! code, a class, and for transport failures the connector's description).
//!
//! Service error *messages* are never kept: SES and SNS put the recipient's address or
//! number in them ("... failed the check: alice@example.com"). Only the error code is
//! logged and stored.
//!
//! DynamoDB (the notification log) is classified by [`shared::store::classify`]. SES,
//! SNS and Cognito by the lists below: codes that no retry can fix for this message
//! are [`ErrorClass::Permanent`] (recorded, not retried), throttling is
//! [`ErrorClass::Contention`], and everything else, unknown codes included, is
//! [`ErrorClass::Transient`], so the message is retried and, after the queue's maximum
//! receive count, kept in the dead-letter queue rather than lost.

pub use shared::store::{ErrorClass, SdkFailure};

/// SES v2 `SendEmail` codes that no retry can fix: the recipient or the message is
/// refused. Account-wide conditions (`SendingPausedException`,
/// `AccountSuspendedException`, `LimitExceededException`) are transient: the messages
/// wait in the queue, then the DLQ, until they are lifted.
pub const EMAIL_PERMANENT: &[&str] = &[
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
];

/// SNS `Publish` codes that no retry can fix: an invalid number or parameter
/// (`InvalidParameterException`, `InvalidParameterValueException`,
/// `ValidationException`, `EndpointDisabledException`, as SNS spells their codes).
pub const SMS_PERMANENT: &[&str] = &[
    "InvalidParameter",
    "ParameterValueInvalid",
    "ValidationException",
    "EndpointDisabled",
];

/// Throttling codes of SES v2, SNS and Cognito.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "Throttled",
    "KMSThrottling",
    "TooManyRequestsException",
];

fn provider_class(code: &str, permanent: &[&str]) -> ErrorClass {
    if permanent.contains(&code) {
        ErrorClass::Permanent
    } else if THROTTLING.contains(&code) {
        ErrorClass::Contention
    } else {
        ErrorClass::Transient
    }
}

/// The class of an SES v2 `SendEmail` error code.
pub fn email_class(code: &str) -> ErrorClass {
    provider_class(code, EMAIL_PERMANENT)
}

/// The class of an SNS `Publish` error code.
pub fn sms_class(code: &str) -> ErrorClass {
    provider_class(code, SMS_PERMANENT)
}

/// The class of a Cognito `ListUsers` error code: never permanent (a throttled or
/// missing pool is retried; the queue's redrive policy keeps a message that never
/// succeeds).
pub fn cognito_class(code: &str) -> ErrorClass {
    provider_class(code, &[])
}

/// A permanent failure decided without calling a provider (`HolderNotFound`).
pub fn permanent(code: &str) -> SdkFailure {
    SdkFailure::new(code, ErrorClass::Permanent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_recipients_and_messages_are_permanent_and_never_retried() {
        for code in EMAIL_PERMANENT {
            assert_eq!(email_class(code), ErrorClass::Permanent, "{code}");
            assert!(!email_class(code).is_retryable());
        }
        for code in SMS_PERMANENT {
            assert_eq!(sms_class(code), ErrorClass::Permanent, "{code}");
        }
    }

    #[test]
    fn throttling_is_contention_and_retried() {
        for code in [
            "TooManyRequestsException",
            "Throttled",
            "ThrottlingException",
        ] {
            assert_eq!(email_class(code), ErrorClass::Contention, "{code}");
            assert_eq!(sms_class(code), ErrorClass::Contention, "{code}");
            assert!(cognito_class(code).is_retryable());
        }
    }

    #[test]
    fn account_wide_pauses_and_unknown_codes_are_transient() {
        for code in [
            "SendingPausedException",
            "AccountSuspendedException",
            "LimitExceededException",
            "InternalError",
            "SomethingNew",
        ] {
            assert_eq!(email_class(code), ErrorClass::Transient, "{code}");
            assert_eq!(sms_class(code), ErrorClass::Transient, "{code}");
        }
        // An SES code means nothing special to SNS, and the other way round.
        assert_eq!(sms_class("MessageRejected"), ErrorClass::Transient);
        assert_eq!(email_class("InvalidParameter"), ErrorClass::Transient);
        assert_eq!(
            cognito_class("ResourceNotFoundException"),
            ErrorClass::Transient
        );
    }
}
