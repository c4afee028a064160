//! `template.yml`, read as the one source of truth for what exists locally.
//!
//! CloudFormation short forms (`!Ref`, `!GetAtt`, `!Sub`, `!If`, ...) are turned into
//! their long forms and resolved against parameters and the physical ids of the
//! resources created so far.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value, json};

/// Region, account and stack the local stack pretends to be.
pub const REGION: &str = "us-east-1";
pub const ACCOUNT_ID: &str = "000000000000";

/// A loaded template.
#[derive(Debug, Clone)]
pub struct Template {
    root: Value,
}

/// A template problem that stops the runtime.
#[derive(Debug, thiserror::Error)]
#[error("template.yml: {0}")]
pub struct TemplateError(pub String);

impl Template {
    /// Reads and converts `path`.
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError(format!("{}: {e}", path.display())))?;
        Self::parse(&text)
    }

    /// Converts YAML text.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let yaml: serde_norway::Value =
            serde_norway::from_str(text).map_err(|e| TemplateError(e.to_string()))?;
        Ok(Self {
            root: to_json(yaml),
        })
    }

    /// `(logical id, resource)` of every resource of type `kind`, in template order.
    pub fn resources(&self, kind: &str) -> Vec<(String, Value)> {
        self.root["Resources"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, r)| r["Type"] == kind)
            .map(|(id, r)| (id.clone(), r.clone()))
            .collect()
    }

    /// One resource by logical id.
    pub fn resource(&self, id: &str) -> Option<&Value> {
        self.root["Resources"].get(id)
    }

    /// The functions' `Globals.Function` section.
    pub fn function_globals(&self) -> &Value {
        &self.root["Globals"]["Function"]
    }

    /// Parameter defaults, with `overrides` applied.
    pub fn parameters(&self, overrides: &[(&str, &str)]) -> HashMap<String, String> {
        let mut params: HashMap<String, String> = self.root["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, p)| (name.clone(), scalar(&p["Default"]).unwrap_or_default()))
            .collect();
        params.extend(
            overrides
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        params
    }

    /// The `Conditions` section, evaluated.
    pub fn conditions(&self, resolver: &Resolver) -> HashMap<String, bool> {
        self.root["Conditions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, c)| (name.clone(), resolver.truth(c)))
            .collect()
    }
}

/// YAML (with tags) to JSON in CloudFormation's long form.
fn to_json(value: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .filter_map(|(k, v)| scalar(&to_json(k)).map(|k| (k, to_json(v))))
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let name = tagged.tag.to_string();
            let name = name.trim_start_matches('!');
            let inner = to_json(tagged.value);
            match name {
                "Ref" => json!({ "Ref": inner }),
                "GetAtt" => match inner {
                    Value::String(s) => {
                        let (resource, attribute) = s.split_once('.').unwrap_or((s.as_str(), ""));
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                "Condition" => json!({ "Condition": inner }),
                other => json!({ format!("Fn::{other}"): inner }),
            }
        }
    }
}

/// A scalar as text (`"true"`, `"30"`, `"dev"`).
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A whole-number property, written as a number or as a numeric string (both are
/// valid CloudFormation).
pub fn integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str()?.parse().ok())
}

/// Resolves intrinsic functions against parameters and created resources.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    pub params: HashMap<String, String>,
    /// `Ref` values of created resources (table names, queue URLs, pool ids).
    pub refs: HashMap<String, String>,
    /// `GetAtt` values as `"Logical.Attribute"` (ARNs).
    pub attrs: HashMap<String, String>,
    pub conditions: HashMap<String, bool>,
    pub stack_name: String,
    /// Domains that AWS serves over TLS but this runtime serves in plain text on
    /// loopback (the Events API's `Dns.Http`/`Dns.Realtime`, see [`Self::sub`]).
    pub plain_text_domains: Vec<String>,
}

impl Resolver {
    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "AWS::Region" => Some(REGION.to_owned()),
            "AWS::AccountId" => Some(ACCOUNT_ID.to_owned()),
            "AWS::Partition" => Some("aws".to_owned()),
            "AWS::URLSuffix" => Some("amazonaws.com".to_owned()),
            "AWS::StackName" => Some(self.stack_name.clone()),
            _ => self
                .params
                .get(name)
                .or_else(|| self.refs.get(name))
                .or_else(|| self.attrs.get(name))
                .cloned(),
        }
    }

    /// `value` with every intrinsic function it can resolve replaced by its value.
    pub fn resolve(&self, value: &Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve(v)).collect()),
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map
                    .iter()
                    .next()
                    .map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
                match key {
                    "Ref" => scalar(arg)
                        .and_then(|n| self.lookup(&n))
                        .map_or(Value::Null, Value::String),
                    "Fn::GetAtt" => self.get_att(arg),
                    "Fn::Sub" => self.sub(arg),
                    "Fn::If" => self.if_(arg),
                    "Fn::Join" => self.join(arg),
                    "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                        Value::Bool(self.truth(value))
                    }
                    _ => Value::Object(
                        map.iter()
                            .map(|(k, v)| (k.clone(), self.resolve(v)))
                            .collect::<Map<_, _>>(),
                    ),
                }
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The text of a resolved scalar.
    pub fn text(&self, value: &Value) -> Option<String> {
        scalar(&self.resolve(value))
    }

    fn get_att(&self, arg: &Value) -> Value {
        let parts: Vec<String> = arg
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(scalar)
            .collect();
        self.attrs
            .get(&parts.join("."))
            .map_or(Value::Null, |v| Value::String(v.clone()))
    }

    fn sub(&self, arg: &Value) -> Value {
        let (text, vars) = match arg {
            Value::Array(parts) => (
                parts.first().and_then(scalar).unwrap_or_default(),
                parts.get(1).cloned(),
            ),
            other => (scalar(other).unwrap_or_default(), None),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                break;
            };
            let name = &rest[start + 2..start + end];
            let local = vars
                .as_ref()
                .and_then(|v| v.get(name))
                .and_then(|v| self.text(v));
            out.push_str(&local.or_else(|| self.lookup(name)).unwrap_or_default());
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Value::String(self.without_tls(out))
    }

    /// An AWS endpoint is always TLS, so the template builds its URLs as
    /// `!Sub https://${EventsApi.Dns.Http}/event`. Locally that domain is this
    /// runtime's own `127.0.0.1:<port>`, served without TLS: a substituted text that
    /// is an `https://` (`wss://`) URL of one of [`Self::plain_text_domains`] becomes
    /// `http://` (`ws://`), so that the function's environment names the endpoint it
    /// can reach. Nothing else is rewritten: another host keeps its scheme.
    fn without_tls(&self, text: String) -> String {
        for (secure, plain) in [("https://", "http://"), ("wss://", "ws://")] {
            let Some(rest) = text.strip_prefix(secure) else {
                continue;
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if self.plain_text_domains.iter().any(|d| d == authority) {
                return format!("{plain}{rest}");
            }
        }
        text
    }

    fn if_(&self, arg: &Value) -> Value {
        let condition = arg.get(0).and_then(scalar).unwrap_or_default();
        let chosen = if self.conditions.get(&condition).copied().unwrap_or(false) {
            arg.get(1)
        } else {
            arg.get(2)
        };
        chosen.map_or(Value::Null, |v| self.resolve(v))
    }

    fn join(&self, arg: &Value) -> Value {
        let separator = arg.get(0).and_then(scalar).unwrap_or_default();
        let parts: Vec<String> = match self.resolve(arg.get(1).unwrap_or(&Value::Null)) {
            Value::Array(items) => items.iter().filter_map(scalar).collect(),
            _ => Vec::new(),
        };
        Value::String(parts.join(&separator))
    }

    /// Evaluates a condition expression.
    pub fn truth(&self, value: &Value) -> bool {
        let Some((key, arg)) = value.as_object().and_then(|m| m.iter().next()) else {
            return scalar(value).is_some_and(|s| s == "true");
        };
        let args: Vec<&Value> = arg
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        match key.as_str() {
            "Fn::Equals" => args.len() == 2 && self.resolve(args[0]) == self.resolve(args[1]),
            "Fn::Not" => !args.first().is_some_and(|v| self.truth(v)),
            "Fn::And" => args.iter().all(|v| self.truth(v)),
            "Fn::Or" => args.iter().any(|v| self.truth(v)),
            "Condition" => scalar(arg)
                .and_then(|c| self.conditions.get(&c).copied())
                .unwrap_or(false),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_forms_resolve_against_parameters_and_created_resources() {
        let t = Template::parse(
            "Parameters:\n  Environment: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Environment, prod]\nResources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !Sub transactions-table-${Environment}\n      Protect: !If [IsProd, true, false]\n      Stream: !GetAtt T.StreamArn\n",
        )
        .unwrap();
        let mut r = Resolver {
            params: t.parameters(&[("Environment", "local")]),
            ..Resolver::default()
        };
        r.conditions = t.conditions(&r);
        r.attrs.insert("T.StreamArn".into(), "arn:stream".into());
        let props = r.resolve(&t.resource("T").unwrap()["Properties"]);
        assert_eq!(props["TableName"], "transactions-table-local");
        assert_eq!(props["Protect"], false);
        assert_eq!(props["Stream"], "arn:stream");
    }

    #[test]
    fn a_url_to_a_locally_plain_text_domain_loses_its_tls_scheme_and_no_other_does() {
        let t = Template::parse(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Http: !Sub https://${Api.Dns.Http}/event\n      Ws: !Sub wss://${Api.Dns.Realtime}/event/realtime\n      Other: !Sub https://${Api.Dns.Http}.example.com/x\n      Aws: !Sub https://sqs.${AWS::Region}.amazonaws.com\n",
        )
        .unwrap();
        let mut r = Resolver {
            plain_text_domains: vec!["127.0.0.1:3000".into()],
            ..Resolver::default()
        };
        r.attrs
            .insert("Api.Dns.Http".into(), "127.0.0.1:3000".into());
        r.attrs
            .insert("Api.Dns.Realtime".into(), "127.0.0.1:3000".into());
        let props = r.resolve(&t.resource("F").unwrap()["Properties"]);
        assert_eq!(props["Http"], "http://127.0.0.1:3000/event");
        assert_eq!(props["Ws"], "ws://127.0.0.1:3000/event/realtime");
        assert_eq!(props["Other"], "https://127.0.0.1:3000.example.com/x");
        assert_eq!(props["Aws"], "https://sqs.us-east-1.amazonaws.com");
    }
}
