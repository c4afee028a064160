//! Accounts: open (idempotently), list and read them, an account's history, and its
//! status changes (the owner closes; operators freeze and unfreeze, never their own).

use crate::clock::Timestamp;
use crate::domain::lifecycle::{Lifecycle, LifecycleError};
use crate::domain::{AccountId, Balance, IdempotencyKey, TransactionId};
use crate::paging::{BoundSealer, Listing, PageSealer};
use crate::store::{
    Account, HistoryEntry, HistoryRequest, Opened, Page, PageToken, StatusChange,
    TransactionRecord, View,
};

use super::{AppError, Bank, Caller, Listed, bind, input, listed, open_token};

/// Reads of the account before giving up when it keeps changing under a status change.
const STATUS_ATTEMPTS: usize = 3;

/// An entry of an account's history and the view its reader gets of it.
pub type History = (HistoryEntry, View);

/// One account's history page asked for by [`Bank::shown_histories`].
#[derive(Debug, Clone, Copy)]
pub struct ShownHistory<'a> {
    pub account: AccountId,
    pub limit: i32,
    pub next_token: Option<&'a str>,
}

/// A history page as `caller` sees it, its next token sealed for `pages`.
fn shown(
    page: Page<History>,
    pages: &BoundSealer<'_>,
    caller: &Caller,
) -> Result<Listed<History>, AppError> {
    listed(page, pages, |(entry, view)| {
        let view = match &entry {
            HistoryEntry::Transaction(record) => history_view(record, view, caller),
            HistoryEntry::StatusChange(_) => view,
        };
        (entry, view)
    })
}

impl Bank {
    /// Opens an account for `caller`; with an Idempotency-Key, a retry answers with the
    /// account the first request opened (`true`: a replay), and the key reused for
    /// another name or currency is refused.
    pub async fn open_account(
        &self,
        caller: &Caller,
        name: Option<&str>,
        currency: Option<&str>,
        key: Option<&IdempotencyKey>,
    ) -> Result<(Account, bool), AppError> {
        let name = input::account_name(name)?;
        let currency = input::currency(currency)?;
        let now = Timestamp::now();
        let account = match key {
            Some(key) => Account::open_with_key(&caller.user_id, key, &name, currency, &now),
            None => Account::open(&caller.user_id, &name, currency, &now),
        };
        let opened = self
            .accounts
            .create(&account)
            .await
            .map_err(|e| AppError::storage("PutItem account", &e))?;
        match opened {
            Opened::Created => {
                tracing::info!(account_id = %account.account_id, currency = currency.as_str(), "account opened");
                Ok((account, false))
            }
            Opened::Exists(existing) => {
                // Its id comes from this caller and key: only this caller's earlier
                // request can have made it.
                if existing.owner_id != caller.user_id
                    || existing.request_hash != account.request_hash
                {
                    tracing::info!(account_id = %existing.account_id, "idempotency key reused with another account request");
                    return Err(AppError::idempotency_key_reused(
                        "This Idempotency-Key was already used to open an account with another name or currency; use a new key for a new account.",
                    ));
                }
                tracing::info!(account_id = %existing.account_id, "idempotent replay");
                Ok((existing.as_opened(), true))
            }
        }
    }

    /// The caller's accounts, oldest first, a page at a time.
    pub async fn list_accounts(
        &self,
        caller: &Caller,
        pages: &PageSealer,
        limit: i32,
        next_token: Option<&str>,
    ) -> Result<Listed<Account>, AppError> {
        let pages = bind(pages, caller, Listing::Accounts);
        let token = open_token(next_token, &pages)?;
        let page = self
            .accounts
            .list_by_owner(&caller.user_id, limit, token.as_ref())
            .await
            .map_err(|e| AppError::storage("Query accounts", &e))?;
        listed(page, &pages, |account| account)
    }

    /// The caller's account `id` (any account for an operator, who audits), or
    /// `NOT_FOUND` (malformed id, missing, or someone else's).
    pub async fn account(&self, caller: &Caller, id: &str) -> Result<Account, AppError> {
        let Ok(id) = AccountId::parse(id) else {
            return Err(AppError::not_found("Account"));
        };
        self.accounts
            .get(&id)
            .await
            .map_err(|e| AppError::storage("GetItem account", &e))?
            .filter(|account| account.owner_id == caller.user_id || caller.operator)
            .ok_or_else(|| AppError::not_found("Account"))
    }

    /// Account `id`'s history, newest first: its transactions (each with the view
    /// the caller gets of it) and status changes.
    pub async fn history(
        &self,
        caller: &Caller,
        pages: &PageSealer,
        id: &str,
        limit: i32,
        next_token: Option<&str>,
    ) -> Result<Listed<History>, AppError> {
        // Bound to the account's canonical id, however the client spelled it; a token
        // that does not open is refused before anything is read.
        let canonical = AccountId::parse(id).map_or_else(|_| id.to_owned(), |a| a.to_string());
        let pages = bind(pages, caller, Listing::AccountHistory(&canonical));
        let token = open_token(next_token, &pages)?;
        self.account(caller, id).await?;
        self.history_page(caller, &pages, &canonical, limit, token.as_ref())
            .await
    }

    /// As [`Bank::history`], for accounts the caller was already shown (the parent
    /// values of GraphQL's `Account.transactions`, which the resolver itself produced
    /// for this caller): no second read of the accounts, and the items of every
    /// account's page read together. Answers in the order asked, each on its own.
    pub async fn shown_histories(
        &self,
        caller: &Caller,
        pages: &PageSealer,
        asked: &[ShownHistory<'_>],
    ) -> Vec<Result<Listed<History>, AppError>> {
        let ids: Vec<String> = asked.iter().map(|a| a.account.to_string()).collect();
        let sealers: Vec<BoundSealer<'_>> = ids
            .iter()
            .map(|id| bind(pages, caller, Listing::AccountHistory(id)))
            .collect();
        // A token that does not open fails its account alone, before anything is read.
        let tokens: Vec<Result<Option<PageToken>, AppError>> = asked
            .iter()
            .zip(&sealers)
            .map(|(a, sealer)| open_token(a.next_token, sealer))
            .collect();
        let requests: Vec<HistoryRequest<'_>> = tokens
            .iter()
            .zip(asked.iter().zip(&ids))
            .filter_map(|(token, (a, id))| {
                Some(HistoryRequest {
                    account_id: id,
                    limit: a.limit,
                    token: token.as_ref().ok()?.as_ref(),
                })
            })
            .collect();
        let mut read = self
            .transactions
            .account_histories(&requests)
            .await
            .into_iter();
        tokens
            .iter()
            .zip(&sealers)
            .map(|(token, sealer)| {
                if let Err(error) = token {
                    return Err(error.clone());
                }
                let page = read
                    .next()
                    .ok_or_else(AppError::internal)?
                    .map_err(|e| AppError::storage("Query history", &e))?;
                shown(page, sealer, caller)
            })
            .collect()
    }

    /// A page of account `id`'s history from `token`, each entry with the view the
    /// caller gets of it.
    async fn history_page(
        &self,
        caller: &Caller,
        pages: &BoundSealer<'_>,
        id: &str,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Listed<History>, AppError> {
        let page = self
            .transactions
            .account_history(id, limit, token)
            .await
            .map_err(|e| AppError::storage("Query history", &e))?;
        shown(page, pages, caller)
    }

    /// Closes, freezes or unfreezes account `id`, recording who, when and why in its
    /// history in the same write; answers with the account as changed.
    pub async fn change_status(
        &self,
        caller: &Caller,
        id: &str,
        action: Lifecycle,
        reason: Option<&str>,
    ) -> Result<Account, AppError> {
        let by_operator = action != Lifecycle::Close;
        if by_operator && !caller.operator {
            return Err(AppError::forbidden(
                "Only operators (group admin) may freeze or unfreeze accounts.",
            ));
        }
        let reason = input::status_reason(reason, by_operator)?;
        let Ok(account_id) = AccountId::parse(id) else {
            return Err(AppError::not_found("Account"));
        };
        for _ in 0..STATUS_ATTEMPTS {
            let account = self
                .accounts
                .get(&account_id)
                .await
                .map_err(|e| AppError::storage("GetItem account", &e))?
                // The owner closes; operators see every account.
                .filter(|a| a.owner_id == caller.user_id || by_operator)
                .ok_or_else(|| AppError::not_found("Account"))?;
            if by_operator && account.owner_id == caller.user_id {
                return Err(AppError::separation_of_duties(
                    "Operators cannot freeze or unfreeze their own accounts: another operator must.",
                ));
            }
            // Nothing posted, nothing held, nothing waiting.
            let empty = action != Lifecycle::Close
                || (account.balance == Balance::ZERO
                    && account.held == Balance::ZERO
                    && !self
                        .ledger
                        .has_pending(account.account_id)
                        .await
                        .map_err(|e| AppError::storage("Query pending", &e))?);
            let to = action.next(account.status, empty).map_err(refused)?;
            let now = Timestamp::now();
            let change = StatusChange {
                event_id: TransactionId::new_random(),
                account_id: account.account_id,
                holder_id: account.owner_id.clone(),
                from: account.status,
                to,
                reason: reason.clone(),
                initiated_by: caller.user_id.clone(),
                created_at: now.clone(),
            };
            let written = self
                .ledger
                .change_status(&account, &change)
                .await
                .map_err(|e| AppError::storage("TransactWriteItems status", &e))?;
            if written {
                tracing::info!(account_id = %account.account_id, from = change.from.as_str(), to = to.as_str(), "account status changed");
                let mut changed = account;
                changed.status = to;
                changed.updated_at = now;
                return Ok(changed);
            }
        }
        Err(AppError::conflict(
            "ACCOUNT_CHANGED",
            "The account kept changing while its status was being changed; try again.",
        ))
    }
}

/// How an entry of an account's history is shown to `caller` (its owner or an
/// operator): a transaction recorded on the account by the rule of
/// [`TransactionRecord::recorded_view`] (the owner is the holder when someone else
/// recorded it), a received transfer from the receiver's side.
pub(super) fn history_view(record: &TransactionRecord, listed: View, caller: &Caller) -> View {
    match listed {
        View::Source | View::Holder => record
            .recorded_view(&caller.user_id, caller.operator)
            .unwrap_or(View::Holder),
        View::Destination => View::Destination,
    }
}

fn refused(error: LifecycleError) -> AppError {
    let code = match error {
        LifecycleError::NotOpen(_) => "ACCOUNT_NOT_OPEN",
        LifecycleError::NotFrozen(_) => "ACCOUNT_NOT_FROZEN",
        LifecycleError::NotEmpty => "ACCOUNT_NOT_EMPTY",
    };
    let mut message = error.to_string();
    if let Some(first) = message.get(..1) {
        message = format!("{}{}.", first.to_uppercase(), &message[1..]);
    }
    AppError::conflict(code, message)
}
