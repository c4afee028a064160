//! The template's functions, bound to the same handler code the Lambdas run.

use std::collections::HashMap;
use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::auth::Authenticator;
use shared::aws::SdkConfig;
use shared::store::TableNames;

use crate::template::{Resolver, Template, scalar};

/// One `AWS::Serverless::Function`, resolved.
#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub id: String,
    /// The crate / binary it runs.
    pub binary: String,
    pub env: HashMap<String, String>,
    /// `(event name, resolved event)`.
    pub events: Vec<(String, Value)>,
    /// The function's `Timeout` (own, else the globals', else Lambda's 3 s).
    pub timeout: std::time::Duration,
}

/// Every function of the template.
pub fn functions(template: &Template, resolver: &Resolver) -> Vec<FunctionDef> {
    let globals = resolver.resolve(&template.function_globals()["Environment"]["Variables"]);
    template
        .resources("AWS::Serverless::Function")
        .into_iter()
        .map(|(id, resource)| {
            let binary = scalar(&resource["Metadata"]["BuildProperties"]["Binary"])
                .or_else(|| {
                    scalar(&resource["Properties"]["CodeUri"]).and_then(|uri| {
                        uri.trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .map(str::to_owned)
                    })
                })
                .unwrap_or_default();
            let own = resolver.resolve(&resource["Properties"]["Environment"]["Variables"]);
            let env = [globals.clone(), own]
                .iter()
                .flat_map(|v| v.as_object().cloned().unwrap_or_default())
                .filter_map(|(k, v)| scalar(&v).map(|v| (k, v)))
                .collect();
            let events = resource["Properties"]["Events"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, event)| (name.clone(), resolver.resolve(event)))
                .collect();
            let timeout = [
                &resource["Properties"]["Timeout"],
                &template.function_globals()["Timeout"],
            ]
            .into_iter()
            .find_map(|v| crate::template::integer(v).and_then(|n| u64::try_from(n).ok()))
            .unwrap_or(3);
            FunctionDef {
                id,
                binary,
                env,
                events,
                timeout: std::time::Duration::from_secs(timeout),
            }
        })
        .collect()
}

/// One `Api` event of a function: a method on a resource path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    /// Upper case, e.g. `POST`.
    pub method: String,
    /// The resource template, e.g. `/accounts/{accountId}`.
    pub path: String,
    /// Whether the API's Cognito authorizer guards it (`Auth.Authorizer` is not `NONE`).
    pub authorized: bool,
    /// The function's logical id.
    pub function: String,
}

/// Every `Api` event of `functions`.
pub fn api_routes(functions: &[FunctionDef]) -> Vec<ApiRoute> {
    functions
        .iter()
        .flat_map(|def| {
            def.events
                .iter()
                .filter(|(_, e)| e["Type"] == "Api")
                .map(|(_, event)| {
                    let p = &event["Properties"];
                    ApiRoute {
                        method: p["Method"].as_str().unwrap_or("get").to_ascii_uppercase(),
                        path: p["Path"].as_str().unwrap_or("/").to_owned(),
                        authorized: p["Auth"]["Authorizer"].as_str() != Some("NONE"),
                        function: def.id.clone(),
                    }
                })
        })
        .collect()
}

/// An API function's handler.
#[derive(Debug, Clone)]
pub enum ApiHandler {
    Auth(Arc<auth::AuthApp>),
    Accounts(Arc<accounts::App>),
    RequestTransaction(Arc<request_transaction::App>),
    GetTransactions(Arc<get_transactions::App>),
    Statements(Arc<statements_api::App>),
}

impl ApiHandler {
    /// Builds the handler `def` runs, configured from its resolved environment; the
    /// listing functions read their page token key from the secret it names, as the
    /// Lambdas do at init. Callers are identified by the gateway's authorizer (claims
    /// in the event). `None` for a function that is not an API function.
    pub async fn build(def: &FunctionDef, config: &SdkConfig) -> Result<Option<Self>, String> {
        let var = |name: &str| def.env.get(name).cloned().unwrap_or_default();
        let tables = TableNames {
            accounts: var("ACCOUNTS_TABLE_NAME"),
            transactions: var("TRANSACTIONS_TABLE_NAME"),
        };
        let auth = || Authenticator::new(None);
        let pages = || async {
            let arn = var(shared::paging::secret::SECRET_ARN_ENV);
            shared::paging::secret::load(config, &arn)
                .await
                .map_err(|e| format!("{}: {e}", def.id))
        };
        Ok(Some(match def.binary.as_str() {
            "auth" => Self::Auth(Arc::new(auth::AuthApp::new(
                shared::aws::cognito(config),
                var("COGNITO_USER_POOL_ID"),
                var("COGNITO_CLIENT_ID"),
            ))),
            "accounts" => Self::Accounts(Arc::new(accounts::App::new(
                auth(),
                config,
                &tables,
                pages().await?,
            ))),
            "request-transaction" => Self::RequestTransaction(Arc::new(
                request_transaction::App::new(auth(), config, &tables),
            )),
            "get-transactions" => Self::GetTransactions(Arc::new(get_transactions::App::new(
                auth(),
                config,
                &tables,
                pages().await?,
            ))),
            "statements-api" => {
                let settings =
                    statements_api::ApiConfig::from_lookup(|name| def.env.get(name).cloned())
                        .map_err(|e| format!("{}: {e}", def.id))?;
                Self::Statements(Arc::new(statements_api::App::new(
                    auth(),
                    config,
                    &tables,
                    settings,
                    pages().await?,
                )))
            }
            _ => return Ok(None),
        }))
    }

    /// Invokes the handler.
    pub async fn call(&self, request: Request) -> Response<Body> {
        match self {
            Self::Auth(app) => app.handle(request).await,
            Self::Accounts(app) => app.handle(request).await,
            Self::RequestTransaction(app) => app.handle(request).await,
            Self::GetTransactions(app) => app.handle(request).await,
            Self::Statements(app) => app.handle(request).await,
        }
    }
}

/// The local handler for an SQS-triggered function, if this runtime has one.
pub fn sqs_handler(
    def: &FunctionDef,
    config: &shared::aws::SdkConfig,
) -> Option<crate::sqs_source::SqsHandler> {
    match def.binary.as_str() {
        "notify" => {
            let settings = match notify::NotifyConfig::from_lookup(|name| {
                def.env.get(name).cloned()
            }) {
                Ok(settings) => settings,
                Err(e) => {
                    tracing::error!(function = %def.id, error = %e, "notify is misconfigured in the template");
                    return None;
                }
            };
            let app = notify::App::new(notify::Clients::for_settings(config, &settings), settings);
            Some(std::sync::Arc::new(move |event| {
                let app = app.clone();
                Box::pin(async move { app.handle(event).await })
            }))
        }
        "statements" => {
            let settings = match statements::WorkerConfig::from_lookup(|name| {
                def.env.get(name).cloned()
            }) {
                Ok(settings) => settings,
                Err(e) => {
                    tracing::error!(function = %def.id, error = %e, "the statements worker is misconfigured in the template");
                    return None;
                }
            };
            let worker = statements::Worker::new(config, &settings);
            Some(std::sync::Arc::new(move |event| {
                let worker = worker.clone();
                Box::pin(async move { worker.handle(event).await })
            }))
        }
        _ => None,
    }
}
