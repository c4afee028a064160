//! A StatementsQueue message: what the schedule, a run page, the statements API and
//! `make statements` send, and what the statement worker reads (JSON bodies):
//!
//! * `{"kind":"run","period"?:"YYYY-MM","after"?:"<accountId>"}`: fan one page of
//!   accounts out (period: the month before now when absent);
//! * `{"kind":"account","period":"YYYY-MM","accountId":"...","resend"?:bool}`: make
//!   the account's statement for the period (once) and email the holder when it is
//!   new, or when `resend` (on demand: made even when there is nothing to state).

use serde::{Deserialize, Serialize};

/// One StatementsQueue message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Job {
    Run {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    Account {
        period: String,
        #[serde(rename = "accountId")]
        account_id: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        resend: bool,
    },
}

impl Job {
    /// The message body.
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_and_write_their_documented_shapes() -> Result<(), serde_json::Error> {
        let run: Job = serde_json::from_str(r#"{"kind":"run"}"#)?;
        assert_eq!(
            run,
            Job::Run {
                period: None,
                after: None
            }
        );
        let account: Job = serde_json::from_str(
            r#"{"kind":"account","period":"2026-10","accountId":"a","resend":true}"#,
        )?;
        assert_eq!(
            account,
            Job::Account {
                period: "2026-10".into(),
                account_id: "a".into(),
                resend: true
            }
        );
        let body = Job::Run {
            period: Some("2026-10".into()),
            after: Some("x".into()),
        }
        .to_body();
        assert_eq!(body, r#"{"kind":"run","period":"2026-10","after":"x"}"#);
        assert!(serde_json::from_str::<Job>(r#"{"kind":"other"}"#).is_err());
        Ok(())
    }
}
