//! Site returns (退料): goods a site hands back on the requisition line they were issued on go
//! back into consigned stock at the issue price; never more comes back than went out.

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app};
use entity::{LotId, lot, movement};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// A fresh listing of the demo supplier with `quantity` in stock: the listing and the
/// supplier's token.
async fn stocked(app: &TestApp, quantity: &str) -> (i64, String) {
    let s = crate::stock::stocked(app, quantity).await;
    (s.listing_id, s.supplier)
}

struct Issued {
    listing_id: i64,
    supplier: String,
    requisition_id: i64,
    line_id: i64,
    site_id: i64,
}

/// 10 in stock; the site asks for 6, the manager approves, the keeper issues `issue` of them.
async fn issued(app: &TestApp, issue: &str) -> Issued {
    let (listing_id, supplier) = stocked(app, "10").await;
    let site_user = app.token_for("site_user").await;
    let (status, r) = app.post_json("/api/requisitions", &site_user, &json!({"purpose": "3# 楼二层梁板", "need_by": app.state.today().to_string(), "lines": [{"listing_id": listing_id, "quantity": "6"}]})).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let requisition_id = r["id"].as_i64().unwrap_or_default();
    let line_id = r["lines"][0]["id"].as_i64().unwrap_or_default();
    let site_id = r["site_id"].as_i64().unwrap_or_default();
    let manager = app.token_for("site_manager").await;
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{requisition_id}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{requisition_id}/issue"),
            &keeper,
            &json!({"lines": [{"line_id": line_id, "quantity": issue}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    Issued {
        listing_id,
        supplier,
        requisition_id,
        line_id,
        site_id,
    }
}

async fn on_hand(app: &TestApp, supplier: &str, id: i64) -> Value {
    let (_, mine) = app.get_json("/api/my/listings", supplier).await;
    mine.as_array()
        .and_then(|a| a.iter().find(|l| l["id"] == id))
        .map(|l| l["on_hand"].clone())
        .unwrap_or_default()
}

async fn ledger_ok(app: &TestApp) {
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, v) = app.get_json("/api/stock/ledger-check", &keeper).await;
    assert_eq!(
        (status, v["ok"].clone()),
        (StatusCode::OK, json!(true)),
        "{v}"
    );
}

async fn site_returns(app: &TestApp, line_id: i64) -> Vec<movement::Model> {
    movement::Entity::find()
        .filter(movement::Column::Kind.eq("site_return"))
        .filter(movement::Column::RequisitionLineId.eq(line_id))
        .all(&app.state.db.read)
        .await
        .unwrap()
}

async fn give_back(
    app: &TestApp,
    token: &str,
    line_id: i64,
    quantity: &str,
) -> (StatusCode, Value) {
    app.post_json(
        &format!("/api/requisition-lines/{line_id}/returns"),
        token,
        &json!({"quantity": quantity, "reason": "余料未用"}),
    )
    .await
}

#[tokio::test]
async fn a_site_return_puts_the_goods_back_on_hand_at_the_issue_price_and_the_ledger_agrees() {
    let app = spawn_app().await;
    let i = issued(&app, "4").await;
    assert_eq!(on_hand(&app, &i.supplier, i.listing_id).await, "6.000");
    // Forty days later the unused goods come back: the lot's two-month clock starts again.
    app.clock.advance(chrono::Duration::days(40));
    let supplier = app.token_for("supplier").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, m) = give_back(&app, &keeper, i.line_id, "1.5").await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["quantity"], "1.500");
    assert_eq!(m["unit_price"], "3850.0000", "the price it was issued at");
    assert_eq!(m["amount"], "5775.00");
    assert_eq!(m["requisition_line_id"], i.line_id);
    assert_eq!(m["site_id"], i.site_id, "the requisition's site");
    assert_eq!(m["reason"], "余料未用");
    assert_eq!(on_hand(&app, &supplier, i.listing_id).await, "7.500");
    let l = lot::Entity::find_by_id(LotId(m["lot_id"].as_i64().unwrap_or_default()))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no lot"));
    assert_eq!(l.quantity.value().to_string(), "7.500");
    assert_eq!(l.last_movement_on, app.state.today());
    ledger_ok(&app).await;

    let (status, audit) = app
        .get_json(
            "/api/audit?action=stock.site_return",
            &app.token_for("auditor").await,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert!(audit.to_string().contains("stock.site_return"), "{audit}");

    for role in [
        "site_user",
        "site_manager",
        "finance",
        "auditor",
        "warehouse_keeper",
    ] {
        let (status, list) = app
            .get_json(
                &format!("/api/requisitions/{}/returns", i.requisition_id),
                &app.token_for(role).await,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{role}: {list}");
        assert_eq!(list[0]["id"], m["id"], "{role}");
        assert_eq!(list.as_array().map(Vec::len), Some(1));
    }
}

#[tokio::test]
async fn exactly_what_was_issued_may_come_back_and_not_a_bit_more() {
    let app = spawn_app().await;
    let i = issued(&app, "4").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let movements = app.count("movements").await;

    let (status, v) = give_back(&app, &keeper, i.line_id, "4.5").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["quantity"]["code"],
        "site_return_more_than_issued"
    );
    assert!(
        v["error"]["fields"]["quantity"]["message"]
            .as_str()
            .is_some_and(|m| m.contains('4')),
        "{v}"
    );
    let (status, v) = app
        .post_json(
            &format!("/api/requisition-lines/{}/returns", i.line_id),
            &keeper,
            &json!({"quantity": "1", "reason": "  "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["reason"]["code"], "required");
    let (status, v) = give_back(&app, &keeper, i.line_id, "0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["quantity"]["code"], "quantity");
    assert_eq!(
        app.count("movements").await,
        movements,
        "refused: nothing moved"
    );
    assert_eq!(on_hand(&app, &i.supplier, i.listing_id).await, "6.000");

    let (status, v) = give_back(&app, &keeper, i.line_id, "1").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = give_back(&app, &keeper, i.line_id, "3").await;
    assert_eq!(status, StatusCode::CREATED, "all that was issued: {v}");
    assert_eq!(on_hand(&app, &i.supplier, i.listing_id).await, "10.000");
    let (status, v) = give_back(&app, &keeper, i.line_id, "0.1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["quantity"]["code"],
        "site_return_more_than_issued"
    );
    assert_eq!(on_hand(&app, &i.supplier, i.listing_id).await, "10.000");
    assert_eq!(site_returns(&app, i.line_id).await.len(), 2);
    ledger_ok(&app).await;

    let (status, v) = give_back(&app, &keeper, 999_999, "1").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
}

#[tokio::test]
async fn nothing_comes_back_on_a_line_that_was_not_issued() {
    let app = spawn_app().await;
    let (listing_id, _) = stocked(&app, "10").await;
    let site_user = app.token_for("site_user").await;
    let (_, r) = app.post_json("/api/requisitions", &site_user, &json!({"purpose": "base", "need_by": app.state.today().to_string(), "lines": [{"listing_id": listing_id, "quantity": "2"}]})).await;
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, v) = give_back(
        &app,
        &keeper,
        r["lines"][0]["id"].as_i64().unwrap_or_default(),
        "1",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "site_return_nothing_issued");
}

#[tokio::test]
async fn returns_racing_on_one_line_never_bring_back_more_than_was_issued() {
    let app = spawn_app().await;
    let i = issued(&app, "4").await;
    let keeper = app.token_for("warehouse_keeper").await;
    // Two at once that together exceed what was issued.
    let (a, b) = tokio::join!(
        give_back(&app, &keeper, i.line_id, "3"),
        give_back(&app, &keeper, i.line_id, "3"),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
        "{} {}",
        a.1,
        b.1
    );
    // And a crowd: one unit each, one left to return.
    let all =
        futures_util::future::join_all((0..4).map(|_| give_back(&app, &keeper, i.line_id, "1")))
            .await;
    let accepted = all
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(accepted, 1, "{all:?}");
    let returned: rust_decimal::Decimal = site_returns(&app, i.line_id)
        .await
        .iter()
        .map(|m| m.quantity.value())
        .sum();
    assert_eq!(returned.normalize().to_string(), "4");
    assert_eq!(on_hand(&app, &i.supplier, i.listing_id).await, "10.000");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn only_the_keeper_records_a_return_and_only_the_site_and_the_books_read_them() {
    let app = spawn_app().await;
    let i = issued(&app, "4").await;
    for role in [
        "site_user",
        "site_manager",
        "supplier",
        "finance",
        "procurement_officer",
    ] {
        let (status, v) = give_back(&app, &app.token_for(role).await, i.line_id, "1").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {v}");
    }
    assert!(site_returns(&app, i.line_id).await.is_empty());
    for role in ["supplier", "procurement_officer"] {
        let (status, v) = app
            .get_json(
                &format!("/api/requisitions/{}/returns", i.requisition_id),
                &app.token_for(role).await,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {v}");
    }
    // A site user of another site does not see this site's returns.
    let admin = app.token_for("admin").await;
    let (_, sites) = app.get_json("/api/sites", &admin).await;
    let other = sites
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] != i.site_id))
        .map(|s| s["id"].clone())
        .unwrap_or_else(|| panic!("the demo has several sites: {sites}"));
    let (status, u) = app
        .post_json("/api/users", &admin, &json!({"email": "other.site@example.test", "display_name": "其他工地", "password": "long-enough-pw", "role": "site_user", "site_id": other}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let stranger = app.token("other.site@example.test", "long-enough-pw").await;
    let (status, v) = app
        .get_json(
            &format!("/api/requisitions/{}/returns", i.requisition_id),
            &stranger,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
}

/// A browser signed in as `<role>@demo.test`.
async fn browser(app: &TestApp, role: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
    client
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = client
        .get(app.url(path))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap_or_default()
}

async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(action))
        .header("Accept-Language", "en")
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {action}: {e}"))
}

#[tokio::test]
async fn the_keeper_returns_goods_from_the_requisitions_page() {
    let app = spawn_app().await;
    let i = issued(&app, "4").await;
    let action = format!("/requisition-lines/{}/return", i.line_id);

    let site = browser(&app, "site_user").await;
    assert!(
        !page(&app, &site, "/requisitions").await.contains(&action),
        "only the keeper sees the return form"
    );

    let keeper = browser(&app, "warehouse_keeper").await;
    let html = page(&app, &keeper, "/requisitions").await;
    assert!(
        html.contains(&action),
        "the keeper's page offers the return"
    );
    let csrf = crate::helpers::extract_csrf(&html);

    let r = post_form(
        &app,
        &keeper,
        &action,
        &[("quantity", "1"), ("reason", "unused")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "no CSRF token, no return"
    );

    let r = post_form(
        &app,
        &keeper,
        &action,
        &[
            ("csrf_token", &csrf),
            ("quantity", "9"),
            ("reason", "unused"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap_or_default();
    assert!(body.contains("At most 4 can be returned"), "{body}");
    assert!(body.contains(&action), "the form again: {body}");
    assert!(site_returns(&app, i.line_id).await.is_empty());

    let r = post_form(
        &app,
        &keeper,
        &action,
        &[
            ("csrf_token", &csrf),
            ("quantity", "2.5"),
            ("reason", "unused"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
        "/requisitions"
    );
    let html = page(&app, &keeper, "/requisitions").await;
    assert!(
        html.contains("The return was recorded"),
        "the flash tells the keeper"
    );
    assert_eq!(on_hand(&app, &i.supplier, i.listing_id).await, "8.500");
    assert_eq!(site_returns(&app, i.line_id).await.len(), 1);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_return_racing_an_issue_on_the_same_line_lets_both_through() {
    let app = spawn_app().await;
    let i = issued(&app, "4").await;
    let keeper = app.token_for("warehouse_keeper").await;
    for _ in 0..2 {
        let path = format!("/api/requisitions/{}/issue", i.requisition_id);
        let body = json!({"lines": [{"line_id": i.line_id, "quantity": "1"}]});
        let issue = app.post_json(&path, &keeper, &body);
        let ((si, vi), (sr, vr)) = tokio::join!(issue, give_back(&app, &keeper, i.line_id, "1"));
        assert_eq!((si, sr), (StatusCode::OK, StatusCode::CREATED), "{vi} {vr}");
    }
    // 6 issued, 2 returned: 10 − 6 + 2.
    assert_eq!(on_hand(&app, &i.supplier, i.listing_id).await, "6.000");
    ledger_ok(&app).await;
}
