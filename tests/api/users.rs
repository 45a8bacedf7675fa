use crate::helpers::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn bad_input_names_each_field_in_the_users_language_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let users_before = app.count("users").await;
    let audit_before = app.count("audit_log").await;
    let mail_before = app.count("outbox").await;
    let body = json!({"email": "not-an-email", "display_name": "", "password": "short", "role": "supplier"});
    for (lang, locale) in [
        ("en", portal::i18n::Locale::En),
        ("zh-CN", portal::i18n::Locale::ZhCn),
    ] {
        let r = reqwest::Client::new()
            .post(app.url("/api/users"))
            .bearer_auth(&admin)
            .header("Accept-Language", lang)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = r.json().await.unwrap_or_default();
        let fields = &v["error"]["fields"];
        assert_eq!(fields["email"]["code"], "email");
        assert_eq!(fields["email"]["message"], locale.t("validation-email"));
        assert_eq!(fields["display_name"]["code"], "required");
        assert_eq!(fields["password"]["code"], "password_length");
        assert!(
            fields["password"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains('8')
        );
        assert_eq!(
            fields["supplier_id"]["code"], "required",
            "a supplier user needs its supplier"
        );
    }
    assert_eq!(app.count("users").await, users_before);
    assert_eq!(app.count("audit_log").await, audit_before);
    assert_eq!(app.count("outbox").await, mail_before);
}

#[tokio::test]
async fn adding_a_user_is_audited_and_queues_a_welcome_email_in_their_language() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let (status, user) = app
        .post_json("/api/users", &admin, &json!({"email": "Wang.Gong@Example.test", "display_name": "王工", "password": "long-enough-pw", "role": "warehouse_keeper", "locale": "en"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["email"], "wang.gong@example.test");
    let (_, audit) = app
        .get_json("/api/audit?entity=user&action=user.create", &admin)
        .await;
    let entry = audit["entries"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["entity_id"].as_str() == Some(user["id"].to_string().as_str()))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["actor"], "admin@demo.test");
    assert!(
        entry["after"]
            .as_str()
            .unwrap_or_default()
            .contains("wang.gong@example.test")
    );
    let (_, mails) = app.get_json("/api/outbox", &admin).await;
    let mail = mails
        .as_array()
        .and_then(|a| a.iter().find(|m| m["to"] == "wang.gong@example.test"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        mail["subject"],
        portal::i18n::Locale::En.t("mail-welcome-subject")
    );
    // The new user can sign in.
    assert_eq!(
        app.login_raw("wang.gong@example.test", "long-enough-pw")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_email_can_be_registered_only_once_whatever_its_case() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let (status, v) = app
        .post_json("/api/users", &admin, &json!({"email": "ADMIN@demo.test", "display_name": "x", "password": "long-enough-pw", "role": "finance"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["email"]["code"], "taken");
}

#[tokio::test]
async fn the_admin_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let (_, me) = app.get_json("/api/me", &admin).await;
    let id = me["id"].as_i64().unwrap_or_default();
    let (status, v) = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["active"]["code"], "not_yourself");
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &json!({"role": "finance"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_site_needs_a_unique_well_formed_code() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let (status, v) = app
        .post_json(
            "/api/sites",
            &admin,
            &json!({"code": "cd-01", "name_zh": "重复", "name_en": "Duplicate"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["code"]["code"], "taken");
    let (status, v) = app
        .post_json(
            "/api/sites",
            &admin,
            &json!({"code": "A B", "name_zh": "x", "name_en": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["code"]["code"], "code_chars");
    let (status, v) = app
        .post_json(
            "/api/sites",
            &admin,
            &json!({"code": "NX-04", "name_zh": "新区项目部", "name_en": "New District Project"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = app
        .post_json(
            "/api/warehouses",
            &admin,
            &json!({"code": "WH-02", "name_zh": "二号库", "name_en": "Store 2", "site_id": 999999}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["site_id"]["code"], "not_found");
}
