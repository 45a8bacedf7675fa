use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_readiness_answer_once_the_app_serves() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/healthz"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
    let r = reqwest::get(app.url("/readyz"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_the_api_and_its_docs_page_is_served_locally() {
    let app = spawn_app().await;
    let doc: serde_json::Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
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
    let docs = reqwest::get(app.url("/api/docs/"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
        .unwrap_or_else(|e| panic!("{e}"));
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
        .unwrap_or_else(|e| panic!("{e}"));
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
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let v: serde_json::Value = r.json().await.unwrap_or_default();
        assert_eq!(v["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn static_assets_come_from_the_app_itself() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/static/app.css"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap_or_default().contains("@media"));
}
