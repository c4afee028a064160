//! The schema's auth directives as AppSync applies them, on the repository's schema
//! and on a small one with every rule in it; the identities each mode hands over.

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;
use aws_lambda_events::event::appsync::AppSyncIamIdentity;
use serde_json::Value;
use shared::auth::Claims;

use super::{Directives, Mode, Requester};
use crate::appsync::APPSYNC_PRELUDE;

fn schema(sdl: &str) -> Valid<Schema> {
    Schema::parse_and_validate(format!("{APPSYNC_PRELUDE}\n{sdl}"), "s.graphql")
        .unwrap_or_else(|e| panic!("{}", e.errors))
}

/// A Cognito user in `groups`.
pub(in crate::appsync) fn user(groups: &[&str]) -> Requester {
    Requester::Cognito(Box::new(Claims {
        sub: "7d3e1b2a-5c4f-4e8d-9a6b-0c1d2e3f4a5b".to_owned(),
        iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local".to_owned(),
        aud: "client".to_owned(),
        token_use: "id".to_owned(),
        exp: 1_795_594_800,
        iat: 1_795_591_200,
        nbf: None,
        email: None,
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        username: Some("alice".to_owned()),
    }))
}

#[test]
fn the_repository_schema_lets_iam_read_every_query_and_no_mutation() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sdl = std::fs::read_to_string(root.join("graphql/schema.graphql")).unwrap_or_default();
    let rules = Directives::read(&schema(&sdl), Mode::CognitoUserPools);
    let reads = [
        ("Query", "accounts", "AccountPage"),
        ("Query", "account", "Account"),
        ("Query", "transactions", "TransactionPage"),
        ("Query", "transaction", "Transaction"),
        ("AccountPage", "items", "Account"),
        ("Account", "transactions", "TransactionPage"),
        ("Account", "balance", "String"),
        ("TransactionPage", "items", "Transaction"),
        ("Transaction", "status", "TransactionStatus"),
    ];
    for (parent, field, returns) in reads {
        assert_eq!(rules.check(&Requester::Iam, parent, field, returns), Ok(()));
        assert_eq!(rules.check(&user(&[]), parent, field, returns), Ok(()));
    }
    for (field, returns) in [
        ("openAccount", "Account"),
        ("requestTransaction", "TransactionReceipt"),
    ] {
        assert_eq!(
            rules.check(&Requester::Iam, "Mutation", field, returns),
            Err(format!("Not Authorized to access {field} on type Mutation"))
        );
        assert_eq!(rules.check(&user(&[]), "Mutation", field, returns), Ok(()));
    }
    let receipt = ("TransactionReceipt", "transaction", "Transaction");
    assert_eq!(
        rules.check(&user(&[]), receipt.0, receipt.1, receipt.2),
        Ok(())
    );
}

#[test]
fn a_fields_directives_override_its_types_and_a_returned_type_must_allow_the_caller() {
    let rules = Directives::read(
        &schema(
            r#"
            type Query @aws_iam {
              iamOnly: Thing
              usersOnly: Thing @aws_cognito_user_pools
              hidden: Hidden @aws_iam @aws_cognito_user_pools
              admins: String @aws_cognito_user_pools(cognito_groups: ["admin"])
            }
            type Thing @aws_iam @aws_cognito_user_pools { name: String }
            type Hidden { name: String }
            "#,
        ),
        Mode::CognitoUserPools,
    );
    let (iam, alice, admin) = (Requester::Iam, user(&[]), user(&["admin"]));
    let check =
        |who: &Requester, field: &str, returns: &str| rules.check(who, "Query", field, returns);
    assert_eq!(check(&iam, "iamOnly", "Thing"), Ok(()));
    assert_eq!(
        check(&alice, "iamOnly", "Thing"),
        Err("Not Authorized to access iamOnly on type Query".to_owned()),
        "a directive on a type replaces the default mode"
    );
    assert_eq!(check(&alice, "usersOnly", "Thing"), Ok(()));
    assert_eq!(
        check(&iam, "usersOnly", "Thing"),
        Err("Not Authorized to access usersOnly on type Query".to_owned())
    );
    assert_eq!(
        check(&iam, "hidden", "Hidden"),
        Err("Not Authorized to access hidden on type Hidden".to_owned()),
        "a type without directives allows the default mode only"
    );
    assert_eq!(check(&alice, "hidden", "Hidden"), Ok(()));
    assert!(check(&alice, "admins", "String").is_err());
    assert_eq!(check(&admin, "admins", "String"), Ok(()));
    assert_eq!(check(&iam, "__typename", "String"), Ok(()));
}

#[test]
fn the_iam_identity_has_the_keys_of_appsyncs_and_no_cognito_identity() {
    let identity = Requester::Iam.identity("127.0.0.1");
    let read: AppSyncIamIdentity =
        serde_json::from_value(identity.clone()).unwrap_or_else(|e| panic!("{e}: {identity}"));
    assert_eq!(
        read.account_id.as_deref(),
        Some(crate::template::ACCOUNT_ID)
    );
    assert_eq!(
        read.user_arn.as_deref(),
        Some(crate::iam::user_arn().as_str())
    );
    assert_eq!(read.source_ip, ["127.0.0.1"]);
    assert_eq!(read.cognito_identity_id, None);
    let mut keys: Vec<&str> = identity
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "accountId",
            "cognitoIdentityAuthProvider",
            "cognitoIdentityAuthType",
            "cognitoIdentityId",
            "cognitoIdentityPoolId",
            "sourceIp",
            "userArn",
            "username"
        ]
    );
    assert!(identity.get("sub").is_none());
    let cognito = user(&["admin"]).identity("127.0.0.1");
    assert_eq!(cognito["groups"], serde_json::json!(["admin"]));
    assert_eq!(cognito["userArn"], Value::Null);
}
