//! The Events API as `template.yml` declares it: the `AWS::AppSync::Api` with an
//! `EventConfig`, its auth modes, its `AWS::AppSync::ChannelNamespace`s and their
//! `onSubscribe` handlers (DIRECT Lambda data source → function → the handler code
//! the Lambda runs, bound here by binary name).

use serde_json::Value;

use crate::functions::FunctionDef;
use crate::template::{Resolver, Template, scalar};

/// The handler code of a function the runtime can run as an Events handler.
pub type HandlerFn = fn(Value) -> Value;

/// An auth mode (`AuthType`) of the API or of a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// `AMAZON_COGNITO_USER_POOLS`: a Cognito IdToken or access token.
    Cognito,
    /// `AWS_IAM`: a SigV4 signature.
    Iam,
    /// Any other (`API_KEY`, `AWS_LAMBDA`, `OPENID_CONNECT`): not emulated, so every
    /// request in that mode is refused.
    Other(String),
}

impl AuthMode {
    fn parse(value: &Value) -> Self {
        match scalar(&value["AuthType"]).unwrap_or_default().as_str() {
            "AMAZON_COGNITO_USER_POOLS" => Self::Cognito,
            "AWS_IAM" => Self::Iam,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// An `onSubscribe` handler: the function it invokes.
#[derive(Debug, Clone)]
pub struct Handler {
    /// The function's logical id (for logs).
    pub function: String,
    pub code: HandlerFn,
    /// The function's `Timeout`.
    pub timeout: std::time::Duration,
}

/// One channel namespace.
#[derive(Debug, Clone)]
pub struct Namespace {
    pub name: String,
    pub publish: Vec<AuthMode>,
    pub subscribe: Vec<AuthMode>,
    pub on_subscribe: Option<Handler>,
}

/// The Events API.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// The API's logical id.
    pub id: String,
    pub connection: Vec<AuthMode>,
    pub namespaces: Vec<Namespace>,
}

impl EventsConfig {
    /// The namespace called `name`.
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.name == name)
    }
}

/// The handler code of `binary`, if this runtime links it.
fn handler_code(binary: &str) -> Option<HandlerFn> {
    match binary {
        "events-subscribe" => Some(events_subscribe::handle),
        _ => None,
    }
}

/// The template's Events API (the first `AWS::AppSync::Api` with an `EventConfig`),
/// or `None` when it has none. An `onSubscribe` handler this runtime cannot run is an
/// error: skipping it would let every subscription through.
pub fn read(
    template: &Template,
    resolver: &Resolver,
    defs: &[FunctionDef],
) -> Result<Option<EventsConfig>, String> {
    let Some((id, api)) = template
        .resources("AWS::AppSync::Api")
        .into_iter()
        .find(|(_, r)| r["Properties"]["EventConfig"].is_object())
    else {
        return Ok(None);
    };
    let config = resolver.resolve(&api["Properties"]["EventConfig"]);
    let modes = |field: &str| -> Vec<AuthMode> {
        config[field]
            .as_array()
            .into_iter()
            .flatten()
            .map(AuthMode::parse)
            .collect()
    };
    let (default_publish, default_subscribe) = (
        modes("DefaultPublishAuthModes"),
        modes("DefaultSubscribeAuthModes"),
    );
    let mut namespaces = Vec::new();
    for (ns_id, resource) in template.resources("AWS::AppSync::ChannelNamespace") {
        let raw = &resource["Properties"];
        if target(&raw["ApiId"]).as_deref() != Some(id.as_str()) {
            continue;
        }
        let p = resolver.resolve(raw);
        let own = |field: &str, default: &[AuthMode]| match p[field].as_array() {
            Some(modes) => modes.iter().map(AuthMode::parse).collect(),
            None => default.to_vec(),
        };
        namespaces.push(Namespace {
            name: scalar(&p["Name"]).unwrap_or_else(|| ns_id.clone()),
            publish: own("PublishAuthModes", &default_publish),
            subscribe: own("SubscribeAuthModes", &default_subscribe),
            on_subscribe: on_subscribe(template, defs, &ns_id, raw)?,
        });
    }
    Ok(Some(EventsConfig {
        connection: modes("ConnectionAuthModes"),
        id,
        namespaces,
    }))
}

/// The function behind a namespace's `HandlerConfigs.OnSubscribe`.
fn on_subscribe(
    template: &Template,
    defs: &[FunctionDef],
    namespace: &str,
    properties: &Value,
) -> Result<Option<Handler>, String> {
    let config = &properties["HandlerConfigs"]["OnSubscribe"];
    if config.is_null() {
        if !properties["CodeHandlers"].is_null() || !properties["CodeS3Location"].is_null() {
            return Err(format!(
                "{namespace}: APPSYNC_JS handler code is not emulated locally"
            ));
        }
        return Ok(None);
    }
    let fail = |why: &str| Err(format!("{namespace}: OnSubscribe: {why}"));
    if scalar(&config["Behavior"]).as_deref() != Some("DIRECT") {
        return fail("only the DIRECT behavior (a Lambda data source) is emulated");
    }
    let Some(source) = data_source(template, &config["Integration"]["DataSourceName"]) else {
        return fail("its data source is not in the template");
    };
    let Some(function) = target(&source["Properties"]["LambdaConfig"]["LambdaFunctionArn"]) else {
        return fail("its data source is not a Lambda function of the template");
    };
    let Some(def) = defs.iter().find(|d| d.id == function) else {
        return fail("its function is not in the template");
    };
    let Some(code) = handler_code(&def.binary) else {
        return fail(&format!(
            "the local runtime cannot run the binary `{}`",
            def.binary
        ));
    };
    Ok(Some(Handler {
        function: def.id.clone(),
        code,
        timeout: def.timeout,
    }))
}

/// The data source a `DataSourceName` names: `!GetAtt <logical id>.Name` or the name.
fn data_source(template: &Template, name: &Value) -> Option<Value> {
    let sources = template.resources("AWS::AppSync::DataSource");
    if let Some(id) = target(name) {
        return sources.into_iter().find(|(i, _)| *i == id).map(|(_, r)| r);
    }
    let name = scalar(name)?;
    sources
        .into_iter()
        .find(|(_, r)| scalar(&r["Properties"]["Name"]).as_deref() == Some(name.as_str()))
        .map(|(_, r)| r)
}

/// The logical id a `!GetAtt X.Attr` or `!Ref X` points to.
fn target(value: &Value) -> Option<String> {
    value
        .get("Fn::GetAtt")
        .and_then(|v| v.get(0))
        .or_else(|| value.get("Ref"))
        .and_then(scalar)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The repository's template and a resolver for it.
    pub(crate) fn repository() -> (Template, Resolver) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
        let template = Template::load(&path).unwrap();
        let mut resolver = Resolver {
            params: template.parameters(&[]),
            ..Resolver::default()
        };
        resolver.conditions = template.conditions(&resolver);
        (template, resolver)
    }

    #[test]
    fn the_repositorys_users_namespace_is_iam_to_publish_and_cognito_to_subscribe() {
        let (template, resolver) = repository();
        let defs = crate::functions::functions(&template, &resolver);
        let api = read(&template, &resolver, &defs).unwrap().unwrap();
        assert_eq!(api.connection, vec![AuthMode::Cognito]);
        let users = api.namespace("users").unwrap();
        assert_eq!(users.publish, vec![AuthMode::Iam]);
        assert_eq!(users.subscribe, vec![AuthMode::Cognito]);
        let handler = users.on_subscribe.as_ref().unwrap();
        assert_eq!(handler.function, "EventsSubscribeFunction");
        assert!(api.namespace("other").is_none());
    }

    #[test]
    fn a_handler_the_runtime_cannot_run_stops_it_rather_than_allowing_everything() {
        let yaml = "Resources:\n  Api:\n    Type: AWS::AppSync::Api\n    Properties:\n      EventConfig:\n        AuthProviders: [{AuthType: AWS_IAM}]\n  Ns:\n    Type: AWS::AppSync::ChannelNamespace\n    Properties:\n      ApiId: !GetAtt Api.ApiId\n      Name: users\n      HandlerConfigs:\n        OnSubscribe:\n          Behavior: CODE\n";
        let template = Template::parse(yaml).unwrap();
        let error = read(&template, &Resolver::default(), &[]).unwrap_err();
        assert!(error.contains("DIRECT"), "{error}");
        let api = read(
            &Template::parse(&yaml.replace(
                "      HandlerConfigs:\n        OnSubscribe:\n          Behavior: CODE\n",
                "",
            ))
            .unwrap(),
            &Resolver::default(),
            &[],
        )
        .unwrap()
        .unwrap();
        // Modes default to none: nothing is authorized that the template did not say.
        assert!(api.namespace("users").unwrap().publish.is_empty());
    }
}
