use crate::helpers::{DEMO_PASSWORD, spawn_app};
use portal::clock::Clock;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn signing_in_answers_a_token_and_the_role() {
    let app = spawn_app().await;
    let r = app
        .login_raw("procurement_head@demo.test", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["role"], "procurement_head");
    let token = v["token"].as_str().unwrap_or_default();
    assert_eq!(token.split('.').count(), 3);
    let (status, me) = app.get_json("/api/me", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "procurement_head@demo.test");
}

#[tokio::test]
async fn a_wrong_password_or_unknown_account_is_refused_alike() {
    let app = spawn_app().await;
    for (email, pw) in [
        ("admin@demo.test", "wrong-password"),
        ("nobody@demo.test", DEMO_PASSWORD),
    ] {
        let r = app.login_raw(email, pw).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let v: Value = r.json().await.unwrap_or_default();
        assert_eq!(v["error"]["code"], "bad_credentials");
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while_even_with_the_right_password() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(
            app.login_raw("finance@demo.test", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login_raw("finance@demo.test", DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    // Other accounts are not affected.
    assert_eq!(
        app.login_raw("auditor@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // Once the window has passed, the right password works again.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        app.login_raw("finance@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn four_failures_do_not_lock_and_a_success_clears_them() {
    let app = spawn_app().await;
    for _ in 0..4 {
        app.login_raw("finance@demo.test", "guess").await;
    }
    assert_eq!(
        app.login_raw("finance@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    for _ in 0..4 {
        app.login_raw("finance@demo.test", "guess").await;
    }
    assert_eq!(
        app.login_raw("finance@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn tampered_expired_or_wrongly_signed_tokens_get_401() {
    let app = spawn_app().await;
    let token = app.token_for("admin").await;
    assert_eq!(app.get("/api/users", &token).await.status(), StatusCode::OK);

    // Tampered: the payload claims another role, the signature no longer matches.
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value =
        serde_json::from_slice(&engine.decode(parts[1]).unwrap_or_default()).unwrap_or_default();
    claims["sub"] = Value::String("1".into());
    claims["role"] = Value::String("admin".into());
    let supplier = app.token_for("supplier").await;
    let sp: Vec<&str> = supplier.split('.').collect();
    let mut forged_claims: Value =
        serde_json::from_slice(&engine.decode(sp[1]).unwrap_or_default()).unwrap_or_default();
    forged_claims["role"] = Value::String("admin".into());
    let forged = format!(
        "{}.{}.{}",
        sp[0],
        engine.encode(forged_claims.to_string()),
        sp[2]
    );
    let r = app.get("/api/users", &forged).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["error"]["code"], "token_invalid");

    // Signed with another key.
    let other = portal::auth::token::TokenKeys::new(
        b"not the portal's secret, 32 bytes",
        chrono::Duration::minutes(30),
    );
    let foreign = other.issue(1, "admin", app.clock.now()).unwrap_or_default();
    assert_eq!(
        app.get("/api/users", &foreign).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Garbage and a missing header.
    assert_eq!(
        app.get("/api/users", "not-a-token").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = reqwest::get(app.url("/api/users")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Expired: the injected clock moves past the token's life.
    app.clock.advance(chrono::Duration::minutes(31));
    let r = app.get("/api/users", &token).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["error"]["code"], "token_expired");
    let _ = claims;
}

#[tokio::test]
async fn a_deactivated_users_token_stops_working_at_once() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let finance = app.token_for("finance").await;
    let (_, me) = app.get_json("/api/me", &finance).await;
    let id = me["id"].as_i64().unwrap_or_default();
    let (status, _) = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.get("/api/me", &finance).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_raw("finance@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_user_changes_their_password_only_with_the_current_one() {
    let app = spawn_app().await;
    let token = app.token_for("auditor").await;
    let (status, v) = app
        .send_json(
            reqwest::Method::PUT,
            "/api/me/password",
            &token,
            &serde_json::json!({"current_password": "wrong", "new_password": "a-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["current_password"]["code"],
        "wrong_password"
    );
    let (status, _) = app
        .send_json(reqwest::Method::PUT, "/api/me/password", &token, &serde_json::json!({"current_password": DEMO_PASSWORD, "new_password": "a-new-password"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.login_raw("auditor@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_raw("auditor@demo.test", "a-new-password")
            .await
            .status(),
        StatusCode::OK
    );
}
