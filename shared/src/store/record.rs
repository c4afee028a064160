//! A transaction as stored (its API rendering is [`crate::views::transaction`]).

use crate::clock::Timestamp;
use crate::domain::UserId;
use crate::trace::TraceId;

use super::StoreError;
use super::attrs::{Item, n, opt_parse, opt_s, req_n, req_parse, req_s, s};
use super::schema::attr;
use crate::domain::{
    AccountId, Balance, ChainHead, Currency, IdempotencyKey, LedgerEntry, Money, RejectionReason,
    Role, SignedAmount, TransactionId, TransactionKind, TransactionStatus, TransactionType,
    signed_effect,
};

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRecord {
    pub transaction_id: TransactionId,
    /// The Cognito `sub` of the user who recorded it.
    pub user_id: UserId,
    pub idempotency_key: IdempotencyKey,
    pub account_id: AccountId,
    pub kind: TransactionKind,
    pub currency: Currency,
    pub description: Option<String>,
    pub status: TransactionStatus,
    pub rejection_reason: Option<RejectionReason>,
    /// The source account's balance after a COMPLETED transaction.
    pub balance_after: Option<Balance>,
    /// The destination account's balance after a COMPLETED transfer.
    pub to_balance_after: Option<Balance>,
    /// The source account's held amount right after it settled, when not zero (or
    /// when it released a hold).
    pub held_after: Option<Balance>,
    /// The same for a completed transfer's destination account.
    pub to_held_after: Option<Balance>,
    /// The destination holder's `sub` (set when a transfer completes).
    pub to_user_id: Option<UserId>,
    /// The source account's version right after this transaction settled (the version
    /// it was decided at for a rejection): its place in the account's sequence.
    pub account_version: Option<u64>,
    /// The destination account's version right after a COMPLETED transfer.
    pub to_account_version: Option<u64>,
    /// The account holder's `sub` when not the recorder (an operator's ADJUSTMENT).
    pub holder_id: Option<UserId>,
    pub created_at: Timestamp,
    pub processed_at: Option<Timestamp>,
    pub request_hash: String,
    /// The 201 body first sent for it, on items recorded before replays were rendered
    /// from the item ([`Self::as_recorded`]); never written any more.
    pub response: Option<String>,
    /// The X-Ray trace root of the request that recorded it (logs only, never shown).
    pub trace_id: Option<TraceId>,
    /// Its entry in the source account's ledger, once COMPLETED.
    pub entry: Option<EntryStamp>,
    /// Its entry in the destination account's ledger, once a transfer COMPLETED.
    pub to_entry: Option<EntryStamp>,
    /// The table key of the transaction it acts on (a capture's, void's or expiry's
    /// hold, a reversal's original): where the consumer reads and ends it.
    pub link_key: Option<String>,
    /// A hold's end by itself.
    pub expires_at: Option<Timestamp>,
    /// The capture, void or expiry that ended a hold, and when.
    pub ended_by: Option<TransactionId>,
    pub ended_at: Option<Timestamp>,
    /// What the capture that ended a hold debited.
    pub captured_amount: Option<Money>,
    /// The sum of its COMPLETED reversals.
    pub reversed_amount: Option<Money>,
}

/// Where a completed transaction sits in one account's ledger: when it settled there
/// and the chain head after it. Its version is the record's `account_version` (or
/// `to_account_version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryStamp {
    pub settled_at: Timestamp,
    pub hash: ChainHead,
}

impl EntryStamp {
    /// The ledger index's sort key: `<settledAt>#<version, 20 digits>`.
    pub fn key(&self, version: u64) -> String {
        format!("{}#{version:020}", self.settled_at)
    }

    /// Reads a stored sort key and hash back.
    fn read(
        item: &Item,
        key_attr: &'static str,
        hash_attr: &'static str,
    ) -> Result<Option<Self>, StoreError> {
        let (Some(key), Some(hash)) = (opt_s(item, key_attr)?, opt_parse(item, hash_attr)?) else {
            return Ok(None);
        };
        let settled_at = key
            .split_once('#')
            .and_then(|(at, _)| Timestamp::parse(at).ok())
            .ok_or_else(|| StoreError::corrupt(key_attr, "not <settledAt>#<version>"))?;
        Ok(Some(Self { settled_at, hash }))
    }
}

/// Whose point of view a transaction is rendered from. Only its recorder sees the
/// Idempotency-Key; a transfer's receiver sees their own balance after, never the
/// sender's, and (see [`TransactionRecord::visible_to_receiver`]) only once it
/// COMPLETED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Whoever recorded it (or an operator auditing the account).
    Source,
    /// The holder of the account it was recorded on, when someone else recorded it
    /// (an operator's ADJUSTMENT).
    Holder,
    /// The receiving account of a transfer.
    Destination,
}

impl TransactionRecord {
    /// The record as it was inserted: PENDING, without anything its settle or a later
    /// capture, void, expiry or reversal wrote. Its first 201 rendered exactly this,
    /// so a replay renders the same bytes from the item instead of storing them.
    pub fn as_recorded(&self) -> Self {
        // What a recording path writes; the rest is empty, as in every new record.
        Self {
            transaction_id: self.transaction_id,
            description: self.description.clone(),
            holder_id: self.holder_id.clone(),
            request_hash: self.request_hash.clone(),
            trace_id: self.trace_id.clone(),
            link_key: self.link_key.clone(),
            expires_at: self.expires_at.clone(),
            ..Self::new_pending(
                self.user_id.clone(),
                self.idempotency_key,
                (self.account_id, self.kind, self.currency),
                self.created_at.clone(),
            )
        }
    }

    /// A new PENDING transaction `kind` on `account_id` in `currency`, recorded by
    /// `user_id` under `idempotency_key` at `created_at`, with a new id and every
    /// other field empty: what each recording path fills in.
    pub fn new_pending(
        user_id: UserId,
        idempotency_key: IdempotencyKey,
        what: (AccountId, TransactionKind, Currency),
        created_at: Timestamp,
    ) -> Self {
        let (account_id, kind, currency) = what;
        Self {
            transaction_id: TransactionId::new_random(),
            user_id,
            idempotency_key,
            account_id,
            kind,
            currency,
            description: None,
            status: TransactionStatus::Pending,
            rejection_reason: None,
            balance_after: None,
            to_balance_after: None,
            held_after: None,
            to_held_after: None,
            account_version: None,
            to_account_version: None,
            to_user_id: None,
            holder_id: None,
            created_at,
            processed_at: None,
            request_hash: String::new(),
            response: None,
            trace_id: None,
            entry: None,
            to_entry: None,
            link_key: None,
            expires_at: None,
            ended_by: None,
            ended_at: None,
            captured_amount: None,
            reversed_amount: None,
        }
    }

    /// Whether a transfer's receiver may see it: once it COMPLETED, never before.
    pub fn visible_to_receiver(&self) -> bool {
        self.status == TransactionStatus::Completed
    }

    /// How its own side is shown to `caller`: in full to whoever recorded it and to
    /// operators (an audit), without the recorder's key to the holder of the account
    /// someone else recorded it on (an operator's ADJUSTMENT); `None` to anyone else.
    pub fn recorded_view(&self, caller: &UserId, operator: bool) -> Option<View> {
        if &self.user_id == caller || operator {
            Some(View::Source)
        } else if self.holder_id.as_ref() == Some(caller) {
            Some(View::Holder)
        } else {
            None
        }
    }

    /// The holder of the account it was recorded on.
    pub fn holder(&self) -> &UserId {
        self.holder_id.as_ref().unwrap_or(&self.user_id)
    }

    /// Its entry in the ledger of the account on `side` with the chain head after it,
    /// once it COMPLETED there.
    pub fn ledger_entry(&self, side: Role) -> Option<(LedgerEntry, ChainHead)> {
        let (version, balance_after, stamp) = match side {
            Role::Source => (
                self.account_version?,
                self.balance_after?,
                self.entry.as_ref()?,
            ),
            Role::Destination => (
                self.to_account_version?,
                self.to_balance_after?,
                self.to_entry.as_ref()?,
            ),
        };
        let entry = self.entry_at(side, version, balance_after, &stamp.settled_at)?;
        Some((entry, stamp.hash.clone()))
    }

    /// The entry it makes in the ledger of the account on `side` when it settles there
    /// at `version`, leaving `balance_after`; `None` for a side it does not touch.
    pub fn entry_at(
        &self,
        side: Role,
        version: u64,
        balance_after: Balance,
        settled_at: &Timestamp,
    ) -> Option<LedgerEntry> {
        if !self.kind.posts() {
            return None;
        }
        let account_id = match side {
            Role::Source => self.account_id,
            Role::Destination => self.kind.destination()?,
        };
        Some(LedgerEntry {
            account_id,
            version,
            settled_at: settled_at.to_string(),
            transaction_id: self.transaction_id,
            entry_type: self.kind.transaction_type(),
            amount: SignedAmount::try_from_decimal(signed_effect(&self.kind, side)).ok()?,
            balance_after,
            currency: self.currency,
            description: self.description.clone(),
        })
    }

    /// The table key: the idempotency key scoped to its user.
    pub fn table_key(&self) -> String {
        Self::scoped_key(&self.user_id, &self.idempotency_key)
    }

    /// `<user>#<key>`: a key reused by another user is another item.
    pub fn scoped_key(user_id: &UserId, key: &IdempotencyKey) -> String {
        format!("{user_id}#{key}")
    }

    /// The item written to DynamoDB.
    pub fn to_item(&self) -> Item {
        let mut item = Item::from([
            (attr::IDEMPOTENCY_KEY.to_owned(), s(self.table_key())),
            (
                attr::REQUEST_KEY.to_owned(),
                s(self.idempotency_key.to_string()),
            ),
            (
                attr::TRANSACTION_ID.to_owned(),
                s(self.transaction_id.to_string()),
            ),
            (attr::USER_ID.to_owned(), s(&self.user_id)),
            (attr::ACCOUNT_ID.to_owned(), s(self.account_id.to_string())),
            (
                attr::TYPE.to_owned(),
                s(self.kind.transaction_type().as_str()),
            ),
            (attr::AMOUNT.to_owned(), n(self.kind.amount_text())),
            (attr::CURRENCY.to_owned(), s(self.currency.as_str())),
            (attr::STATUS.to_owned(), s(self.status.as_str())),
            (attr::CREATED_AT.to_owned(), s(&self.created_at)),
            (attr::REQUEST_HASH.to_owned(), s(&self.request_hash)),
        ]);
        let optional = [
            (
                attr::TO_ACCOUNT_ID,
                self.kind.destination().map(|a| s(a.to_string())),
            ),
            (attr::DESCRIPTION, self.description.as_ref().map(s)),
            (
                attr::REJECTION_REASON,
                self.rejection_reason.map(|r| s(r.as_str())),
            ),
            (attr::BALANCE_AFTER, self.balance_after.map(n)),
            (attr::TO_BALANCE_AFTER, self.to_balance_after.map(n)),
            (attr::HELD_AFTER, self.held_after.map(n)),
            (attr::TO_HELD_AFTER, self.to_held_after.map(n)),
            (attr::ENDED_AT, self.ended_at.as_ref().map(s)),
            (attr::PROCESSED_AT, self.processed_at.as_ref().map(s)),
            (attr::TO_USER_ID, self.to_user_id.as_ref().map(s)),
            (attr::ACCOUNT_VERSION, self.account_version.map(n)),
            (attr::TO_ACCOUNT_VERSION, self.to_account_version.map(n)),
            (attr::HOLDER_ID, self.holder_id.as_ref().map(s)),
            (attr::RESPONSE, self.response.as_ref().map(s)),
            (
                attr::TRACE_ID,
                self.trace_id.as_ref().map(|t| s(t.as_str())),
            ),
            (
                attr::ENTRY_KEY,
                self.entry
                    .as_ref()
                    .zip(self.account_version)
                    .map(|(e, v)| s(e.key(v))),
            ),
            (
                attr::ENTRY_HASH,
                self.entry.as_ref().map(|e| s(e.hash.as_str())),
            ),
            (
                attr::TO_ENTRY_KEY,
                self.to_entry
                    .as_ref()
                    .zip(self.to_account_version)
                    .map(|(e, v)| s(e.key(v))),
            ),
            (
                attr::TO_ENTRY_HASH,
                self.to_entry.as_ref().map(|e| s(e.hash.as_str())),
            ),
            (
                attr::PENDING_ACCOUNT_ID,
                (self.status == TransactionStatus::Pending).then(|| s(self.account_id.to_string())),
            ),
            (attr::HOLD_ID, self.hold_id().map(|h| s(h.to_string()))),
            (
                attr::REVERSAL_OF,
                self.reversal_of().map(|o| s(o.to_string())),
            ),
            (attr::DIRECTION, self.direction_text().map(s)),
            (attr::LINK_KEY, self.link_key.as_ref().map(s)),
            (attr::EXPIRES_AT, self.expires_at.as_ref().map(s)),
            (
                attr::HOLD_DAY,
                self.expires_at
                    .as_ref()
                    .filter(|_| self.status == TransactionStatus::Active)
                    .map(|at| s(hold_day(at))),
            ),
            (attr::ENDED_BY, self.ended_by.map(|t| s(t.to_string()))),
            (attr::CAPTURED_AMOUNT, self.captured_amount.map(n)),
            (attr::REVERSED_AMOUNT, self.reversed_amount.map(n)),
        ];
        item.extend(
            optional
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))),
        );
        item
    }

    /// Reads an item (amounts parsed exactly from their `N` text). Works for table
    /// items and for stream images converted to SDK attribute values.
    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        let account_id: AccountId = req_parse(item, attr::ACCOUNT_ID)?;
        let kind_type: TransactionType = req_parse(item, attr::TYPE)?;
        let to: Option<AccountId> = opt_parse(item, attr::TO_ACCOUNT_ID)?;
        let amount = req_n(item, attr::AMOUNT)?;
        let link: Option<TransactionId> = match opt_parse(item, attr::HOLD_ID)? {
            Some(hold) => Some(hold),
            None => opt_parse(item, attr::REVERSAL_OF)?,
        };
        let credit = opt_s(item, attr::DIRECTION)? == Some(CREDIT);
        let kind = TransactionKind::from_stored(kind_type, amount, &account_id, to, link, credit)
            .map_err(|e| StoreError::corrupt(attr::AMOUNT, e.to_string()))?;
        let key_text = req_s(item, attr::REQUEST_KEY)?;
        Ok(Self {
            transaction_id: req_parse(item, attr::TRANSACTION_ID)?,
            user_id: UserId::new(req_s(item, attr::USER_ID)?),
            idempotency_key: IdempotencyKey::parse(key_text)
                .map_err(|e| StoreError::corrupt(attr::REQUEST_KEY, e.to_string()))?,
            account_id,
            kind,
            currency: req_parse(item, attr::CURRENCY)?,
            description: opt_s(item, attr::DESCRIPTION)?.map(str::to_owned),
            status: req_parse(item, attr::STATUS)?,
            rejection_reason: opt_parse(item, attr::REJECTION_REASON)?,
            balance_after: opt_parse(item, attr::BALANCE_AFTER)?,
            to_balance_after: opt_parse(item, attr::TO_BALANCE_AFTER)?,
            held_after: opt_parse(item, attr::HELD_AFTER)?,
            to_held_after: opt_parse(item, attr::TO_HELD_AFTER)?,
            ended_at: opt_parse(item, attr::ENDED_AT)?,
            to_user_id: opt_s(item, attr::TO_USER_ID)?.map(UserId::new),
            account_version: opt_parse(item, attr::ACCOUNT_VERSION)?,
            to_account_version: opt_parse(item, attr::TO_ACCOUNT_VERSION)?,
            holder_id: opt_s(item, attr::HOLDER_ID)?.map(UserId::new),
            created_at: req_parse(item, attr::CREATED_AT)?,
            processed_at: opt_parse(item, attr::PROCESSED_AT)?,
            request_hash: req_s(item, attr::REQUEST_HASH)?.to_owned(),
            response: opt_s(item, attr::RESPONSE)?.map(str::to_owned),
            // Logs only: an unreadable one is dropped, never a reason to refuse the item.
            trace_id: opt_s(item, attr::TRACE_ID)?.and_then(TraceId::parse),
            entry: EntryStamp::read(item, attr::ENTRY_KEY, attr::ENTRY_HASH)?,
            to_entry: EntryStamp::read(item, attr::TO_ENTRY_KEY, attr::TO_ENTRY_HASH)?,
            link_key: opt_s(item, attr::LINK_KEY)?.map(str::to_owned),
            expires_at: opt_parse(item, attr::EXPIRES_AT)?,
            ended_by: opt_parse(item, attr::ENDED_BY)?,
            captured_amount: opt_parse(item, attr::CAPTURED_AMOUNT)?,
            reversed_amount: opt_parse(item, attr::REVERSED_AMOUNT)?,
        })
    }
}

mod lifecycle;

use lifecycle::CREDIT;
pub use lifecycle::{SYSTEM_USER, hold_day};

#[cfg(all(test, feature = "settle"))]
mod tests;
