//! Transactions: record one (PENDING, exactly once per caller and Idempotency-Key),
//! read one, list the caller's.

use crate::clock::Timestamp;
use crate::domain::{AccountId, Currency, IdempotencyKey, TransactionId, TransactionKind, UserId};
use crate::paging::{Listing, PageSealer};
use crate::store::{Inserted, TransactionRecord, View};
use crate::trace::TraceId;

use super::facts::Facts;
use super::{AppError, Bank, Caller, Listed, TransactionRequest, bind, listed, open_token};

/// A transaction recorded, or found recorded by the same request before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub record: TransactionRecord,
    /// The JSON its first answer carried (a replay answers with exactly that).
    pub body: String,
    /// `true`: the same request was recorded before.
    pub replayed: bool,
}

impl Recorded {
    /// Prints this recording's metrics, whichever edge took it (REST, GraphQL): one
    /// EMF document, `TransactionsAccepted` by `Type`, or `TransactionsReplayed`.
    pub fn emit_metrics(&self, metrics: &crate::metrics::Metrics) {
        let mut invocation = metrics.invocation();
        if self.replayed {
            invocation.count("TransactionsReplayed", 1);
        } else {
            let kind = self.record.kind.transaction_type().as_str();
            invocation.count_by("TransactionsAccepted", "Type", kind, 1);
        }
        metrics.emit(&invocation);
    }
}

impl Bank {
    /// Records `request` as PENDING for `caller` under `key`; the stream consumer
    /// applies it. The same key with the same request answers with the first
    /// transaction; with another request it is refused.
    pub async fn record(
        &self,
        caller: &Caller,
        key: IdempotencyKey,
        request: &TransactionRequest,
    ) -> Result<Recorded, AppError> {
        self.record_traced(caller, key, request, None).await
    }

    /// As [`Bank::record`], the transaction remembering the X-Ray trace root of the
    /// request (`trace`) so that the stream consumer and notify log it too. The trace
    /// is never in the answer: a replay answers with the same bytes whatever its trace.
    pub async fn record_traced(
        &self,
        caller: &Caller,
        key: IdempotencyKey,
        request: &TransactionRequest,
        trace: Option<TraceId>,
    ) -> Result<Recorded, AppError> {
        let facts = self
            .facts
            .lookup(&self.accounts, &request.account_id)
            .await
            .map_err(|e| AppError::storage("GetItem account", &e))?;
        let (currency, holder_id) = authorise(caller, request, facts)?;
        let created_at = Timestamp::now();
        let expires_at = match request.kind {
            TransactionKind::Hold { .. } => request
                .expires_at
                .clone()
                .or_else(|| super::input::default_hold_expiry(&created_at)),
            _ => None,
        };
        let record = TransactionRecord {
            description: request.description.clone(),
            holder_id,
            request_hash: request.fingerprint(),
            expires_at,
            ..pending(
                caller,
                key,
                (request.account_id, request.kind, currency),
                created_at,
                trace,
            )
        };
        self.insert_recorded(record).await
    }

    /// Inserts `record` (PENDING) with its first answer, unless its key is taken: then
    /// the same request replays the first answer and another is refused.
    pub(super) async fn insert_recorded(
        &self,
        record: TransactionRecord,
    ) -> Result<Recorded, AppError> {
        // Not stored: a replay renders the same bytes from the item (`replay`).
        let body = crate::views::transaction(&record, View::Source).to_string();
        match self
            .transactions
            .insert_new(&record)
            .await
            .map_err(|e| AppError::storage("PutItem", &e))?
        {
            Inserted::Created => {
                tracing::info!(
                    transaction_id = %record.transaction_id,
                    account_id = %record.account_id,
                    kind = record.kind.transaction_type().as_str(),
                    amount = %record.kind.amount_text(),
                    trace_id = record.trace_id.as_ref().map(TraceId::as_str),
                    "transaction recorded"
                );
                Ok(Recorded {
                    record,
                    body,
                    replayed: false,
                })
            }
            Inserted::Exists(existing) => replay(&record, *existing),
        }
    }

    /// Transaction `id` as `caller` may see it, with that view; `NOT_FOUND` when they
    /// may not (its recorder and operators in full, the holder of an adjusted account
    /// without the operator's key, a transfer's receiver once it COMPLETED).
    pub async fn transaction(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(TransactionRecord, View), AppError> {
        let Ok(id) = TransactionId::parse(id) else {
            return Err(AppError::not_found("Transaction"));
        };
        let record = self
            .transactions
            .get_by_id(&id.to_string())
            .await
            .map_err(|e| AppError::storage("Query transaction", &e))?
            .ok_or_else(|| AppError::not_found("Transaction"))?;
        let view = self
            .view_of(&record, caller)
            .await?
            .ok_or_else(|| AppError::not_found("Transaction"))?;
        Ok((record, view))
    }

    /// The transactions `caller` recorded, newest first, a page at a time.
    pub async fn list_transactions(
        &self,
        caller: &Caller,
        pages: &PageSealer,
        limit: i32,
        next_token: Option<&str>,
    ) -> Result<Listed<TransactionRecord>, AppError> {
        let pages = bind(pages, caller, Listing::UserTransactions);
        let token = open_token(next_token, &pages)?;
        let page = self
            .transactions
            .list_by_user(&caller.user_id, limit, token.as_ref())
            .await
            .map_err(|e| AppError::storage("Query transactions", &e))?;
        listed(page, &pages, |record| record)
    }

    async fn view_of(
        &self,
        record: &TransactionRecord,
        caller: &Caller,
    ) -> Result<Option<View>, AppError> {
        if let Some(view) = record.recorded_view(&caller.user_id, caller.operator) {
            return Ok(Some(view));
        }
        let Some(to) = record.kind.destination() else {
            return Ok(None);
        };
        if !record.visible_to_receiver() {
            return Ok(None);
        }
        let owned = self
            .accounts
            .get_owned(&to, &caller.user_id)
            .await
            .map_err(|e| AppError::storage("GetItem account", &e))?;
        Ok(owned.map(|_| View::Destination))
    }
}

/// A PENDING record of `caller` under `key` of `kind` on `account` in `currency`
/// (`what`), made at `created_at`, every other field empty: the callers fill in what
/// they record.
pub(super) fn pending(
    caller: &Caller,
    key: IdempotencyKey,
    what: (AccountId, TransactionKind, Currency),
    created_at: Timestamp,
    trace: Option<TraceId>,
) -> TransactionRecord {
    TransactionRecord {
        trace_id: trace,
        ..TransactionRecord::new_pending(caller.user_id.clone(), key, what, created_at)
    }
}

/// Who may record what, given the account's `facts` (`None`: no such account): a
/// customer records on their own accounts; an ADJUSTMENT is an operator's on someone
/// else's account, never their own (separation of duties: an operator cannot pay
/// themselves). Another user's account answers like an unknown one. Returns the
/// account's currency and, for an adjustment, its holder.
fn authorise(
    caller: &Caller,
    request: &TransactionRequest,
    facts: Option<Facts>,
) -> Result<(Currency, Option<UserId>), AppError> {
    let adjustment = matches!(request.kind, TransactionKind::Adjustment { .. });
    if adjustment && !caller.operator {
        return Err(AppError::forbidden(
            "Only operators (group admin) may record ADJUSTMENT transactions.",
        ));
    }
    if adjustment && request.description.is_none() {
        return Err(AppError::validation(
            "description",
            "description is required for an ADJUSTMENT: say why the balance is corrected.",
        ));
    }
    let facts = facts.ok_or_else(|| AppError::not_found("Account"))?;
    let own = facts.owner_id == caller.user_id;
    match (adjustment, own) {
        (false, true) => Ok((facts.currency, None)),
        (false, false) => Err(AppError::not_found("Account")),
        (true, true) => Err(AppError::separation_of_duties(
            "Operators cannot adjust their own accounts: another operator must.",
        )),
        (true, false) => Ok((facts.currency, Some(facts.owner_id))),
    }
}

/// Same key: same request replays the first answer; another request is refused.
fn replay(attempt: &TransactionRecord, existing: TransactionRecord) -> Result<Recorded, AppError> {
    if existing.request_hash != attempt.request_hash {
        tracing::info!(transaction_id = %existing.transaction_id, "idempotency key reused with another payload");
        return Err(AppError::idempotency_key_reused(
            "This Idempotency-Key was already used with a different request body; use a new key for a new transaction.",
        ));
    }
    tracing::info!(transaction_id = %existing.transaction_id, "idempotent replay");
    // Items recorded before bodies were rendered from the item keep theirs.
    let body = existing.response.clone().unwrap_or_else(|| {
        crate::views::transaction(&existing.as_recorded(), View::Source).to_string()
    });
    Ok(Recorded {
        record: existing,
        body,
        replayed: true,
    })
}
