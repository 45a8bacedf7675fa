//! The role matrix, read from the served OpenAPI document: every operation that needs a
//! sign-in names, as its bearer requirement, the one capability its handler requires first.
//! Every role without that capability is refused (403) before anything is read or written.

use crate::helpers::{TestApp, spawn_app};
use portal::auth::{Capability, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

/// Operations any signed-in user may call: their bearer requirement names no capability.
const ANY_SIGNED_IN: &[(&str, &str)] = &[
    ("get", "/api/me"),
    ("put", "/api/me/password"),
    ("put", "/api/me/locale"),
    ("post", "/api/auth/logout"),
    ("post", "/api/me/sign-out-everywhere"),
    // Each user's own inbox and email choices (issue 13).
    ("get", "/api/notices"),
    ("get", "/api/notices/unread"),
    ("post", "/api/notices/read-all"),
    ("get", "/api/notices/preferences"),
    ("put", "/api/notices/preferences"),
    ("get", "/api/notices/{id}"),
    ("post", "/api/notices/{id}/read"),
];

const METHODS: [(&str, Method); 5] = [
    ("get", Method::GET),
    ("post", Method::POST),
    ("put", Method::PUT),
    ("patch", Method::PATCH),
    ("delete", Method::DELETE),
];

/// One documented operation.
struct Operation {
    name: &'static str,
    method: Method,
    template: String,
    spec: Value,
}

impl Operation {
    fn label(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// The scopes of its bearer requirement; `None` when it needs no sign-in. Several
    /// requirement objects naming the bearer scheme are answered as one list of their scopes
    /// (and refused by the naming test).
    fn bearer(&self) -> Option<Vec<String>> {
        let reqs: Vec<&Value> = self.spec["security"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("bearer"))
            .collect();
        if reqs.is_empty() {
            return None;
        }
        let mut scopes: Vec<String> = reqs
            .iter()
            .flat_map(|r| r.as_array().cloned().unwrap_or_default())
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect();
        if reqs.len() > 1 {
            scopes.push(format!("({} bearer requirements)", reqs.len()));
        }
        Some(scopes)
    }

    /// The capability its bearer requirement names, when it names exactly one known one.
    fn capability(&self) -> Option<Capability> {
        match self.bearer()?.as_slice() {
            [one] => Capability::parse(one),
            _ => None,
        }
    }
}

async fn document(app: &TestApp) -> Value {
    reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .expect("the document is not JSON")
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (template, item) in doc["paths"].as_object().into_iter().flatten() {
        for (name, method) in METHODS {
            if let Some(spec) = item.get(name) {
                ops.push(Operation {
                    name,
                    method,
                    template: template.clone(),
                    spec: spec.clone(),
                });
            }
        }
    }
    assert!(ops.len() > 100, "too few operations: {}", ops.len());
    ops
}

/// A value that `schema` accepts and the handler's extractor deserializes: `$ref`s resolved,
/// the first of `oneOf`/`anyOf`, `allOf` merged, objects with their required properties only,
/// each filled by its type, format or enum.
fn example(doc: &Value, schema: &Value, depth: usize) -> Value {
    assert!(depth < 32, "a schema too deep to fill: {schema}");
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "unresolved {r}");
        return example(doc, target, depth + 1);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema[key]
            .as_array()
            .and_then(|v| v.iter().find(|s| s["type"] != "null"))
        {
            return example(doc, first, depth + 1);
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in all {
            match example(doc, part, depth + 1) {
                Value::Object(o) => merged.extend(o),
                Value::Null => {}
                other => return other,
            }
        }
        return Value::Object(merged);
    }
    if let Some(v) = schema.get("const") {
        return v.clone();
    }
    if let Some(v) = schema["enum"]
        .as_array()
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return v.clone();
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema["properties"].is_object() => "object",
        _ => "",
    };
    match ty {
        "object" => {
            let mut out = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                out.insert(
                    name.to_string(),
                    example(doc, &schema["properties"][name], depth + 1),
                );
            }
            Value::Object(out)
        }
        "array" => {
            let n = schema["minItems"].as_u64().unwrap_or(0) as usize;
            let item = example(doc, &schema["items"], depth + 1);
            Value::Array(vec![item; n])
        }
        "integer" => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        "number" => json!(1),
        "boolean" => json!(true),
        "string" => json!(match schema["format"].as_str().unwrap_or_default() {
            "date" => "2027-01-01",
            "date-time" => "2027-01-01T00:00:00Z",
            "email" => "someone@example.test",
            _ => "1",
        }),
        _ => Value::Null,
    }
}

/// The operation as a request: path parameters are ids of existing records (1), required
/// query parameters and the JSON body are filled from their schemas.
fn request(app: &TestApp, doc: &Value, op: &Operation, token: &str) -> reqwest::RequestBuilder {
    let params: Vec<&Value> = op.spec["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let text = |p: &Value| match example(doc, &p["schema"], 0) {
        Value::String(s) => s,
        Value::Null => "1".to_string(),
        v => v.to_string(),
    };
    let mut path = op.template.clone();
    for p in params.iter().filter(|p| p["in"] == "path") {
        let name = p["name"].as_str().unwrap_or_default();
        path = path.replace(&format!("{{{name}}}"), &text(p));
    }
    assert!(
        !path.contains('{'),
        "{}: a path parameter is not documented",
        op.label()
    );
    let query: Vec<(String, String)> = params
        .iter()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| (p["name"].as_str().unwrap_or_default().to_string(), text(p)))
        .collect();
    let mut req = reqwest::Client::new()
        .request(op.method.clone(), app.url(&path))
        .bearer_auth(token)
        .header("Accept-Language", "en")
        .query(&query);
    let content = &op.spec["requestBody"]["content"];
    if let Some(json) = content.get("application/json") {
        req = req.json(&example(doc, &json["schema"], 0));
    } else if content.get("multipart/form-data").is_some() {
        let file = reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf");
        req = req.multipart(reqwest::multipart::Form::new().part("file", file));
    }
    req
}

/// Every role without an operation's capability is refused it with 403, and the refusal
/// changes nothing: no audit record, no email queued.
#[tokio::test]
async fn every_role_without_an_operations_capability_is_refused_it() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let ops = operations(&doc);
    // Every token first: signing in is recorded.
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.token_for(role.as_str()).await));
    }
    let audit_before = app.count("audit_log").await;
    let mail_before = app.count("outbox").await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for op in &ops {
        let Some(cap) = op.capability() else { continue };
        for (role, token) in &tokens {
            if role.can(cap) {
                continue;
            }
            let r = request(&app, &doc, op, token)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", op.label()));
            checked += 1;
            if r.status() != StatusCode::FORBIDDEN {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                failures.push(format!(
                    "{} as {} (without {}): {status} {}",
                    op.label(),
                    role.as_str(),
                    cap.as_str(),
                    body.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked > 300, "only {checked} refusals were tried");
    assert_eq!(
        app.count("audit_log").await,
        audit_before,
        "a refused request was recorded as a change"
    );
    assert_eq!(
        app.count("outbox").await,
        mail_before,
        "a refused request queued an email"
    );
}

/// Every operation that needs a sign-in names exactly one known capability, or is one of the
/// few any signed-in user may call.
#[tokio::test]
async fn every_secured_operation_names_one_known_capability() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let ops = operations(&doc);
    let mut failures = Vec::new();
    for op in &ops {
        let Some(scopes) = op.bearer() else { continue };
        let any = ANY_SIGNED_IN.contains(&(op.name, op.template.as_str()));
        match scopes.as_slice() {
            [] if any => {}
            [] => failures.push(format!("{}: names no capability", op.label())),
            [one] if any => failures.push(format!(
                "{}: listed as open to any signed-in user, but names {one}",
                op.label()
            )),
            [one] if Capability::parse(one).is_none() => {
                failures.push(format!("{}: names an unknown capability {one}", op.label()));
            }
            [_] => {}
            more => failures.push(format!("{}: names {more:?}", op.label())),
        }
    }
    for (name, template) in ANY_SIGNED_IN {
        let found = ops
            .iter()
            .find(|o| o.name == *name && o.template == *template);
        match found.and_then(Operation::bearer) {
            Some(scopes) if scopes.is_empty() => {}
            other => failures.push(format!(
                "{name} {template}: open to any signed-in user, but documented {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
