//! One field: its arguments read, the application called, the result rendered as the
//! schema's type (`graphql/schema.graphql`).

use serde_json::{Map, Value, json};
use shared::app::{
    AppError, Caller, ErrorKind, History, Listed, PeriodQuery, Recorded, ReverseInput,
    TransactionInput,
};
use shared::domain::page::page_size;
use shared::domain::{EXAMPLE_UUID, IdempotencyKey};
use shared::store::{HistoryEntry, View};
use shared::views;

use crate::Inner;
use crate::event::{Identity, Principal, ResolverEvent};

impl Inner {
    /// The value of the field `event` names, for its caller.
    pub(crate) async fn resolve(&self, event: &ResolverEvent) -> Result<Value, AppError> {
        let principal = principal(event)?;
        if event.info.parent_type_name == "Mutation" {
            // The schema keeps mutations to Cognito users; this holds even if it did not.
            let Principal::User(caller) = &principal else {
                return Err(unauthorized(
                    "IAM principals read; opening accounts and recording transactions take a signed-in user (Cognito).",
                ));
            };
            return self.mutation(caller, event).await;
        }
        self.read(&principal, event).await
    }

    /// A field of `Query` or of an object a query answered.
    async fn read(&self, principal: &Principal, event: &ResolverEvent) -> Result<Value, AppError> {
        let (bank, caller) = (&self.bank, principal.caller());
        let iam = matches!(principal, Principal::Iam(_));
        match (
            event.info.parent_type_name.as_str(),
            event.info.field_name.as_str(),
        ) {
            // An IAM principal owns no account and recorded nothing.
            ("Query", "accounts") if iam => nothing_owned(event),
            ("Query", "accounts") => {
                let listed = bank
                    .list_accounts(caller, &self.pages, limit(event)?, event.text("nextToken"))
                    .await?;
                Ok(page(&listed, views::account))
            }
            ("Query", "account") => {
                let id = event.text("accountId").unwrap_or_default();
                Ok(views::account(&bank.account(caller, id).await?))
            }
            ("Query", "transactions") => match event.text("accountId") {
                Some(id) => self.history(caller, event, id).await,
                None if iam => nothing_owned(event),
                None => {
                    let listed = bank
                        .list_transactions(
                            caller,
                            &self.pages,
                            limit(event)?,
                            event.text("nextToken"),
                        )
                        .await?;
                    Ok(page(&listed, |record| {
                        views::transaction(record, View::Source)
                    }))
                }
            },
            ("Query", "balance") => {
                let id = event.text("accountId").unwrap_or_default();
                let balance = bank.balance_at(caller, id, event.text("at")).await?;
                Ok(views::balance_at(&balance))
            }
            ("Query", "transaction") => {
                let id = event.text("transactionId").unwrap_or_default();
                let (record, view) = bank.transaction(caller, id).await?;
                Ok(views::transaction(&record, view))
            }
            ("Account", "transactions") => self
                .shown(&[event])
                .await
                .pop()
                .unwrap_or_else(|| Err(AppError::internal())),
            _ => Err(no_resolver(event)),
        }
    }

    /// A field of `Mutation`, for a Cognito user.
    async fn mutation(&self, caller: &Caller, event: &ResolverEvent) -> Result<Value, AppError> {
        match event.info.field_name.as_str() {
            "openAccount" => {
                let input = event.object("input");
                let text = |name: &str| input.and_then(|i| i.get(name)).and_then(Value::as_str);
                let key = event.text("idempotencyKey").map(key).transpose()?;
                let (account, _replayed) = self
                    .bank
                    .open_account(caller, text("name"), text("currency"), key.as_ref())
                    .await?;
                Ok(views::account(&account))
            }
            "requestTransaction" => self.request(caller, event).await,
            "captureHold" | "voidHold" | "reverseTransaction" => self.act(caller, event).await,
            _ => Err(no_resolver(event)),
        }
    }

    /// An account's transactions, the caller's (any, for an operator) or NOT_FOUND;
    /// with `from`/`to`, its entries settled in that period, oldest first.
    async fn history(
        &self,
        caller: &Caller,
        event: &ResolverEvent,
        account: &str,
    ) -> Result<Value, AppError> {
        let (limit, token) = (limit(event)?, event.text("nextToken"));
        let period = PeriodQuery {
            from: event.text("from"),
            to: event.text("to"),
        };
        let bank = &self.bank;
        let listed = if period.is_set() {
            bank.period_history(caller, &self.pages, account, period, limit, token)
                .await?
        } else {
            bank.history(caller, &self.pages, account, limit, token)
                .await?
        };
        Ok(transactions_page(listed))
    }

    async fn request(&self, caller: &Caller, event: &ResolverEvent) -> Result<Value, AppError> {
        let key = key(event.text("idempotencyKey").unwrap_or_default())?;
        let empty = Map::new();
        let input = event.object("input").unwrap_or(&empty);
        let text = |name: &str| input.get(name).and_then(Value::as_str);
        // The schema makes amount a String: its JSON text is a quoted decimal.
        let amount = Value::from(text("amount").unwrap_or_default()).to_string();
        let request = TransactionInput {
            account_id: text("accountId").unwrap_or_default(),
            kind: text("type").unwrap_or_default(),
            amount_json: &amount,
            to_account_id: text("toAccountId"),
            description: text("description"),
            expires_at: text("expiresAt"),
        }
        .validate()?;
        let recorded = self.bank.record(caller, key, &request).await?;
        self.receipt(&recorded)
    }

    /// `captureHold`, `voidHold` or `reverseTransaction`: a transaction acting on the
    /// one `transactionId` names, recorded as its REST route records it.
    async fn act(&self, caller: &Caller, event: &ResolverEvent) -> Result<Value, AppError> {
        let key = key(event.text("idempotencyKey").unwrap_or_default())?;
        let id = event.text("transactionId").unwrap_or_default();
        // The schema makes amount a String: its JSON text is a quoted decimal.
        let amount = event.text("amount").map(|a| Value::from(a).to_string());
        let bank = &self.bank;
        let recorded = match event.info.field_name.as_str() {
            "captureHold" => {
                bank.capture(caller, key, id, amount.as_deref(), None)
                    .await?
            }
            "voidHold" => bank.void(caller, key, id, None).await?,
            _ => {
                let input = ReverseInput {
                    amount_json: amount.as_deref(),
                    description: event.text("description"),
                };
                bank.reverse(caller, key, id, input, None).await?
            }
        };
        self.receipt(&recorded)
    }

    /// A `TransactionReceipt`: the first answer, byte for byte on a replay, as REST's.
    fn receipt(&self, recorded: &Recorded) -> Result<Value, AppError> {
        recorded.emit_metrics(&self.metrics);
        let transaction: Value = serde_json::from_str(&recorded.body).map_err(|e| {
            tracing::error!(error = %e, "stored answer is not JSON");
            AppError::internal()
        })?;
        Ok(json!({ "transaction": transaction, "replayed": recorded.replayed }))
    }
}

/// Who calls: a Cognito user or an IAM principal, else `UNAUTHORIZED`.
pub(crate) fn principal(event: &ResolverEvent) -> Result<Principal, AppError> {
    event
        .identity
        .as_ref()
        .and_then(Identity::principal)
        .ok_or_else(|| {
            unauthorized("This API answers signed-in users (Cognito) and IAM principals; the caller is neither.")
        })
}

/// A page of an account's history as a `TransactionPage`: its transactions (status
/// changes are not transactions; the REST history shows them).
pub(crate) fn transactions_page(listed: Listed<History>) -> Value {
    let transactions = Listed {
        items: listed
            .items
            .into_iter()
            .filter(|(entry, _)| matches!(entry, HistoryEntry::Transaction(_)))
            .collect::<Vec<History>>(),
        next_token: listed.next_token,
    };
    page(&transactions, |(entry, view)| {
        views::history_entry(entry, *view)
    })
}

/// `UNAUTHORIZED`: the caller may not call this field (AppSync's auth passed them).
fn unauthorized(message: &str) -> AppError {
    AppError::new(ErrorKind::Forbidden, "UNAUTHORIZED", message)
}

/// A field the template routes here that this resolver does not know.
fn no_resolver(event: &ResolverEvent) -> AppError {
    tracing::error!(field = %event.field(), "no resolver for this field");
    AppError::internal()
}

/// The caller's own accounts or recorded transactions when they own and record
/// nothing (an IAM principal): an empty last page, read from no table. The limit is
/// checked as for anyone; no page token was ever sealed for this listing, so any
/// `nextToken` is `INVALID_NEXT_TOKEN`, as a foreign one is.
fn nothing_owned(event: &ResolverEvent) -> Result<Value, AppError> {
    limit(event)?;
    if event.text("nextToken").is_some() {
        return Err(AppError::invalid_next_token());
    }
    Ok(json!({ "items": [], "nextToken": null }))
}

/// The page size asked for.
pub(crate) fn limit(event: &ResolverEvent) -> Result<i32, AppError> {
    page_size(event.int("limit")).map_err(|e| AppError::validation("limit", e.to_string()))
}

/// An Idempotency-Key given as the `idempotencyKey` argument.
fn key(text: &str) -> Result<IdempotencyKey, AppError> {
    IdempotencyKey::parse(text).map_err(|_| {
        AppError::validation(
            "idempotencyKey",
            format!("idempotencyKey must be a UUID, such as {EXAMPLE_UUID}."),
        )
    })
}

/// `{items, nextToken}`.
fn page<T>(listed: &Listed<T>, render: impl Fn(&T) -> Value) -> Value {
    json!({
        "items": listed.items.iter().map(render).collect::<Vec<_>>(),
        "nextToken": listed.next_token,
    })
}
