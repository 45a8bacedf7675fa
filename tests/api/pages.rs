//! The HTML side: sign-in with CSRF, role home pages in both languages, friendly errors.

use crate::helpers::{DEMO_PASSWORD, extract_csrf, spawn_app};
use portal::auth::Role;
use portal::i18n::Locale;
use reqwest::StatusCode;

#[tokio::test]
async fn each_role_sees_its_own_home_page_in_both_languages() {
    let app = spawn_app().await;
    for role in Role::ALL {
        let client = app.new_client();
        let r = app
            .page_login(
                &client,
                &format!("{}@demo.test", role.as_str()),
                DEMO_PASSWORD,
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        for locale in Locale::ALL {
            let html = client
                .get(app.url("/"))
                .header(
                    "Accept-Language",
                    if locale == Locale::En {
                        "en-GB,en;q=0.9"
                    } else {
                        "zh-CN,zh;q=0.9"
                    },
                )
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap_or_default();
            let title = locale.t(&format!("home-title-{}", role.as_str()));
            assert!(
                html.contains(&format!("<h1 id=\"page-title\">{title}</h1>")),
                "{} in {}",
                role.as_str(),
                locale.tag()
            );
            assert!(html.contains(&format!("data-role=\"{}\"", role.as_str())));
        }
    }
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let client = app.new_client();
    // Visit first so that the CSRF cookie exists; then post without (and with a wrong) token.
    client.get(app.url("/login")).send().await.unwrap();
    for token in ["", "0123.abcd"] {
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", token),
                ("email", "admin@demo.test"),
                ("password", DEMO_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .all(|c| !c.to_str().unwrap_or_default().starts_with("portal_token="))
        );
    }
    // A token from another browser does not help either.
    let other = app.new_client();
    let foreign = app.csrf_from(&other, "/login").await;
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", foreign.as_str()),
            ("email", "admin@demo.test"),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_sign_in_cookie_is_http_only_and_same_site() {
    let app = spawn_app().await;
    let client = app.new_client();
    let r = app
        .page_login(&client, "admin@demo.test", DEMO_PASSWORD)
        .await;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap_or_default().to_string())
        .find(|c| c.starts_with("portal_token="))
        .unwrap_or_default();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // Signing out clears it and the home page asks for sign-in again.
    let html = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    let csrf = extract_csrf(&html);
    let r = client
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn a_page_that_needs_sign_in_sends_the_visitor_to_the_login_and_back() {
    let app = spawn_app().await;
    let client = app.new_client();
    let r = client
        .get(app.url("/admin/users?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(to, "/login?next=%2Fadmin%2Fusers%3Fx%3D1");
    let html = client
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    let csrf = extract_csrf(&html);
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "auditor@demo.test"),
            ("password", DEMO_PASSWORD),
            ("next", "/admin/users?x=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers().get("location").and_then(|l| l.to_str().ok()),
        Some("/admin/users?x=1")
    );
}

#[tokio::test]
async fn a_wrong_password_re_renders_the_form_with_the_message_in_the_chosen_language() {
    let app = spawn_app().await;
    let client = app.new_client();
    let r = client
        .get(app.url("/lang/en?next=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.page_login(&client, "admin@demo.test", "wrong").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains(&Locale::En.t("error-bad_credentials")),
        "{html}"
    );
    assert!(
        html.contains("value=\"admin@demo.test\""),
        "the email is kept"
    );
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_in_the_users_language() {
    let app = spawn_app().await;
    let r = app
        .new_client()
        .get(app.url("/no/such/page"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains(&Locale::ZhCn.t("error-page-404")));
    assert!(html.contains("<html lang=\"zh-CN\""));
}

#[tokio::test]
async fn the_admin_adds_a_user_through_the_form_and_sees_field_errors_first() {
    let app = spawn_app().await;
    let client = app.new_client();
    app.page_login(&client, "admin@demo.test", DEMO_PASSWORD)
        .await;
    let csrf = app.csrf_from(&client, "/admin/users/new").await;
    let r = client
        .post(app.url("/admin/users/new"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "bad"),
            ("display_name", "Zhou"),
            ("password", "long-enough-pw"),
            ("role", "site_user"),
            ("site_id", ""),
            ("supplier_id", ""),
            ("locale", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains(&Locale::En.t("validation-email")));
    assert!(
        html.contains(&Locale::En.t("validation-required")),
        "a site user needs a site"
    );
    let r = client
        .post(app.url("/admin/users/new"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "zhou@example.test"),
            ("display_name", "Zhou"),
            ("password", "long-enough-pw"),
            ("role", "site_user"),
            ("site_id", "1"),
            ("supplier_id", ""),
            ("locale", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("zhou@example.test"));
    assert!(
        html.contains("flash-success"),
        "the flash message shows once"
    );
    let html = client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    assert!(!html.contains("flash-success"), "and only once");
}

#[tokio::test]
async fn every_main_page_renders_for_the_admin_in_both_languages() {
    let app = spawn_app().await;
    let client = app.new_client();
    app.page_login(&client, "admin@demo.test", DEMO_PASSWORD)
        .await;
    for path in [
        "/",
        "/materials",
        "/materials?q=水泥",
        "/organisation",
        "/admin/users",
        "/admin/users/1",
        "/audit",
        "/audit?verify=1",
        "/admin/outbox",
        "/admin/jobs",
        "/account",
    ] {
        for lang in ["en", "zh-CN"] {
            let r = client
                .get(app.url(path))
                .header("Accept-Language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path} {lang}");
            let html = r.text().await.unwrap_or_default();
            assert!(html.contains(&format!("data-lang=\"{lang}\"")), "{path}");
            assert!(html.contains("name=\"viewport\""), "phone-ready");
        }
    }
    let html = client
        .get(app.url("/materials?q=%E6%B0%B4%E6%B3%A5"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("P.O 42.5"), "a search for 水泥 finds cement");
    let html = client
        .get(app.url("/audit?verify=1"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("id=\"audit-verification\""));
    assert!(html.contains("flash-success"), "the chain verifies");
}
