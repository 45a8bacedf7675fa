//! Sessions and sign-in under attack: simultaneous guesses, ending sessions, the longest a
//! session lasts, applicants and the public application form.

use crate::helpers::{DEMO_PASSWORD, TestApp, extract_csrf, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

async fn id_of(app: &TestApp, token: &str) -> i64 {
    let (_, me) = app.get_json("/api/me", token).await;
    me["id"].as_i64().unwrap_or_default()
}

async fn status_of(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/me", token).await.status()
}

/// A browser signed in through the login form, and the value of its session cookie.
async fn browser_with_cookie(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = app.page_login(&client, email, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    let url = app.url("/").parse().expect("url");
    let cookies = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url)
        .and_then(|v| v.to_str().ok().map(str::to_string))
        .unwrap_or_default();
    let token = cookies
        .split("; ")
        .find_map(|c| c.strip_prefix("portal_token="))
        .unwrap_or_default()
        .to_string();
    assert!(!token.is_empty(), "a session cookie");
    (client, token)
}

/// What a browser holding only the session cookie `token` gets for `/account`.
async fn account_with_cookie(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(app.url("/account"))
        .header("Cookie", format!("portal_token={token}"))
        .send()
        .await
        .expect("account")
        .status()
}

#[tokio::test]
async fn thirty_simultaneous_wrong_passwords_for_one_account_get_at_most_five_checks() {
    let app = spawn_app().await;
    let attempts = (0..30).map(|i| {
        let app = &app;
        async move {
            app.login_raw("finance@demo.test", &format!("guess-{i}"))
                .await
                .status()
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + refused, 30, "{answers:?}");
    assert_eq!(
        checked, 5,
        "the first five are checked, the others wait: {answers:?}"
    );
    // Every checked guess left its failure; the refused ones left nothing.
    assert_eq!(
        app.count("login_failures WHERE key = 'account:finance@demo.test'")
            .await,
        checked as i64
    );
    assert_eq!(
        app.login_raw("finance@demo.test", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the account is locked, right password or not"
    );
}

#[tokio::test]
async fn a_right_password_does_not_count_as_a_failure_of_the_account_or_the_address() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.token("finance@demo.test", DEMO_PASSWORD).await;
    }
    assert_eq!(app.count("login_failures").await, 0);
    assert_eq!(
        app.login_raw("finance@demo.test", "guess").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.count("login_failures").await, 2, "one per key");
}

#[tokio::test]
async fn changing_the_password_ends_every_token_issued_before() {
    let app = spawn_app().await;
    let first = app.token_for("auditor").await;
    app.clock.advance(chrono::Duration::seconds(5));
    let second = app.token_for("auditor").await;
    assert_eq!(status_of(&app, &first).await, StatusCode::OK);
    assert_eq!(status_of(&app, &second).await, StatusCode::OK);
    let (status, _) = app
        .send_json(
            Method::PUT,
            "/api/me/password",
            &second,
            &json!({"current_password": DEMO_PASSWORD, "new_password": "a-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(&app, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(&app, &second).await, StatusCode::UNAUTHORIZED);
    let fresh = app.token("auditor@demo.test", "a-new-password").await;
    assert_eq!(status_of(&app, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn changing_the_password_on_the_page_keeps_that_browser_signed_in_and_no_other() {
    let app = spawn_app().await;
    let (client, _) = browser_with_cookie(&app, "auditor@demo.test").await;
    let other = app.token_for("auditor").await;
    let csrf = app.csrf_from(&client, "/account").await;
    let r = client
        .post(app.url("/account/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", DEMO_PASSWORD),
            ("new_password", "a-new-password"),
            ("confirm_password", "a-new-password"),
        ])
        .send()
        .await
        .expect("change");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        client
            .get(app.url("/account"))
            .send()
            .await
            .expect("account")
            .status(),
        StatusCode::OK
    );
    assert_eq!(status_of(&app, &other).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_token_and_cookie_of_the_user_only() {
    let app = spawn_app().await;
    let api = app.token_for("finance").await;
    let (browser, cookie) = browser_with_cookie(&app, "finance@demo.test").await;
    let someone_else = app.token_for("auditor").await;
    assert_eq!(status_of(&app, &api).await, StatusCode::OK);
    assert_eq!(account_with_cookie(&app, &cookie).await, StatusCode::OK);

    let (status, _) = app
        .post_json("/api/me/sign-out-everywhere", &api, &json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(&app, &api).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        account_with_cookie(&app, &cookie).await,
        StatusCode::SEE_OTHER,
        "the browser is sent to sign in"
    );
    assert_eq!(status_of(&app, &someone_else).await, StatusCode::OK);
    let _ = browser;

    // The account page's button does the same.
    let (browser, cookie) = browser_with_cookie(&app, "finance@demo.test").await;
    let api = app.token_for("finance").await;
    let html = browser
        .get(app.url("/account"))
        .send()
        .await
        .expect("account")
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("action=\"/account/sign-out-everywhere\""));
    let r = browser
        .post(app.url("/account/sign-out-everywhere"))
        .form(&[("csrf_token", extract_csrf(&html))])
        .send()
        .await
        .expect("sign out everywhere");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
        "/login"
    );
    assert_eq!(status_of(&app, &api).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        account_with_cookie(&app, &cookie).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'user.sign_out_everywhere'")
            .await,
        2
    );
}

#[tokio::test]
async fn signing_out_ends_the_token_or_cookie_it_was_given_and_no_other_session() {
    let app = spawn_app().await;
    let token = app.token_for("finance").await;
    // The same person signed in elsewhere (the office computer).
    let elsewhere = app.token_for("finance").await;
    let (status, _) = app.post_json("/api/auth/logout", &token, &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status_of(&app, &elsewhere).await,
        StatusCode::OK,
        "the other session goes on"
    );
    assert_eq!(app.count("audit_log WHERE action = 'user.logout'").await, 1);

    let (browser, cookie) = browser_with_cookie(&app, "finance@demo.test").await;
    assert_eq!(account_with_cookie(&app, &cookie).await, StatusCode::OK);
    let csrf = app.csrf_from(&browser, "/account").await;
    let r = browser
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        account_with_cookie(&app, &cookie).await,
        StatusCode::SEE_OTHER,
        "a kept copy of the cookie no longer works"
    );
    assert_eq!(status_of(&app, &elsewhere).await, StatusCode::OK);

    // Housekeeping forgets an ended session only once none of its tokens could be in force
    // (the longest session allowed, 72 hours): until then it stays refused.
    let day = app.state.today();
    portal::jobs::run(&app.state, portal::jobs::Job::Housekeeping, day)
        .await
        .unwrap();
    assert_eq!(app.count("ended_sessions").await, 2);
    app.clock.advance(chrono::Duration::hours(73));
    portal::jobs::run(
        &app.state,
        portal::jobs::Job::Housekeeping,
        day + chrono::Days::new(4),
    )
    .await
    .unwrap();
    assert_eq!(app.count("ended_sessions").await, 0);
    assert_ne!(
        status_of(&app, &token).await,
        StatusCode::OK,
        "long over by then"
    );
}

#[tokio::test]
async fn deactivation_ends_the_users_tokens_even_once_reactivated() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let finance = app.token_for("finance").await;
    let id = id_of(&app, &finance).await;
    for active in [false, true] {
        let (status, _) = app
            .send_json(
                Method::PATCH,
                &format!("/api/users/{id}"),
                &admin,
                &json!({ "active": active }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(status_of(&app, &finance).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(&app, &admin).await, StatusCode::OK);
    let fresh = app.token_for("finance").await;
    assert_eq!(status_of(&app, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn an_admins_password_reset_ends_the_users_tokens_and_an_edit_of_the_name_does_not() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let finance = app.token_for("finance").await;
    let id = id_of(&app, &finance).await;
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &json!({ "display_name": "财务 新名" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of(&app, &finance).await, StatusCode::OK);
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &json!({ "password": "set-by-the-admin" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of(&app, &finance).await, StatusCode::UNAUTHORIZED);
    let fresh = app.token("finance@demo.test", "set-by-the-admin").await;
    assert_eq!(status_of(&app, &fresh).await, StatusCode::OK);
}

/// Uses the browser every 20 minutes (its cookie is renewed along the way) until `hours`
/// have passed since it signed in; answers the status of each visit.
async fn visits_every_20_minutes(
    app: &TestApp,
    client: &reqwest::Client,
    hours: i64,
) -> Vec<StatusCode> {
    let mut seen = Vec::new();
    for _ in 0..hours * 3 {
        app.clock.advance(chrono::Duration::minutes(20));
        seen.push(
            client
                .get(app.url("/account"))
                .send()
                .await
                .expect("account")
                .status(),
        );
    }
    seen
}

#[tokio::test]
async fn a_session_renewed_in_use_still_ends_twelve_hours_after_signing_in() {
    let app = spawn_app().await;
    let client = app.browser_of("finance").await;
    let seen = visits_every_20_minutes(&app, &client, 12).await;
    let (last, before) = seen.split_last().expect("visits");
    assert!(
        before.iter().all(|s| *s == StatusCode::OK),
        "renewed while in use: {seen:?}"
    );
    assert_eq!(
        *last,
        StatusCode::SEE_OTHER,
        "twelve hours after signing in"
    );
}

#[tokio::test]
async fn the_longest_session_is_a_setting_from_one_to_72_hours() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let (_, mut settings) = app.get_json("/api/settings", &admin).await;
    assert_eq!(settings["session_max_hours"], 12);
    for wrong in [0, 73] {
        settings["session_max_hours"] = json!(wrong);
        let (status, v) = app
            .send_json(Method::PUT, "/api/settings", &admin, &settings)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
        assert_eq!(
            v["error"]["fields"]["session_max_hours"]["code"],
            "session_hours_range"
        );
    }
    settings["session_max_hours"] = json!(1);
    let (status, v) = app
        .send_json(Method::PUT, "/api/settings", &admin, &settings)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let client = app.browser_of("finance").await;
    let seen = visits_every_20_minutes(&app, &client, 1).await;
    assert_eq!(
        seen,
        vec![StatusCode::OK, StatusCode::OK, StatusCode::SEE_OTHER]
    );
    let page = app
        .html(&app.browser_of("admin").await, "/admin/settings")
        .await;
    assert!(page.contains("name=\"session_max_hours\""));
}

/// The `n`th company's application: its own name and a valid credit code of its own.
fn application(email: &str, n: u32) -> Value {
    let body = format!("9133011{n}MA27Y0B7X");
    let check = portal::suppliers::rules::CreditCode::check_char(&body)
        .unwrap_or_else(|| panic!("check character of {body}"));
    let mut v = crate::suppliers::application(email, &format!("{body}{check}"));
    v["legal_name"] = json!(format!("申请公司 {n}"));
    v
}

async fn verification_link(app: &TestApp, email: &str) -> Option<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mail = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(email))
        .filter(entity::outbox::Column::Kind.eq("verify_email"))
        .order_by_desc(entity::outbox::Column::Id)
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()?;
    let at = mail.body_text.find("token=")? + 6;
    Some(
        mail.body_text[at..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect(),
    )
}

#[tokio::test]
async fn an_applicant_signs_in_only_once_its_email_is_confirmed() {
    let app = spawn_app().await;
    let email = "confirm-first@example.test";
    let (status, _) = app
        .post_json("/api/applications", "", &application(email, 1))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let r = app.login_raw(email, "supplier-password").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["error"]["code"], "email_not_verified");
    // A wrong password says only that: nothing about the account.
    let r = app.login_raw(email, "not-the-password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let link = verification_link(&app, email).await.expect("a link");
    let (status, _) = app
        .post_json("/api/auth/verify-email", "", &json!({ "token": link }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.login_raw(email, "supplier-password").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_application_with_a_known_email_answers_as_a_new_one_and_tells_the_owner() {
    let app = spawn_app().await;
    let (fresh_status, fresh) = app
        .post_json("/api/applications", "", &application("new@example.test", 1))
        .await;
    let suppliers = app.count("suppliers").await;
    let users = app.count("users").await;
    let (known_status, known) = app
        .post_json(
            "/api/applications",
            "",
            &application("Finance@demo.test", 2),
        )
        .await;
    assert_eq!(fresh_status, StatusCode::ACCEPTED);
    assert_eq!(known_status, fresh_status);
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&known), keys(&fresh));
    assert_eq!(known["next"], fresh["next"]);
    assert_eq!(app.count("suppliers").await, suppliers, "nothing created");
    assert_eq!(app.count("users").await, users);
    assert_eq!(
        app.count(
            "outbox WHERE kind = 'application_existing_account' AND to_addr = 'finance@demo.test'"
        )
        .await,
        1
    );
    // An applicant who lost its confirmation mail gets a fresh link by applying again.
    let first = verification_link(&app, "new@example.test").await;
    let (status, _) = app
        .post_json("/api/applications", "", &application("new@example.test", 3))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let second = verification_link(&app, "new@example.test").await;
    assert!(second.is_some() && second != first, "a new link");
    // A registered credit code is still named: it is public.
    let (status, v) = app
        .post_json(
            "/api/applications",
            "",
            &application("other@example.test", 1),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["credit_code"]["code"], "taken");
}

#[tokio::test]
async fn one_address_may_apply_five_times_in_the_window_and_then_waits() {
    let app = spawn_app().await;
    for n in 1..=5 {
        let (status, v) = app
            .post_json(
                "/api/applications",
                "",
                &application(&format!("a{n}@example.test"), n),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "application {n}: {v}");
    }
    let suppliers = app.count("suppliers").await;
    let r = reqwest::Client::new()
        .post(app.url("/api/applications"))
        .json(&application("a6@example.test", 6))
        .send()
        .await
        .expect("sixth");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["error"]["code"], "too_many_attempts");

    // The page says so in the reader's language, keeping what was typed.
    let client = app.new_client();
    let csrf = app.csrf_from(&client, "/apply").await;
    let r = client
        .post(app.url("/apply"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("legal_name", "页面公司"),
            ("credit_code", "91330110MA27Y0B7X2"),
            ("legal_representative", "吴永固"),
            ("contact_name", "吴经理"),
            ("contact_phone", "13912345678"),
            ("contact_email", "page@example.test"),
            ("address", "杭州"),
            ("cat_1", "on"),
            ("bank_name", "工商银行"),
            ("bank_account", "12020212090012345"),
            ("password", "supplier-password"),
            ("confirm_password", "supplier-password"),
        ])
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("Too many attempts"), "{html}");
    assert!(html.contains("value=\"页面公司\""));
    assert_eq!(app.count("suppliers").await, suppliers, "nothing created");

    // Once the window has moved on, the address may apply again.
    app.clock.advance(chrono::Duration::minutes(16));
    let (status, _) = app
        .post_json("/api/applications", "", &application("a6@example.test", 6))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}
