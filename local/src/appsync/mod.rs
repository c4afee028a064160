//! The local AppSync GraphQL endpoint, `POST /graphql`, from `template.yml`: the API's
//! auth mode (the Cognito user pool: AppSync's 401 `UnauthorizedException` otherwise),
//! the schema file with AppSync's scalars and directives pre-declared, the query depth
//! limit and introspection setting, and the direct Lambda resolvers (with `MaxBatchSize`
//! for batched ones), all served by the same handler the Lambda runs
//! ([`graphql::App`]). Documents are parsed, validated and executed with
//! `apollo-compiler`; each resolver gets the context AppSync builds (see [`exec`]).

mod exec;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Value, json};
use shared::auth::Claims;

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
    handler: Arc<dyn DataSource>,
}

impl std::fmt::Debug for GraphqlApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphqlApi")
            .field("resolvers", &self.resolvers.len())
            .field("depth_limit", &self.depth_limit)
            .field("introspection", &self.introspection)
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
        Ok(Some(Self {
            schema,
            resolvers,
            depth_limit,
            resolver_limit,
            introspection,
            handler,
        }))
    }

    /// Answers one `POST /graphql` whose `Authorization` the gateway's Cognito
    /// authorizer checked (`None`: no valid IdToken): (HTTP status, body).
    pub async fn serve(
        self: &Arc<Self>,
        claims: Option<Claims>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> (u16, Value) {
        let Some(claims) = claims else {
            return (
                401,
                request_error(
                    "UnauthorizedException",
                    "You are not authorized to make this call.",
                ),
            );
        };
        let request: Value = match serde_json::from_slice(body) {
            Ok(Value::Object(request)) => Value::Object(request),
            _ => {
                return (
                    400,
                    request_error(
                        "MalformedHttpRequestException",
                        "The request body is not a GraphQL request (JSON with a query).",
                    ),
                );
            }
        };
        let Some(query) = request["query"].as_str() else {
            return (
                400,
                request_error("MalformedHttpRequestException", "The request has no query."),
            );
        };
        let variables = request["variables"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let operation = request["operationName"].as_str();
        let document = match ExecutableDocument::parse_and_validate(
            &self.schema,
            query,
            "request.graphql",
        ) {
            Ok(document) => document,
            Err(invalid) => {
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
                return (200, json!({ "data": null, "errors": errors }));
            }
        };
        if let Some(limit) = self.depth_limit {
            let depth = exec::depth(&document, operation);
            if depth > limit {
                return (
                    200,
                    validation_error(&format!(
                        "Query depth {depth} exceeds the limit of {limit}."
                    )),
                );
            }
        }
        let context = exec::Context::new(
            Arc::clone(self),
            identity(&claims),
            headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), Value::from(v.to_str().ok()?))))
                .collect(),
            Value::Object(variables.clone()),
        );
        // apollo-compiler's execution future is not Send (it borrows the root object
        // as a `dyn` reference): run it on a blocking thread of this runtime.
        let operation = operation.map(str::to_owned);
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

/// The resolver context's `identity` for a Cognito user, as AppSync builds it.
fn identity(claims: &Claims) -> Value {
    let mut raw = json!({
        "sub": claims.sub,
        "iss": claims.iss,
        "aud": claims.aud,
        "token_use": claims.token_use,
        "exp": claims.exp,
        "iat": claims.iat,
    });
    if let Some(username) = &claims.username {
        raw["cognito:username"] = json!(username);
    }
    if let Some(email) = &claims.email {
        raw["email"] = json!(email);
    }
    if !claims.groups.is_empty() {
        raw["cognito:groups"] = json!(claims.groups);
    }
    json!({
        "claims": raw,
        "defaultAuthStrategy": "ALLOW",
        "groups": if claims.groups.is_empty() { Value::Null } else { json!(claims.groups) },
        "issuer": claims.iss,
        "sourceIp": ["127.0.0.1"],
        "sub": claims.sub,
        "username": claims.username,
    })
}

#[cfg(test)]
mod tests;
