//! Browser hardening (issue 14): the headers every response carries, HEAD wherever GET, and
//! `Secure` cookies with HSTS as soon as the portal's address is https, with no flag to set.
//! The walk of every role's pages (`forms_walk`) checks each page's headers, HEAD and that
//! nothing in it needs an inline script or style.

use crate::helpers::*;
use reqwest::StatusCode;

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn pages_api_answers_and_errors_all_carry_the_hardening_headers() {
    let app = spawn_app().await;
    let token = app.token_for("auditor").await;
    let anon = app.new_client();
    let answers = [
        anon.get(app.url("/login")).send().await.unwrap(),
        anon.get(app.url("/no-such-page")).send().await.unwrap(),
        app.get("/api/audit?from=2026-13-01", &token).await,
        anon.get(app.url("/healthz")).send().await.unwrap(),
        anon.get(app.url("/static/app.js")).send().await.unwrap(),
    ];
    for res in &answers {
        let csp = header(res, "content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{}: {csp}", res.url());
        assert!(csp.contains("frame-ancestors 'none'"), "{}", res.url());
        assert!(!csp.contains("unsafe-inline"), "{}", res.url());
        assert_eq!(
            header(res, "x-frame-options"),
            Some("DENY"),
            "{}",
            res.url()
        );
        assert_eq!(header(res, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(res, "referrer-policy"), Some("same-origin"));
        // Served over http: no HSTS (a browser would ignore it, and a test server has none).
        assert_eq!(header(res, "strict-transport-security"), None);
    }
    assert_eq!(answers[1].status(), StatusCode::NOT_FOUND);
    assert_eq!(
        header(&answers[4], "content-type"),
        Some("text/javascript; charset=utf-8")
    );
}

#[tokio::test]
async fn head_answers_wherever_get_does_without_a_body() {
    let app = spawn_app().await;
    let anon = app.new_client();
    let get = anon.get(app.url("/login")).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::OK);
    let get_type = header(&get, "content-type").map(str::to_string);
    let head = anon.head(app.url("/login")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(header(&head, "content-type").map(str::to_string), get_type);
    assert!(head.bytes().await.unwrap().is_empty());
    // A HEAD of what does not exist is a 404 as GET's is; POST-only routes stay POST-only.
    let missing = anon.head(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let token = app.token_for("auditor").await;
    let api = app
        .new_client()
        .head(app.url("/api/audit"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::OK);
    assert!(api.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn over_https_every_cookie_is_secure_and_hsts_is_sent() {
    let app = spawn_with(Options {
        base_url: "https://portal.example.cn".into(),
        ..Default::default()
    })
    .await;
    let client = app.new_client();
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(
        header(&page, "strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    let mut cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    drop(page);
    let signed_in = app
        .page_login(&client, "admin@demo.test", DEMO_PASSWORD)
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    cookies.extend(
        signed_in
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string)),
    );
    // The CSRF cookie of the form, the session token and the flash of the sign-in at least.
    assert!(cookies.len() >= 2, "{cookies:?}");
    for c in &cookies {
        assert!(c.contains("Secure"), "not Secure: {c}");
        assert!(c.contains("HttpOnly") || c.starts_with("lang="), "{c}");
    }
}

#[tokio::test]
async fn over_http_cookies_are_not_marked_secure() {
    // Marked Secure, a cookie set over plain http would never come back: sign-in would loop.
    let app = spawn_app().await;
    let client = app.new_client();
    let r = app
        .page_login(&client, "admin@demo.test", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for c in r.headers().get_all("set-cookie") {
        assert!(!c.to_str().unwrap().contains("Secure"), "{c:?}");
    }
    // The cookie came back: the home page, not the sign-in form.
    assert!(!app.html(&client, "/").await.contains(r#"name="password""#));
}
