//! Refused page forms: what was typed comes back, an error summary at the top names each field
//! by its label (never an internal key) and links to it, the field says it is invalid, the
//! title starts with "Error", and the form's URL can be loaded again (GET) without a 404.

use crate::helpers::*;
use portal::i18n::Locale;
use reqwest::StatusCode;
use scraper::{Html, Selector};

/// A browser-like client that follows redirects (as a reload or the language switcher does).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn signed_in(app: &TestApp, role: &str) -> reqwest::Client {
    let client = browser();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{role} signs in");
    client
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

fn one(doc: &Html, css: &str) -> bool {
    doc.select(&Selector::parse(css).unwrap()).next().is_some()
}

/// The value of the first `<option>` of the select `name` on the page.
fn first_option(html: &str, name: &str) -> String {
    let doc = Html::parse_document(html);
    let css = format!("select[name={name}] option");
    doc.select(&Selector::parse(&css).unwrap())
        .filter_map(|o| o.value().attr("value"))
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("no option for {name}"))
        .to_string()
}

fn title(html: &str) -> String {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse("title").unwrap())
        .next()
        .map(|t| t.text().collect::<String>())
        .unwrap_or_default()
}

/// The error summary: focusable, announced, one linked line per field.
fn summary_links(html: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(".error-summary[role=alert][tabindex='-1'] li a").unwrap();
    doc.select(&sel)
        .map(|a| {
            (
                a.value().attr("href").unwrap_or_default().to_string(),
                a.text().collect::<String>(),
            )
        })
        .collect()
}

/// What the error summary says.
fn summary_text(html: &str) -> String {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse(".error-summary").unwrap())
        .map(|e| e.text().collect::<String>())
        .collect()
}

/// The field `css` is marked invalid and described by a message that exists on the page.
fn invalid_and_described(html: &str, css: &str) {
    let doc = Html::parse_document(html);
    let field = doc
        .select(&Selector::parse(css).unwrap())
        .next()
        .unwrap_or_else(|| panic!("no {css} in {html}"));
    assert_eq!(field.value().attr("aria-invalid"), Some("true"), "{css}");
    let described = field.value().attr("aria-describedby").unwrap_or_default();
    assert!(
        one(&doc, &format!("[id='{described}']")),
        "{css} is described by #{described}, which is on the page"
    );
}

#[tokio::test]
async fn a_refused_listing_keeps_what_was_typed_and_names_the_field_by_its_label() {
    let app = spawn_demo_app().await;
    let client = signed_in(&app, "supplier").await;
    let (status, html) = page(&client, &app, "/my/listings").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = extract_csrf(&html);
    let material = first_option(&html, "material_id");
    let before = app.count("listings").await;
    let r = client
        .post(app.url("/my/listings"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("material_id", material.as_str()),
            ("warehouse_id", "1"),
            ("price", "123.45"),
            ("min_stock", "7"),
            ("max_stock", "lots"),
            ("lead_time_days", "9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(app.count("listings").await, before, "nothing was saved");
    assert!(title(&html).starts_with("错误："), "{}", title(&html));
    let links = summary_links(&html);
    assert!(
        links.contains(&("#max_stock".to_string(), Locale::ZhCn.t("listing-max"))),
        "{links:?}"
    );
    invalid_and_described(&html, "#listing-form input[name=max_stock]");
    let doc = Html::parse_document(&html);
    for (name, typed) in [
        ("price", "123.45"),
        ("min_stock", "7"),
        ("max_stock", "lots"),
        ("lead_time_days", "9"),
    ] {
        assert!(
            one(
                &doc,
                &format!("#listing-form input[name={name}][value='{typed}']")
            ),
            "{name} keeps {typed}"
        );
    }
    assert!(
        one(
            &doc,
            &format!("#listing-form select[name=material_id] option[value='{material}'][selected]")
        ),
        "the material chosen stays chosen"
    );
    assert!(
        !one(&doc, "#delivery-form [aria-invalid]"),
        "the page's other form is not marked"
    );
}

#[tokio::test]
async fn a_refused_delivery_note_keeps_its_number_batch_and_lines() {
    let app = spawn_demo_app().await;
    let client = signed_in(&app, "supplier").await;
    let (_, html) = page(&client, &app, "/my/listings").await;
    let csrf = extract_csrf(&html);
    let listing = first_option(&html, "listing_0");
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .text("warehouse_id", "1")
        .text("note_number", "DN-2026-0077")
        .text("arrival", "full_truck")
        .text("delivered_on", app.state.today().to_string())
        .text("listing_0", listing.clone())
        .text("qty_0", "twelve")
        .text("batch_0", "B-778")
        .text("listing_1", "")
        .text("qty_1", "")
        .text("batch_1", "")
        .text("listing_2", "")
        .text("qty_2", "")
        .text("batch_2", "");
    let before = app.count("deliveries").await;
    let r = client
        .post(app.url("/my/deliveries"))
        .header("Accept-Language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(app.count("deliveries").await, before);
    let links = summary_links(&html);
    assert!(
        links.contains(&("#d-qty_0".to_string(), Locale::En.t("catalogue-quantity"))),
        "{links:?}"
    );
    assert!(
        !summary_text(&html).contains("qty_0"),
        "no internal key is shown"
    );
    invalid_and_described(&html, "#delivery-form input[name=qty_0]");
    let doc = Html::parse_document(&html);
    for (name, typed) in [
        ("note_number", "DN-2026-0077"),
        ("qty_0", "twelve"),
        ("batch_0", "B-778"),
    ] {
        assert!(
            one(
                &doc,
                &format!("#delivery-form input[name={name}][value='{typed}']")
            ),
            "{name} keeps {typed}: {html}"
        );
    }
    assert!(one(
        &doc,
        "#delivery-form select[name=arrival] option[value=full_truck][selected]"
    ));
    assert!(one(
        &doc,
        &format!("#delivery-form select[name=listing_0] option[value='{listing}'][selected]")
    ));
    // Reloading the form's address (or switching the language there) lands on the page.
    let (status, _) = page(&client, &app, "/my/deliveries").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn refused_admission_terms_name_the_tax_rate_by_its_label_and_keep_the_rest() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_demo_app().await;
    let recommended = entity::supplier::Entity::find()
        .filter(entity::supplier::Column::Status.eq("recommended"))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("the demo has a recommended supplier");
    let id = recommended.id;
    let client = signed_in(&app, "procurement_head").await;
    let path = format!("/suppliers/{id}");
    let (status, html) = page(&client, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = extract_csrf(&html);
    let action = format!("/suppliers/{id}/admission");
    let today = app.state.today();
    let r = client
        .post(app.url(&action))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("decision", "admit"),
            ("reasons", "资料齐全，同意准入"),
            ("starts_on", &today.to_string()),
            ("ends_on", &(today + chrono::Days::new(365)).to_string()),
            ("cutoff_day", "20"),
            ("stale_months", "3"),
            ("tax_rate", "thirteen"),
            ("signed_on", &today.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(title(&html).starts_with("错误："));
    assert!(
        !summary_text(&html).contains("tax_rate"),
        "no internal key is shown: {}",
        summary_text(&html)
    );
    let links = summary_links(&html);
    assert!(
        links.contains(&(
            "#adm-tax_rate".to_string(),
            Locale::ZhCn.t("agreement-tax-percent")
        )),
        "{links:?}"
    );
    invalid_and_described(&html, "#admission-form input[name=tax_rate]");
    let doc = Html::parse_document(&html);
    for (name, typed) in [
        ("cutoff_day", "20"),
        ("stale_months", "3"),
        ("tax_rate", "thirteen"),
    ] {
        assert!(
            one(
                &doc,
                &format!("#admission-form input[name={name}][value='{typed}']")
            ),
            "{name} keeps {typed}"
        );
    }
    assert!(
        doc.select(&Selector::parse("#admission-form textarea[name=reasons]").unwrap())
            .next()
            .is_some_and(|t| t.text().collect::<String>() == "资料齐全，同意准入"),
        "the reasons are kept"
    );
    // The form's own address answers a reload and the language switcher.
    let (status, html) = page(&client, &app, &action).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&recommended.legal_name));
    let switch = format!("/lang/en?next={}", urlencoding::encode(&action));
    let (status, _) = page(&client, &app, &switch).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_refused_document_upload_keeps_its_other_fields() {
    let app = spawn_demo_app().await;
    let client = signed_in(&app, "supplier").await;
    let (_, html) = page(&client, &app, "/my/supplier").await;
    let csrf = extract_csrf(&html);
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .text("kind", "business_licence")
        .text("title", "营业执照（2026 年换发）")
        .text("issued_on", "2026-01-05")
        .text("expires_on", "next year");
    let r = client
        .post(app.url("/my/documents"))
        .header("Accept-Language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(title(&html).starts_with("Error: "), "{}", title(&html));
    let links = summary_links(&html);
    assert!(
        links.contains(&(
            "#doc-expires_on".to_string(),
            Locale::En.t("field-expires-on")
        )),
        "{links:?}"
    );
    invalid_and_described(&html, "input[name=expires_on]");
    let doc = Html::parse_document(&html);
    assert!(one(
        &doc,
        "input[name=title][value='营业执照（2026 年换发）']"
    ));
    assert!(one(&doc, "input[name=issued_on][value='2026-01-05']"));
    assert!(one(&doc, "input[name=expires_on][value='next year']"));
    assert!(
        one(&doc, "details[open] form[action='/my/documents']"),
        "the form is open"
    );
    let (status, _) = page(&client, &app, "/my/documents").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_user_name_of_spaces_is_refused_by_the_form_and_the_api() {
    let app = spawn_demo_app().await;
    let client = signed_in(&app, "admin").await;
    let (_, html) = page(&client, &app, "/admin/users/new").await;
    let csrf = extract_csrf(&html);
    let before = app.count("users").await;
    let r = client
        .post(app.url("/admin/users/new"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "blank.name@example.test"),
            ("display_name", "   "),
            ("password", "long-enough-pw"),
            ("role", "finance"),
            ("site_id", ""),
            ("supplier_id", ""),
            ("locale", "zh-CN"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert_eq!(app.count("users").await, before);
    assert!(title(&html).starts_with("错误："));
    let links = summary_links(&html);
    assert!(
        links.contains(&(
            "#display_name".to_string(),
            Locale::ZhCn.t("field-display-name")
        )),
        "{links:?}"
    );
    invalid_and_described(&html, "input[name=display_name]");
    assert!(html.contains("value=\"blank.name@example.test\""));

    let token = app.token_for("admin").await;
    let (status, body) = app
        .post_json(
            "/api/users",
            &token,
            &serde_json::json!({
                "email": "blank.api@example.test",
                "display_name": " \t ",
                "password": "long-enough-pw",
                "role": "finance",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["fields"]["display_name"].is_object(),
        "{body}"
    );
    assert_eq!(app.count("users").await, before);
}

#[tokio::test]
async fn every_form_address_without_a_page_leads_to_its_page_on_get() {
    let app = spawn_demo_app().await;
    let client = signed_in(&app, "procurement_officer").await;
    for path in [
        "/suppliers/1/review",
        "/suppliers/1/failures",
        "/suppliers/1/admission",
        "/suppliers/1/suspension",
        "/material-proposals/1",
    ] {
        let (status, html) = page(&client, &app, path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {html}");
    }
    // A path no form posts to still answers 404.
    let (status, _) = page(&client, &app, "/suppliers/1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_menu_folds_on_phones_and_the_first_tab_stop_skips_to_the_page() {
    let app = spawn_demo_app().await;
    let client = signed_in(&app, "site_user").await;
    let (_, html) = page(&client, &app, "/").await;
    let doc = Html::parse_document(&html);
    let first = doc
        .select(
            &Selector::parse(
                "body a, body button, body input:not([type=hidden]), body select, body textarea",
            )
            .unwrap(),
        )
        .next()
        .unwrap();
    assert_eq!(
        first.value().attr("href"),
        Some("#main"),
        "the skip link comes first"
    );
    assert!(one(&doc, "main#main"));
    assert!(one(
        &doc,
        "input#menu-toggle[type=checkbox] + label[for=menu-toggle]"
    ));
    assert!(one(&doc, "a.lang-switch[lang=en][hreflang=en]"));
    assert!(one(&doc, "a.lang-switch[lang=zh-CN]"));
}

#[tokio::test]
async fn admission_outcomes_are_buttons_rejection_asks_first_and_no_button_decides_nothing() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_demo_app().await;
    let recommended = entity::supplier::Entity::find()
        .filter(entity::supplier::Column::Status.eq("recommended"))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("the demo has a recommended supplier");
    let id = recommended.id;
    let client = signed_in(&app, "procurement_head").await;
    let path = format!("/suppliers/{id}");
    let (status, html) = page(&client, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    assert!(!one(&doc, "select[name=decision], select[name=outcome]"));
    assert!(one(
        &doc,
        "#admission-form #adm-decision > button[type=submit][name=decision][value=admit]:not(.danger)"
    ));
    assert!(one(
        &doc,
        "#admission-form #adm-decision > button[type=submit][name=decision][value=request_info]"
    ));
    assert!(one(
        &doc,
        "#admission-form details.confirm > button.danger[type=submit][name=decision][value=reject]"
    ));
    assert!(!one(
        &doc,
        "#admission-form #adm-decision > button[name=decision][value=reject]"
    ));
    let csrf = extract_csrf(&html);
    for (decision, code) in [(None, "required"), (Some("maybe"), "invalid")] {
        let mut form = vec![
            ("csrf_token", csrf.clone()),
            ("reasons", "资料不全".to_string()),
        ];
        if let Some(d) = decision {
            form.push(("decision", d.to_string()));
        }
        let r = client
            .post(app.url(&format!("/suppliers/{id}/admission")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{decision:?}");
        let html = r.text().await.unwrap();
        let links = summary_links(&html);
        assert!(
            links.iter().any(|(href, _)| href == "#adm-decision"),
            "{code}: {links:?}"
        );
        let doc = Html::parse_document(&html);
        assert!(one(&doc, "#admission-form #adm-decision-error"), "{html}");
        let now = entity::supplier::Entity::find_by_id(id)
            .one(&app.state.db.read)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now.status, "recommended", "nothing was decided");
    }
    // The officer's review and re-review likewise: no outcome posted is neither a rejection
    // nor a failed re-review.
    let officer = signed_in(&app, "procurement_officer").await;
    let (_, html) = page(&officer, &app, &path).await;
    let csrf = extract_csrf(&html);
    for action in ["review", "re-review"] {
        let r = officer
            .post(app.url(&format!("/suppliers/{id}/{action}")))
            .form(&[("csrf_token", csrf.as_str()), ("reasons", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{action}");
    }
    let r = officer
        .post(app.url(&format!("/suppliers/{id}/re-review")))
        .form(&[("csrf_token", csrf.as_str()), ("decision", "passed ")])
        .send()
        .await
        .unwrap();
    assert_ne!(
        r.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "a known outcome reaches the rules"
    );
    let now = entity::supplier::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status, "recommended");
}
