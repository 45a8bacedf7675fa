//! The role guard: every role is refused (403) what it may not reach, and allowed the rest.

use crate::helpers::spawn_app;
use portal::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

struct Case {
    method: Method,
    path: &'static str,
    body: serde_json::Value,
    allowed: &'static [Role],
}

fn cases() -> Vec<Case> {
    use Role::*;
    let all = &Role::ALL;
    vec![
        Case {
            method: Method::GET,
            path: "/api/me",
            body: json!(null),
            allowed: all,
        },
        Case {
            method: Method::GET,
            path: "/api/materials",
            body: json!(null),
            allowed: all,
        },
        Case {
            method: Method::GET,
            path: "/api/sites",
            body: json!(null),
            allowed: all,
        },
        Case {
            method: Method::GET,
            path: "/api/warehouses",
            body: json!(null),
            allowed: all,
        },
        Case {
            method: Method::GET,
            path: "/api/users",
            body: json!(null),
            allowed: &[Auditor, Admin],
        },
        Case {
            method: Method::GET,
            path: "/api/audit",
            body: json!(null),
            allowed: &[Auditor, Admin],
        },
        Case {
            method: Method::GET,
            path: "/api/audit/verify",
            body: json!(null),
            allowed: &[Auditor, Admin],
        },
        Case {
            method: Method::GET,
            path: "/api/outbox",
            body: json!(null),
            allowed: &[Auditor, Admin],
        },
        Case {
            method: Method::GET,
            path: "/api/jobs",
            body: json!(null),
            allowed: &[Auditor, Admin],
        },
        Case {
            method: Method::POST,
            path: "/api/jobs/housekeeping/run",
            body: json!({}),
            allowed: &[Admin],
        },
        // Bodies that are invalid on purpose: the guard answers before validation, so an
        // allowed role gets 422 and a refused one 403, and nothing is created.
        Case {
            method: Method::POST,
            path: "/api/users",
            body: json!({"email": "x", "display_name": "", "password": "", "role": "admin"}),
            allowed: &[Admin],
        },
        Case {
            method: Method::PATCH,
            path: "/api/users/1",
            body: json!({"role": "no_such_role"}),
            allowed: &[Admin],
        },
        Case {
            method: Method::POST,
            path: "/api/sites",
            body: json!({"code": "", "name_zh": "", "name_en": ""}),
            allowed: &[Admin],
        },
        Case {
            method: Method::POST,
            path: "/api/warehouses",
            body: json!({"code": "", "name_zh": "", "name_en": ""}),
            allowed: &[Admin],
        },
    ]
}

#[tokio::test]
async fn each_role_is_refused_exactly_what_it_may_not_reach() {
    let app = spawn_app().await;
    let mut failures = Vec::new();
    for role in Role::ALL {
        let token = app.token_for(role.as_str()).await;
        for c in cases() {
            let req = reqwest::Client::new()
                .request(c.method.clone(), app.url(c.path))
                .bearer_auth(&token);
            let req = if c.body.is_null() {
                req
            } else {
                req.json(&c.body)
            };
            let status = req.send().await.unwrap().status();
            let allowed = c.allowed.contains(&role);
            let ok = if allowed {
                status != StatusCode::FORBIDDEN
                    && status != StatusCode::UNAUTHORIZED
                    && !status.is_server_error()
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {}: {status}",
                    c.method,
                    c.path,
                    role.as_str()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn without_a_token_every_api_capability_answers_401() {
    let app = spawn_app().await;
    for c in cases() {
        let req = reqwest::Client::new().request(c.method.clone(), app.url(c.path));
        let req = if c.body.is_null() {
            req
        } else {
            req.json(&c.body)
        };
        let status = req.send().await.unwrap().status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {}", c.method, c.path);
    }
}

#[tokio::test]
async fn each_role_is_refused_the_pages_it_may_not_reach() {
    let app = spawn_app().await;
    let pages: &[(&str, &[Role])] = &[
        ("/admin/users", &[Role::Auditor, Role::Admin]),
        ("/admin/users/new", &[Role::Admin]),
        ("/audit", &[Role::Auditor, Role::Admin]),
        ("/admin/outbox", &[Role::Auditor, Role::Admin]),
        ("/admin/jobs", &[Role::Auditor, Role::Admin]),
        ("/materials", &Role::ALL),
        ("/organisation", &Role::ALL),
        ("/account", &Role::ALL),
    ];
    for role in Role::ALL {
        let client = app.new_client();
        let r = app
            .page_login(
                &client,
                &format!("{}@demo.test", role.as_str()),
                crate::helpers::DEMO_PASSWORD,
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {}",
            role.as_str()
        );
        for (path, allowed) in pages {
            let r = client.get(app.url(path)).send().await.unwrap();
            let expected = if allowed.contains(&role) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status(), expected, "{path} as {}", role.as_str());
            let html = r.text().await.unwrap_or_default();
            assert!(html.contains("<html"), "a friendly page, not a bare error");
        }
    }
}

/// One operation of the served OpenAPI document, made into a request: path ids filled with 1,
/// required query parameters with 1, an empty JSON object as the body when it takes one.
struct Operation {
    method: Method,
    path: String,
    json_body: bool,
    /// Whether the document says it needs the bearer token.
    secured: bool,
}

async fn documented_operations(app: &crate::helpers::TestApp) -> Vec<Operation> {
    let doc: serde_json::Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .expect("the document is not JSON");
    let mut ops = Vec::new();
    for (template, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        for (name, method) in [
            ("get", Method::GET),
            ("post", Method::POST),
            ("put", Method::PUT),
            ("patch", Method::PATCH),
            ("delete", Method::DELETE),
        ] {
            let Some(op) = item.get(name) else { continue };
            let mut path = String::new();
            let mut in_param = false;
            for c in template.chars() {
                match c {
                    '{' => {
                        in_param = true;
                        path.push('1');
                    }
                    '}' => in_param = false,
                    _ if in_param => {}
                    _ => path.push(c),
                }
            }
            let required_query: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .filter_map(|p| p["name"].as_str().map(|n| format!("{n}=1")))
                .collect();
            if !required_query.is_empty() {
                path = format!("{path}?{}", required_query.join("&"));
            }
            let json_body = op["requestBody"]["content"]["application/json"].is_object();
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            ops.push(Operation {
                method,
                path,
                json_body,
                secured,
            });
        }
    }
    assert!(ops.len() > 100, "too few operations: {}", ops.len());
    ops
}

async fn send(
    app: &crate::helpers::TestApp,
    op: &Operation,
    token: Option<&str>,
) -> reqwest::StatusCode {
    let mut req = reqwest::Client::new().request(op.method.clone(), app.url(&op.path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if op.json_body {
        req = req.json(&json!({}));
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("{} {}: {e}", op.method, op.path))
        .status()
}

/// The role matrix from the route table: every operation the document marks as needing the
/// bearer token refuses a request without one, whatever the body; the rest are the sign-in and
/// the supplier's self-registration.
#[tokio::test]
async fn every_documented_operation_that_needs_a_token_answers_401_without_one() {
    let app = spawn_app().await;
    let ops = documented_operations(&app).await;
    let mut failures = Vec::new();
    let mut public = Vec::new();
    for op in &ops {
        let status = send(&app, op, None).await;
        if op.secured {
            if status != StatusCode::UNAUTHORIZED {
                failures.push(format!("{} {}: {status}", op.method, op.path));
            }
        } else {
            public.push(format!("{} {}", op.method, op.path));
            if status.is_server_error() {
                failures.push(format!("{} {} (public): {status}", op.method, op.path));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        public.len() <= 5,
        "operations open without a token: {public:#?}"
    );
    assert!(public.contains(&"POST /api/auth/login".to_string()));
}

/// Every documented operation, with every role's token and a minimal request, answers without
/// a server error: refused (403), not found, invalid or done, never 500.
#[tokio::test]
async fn no_documented_operation_answers_a_server_error_to_any_role() {
    let app = spawn_app().await;
    let mut ops = documented_operations(&app).await;
    // Signing out (here or everywhere) ends the token it is sent with: those go last for each
    // role, and only the first of them is sent.
    let ends_session =
        |op: &Operation| op.path == "/api/auth/logout" || op.path == "/api/me/sign-out-everywhere";
    ops.sort_by_key(ends_session);
    // Every token first: a request below may change a demo user, never before we signed in.
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.token_for(role.as_str()).await));
    }
    let mut failures = Vec::new();
    let mut successes = 0;
    for (role, token) in &tokens {
        let mut signed_out = false;
        for op in &ops {
            if ends_session(op) {
                if signed_out {
                    continue;
                }
                signed_out = true;
            }
            let status = send(&app, op, Some(token)).await;
            if status.is_success() {
                successes += 1;
            }
            if status == StatusCode::UNAUTHORIZED {
                failures.push(format!(
                    "{} {} as {}: the token was refused",
                    op.method,
                    op.path,
                    role.as_str()
                ));
            }
            if status.is_server_error() {
                failures.push(format!(
                    "{} {} as {}: {status}",
                    op.method,
                    op.path,
                    role.as_str()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The sweep reached the handlers, not only the guards.
    assert!(successes > 100, "only {successes} requests succeeded");
}
