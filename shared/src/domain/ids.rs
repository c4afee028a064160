//! UUID-based identifiers: [`AccountId`], [`TransactionId`] and [`IdempotencyKey`].
//!
//! Each accepts any UUID text that `uuid::Uuid::try_parse` accepts (hyphenated,
//! simple, braced or URN form, any letter case) and always displays and serializes in
//! the canonical lowercase hyphenated form, so equal identifiers have equal text.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::domain::serde_str::impl_string_serde;

/// A real version-4 UUID, used as the example in error messages.
pub const EXAMPLE_UUID: &str = "3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47";

/// Why an identifier was refused. `what` names the field or header, for example
/// `accountId` or `Idempotency-Key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The text is not a UUID.
    #[error("{what} must be a UUID, such as {EXAMPLE_UUID}")]
    Invalid {
        /// The field or header that held the text.
        what: &'static str,
    },
    /// The nil UUID, which is not accepted where uniqueness matters.
    #[error("{what} must not be the nil UUID 00000000-0000-0000-0000-000000000000")]
    Nil {
        /// The field or header that held the text.
        what: &'static str,
    },
}

impl IdError {
    /// The same error, naming a different field (for example `toAccountId` when an
    /// [`AccountId`] was read from that field).
    #[must_use]
    pub const fn with_field(self, what: &'static str) -> Self {
        match self {
            Self::Invalid { .. } => Self::Invalid { what },
            Self::Nil { .. } => Self::Nil { what },
        }
    }

    /// A stable, machine-readable code: `ID_INVALID` or `ID_NIL`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "ID_INVALID",
            Self::Nil { .. } => "ID_NIL",
        }
    }
}

/// Parses UUID text, naming `what` in the error.
fn parse_uuid(text: &str, what: &'static str) -> Result<Uuid, IdError> {
    Uuid::try_parse(text).map_err(|_| IdError::Invalid { what })
}

/// Defines a UUID newtype with `new_random`, `parse`, `as_uuid`, `Display`, `FromStr`
/// and string serde. `$check` validates the parsed UUID.
macro_rules! uuid_newtype {
    ($(#[$meta:meta])* $name:ident, what = $what:literal, check = $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            #[doc = concat!("The field or header name used in error messages: `", $what, "`.")]
            pub const WHAT: &'static str = $what;

            /// A fresh random (version 4) identifier.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }

            /// Parses any UUID text accepted by `Uuid::try_parse`; the value is kept in
            /// canonical form, so `Display` is always lowercase and hyphenated.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                let uuid = parse_uuid(text, $what)?;
                let check: fn(Uuid) -> Result<Uuid, IdError> = $check;
                check(uuid).map(Self)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::parse(text)
            }
        }

        impl fmt::Display for $name {
            /// Lowercase hyphenated, e.g. `3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0.hyphenated())
            }
        }

        impl_string_serde!($name, "a UUID string");
    };
}

uuid_newtype!(
    /// Identifies an account.
    AccountId,
    what = "accountId",
    check = Ok
);

uuid_newtype!(
    /// Identifies a transaction.
    TransactionId,
    what = "transactionId",
    check = Ok
);

uuid_newtype!(
    /// The client-chosen key that makes a request safe to retry. Any UUID version is
    /// accepted except the nil UUID, which clients are likely to send by mistake and
    /// which would make unrelated requests collide.
    IdempotencyKey,
    what = "Idempotency-Key",
    check = |uuid| {
        if uuid.is_nil() {
            Err(IdError::Nil { what: IdempotencyKey::WHAT })
        } else {
            Ok(uuid)
        }
    }
);

/// SHA-256 (lowercase hex) of a request's canonical JSON form: two requests that
/// mean the same thing have the same fingerprint, so a replay with an Idempotency-Key
/// is told from the key's reuse with another request.
pub fn request_fingerprint(canonical: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(canonical.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl AccountId {
    /// The id of the account `owner` opens with Idempotency-Key `key`: the same pair
    /// always names the same account (so a retried `POST /accounts` finds the first
    /// one), and different owners never share one. A version-8 UUID over SHA-256.
    pub fn for_request(owner: &crate::domain::UserId, key: &IdempotencyKey) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("account#{owner}#{key}").as_bytes());
        let mut bytes = [0_u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(uuid::Builder::from_custom_bytes(bytes).into_uuid())
    }
}

impl From<Uuid> for AccountId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl From<Uuid> for TransactionId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const UPPER: &str = "3F2C8A4E-9B1D-4C6E-8F7A-2D5B9E0C1A47";

    #[test]
    fn example_uuid_is_a_real_version_four_uuid() {
        let uuid = Uuid::try_parse(EXAMPLE_UUID).unwrap();
        assert_eq!(uuid.get_version_num(), 4);
        assert_eq!(uuid.hyphenated().to_string(), EXAMPLE_UUID);
    }

    #[test]
    fn every_accepted_uuid_form_is_normalised_to_lowercase_hyphenated() {
        for text in [
            EXAMPLE_UUID,
            UPPER,
            "3f2c8a4e9b1d4c6e8f7a2d5b9e0c1a47",
            "{3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47}",
            "urn:uuid:3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47",
        ] {
            assert_eq!(
                AccountId::parse(text).unwrap().to_string(),
                EXAMPLE_UUID,
                "{text}"
            );
            assert_eq!(
                TransactionId::parse(text).unwrap().to_string(),
                EXAMPLE_UUID
            );
            assert_eq!(
                IdempotencyKey::parse(text).unwrap().to_string(),
                EXAMPLE_UUID
            );
        }
    }

    #[test]
    fn non_uuid_text_is_rejected_with_the_field_name() {
        for text in [
            "",
            "abc",
            " 3f2c8a4e-9b1d-4c6e-8f7a-2d5b9e0c1a47",
            "3f2c8a4e-9b1d-4c6e-8f7a",
        ] {
            assert_eq!(
                AccountId::parse(text),
                Err(IdError::Invalid { what: "accountId" })
            );
        }
        let error = IdempotencyKey::parse("nope").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("Idempotency-Key must be a UUID, such as {EXAMPLE_UUID}")
        );
        assert_eq!(error.code(), "ID_INVALID");
    }

    #[test]
    fn nil_idempotency_key_is_rejected() {
        let nil = "00000000-0000-0000-0000-000000000000";
        let error = IdempotencyKey::parse(nil).unwrap_err();
        assert_eq!(
            error,
            IdError::Nil {
                what: "Idempotency-Key"
            }
        );
        assert!(
            error
                .to_string()
                .starts_with("Idempotency-Key must not be the nil UUID")
        );
        assert_eq!(error.code(), "ID_NIL");
        assert!(AccountId::parse(nil).is_ok());
    }

    #[test]
    fn errors_can_be_renamed_for_another_field() {
        let error = AccountId::parse("x").unwrap_err().with_field("toAccountId");
        assert_eq!(
            error.to_string(),
            format!("toAccountId must be a UUID, such as {EXAMPLE_UUID}")
        );
    }

    #[test]
    fn random_ids_are_version_four_and_distinct() {
        let first = AccountId::new_random();
        assert_eq!(first.as_uuid().get_version_num(), 4);
        assert_ne!(first, AccountId::new_random());
        assert_eq!(first.to_string().parse::<AccountId>().unwrap(), first);
    }

    #[test]
    fn an_owner_and_key_always_name_the_same_account_and_nobody_elses() {
        let key = IdempotencyKey::parse("9b2f3c1e-8d4a-4e6f-a1b2-c3d4e5f60718").unwrap();
        let other = IdempotencyKey::parse("9b2f3c1e-8d4a-4e6f-a1b2-c3d4e5f60719").unwrap();
        let id = AccountId::for_request(&crate::domain::UserId::new("alice"), &key);
        assert_eq!(
            id,
            AccountId::for_request(&crate::domain::UserId::new("alice"), &key)
        );
        assert_eq!(id.as_uuid().get_version_num(), 8);
        assert_ne!(
            id,
            AccountId::for_request(&crate::domain::UserId::new("bob"), &key)
        );
        assert_ne!(
            id,
            AccountId::for_request(&crate::domain::UserId::new("alice"), &other)
        );
    }

    #[test]
    fn ids_serialize_as_canonical_strings() {
        let id = TransactionId::parse(UPPER).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{EXAMPLE_UUID}\""));
        assert_eq!(serde_json::from_str::<TransactionId>(&json).unwrap(), id);
        assert!(
            serde_json::from_str::<IdempotencyKey>("\"00000000-0000-0000-0000-000000000000\"")
                .is_err()
        );
        assert!(serde_json::from_str::<AccountId>("42").is_err());
    }
}
