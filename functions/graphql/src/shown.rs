//! `Account.transactions`: the parent values are Accounts this resolver answered to
//! this caller (AppSync alone invokes it), not read again. AppSync sends a page of
//! accounts as one `BatchInvoke`; their histories are read together
//! ([`shared::app::Bank::shown_histories`]: each account's index queries concurrently,
//! then the items of every account in one `BatchGetItem` per 100 keys).

use serde_json::Value;
use shared::app::{AppError, Caller, ShownHistory};
use shared::domain::AccountId;

use crate::Inner;
use crate::event::ResolverEvent;
use crate::resolve::{limit, principal, transactions_page};

/// What one context asks for.
struct Asked<'a> {
    position: usize,
    account: AccountId,
    limit: i32,
    next_token: Option<&'a str>,
}

impl Inner {
    /// The answers to `Account.transactions` contexts, in their order, each on its own.
    pub(crate) async fn shown(&self, events: &[&ResolverEvent]) -> Vec<Result<Value, AppError>> {
        let mut answers: Vec<Option<Result<Value, AppError>>> = vec![None; events.len()];
        // One read per caller (AppSync's contexts of one request share theirs).
        let mut groups: Vec<(Caller, Vec<Asked<'_>>)> = Vec::new();
        for (position, event) in events.iter().enumerate() {
            match asked(position, event) {
                Ok((caller, asked)) => match groups.iter_mut().find(|(c, _)| *c == caller) {
                    Some((_, group)) => group.push(asked),
                    None => groups.push((caller, vec![asked])),
                },
                Err(error) => answers[position] = Some(Err(error)),
            }
        }
        for (caller, group) in groups {
            let shown: Vec<ShownHistory<'_>> = group
                .iter()
                .map(|a| ShownHistory {
                    account: a.account,
                    limit: a.limit,
                    next_token: a.next_token,
                })
                .collect();
            let listed = self
                .bank
                .shown_histories(&caller, &self.pages, &shown)
                .await;
            for (a, listed) in group.iter().zip(listed) {
                answers[a.position] = Some(listed.map(transactions_page));
            }
        }
        answers
            .into_iter()
            .map(|answer| answer.unwrap_or_else(|| Err(AppError::internal())))
            .collect()
    }
}

/// The caller of one context and what it asks for, or why it cannot be answered.
fn asked(position: usize, event: &ResolverEvent) -> Result<(Caller, Asked<'_>), AppError> {
    let caller = principal(event)?.caller().clone();
    let account = event
        .source
        .as_ref()
        .and_then(|account| account.get("accountId"))
        .and_then(Value::as_str)
        .and_then(|id| AccountId::parse(id).ok())
        .ok_or_else(|| AppError::not_found("Account"))?;
    Ok((
        caller,
        Asked {
            position,
            account,
            limit: limit(event)?,
            next_token: event.text("nextToken"),
        },
    ))
}
