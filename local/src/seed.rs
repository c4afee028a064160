//! The demo data a newcomer starts with: a user with one open account, an admin, and
//! the verified sender identity notifications are sent from.

use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use serde_json::{Value, json};
use shared::domain::DEFAULT_CURRENCY;
use shared::store::{Account, AccountsTable};

use crate::functions::FunctionDef;
use crate::provision::Clients;
use crate::template::{Resolver, Template};

/// The demo user's credentials (local emulators only).
pub const DEMO_USERNAME: &str = "demo@bank.example";
pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";
pub const DEMO_PHONE: &str = "+15555550100";
pub const ADMIN_USERNAME: &str = "admin@bank.example";
pub const ADMIN_PASSWORD: &str = "Admin-Passw0rd!";

/// Creates the demo user (with an account), the admin, and the sender identity.
pub async fn seed(
    template: &Template,
    resolver: &Resolver,
    clients: &Clients,
    defs: &[FunctionDef],
    demo_phone: &str,
) -> Result<Value, String> {
    let pool = template
        .resources("AWS::Cognito::UserPool")
        .first()
        .and_then(|(id, _)| resolver.refs.get(id).cloned())
        .ok_or("the template declares no user pool")?;
    for sender in defs.iter().filter_map(|d| d.env.get("SENDER_EMAIL")) {
        let created = clients
            .sesv2
            .create_email_identity()
            .email_identity(sender)
            .send()
            .await;
        if let Err(e) = created {
            // Another local stack on the same moto may have verified it already.
            let text = format!("{e:?}");
            if !text.contains("AlreadyExists") {
                return Err(format!("SES identity: {text}"));
            }
        }
    }
    let demo_sub = create_user(
        clients,
        &pool,
        DEMO_USERNAME,
        DEMO_PASSWORD,
        Some(demo_phone),
    )
    .await?;
    let admin_sub = create_user(clients, &pool, ADMIN_USERNAME, ADMIN_PASSWORD, None).await?;
    clients
        .cognito
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username(ADMIN_USERNAME)
        .group_name(shared::auth::ADMIN_GROUP)
        .send()
        .await
        .map_err(|e| format!("admin group: {e:?}"))?;

    let accounts_table = defs
        .iter()
        .find_map(|d| d.env.get("ACCOUNTS_TABLE_NAME").cloned())
        .ok_or("no function names ACCOUNTS_TABLE_NAME")?;
    let account = Account::open(
        &shared::domain::UserId::new(demo_sub.as_str()),
        "Demo account",
        DEFAULT_CURRENCY,
        &shared::clock::Timestamp::now(),
    );
    AccountsTable::new(clients.dynamodb.clone(), accounts_table)
        .create(&account)
        .await
        .map_err(|e| format!("demo account: {e}"))?;
    Ok(json!({
        "user": { "username": DEMO_USERNAME, "password": DEMO_PASSWORD, "phoneNumber": demo_phone, "sub": demo_sub, "accountId": account.account_id.to_string() },
        "admin": { "username": ADMIN_USERNAME, "password": ADMIN_PASSWORD, "sub": admin_sub },
    }))
}

async fn create_user(
    clients: &Clients,
    pool: &str,
    username: &str,
    password: &str,
    phone: Option<&str>,
) -> Result<String, String> {
    let attribute = |name: &str, value: &str| {
        AttributeType::builder()
            .name(name)
            .value(value)
            .build()
            .map_err(|e| e.to_string())
    };
    let mut request = clients
        .cognito
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .message_action(MessageActionType::Suppress)
        .user_attributes(attribute("email", username)?)
        .user_attributes(attribute("email_verified", "true")?);
    if let Some(phone) = phone {
        request = request.user_attributes(attribute("phone_number", phone)?);
    }
    let created = request
        .send()
        .await
        .map_err(|e| format!("user {username}: {e:?}"))?;
    clients
        .cognito
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .map_err(|e| format!("password of {username}: {e:?}"))?;
    created
        .user()
        .map(|u| u.attributes())
        .unwrap_or_default()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .map(str::to_owned)
        .ok_or_else(|| format!("user {username} has no sub"))
}
