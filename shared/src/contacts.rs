//! Holders' contact details, looked up in Cognito (the source of truth) by `sub`.
//!
//! Policy: an address is used unless Cognito marks it explicitly unverified
//! (`email_verified` / `phone_number_verified` = `"false"`). Account details must not
//! go to an address the holder never proved they own; an absent flag (pools that do
//! not track verification, federated users) counts as verified.

use std::fmt;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::list_users::ListUsersError;
use aws_sdk_cognitoidentityprovider::types::AttributeType;

const EMAIL: &str = "email";
const EMAIL_VERIFIED: &str = "email_verified";
const PHONE: &str = "phone_number";
const PHONE_VERIFIED: &str = "phone_number_verified";

/// Where a holder can be reached. `Debug` never shows the address or number.
#[derive(Clone, PartialEq, Eq)]
pub struct Contact {
    email: Option<String>,
    phone: Option<String>,
}

impl Contact {
    /// A contact from explicit values (tests).
    pub fn new(email: Option<String>, phone: Option<String>) -> Self {
        Self { email, phone }
    }

    /// The verified (or not explicitly unverified) email address.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The verified (or not explicitly unverified) phone number, E.164.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }

    /// Reads a Cognito user's attributes, applying the verification policy.
    pub fn from_attributes(attributes: &[AttributeType]) -> Self {
        let get = |name: &str| {
            attributes
                .iter()
                .find(|a| a.name() == name)
                .and_then(AttributeType::value)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let usable = |value: &str, flag: &str| {
            let unverified = get(flag).is_some_and(|v| v.eq_ignore_ascii_case("false"));
            (!unverified).then(|| value.to_owned())
        };
        Self {
            email: get(EMAIL).and_then(|v| usable(v, EMAIL_VERIFIED)),
            phone: get(PHONE).and_then(|v| usable(v, PHONE_VERIFIED)),
        }
    }
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |value: &Option<String>| {
            if value.is_some() {
                "<redacted>"
            } else {
                "none"
            }
        };
        f.debug_struct("Contact")
            .field("email", &shown(&self.email))
            .field("phone", &shown(&self.phone))
            .finish()
    }
}

/// The contact of the user whose `sub` is `sub` in `user_pool_id` (one `ListUsers`),
/// `None` when there is none. A `sub` with characters a Cognito `sub` never has is
/// not looked up (it is placed in a filter expression).
pub async fn lookup(
    client: &Client,
    user_pool_id: &str,
    sub: &str,
) -> Result<Option<Contact>, SdkError<ListUsersError>> {
    if sub.is_empty() || !sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Ok(None);
    }
    let output = client
        .list_users()
        .user_pool_id(user_pool_id)
        .filter(format!("sub = \"{sub}\""))
        .limit(1)
        .attributes_to_get(EMAIL)
        .attributes_to_get(EMAIL_VERIFIED)
        .attributes_to_get(PHONE)
        .attributes_to_get(PHONE_VERIFIED)
        .send()
        .await?;
    Ok(output
        .users()
        .first()
        .map(|user| Contact::from_attributes(user.attributes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Vec<AttributeType> {
        pairs
            .iter()
            .filter_map(|(n, v)| AttributeType::builder().name(*n).value(*v).build().ok())
            .collect()
    }

    #[test]
    fn verified_or_unflagged_addresses_are_used() {
        let contact = Contact::from_attributes(&attrs(&[
            (EMAIL, "a@holder.example"),
            (EMAIL_VERIFIED, "true"),
            (PHONE, "+15550100"),
        ]));
        assert_eq!(contact.email(), Some("a@holder.example"));
        assert_eq!(contact.phone(), Some("+15550100"));
    }

    #[test]
    fn explicitly_unverified_addresses_are_not_used() {
        let contact = Contact::from_attributes(&attrs(&[
            (EMAIL, "a@holder.example"),
            (EMAIL_VERIFIED, "false"),
            (PHONE, "+15550100"),
            (PHONE_VERIFIED, "False"),
        ]));
        assert_eq!(contact, Contact::new(None, None));
    }

    #[test]
    fn blank_attributes_count_as_absent() {
        let contact = Contact::from_attributes(&attrs(&[(EMAIL, " "), (PHONE, "")]));
        assert_eq!(contact, Contact::new(None, None));
    }

    #[test]
    fn debug_output_never_shows_the_address_or_number() {
        let contact = Contact::new(Some("a@holder.example".into()), Some("+15550100".into()));
        let shown = format!("{contact:?}");
        assert!(!shown.contains("holder.example") && !shown.contains("5550100"));
        assert!(shown.contains("<redacted>"));
    }
}
