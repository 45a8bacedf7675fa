//! Money, units and recorded names as a clerk reads them: grouped amounts with ¥, prices
//! marked as including VAT, units and material names in the page's language, VAT entered as a
//! percent, audit actions and jobs named in words.

use crate::helpers::*;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

async fn browser(app: &TestApp, role: &str, lang: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
    let r = client
        .get(app.url(&format!("/lang/{lang}?next=/")))
        .send()
        .await
        .expect("language switch");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    client
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = client
        .get(app.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap_or_default()
}

/// An amount as the pages write it: "¥15,400.00".
fn yuan(d: rust_decimal::Decimal) -> String {
    portal::money::text::yuan(portal::i18n::Locale::En, d)
}

#[tokio::test]
async fn an_english_statement_names_materials_in_english_and_groups_yuan() {
    let app = spawn_demo_app().await;
    let finance = app.token_for("finance").await;
    let (status, list) = app.get_json("/api/statements", &finance).await;
    assert_eq!(status, StatusCode::OK);
    let id = list[0]["id"].as_i64().expect("the demo's statement");
    let (_, detail) = app
        .get_json(&format!("/api/statements/{id}"), &finance)
        .await;
    let gross = dec(&detail["statement"]["gross"]);
    assert!(gross >= rust_decimal::Decimal::from(1000), "{gross}");

    let client = browser(&app, "finance", "en").await;
    let html = page(&app, &client, &format!("/statements/{id}")).await;
    assert!(html.contains("Hot-rolled ribbed rebar"), "{html}");
    assert!(
        !html.contains("热轧带肋钢筋"),
        "no Chinese material name: {html}"
    );
    let grouped = yuan(gross);
    assert!(grouped.contains(','), "{grouped}");
    assert!(html.contains(&grouped), "{grouped} in {html}");
    assert!(html.contains("Unit price (incl. VAT)") || html.contains("(incl. VAT)"));
    assert!(html.contains(" t<"), "the unit in English: {html}");

    let client = browser(&app, "finance", "zh-CN").await;
    let html = page(&app, &client, &format!("/statements/{id}")).await;
    assert!(
        html.contains("热轧带肋钢筋") && html.contains("（含税）"),
        "{html}"
    );
    assert!(html.contains(" 吨<"), "the unit in Chinese: {html}");
    assert!(
        !html.contains(" t<"),
        "no English unit on a Chinese page: {html}"
    );
}

#[tokio::test]
async fn a_chinese_catalogue_shows_tonnes_as_dun_and_prices_with_tax() {
    let app = spawn_demo_app().await;
    let client = browser(&app, "site_user", "zh-CN").await;
    let html = page(&app, &client, "/catalogue").await;
    assert!(html.contains("/ 吨<"), "{html}");
    assert!(!html.contains("/ t<"), "{html}");
    assert!(
        html.contains("单价（含税）") || html.contains("（含税）"),
        "{html}"
    );
    let client = browser(&app, "site_user", "en").await;
    let html = page(&app, &client, "/catalogue").await;
    assert!(
        html.contains("/ t<") && html.contains("(incl. VAT)"),
        "{html}"
    );
}

#[tokio::test]
async fn the_admission_form_takes_13_as_13_percent() {
    let app = spawn_demo_app().await;
    let recommended = entity::supplier::Entity::find()
        .filter(entity::supplier::Column::Status.eq("recommended"))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("the demo's recommended supplier");
    let sid = recommended.id;
    let client = browser(&app, "procurement_head", "zh-CN").await;
    let path = format!("/suppliers/{sid}");
    let html = page(&app, &client, &path).await;
    let csrf = extract_csrf(&html);
    let today = app.state.today();
    let post = |rate: &'static str| {
        let client = client.clone();
        let csrf = csrf.clone();
        let url = app.url(&format!("/suppliers/{sid}/admission"));
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("decision", "admit"),
                    ("reasons", ""),
                    ("starts_on", &today.to_string()),
                    ("ends_on", &(today + chrono::Days::new(365)).to_string()),
                    ("cutoff_day", "25"),
                    ("stale_months", "2"),
                    ("tax_rate", rate),
                    ("signed_on", &today.to_string()),
                ])
                .send()
                .await
                .expect("admission form")
        }
    };
    let before = app.count("consignment_agreements").await;
    // Out of range or not a number: the field's label and the range in percent.
    for bad in ["18", "0.13%x", "-1"] {
        let r = post(bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let html = r.text().await.unwrap_or_default();
        assert!(
            html.contains("增值税税率：请填写 0 到 17 之间的百分数"),
            "{bad}: {html}"
        );
    }
    assert_eq!(
        app.count("consignment_agreements").await,
        before,
        "nothing saved"
    );
    let r = post("13").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let agreement = entity::consignment_agreement::Entity::find()
        .filter(entity::consignment_agreement::Column::SupplierId.eq(sid))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("the agreement");
    assert_eq!(
        agreement.tax_rate.value(),
        rust_decimal::Decimal::new(13, 2),
        "13 is 13 %"
    );
    let html = page(&app, &client, &path).await;
    assert!(html.contains(">13%<"), "shown as a percent: {html}");
}

#[tokio::test]
async fn audit_actions_and_jobs_are_named_in_the_pages_language() {
    let app = spawn_demo_app().await;
    portal::jobs::run(
        &app.state,
        portal::jobs::Job::Housekeeping,
        app.state.today(),
    )
    .await
    .unwrap();
    let client = browser(&app, "auditor", "zh-CN").await;
    let html = page(&app, &client, "/audit?action=user.login").await;
    assert!(html.contains(">登录</span>"), "{html}");
    assert!(!html.contains(">user.login<"), "{html}");
    let html = page(&app, &client, "/admin/jobs").await;
    assert!(
        html.contains(">日常清理<") && html.contains(">已完成<"),
        "{html}"
    );
    let client = browser(&app, "auditor", "en").await;
    let html = page(&app, &client, "/audit?action=user.login").await;
    assert!(html.contains(">Signed in</span>"), "{html}");
    let html = page(&app, &client, "/admin/jobs").await;
    assert!(
        html.contains(">Housekeeping<") && html.contains(">Done<"),
        "{html}"
    );
}

#[tokio::test]
async fn a_new_listing_shows_its_proposed_price_awaiting_approval() {
    let app = spawn_demo_app().await;
    let token = app.token_for("supplier").await;
    let db = &app.state.db.read;
    let user = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("supplier@demo.test"))
        .one(db)
        .await
        .unwrap()
        .expect("the demo supplier");
    let sid = user.supplier_id.expect("belongs to a supplier");
    let listed: Vec<i64> = entity::listing::Entity::find()
        .filter(entity::listing::Column::SupplierId.eq(sid))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.material_id)
        .collect();
    let material = entity::material::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|m| !listed.contains(&m.id))
        .expect("a material not listed yet");
    let warehouse = entity::warehouse::Entity::find()
        .one(db)
        .await
        .unwrap()
        .expect("the demo warehouse");
    let (status, v) = app
        .post_json(
            "/api/listings",
            &token,
            &serde_json::json!({"material_id": material.id, "warehouse_id": warehouse.id,
                "price": "12345.5", "min_stock": "0", "max_stock": "100", "lead_time_days": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let client = browser(&app, "supplier", "zh-CN").await;
    let html = page(&app, &client, "/my/listings").await;
    assert!(html.contains("拟定价 ¥12,345.50，待审核"), "{html}");
    assert!(!html.contains("¥0.00"), "{html}");
    let client = browser(&app, "procurement_officer", "en").await;
    let html = page(&app, &client, "/price-changes").await;
    assert!(
        html.contains("New listing") && html.contains("¥12,345.50"),
        "{html}"
    );
    assert!(!html.contains("¥0.00"), "{html}");
}
