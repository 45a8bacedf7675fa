//! Rule 14, no one decides alone: nobody approves what they raised themselves, a failure is
//! confirmed after its supplier answered or its days to answer passed, and the two sign-off
//! levels of a contract come from two people (the contract tests in `procurement.rs`).

use crate::helpers::{TestApp, spawn_app};
use crate::stock::{requisition, stocked};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

async fn requisition_status(app: &TestApp, token: &str, id: i64) -> Value {
    let (_, doc) = app
        .get_json(&format!("/api/requisitions/{id}"), token)
        .await;
    doc["requisition"]["status"].clone()
}

#[tokio::test]
async fn a_site_manager_does_not_approve_return_or_reject_the_requisition_it_raised() {
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let manager = app.token_for("site_manager").await;
    let site_user = app.token_for("site_user").await;
    let (status, own) = requisition(&app, &manager, s.listing_id, "1").await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let own = own["id"].as_i64().unwrap_or_default();
    let (_, theirs) = requisition(&app, &site_user, s.listing_id, "1").await;
    let theirs = theirs["id"].as_i64().unwrap_or_default();
    let audit = app.count("audit_log").await;

    for (path, body) in [
        ("approval", json!({})),
        ("return", json!({"reason": "数量再核"})),
        ("rejection", json!({"reason": "不需要"})),
    ] {
        let (status, v) = app
            .post_json(&format!("/api/requisitions/{own}/{path}"), &manager, &body)
            .await;
        assert_eq!(
            (status, v["error"]["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("own_request")),
            "{path}: {v}"
        );
    }
    assert_eq!(requisition_status(&app, &manager, own).await, "submitted");
    assert_eq!(app.count("audit_log").await, audit, "nothing was recorded");

    // The manager's list of requisitions to decide holds the other one only, and so does the
    // count on its home page; its own says who decides it.
    let (_, others) = app
        .get_json("/api/requisitions?status=submitted&mine=false", &manager)
        .await;
    let ids: Vec<i64> = others
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_i64()).collect())
        .unwrap_or_default();
    assert!(ids.contains(&theirs) && !ids.contains(&own), "{others}");
    let client = app.browser_of("site_manager").await;
    let page = app.html(&client, &format!("/requisitions/{own}")).await;
    assert!(
        !page.contains("approve-button"),
        "no approve button on its own"
    );
    assert!(
        page.contains("own-request"),
        "it says another manager decides"
    );

    // Another's requisition the manager approves as before.
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{theirs}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_failure_is_confirmed_by_someone_other_than_the_one_who_recorded_it() {
    let app = spawn_app().await;
    let supplier = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &supplier).await;
    let sid = mine["supplier"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no supplier id: {mine}"));
    let head = app.token_for("procurement_head").await;
    let officer = app.token_for("procurement_officer").await;
    let record = async |token: &str| {
        let (status, v) = app
            .post_json(
                &format!("/api/suppliers/{sid}/failures"),
                token,
                &json!({"kind": "quality", "source": "receiving_inspection", "description": "屈服强度不合格"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v["id"].as_i64().unwrap_or_default()
    };

    let by_head = record(&head).await;
    let (status, v) = app
        .post_json(
            &format!("/api/failures/{by_head}/decision"),
            &head,
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("own_request")),
        "{v}"
    );
    let still = entity::supplier_failure::Entity::find_by_id(by_head)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .map(|f| f.status);
    assert_eq!(still.as_deref(), Some("open"), "the failure stays open");

    // Recorded by the officer, the head confirms it once the supplier answered, and not before.
    let by_officer = record(&officer).await;
    let confirm = async |id: i64, head: &str| {
        app.post_json(
            &format!("/api/failures/{id}/decision"),
            head,
            &json!({"confirm": true}),
        )
        .await
    };
    let (status, v) = confirm(by_officer, &head).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("failure_answer_pending")
        ),
        "{v}"
    );
    let (status, _) = app
        .post_json(
            &format!("/api/my/failures/{by_officer}/response"),
            &supplier,
            &json!({"response": "已安排复检"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = confirm(by_officer, &head).await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // Without an answer, once its days to answer (3, a setting) have passed to the second.
    let unanswered = record(&officer).await;
    let recorded_at = entity::supplier_failure::Entity::find_by_id(unanswered)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .map(|f| f.recorded_at)
        .unwrap_or_default();
    // (Days later the head signs in again: a token lasts less than that.)
    app.clock
        .set(recorded_at + chrono::Duration::days(3) - chrono::Duration::seconds(1));
    let head = app.token_for("procurement_head").await;
    let (status, v) = confirm(unanswered, &head).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("failure_answer_pending")
        ),
        "a second early: {v}"
    );
    app.clock.set(recorded_at + chrono::Duration::days(3));
    let (status, v) = confirm(unanswered, &head).await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn the_supplier_page_offers_the_confirmation_only_when_rule_14_allows_it() {
    let app = spawn_app().await;
    let supplier = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &supplier).await;
    let sid = mine["supplier"]["id"].as_i64().unwrap_or_default();
    let head = app.token_for("procurement_head").await;
    let officer = app.token_for("procurement_officer").await;
    for token in [&head, &officer] {
        let (status, v) = app
            .post_json(
                &format!("/api/suppliers/{sid}/failures"),
                token,
                &json!({"kind": "quality", "source": "site_complaint", "description": "漏浆"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let client = app.browser_of("procurement_head").await;
    let page = async || app.html(&client, &format!("/suppliers/{sid}")).await;
    // Its own: someone else confirms; the officer's: the supplier may still answer.
    let html = page().await;
    assert_eq!(
        html.matches("class=\"muted own-request\"").count(),
        1,
        "{html}"
    );
    assert_eq!(html.matches("class=\"muted answer-pending\"").count(), 1);
    assert!(
        !html.contains("confirm-failure"),
        "no confirmation offered yet"
    );
    // Once the supplier answered, the officer's failure can be confirmed by the head.
    app.suppliers_answer_open_failures().await;
    let html = page().await;
    assert_eq!(html.matches("confirm-failure").count(), 1, "{html}");
    assert_eq!(html.matches("class=\"muted own-request\"").count(), 1);
}

#[tokio::test]
async fn a_stock_count_is_decided_by_someone_other_than_whoever_entered_it() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, count) = app
        .post_json(
            "/api/stock-counts",
            &keeper,
            &json!({"listing_id": s.listing_id, "counted": "9", "reason": "破损一件"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{count}");
    assert_eq!(count["status"], "pending", "{count}");
    let id = count["id"].as_i64().unwrap_or_default();
    // The keeper who counted becomes a procurement officer: the count is still not theirs to
    // decide.
    let keeper_id = app.user_id("warehouse_keeper@demo.test").await;
    entity::user::ActiveModel {
        id: Set(keeper_id),
        role: Set("procurement_officer".into()),
        ..Default::default()
    }
    .update(&app.state.db.write)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let promoted = app.token_for("warehouse_keeper").await;
    let audit = app.count("audit_log").await;
    let decision = |token: String| {
        let app = &app;
        async move {
            app.post_json(
                &format!("/api/stock-counts/{id}/decision"),
                &token,
                &json!({"approve": true, "note": "复盘属实"}),
            )
            .await
        }
    };
    let (status, v) = decision(promoted).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("own_request")),
        "{v}"
    );
    assert_eq!(app.count("audit_log").await, audit, "nothing was recorded");
    // Another officer decides it.
    let (status, v) = decision(app.token_for("procurement_officer").await).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "approved", "{v}");
}
