use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_readiness_answer_once_the_app_serves() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_the_api_and_its_docs_page_is_served_locally() {
    let app = spawn_app().await;
    let doc: serde_json::Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or_default();
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    for path in [
        "/api/auth/login",
        "/api/users",
        "/api/audit/verify",
        "/api/jobs/{name}/run",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the document"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let docs = reqwest::get(app.url("/api/docs/")).await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    let html = docs.text().await.unwrap_or_default();
    assert!(
        !html.contains("https://"),
        "the docs page must not load assets from the internet"
    );
}

#[tokio::test]
async fn an_unknown_api_path_answers_the_json_error_in_the_callers_language() {
    let app = spawn_app().await;
    let r = reqwest::Client::new()
        .get(app.url("/api/nope"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(v["error"]["code"], "not_found");
    assert_eq!(
        v["error"]["message"],
        portal::i18n::Locale::En.t("error-not_found")
    );
    let r = reqwest::Client::new()
        .get(app.url("/api/nope"))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(
        v["error"]["message"],
        portal::i18n::Locale::ZhCn.t("error-not_found")
    );
}

#[tokio::test]
async fn malformed_json_gets_a_400_error_body_not_a_crash() {
    let app = spawn_app().await;
    for body in ["{", "[]", "{\"email\": 5}", "\u{0}"] {
        let r = reqwest::Client::new()
            .post(app.url("/api/auth/login"))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let v: serde_json::Value = r.json().await.unwrap_or_default();
        assert_eq!(v["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn static_assets_come_from_the_app_itself() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/static/app.css")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap_or_default().contains("@media"));
}

async fn served_openapi_document(app: &crate::helpers::TestApp) -> serde_json::Value {
    reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .expect("the document is not JSON")
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// OpenAPI requires a description on every response; without one validators reject the
/// document and client generators refuse it.
#[tokio::test]
async fn every_response_of_every_operation_in_the_openapi_document_has_a_description() {
    let app = spawn_app().await;
    let doc = served_openapi_document(&app).await;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() > 50, "too few paths: {}", paths.len());
    let mut missing = Vec::new();
    let mut operations = 0;
    for (path, item) in &paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            if responses.is_empty() {
                missing.push(format!("{method} {path}: no responses"));
            }
            for (status, response) in responses {
                let described = response.get("$ref").is_some()
                    || response["description"]
                        .as_str()
                        .is_some_and(|d| !d.trim().is_empty());
                if !described {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(operations > 100, "too few operations: {operations}");
    assert!(
        missing.is_empty(),
        "responses without a description: {missing:#?}"
    );
}

/// Every `/api/` route the handlers declare (`#[get("/api/…")]` and the like, the only way the
/// app registers API routes) is an operation of the document, with the same method and path.
#[tokio::test]
async fn every_api_route_the_app_serves_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc = served_openapi_document(&app).await;
    let mut declared = Vec::new();
    let mut other_registrations = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines().map(str::trim) {
                for method in METHODS {
                    for prefix in [
                        format!("#[{method}(\"/api/"),
                        format!("#[actix_web::{method}(\"/api/"),
                    ] {
                        if let Some(rest) = line.strip_prefix(&prefix) {
                            let route: String = rest.chars().take_while(|c| *c != '"').collect();
                            declared.push((method, format!("/api/{route}"), path.clone()));
                        }
                    }
                }
                for registration in ["resource(\"/api", "route(\"/api", "scope(\"/api"] {
                    if line.contains(registration) {
                        other_registrations.push(format!("{}: {line}", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        other_registrations.is_empty(),
        "API routes must be registered with their #[utoipa::path] through a capability's \
         routes, so that the document has them: {other_registrations:#?}"
    );
    assert!(
        declared.len() > 100,
        "too few API routes: {}",
        declared.len()
    );
    let missing: Vec<String> = declared
        .iter()
        .filter(|(method, route, _)| {
            // actix's `{id:\d+}` is the document's `{id}`.
            let mut plain = String::new();
            let mut in_regex = false;
            for c in route.chars() {
                match c {
                    ':' if plain.ends_with(|p: char| p.is_alphanumeric() || p == '_')
                        && plain.rfind('{') > plain.rfind('}') =>
                    {
                        in_regex = true
                    }
                    '}' => {
                        in_regex = false;
                        plain.push(c);
                    }
                    _ if in_regex => {}
                    _ => plain.push(c),
                }
            }
            !doc["paths"][plain.as_str()][*method].is_object()
        })
        .map(|(method, route, file)| format!("{method} {route} ({})", file.display()))
        .collect();
    assert!(
        missing.is_empty(),
        "API routes missing from /api/openapi.json: {missing:#?}"
    );
}

/// Operation ids name a generated client's functions; validators reject repeated ones.
#[tokio::test]
async fn operation_ids_in_the_openapi_document_are_unique() {
    let app = spawn_app().await;
    let doc = served_openapi_document(&app).await;
    let mut seen = std::collections::BTreeMap::new();
    let mut repeated = Vec::new();
    for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            if let Some(first) = seen.insert(id.clone(), format!("{method} {path}")) {
                repeated.push(format!("{id}: {first} and {method} {path}"));
            }
        }
    }
    assert!(
        repeated.is_empty(),
        "operation ids used twice: {repeated:#?}"
    );
    assert_eq!(
        doc["paths"]["/api/catalogue"]["get"]["operationId"],
        "get_catalogue"
    );
    assert_eq!(
        doc["paths"]["/api/auth/login"]["post"]["operationId"],
        "post_auth_login"
    );
}

/// Every `{name}` in a documented path is declared as a path parameter of each operation on it
/// (OpenAPI requires it; validators reject the document and generated clients cannot fill the
/// path otherwise). A handler that takes a typed id (`web::Path<SupplierId>`) must say so in
/// its `params(...)`, since utoipa only infers plain integers and strings.
#[tokio::test]
async fn every_path_template_segment_is_a_declared_path_parameter() {
    let app = spawn_app().await;
    let doc = served_openapi_document(&app).await;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let mut missing = Vec::new();
    let mut templated = 0;
    for (path, item) in &paths {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(item["parameters"].as_array().into_iter().flatten())
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            for name in &names {
                templated += 1;
                if !declared.contains(name) {
                    missing.push(format!("{method} {path}: {{{name}}}"));
                }
            }
        }
    }
    assert!(templated > 50, "too few templated paths: {templated}");
    assert!(
        missing.is_empty(),
        "path segments not declared as parameters: {missing:#?}"
    );
}
