//! The local AppSync GraphQL endpoint, `POST /graphql`, from `template.yml`: the API's
//! auth modes (the default and the additional ones: a Cognito IdToken of the stack's
//! pool, or a SigV4 signature by the runtime's own IAM principal; AppSync's 401
//! `UnauthorizedException` without either, its signature errors for a bad signature),
//! the schema file with AppSync's scalars and directives pre-declared and its auth
//! directives applied field by field (see [`auth`]), the query depth limit and
//! introspection setting, and the direct Lambda resolvers (with `MaxBatchSize` for
//! batched ones), all served by the same handler the Lambda runs ([`graphql::App`]).
//! Documents are parsed, validated and executed with `apollo-compiler`; each resolver
//! gets the context AppSync builds (see [`exec`]).
//!
//! Not emulated: API keys, OIDC and Lambda authorizers, IAM policies (the signature
//! is the whole grant), the user pool's `DefaultAction: DENY`.

mod auth;
mod depth;
mod exec;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Value, json};
use shared::events::sigv4::VerifyError;

pub use auth::{Mode, Requester};

use crate::iam::{LocalIam, Refusal, SignedRequest};
use crate::template::{Resolver, Template, scalar};

/// What AppSync declares for every schema (its scalars and auth directives).
const APPSYNC_PRELUDE: &str = include_str!("../../../graphql/appsync-prelude.graphql");

/// What answers a resolver context (or a batch of them, as a JSON list): the graphql
/// function's handler; tests plug in their own.
pub trait DataSource: Send + Sync {
    fn invoke(
        &self,
        payload: Value,
    ) -> futures::future::BoxFuture<'_, Result<Value, lambda_runtime::Diagnostic>>;
}

impl DataSource for graphql::App {
    fn invoke(
        &self,
        payload: Value,
    ) -> futures::future::BoxFuture<'_, Result<Value, lambda_runtime::Diagnostic>> {
        Box::pin(self.handle(payload))
    }
}

/// The GraphQL API of the template, ready to serve.
pub struct GraphqlApi {
    schema: Valid<Schema>,
    /// `(type, field)` → the resolver's `MaxBatchSize` (`None`: `Invoke` per field).
    resolvers: HashMap<(String, String), Option<usize>>,
    depth_limit: Option<usize>,
    /// Most resolver calls one request may make (`ResolverCountLimit`; 0 or absent:
    /// AppSync's 10000). Each field resolved counts, each item of a batch too.
    resolver_limit: usize,
    introspection: bool,
    /// The default auth mode first, then the additional ones.
    modes: Vec<Mode>,
    /// The schema's auth directives.
    directives: auth::Directives,
    /// Who passes the IAM mode.
    iam: LocalIam,
    handler: Arc<dyn DataSource>,
}

impl std::fmt::Debug for GraphqlApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphqlApi")
            .field("resolvers", &self.resolvers.len())
            .field("depth_limit", &self.depth_limit)
            .field("introspection", &self.introspection)
            .field("modes", &self.modes)
            .finish_non_exhaustive()
    }
}

impl GraphqlApi {
    /// The template's `AWS::AppSync::GraphQLApi`, if it has one, served by `handler`
    /// (the function its Lambda data source names). `root`: the template's folder.
    pub fn from_template(
        template: &Template,
        resolver: &Resolver,
        root: &Path,
        handler: Arc<dyn DataSource>,
    ) -> Result<Option<Self>, String> {
        let Some((_, api)) = template
            .resources("AWS::AppSync::GraphQLApi")
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let api = resolver.resolve(&api["Properties"]);
        let schema_path = template
            .resources("AWS::AppSync::GraphQLSchema")
            .into_iter()
            .find_map(|(_, s)| scalar(&s["Properties"]["DefinitionS3Location"]))
            .ok_or("the GraphQL API has no schema file (DefinitionS3Location)")?;
        let path = root.join(&schema_path);
        let sdl = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let schema = Schema::parse_and_validate(format!("{APPSYNC_PRELUDE}\n{sdl}"), &schema_path)
            .map_err(|e| format!("{schema_path}: {}", e.errors))?;
        let resolvers = template
            .resources("AWS::AppSync::Resolver")
            .into_iter()
            .filter_map(|(_, r)| {
                let p = &r["Properties"];
                let key = (scalar(&p["TypeName"])?, scalar(&p["FieldName"])?);
                let batch = number(&p["MaxBatchSize"]);
                Some((key, batch))
            })
            .collect();
        let depth_limit = number(&api["QueryDepthLimit"]).filter(|n| *n > 0);
        let resolver_limit = number(&api["ResolverCountLimit"])
            .filter(|n| *n > 0)
            .unwrap_or(10_000);
        let introspection = scalar(&api["IntrospectionConfig"]).as_deref() != Some("DISABLED");
        let modes = modes(&api)?;
        let directives = auth::Directives::read(&schema, modes[0]);
        Ok(Some(Self {
            schema,
            resolvers,
            depth_limit,
            resolver_limit,
            introspection,
            modes,
            directives,
            iam: LocalIam::default(),
            handler,
        }))
    }

    /// The API with `iam` as the principal its IAM mode lets in (without: none).
    #[must_use]
    pub fn with_iam(mut self, iam: LocalIam) -> Self {
        self.iam = iam;
        self
    }

    /// The IAM mode's check of a request whose `Authorization` is a SigV4 signature:
    /// the requester, or AppSync's refusal (HTTP status, body).
    pub async fn authenticate_iam(
        &self,
        signed: &SignedRequest<'_>,
    ) -> Result<Requester, (u16, Value)> {
        if !self.modes.contains(&Mode::Iam) {
            tracing::info!("graphql: IAM is not an auth mode of this API");
            return Err(unauthorized());
        }
        match self.iam.verify(signed).await {
            Ok(()) => Ok(Requester::Iam),
            Err(refusal) => {
                tracing::info!(reason = %refusal, "graphql: signature refused");
                Err(signature_error(&refusal))
            }
        }
    }

    /// Answers one `POST /graphql` from `requester`, as the gateway found them (`None`:
    /// no valid credentials): (HTTP status, body).
    pub async fn serve(
        self: &Arc<Self>,
        requester: Option<Requester>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> (u16, Value) {
        let Some(requester) = requester.filter(|r| self.modes.contains(&r.mode())) else {
            return unauthorized();
        };
        let (document, operation, variables) = match self.read_request(body) {
            Ok(read) => read,
            Err(refused) => return refused,
        };
        let context = exec::Context::new(
            Arc::clone(self),
            requester,
            headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), Value::from(v.to_str().ok()?))))
                .collect(),
            Value::Object(variables.clone()),
        );
        // apollo-compiler's execution future is not Send (it borrows the root object
        // as a `dyn` reference): run it on a blocking thread of this runtime.
        let runtime = tokio::runtime::Handle::current();
        let executed = tokio::task::spawn_blocking(move || {
            runtime.block_on(exec::execute(
                context,
                &document,
                operation.as_deref(),
                variables,
            ))
        })
        .await;
        match executed {
            Ok(answer) => (200, answer),
            Err(e) => {
                tracing::error!(error = %e, "GraphQL execution failed");
                (
                    500,
                    request_error(
                        "InternalFailureException",
                        "The request could not be executed.",
                    ),
                )
            }
        }
    }
}

impl GraphqlApi {
    /// The request `body`'s document (parsed, validated, within the depth limit), its
    /// operation name and variables; AppSync's answer when it is none of that.
    fn read_request(&self, body: &[u8]) -> Result<ReadRequest, (u16, Value)> {
        let malformed = |message| (400, request_error("MalformedHttpRequestException", message));
        let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(body) else {
            return Err(malformed(
                "The request body is not a GraphQL request (JSON with a query).",
            ));
        };
        let Some(query) = request.get("query").and_then(Value::as_str) else {
            return Err(malformed("The request has no query."));
        };
        let variables = request
            .get("variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let operation = request
            .get("operationName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let document =
            ExecutableDocument::parse_and_validate(&self.schema, query, "request.graphql")
                .map_err(|invalid| {
                    let errors: Vec<Value> = invalid
                        .errors
                        .iter()
                        .map(|d| {
                            let error = d.to_json();
                            json!({
                                "errorType": "ValidationError",
                                "message": error.message,
                                "locations": error.locations.iter().map(|l| json!({ "line": l.line, "column": l.column, "sourceName": null })).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    (200, json!({ "data": null, "errors": errors }))
                })?;
        if let Some(limit) = self.depth_limit {
            let depth = depth::depth(&document, operation.as_deref());
            if depth > limit {
                let message = format!("Query depth {depth} exceeds the limit of {limit}.");
                return Err((200, validation_error(&message)));
            }
        }
        Ok((document, operation, variables))
    }
}

/// A request read: its document, operation name and variables.
type ReadRequest = (
    Valid<ExecutableDocument>,
    Option<String>,
    serde_json::Map<String, Value>,
);

/// A template number, written as a number or a string.
fn number(value: &Value) -> Option<usize> {
    value
        .as_u64()
        .or_else(|| scalar(value).and_then(|s| s.parse().ok()))
        .and_then(|n| usize::try_from(n).ok())
}

/// A request refused before it is read as GraphQL (no `data`).
fn request_error(error_type: &str, message: &str) -> Value {
    json!({ "errors": [{ "errorType": error_type, "message": message }] })
}

/// A document refused before any resolver runs: `data` null, one `ValidationError`.
fn validation_error(message: &str) -> Value {
    json!({ "data": null, "errors": [{ "errorType": "ValidationError", "message": message }] })
}

/// The template's auth modes: `AuthenticationType` first, then each of
/// `AdditionalAuthenticationProviders`.
fn modes(api: &Value) -> Result<Vec<Mode>, String> {
    let additional = api["AdditionalAuthenticationProviders"].as_array();
    std::iter::once(&api["AuthenticationType"])
        .chain(
            additional
                .into_iter()
                .flatten()
                .map(|p| &p["AuthenticationType"]),
        )
        .map(|kind| {
            let name = scalar(kind).unwrap_or_default();
            Mode::from_template(&name)
                .ok_or_else(|| format!("the GraphQL API's auth mode {name:?} is not known"))
        })
        .collect()
}

/// AppSync's 401: no credentials of any of the API's modes.
fn unauthorized() -> (u16, Value) {
    (
        401,
        request_error(
            "UnauthorizedException",
            "You are not authorized to make this call.",
        ),
    )
}

/// AppSync's answer to a SigV4 signature it refuses (its IAM mode's errors, as AWS
/// words them).
fn signature_error(refusal: &Refusal) -> (u16, Value) {
    let (status, error_type, message) = match refusal {
        Refusal::Signature(VerifyError::Missing) => return unauthorized(),
        Refusal::Signature(VerifyError::Malformed) => (
            400,
            "IncompleteSignatureException",
            "The request signature does not conform to AWS standards.",
        ),
        Refusal::Signature(VerifyError::Skewed) => (
            403,
            "InvalidSignatureException",
            "Signature expired: the request's X-Amz-Date is more than 15 minutes from the server's time.",
        ),
        Refusal::Signature(VerifyError::WrongScope) => (
            403,
            "InvalidSignatureException",
            "Credential should be scoped to a valid region and to the service 'appsync'.",
        ),
        Refusal::Signature(VerifyError::Mismatch) => (
            403,
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
        Refusal::Signature(VerifyError::UnknownAccessKey)
        | Refusal::NoCredentials
        | Refusal::Unavailable => (
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
    };
    (status, request_error(error_type, message))
}

#[cfg(test)]
mod tests;
