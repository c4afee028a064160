#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use sha2::{Digest as _, Sha256};

use super::*;
use crate::domain::{DEFAULT_CURRENCY, LedgerEntry};

mod formats;
mod held;
mod tamper;

const ACCOUNT: &str = "6f9619ff-8b86-4d11-b42d-00c04fc964ff";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

/// What KMS `GetPublicKey` returns: the DER SubjectPublicKeyInfo.
fn public_der(key: &SigningKey) -> Vec<u8> {
    let public = p256::PublicKey::from(key.verifying_key());
    public.to_public_key_der().unwrap().into_vec()
}

fn sign(statement: &mut Statement, key: &SigningKey) {
    statement.signature = None;
    let signature: Signature = key.sign(&statement.signing_message());
    statement.signature = Some(StatementSignature {
        key_id: "alias/statements".to_owned(),
        algorithm: SIGNATURE_ALGORITHM.to_owned(),
        value: STANDARD.encode(signature.to_der().as_bytes()),
    });
}

fn account() -> StatementAccount {
    StatementAccount {
        account_id: AccountId::parse(ACCOUNT).unwrap(),
        name: "Everyday \"main\"\n".to_owned(),
        holder_id: "a1b2c3d4-holder".to_owned(),
    }
}

fn period() -> Period {
    Period::parse("2026-11").unwrap()
}

fn cents(text: &str) -> SignedAmount {
    text.parse().unwrap()
}

fn balance(text: &str) -> Balance {
    text.parse().unwrap()
}

/// The account before November: one earlier entry, so the opening head is not genesis.
fn opening() -> Opening {
    let earlier = LedgerEntry {
        account_id: AccountId::parse(ACCOUNT).unwrap(),
        version: 3,
        settled_at: "2026-10-31T23:59:59.999999Z".to_owned(),
        transaction_id: uuid::Uuid::from_u128(99).into(),
        entry_type: TransactionType::Deposit,
        amount: cents("100.00"),
        balance_after: balance("100.00"),
        currency: DEFAULT_CURRENCY,
        description: None,
    };
    Opening {
        balance: balance("100.00"),
        head: ChainHead::genesis().extend(&earlier),
        version: 3,
    }
}

/// Entries chained from `opening`, one a day from November 1st, two versions apart.
fn chain(opening: &Opening, amounts: &[&str]) -> Vec<StatementEntry> {
    let (mut after, mut head, mut version) =
        (opening.balance, opening.head.clone(), opening.version);
    let account_id = AccountId::parse(ACCOUNT).unwrap();
    let mut entries = Vec::new();
    for (index, amount) in amounts.iter().enumerate() {
        let amount = cents(amount);
        after = after.checked_adjust(amount).unwrap();
        version += 2;
        let mut entry = StatementEntry {
            transaction_id: uuid::Uuid::from_u128(index as u128 + 1).into(),
            version,
            settled_at: format!("2026-11-{:02}T10:00:00.000000Z", index + 1),
            entry_type: if amount.is_negative() {
                TransactionType::Withdrawal
            } else {
                TransactionType::Deposit
            },
            amount,
            balance_after: after,
            description: (index % 2 == 0).then(|| format!("move \"{index}\"")),
            hash: ChainHead::genesis(),
        };
        head = head.extend(&entry.ledger_entry(account_id, DEFAULT_CURRENCY));
        entry.hash = head.clone();
        entries.push(entry);
    }
    entries
}

fn make(amounts: &[&str]) -> Result<Statement, BuildError> {
    make_holding(amounts, Vec::new())
}

/// As [`make`], with `holds` active at the closing.
fn make_holding(amounts: &[&str], holds: Vec<StatementHold>) -> Result<Statement, BuildError> {
    let opening = opening();
    let entries = chain(&opening, amounts);
    let generated = "2026-12-01T00:05:00.000000Z".to_owned();
    build(
        &period(),
        account(),
        DEFAULT_CURRENCY,
        opening,
        entries,
        holds,
        generated,
    )
}

/// A hold (id `n`) of `amount` expiring on December `day`.
fn hold(n: u128, amount: &str, day: u32) -> StatementHold {
    StatementHold {
        transaction_id: uuid::Uuid::from_u128(n).into(),
        amount: amount.parse().unwrap(),
        expires_at: format!("2026-12-{day:02}T10:00:00.000000Z"),
    }
}

/// The holds of the genuine statement: 20.00 (id 201) and 5.50 (id 202).
fn holds() -> Vec<StatementHold> {
    vec![hold(201, "20.00", 5), hold(202, "5.50", 20)]
}

/// A signed statement of four entries (versions 5, 7, 9, 11) and two holds (25.50)
/// at the closing, and its bank key.
fn genuine() -> (Statement, Vec<u8>) {
    let amounts = ["50.25", "-20.00", "-0.75", "10.00"];
    let mut statement = make_holding(&amounts, holds()).unwrap();
    let bank = key(7);
    sign(&mut statement, &bank);
    (statement, public_der(&bank))
}

fn plus_cent(value: Balance) -> Balance {
    value.checked_credit("0.01".parse().unwrap()).unwrap()
}

#[test]
fn a_genuine_statement_adds_up_and_verifies() {
    let (statement, der) = genuine();
    assert_eq!(statement.format, FORMAT);
    assert_eq!(
        (statement.from.as_str(), statement.to.as_str()),
        ("2026-11-01T00:00:00.000000Z", "2026-12-01T00:00:00.000000Z")
    );
    assert_eq!(statement.total_in, balance("60.25"));
    assert_eq!(statement.total_out, balance("20.75"));
    assert_eq!(statement.closing_balance, balance("139.50"));
    assert_eq!(statement.closing_held, Some(balance("25.50")));
    assert_eq!(statement.closing_available, Some(balance("114.00")));
    assert_eq!(statement.holds, Some(holds()));
    assert_eq!(statement.closing_head, statement.entries[3].hash);
    assert_eq!(
        (statement.opening_version, statement.closing_version),
        (3, 11)
    );
    let verification = verify(&statement, &der);
    assert_eq!(
        verification,
        Verification {
            signature_valid: true,
            chain_valid: true,
            problems: vec![]
        }
    );
}

#[test]
fn a_line_and_its_ledger_entry_convert_both_ways() {
    let account = account().account_id;
    for line in chain(&opening(), &["10.00", "-2.50"]) {
        let entry = line.ledger_entry(account, DEFAULT_CURRENCY);
        assert_eq!(StatementEntry::from_ledger(entry, line.hash.clone()), line);
    }
}

#[test]
fn a_period_without_entries_closes_where_it_opened() {
    let statement = make(&[]).unwrap();
    let opening = opening();
    assert_eq!(statement.closing_balance, opening.balance);
    assert_eq!(statement.closing_head, opening.head);
    assert_eq!(statement.closing_version, 3);
    assert_eq!(
        (statement.total_in, statement.total_out),
        (Balance::ZERO, Balance::ZERO)
    );
    let bank = key(7);
    let mut signed = statement;
    sign(&mut signed, &bank);
    assert!(verify(&signed, &public_der(&bank)).chain_valid);
}

/// Builds from the genuine chain after `change`, expecting `message`.
fn refused(change: impl FnOnce(&mut Vec<StatementEntry>), message: &str) {
    let opening = opening();
    let mut entries = chain(&opening, &["50.25", "-20.00", "-0.75"]);
    change(&mut entries);
    let made = build(
        &period(),
        account(),
        DEFAULT_CURRENCY,
        opening,
        entries,
        Vec::new(),
        String::new(),
    );
    assert_eq!(
        made.map(|_| ()).map_err(|e| e.to_string()),
        Err(message.to_owned())
    );
}

#[test]
fn a_statement_that_does_not_add_up_is_never_made() {
    refused(
        |e| e[0].settled_at = "2026-10-31T23:59:59.999999Z".to_owned(),
        "entry 1 (version 5): settled at 2026-10-31T23:59:59.999999Z, outside the period 2026-11",
    );
    refused(
        |e| e[2].settled_at = "2026-12-01T00:00:00.000000Z".to_owned(),
        "entry 3 (version 9): settled at 2026-12-01T00:00:00.000000Z, outside the period 2026-11",
    );
    refused(
        |e| e[1].settled_at = "yesterday".to_owned(),
        "entry 2 (version 7): settledAt \"yesterday\" is not an RFC 3339 date-time",
    );
    refused(
        |e| e[1].version = 5,
        "entry 2 (version 5): version does not increase (the version before it is 5)",
    );
    refused(
        |e| e[1].balance_after = balance("130.26"),
        "entry 2 (version 7): balanceAfter is 130.26, but the balance before it plus the amount is 130.25",
    );
    refused(
        |e| e[2].amount = cents("-500"),
        "entry 3 (version 9): amount -500.00 cannot apply to the balance before it (130.25)",
    );
    refused(
        |e| e[1].description = Some("x".to_owned()),
        "entry 2 (version 7): hash does not follow the chain",
    );
    refused(
        |e| e.swap(1, 2),
        "entry 2 (version 9): balanceAfter is 129.50, but the balance before it plus the amount is 149.50",
    );
    let opening = opening();
    let entries = chain(&opening, &["1.00"]);
    let mut holder = account();
    holder.holder_id = "x\ncurrency=EUR".to_owned();
    let made = build(
        &period(),
        holder,
        DEFAULT_CURRENCY,
        opening,
        entries,
        Vec::new(),
        String::new(),
    );
    assert_eq!(
        made,
        Err(BuildError::ControlCharacter {
            field: "account.holderId"
        })
    );
}

#[test]
fn a_bad_or_missing_signature_fails_the_signature_only_and_never_panics() {
    let (genuine, der) = genuine();
    let other = key(9);
    let mut forged = genuine.clone();
    sign(&mut forged, &other);
    let wrong_key = verify(&forged, &der);
    assert_eq!(
        (wrong_key.signature_valid, wrong_key.chain_valid),
        (false, true)
    );
    assert!(verify(&forged, &public_der(&other)).signature_valid);
    let with = |change: fn(&mut StatementSignature)| {
        let mut statement = genuine.clone();
        if let Some(signature) = statement.signature.as_mut() {
            change(signature);
        }
        verify(&statement, &der)
    };
    type Tamper = fn(&mut StatementSignature);
    let cases: [(Tamper, &str); 4] = [
        (
            |s| s.algorithm = "RSASSA_PSS_SHA_256".to_owned(),
            "algorithm is not ECDSA_SHA_256",
        ),
        (
            |s| s.value = "%%% not base64".to_owned(),
            "not standard base64",
        ),
        (
            |s| s.value = STANDARD.encode([0x30, 0x03, 0x02, 0x01]),
            "not a DER ECDSA P-256 signature",
        ),
        (
            |s| s.value = String::new(),
            "not a DER ECDSA P-256 signature",
        ),
    ];
    for (change, problem) in cases {
        let verification = with(change);
        assert_eq!(
            (verification.signature_valid, verification.chain_valid),
            (false, true)
        );
        assert_eq!(
            verification.problems.len(),
            1,
            "{:?}",
            verification.problems
        );
        assert!(
            verification.problems[0].contains(problem),
            "{:?}",
            verification.problems
        );
    }
    let mut unsigned = genuine.clone();
    unsigned.signature = None;
    assert_eq!(
        verify(&unsigned, &der).problems,
        ["the statement is not signed"]
    );
    let bad_keys: [&[u8]; 4] = [&[], &[0x30, 0x00], &der[..der.len() - 1], &[0xff; 91]];
    for bad in bad_keys {
        let verification = verify(&genuine, bad);
        assert!(!verification.signature_valid && verification.chain_valid);
        assert!(verification.problems[0].contains("public key is not a P-256 key"));
    }
}

#[test]
fn kms_style_keys_and_high_s_signatures_are_accepted() {
    let (mut statement, der) = genuine();
    // KMS GetPublicKey for ECC_NIST_P256: SPKI with id-ecPublicKey / prime256v1 and
    // the uncompressed point.
    let prefix = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
    assert!(crate::domain::chain::hex(&der).starts_with(prefix));
    // KMS does not normalise s: both s and n - s must verify.
    let bank = key(7);
    let signature: Signature = bank.sign(&statement.signing_message());
    let (r, s) = signature.split_scalars();
    let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    assert_ne!(high, signature);
    if let Some(signed) = statement.signature.as_mut() {
        signed.value = STANDARD.encode(high.to_der().as_bytes());
    }
    assert!(verify(&statement, &der).signature_valid);
}

#[test]
fn the_json_form_round_trips_and_still_verifies() {
    let (statement, der) = genuine();
    let json = serde_json::to_string_pretty(&statement).unwrap();
    assert!(json.contains("\"openingBalance\": \"100.00\""), "{json}");
    assert!(json.contains("\"amount\": \"-0.75\""), "{json}");
    assert!(json.contains("\"type\": \"WITHDRAWAL\""), "{json}");
    let back: Statement = serde_json::from_str(&json).unwrap();
    assert_eq!(back, statement);
    let verification = verify(&back, &der);
    assert!(verification.signature_valid && verification.chain_valid);
    let out = serde_json::to_value(&verification).unwrap();
    assert_eq!(
        out,
        serde_json::json!({"signatureValid": true, "chainValid": true, "problems": []})
    );
}
