//! Issue 13: forgotten passwords. The request answers the same whatever the address, the
//! emailed link works once for 30 minutes (by the injected clock), and requests are throttled.

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_demo_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn forgot(app: &TestApp, email: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(app.url("/api/auth/password/forgot"))
        .header("Accept-Language", "en")
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn reset(app: &TestApp, token: &str, password: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(app.url("/api/auth/password/reset"))
        .header("Accept-Language", "en")
        .json(&json!({ "token": token, "new_password": password }))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The tokens of the reset links mailed to `email`, oldest first.
async fn mailed_tokens(app: &TestApp, email: &str) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(email))
        .filter(entity::outbox::Column::Kind.eq("password_reset"))
        .order_by_asc(entity::outbox::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            let at = m.body_text.find("token=").expect("a link in the mail") + 6;
            m.body_text[at..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_addresses_and_queues_nothing_for_them() {
    let app = spawn_demo_app().await;
    let mails = app.count("outbox").await;
    let (status, unknown) = forgot(&app, "nobody@example.test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{unknown}");
    assert_eq!(app.count("outbox").await, mails);
    assert_eq!(app.count("password_resets").await, 0);

    let (status, known) = forgot(&app, " Site_User@demo.test ").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{known}");
    assert_eq!(known, unknown, "the same answer");
    let tokens = mailed_tokens(&app, "site_user@demo.test").await;
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].len(), 64);
    assert_eq!(app.count("password_resets").await, 1);
    // Only the hash is kept.
    assert_eq!(
        app.count(&format!(
            "password_resets WHERE token_hash = '{}'",
            tokens[0]
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "password_resets WHERE token_hash = '{}'",
            portal::auth::reset::hash_token(&tokens[0])
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_reset_link_works_once_and_closes_the_users_other_links() {
    let app = spawn_demo_app().await;
    forgot(&app, "site_user@demo.test").await;
    forgot(&app, "site_user@demo.test").await;
    let tokens = mailed_tokens(&app, "site_user@demo.test").await;
    assert_eq!(tokens.len(), 2);

    let (status, v) = reset(&app, &tokens[1], "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["new_password"].is_object(), "{v}");

    let (status, v) = reset(&app, &tokens[1], "a-brand-new-password").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(
        app.login_raw("site_user@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_raw("site_user@demo.test", "a-brand-new-password")
            .await
            .status(),
        StatusCode::OK
    );
    for t in &tokens {
        let (status, v) = reset(&app, t, "yet-another-password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["code"], "validation_failed", "{v}");
        assert!(v["error"]["fields"]["token"].is_object(), "{v}");
    }
    let (status, _) = reset(&app, "not-a-token", "yet-another-password").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("audit_log WHERE action = 'user.password_reset'")
            .await,
        1
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'user.password_reset_request'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_reset_link_expires_after_30_minutes() {
    let app = spawn_demo_app().await;
    forgot(&app, "finance@demo.test").await;
    forgot(&app, "auditor@demo.test").await;
    let late = mailed_tokens(&app, "finance@demo.test").await.remove(0);
    let in_time = mailed_tokens(&app, "auditor@demo.test").await.remove(0);

    app.clock.advance(chrono::Duration::minutes(29));
    let (status, v) = reset(&app, &in_time, "changed-in-time").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");

    app.clock.advance(chrono::Duration::minutes(1));
    let page = app
        .new_client()
        .get(app.url(&format!("/password/reset?token={late}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"reset-invalid\""), "{page}");
    let (status, v) = reset(&app, &late, "changed-too-late").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        app.login_raw("finance@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::OK,
        "the password stayed"
    );
}

#[tokio::test]
async fn forgot_password_is_throttled_per_address_and_per_client_alike_for_unknown_ones() {
    let app = spawn_demo_app().await;
    for email in ["warehouse_keeper@demo.test", "ghost@example.test"] {
        for i in 0..3 {
            let (status, v) = forgot(&app, email).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{email} #{i}: {v}");
        }
        let (status, v) = forgot(&app, email).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}: {v}");
    }
    assert_eq!(
        mailed_tokens(&app, "warehouse_keeper@demo.test")
            .await
            .len(),
        3
    );

    // One client asking for many addresses is stopped too (20 within the window).
    let mut refused = None;
    for i in 0..20 {
        let (status, _) = forgot(&app, &format!("many-{i}@example.test")).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(i);
            break;
        }
    }
    // Above, 6 requests were counted (a refused one is not): 14 more reach 20.
    assert_eq!(refused, Some(14));

    // The window moves on.
    app.clock.advance(chrono::Duration::minutes(
        app.state.config.login_window_minutes + 1,
    ));
    let (status, _) = forgot(&app, "warehouse_keeper@demo.test").await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn the_sign_in_page_leads_to_a_reset_that_sets_the_password() {
    let app = spawn_demo_app().await;
    let client = app.new_client();
    let login = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("href=\"/password/forgot\""), "{login}");

    let csrf = app.csrf_from(&client, "/password/forgot").await;
    let r = client
        .post(app.url("/password/forgot"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "auditor@demo.test"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer = r.text().await.unwrap();
    assert!(answer.contains("id=\"reset-sent\""), "{answer}");

    let token = mailed_tokens(&app, "auditor@demo.test").await.remove(0);
    let path = format!("/password/reset?token={token}");
    let form = client
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("name=\"new_password\""), "{form}");
    let csrf = crate::helpers::extract_csrf(&form);
    let r = client
        .post(app.url("/password/reset"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("new_password", "from-the-page-1"),
            ("confirm_password", "from-the-page-2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "passwords differ"
    );
    let r = client
        .post(app.url("/password/reset"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("new_password", "from-the-page-1"),
            ("confirm_password", "from-the-page-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(
        app.login_raw("auditor@demo.test", "from-the-page-1")
            .await
            .status(),
        StatusCode::OK
    );
}

/// A reset ends every session the old password had opened (whoever may have had it is signed
/// out), while signing in with the new one works.
#[tokio::test]
async fn a_reset_ends_the_sessions_the_old_password_opened() {
    let app = spawn_demo_app().await;
    let email = "finance@demo.test";
    let old_session = app.token(email, DEMO_PASSWORD).await;
    let (status, _) = app.get_json("/api/me", &old_session).await;
    assert_eq!(status, StatusCode::OK);

    app.clock
        .set(app.state.now() + chrono::Duration::minutes(1));
    forgot(&app, email).await;
    let token = mailed_tokens(&app, email)
        .await
        .pop()
        .expect("a reset mail");
    let (status, body) = reset(&app, &token, "a-brand-new-passphrase").await;
    assert!(status.is_success(), "{body}");

    let (status, body) = app.get_json("/api/me", &old_session).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let new_session = app.token(email, "a-brand-new-passphrase").await;
    let (status, me) = app.get_json("/api/me", &new_session).await;
    assert_eq!(status, StatusCode::OK, "{me}");
}
