//! An account's history: the transactions recorded on it and the transfers it
//! received, merged newest first, with one opaque token over both indexes.

use std::cmp::Ordering;

use super::attrs::Item;
use super::paging::{Page, PageToken, Part};
use super::record::{TransactionRecord, View};
use super::schema::{attr, index};
use super::transactions::HistoryQuery;
use super::{StatusChange, StoreError, TransactionsTable};

/// One entry of an account's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryEntry {
    Transaction(Box<TransactionRecord>),
    /// The account was frozen, unfrozen or closed.
    StatusChange(StatusChange),
}

impl HistoryEntry {
    /// Reads an item of the account history index.
    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        if StatusChange::is_one(item) {
            StatusChange::from_item(item).map(Self::StatusChange)
        } else {
            TransactionRecord::from_item(item).map(|t| Self::Transaction(Box::new(t)))
        }
    }

    fn created_at(&self) -> &str {
        match self {
            Self::Transaction(record) => &record.created_at,
            Self::StatusChange(change) => &change.created_at,
        }
    }

    fn to_item(&self) -> Item {
        match self {
            Self::Transaction(record) => record.to_item(),
            Self::StatusChange(change) => change.to_item(),
        }
    }
}

/// The prefixes of the two listings' positions inside one token.
const RECORDED: &str = "o.";
const INCOMING: &str = "i.";

/// One of the two listings being merged.
struct Listing {
    prefix: &'static str,
    view: View,
    index: &'static str,
    key_attr: &'static str,
    start: Part,
    fetched: Vec<HistoryEntry>,
    taken: usize,
    /// Where the query stopped; `None`: nothing after what was fetched.
    after_fetched: Option<PageToken>,
}

impl Listing {
    fn new(prefix: &'static str, view: View, token: Option<&PageToken>) -> Self {
        let (index, key_attr) = match view {
            View::Source | View::Holder => (index::ACCOUNT_HISTORY, attr::ACCOUNT_ID),
            View::Destination => (index::INCOMING_HISTORY, attr::TO_ACCOUNT_ID),
        };
        let start = token.map_or(Part::Start, |t| t.part(prefix));
        Self {
            prefix,
            view,
            index,
            key_attr,
            start,
            fetched: Vec::new(),
            taken: 0,
            after_fetched: None,
        }
    }

    fn peek(&self) -> Option<&HistoryEntry> {
        self.fetched.get(self.taken)
    }

    /// Where this listing resumes after what the page took.
    fn resume(&self) -> Part {
        if self.fetched.len() <= self.taken {
            // Everything fetched was taken: resume where the query stopped (after
            // items the filter dropped, if any), or nowhere.
            return self.after_fetched.clone().map_or(Part::Done, Part::At);
        }
        match self
            .taken
            .checked_sub(1)
            .and_then(|last| self.fetched.get(last))
        {
            Some(last) => Part::At(PageToken::from_item_keys(
                &last.to_item(),
                &[attr::IDEMPOTENCY_KEY, self.key_attr, attr::CREATED_AT],
            )),
            None => self.start.clone(),
        }
    }
}

/// An account's two listings and the index entries their queries returned.
type Queried = Result<([Listing; 2], [Vec<Item>; 2]), StoreError>;

/// One account's history page to read: the account, the page size, where to resume.
#[derive(Debug, Clone, Copy)]
pub struct HistoryRequest<'a> {
    pub account_id: &'a str,
    pub limit: i32,
    pub token: Option<&'a PageToken>,
}

impl TransactionsTable {
    /// The account's history: the transactions recorded on it, the transfers into it
    /// and its status changes, newest first, each paired with the [`View`] it was
    /// listed under (recorded on the account, or received).
    pub async fn account_history(
        &self,
        account_id: &str,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Page<(HistoryEntry, View)>, StoreError> {
        let request = HistoryRequest {
            account_id,
            limit,
            token,
        };
        let (listings, entries) = self.history_entries(&request).await?;
        // Both listings' items in one read.
        let whole = self.whole(&entries.concat()).await?;
        merged(listings, &entries, &mut whole.into_iter(), limit)
    }

    /// Several accounts' history pages (a GraphQL page of accounts with their
    /// transactions), in the order asked: each account's two listings queried
    /// concurrently, then every item behind them read in one strongly consistent
    /// `BatchGetItem` per 100 keys across all the accounts.
    pub async fn account_histories(
        &self,
        requests: &[HistoryRequest<'_>],
    ) -> Vec<Result<Page<(HistoryEntry, View)>, StoreError>> {
        let mut queried = self.all_history_entries(requests).await;
        // Every account's entries, both listings, in one read.
        let keys: Vec<Item> = queried
            .iter()
            .flatten()
            .flat_map(|(_, entries)| entries.iter().flatten().cloned())
            .collect();
        let whole = match self.whole(&keys).await {
            Ok(whole) => whole,
            Err(error) => {
                let code = error.code().unwrap_or("BatchGetItemFailed").to_owned();
                let message = error.to_string();
                for query in &mut queried {
                    if query.is_ok() {
                        *query = Err(StoreError::service("BatchGetItem", &code, message.clone()));
                    }
                }
                Vec::new()
            }
        };
        let mut items = whole.into_iter();
        queried
            .into_iter()
            .zip(requests)
            .map(|(queried, request)| {
                let (listings, entries) = queried?;
                merged(listings, &entries, &mut items, request.limit)
            })
            .collect()
    }

    /// [`Self::history_entries`] of every request, concurrently, in the order asked.
    async fn all_history_entries(&self, requests: &[HistoryRequest<'_>]) -> Vec<Queried> {
        let mut tasks = tokio::task::JoinSet::new();
        for (position, request) in requests.iter().enumerate() {
            let table = self.clone();
            let (account, limit, token) = (
                request.account_id.to_owned(),
                request.limit,
                request.token.cloned(),
            );
            tasks.spawn(async move {
                let request = HistoryRequest {
                    account_id: &account,
                    limit,
                    token: token.as_ref(),
                };
                (position, table.history_entries(&request).await)
            });
        }
        let mut queried: Vec<Queried> = requests
            .iter()
            .map(|_| {
                Err(StoreError::service(
                    "Query",
                    "TaskFailed",
                    "history query not run",
                ))
            })
            .collect();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((position, result)) => {
                    if let Some(slot) = queried.get_mut(position) {
                        *slot = result;
                    }
                }
                Err(e) => tracing::error!(error = %e, "history query task failed"),
            }
        }
        queried
    }

    /// One account's two listings, and the page of index entries each query returned.
    async fn history_entries(&self, request: &HistoryRequest<'_>) -> Queried {
        let token = request.token;
        if let Some(token) = token {
            token.only_parts(&[RECORDED, INCOMING])?;
        }
        let mut listings = [
            Listing::new(RECORDED, View::Source, token),
            Listing::new(INCOMING, View::Destination, token),
        ];
        let mut entries = [Vec::new(), Vec::new()];
        for (listing, entries) in listings.iter_mut().zip(&mut entries) {
            let cursor = match &listing.start {
                Part::Done => continue,
                Part::Start => None,
                Part::At(cursor) => Some(cursor),
            };
            // A transfer's receiver sees it once it COMPLETED, never before.
            let completed_only = listing.view == View::Destination;
            let query = HistoryQuery {
                index_name: listing.index,
                key_attr: listing.key_attr,
                key_value: request.account_id,
                limit: request.limit,
                completed_only,
            };
            let page = self.query_entries(&query, cursor).await?;
            listing.after_fetched = page.next;
            *entries = page.items;
        }
        Ok((listings, entries))
    }
}

/// The page of `listings` whose queries returned `entries`, their items taken in
/// order from `items` (the whole items behind the entries).
fn merged(
    mut listings: [Listing; 2],
    entries: &[Vec<Item>; 2],
    items: &mut impl Iterator<Item = Item>,
    limit: i32,
) -> Result<Page<(HistoryEntry, View)>, StoreError> {
    for (listing, entries) in listings.iter_mut().zip(entries) {
        listing.fetched = items
            .by_ref()
            .take(entries.len())
            .map(|item| HistoryEntry::from_item(&item))
            .collect::<Result<_, _>>()?;
    }
    Ok(merge(&mut listings, usize::try_from(limit).unwrap_or(0)))
}

fn newest_first(a: &HistoryEntry, b: &HistoryEntry) -> Ordering {
    b.created_at().cmp(a.created_at())
}

fn merge(listings: &mut [Listing; 2], limit: usize) -> Page<(HistoryEntry, View)> {
    let mut items = Vec::with_capacity(limit);
    while items.len() < limit {
        let pick = match (listings[0].peek(), listings[1].peek()) {
            (Some(a), Some(b)) => usize::from(newest_first(a, b) == Ordering::Greater),
            (Some(_), None) => 0,
            (None, Some(_)) => 1,
            (None, None) => break,
        };
        let listing = &mut listings[pick];
        if let Some(record) = listing.peek().cloned() {
            items.push((record, listing.view));
        }
        listing.taken += 1;
    }
    let parts: Vec<(&str, Part)> = listings.iter().map(|l| (l.prefix, l.resume())).collect();
    let more = parts.iter().any(|(_, part)| *part != Part::Done);
    Page {
        items,
        next: more.then(|| PageToken::combine(&parts)),
    }
}
