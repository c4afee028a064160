//! The local runtime: the whole system on one machine, from `template.yml`.
//!
//! It provisions DynamoDB Local and moto (tables, queues, topics, user pool, the page
//! token secret, the statements bucket and signing key) from the template, seeds a
//! demo user, serves the API on 127.0.0.1 like API Gateway with the Cognito
//! authorizer, drives the DynamoDB stream and the SQS queue into the same handler code
//! the Lambdas run, with the event source mappings' semantics, and sends the
//! template's scheduled messages to their queues.

pub mod appsync;
pub mod console;
pub mod cron;
pub mod events;
pub mod functions;
pub mod gateway;
pub mod iam;
pub mod mapping;
pub mod provision;
pub mod replay;
pub mod schedule_source;
pub mod seed;
pub mod shard_consumer;
mod sources;
pub mod sqs_source;
pub mod stack_file;
pub mod stats;
pub mod stream_reader;
pub mod stream_source;
pub mod template;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use shared::auth::{AuthConfig, JwtVerifier};
use tokio::task::JoinHandle;

use crate::functions::{ApiHandler, functions};
use crate::provision::Clients;
use crate::template::{REGION, Resolver, Template};

/// Where things are.
#[derive(Debug, Clone)]
pub struct Options {
    pub template: PathBuf,
    pub host: String,
    pub port: u16,
    pub dynamodb_endpoint: String,
    pub moto_endpoint: String,
    pub stack_name: String,
    pub environment: String,
    /// The demo user's phone number (SMS notifications go there).
    pub demo_phone: String,
}

/// How the event sources run: what AWS decides by itself (its shard count) and the
/// template cannot say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceOptions {
    /// Virtual shards the DynamoDB stream is spread over (by partition key), each
    /// with its own consumer; times the mapping's `ParallelizationFactor`.
    pub stream_shards: usize,
}

impl Default for SourceOptions {
    fn default() -> Self {
        Self {
            stream_shards: stream_source::DEFAULT_SHARDS,
        }
    }
}

impl SourceOptions {
    /// From `BANK_STREAM_SHARDS` (a positive number; the default otherwise).
    pub fn from_env() -> Self {
        let shards = std::env::var("BANK_STREAM_SHARDS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0);
        shards.map_or_else(Self::default, |n| Self::default().with_stream_shards(n))
    }

    /// With `shards` virtual stream shards (at least one).
    #[must_use]
    pub fn with_stream_shards(mut self, shards: usize) -> Self {
        self.stream_shards = shards.clamp(1, 64);
        self
    }
}

/// A running local stack.
#[derive(Debug)]
pub struct Running {
    /// What a client needs (written to `.local/stack.json`).
    pub info: Value,
    pub tasks: Vec<JoinHandle<()>>,
}

/// A start-up failure.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    #[error(transparent)]
    Provision(#[from] provision::ProvisionError),
    #[error("{0}")]
    Other(String),
}

/// Provisions everything and starts the gateway and the event sources.
pub async fn start(options: &Options) -> Result<Running, StartError> {
    start_with(options, shared::aws::load_config().await).await
}

/// [`start`] with the functions' (and event sources') clients built from `config`, so
/// that benchmarks and chaos tests can add SDK interceptors. Provisioning and seeding
/// use `config` without them. The event sources as [`SourceOptions::from_env`] says.
pub async fn start_with(
    options: &Options,
    config: shared::aws::SdkConfig,
) -> Result<Running, StartError> {
    start_configured(options, config, SourceOptions::from_env()).await
}

/// [`start_with`] with explicit event source options (e.g. a test's shard count).
pub async fn start_configured(
    options: &Options,
    config: shared::aws::SdkConfig,
    sources: SourceOptions,
) -> Result<Running, StartError> {
    let template = Template::load(&options.template)?;
    stats::install(); // Before any function runs: their metrics feed `/_local/stats`.
    // Bound first: the Events API's domain (`EventsApi.Dns.Http`) is this listener's.
    let (listener, authority) = listen(options).await?;
    let clients = Clients::new(&config);
    let mut resolver = Resolver {
        params: template.parameters(
            &parameter_overrides(&options.environment)
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        ),
        stack_name: options.stack_name.clone(),
        ..Resolver::default()
    };
    resolver.conditions = template.conditions(&resolver);
    provision::provision(&template, &mut resolver, &clients).await?;
    events::provision(&template, &mut resolver, &authority);
    let defs = functions(&template, &resolver);
    let demo = seed::seed(&template, &resolver, &clients, &defs, &options.demo_phone)
        .await
        .map_err(StartError::Other)?;

    let mut tasks = Vec::new();
    tasks.extend(sources::start(
        &template, &defs, &resolver, &config, &clients, sources,
    ));
    let pool_id = ref_of_type(&template, &resolver, "AWS::Cognito::UserPool");
    let client_id = ref_of_type(&template, &resolver, "AWS::Cognito::UserPoolClient");
    let auth = AuthConfig {
        issuer: format!("https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"),
        audience: client_id.clone(),
        jwks_url: format!("{}/{pool_id}/.well-known/jwks.json", options.moto_endpoint),
    };
    let verifier = JwtVerifier::new(auth.clone(), reqwest_client());
    let handlers = api_handlers(&defs, &config).await?;
    let graphql = graphql_api(&template, &resolver, options, &defs, &config).await?;
    let has_graphql = graphql.is_some();
    let events_api =
        events::EventsApi::from_template(&template, &resolver, &defs, &config, auth, &options.host)
            .map_err(StartError::Other)?;
    let gateway = Arc::new(gateway::Gateway {
        routes: gateway::routes(&defs, &handlers),
        verifier,
        stage: options.environment.clone(),
        graphql,
    });
    let api_url = format!("http://{authority}");
    let console = console::Console::load(&options.template);
    tasks.push(serve(listener, &console, events_api.as_ref(), gateway));

    let mut info = stack_info(
        &template, &resolver, options, &api_url, &pool_id, &client_id, demo,
    );
    if has_graphql {
        info["graphqlUrl"] = json!(format!("{api_url}/graphql"));
    }
    if events_api.is_some()
        && let (Some(info), Value::Object(urls)) =
            (info.as_object_mut(), events::stack_info(&authority))
    {
        info.extend(urls);
    }
    console.configure(&info);
    Ok(Running { info, tasks })
}

/// The template parameters this runtime sets: `Environment`, then any
/// `Name=Value` pairs of `BANK_PARAMETER_OVERRIDES` (space-separated, as `sam deploy
/// --parameter-overrides` takes them), e.g. `LedgerBatchingWindowSeconds=0`.
fn parameter_overrides(environment: &str) -> Vec<(String, String)> {
    let given = std::env::var("BANK_PARAMETER_OVERRIDES").unwrap_or_default();
    overrides_from(environment, &given)
}

fn overrides_from(environment: &str, given: &str) -> Vec<(String, String)> {
    let mut overrides = vec![("Environment".to_owned(), environment.to_owned())];
    overrides.extend(given.split_whitespace().filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        Some((name.to_owned(), value.to_owned()))
    }));
    overrides
}

/// The handler of every function the API Gateway routes to.
async fn api_handlers(
    defs: &[functions::FunctionDef],
    config: &shared::aws::SdkConfig,
) -> Result<Vec<(String, ApiHandler)>, StartError> {
    let mut handlers = Vec::new();
    for def in defs {
        if let Some(handler) = ApiHandler::build(def, config)
            .await
            .map_err(StartError::Other)?
        {
            handlers.push((def.id.clone(), handler));
        }
    }
    Ok(handlers)
}

/// Serves, on `listener`: the web console, the Events API (`/event`,
/// `/event/realtime`) and everything else through the gateway (REST and `/graphql`).
fn serve(
    listener: tokio::net::TcpListener,
    console: &console::Console,
    events_api: Option<&Arc<events::EventsApi>>,
    gateway: Arc<gateway::Gateway>,
) -> JoinHandle<()> {
    let mut app = console.router().merge(stats::router());
    if let Some(api) = events_api {
        app = app.merge(api.router());
    }
    let app = app
        .fallback(move |request: axum::extract::Request| Arc::clone(&gateway).serve(request))
        // The peer's address: the Events API's `sourceIp`.
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the API server stopped");
        }
    })
}

/// The API's listener and its `host:port`.
async fn listen(options: &Options) -> Result<(tokio::net::TcpListener, String), StartError> {
    let listener = tokio::net::TcpListener::bind((options.host.as_str(), options.port))
        .await
        .map_err(|e| {
            StartError::Other(format!(
                "cannot listen on {}:{}: {e}",
                options.host, options.port
            ))
        })?;
    let port = listener.local_addr().map_or(options.port, |a| a.port());
    Ok((listener, format!("{}:{port}", options.host)))
}

/// The template's GraphQL API, served by its `graphql` function (tables and page token
/// key from that function's environment).
async fn graphql_api(
    template: &Template,
    resolver: &Resolver,
    options: &Options,
    defs: &[functions::FunctionDef],
    config: &shared::aws::SdkConfig,
) -> Result<Option<Arc<appsync::GraphqlApi>>, StartError> {
    let Some(def) = defs.iter().find(|d| d.binary == "graphql") else {
        return Ok(None);
    };
    let var = |name: &str| def.env.get(name).cloned().unwrap_or_default();
    let tables = shared::store::TableNames {
        accounts: var("ACCOUNTS_TABLE_NAME"),
        transactions: var("TRANSACTIONS_TABLE_NAME"),
    };
    let pages = shared::paging::secret::load(config, &var(shared::paging::secret::SECRET_ARN_ENV))
        .await
        .map_err(|e| StartError::Other(format!("{}: {e}", def.id)))?;
    let root = options
        .template
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."));
    appsync::GraphqlApi::from_template(
        template,
        resolver,
        root,
        Arc::new(graphql::App::new(config, &tables, pages)),
    )
    // Its IAM mode lets in whoever signs with the runtime's own credentials.
    .map(|api| api.map(|api| Arc::new(api.with_iam(iam::LocalIam::new(config)))))
    .map_err(StartError::Other)
}

/// The `Api` routes `template.yml` at `path` declares (for tools and tests).
pub fn template_api_routes(
    path: &std::path::Path,
) -> Result<Vec<functions::ApiRoute>, template::TemplateError> {
    let template = Template::load(path)?;
    let resolver = Resolver {
        params: template.parameters(&[]),
        ..Resolver::default()
    };
    Ok(functions::api_routes(&functions(&template, &resolver)))
}

fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap_or_default()
}

fn ref_of_type(template: &Template, resolver: &Resolver, kind: &str) -> String {
    template
        .resources(kind)
        .first()
        .and_then(|(id, _)| resolver.refs.get(id).cloned())
        .unwrap_or_default()
}

fn refs_of(template: &Template, resolver: &Resolver, kind: &str) -> Value {
    Value::Object(
        template
            .resources(kind)
            .into_iter()
            .filter_map(|(id, _)| resolver.refs.get(&id).map(|v| (id, json!(v))))
            .collect(),
    )
}

fn stack_info(
    template: &Template,
    resolver: &Resolver,
    options: &Options,
    api_url: &str,
    pool_id: &str,
    client_id: &str,
    demo: Value,
) -> Value {
    json!({
        "apiUrl": api_url,
        "region": REGION,
        "userPoolId": pool_id,
        "userPoolClientId": client_id,
        "cognitoEndpoint": options.moto_endpoint,
        "dynamodbEndpoint": options.dynamodb_endpoint,
        "motoEndpoint": options.moto_endpoint,
        "tables": refs_of(template, resolver, "AWS::DynamoDB::Table"),
        "queues": refs_of(template, resolver, "AWS::SQS::Queue"),
        "topics": refs_of(template, resolver, "AWS::SNS::Topic"),
        // ARNs only: the values stay in Secrets Manager.
        "secrets": refs_of(template, resolver, "AWS::SecretsManager::Secret"),
        // Bucket names and KMS key ids (moto makes a new id per key: see provision).
        "buckets": refs_of(template, resolver, "AWS::S3::Bucket"),
        "keys": refs_of(template, resolver, "AWS::KMS::Key"),
        "demoUser": demo["user"],
        "adminUser": demo["admin"],
    })
}

/// The README's quickstart block, for the API at `api_url` (one source: the README).
pub fn quickstart(api_url: &str) -> String {
    let readme = include_str!("../../README.md");
    let block = readme
        .split("<!-- quickstart:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- quickstart:end -->").next())
        .unwrap_or_default();
    block
        .lines()
        .filter(|line| !line.starts_with("```"))
        .map(|line| {
            if line.starts_with("API=") {
                format!("API={api_url}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Prints what a newcomer types next.
#[allow(clippy::print_stdout)]
pub fn print_quickstart(info: &Value, stack_file: &std::path::Path) {
    let api = info["apiUrl"].as_str().unwrap_or_default();
    let user = &info["demoUser"];
    println!(
        "\nThe banking API is up on {api} (DynamoDB Local {ddb}, moto {moto}).\n\
         Stack details: {stack}\n\
         Demo user: {username} / {password} (account {account}); admin: {admin}\n\n\
         Quickstart (in another terminal):\n\n{quickstart}\n\n\
         Web console: {api}/console/ (sign in as the demo user)\n\
         Sent email and SMS: curl -s {moto}/moto-api/data.json\n\
         Ctrl-C stops everything.",
        ddb = info["dynamodbEndpoint"].as_str().unwrap_or_default(),
        moto = info["motoEndpoint"].as_str().unwrap_or_default(),
        stack = stack_file.display(),
        username = user["username"].as_str().unwrap_or_default(),
        password = user["password"].as_str().unwrap_or_default(),
        account = user["accountId"].as_str().unwrap_or_default(),
        admin = info["adminUser"]["username"].as_str().unwrap_or_default(),
        quickstart = quickstart(api),
    );
}

#[cfg(test)]
mod tests {
    use super::overrides_from;

    #[test]
    fn parameter_overrides_are_read_as_sam_takes_them() {
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(overrides_from("dev", ""), pairs(&[("Environment", "dev")]));
        assert_eq!(
            overrides_from("dev", " LedgerBatchingWindowSeconds=0  Junk Other=a=b "),
            pairs(&[
                ("Environment", "dev"),
                ("LedgerBatchingWindowSeconds", "0"),
                ("Other", "a=b")
            ])
        );
    }
}
