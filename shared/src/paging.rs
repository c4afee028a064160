//! Sealed page tokens: what a listing hands out as `nextToken` is authenticated
//! encryption (XChaCha20-Poly1305, random 192-bit nonce) of its position, bound to the
//! caller and the listing through the associated data.
//!
//! A token tells its holder nothing (not the keys of the last item, which may hold
//! another user's id), cannot be forged or altered, and opens only for the caller it
//! was issued to, on the listing that issued it. Anything else fails to open and the
//! edge answers 400 `INVALID_NEXT_TOKEN`.
//!
//! The key is derived (HKDF-SHA256) from a secret string that comes from AWS
//! ([`secret`], Secrets Manager, created by the template). This module is pure: no
//! I/O, no HTTP types, so REST and GraphQL seal and open tokens the same way.

#[cfg(feature = "secretsmanager")]
pub mod secret;

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;

/// Longest `nextToken` accepted, in characters (real tokens are a few hundred).
pub const MAX_TOKEN_CHARS: usize = 2048;
/// Shortest secret a key is derived from, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// The format byte every sealed token starts with.
const VERSION: u8 = 1;
const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;
/// HKDF salt and info: the key is for page tokens and nothing else.
const KEY_SALT: &[u8] = b"bank/page-token";
const KEY_INFO: &[u8] = b"xchacha20poly1305 key v1";
/// Prefix of the associated data.
const AAD_LABEL: &[u8] = b"bank/page-token/v1";

/// The listing a token belongs to. A token opens only on the listing that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing<'a> {
    /// The caller's accounts.
    Accounts,
    /// One account's history.
    AccountHistory(&'a str),
    /// The transactions the caller recorded.
    UserTransactions,
    /// One account's monthly statements.
    AccountStatements(&'a str),
    /// One account's entries settled in a period (bounds in the ledger's format, empty
    /// when open).
    AccountLedger {
        account: &'a str,
        from: &'a str,
        to: &'a str,
    },
}

impl fmt::Display for Listing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accounts => f.write_str("accounts"),
            Self::AccountHistory(account_id) => write!(f, "account-history:{account_id}"),
            Self::UserTransactions => f.write_str("user-transactions"),
            Self::AccountStatements(account_id) => write!(f, "account-statements:{account_id}"),
            Self::AccountLedger { account, from, to } => {
                write!(f, "account-ledger:{account}:{from}:{to}")
            }
        }
    }
}

/// A token that did not open: malformed, altered, issued under another key, to
/// another caller or for another listing. Deliberately says no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the page token does not open")]
pub struct InvalidToken;

/// Sealing failed: the system's random number generator failed, or the position is
/// too long to hand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a page token could not be sealed")]
pub struct SealError;

/// The secret is too short to derive a key from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the page token secret must be at least {MIN_SECRET_BYTES} bytes")]
pub struct WeakSecret;

/// Seals and opens page tokens under one key. `Debug` shows no key material.
#[derive(Clone)]
pub struct PageSealer {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for PageSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PageSealer(..)")
    }
}

impl PageSealer {
    /// The sealer whose key HKDF-SHA256 derives from `secret` (at least
    /// [`MIN_SECRET_BYTES`]).
    pub fn from_secret(secret: &str) -> Result<Self, WeakSecret> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(WeakSecret);
        }
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(KEY_SALT), secret.as_bytes())
            .expand(KEY_INFO, &mut key)
            .map_err(|_| WeakSecret)?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&Key::from(key)),
        })
    }

    /// This sealer for `caller`'s (a Cognito `sub`) `listing`.
    pub const fn bind<'a>(&'a self, caller: &'a str, listing: Listing<'a>) -> BoundSealer<'a> {
        BoundSealer {
            sealer: self,
            caller,
            listing,
        }
    }
}

/// A [`PageSealer`] bound to one caller and one listing.
#[derive(Debug, Clone, Copy)]
pub struct BoundSealer<'a> {
    sealer: &'a PageSealer,
    caller: &'a str,
    listing: Listing<'a>,
}

impl BoundSealer<'_> {
    /// The listing this binds to.
    pub const fn listing(&self) -> Listing<'_> {
        self.listing
    }

    /// The associated data: label, then caller and listing, each length-prefixed so
    /// that no two bindings share one encoding.
    fn associated_data(&self) -> Vec<u8> {
        let listing = self.listing.to_string();
        let mut aad = Vec::with_capacity(AAD_LABEL.len() + 8 + self.caller.len() + listing.len());
        aad.extend_from_slice(AAD_LABEL);
        for part in [self.caller.as_bytes(), listing.as_bytes()] {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            aad.extend_from_slice(&len.to_be_bytes());
            aad.extend_from_slice(part);
        }
        aad
    }

    /// The token text (base64url, no padding) for `position`.
    pub fn seal(&self, position: &[u8]) -> Result<String, SealError> {
        let nonce = XNonce::try_generate().map_err(|_| SealError)?;
        let aad = self.associated_data();
        let sealed = self
            .sealer
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: position,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError)?;
        let mut bytes = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        bytes.push(VERSION);
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        let text = URL_SAFE_NO_PAD.encode(bytes);
        if text.len() > MAX_TOKEN_CHARS {
            return Err(SealError);
        }
        Ok(text)
    }

    /// The position sealed in `token`, if this sealer issued it for this binding.
    pub fn open(&self, token: &str) -> Result<Vec<u8>, InvalidToken> {
        if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
            return Err(InvalidToken);
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| InvalidToken)?;
        let Some((&VERSION, rest)) = bytes.split_first() else {
            return Err(InvalidToken);
        };
        if rest.len() < NONCE_BYTES + TAG_BYTES {
            return Err(InvalidToken);
        }
        let (nonce, sealed) = rest.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| InvalidToken)?;
        let aad = self.associated_data();
        self.sealer
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| InvalidToken)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SECRET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab";
    const POSITION: &[u8] = br#"{"createdAt":"2026-11-25T09:00:00.000000Z","userId":"alice"}"#;

    fn sealer() -> PageSealer {
        PageSealer::from_secret(SECRET).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_sealed_position_opens_for_its_caller_and_listing() {
        let sealer = sealer();
        let bound = sealer.bind("alice", Listing::Accounts);
        let token = bound.seal(POSITION).unwrap_or_default();
        assert_eq!(bound.open(&token).ok().as_deref(), Some(POSITION));
    }

    #[test]
    fn a_token_reveals_nothing_of_the_position_and_is_never_the_same_twice() {
        let sealer = sealer();
        let bound = sealer.bind("alice", Listing::Accounts);
        let first = bound.seal(POSITION).unwrap_or_default();
        let second = bound.seal(POSITION).unwrap_or_default();
        assert_ne!(first, second, "a fresh nonce each time");
        for token in [&first, &second] {
            let bytes = URL_SAFE_NO_PAD.decode(token).unwrap_or_default();
            assert!(!bytes.windows(5).any(|w| w == b"alice"), "{token}");
            assert!(!token.contains("alice") && !token.contains("YWxpY2"));
        }
    }

    #[test]
    fn a_token_of_another_caller_or_listing_does_not_open() {
        let sealer = sealer();
        let token = sealer
            .bind("alice", Listing::AccountHistory("acc-1"))
            .seal(POSITION)
            .unwrap_or_default();
        for (caller, listing) in [
            ("mallory", Listing::AccountHistory("acc-1")),
            ("alice", Listing::AccountHistory("acc-2")),
            ("alice", Listing::Accounts),
            ("alice", Listing::UserTransactions),
            // No ambiguity between where the caller ends and the listing starts.
            ("aliceaccount-history:acc-1", Listing::Accounts),
        ] {
            assert_eq!(
                sealer.bind(caller, listing).open(&token),
                Err(InvalidToken),
                "{caller} {listing}"
            );
        }
    }

    #[test]
    fn a_token_sealed_under_another_key_does_not_open() {
        let other =
            PageSealer::from_secret(&SECRET.replace('0', "1")).unwrap_or_else(|e| panic!("{e}"));
        let token = other
            .bind("alice", Listing::Accounts)
            .seal(POSITION)
            .unwrap_or_default();
        assert_eq!(
            sealer().bind("alice", Listing::Accounts).open(&token),
            Err(InvalidToken)
        );
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(PageSealer::from_secret("short").is_err());
        assert!(PageSealer::from_secret(&"x".repeat(MIN_SECRET_BYTES)).is_ok());
    }

    #[test]
    fn debug_shows_no_key() {
        assert_eq!(format!("{:?}", sealer()), "PageSealer(..)");
    }

    #[test]
    fn malformed_tokens_do_not_open() {
        let sealer = sealer();
        let bound = sealer.bind("alice", Listing::Accounts);
        let token = bound.seal(POSITION).unwrap_or_default();
        let mut version = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
        version[0] = 2;
        let cases = [
            String::new(),
            "!!!".to_owned(),
            "e30".to_owned(),
            token[..token.len() - 1].to_owned(),
            token[..40].to_owned(),
            format!("{token}A"),
            format!("{token}="),
            URL_SAFE_NO_PAD.encode(version),
            "A".repeat(MAX_TOKEN_CHARS + 1),
        ];
        for text in cases {
            assert_eq!(bound.open(&text), Err(InvalidToken), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn any_flipped_bit_makes_the_token_not_open(bit in 0usize..1024) {
            let sealer = sealer();
            let bound = sealer.bind("alice", Listing::UserTransactions);
            let token = bound.seal(POSITION).unwrap_or_default();
            let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
            let bit = bit % (bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
            prop_assert_eq!(bound.open(&URL_SAFE_NO_PAD.encode(bytes)), Err(InvalidToken));
        }

        #[test]
        fn random_text_never_opens(text in ".{0,300}") {
            let sealer = sealer();
            prop_assert_eq!(sealer.bind("alice", Listing::Accounts).open(&text), Err(InvalidToken));
        }
    }
}
