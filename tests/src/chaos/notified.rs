//! Every settled transaction notifies each holder it concerns once, by email and SMS.

use std::collections::HashMap;

use shared::domain::Role;

use super::drain::notified_sides;
use super::invariants::Facts;

/// (recipient, text to find) → how many messages it is owed.
type Owed = HashMap<(String, String), usize>;

/// What each recipient is owed: (emails, SMS).
fn owed(f: &Facts<'_>) -> (Owed, Owed) {
    let by_sub = |sub: &str| f.users.iter().find(|u| u.sub == sub);
    let owner = |account: &str| {
        f.accounts
            .iter()
            .find(|a| a.account_id.to_string() == account)
            .and_then(|a| by_sub(&a.owner_id))
    };
    let (mut emails, mut sms) = (HashMap::new(), HashMap::new());
    for t in f.transactions {
        let id = t.transaction_id.to_string();
        // The source account's holder (the recorder, the customer an operator adjusted
        // or reversed, a hold's holder), and the destination's, found from the
        // accounts table, not from the transaction.
        let holders = notified_sides(t).into_iter().map(|side| match side {
            Role::Source => owner(&t.account_id.to_string()),
            Role::Destination => t.kind.destination().and_then(|to| owner(&to.to_string())),
        });
        for user in holders.flatten() {
            *emails.entry((user.email.clone(), id.clone())).or_insert(0) += 1;
            *sms.entry((user.phone.clone(), format!("Ref {}", &id[..8])))
                .or_insert(0) += 1;
        }
    }
    (emails, sms)
}

fn count(sent: &[(String, String)], recipient: &str, needle: &str) -> usize {
    sent.iter()
        .filter(|(to, text)| to == recipient && text.contains(needle))
        .count()
}

pub(super) fn notified_once(f: &Facts<'_>) -> Vec<String> {
    let (emails, sms) = owed(f);
    let mut out = Vec::new();
    for (channel, owed, sent) in [
        ("email", &emails, &f.sent.emails),
        ("sms", &sms, &f.sent.sms),
    ] {
        for ((to, needle), n) in owed {
            let got = count(sent, to, needle);
            if got != *n {
                out.push(format!("{channel} about {needle}: {got} sent, {n} owed"));
            }
        }
        let total: usize = owed.values().sum();
        if sent.len() != total {
            out.push(format!(
                "{channel}: {} sent to the run's users, {total} owed",
                sent.len()
            ));
        }
    }
    out
}
