//! An account's ledger by time: its history over a period and its balance as of an
//! instant, both in settlement order (the account's version sequence), so they always
//! agree: the balance at `to` is the balance at `from` plus what settled in between.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::domain::{AccountId, Balance, ChainHead, Currency};
use crate::paging::{Listing, PageSealer};
use crate::store::{EntryRange, HistoryEntry};

use super::{AppError, Bank, Caller, History, Listed, bind, listed, open_token};

/// An account's balance as of an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceAt {
    pub account_id: AccountId,
    /// The instant asked for (now when none was), in the ledger's format.
    pub at: String,
    pub balance: Balance,
    pub currency: Currency,
    /// The account's version after the last entry settled at or before `at` (0: none).
    pub version: u64,
    /// The account's chain head then.
    pub head: ChainHead,
}

/// A period's bounds as given: `from` inclusive, `to` exclusive, either open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodQuery<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

impl PeriodQuery<'_> {
    /// Whether a period was asked for at all.
    pub fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    fn range(&self) -> Result<EntryRange, AppError> {
        let from = self.from.map(|t| instant("from", t)).transpose()?;
        let to = self.to.map(|t| instant("to", t)).transpose()?;
        if let (Some(from), Some(to)) = (&from, &to)
            && from >= to
        {
            return Err(AppError::validation("to", "to must be after from"));
        }
        Ok(EntryRange {
            from: from.map(|t| ledger_time(&t)),
            to: to.map(|t| ledger_time(&t)),
        })
    }
}

/// An instant as the ledger writes it: UTC, microseconds, `Z` (lexical order is time
/// order).
pub fn ledger_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `text` as an instant: RFC 3339, or a date (`YYYY-MM-DD`, its midnight UTC).
fn instant(field: &'static str, text: &str) -> Result<DateTime<Utc>, AppError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.to_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            AppError::validation(
                field,
                format!(
                    "{field} must be an RFC 3339 date-time such as 2026-11-01T00:00:00Z, or a date such as 2026-11-01"
                ),
            )
        })
}

impl Bank {
    /// Account `id`'s entries settled in the period, oldest first, a page at a time;
    /// the token is bound to the account and the period.
    pub async fn period_history(
        &self,
        caller: &Caller,
        pages: &PageSealer,
        id: &str,
        period: PeriodQuery<'_>,
        limit: i32,
        next_token: Option<&str>,
    ) -> Result<Listed<History>, AppError> {
        let range = period.range()?;
        let canonical = AccountId::parse(id).map_or_else(|_| id.to_owned(), |a| a.to_string());
        let listing = Listing::AccountLedger {
            account: &canonical,
            from: range.from.as_deref().unwrap_or(""),
            to: range.to.as_deref().unwrap_or(""),
        };
        let pages = bind(pages, caller, listing);
        let token = open_token(next_token, &pages)?;
        self.account(caller, id).await?;
        let page = self
            .transactions
            .ledger_page(&canonical, &range, limit, token.as_ref())
            .await
            .map_err(|e| AppError::storage("Query ledger", &e))?;
        listed(page, &pages, |(record, listed_as)| {
            let view = super::accounts::history_view(&record, listed_as, caller);
            (HistoryEntry::Transaction(Box::new(record)), view)
        })
    }

    /// Account `id`'s balance after every entry settled at or before `at` (now when
    /// absent). Two queries, whatever the account's history.
    pub async fn balance_at(
        &self,
        caller: &Caller,
        id: &str,
        at: Option<&str>,
    ) -> Result<BalanceAt, AppError> {
        let now = Utc::now();
        let at = at.map(|t| instant("at", t)).transpose()?.unwrap_or(now);
        if at > now {
            return Err(AppError::validation(
                "at",
                "at must not be in the future: what settles later is not known yet",
            ));
        }
        let account = self.account(caller, id).await?;
        let at = ledger_time(&at);
        let latest = self
            .transactions
            .latest_entry(&account.account_id.to_string(), &format!("{at}#~"))
            .await
            .map_err(|e| AppError::storage("Query ledger", &e))?;
        let (balance, version, head) = latest.map_or_else(
            || (Balance::ZERO, 0, ChainHead::genesis()),
            |(entry, head)| (entry.balance_after, entry.version, head),
        );
        Ok(BalanceAt {
            account_id: account.account_id,
            at,
            balance,
            currency: account.currency,
            version,
            head,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_instants_become_the_ledger_format() {
        let range = PeriodQuery {
            from: Some("2026-11-01"),
            to: Some("2026-11-30T12:00:00+02:00"),
        }
        .range();
        assert_eq!(
            range.ok(),
            Some(EntryRange {
                from: Some("2026-11-01T00:00:00.000000Z".to_owned()),
                to: Some("2026-11-30T10:00:00.000000Z".to_owned()),
            })
        );
    }

    #[test]
    fn bad_bounds_are_refused_with_the_field_named() {
        for (from, to, field) in [
            (Some("yesterday"), None, "from"),
            (None, Some("2026-13-01"), "to"),
            (Some("2026-11-1"), None, "from"),
            (Some("2026-11-02"), Some("2026-11-01"), "to"),
            (Some("2026-11-01"), Some("2026-11-01"), "to"),
        ] {
            let error = PeriodQuery { from, to }.range().err();
            assert!(
                error.as_ref().is_some_and(|e| e.field == Some(field)),
                "{from:?} {to:?}: {error:?}"
            );
        }
    }
}
