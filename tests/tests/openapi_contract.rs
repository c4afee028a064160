//! `openapi.yaml` documents exactly the API routes `template.yml` declares, and every
//! `$ref` in it points at a component it defines. The document is read by plain text
//! scanning (no YAML parser among the dependencies): it is written in block style, with
//! two-space indentation.

use std::collections::BTreeSet;
use std::path::PathBuf;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn workspace_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
}

fn openapi_text() -> String {
    let path = workspace_file("openapi.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `"POST /transactions"` for every `Type: Api` event of the template.
fn template_routes() -> BTreeSet<String> {
    let path = workspace_file("template.yml");
    local_runtime::template_api_routes(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|route| format!("{} {}", route.method, route.path))
        .collect()
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The mapping key of a `key:` line (quotes removed), if the line is one.
fn key_of(line: &str) -> Option<String> {
    let trimmed = line.trim();
    if trimmed.starts_with('#') || trimmed.starts_with('-') {
        return None;
    }
    let key = trimmed.strip_suffix(':').or_else(|| {
        trimmed
            .split_once(": ")
            .map(|(key, _)| key)
            .filter(|k| !k.contains(' ') || k.starts_with(['\'', '"']))
    })?;
    Some(key.trim_matches(|c| c == '\'' || c == '"').to_owned())
}

/// The lines of the block under the top-level `name:` key.
fn top_level_block<'t>(text: &'t str, name: &str) -> Vec<&'t str> {
    let mut lines = text
        .lines()
        .skip_while(|l| l.trim_end() != format!("{name}:"));
    assert!(
        lines.next().is_some(),
        "no top-level `{name}:` in openapi.yaml"
    );
    lines
        .take_while(|l| l.trim().is_empty() || l.starts_with(' '))
        .collect()
}

/// `"POST /transactions"` for every operation under `paths:` of openapi.yaml.
fn documented_operations(text: &str) -> BTreeSet<String> {
    let mut operations = BTreeSet::new();
    let mut path: Option<String> = None;
    for line in top_level_block(text, "paths") {
        let Some(key) = key_of(line) else { continue };
        match indentation(line) {
            2 => {
                assert!(key.starts_with('/'), "path key not starting with /: {line}");
                path = Some(key);
            }
            4 if METHODS.contains(&key.as_str()) => {
                let path = path.as_deref().unwrap_or_else(|| panic!("no path: {line}"));
                operations.insert(format!("{} {path}", key.to_uppercase()));
            }
            _ => {}
        }
    }
    operations
}

#[test]
fn every_api_route_of_the_template_is_documented_with_its_method() {
    let documented = documented_operations(&openapi_text());
    let routes = template_routes();
    assert_eq!(routes.len(), 21, "template routes: {routes:?}");
    let missing: Vec<&String> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "template.yml routes missing from openapi.yaml: {missing:?}"
    );
}

#[test]
fn every_documented_operation_is_an_api_route_of_the_template() {
    let documented = documented_operations(&openapi_text());
    assert!(
        !documented.is_empty(),
        "no operations found in openapi.yaml"
    );
    let routes = template_routes();
    let extra: Vec<&String> = documented.difference(&routes).collect();
    assert!(
        extra.is_empty(),
        "openapi.yaml operations that template.yml does not route: {extra:?}"
    );
}

#[test]
fn every_reference_points_at_a_defined_component() {
    let text = openapi_text();
    let mut defined = BTreeSet::new();
    let mut section: Option<String> = None;
    for line in top_level_block(&text, "components") {
        let Some(key) = key_of(line) else { continue };
        match indentation(line) {
            2 => section = Some(key),
            4 => {
                let section = section.as_deref().unwrap_or_else(|| panic!("{line}"));
                defined.insert(format!("#/components/{section}/{key}"));
            }
            _ => {}
        }
    }
    let references: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("$ref:"))
        .map(|r| r.trim().trim_matches(|c| c == '\'' || c == '"').to_owned())
        .collect();
    assert!(references.len() > 10, "too few $refs found: {references:?}");
    let dangling: Vec<&String> = references.difference(&defined).collect();
    assert!(dangling.is_empty(), "undefined $ref targets: {dangling:?}");
}

#[test]
fn the_document_is_openapi_3_0_3_and_needs_a_token_except_for_sign_in() {
    let text = openapi_text();
    assert!(text.lines().any(|l| l.trim_end() == "openapi: 3.0.3"));
    assert!(text.contains("scheme: bearer"), "no bearer security scheme");
    let mut public = BTreeSet::new();
    let mut path = String::new();
    for line in top_level_block(&text, "paths") {
        if indentation(line) == 2
            && let Some(key) = key_of(line)
        {
            path = key;
        }
        if line.trim() == "security: []" {
            public.insert(path.clone());
        }
    }
    assert_eq!(
        public,
        BTreeSet::from([
            "/auth/login".to_owned(),
            "/auth/refresh".to_owned(),
            "/statements/verify".to_owned(),
        ]),
        "only /auth/* and /statements/verify may opt out of the Cognito token"
    );
}
