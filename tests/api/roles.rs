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
            let status = req.send().await.unwrap_or_else(|e| panic!("{e}")).status();
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
        let status = req.send().await.unwrap_or_else(|e| panic!("{e}")).status();
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
            let r = client
                .get(app.url(path))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
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
