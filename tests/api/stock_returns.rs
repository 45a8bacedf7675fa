//! Rule 3 answered (stale stock returned or exchanged) and rule 12 (stock counts).

use crate::helpers::{TestApp, ledger_ok, spawn_app};
use chrono::{Days, Months, NaiveDate};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// A fresh listing of the demo supplier with `quantity` delivered and accepted (one lot).
struct Stock {
    listing_id: i64,
    warehouse_id: i64,
    lot_id: i64,
}

async fn stock(app: &TestApp, quantity: &str) -> Stock {
    let s = crate::stock::stocked(app, quantity).await;
    let (listing_id, warehouse_id) = (s.listing_id, s.warehouse_id);
    let lots = my_lots(app, listing_id).await;
    assert_eq!(lots.len(), 1, "{lots:?}");
    Stock {
        listing_id,
        warehouse_id,
        lot_id: lots[0]["id"].as_i64().unwrap_or_default(),
    }
}

async fn deliver(app: &TestApp, listing_id: i64, warehouse_id: i64, quantity: &str) {
    let supplier = app.token_for("supplier").await;
    let (status, d) = app
        .post_json("/api/deliveries", &supplier, &json!({"warehouse_id": warehouse_id, "note_number": "SH-R1", "arrival": "local", "delivered_on": app.state.today().to_string(), "lines": [{"listing_id": listing_id, "quantity": quantity, "batch_no": "B1"}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let keeper = app.token_for("warehouse_keeper").await;
    let all = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": true});
    let (status, v) = app
        .post_json(&format!("/api/deliveries/{}/inspection", d["id"]), &keeper, &json!({"lines": [{"line_id": d["lines"][0]["id"], "accepted": quantity, "rejected": "0", "checks": all}]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

/// The supplier's lots of a listing, as it sees them.
async fn my_lots(app: &TestApp, listing_id: i64) -> Vec<Value> {
    let supplier = app.token_for("supplier").await;
    let (status, v) = app
        .get_json(&format!("/api/my/lots?listing_id={listing_id}"), &supplier)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v.as_array().cloned().unwrap_or_default()
}

async fn listing(app: &TestApp, id: i64) -> Value {
    let supplier = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/listings", &supplier).await;
    mine.as_array()
        .and_then(|a| a.iter().find(|l| l["id"] == id))
        .cloned()
        .unwrap_or_default()
}

async fn lot_row(app: &TestApp, id: i64) -> entity::lot::Model {
    entity::lot::Entity::find_by_id(entity::LotId(id))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no lot {id}"))
}

/// The listing's movements as (kind, lot id, quantity).
async fn movements(app: &TestApp, listing_id: i64) -> Vec<(String, i64, String)> {
    entity::movement::Entity::find()
        .filter(entity::movement::Column::ListingId.eq(listing_id))
        .order_by_asc(entity::movement::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.kind, m.lot_id.get(), m.quantity.value().to_string()))
        .collect()
}

async fn audited(app: &TestApp, action: &str) -> usize {
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq(action))
        .all(&app.state.db.read)
        .await
        .unwrap()
        .len()
}

async fn scan(app: &TestApp, as_of: NaiveDate) {
    portal::jobs::run(&app.state, portal::jobs::Job::StaleScan, as_of)
        .await
        .unwrap();
}

fn two_months_and_a_day(from: NaiveDate) -> NaiveDate {
    from.checked_add_months(Months::new(2))
        .unwrap_or_default()
        .checked_add_days(Days::new(1))
        .unwrap_or_default()
}

/// Moves the app's clock to noon (Shanghai) of `day`. Tokens expire with the jump, so
/// callers sign in again afterwards.
fn move_to(app: &TestApp, day: NaiveDate) {
    app.clock
        .set(day.and_hms_opt(4, 0, 0).unwrap_or_default().and_utc());
    assert_eq!(app.state.today(), day);
}

async fn answer(app: &TestApp, lot_id: i64, answer: &str) -> (StatusCode, Value) {
    let supplier = app.token_for("supplier").await;
    app.post_json(
        &format!("/api/my/lots/{lot_id}/answer"),
        &supplier,
        &json!({"answer": answer}),
    )
    .await
}

#[tokio::test]
async fn a_supplier_answers_only_its_own_flagged_lots_and_never_sees_anothers() {
    let app = spawn_app().await;
    let s = stock(&app, "4").await;
    let (status, v) = answer(&app, s.lot_id, "return").await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("lot_not_flagged")),
        "a lot that is not stale needs no answer: {v}"
    );

    scan(&app, two_months_and_a_day(app.state.today())).await;
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, flagged) = app.get_json("/api/lots?flagged=true", &keeper).await;
    assert_eq!(status, StatusCode::OK, "{flagged}");
    let flagged = flagged.as_array().cloned().unwrap_or_default();
    let mine = flagged
        .iter()
        .find(|l| l["id"] == s.lot_id)
        .cloned()
        .unwrap_or_else(|| panic!("own lot not flagged: {flagged:?}"));
    assert_eq!(mine["flag"], "stale");
    let other = flagged
        .iter()
        .find(|l| l["supplier_id"] != mine["supplier_id"])
        .cloned()
        .unwrap_or_else(|| panic!("the demo has another supplier's stock: {flagged:?}"));

    // Another supplier's lot, flagged too, does not exist for this supplier.
    let (status, v) = answer(&app, other["id"].as_i64().unwrap_or_default(), "return").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let supplier = app.token_for("supplier").await;
    let (_, all_mine) = app.get_json("/api/my/lots", &supplier).await;
    let all_mine = all_mine.as_array().cloned().unwrap_or_default();
    assert!(all_mine.iter().any(|l| l["id"] == s.lot_id));
    assert!(
        all_mine
            .iter()
            .all(|l| l["supplier_id"] == mine["supplier_id"]),
        "{all_mine:?}"
    );
    let (_, flagged_mine) = app.get_json("/api/my/lots?flagged=false", &supplier).await;
    assert!(
        flagged_mine
            .as_array()
            .is_some_and(|l| l.iter().all(|x| x["id"] != s.lot_id)),
        "{flagged_mine}"
    );

    // Suppliers and sites do not read the warehouse's list; the keeper cannot answer.
    assert_eq!(
        app.get("/api/lots", &supplier).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/lots", &app.token_for("site_user").await)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .post_json(
            &format!("/api/my/lots/{}/answer", s.lot_id),
            &keeper,
            &json!({"answer": "return"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = answer(&app, s.lot_id, "burn").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let mails = app.count("outbox").await;
    let (status, v) = answer(&app, s.lot_id, "exchange").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = answer(&app, s.lot_id, "return").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["return_request"], "return",
        "the answer may change until recorded"
    );
    assert!(app.count("outbox").await > mails, "the keeper is told");
    assert_eq!(audited(&app, "lot.answer").await, 2);
}

#[tokio::test]
async fn a_return_empties_the_lot_never_takes_reserved_stock_and_the_ledger_still_agrees() {
    let app = spawn_app().await;
    let s = stock(&app, "6").await;
    scan(&app, two_months_and_a_day(app.state.today())).await;
    let keeper = app.token_for("warehouse_keeper").await;
    let url = format!("/api/lots/{}/return", s.lot_id);

    let (_, v) = app.post_json(&url, &keeper, &json!({})).await;
    assert_eq!(v["error"]["code"], "lot_not_answered", "{v}");
    answer(&app, s.lot_id, "exchange").await;
    let (_, v) = app.post_json(&url, &keeper, &json!({})).await;
    assert_eq!(v["error"]["code"], "lot_answer_mismatch", "{v}");
    let (status, _) = answer(&app, s.lot_id, "return").await;
    assert_eq!(status, StatusCode::OK);
    let supplier = app.token_for("supplier").await;
    let (status, _) = app.post_json(&url, &supplier, &json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the keeper records a return"
    );

    // A site reserves 5 of the 6: the return would take reserved stock.
    let site_user = app.token_for("site_user").await;
    let (status, r) = app.post_json("/api/requisitions", &site_user, &json!({"purpose": "3# 楼", "need_by": app.state.today().to_string(), "lines": [{"listing_id": s.listing_id, "quantity": "5"}]})).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let manager = app.token_for("site_manager").await;
    let (status, _) = app
        .post_json(
            &format!("/api/requisitions/{}/approval", r["id"]),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = app.post_json(&url, &keeper, &json!({})).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("return_takes_reserved")
        ),
        "{v}"
    );
    assert_eq!(
        lot_row(&app, s.lot_id).await.quantity.value().to_string(),
        "6.000"
    );
    let (status, _) = app
        .post_json(
            &format!("/api/requisitions/{}/cancellation", r["id"]),
            &keeper,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, v) = app.post_json(&url, &keeper, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["quantity"].clone(),
            v["flag"].clone(),
            v["return_request"].clone()
        ),
        (json!("0.000"), Value::Null, Value::Null),
        "{v}"
    );
    let l = listing(&app, s.listing_id).await;
    assert_eq!(
        (l["on_hand"].clone(), l["reserved"].clone()),
        (json!("0.000"), json!("0.000"))
    );
    assert_eq!(
        movements(&app, s.listing_id).await,
        vec![
            ("receipt".to_string(), s.lot_id, "6.000".to_string()),
            (
                "return_to_supplier".to_string(),
                s.lot_id,
                "-6.000".to_string()
            ),
        ]
    );
    ledger_ok(&app).await;
    assert_eq!(audited(&app, "lot.return").await, 1);
    assert!(
        my_lots(&app, s.listing_id).await.is_empty(),
        "nothing of it is on hand"
    );
    let (_, v) = app.post_json(&url, &keeper, &json!({})).await;
    assert_eq!(v["error"]["code"], "lot_not_flagged", "returned once: {v}");
    let (status, _) = app
        .post_json("/api/lots/999999/return", &keeper, &json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_exchange_brings_a_new_lot_whose_two_month_clock_starts_that_day() {
    let app = spawn_app().await;
    let s = stock(&app, "5").await;
    let flag_day = two_months_and_a_day(app.state.today());
    scan(&app, flag_day).await;
    assert!(lot_row(&app, s.lot_id).await.stale_flagged_on.is_some());

    move_to(&app, flag_day);
    let (status, v) = answer(&app, s.lot_id, "exchange").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let keeper = app.token_for("warehouse_keeper").await;
    let url = format!("/api/lots/{}/exchange", s.lot_id);
    let (status, v) = app
        .post_json(&url, &keeper, &json!({"quantity": "0"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["quantity"]["code"], "quantity", "{v}");
    let (_, v) = app
        .post_json(
            &format!("/api/lots/{}/return", s.lot_id),
            &keeper,
            &json!({}),
        )
        .await;
    assert_eq!(v["error"]["code"], "lot_answer_mismatch");

    let (status, v) = app
        .post_json(&url, &keeper, &json!({"quantity": "4.5"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["old_lot"]["quantity"], "0.000");
    assert_eq!(v["old_lot"]["flag"], Value::Null);
    let new_lot = v["new_lot"].clone();
    assert_eq!(new_lot["quantity"], "4.500");
    assert_eq!(new_lot["received_on"], flag_day.to_string());
    assert_eq!(new_lot["last_movement_on"], flag_day.to_string());
    assert_eq!(new_lot["flag"], Value::Null);
    let new_id = new_lot["id"].as_i64().unwrap_or_default();
    assert_ne!(new_id, s.lot_id);
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "4.500");
    assert_eq!(
        movements(&app, s.listing_id).await,
        vec![
            ("receipt".to_string(), s.lot_id, "5.000".to_string()),
            ("exchange_out".to_string(), s.lot_id, "-5.000".to_string()),
            ("exchange_in".to_string(), new_id, "4.500".to_string()),
        ]
    );
    ledger_ok(&app).await;
    assert_eq!(audited(&app, "lot.exchange").await, 1);
    let (_, v) = app
        .post_json(&url, &keeper, &json!({"quantity": "1"}))
        .await;
    assert_eq!(v["error"]["code"], "lot_not_flagged", "exchanged once: {v}");

    // Two months after the exchange the fresh goods are not stale; a day more they are.
    let two_months = flag_day
        .checked_add_months(Months::new(2))
        .unwrap_or_default();
    scan(&app, two_months).await;
    assert!(lot_row(&app, new_id).await.stale_flagged_on.is_none());
    scan(&app, two_months_and_a_day(flag_day)).await;
    assert_eq!(
        lot_row(&app, new_id).await.stale_flagged_on,
        Some(two_months_and_a_day(flag_day))
    );
    assert!(
        lot_row(&app, s.lot_id).await.stale_flagged_on.is_none(),
        "the empty old lot is never flagged again"
    );
}

async fn count(app: &TestApp, listing_id: i64, counted: &str, reason: &str) -> (StatusCode, Value) {
    let keeper = app.token_for("warehouse_keeper").await;
    app.post_json(
        "/api/stock-counts",
        &keeper,
        &json!({"listing_id": listing_id, "counted": counted, "reason": reason}),
    )
    .await
}

async fn decide(app: &TestApp, id: &Value, approve: bool) -> (StatusCode, Value) {
    let officer = app.token_for("procurement_officer").await;
    app.post_json(
        &format!("/api/stock-counts/{id}/decision"),
        &officer,
        &json!({"approve": approve, "note": "checked"}),
    )
    .await
}

#[tokio::test]
async fn a_count_that_matches_the_book_creates_no_movement() {
    let app = spawn_app().await;
    let s = stock(&app, "10").await;
    let (status, v) = count(&app, s.listing_id, "-1", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["counted"]["code"], "count_quantity",
        "{v}"
    );
    let (_, v) = count(&app, s.listing_id, "9", " ").await;
    assert_eq!(
        v["error"]["fields"]["reason"]["code"], "count_reason_required",
        "a difference needs a reason: {v}"
    );
    let (_, v) = count(&app, 999_999, "1", "x").await;
    assert_eq!(v["error"]["fields"]["listing_id"]["code"], "not_found");
    for role in ["supplier", "site_user", "procurement_officer"] {
        let (status, _) = app
            .post_json(
                "/api/stock-counts",
                &app.token_for(role).await,
                &json!({"listing_id": s.listing_id, "counted": "10"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }

    let (status, c) = count(&app, s.listing_id, "10.000", "").await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        (
            c["status"].clone(),
            c["difference"].clone(),
            c["book"].clone()
        ),
        (json!("approved"), json!("0.000"), json!("10.000")),
        "a match is confirmed at once"
    );
    let (_, v) = decide(&app, &c["id"], true).await;
    assert_eq!(v["error"]["code"], "stock_count_decided");
    assert_eq!(
        movements(&app, s.listing_id).await.len(),
        1,
        "only the receipt"
    );
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "10.000");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn an_approved_loss_and_gain_move_the_books_and_a_loss_never_takes_reserved_stock() {
    let app = spawn_app().await;
    let s = stock(&app, "10").await;
    deliver(&app, s.listing_id, s.warehouse_id, "5").await;
    let lots = my_lots(&app, s.listing_id).await;
    let second = lots
        .iter()
        .map(|l| l["id"].as_i64().unwrap_or_default())
        .find(|id| *id != s.lot_id)
        .unwrap_or_default();

    // A loss of 3, taken from the oldest lot first.
    let (status, loss) = count(&app, s.listing_id, "12", "破损").await;
    assert_eq!(status, StatusCode::CREATED, "{loss}");
    assert_eq!(
        (loss["status"].clone(), loss["difference"].clone()),
        (json!("pending"), json!("-3.000"))
    );
    assert_eq!(
        listing(&app, s.listing_id).await["on_hand"],
        "15.000",
        "nothing moves before approval"
    );
    let (_, v) = count(&app, s.listing_id, "15", "").await;
    assert_eq!(
        v["error"]["code"], "stock_count_pending",
        "one pending count per listing: {v}"
    );
    let officer = app.token_for("procurement_officer").await;
    let (status, pending) = app
        .get_json("/api/stock-counts?status=pending", &officer)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        pending
            .as_array()
            .is_some_and(|p| p.iter().any(|c| c["id"] == loss["id"]))
    );
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, _) = app
        .post_json(
            &format!("/api/stock-counts/{}/decision", loss["id"]),
            &keeper,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the keeper does not approve its own count"
    );

    let (status, v) = decide(&app, &loss["id"], true).await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("approved")),
        "{v}"
    );
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "12.000");
    assert_eq!(
        lot_row(&app, s.lot_id).await.quantity.value().to_string(),
        "7.000"
    );
    assert_eq!(
        lot_row(&app, second).await.quantity.value().to_string(),
        "5.000"
    );
    ledger_ok(&app).await;

    // A gain of 1 goes into the newest lot.
    let (_, gain) = count(&app, s.listing_id, "13", "盘盈").await;
    assert_eq!(gain["difference"], "1.000");
    let (status, _) = decide(&app, &gain["id"], true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "13.000");
    assert_eq!(
        lot_row(&app, second).await.quantity.value().to_string(),
        "6.000"
    );
    let moves = movements(&app, s.listing_id).await;
    assert_eq!(
        moves[2..].to_vec(),
        vec![
            ("count_loss".to_string(), s.lot_id, "-3.000".to_string()),
            ("count_gain".to_string(), second, "1.000".to_string()),
        ]
    );
    let loss_note = entity::movement::Entity::find()
        .filter(entity::movement::Column::Kind.eq("count_loss"))
        .filter(entity::movement::Column::ListingId.eq(s.listing_id))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .map(|m| m.note)
        .unwrap_or_default();
    assert!(
        loss_note.contains("破损"),
        "the reason is recorded: {loss_note}"
    );
    ledger_ok(&app).await;

    // 12 of the 13 reserved: a loss of 2 would take reserved stock and is refused.
    let site_user = app.token_for("site_user").await;
    let (_, r) = app.post_json("/api/requisitions", &site_user, &json!({"purpose": "3# 楼", "need_by": app.state.today().to_string(), "lines": [{"listing_id": s.listing_id, "quantity": "12"}]})).await;
    let manager = app.token_for("site_manager").await;
    let (status, _) = app
        .post_json(
            &format!("/api/requisitions/{}/approval", r["id"]),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, lost) = count(&app, s.listing_id, "11", "丢失").await;
    let (status, v) = decide(&app, &lost["id"], true).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("count_loss_takes_reserved")
        ),
        "{v}"
    );
    let (_, still) = app
        .get_json(
            &format!("/api/stock-counts?listing_id={}", s.listing_id),
            &officer,
        )
        .await;
    assert_eq!(still[0]["status"], "pending", "{still}");
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "13.000");
    ledger_ok(&app).await;
    assert_eq!(audited(&app, "stock_count.approve").await, 2);
}

#[tokio::test]
async fn a_rejected_count_changes_nothing() {
    let app = spawn_app().await;
    let s = stock(&app, "8").await;
    let (_, c) = count(&app, s.listing_id, "5", "少了").await;
    assert_eq!(c["status"], "pending");
    let before = movements(&app, s.listing_id).await;
    let (status, v) = decide(&app, &c["id"], false).await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("rejected")),
        "{v}"
    );
    assert_eq!(v["decision_note"], "checked");
    assert_eq!(movements(&app, s.listing_id).await, before);
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "8.000");
    assert_eq!(
        lot_row(&app, s.lot_id).await.quantity.value().to_string(),
        "8.000"
    );
    ledger_ok(&app).await;
    let (_, v) = decide(&app, &c["id"], true).await;
    assert_eq!(
        v["error"]["code"], "stock_count_decided",
        "decided once: {v}"
    );
    assert_eq!(audited(&app, "stock_count.reject").await, 1);
    let (status, _) = count(&app, s.listing_id, "7", "再盘").await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a decided count no longer blocks a new one"
    );
}

#[tokio::test]
async fn concurrent_counts_of_one_listing_leave_one_pending_and_concurrent_approvals_apply_it_once()
{
    let app = spawn_app().await;
    let s = stock(&app, "8").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let url = app.url("/api/stock-counts");
        let keeper = keeper.clone();
        let body = json!({"listing_id": s.listing_id, "counted": "6", "reason": "少了"});
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(keeper)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or_default())
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created.push(v),
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(v["error"]["code"], "stock_count_pending", "{v}")
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(created.len(), 1);
    let officer = app.token_for("procurement_officer").await;
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let url = app.url(&format!("/api/stock-counts/{}/decision", created[0]["id"]));
        let officer = officer.clone();
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(officer)
                .json(&json!({"approve": true}))
                .send()
                .await
                .map(|r| r.status())
                .unwrap()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "6.000");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_removed_suppliers_stock_is_returned_without_an_answer_and_never_exchanged() {
    let app = spawn_app().await;
    let s = stock(&app, "3").await;
    let supplier = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &supplier).await;
    let sid = mine["supplier"]["id"].as_i64().unwrap_or_default();
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    for source in ["receiving_inspection", "site_complaint"] {
        let (_, f) = app
            .post_json(
                &format!("/api/suppliers/{sid}/failures"),
                &officer,
                &json!({"kind": "quality", "source": source, "description": "不合格"}),
            )
            .await;
        app.suppliers_answer_open_failures().await;
        let (status, _) = app
            .post_json(
                &format!("/api/failures/{}/decision", f["id"]),
                &head,
                &json!({"confirm": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let keeper = app.token_for("warehouse_keeper").await;
    let (_, flagged) = app
        .get_json(
            &format!("/api/lots?flagged=true&supplier_id={sid}"),
            &keeper,
        )
        .await;
    let lot = flagged
        .as_array()
        .and_then(|l| l.iter().find(|x| x["id"] == s.lot_id))
        .cloned()
        .unwrap_or_else(|| panic!("removal flags the stock: {flagged}"));
    assert_eq!(lot["flag"], "removal");

    let (_, v) = answer(&app, s.lot_id, "exchange").await;
    assert_eq!(v["error"]["code"], "lot_removal_return", "{v}");
    let (_, v) = app
        .post_json(
            &format!("/api/lots/{}/exchange", s.lot_id),
            &keeper,
            &json!({"quantity": "3"}),
        )
        .await;
    assert_eq!(v["error"]["code"], "supplier_removed", "{v}");
    let (status, v) = app
        .post_json(
            &format!("/api/lots/{}/return", s.lot_id),
            &keeper,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["quantity"].clone(), v["flag"].clone()),
        (json!("0.000"), Value::Null)
    );
    assert_eq!(listing(&app, s.listing_id).await["on_hand"], "0.000");
    ledger_ok(&app).await;
}

/// Each value of the `flagged` filter: `true` and `false` split the lots between them.
#[tokio::test]
async fn the_flagged_filter_splits_the_lots_between_its_two_values() {
    let app = spawn_app().await;
    stock(&app, "4").await;
    scan(&app, two_months_and_a_day(app.state.today())).await;
    // A lot received after the scan is not flagged.
    stock(&app, "2").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l["id"].as_i64())
            .collect()
    };
    let (status, all) = app.get_json("/api/lots", &keeper).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let (_, flagged) = app.get_json("/api/lots?flagged=true", &keeper).await;
    let (_, unflagged) = app.get_json("/api/lots?flagged=false", &keeper).await;
    let (all, flagged, unflagged) = (ids(&all), ids(&flagged), ids(&unflagged));
    assert!(!flagged.is_empty(), "the scan flagged lots");
    assert!(
        !unflagged.is_empty(),
        "the lot received after the scan is unflagged"
    );
    assert!(flagged.iter().all(|id| !unflagged.contains(id)));
    assert_eq!(flagged.len() + unflagged.len(), all.len());
    // Left empty, as a form sends it, the filter is no filter.
    let (status, empty) = app.get_json("/api/lots?flagged=", &keeper).await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(ids(&empty).len(), all.len());
}
