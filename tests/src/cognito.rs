//! Cognito user pools in moto: one pool per test, users with permanent passwords.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType,
};

use crate::{TestStack, unique_name};

/// A user pool and its app client.
#[derive(Debug, Clone)]
pub struct TestPool {
    pub pool_id: String,
    pub client_id: String,
    pub region: String,
}

impl TestPool {
    /// The issuer Cognito (and moto) put in this pool's tokens.
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region, self.pool_id
        )
    }

    /// Where moto serves this pool's JSON Web Key Set.
    pub fn jwks_url(&self, stack: &TestStack) -> String {
        format!(
            "{}/{}/.well-known/jwks.json",
            stack.moto_endpoint, self.pool_id
        )
    }
}

/// Creates a fresh pool with an app client allowing admin password and refresh auth,
/// able to read `email` and `phone_number` (so IdTokens carry them).
pub async fn create_pool(stack: &TestStack) -> TestPool {
    let pool = stack
        .cognito
        .create_user_pool()
        .pool_name(unique_name("pool"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPool: {e:?}"));
    let pool_id = pool
        .user_pool()
        .and_then(|p| p.id())
        .unwrap_or_default()
        .to_owned();
    let client = stack
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("bank-test")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .read_attributes("email")
        .read_attributes("phone_number")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPoolClient: {e:?}"));
    let client_id = client
        .user_pool_client()
        .and_then(|c| c.client_id())
        .unwrap_or_default()
        .to_owned();
    let region = stack
        .config
        .sdk()
        .region()
        .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
    TestPool {
        pool_id,
        client_id,
        region,
    }
}

/// Creates a confirmed user with a permanent password; returns its `sub`.
pub async fn create_user(
    stack: &TestStack,
    pool: &TestPool,
    username: &str,
    password: &str,
    attributes: &[(&str, &str)],
) -> String {
    let mut request = stack
        .cognito
        .admin_create_user()
        .user_pool_id(&pool.pool_id)
        .username(username)
        .message_action(MessageActionType::Suppress);
    for (name, value) in attributes {
        let attribute = AttributeType::builder()
            .name(*name)
            .value(*value)
            .build()
            .unwrap_or_else(|e| panic!("attribute {name}: {e}"));
        request = request.user_attributes(attribute);
    }
    let created = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminCreateUser: {e:?}"));
    stack
        .cognito
        .admin_set_user_password()
        .user_pool_id(&pool.pool_id)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminSetUserPassword: {e:?}"));
    created
        .user()
        .map(|u| u.attributes())
        .unwrap_or_default()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .unwrap_or_default()
        .to_owned()
}

/// Tokens from ADMIN_USER_PASSWORD_AUTH: (id token, access token, refresh token).
pub async fn login(
    stack: &TestStack,
    pool: &TestPool,
    username: &str,
    password: &str,
) -> (String, String, String) {
    let auth = stack
        .cognito
        .admin_initiate_auth()
        .user_pool_id(&pool.pool_id)
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminInitiateAuth: {e:?}"));
    let result = auth
        .authentication_result()
        .unwrap_or_else(|| panic!("AdminInitiateAuth returned no tokens"));
    (
        result.id_token().unwrap_or_default().to_owned(),
        result.access_token().unwrap_or_default().to_owned(),
        result.refresh_token().unwrap_or_default().to_owned(),
    )
}

/// The IdToken of `username` through a second, new app client of `pool` (same issuer,
/// another audience).
pub async fn login_through_new_client(
    stack: &TestStack,
    pool: &TestPool,
    username: &str,
    password: &str,
) -> String {
    let created = stack
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool.pool_id)
        .client_name("other-app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPoolClient: {e:?}"));
    let client_id = created
        .user_pool_client()
        .and_then(|c| c.client_id())
        .unwrap_or_default()
        .to_owned();
    assert_ne!(client_id, pool.client_id);
    let other = TestPool {
        client_id,
        ..pool.clone()
    };
    login(stack, &other, username, password).await.0
}
