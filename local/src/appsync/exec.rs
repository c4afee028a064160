//! Executing a validated document as AppSync does with direct Lambda resolvers: a
//! field with a resolver invokes the handler with the resolver context (`arguments`,
//! `identity`, `source`, `info` with `fieldName`, `parentTypeName`, `variables`,
//! `selectionSetList`, `selectionSetGraphQL`, `request`, `prev`, `stash`); a field
//! without one is read from its parent's value. A batched resolver (`MaxBatchSize`) on
//! the items of a list is invoked once per batch of items (`BatchInvoke`), as AppSync
//! batches it. A resolver's error becomes the field's error with its `errorType`.
//! Every field is first checked against the schema's auth directives for the
//! request's auth mode ([`super::auth::Directives`]): a field the caller may not
//! select is null with an `Unauthorized` error, and its resolver is never invoked.

use std::collections::HashMap;
use std::sync::Arc;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::resolvers::{
    AsyncObjectValue, AsyncResolvedValue, Execution, FieldError, ResolveInfo,
};
use apollo_compiler::response::JsonMap;
use apollo_compiler::schema::Type;
use apollo_compiler::validation::Valid;
use futures::StreamExt as _;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{GraphqlApi, Requester, validation_error};

/// Separates a resolver error's type from its message inside apollo-compiler's field
/// error (which carries a message only); split again when the response is built.
const TYPE_MARK: char = '\u{1F}';

/// What every resolver context of one request shares.
pub struct Context {
    pub api: Arc<GraphqlApi>,
    /// Who sent the request, and the `identity` AppSync hands resolvers for them.
    pub requester: Requester,
    pub identity: Value,
    pub headers: serde_json::Map<String, Value>,
    pub variables: Value,
    /// Resolver calls made so far (against the API's `ResolverCountLimit`).
    resolver_calls: std::sync::atomic::AtomicUsize,
}

impl Context {
    /// The context of a request from `requester` with these `headers` and `variables`.
    pub fn new(
        api: Arc<GraphqlApi>,
        requester: Requester,
        headers: serde_json::Map<String, Value>,
        variables: Value,
    ) -> Self {
        Self {
            api,
            identity: requester.identity("127.0.0.1"),
            requester,
            headers,
            variables,
            resolver_calls: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Counts `n` more resolver calls; an error once the limit is passed.
    fn count(&self, n: usize) -> Result<(), FieldError> {
        let before = self
            .resolver_calls
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        if before + n > self.api.resolver_limit {
            return Err(field_error(
                "ResolverCountLimitExceeded",
                &format!(
                    "The request needs more than {} resolver calls.",
                    self.api.resolver_limit
                ),
            ));
        }
        Ok(())
    }
}

/// A resolver's answer for one item: its value, or (errorType, message).
type Answer = Result<Value, (String, String)>;

/// Items of one list, for batched resolvers: each batch's answers, by field key.
struct Siblings {
    sources: Vec<Value>,
    answers: Mutex<HashMap<String, Vec<Answer>>>,
}

/// An object value: the root (`Query`/`Mutation`) or a parent's value.
struct Object {
    context: Arc<Context>,
    type_name: String,
    value: Value,
    /// Its list and its place in it, when it is an item of a list.
    siblings: Option<(Arc<Siblings>, usize)>,
}

/// Executes `document` for the request of `context`; the GraphQL response as AppSync
/// writes it (`errors[]` with `errorType`, `path`, `locations`, `data`, `errorInfo`).
pub async fn execute(
    context: Context,
    document: &Valid<ExecutableDocument>,
    operation: Option<&str>,
    variables: serde_json::Map<String, Value>,
) -> Value {
    let context = Arc::new(context);
    let Ok(operation) = document.operations.get(operation) else {
        return validation_error("Unknown or ambiguous operation name.");
    };
    let variables: JsonMap = match serde_json::from_value(Value::Object(variables)) {
        Ok(v) => v,
        Err(_) => {
            return validation_error("Variables are not a JSON object.");
        }
    };
    let root = Object {
        context: Arc::clone(&context),
        type_name: operation.object_type().to_string(),
        value: Value::Null,
        siblings: None,
    };
    let execution = Execution::new(&context.api.schema, document)
        .operation(operation)
        .raw_variable_values(&variables)
        .enable_schema_introspection(context.api.introspection);
    match execution.execute_async(&root).await {
        Ok(response) => appsync_response(serde_json::to_value(response).unwrap_or(Value::Null)),
        Err(error) => validation_error(&error.message().to_string()),
    }
}

/// apollo-compiler's response with each error in AppSync's shape.
fn appsync_response(mut response: Value) -> Value {
    let errors: Vec<Value> = response["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|error| {
            let text = error["message"].as_str().unwrap_or_default();
            // apollo-compiler words a field error `resolver error: <message>`.
            let (error_type, message) = text
                .split_once(TYPE_MARK)
                .map_or(("ExecutionError", text), |(t, m)| {
                    (t.rsplit(": ").next().unwrap_or(t), m)
                });
            let locations: Vec<Value> = error["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| json!({ "line": l["line"], "column": l["column"], "sourceName": null }))
                .collect();
            json!({
                "path": error.get("path").cloned().unwrap_or(json!([])),
                "data": null,
                "errorType": error_type,
                "errorInfo": null,
                "locations": locations,
                "message": message,
            })
        })
        .collect();
    let data = response
        .get_mut("data")
        .map(Value::take)
        .unwrap_or(Value::Null);
    if errors.is_empty() {
        json!({ "data": data })
    } else {
        json!({ "data": data, "errors": errors })
    }
}

impl AsyncObjectValue for Object {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> BoxFuture<'a, Result<AsyncResolvedValue<'a>, FieldError>> {
        Box::pin(async move {
            let field = info.field_name();
            let returns = info.field_definition().ty.inner_named_type();
            self.context
                .api
                .directives
                .check(&self.context.requester, &self.type_name, field, returns)
                .map_err(|message| field_error("Unauthorized", &message))?;
            let key = (self.type_name.clone(), field.to_owned());
            let value = match self.context.api.resolvers.get(&key) {
                Some(batch) => self.invoke(info, *batch).await?,
                None => self.value.get(field).cloned().unwrap_or(Value::Null),
            };
            Ok(complete(&self.context, value, &info.field_definition().ty))
        })
    }
}

impl Object {
    /// The resolver context AppSync sends for this field of this object.
    fn event(&self, info: &ResolveInfo<'_>, source: &Value) -> Value {
        let arguments = serde_json::to_value(info.arguments()).unwrap_or_else(|_| json!({}));
        let fields = info.field_selections();
        let selection = fields.first().map(|f| &f.selection_set);
        let mut list = Vec::new();
        if let Some(set) = selection {
            selection_list(info.document(), set, "", &mut list);
        }
        json!({
            "arguments": arguments,
            "identity": self.context.identity,
            "source": source,
            "request": { "headers": self.context.headers, "domainName": null },
            "prev": null,
            "info": {
                "fieldName": info.field_name(),
                "parentTypeName": self.type_name,
                "variables": self.context.variables,
                "selectionSetList": list,
                "selectionSetGraphQL": selection.map(|s| s.serialize().to_string()).unwrap_or_default(),
            },
            "stash": {},
        })
    }

    /// Invokes the field's resolver (batched with this object's siblings when the
    /// resolver has a `MaxBatchSize`).
    async fn invoke(
        &self,
        info: &ResolveInfo<'_>,
        batch: Option<usize>,
    ) -> Result<Value, FieldError> {
        let handler = &self.context.api.handler;
        let (Some(size), Some((siblings, index))) = (batch, &self.siblings) else {
            self.context.count(1)?;
            let source = if self.value.is_null() {
                Value::Null
            } else {
                self.value.clone()
            };
            return handler
                .invoke(self.event(info, &source))
                .await
                .map_err(|d| field_error(&d.error_type, &d.error_message));
        };
        let key = format!(
            "{}{}",
            info.field_name(),
            serde_json::to_string(&info.arguments()).unwrap_or_default()
        );
        let mut answers = siblings.answers.lock().await;
        if !answers.contains_key(&key) {
            self.context.count(siblings.sources.len())?;
            let mut all = Vec::with_capacity(siblings.sources.len());
            for chunk in siblings.sources.chunks(size.max(1)) {
                let events: Vec<Value> = chunk.iter().map(|s| self.event(info, s)).collect();
                match handler.invoke(Value::Array(events)).await {
                    Ok(Value::Array(items)) if items.len() == chunk.len() => {
                        all.extend(items.into_iter().map(
                            |item| match item["errorType"].as_str() {
                                Some(t) => Err((
                                    t.to_owned(),
                                    item["errorMessage"].as_str().unwrap_or_default().to_owned(),
                                )),
                                None => Ok(item["data"].clone()),
                            },
                        ));
                    }
                    Ok(_) => all.extend(chunk.iter().map(|_| {
                        Err((
                            "Lambda:Unhandled".to_owned(),
                            "The batch answer does not match its batch.".to_owned(),
                        ))
                    })),
                    Err(d) => all.extend(
                        chunk
                            .iter()
                            .map(|_| Err((d.error_type.clone(), d.error_message.clone()))),
                    ),
                }
            }
            answers.insert(key.clone(), all);
        }
        match answers.get(&key).and_then(|a| a.get(*index)) {
            Some(Ok(value)) => Ok(value.clone()),
            Some(Err((t, m))) => Err(field_error(t, m)),
            None => Err(field_error("Lambda:Unhandled", "No answer for this item.")),
        }
    }
}

fn field_error(error_type: &str, message: &str) -> FieldError {
    FieldError {
        message: format!("{error_type}{TYPE_MARK}{message}"),
    }
}

/// A resolved JSON value completed as the field's type: objects become [`Object`]s
/// (their fields resolved in turn), lists item by item, the rest leaves.
fn complete<'a>(context: &Arc<Context>, value: Value, ty: &Type) -> AsyncResolvedValue<'a> {
    if value.is_null() {
        return AsyncResolvedValue::null();
    }
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => {
            let items = match value {
                Value::Array(items) => items,
                other => vec![other],
            };
            let siblings = Arc::new(Siblings {
                sources: items.clone(),
                answers: Mutex::new(HashMap::new()),
            });
            let inner = inner.as_ref().clone();
            let context = Arc::clone(context);
            let resolved: Vec<Result<AsyncResolvedValue<'a>, FieldError>> = items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    Ok(complete_item(
                        &context,
                        item,
                        &inner,
                        Some((Arc::clone(&siblings), index)),
                    ))
                })
                .collect();
            AsyncResolvedValue::List(futures::stream::iter(resolved).boxed())
        }
        named => complete_item(context, value, named, None),
    }
}

fn complete_item<'a>(
    context: &Arc<Context>,
    value: Value,
    ty: &Type,
    siblings: Option<(Arc<Siblings>, usize)>,
) -> AsyncResolvedValue<'a> {
    if value.is_null() {
        return AsyncResolvedValue::null();
    }
    if ty.is_list() {
        return complete(context, value, ty);
    }
    let name = ty.inner_named_type();
    if context.api.schema.get_object(name).is_some() {
        return AsyncResolvedValue::object(Object {
            context: Arc::clone(context),
            type_name: name.to_string(),
            value,
            siblings,
        });
    }
    AsyncResolvedValue::leaf(serde_json_bytes::Value::from(value))
}

/// `selectionSetList`: the paths of every field selected under the field, `a`, `a/b`.
fn selection_list(
    document: &ExecutableDocument,
    set: &SelectionSet,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                let path = format!("{prefix}{}", field.response_key());
                out.push(path.clone());
                selection_list(document, &field.selection_set, &format!("{path}/"), out);
            }
            Selection::InlineFragment(fragment) => {
                selection_list(document, &fragment.selection_set, prefix, out);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                    selection_list(document, &fragment.selection_set, prefix, out);
                }
            }
        }
    }
}
