//! An account's ledger: its completed entries in settlement order, read from the two
//! sparse ledger indexes (`LedgerIndex`: recorded on the account; `IncomingLedgerIndex`:
//! transfers into it) and merged by the account's entry key (`<settledAt>#<version>`).
//!
//! Every read is a bounded number of queries on the account's own partition: a page
//! of a period (one query per index), the balance as of an instant (one query per
//! index, newest first, one item), never a scan of the account's history.

use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::s;
use super::paging::{Page, PageToken, Part, resumed_query_error};
use super::record::{TransactionRecord, View};
use super::schema::{attr, index};
use super::{StoreError, TransactionsTable};
use crate::domain::{ChainHead, LedgerEntry, Role};

/// The prefixes of the two indexes' positions inside one token.
const RECORDED: &str = "o.";
const INCOMING: &str = "i.";

/// A range of entry keys: `from` inclusive, `to` exclusive, each an instant in the
/// ledger's fixed format (`2026-11-01T00:00:00.000000Z`); `None` is open-ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryRange {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One side of the ledger: its index and the attributes naming the account's side.
#[derive(Debug, Clone, Copy)]
struct Side {
    prefix: &'static str,
    role: Role,
    index: &'static str,
    account_attr: &'static str,
    key_attr: &'static str,
}

const SIDES: [Side; 2] = [
    Side {
        prefix: RECORDED,
        role: Role::Source,
        index: index::LEDGER,
        account_attr: attr::ACCOUNT_ID,
        key_attr: attr::ENTRY_KEY,
    },
    Side {
        prefix: INCOMING,
        role: Role::Destination,
        index: index::INCOMING_LEDGER,
        account_attr: attr::TO_ACCOUNT_ID,
        key_attr: attr::TO_ENTRY_KEY,
    },
];

impl Side {
    fn view(self) -> View {
        match self.role {
            Role::Source => View::Source,
            Role::Destination => View::Destination,
        }
    }

    /// The record's entry key on this side.
    fn key_of(self, record: &TransactionRecord) -> Option<String> {
        let (stamp, version) = match self.role {
            Role::Source => (record.entry.as_ref()?, record.account_version?),
            Role::Destination => (record.to_entry.as_ref()?, record.to_account_version?),
        };
        Some(stamp.key(version))
    }
}

/// One query of one side.
struct Query<'a> {
    side: Side,
    account: &'a str,
    range: &'a EntryRange,
    limit: i32,
    forward: bool,
}

impl TransactionsTable {
    /// A page of account `account`'s entries in `range`, oldest first, each with the
    /// view it was listed under (recorded on the account, or received).
    pub async fn ledger_page(
        &self,
        account: &str,
        range: &EntryRange,
        limit: i32,
        token: Option<&PageToken>,
    ) -> Result<Page<(TransactionRecord, View)>, StoreError> {
        if let Some(token) = token {
            token.only_parts(&[RECORDED, INCOMING])?;
        }
        let mut fetched: Vec<Fetched> = Vec::with_capacity(2);
        for side in SIDES {
            let start = token.map_or(Part::Start, |t| t.part(side.prefix));
            let page = match &start {
                Part::Done => Page {
                    items: Vec::new(),
                    next: None,
                },
                Part::Start | Part::At(_) => {
                    let cursor = match &start {
                        Part::At(cursor) => Some(cursor),
                        _ => None,
                    };
                    let query = Query {
                        side,
                        account,
                        range,
                        limit,
                        forward: true,
                    };
                    self.query_ledger(&query, cursor).await?
                }
            };
            fetched.push(Fetched {
                side,
                start,
                rest: page.items.into_iter().peekable(),
                next: page.next,
                last: None,
            });
        }
        Ok(merge(fetched, usize::try_from(limit).unwrap_or(0)))
    }

    /// Every entry of `account` in `range`, oldest first, with the chain head after
    /// each: what a statement lists. Pages through both indexes.
    pub async fn ledger_entries(
        &self,
        account: &str,
        range: &EntryRange,
    ) -> Result<Vec<(LedgerEntry, ChainHead)>, StoreError> {
        const PAGE: i32 = 1_000;
        let mut entries = Vec::new();
        for side in SIDES {
            let mut cursor: Option<PageToken> = None;
            loop {
                let query = Query {
                    side,
                    account,
                    range,
                    limit: PAGE,
                    forward: true,
                };
                let page = self.query_ledger(&query, cursor.as_ref()).await?;
                entries.extend(page.items.iter().filter_map(|r| r.ledger_entry(side.role)));
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        entries.sort_by_key(|(entry, _)| entry.version);
        Ok(entries)
    }

    /// The latest entry of `account` whose key sorts before `before`: the balance,
    /// version and chain head it left. One query per index. `before` is an instant
    /// (entries settled strictly before it: a statement's opening) or an instant
    /// followed by `#~`, which sorts after every version at that instant (entries
    /// settled at or before it: a balance as of).
    pub async fn latest_entry(
        &self,
        account: &str,
        before: &str,
    ) -> Result<Option<(LedgerEntry, ChainHead)>, StoreError> {
        let range = EntryRange {
            from: None,
            to: Some(before.to_owned()),
        };
        let mut latest: Option<(LedgerEntry, ChainHead)> = None;
        for side in SIDES {
            let query = Query {
                side,
                account,
                range: &range,
                limit: 1,
                forward: false,
            };
            let page = self.query_ledger(&query, None).await?;
            let found = page.items.iter().find_map(|r| r.ledger_entry(side.role));
            if let Some(found) = found
                && latest
                    .as_ref()
                    .is_none_or(|(l, _)| l.version < found.0.version)
            {
                latest = Some(found);
            }
        }
        Ok(latest)
    }

    async fn query_ledger(
        &self,
        query: &Query<'_>,
        token: Option<&PageToken>,
    ) -> Result<Page<TransactionRecord>, StoreError> {
        let side = query.side;
        let keys = [attr::IDEMPOTENCY_KEY, side.account_attr, side.key_attr];
        let (condition, bounds) = match (&query.range.from, &query.range.to) {
            (Some(from), Some(to)) => (
                "#a = :a AND #e BETWEEN :from AND :to",
                vec![(":from", from), (":to", to)],
            ),
            (Some(from), None) => ("#a = :a AND #e >= :from", vec![(":from", from)]),
            (None, Some(to)) => ("#a = :a AND #e < :to", vec![(":to", to)]),
            (None, None) => ("#a = :a", vec![]),
        };
        let mut request = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(side.index)
            .key_condition_expression(condition)
            .expression_attribute_names("#a", side.account_attr)
            .expression_attribute_values(":a", AttributeValue::S(query.account.to_owned()));
        if !bounds.is_empty() {
            request = request.expression_attribute_names("#e", side.key_attr);
        }
        for (name, value) in bounds {
            request = request.expression_attribute_values(name, s(value));
        }
        let output = request
            .scan_index_forward(query.forward)
            // One more than asked: a next token only when a next item exists.
            .limit(query.limit.saturating_add(1))
            .set_exclusive_start_key(
                token
                    .map(|t| t.start_key(&keys, side.account_attr, query.account))
                    .transpose()?,
            )
            .send()
            .await
            .map_err(|e| resumed_query_error(StoreError::sdk("Query", &e), token.is_some()))?;
        let mut page = Page::from_items(
            output.items(),
            query.limit,
            &keys,
            TransactionRecord::from_item,
        )?;
        if page.next.is_none()
            && let Some(last) = output.last_evaluated_key()
        {
            // DynamoDB stopped early (its 1 MB page): go on from where it stopped.
            page.next = Some(PageToken::from_item_keys(last, &keys));
        }
        Ok(page)
    }
}

/// One side's page while merging.
struct Fetched {
    side: Side,
    /// Where this page began.
    start: Part,
    rest: std::iter::Peekable<std::vec::IntoIter<TransactionRecord>>,
    /// Where the query stopped; `None`: nothing after what was fetched.
    next: Option<PageToken>,
    /// The last record taken.
    last: Option<TransactionRecord>,
}

/// Merges the two sides' pages by the account's entry key, oldest first, into at most
/// `limit` items, with one token resuming each side after what was taken.
fn merge(mut sides: Vec<Fetched>, limit: usize) -> Page<(TransactionRecord, View)> {
    let mut items = Vec::with_capacity(limit);
    while items.len() < limit {
        let pick = sides
            .iter_mut()
            .enumerate()
            .filter_map(|(i, f)| Some((i, f.side.key_of(f.rest.peek()?)?)))
            .min_by(|a, b| a.1.cmp(&b.1))
            .map(|(i, _)| i);
        let Some(fetched) = pick.and_then(|i| sides.get_mut(i)) else {
            break;
        };
        if let Some(record) = fetched.rest.next() {
            items.push((record.clone(), fetched.side.view()));
            fetched.last = Some(record);
        }
    }
    let parts: Vec<(&str, Part)> = sides
        .into_iter()
        .map(|mut f| {
            let part = match (f.rest.peek().is_some(), f.last) {
                // Everything fetched was taken: resume where the query stopped.
                (false, _) => f.next.map_or(Part::Done, Part::At),
                (true, Some(last)) => Part::At(PageToken::from_item_keys(
                    &last.to_item(),
                    &[attr::IDEMPOTENCY_KEY, f.side.account_attr, f.side.key_attr],
                )),
                // Nothing taken from this side: it resumes where this page began.
                (true, None) => f.start,
            };
            (f.side.prefix, part)
        })
        .collect();
    let more = parts.iter().any(|(_, part)| *part != Part::Done);
    Page {
        items,
        next: more.then(|| PageToken::combine(&parts)),
    }
}
