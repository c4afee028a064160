//! Table, index and attribute names: one place, shared by the API, the stream
//! consumer and the tests (the SAM template declares the same keys).

/// Attribute names.
pub mod attr {
    pub const ACCOUNT_ID: &str = "accountId";
    pub const OWNER_ID: &str = "ownerId";
    pub const NAME: &str = "name";
    pub const CURRENCY: &str = "currency";
    pub const BALANCE: &str = "balance";
    pub const STATUS: &str = "status";
    pub const VERSION: &str = "version";
    pub const CREATED_AT: &str = "createdAt";
    pub const UPDATED_AT: &str = "updatedAt";

    /// Table key of a transaction: `<owner sub>#<Idempotency-Key>`, so a key is scoped
    /// to its user and never replays another user's transaction.
    pub const IDEMPOTENCY_KEY: &str = "idempotencyKey";
    /// The client's Idempotency-Key as sent.
    pub const REQUEST_KEY: &str = "requestKey";
    pub const TRANSACTION_ID: &str = "id";
    pub const USER_ID: &str = "userId";
    pub const TO_ACCOUNT_ID: &str = "toAccountId";
    pub const TYPE: &str = "type";
    pub const AMOUNT: &str = "amount";
    pub const DESCRIPTION: &str = "description";
    pub const REJECTION_REASON: &str = "rejectionReason";
    pub const BALANCE_AFTER: &str = "balanceAfter";
    pub const TO_BALANCE_AFTER: &str = "toBalanceAfter";
    /// The account's version right after the transaction (see `Versions`).
    pub const ACCOUNT_VERSION: &str = "accountVersion";
    pub const TO_ACCOUNT_VERSION: &str = "toAccountVersion";
    pub const PROCESSED_AT: &str = "processedAt";
    /// The destination holder's `sub`, set when a transfer completes (for notifying).
    pub const TO_USER_ID: &str = "toUserId";
    /// The account holder's `sub` when someone else recorded the transaction (an
    /// operator's ADJUSTMENT): who is notified and may read it.
    pub const HOLDER_ID: &str = "holderId";
    /// SHA-256 of the canonical request, to tell a replay from a reused key.
    pub const REQUEST_HASH: &str = "requestHash";
    /// The 201 body sent the first time, replayed byte for byte.
    pub const RESPONSE: &str = "response";
    /// The X-Ray trace root of the request that recorded it (see `crate::trace`): never
    /// in a response, logged by every hop as `trace_id`.
    pub const TRACE_ID: &str = "traceId";
    /// What a history entry is when not a transaction (`STATUS_CHANGE`).
    pub const ENTRY_TYPE: &str = "entryType";
    pub const EVENT_ID: &str = "eventId";
    pub const FROM_STATUS: &str = "fromStatus";
    pub const TO_STATUS: &str = "toStatus";
    pub const REASON: &str = "reason";
    /// Who made a status change.
    pub const INITIATED_BY: &str = "initiatedBy";
    /// The transaction's account while it is PENDING (removed when it settles): the
    /// key of the sparse pending index.
    pub const PENDING_ACCOUNT_ID: &str = "pendingAccountId";
    /// A settled entry's place in its account's ledger: `<settledAt>#<version, 20
    /// digits>`, so lexical order is settlement order (the sort key of
    /// `LedgerIndex`); set once, when the transaction completes.
    pub const ENTRY_KEY: &str = "entryKey";
    /// The account's chain head after the entry (see `domain::chain`).
    pub const ENTRY_HASH: &str = "entryHash";
    /// The same for a completed transfer's destination account (`IncomingLedgerIndex`).
    pub const TO_ENTRY_KEY: &str = "toEntryKey";
    pub const TO_ENTRY_HASH: &str = "toEntryHash";
    /// An account's chain head: the hash of its latest entry.
    pub const CHAIN_HEAD: &str = "chainHead";
    /// An account's ACTIVE holds, summed.
    pub const HELD_AMOUNT: &str = "heldAmount";

    /// The hold a CAPTURE, VOID or EXPIRY acts on.
    pub const HOLD_ID: &str = "holdId";
    /// The transaction a REVERSAL moves back.
    pub const REVERSAL_OF: &str = "reversalOf";
    /// The table key of the transaction a capture, void, expiry or reversal acts on:
    /// how the consumer reads and writes it (internal, never shown).
    pub const LINK_KEY: &str = "linkKey";
    /// A reversal's direction on its account when it does not move a transfer back:
    /// `CREDIT` or `DEBIT`.
    pub const DIRECTION: &str = "direction";
    /// When a hold ends by itself.
    pub const EXPIRES_AT: &str = "expiresAt";
    /// The UTC day of an ACTIVE hold's `expiresAt` (removed when the hold ends): the
    /// key of the sparse `HoldExpiryIndex`.
    pub const HOLD_DAY: &str = "holdDay";
    /// The capture, void or expiry that ended a hold, and when.
    pub const ENDED_BY: &str = "endedBy";
    pub const ENDED_AT: &str = "endedAt";
    /// The account's held amount right after the transaction, when not zero.
    pub const HELD_AFTER: &str = "heldAfter";
    pub const TO_HELD_AFTER: &str = "toHeldAfter";
    /// What a capture debited of its hold.
    pub const CAPTURED_AMOUNT: &str = "capturedAmount";
    /// The sum of a transaction's COMPLETED reversals.
    pub const REVERSED_AMOUNT: &str = "reversedAmount";
}

/// Global secondary index names.
pub mod index {
    /// Transactions by `id`.
    pub const TRANSACTION_ID: &str = "TransactionIdIndex";
    /// Transactions by `accountId`, newest first by `createdAt`.
    pub const ACCOUNT_HISTORY: &str = "AccountHistoryIndex";
    /// Transfers by `toAccountId`, newest first by `createdAt`.
    pub const INCOMING_HISTORY: &str = "IncomingHistoryIndex";
    /// Transactions by `userId`, newest first by `createdAt`.
    pub const USER_HISTORY: &str = "UserHistoryIndex";
    /// PENDING transactions only (sparse, keys only), by `pendingAccountId` and
    /// `createdAt`: per-account order and the reconciler.
    pub const PENDING: &str = "PendingIndex";
    /// Completed transactions by `accountId`, in settlement order (`entryKey`);
    /// sparse: written once, when a transaction completes.
    pub const LEDGER: &str = "LedgerIndex";
    /// Completed transfers by `toAccountId`, in the receiver's settlement order
    /// (`toEntryKey`).
    pub const INCOMING_LEDGER: &str = "IncomingLedgerIndex";
    /// ACTIVE holds only (sparse, keys only), by `holdDay` and `expiresAt`: the
    /// reconciler's expiry sweep.
    pub const HOLD_EXPIRY: &str = "HoldExpiryIndex";
    /// Accounts by `ownerId`, by `createdAt`.
    pub const OWNER: &str = "OwnerIndex";
}

/// The physical table names, from the environment the template sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub accounts: String,
    pub transactions: String,
}

impl TableNames {
    /// `ACCOUNTS_TABLE_NAME` and `TRANSACTIONS_TABLE_NAME`; `None` names the missing one.
    pub fn from_env() -> Result<Self, String> {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| name.to_owned())
        };
        Ok(Self {
            accounts: read("ACCOUNTS_TABLE_NAME")?,
            transactions: read("TRANSACTIONS_TABLE_NAME")?,
        })
    }
}
