//! The application: what a caller may do with accounts and transactions. One rule for
//! ownership, idempotency, money parsing and paging, behind every edge: the REST
//! functions (through [`crate::http`]) and the GraphQL resolver parse their input into
//! these calls, render the results with [`crate::views`], and map [`AppError`] to
//! their own error shape.
//!
//! Anything a caller may not see answers exactly like something that does not exist.

mod accounts;
mod error;
pub mod facts;
mod holds;
pub mod input;
mod ledger;
mod transactions;

pub use accounts::{History, ShownHistory};
pub use error::{AppError, ErrorKind};
pub use holds::ReverseInput;
pub use input::{TransactionInput, TransactionRequest};
pub use ledger::{BalanceAt, PeriodQuery, ledger_time};
pub use transactions::Recorded;

use crate::domain::UserId;
use crate::paging::{BoundSealer, Listing, PageSealer};
use crate::store::{AccountsTable, Ledger, Page, PageToken, TableNames, TransactionsTable};
use facts::AccountFacts;

/// Who is asking: a user, and whether they are an operator (Cognito group `admin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub operator: bool,
}

/// A page of a listing: its items and the sealed token of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// Sealed for the caller and the listing; `None` on the last page.
    pub next_token: Option<String>,
}

/// The tables and caches of the application, built once per execution environment.
#[derive(Debug)]
pub struct Bank {
    pub accounts: AccountsTable,
    pub transactions: TransactionsTable,
    /// Both tables together (an account's status change and its history entry).
    pub ledger: Ledger,
    facts: AccountFacts,
}

impl Bank {
    /// The tables `names`, through one DynamoDB client for `config`.
    pub fn new(config: &crate::aws::SdkConfig, names: &TableNames) -> Self {
        let client = crate::aws::dynamodb(config);
        Self {
            accounts: AccountsTable::new(client.clone(), &names.accounts),
            transactions: TransactionsTable::new(client.clone(), &names.transactions),
            ledger: Ledger::new(client, &names.accounts, &names.transactions),
            facts: AccountFacts::default(),
        }
    }

    /// Account lookups served from the cache (hits) and from the table (misses).
    pub fn account_lookups(&self) -> crate::cache::CacheStats {
        self.facts.stats()
    }
}

/// Opens `token` (a client's `nextToken`) for `pages`' caller and listing.
fn open_token(token: Option<&str>, pages: &BoundSealer<'_>) -> Result<Option<PageToken>, AppError> {
    token
        .map(|text| PageToken::open(text, pages).map_err(|_| AppError::invalid_next_token()))
        .transpose()
}

/// `page` with its next token sealed for `pages`' caller and listing.
fn listed<T, U>(
    page: Page<T>,
    pages: &BoundSealer<'_>,
    item: impl FnMut(T) -> U,
) -> Result<Listed<U>, AppError> {
    let next_token = page
        .next
        .as_ref()
        .map(|token| {
            token.seal(pages).map_err(|e| {
                tracing::error!(error = %e, listing = %pages.listing(), "page token not sealed");
                AppError::internal()
            })
        })
        .transpose()?;
    Ok(Listed {
        items: page.items.into_iter().map(item).collect(),
        next_token,
    })
}

/// The sealer of `caller`'s `listing`.
fn bind<'a>(pages: &'a PageSealer, caller: &'a Caller, listing: Listing<'a>) -> BoundSealer<'a> {
    pages.bind(&caller.user_id, listing)
}
