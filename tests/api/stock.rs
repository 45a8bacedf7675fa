//! Rules 3, 8, 9 and 12: deliveries and inspection, reservation and issue, the ledger, stale stock.

use crate::helpers::{TestApp, ledger_ok, spawn_app};
use portal::i18n::Locale;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Stocked {
    pub listing_id: i64,
    /// The demo supplier's token.
    pub supplier: String,
    pub spec: String,
    pub warehouse_id: i64,
}

/// The demo supplier lists a material of its agreement, procurement approves the price, and
/// `quantity` is delivered and accepted.
pub async fn stocked(app: &TestApp, quantity: &str) -> Stocked {
    stocked_at(app, quantity, "3850.00").await
}

/// [`stocked`] at the listing price `price`.
pub async fn stocked_at(app: &TestApp, quantity: &str, price: &str) -> Stocked {
    let supplier = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &supplier).await;
    let category = mine["agreement"]["category_ids"][0]
        .as_i64()
        .unwrap_or_else(|| panic!("no category: {mine}"));
    let (_, materials) = app
        .get_json(&format!("/api/materials?category_id={category}"), &supplier)
        .await;
    let (_, listed) = app.get_json("/api/my/listings", &supplier).await;
    let taken: Vec<Value> = listed
        .as_array()
        .map(|l| l.iter().map(|x| x["material_id"].clone()).collect())
        .unwrap_or_default();
    // A material the supplier does not list yet (the demo lists some already).
    let material = materials
        .as_array()
        .and_then(|m| m.iter().find(|m| !taken.contains(&m["id"])))
        .cloned()
        .unwrap_or_else(|| panic!("every material of category {category} is listed"));
    let (_, warehouses) = app.get_json("/api/warehouses", &supplier).await;
    let warehouse_id = warehouses[0]["id"].as_i64().unwrap_or_default();
    let (status, listing) = app
        .post_json("/api/listings", &supplier, &json!({"material_id": material["id"], "warehouse_id": warehouse_id, "price": price, "min_stock": "0", "max_stock": "1000", "lead_time_days": 3}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{listing}");
    assert_eq!(
        listing["active"], false,
        "not orderable before the price is approved"
    );
    let listing_id = listing["id"].as_i64().unwrap_or_default();
    let officer = app.token_for("procurement_officer").await;
    let (_, pending) = app.get_json("/api/price-changes", &officer).await;
    let change = pending
        .as_array()
        .and_then(|a| a.iter().find(|c| c["listing_id"] == listing_id))
        .cloned()
        .unwrap_or_default();
    let (status, _) = app
        .post_json(
            &format!("/api/price-changes/{}/decision", change["id"]),
            &officer,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    deliver_and_accept(app, &supplier, listing_id, warehouse_id, quantity).await;
    Stocked {
        listing_id,
        supplier,
        spec: material["spec"].as_str().unwrap_or_default().to_string(),
        warehouse_id,
    }
}

async fn deliver_and_accept(
    app: &TestApp,
    supplier: &str,
    listing_id: i64,
    warehouse_id: i64,
    quantity: &str,
) {
    let (status, d) = app
        .post_json("/api/deliveries", supplier, &json!({"warehouse_id": warehouse_id, "note_number": "SH-0001", "arrival": "local", "delivered_on": app.state.today().to_string(), "lines": [{"listing_id": listing_id, "quantity": quantity, "batch_no": "B1"}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let keeper = app.token_for("warehouse_keeper").await;
    let all = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": true});
    let (status, v) = app
        .post_json(&format!("/api/deliveries/{}/inspection", d["id"]), &keeper, &json!({"lines": [{"line_id": d["lines"][0]["id"], "accepted": quantity, "rejected": "0", "checks": all}]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

pub async fn requisition(
    app: &TestApp,
    site_user: &str,
    listing_id: i64,
    quantity: &str,
) -> (StatusCode, Value) {
    app.post_json("/api/requisitions", site_user, &json!({"purpose": "3# 楼二层梁板", "need_by": app.state.today().to_string(), "lines": [{"listing_id": listing_id, "quantity": quantity}]})).await
}

async fn listing(app: &TestApp, supplier: &str, id: i64) -> Value {
    let (_, mine) = app.get_json("/api/my/listings", supplier).await;
    mine.as_array()
        .and_then(|a| a.iter().find(|l| l["id"] == id))
        .cloned()
        .unwrap_or_default()
}

/// Rule 2: two confirmed failures remove the supplier whose token is `supplier`.
pub async fn remove_supplier(app: &TestApp, supplier: &str) {
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let (_, mine) = app.get_json("/api/my/supplier", supplier).await;
    let sid = mine["supplier"]["id"].as_i64().unwrap_or_default();
    for source in ["receiving_inspection", "site_complaint"] {
        let (_, f) = app
            .post_json(
                &format!("/api/suppliers/{sid}/failures"),
                &officer,
                &json!({"kind": "quality", "source": source, "description": "不合格"}),
            )
            .await;
        app.suppliers_answer_open_failures().await;
        app.post_json(
            &format!("/api/failures/{}/decision", f["id"]),
            &head,
            &json!({"confirm": true}),
        )
        .await;
    }
}

#[tokio::test]
async fn supplier_delivers_keeper_inspects_site_orders_manager_approves_keeper_issues() {
    let app = spawn_app().await;
    let s = stocked(&app, "10.5").await;
    assert_eq!(
        listing(&app, &s.supplier, s.listing_id).await["on_hand"],
        "10.500"
    );

    let site_user = app.token_for("site_user").await;
    let (_, found) = app
        .get_json(
            &format!(
                "/api/catalogue?q={}&in_stock=true",
                urlencoding::encode(&s.spec)
            ),
            &site_user,
        )
        .await;
    assert!(
        found["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|x| x["listing_id"] == s.listing_id)),
        "{found}"
    );

    let (status, r) = requisition(&app, &site_user, s.listing_id, "4").await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_i64().unwrap_or_default();
    let keeper = app.token_for("warehouse_keeper").await;
    let (_, v) = app
        .post_json(
            &format!("/api/requisitions/{rid}/issue"),
            &keeper,
            &json!({"lines": [{"line_id": r["lines"][0]["id"], "quantity": "1"}]}),
        )
        .await;
    assert_eq!(
        v["error"]["code"], "requisition_not_approved",
        "nothing leaves without approval"
    );

    let manager = app.token_for("site_manager").await;
    let (status, r) = app
        .post_json(
            &format!("/api/requisitions/{rid}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, r["status"].clone()),
        (StatusCode::OK, json!("approved")),
        "{r}"
    );
    let l = listing(&app, &s.supplier, s.listing_id).await;
    assert_eq!(
        (l["reserved"].clone(), l["available"].clone()),
        (json!("4.000"), json!("6.500"))
    );

    let line = r["lines"][0]["id"].clone();
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{rid}/issue"),
            &keeper,
            &json!({"lines": [{"line_id": line, "quantity": "5"}]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not more than reserved: {v}"
    );
    let (_, r) = app
        .post_json(
            &format!("/api/requisitions/{rid}/issue"),
            &keeper,
            &json!({"lines": [{"line_id": line, "quantity": "1.5"}]}),
        )
        .await;
    assert_eq!(r["status"], "partly_issued");
    let (_, r) = app
        .post_json(
            &format!("/api/requisitions/{rid}/issue"),
            &keeper,
            &json!({"lines": [{"line_id": line, "quantity": "2.5"}]}),
        )
        .await;
    assert_eq!(r["status"], "issued");
    let l = listing(&app, &s.supplier, s.listing_id).await;
    assert_eq!(
        (l["on_hand"].clone(), l["reserved"].clone()),
        (json!("6.500"), json!("0.000")),
        "the supplier sees its stock fall"
    );
    ledger_ok(&app).await;

    // The issues are movements at the approved price: ownership passed, the company owes it.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let issues = entity::movement::Entity::find()
        .filter(entity::movement::Column::ListingId.eq(s.listing_id))
        .filter(entity::movement::Column::Kind.eq("issue"))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default();
    let owed: rust_decimal::Decimal = issues.iter().map(|m| -m.amount.value()).sum();
    assert_eq!(owed.to_string(), "15400.00");
}

#[tokio::test]
async fn fifty_concurrent_approvals_against_the_last_units_never_reserve_more_than_on_hand() {
    let app = spawn_app().await;
    let s = stocked(&app, "5").await;
    let site_user = app.token_for("site_user").await;
    let mut ids = Vec::new();
    for _ in 0..50 {
        let (status, r) = requisition(&app, &site_user, s.listing_id, "1").await;
        assert_eq!(status, StatusCode::CREATED);
        ids.push(r["id"].as_i64().unwrap_or_default());
    }
    let manager = app.token_for("site_manager").await;
    let mut tasks = Vec::new();
    for id in ids {
        let url = app.url(&format!("/api/requisitions/{id}/approval"));
        let manager = manager.clone();
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(manager)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or_default())
        }));
    }
    let mut approved = Vec::new();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        match status {
            StatusCode::OK => approved.push(v),
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(v["error"]["code"], "insufficient_stock")
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(approved.len(), 5);
    assert_eq!(
        listing(&app, &s.supplier, s.listing_id).await["reserved"],
        "5.000"
    );

    // And issuing the five at once never draws more than is there.
    let keeper = app.token_for("warehouse_keeper").await;
    let mut tasks = Vec::new();
    for r in approved {
        let url = app.url(&format!("/api/requisitions/{}/issue", r["id"]));
        let keeper = keeper.clone();
        let body = json!({"lines": [{"line_id": r["lines"][0]["id"], "quantity": "1"}]});
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(keeper)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), StatusCode::OK);
    }
    let l = listing(&app, &s.supplier, s.listing_id).await;
    assert_eq!(
        (l["on_hand"].clone(), l["reserved"].clone()),
        (json!("0.000"), json!("0.000"))
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_line_that_fails_a_check_cannot_be_accepted() {
    let app = spawn_app().await;
    let s = stocked(&app, "1").await;
    let (_, wh) = app.get_json("/api/warehouses", &s.supplier).await;
    let (_, d) = app
        .post_json("/api/deliveries", &s.supplier, &json!({"warehouse_id": wh[0]["id"], "note_number": "SH-2", "arrival": "full_truck", "delivered_on": app.state.today().to_string(), "lines": [{"listing_id": s.listing_id, "quantity": "2.345"}]}))
        .await;
    assert_eq!(
        d["inspection_due"],
        (app.state.today() + chrono::Days::new(7)).to_string()
    );
    let keeper = app.token_for("warehouse_keeper").await;
    let no_certificate = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": false});
    let url = format!("/api/deliveries/{}/inspection", d["id"]);
    let line = d["lines"][0]["id"].clone();
    let (status, v) = app.post_json(&url, &keeper, &json!({"lines": [{"line_id": line, "accepted": "2.345", "rejected": "0", "checks": no_certificate}]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["lines.0.checks"]["code"],
        "checks_failed_reject"
    );
    let (_, v) = app.post_json(&url, &keeper, &json!({"lines": [{"line_id": line, "accepted": "1", "rejected": "1", "checks": no_certificate}]})).await;
    assert_eq!(
        v["error"]["fields"]["lines.0.accepted"]["code"],
        "accepted_plus_rejected"
    );
    let (status, v) = app.post_json(&url, &keeper, &json!({"lines": [{"line_id": line, "accepted": "0", "rejected": "2.345", "reason": "无合格证", "checks": no_certificate}]})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        listing(&app, &s.supplier, s.listing_id).await["on_hand"],
        "1.000",
        "rejected goods never enter stock"
    );
    ledger_ok(&app).await;
}

/// Rule 8 feeding rule 2 over the API (the keeper's page had it alone): the rejected part of
/// an inspected line becomes the supplier's quality failure, for the office only, and only
/// when something was rejected.
#[tokio::test]
async fn a_rejected_delivery_line_becomes_a_quality_failure_through_the_api() {
    let app = spawn_app().await;
    let s = stocked(&app, "1").await;
    let (_, wh) = app.get_json("/api/warehouses", &s.supplier).await;
    let keeper = app.token_for("warehouse_keeper").await;
    let officer = app.token_for("procurement_officer").await;
    let all = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": true});
    let no_certificate = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": false});
    let mut lines = Vec::new();
    for (note, accepted, rejected, checks) in [
        ("SH-R1", "0", "2", &no_certificate),
        ("SH-R2", "2", "0", &all),
    ] {
        let (_, d) = app
            .post_json("/api/deliveries", &s.supplier, &json!({"warehouse_id": wh[0]["id"], "note_number": note, "arrival": "local", "delivered_on": app.state.today().to_string(), "lines": [{"listing_id": s.listing_id, "quantity": "2"}]}))
            .await;
        let line = d["lines"][0]["id"].as_i64().unwrap();
        let (status, v) = app
            .post_json(&format!("/api/deliveries/{}/inspection", d["id"]), &keeper, &json!({"lines": [{"line_id": line, "accepted": accepted, "rejected": rejected, "reason": "无合格证", "checks": checks}]}))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        lines.push(line);
    }
    let url = |line: i64| format!("/api/deliveries/lines/{line}/failure");

    let (status, _) = app.post_json(&url(lines[0]), &keeper, &json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the keeper records no failures"
    );
    let (status, v) = app.post_json(&url(lines[1]), &officer, &json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "nothing_rejected");
    let (status, _) = app.post_json(&url(999_999), &officer, &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let before = app.count("supplier_failures").await;

    let (status, f) = app.post_json(&url(lines[0]), &officer, &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    assert_eq!(f["kind"], "quality", "{f}");
    assert_eq!(f["source"], "receiving_inspection", "{f}");
    let text = f["description"].as_str().unwrap_or_default();
    assert!(text.contains("SH-R1") && text.contains("无合格证"), "{f}");
    assert_eq!(app.count("supplier_failures").await, before + 1);
}

#[tokio::test]
async fn a_removed_suppliers_listing_cannot_be_ordered_and_its_stock_is_flagged_for_return() {
    let app = spawn_app().await;
    let s = stocked(&app, "3").await;
    remove_supplier(&app, &s.supplier).await;
    let site_user = app.token_for("site_user").await;
    let (status, v) = requisition(&app, &site_user, s.listing_id, "1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["lines.0.listing_id"]["code"],
        "listing_not_orderable"
    );
    let (_, found) = app.get_json("/api/catalogue", &site_user).await;
    assert!(
        found["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|x| x["listing_id"] != s.listing_id))
    );
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let lots = entity::lot::Entity::find()
        .filter(entity::lot::Column::ListingId.eq(s.listing_id))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default();
    assert!(
        !lots.is_empty()
            && lots
                .iter()
                .all(|l| l.return_request.as_deref() == Some("removal"))
    );
}

#[tokio::test]
async fn a_site_user_ordering_from_a_removed_supplier_is_told_why_in_their_language() {
    let app = spawn_app().await;
    let s = stocked(&app, "3").await;
    remove_supplier(&app, &s.supplier).await;
    let site_user = app.token_for("site_user").await;
    let mut seen = Vec::new();
    for (lang, locale) in [("zh-CN", Locale::ZhCn), ("en", Locale::En)] {
        let r = reqwest::Client::new()
            .post(app.url("/api/requisitions"))
            .bearer_auth(&site_user)
            .header("Accept-Language", lang)
            .json(&json!({"purpose": "3# 楼二层梁板", "need_by": app.state.today().to_string(), "lines": [{"listing_id": s.listing_id, "quantity": "1"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = r.json().await.unwrap_or(Value::Null);
        let line = &v["error"]["fields"]["lines.0.listing_id"];
        assert_eq!(line["code"], "listing_not_orderable", "{v}");
        let message = line["message"].as_str().unwrap_or_default().to_string();
        assert!(
            !message.is_empty()
                && !message.contains("listing_not_orderable")
                && !message.contains("validation-"),
            "{lang}: {message}"
        );
        assert_eq!(
            message,
            locale.t("validation-listing_not_orderable"),
            "{lang}"
        );
        seen.push(message);
    }
    assert!(
        seen[0]
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the zh-CN message is Chinese: {}",
        seen[0]
    );
    assert_ne!(seen[0], seen[1]);
}

#[tokio::test]
async fn a_supplier_never_sees_the_catalogue_or_another_suppliers_stock() {
    let app = spawn_app().await;
    let s = stocked(&app, "2").await;
    assert_eq!(
        app.get("/api/catalogue", &s.supplier).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/requisitions", &s.supplier).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/stock/ledger-check", &s.supplier)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let (_, me) = app.get_json("/api/my/supplier", &s.supplier).await;
    let (_, mine) = app.get_json("/api/my/listings", &s.supplier).await;
    let rows = mine.as_array().cloned().unwrap_or_default();
    assert!(rows.iter().any(|x| x["id"] == s.listing_id));
    assert!(
        rows.iter()
            .all(|x| x["supplier_id"] == me["supplier"]["id"]),
        "only its own listings: {mine}"
    );
    // Another supplier's stock exists (the demo's cement) but is not among them.
    let officer = app.token_for("procurement_officer").await;
    let (_, all) = app.get_json("/api/catalogue", &officer).await;
    assert!(all["items"].as_array().is_some_and(|i| {
        i.iter()
            .any(|x| x["supplier"] != me["supplier"]["legal_name"])
    }));
    let (_, deliveries) = app.get_json("/api/deliveries", &s.supplier).await;
    assert!(deliveries.as_array().is_some_and(|d| !d.is_empty()));
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/listings/{}/price-changes", s.listing_id),
            &app.token_for("site_user").await,
            &json!({"new_price": "1", "effective_on": "2099-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn stock_is_stale_a_day_after_two_months_without_movement_and_is_flagged_once() {
    use portal::jobs::{Job, run};
    let app = spawn_app().await;
    let s = stocked(&app, "4").await;
    let today = app.state.today();
    let two_months = today
        .checked_add_months(chrono::Months::new(2))
        .unwrap_or_default();
    run(&app.state, Job::StaleScan, two_months).await.unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let flagged = |app: &TestApp| {
        let db = app.state.db.read.clone();
        let id = s.listing_id;
        async move {
            entity::lot::Entity::find()
                .filter(entity::lot::Column::ListingId.eq(id))
                .filter(entity::lot::Column::StaleFlaggedOn.is_not_null())
                .all(&db)
                .await
                .map(|v| v.len())
                .unwrap_or_default()
        }
    };
    assert_eq!(flagged(&app).await, 0, "exactly two months is not stale");
    run(
        &app.state,
        Job::StaleScan,
        two_months + chrono::Days::new(1),
    )
    .await
    .unwrap();
    assert_eq!(flagged(&app).await, 1);
    let mails = app.count("outbox").await;
    run(
        &app.state,
        Job::StaleScan,
        two_months + chrono::Days::new(2),
    )
    .await
    .unwrap();
    assert_eq!(app.count("outbox").await, mails, "flagged once, asked once");
}

#[tokio::test]
async fn the_stale_scan_follows_each_agreements_months_and_records_the_lots() {
    use portal::jobs::{Job, run};
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    };
    let app = spawn_app().await;
    let s = stocked(&app, "4").await;
    let lot = entity::lot::Entity::find()
        .filter(entity::lot::Column::ListingId.eq(s.listing_id))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no lot"));
    // This supplier's agreement says three months, not the usual two.
    let agreement = entity::consignment_agreement::Entity::find()
        .filter(entity::consignment_agreement::Column::SupplierId.eq(lot.supplier_id))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no agreement"));
    let mut longer: entity::consignment_agreement::ActiveModel = agreement.into();
    longer.stale_months = Set(3);
    longer.update(&app.state.db.read).await.unwrap();
    let months = |n: u32| {
        lot.last_movement_on
            .checked_add_months(chrono::Months::new(n))
            .unwrap_or_default()
    };
    let flagged_on = |app: &TestApp| {
        let db = app.state.db.read.clone();
        let id = lot.id;
        async move {
            entity::lot::Entity::find_by_id(id)
                .one(&db)
                .await
                .ok()
                .flatten()
                .and_then(|l| l.stale_flagged_on)
        }
    };
    for day in [months(2) + chrono::Days::new(1), months(3)] {
        let said = run(&app.state, Job::StaleScan, day).await.unwrap();
        assert_eq!(flagged_on(&app).await, None, "{day}: {said:?}");
    }
    let day = months(3) + chrono::Days::new(1);
    let said = run(&app.state, Job::StaleScan, day).await.unwrap();
    assert_eq!(flagged_on(&app).await, Some(day), "{said:?}");
    // The audit record of the last scan for this supplier names the lots flagged.
    let entry = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("lots.flag_stale"))
        .filter(entity::audit_log::Column::EntityId.eq(lot.supplier_id.to_string()))
        .order_by_desc(entity::audit_log::Column::Id)
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no audit entry"));
    let lots: serde_json::Value = serde_json::from_str(&entry.after).unwrap_or_default();
    assert!(
        lots["lots"]
            .as_array()
            .is_some_and(|l| l.contains(&json!(lot.id))),
        "{lots}"
    );
}

#[tokio::test]
async fn the_draw_journey_works_through_the_pages() {
    use crate::helpers::DEMO_PASSWORD;
    let app = spawn_app().await;
    let today = app.state.today().to_string();
    // The supplier sends a delivery note for one of its demo listings.
    let supplier = app.new_client();
    app.page_login(&supplier, "supplier@demo.test", DEMO_PASSWORD)
        .await;
    let html = supplier
        .get(app.url("/my/listings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    let listing_id: String = html
        .split("data-listing=\"")
        .nth(1)
        .map(|s| s.chars().take_while(|c| c.is_ascii_digit()).collect())
        .unwrap_or_default();
    let csrf = crate::helpers::extract_csrf(&html);
    let (_, wh) = app
        .get_json("/api/warehouses", &app.token_for("admin").await)
        .await;
    let wh = wh[0]["id"].to_string();
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in [
        ("csrf_token", csrf.as_str()),
        ("warehouse_id", wh.as_str()),
        ("note_number", "SH-P1"),
        ("arrival", "local"),
        ("delivered_on", today.as_str()),
        ("listing_0", listing_id.as_str()),
        ("qty_0", "3"),
        ("batch_0", "B7"),
    ] {
        form = form.text(k.to_string(), v.to_string());
    }
    let certificate = reqwest::multipart::Part::bytes(b"%PDF-1.4\n% certificate\n%%EOF\n".to_vec())
        .file_name("合格证.pdf");
    form = form.part("cert_0", certificate);
    let r = supplier
        .post(app.url("/my/deliveries"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The keeper inspects it, all checks passed.
    let keeper = app.new_client();
    app.page_login(&keeper, "warehouse_keeper@demo.test", DEMO_PASSWORD)
        .await;
    let html = keeper
        .get(app.url("/deliveries"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    let cert: String = html
        .split("class=\"certificate-link\"")
        .next()
        .and_then(|before| before.rsplit("href=\"/files/").next())
        .map(|s| s.chars().take_while(|c| c.is_ascii_digit()).collect())
        .unwrap_or_default();
    assert!(!cert.is_empty(), "the keeper sees the line's certificate");
    let r = keeper
        .get(app.url(&format!("/files/{cert}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "and can open it");
    let delivery_id: String = html
        .split("action=\"/deliveries/")
        .nth(1)
        .map(|s| s.chars().take_while(|c| c.is_ascii_digit()).collect())
        .unwrap_or_default();
    let line_id: String = html
        .split("name=\"accepted_")
        .nth(1)
        .map(|s| s.chars().take_while(|c| c.is_ascii_digit()).collect())
        .unwrap_or_default();
    let csrf = crate::helpers::extract_csrf(&html);
    let mut form: Vec<(String, String)> = vec![
        ("csrf_token".into(), csrf.clone()),
        (format!("accepted_{line_id}"), "3".into()),
        (format!("rejected_{line_id}"), "0".into()),
    ];
    for c in ["name", "specification", "model", "quantity", "certificate"] {
        form.push((format!("{c}_{line_id}"), "on".into()));
    }
    let r = keeper
        .post(app.url(&format!("/deliveries/{delivery_id}/inspect")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The site user orders from the catalogue page.
    let site = app.new_client();
    app.page_login(&site, "site_user@demo.test", DEMO_PASSWORD)
        .await;
    let html = site
        .get(app.url("/catalogue"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains(&format!("name=\"qty_{listing_id}\"")));
    let csrf = crate::helpers::extract_csrf(&html);
    let qty_field = format!("qty_{listing_id}");
    // Into the cart from the catalogue, then submitted from the cart.
    let r = site
        .post(app.url("/requisition-cart"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            (qty_field.as_str(), "2"),
            ("back", "/catalogue"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = site
        .post(app.url("/requisition-cart"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "submit"),
            ("purpose", "基础垫层"),
            ("need_by", today.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The manager approves the newest requisition, the keeper issues it.
    let manager = app.new_client();
    app.page_login(&manager, "site_manager@demo.test", DEMO_PASSWORD)
        .await;
    let html = manager
        .get(app.url("/requisitions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    let rid: String = html
        .split("data-requisition=\"")
        .nth(1)
        .map(|s| s.chars().take_while(|c| c.is_ascii_digit()).collect())
        .unwrap_or_default();
    let csrf = crate::helpers::extract_csrf(&html);
    let r = manager
        .post(app.url(&format!("/requisitions/{rid}/approve")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = keeper
        .get(app.url("/requisitions"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    let issue_field: String = html
        .split(&format!("action=\"/requisitions/{rid}/issue\""))
        .nth(1)
        .and_then(|s| s.split("name=\"issue_").nth(1))
        .map(|s| {
            format!(
                "issue_{}",
                s.chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect::<String>()
            )
        })
        .unwrap_or_default();
    let csrf = crate::helpers::extract_csrf(&html);
    let r = keeper
        .post(app.url(&format!("/requisitions/{rid}/issue")))
        .form(&[("csrf_token", csrf.as_str()), (issue_field.as_str(), "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = keeper
        .get(app.url("/requisitions"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains(&portal::i18n::Locale::En.t("requisition-status-issued")));
    ledger_ok(&app).await;
    // Every supermarket page renders for its roles in both languages.
    for (client, paths) in [
        (&supplier, vec!["/my/listings"]),
        (&keeper, vec!["/deliveries", "/requisitions", "/catalogue"]),
        (&site, vec!["/catalogue?q=%CE%A612", "/requisitions"]),
    ] {
        for p in paths {
            for lang in ["en", "zh-CN"] {
                let r = client
                    .get(app.url(p))
                    .header("Accept-Language", lang)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{p} {lang}");
            }
        }
    }
}

#[tokio::test]
async fn the_no_movement_list_gives_a_reason_per_line_and_exports_to_csv() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    // The demo holds one steel lot received 75 days ago: past two months, not yet flagged.
    let (status, lines) = app.get_json("/api/stock/no-movement", &officer).await;
    assert_eq!(status, StatusCode::OK);
    let lines = lines.as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["reason"], "not_yet_flagged");
    assert_eq!(lines[0]["days_without_movement"], 75);
    use portal::jobs::{Job, run};
    run(&app.state, Job::StaleScan, app.state.today())
        .await
        .unwrap();
    let (_, lines) = app.get_json("/api/stock/no-movement", &officer).await;
    assert_eq!(lines[0]["reason"], "awaiting_supplier");
    let client = app.new_client();
    app.page_login(
        &client,
        "procurement_officer@demo.test",
        crate::helpers::DEMO_PASSWORD,
    )
    .await;
    let r = client
        .get(app.url("/stock/no-movement.csv"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.unwrap_or_default();
    assert!(body.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let text = String::from_utf8_lossy(&body);
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().cloned().unwrap_or_default();
    assert_eq!(
        headers.get(0),
        Some(portal::i18n::Locale::En.t("field-supplier").as_str())
    );
    let records: Vec<_> = rows.records().flatten().collect();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].get(9),
        Some(
            portal::i18n::Locale::En
                .t("nomove-reason-awaiting_supplier")
                .as_str()
        )
    );
    let r = client
        .get(app.url("/stock/no-movement"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn rule_seven_finds_what_the_supermarket_holds() {
    let app = spawn_app().await;
    use sea_orm::EntityTrait;
    let listed = entity::listing::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap_or_default();
    let held = listed[0].material_id;
    let found = portal::stock::store::available_for(&app.state.db.read, held, app.state.today())
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(found[0].1 > rust_decimal::Decimal::ZERO);
    let not_held = entity::material::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.id)
        .find(|id| listed.iter().all(|l| l.material_id != *id))
        .unwrap_or_default();
    let found =
        portal::stock::store::available_for(&app.state.db.read, not_held, app.state.today())
            .await
            .unwrap();
    assert!(found.is_empty());
}

#[tokio::test]
async fn search_finds_two_character_chinese_words_and_spec_fragments() {
    let app = spawn_app().await;
    let site_user = app.token_for("site_user").await;
    for (q, expect) in [
        ("水泥", "P.O 42.5"),
        ("Φ12", "HRB400E Φ12"),
        ("42.5", "P.O 42.5"),
        ("rebar", "HRB400E"),
    ] {
        let (_, v) = app
            .get_json(
                &format!("/api/catalogue?q={}", urlencoding::encode(q)),
                &site_user,
            )
            .await;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        assert!(
            !items.is_empty()
                && items.iter().all(
                    |i| format!("{} {} {}", i["name_zh"], i["name_en"], i["spec"])
                        .to_lowercase()
                        .contains(&q.to_lowercase())
                ),
            "{q}: {v}"
        );
        assert!(
            items
                .iter()
                .any(|i| i["spec"].as_str().unwrap_or_default().contains(expect)),
            "{q}"
        );
    }
    let (_, v) = app
        .get_json(
            "/api/catalogue?q=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84",
            &site_user,
        )
        .await;
    assert_eq!(v["total"], 0);
    let (_, cheap) = app.get_json("/api/catalogue?sort=price", &site_user).await;
    let prices: Vec<rust_decimal::Decimal> = cheap["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["price"].as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        prices.windows(2).all(|w| w[0] <= w[1]),
        "sorted by price: {prices:?}"
    );
}

#[tokio::test]
async fn search_follows_a_renamed_material_finds_supplier_names_and_takes_wildcards_literally() {
    let app = spawn_app().await;
    let s = stocked(&app, "4").await;
    let site_user = app.token_for("site_user").await;
    let officer = app.token_for("procurement_officer").await;
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["listing_id"].as_i64()).collect())
            .unwrap_or_default()
    };
    let search = |q: &str| format!("/api/catalogue?q={}", urlencoding::encode(q));
    let (_, listed) = app
        .get_json("/api/my/listings", &app.token_for("supplier").await)
        .await;
    let material_id = listed
        .as_array()
        .and_then(|a| a.iter().find(|l| l["id"].as_i64() == Some(s.listing_id)))
        .and_then(|l| l["material_id"].as_i64())
        .unwrap_or_default();
    let (status, m) = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/materials/{material_id}"),
            &officer,
            &json!({"name_zh": "试验用改名材料", "spec": "XK-7_Φ99%"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let (_, v) = app.get_json(&search("改名"), &site_user).await;
    assert_eq!(ids(&v), vec![s.listing_id], "found by its new name: {v}");
    let (_, v) = app.get_json(&search("xk-7_φ99%"), &site_user).await;
    assert_eq!(ids(&v), vec![s.listing_id], "spec fragment, any case: {v}");
    // `_` and `%` are characters here, not wildcards.
    let (_, v) = app.get_json(&search("XK-7%"), &site_user).await;
    assert_eq!(v["total"], 0, "{v}");
    let (_, v) = app.get_json(&search("XK_7"), &site_user).await;
    assert_eq!(v["total"], 0, "{v}");
    // The supplier's name is searchable too, and every hit is that supplier's.
    let (_, mine) = app
        .get_json("/api/my/supplier", &app.token_for("supplier").await)
        .await;
    let name = mine["legal_name"].as_str().unwrap_or_default().to_string();
    let word: String = name.chars().take(4).collect();
    let (_, v) = app.get_json(&search(&word), &site_user).await;
    assert!(ids(&v).contains(&s.listing_id), "{word}: {v}");
    assert!(
        v["items"]
            .as_array()
            .is_some_and(|a| a.iter().all(|i| format!(
                "{} {} {} {}",
                i["name_zh"], i["name_en"], i["spec"], i["supplier"]
            )
            .to_lowercase()
            .contains(&word.to_lowercase()))),
        "{v}"
    );
    assert_eq!(v["more"], false);
}

#[tokio::test]
async fn an_issue_restarts_the_stale_clock_of_the_lots_it_draws() {
    use portal::jobs::{Job, run};
    let app = spawn_app().await;
    let s = stocked(&app, "4").await;
    let site_user = app.token_for("site_user").await;
    let (_, r) = requisition(&app, &site_user, s.listing_id, "1").await;
    let manager = app.token_for("site_manager").await;
    app.post_json(
        &format!("/api/requisitions/{}/approval", r["id"]),
        &manager,
        &json!({}),
    )
    .await;
    // A month later the keeper issues one unit: the lot moved, its clock starts again.
    app.clock.advance(chrono::Duration::days(31));
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{}/issue", r["id"]),
            &keeper,
            &json!({"lines": [{"line_id": r["lines"][0]["id"], "quantity": "1"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let issued_on = app.state.today();
    let two_months_after_issue = issued_on
        .checked_add_months(chrono::Months::new(2))
        .unwrap_or_default();
    run(&app.state, Job::StaleScan, two_months_after_issue)
        .await
        .unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let lots = entity::lot::Entity::find()
        .filter(entity::lot::Column::ListingId.eq(s.listing_id))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default();
    assert!(
        lots.iter().all(|l| l.stale_flagged_on.is_none()),
        "two months after the issue is not yet stale"
    );
    run(
        &app.state,
        Job::StaleScan,
        two_months_after_issue + chrono::Days::new(1),
    )
    .await
    .unwrap();
    let lots = entity::lot::Entity::find()
        .filter(entity::lot::Column::ListingId.eq(s.listing_id))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default();
    assert!(lots.iter().all(|l| l.stale_flagged_on.is_some()));
}

#[tokio::test]
async fn a_receipt_worth_more_than_an_amount_holds_is_refused_and_nothing_is_received() {
    let app = spawn_app().await;
    // A listing at the highest unit price there is.
    let s = stocked_at(&app, "1", "1000000000").await;
    let (_, before) = app.get_json("/api/my/listings", &s.supplier).await;
    let (status, d) = app
        .post_json("/api/deliveries", &s.supplier, &json!({"warehouse_id": s.warehouse_id, "note_number": "SH-0002", "arrival": "local", "delivered_on": app.state.today().to_string(), "lines": [{"listing_id": s.listing_id, "quantity": "9000000000000", "batch_no": "B2"}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let keeper = app.token_for("warehouse_keeper").await;
    let all = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": true});
    // 9 × 10^12 at 10^9 a unit is 9 × 10^21 yuan: refused on the quantity, not a panic.
    let (status, v) = app
        .post_json(&format!("/api/deliveries/{}/inspection", d["id"]), &keeper, &json!({"lines": [{"line_id": d["lines"][0]["id"], "accepted": "9000000000000", "rejected": "0", "checks": all}]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["quantity"]["code"], "too_large", "{v}");
    let (_, after) = app.get_json("/api/my/listings", &s.supplier).await;
    assert_eq!(before, after, "the refused receipt changed nothing");
    ledger_ok(&app).await;
}
