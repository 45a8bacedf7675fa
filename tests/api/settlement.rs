//! Settlement (rule 11): closing periods into statements, the statement workflow, downloads.

use crate::helpers::ledger_ok;
use crate::helpers::{DEMO_PASSWORD, TestApp, dec, extract_csrf, spawn_app, spawn_demo_app};
use crate::stock::{requisition, stocked};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// An instant written in Shanghai time, whatever the server's zone.
fn shanghai(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("bad instant"))
}

fn is_amount(c: &calamine::Data) -> bool {
    matches!(c, calamine::Data::String(s) if s == "金额" || s == "Amount")
}

/// A site requisitions `quantity` of the listing, the manager approves, the keeper issues it.
pub async fn draw(app: &TestApp, listing_id: i64, quantity: &str) {
    let site_user = app.token_for("site_user").await;
    let (status, r) = requisition(app, &site_user, listing_id, quantity).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_i64().unwrap_or_default();
    let manager = app.token_for("site_manager").await;
    let (status, r) = app
        .post_json(
            &format!("/api/requisitions/{rid}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{rid}/issue"),
            &keeper,
            &json!({"lines": [{"line_id": r["lines"][0]["id"], "quantity": quantity}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

async fn close(app: &TestApp, period: Option<&str>) -> (StatusCode, Value) {
    let finance = app.token_for("finance").await;
    app.post_json(
        "/api/statements/close",
        &finance,
        &json!({ "period": period }),
    )
    .await
}

async fn step(app: &TestApp, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    app.post_json(&format!("/api/statements/{id}/steps"), token, &body)
        .await
}

#[tokio::test]
async fn the_25th_at_235959_and_the_26th_at_midnight_settle_in_different_periods_once_each() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 1, 25, 23, 59, 59));
    let s = stocked(&app, "10").await;
    draw(&app, s.listing_id, "2").await;
    app.clock.set(shanghai(2027, 1, 26, 0, 0, 0));
    draw(&app, s.listing_id, "3").await;

    // The period 2027-02 has not ended: it cannot be closed yet.
    let (status, v) = close(&app, Some("2027-02")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["created"], json!([]), "{v}");
    let (status, v) = close(&app, Some("2027-1")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["period"]["code"], "period", "{v}");

    let (status, v) = close(&app, None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let made = v["created"].as_array().cloned().unwrap_or_default();
    assert_eq!(made.len(), 1, "one supplier drew: {v}");
    let first = &made[0];
    assert_eq!(first["period"], "2027-01");
    assert_eq!(first["status"], "draft");
    // 2 × 3850.00 incl. 13 % VAT: net 6814.16, tax 885.84.
    assert_eq!(
        (dec(&first["gross"]), dec(&first["net"]), dec(&first["tax"])),
        (
            Decimal::new(770000, 2),
            Decimal::new(681416, 2),
            Decimal::new(88584, 2)
        )
    );
    let (status, again) = close(&app, None).await;
    assert_eq!(
        (status, again["created"].clone()),
        (StatusCode::OK, json!([]))
    );

    app.clock.set(shanghai(2027, 2, 26, 8, 0, 0));
    let (_, v) = close(&app, None).await;
    let made = v["created"].as_array().cloned().unwrap_or_default();
    assert_eq!(made.len(), 1, "{v}");
    assert_eq!(made[0]["period"], "2027-02");
    assert_eq!(dec(&made[0]["gross"]), Decimal::new(1155000, 2));

    // Every issue movement is on exactly one line.
    let finance = app.token_for("finance").await;
    let mut seen = Vec::new();
    let (_, list) = app.get_json("/api/statements", &finance).await;
    for st in list.as_array().cloned().unwrap_or_default() {
        // The demo's own statement of its last period is not this test's.
        if !st["period"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2027")
        {
            continue;
        }
        let (_, d) = app
            .get_json(&format!("/api/statements/{}", st["id"]), &finance)
            .await;
        for l in d["lines"].as_array().cloned().unwrap_or_default() {
            seen.push(l["movement_id"].as_i64().unwrap_or_default());
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (2, 2), "{seen:?}");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn missed_periods_are_caught_up_and_a_draw_written_after_its_close_goes_on_the_next() {
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    };
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 1, 20, 10, 0, 0));
    let s = stocked(&app, "20").await;
    draw(&app, s.listing_id, "2").await;
    app.clock.set(shanghai(2027, 2, 10, 10, 0, 0));
    draw(&app, s.listing_id, "3").await;
    // Nobody closed on 26 January or 26 February: the March run closes both periods.
    app.clock.set(shanghai(2027, 3, 1, 8, 0, 0));
    let (_, v) = close(&app, None).await;
    let periods: Vec<&str> = v["created"]
        .as_array()
        .map(|m| m.iter().filter_map(|s| s["period"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(periods, ["2027-01", "2027-02"], "{v}");

    // A draw stamped 25 February 23:59:59 whose transaction ended after the close: it is on
    // no statement yet, and its period is closed; the next statement takes it.
    draw(&app, s.listing_id, "4").await;
    let late = entity::movement::Entity::find()
        .filter(entity::movement::Column::Kind.eq("issue"))
        .order_by_desc(entity::movement::Column::Id)
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no draw"));
    let mut stamped: entity::movement::ActiveModel = late.clone().into();
    stamped.at = Set(shanghai(2027, 2, 25, 23, 59, 59));
    stamped.update(&app.state.db.read).await.unwrap();
    let (_, v) = close(&app, None).await;
    assert_eq!(v["created"], json!([]), "2027-02 is closed already: {v}");
    app.clock.set(shanghai(2027, 3, 26, 8, 0, 0));
    let (_, v) = close(&app, None).await;
    let made = v["created"].as_array().cloned().unwrap_or_default();
    assert_eq!(made.len(), 1, "{v}");
    assert_eq!(made[0]["period"], "2027-03");
    // 4 × 3850.00.
    assert_eq!(dec(&made[0]["gross"]), Decimal::new(1540000, 2));
    let finance = app.token_for("finance").await;
    let (_, d) = app
        .get_json(&format!("/api/statements/{}", made[0]["id"]), &finance)
        .await;
    assert_eq!(d["lines"][0]["movement_id"], json!(late.id), "{d}");
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_dispute_becomes_an_adjustment_on_the_next_statement_and_the_workflow_runs_to_paid() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 1, 20, 10, 0, 0));
    let s = stocked(&app, "10").await;
    draw(&app, s.listing_id, "2").await;
    app.clock.set(shanghai(2027, 1, 26, 9, 0, 0));
    let (_, v) = close(&app, None).await;
    let id = v["created"][0]["id"].as_i64().unwrap_or_default();
    let finance = app.token_for("finance").await;
    let supplier = app.token_for("supplier").await;

    // A draft is finance's alone; the supplier cannot act on it or even see it.
    let (status, _) = app
        .get_json(&format!("/api/statements/{id}"), &supplier)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = step(&app, &finance, id, json!({"action": "confirm"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = step(&app, &supplier, id, json!({"action": "issue"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");

    let (status, v) = step(&app, &finance, id, json!({"action": "issue"})).await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("issued")),
        "{v}"
    );
    let mails = app.count("outbox WHERE kind = 'statement_issued'").await;
    assert!(mails >= 1, "the supplier is emailed");
    let (status, again) = step(&app, &finance, id, json!({"action": "issue"})).await;
    assert_eq!(
        (status, again["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("statement_state")),
        "an issued statement is not issued twice: {again}"
    );

    let (_, d) = app
        .get_json(&format!("/api/statements/{id}"), &supplier)
        .await;
    let line = d["lines"][0]["id"].as_i64().unwrap_or_default();
    let (status, v) = step(
        &app,
        &supplier,
        id,
        json!({"action": "dispute", "lines": []}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = step(
        &app,
        &supplier,
        id,
        json!({"action": "dispute", "lines": [{"line_id": line, "reason": "只收到 1.9 吨"}]}),
    )
    .await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("disputed")),
        "{v}"
    );

    // Finance must answer every disputed line; the answer is an adjustment, not an edit.
    let (status, v) = step(
        &app,
        &finance,
        id,
        json!({"action": "resolve", "lines": []}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = step(&app, &finance, id, json!({"action": "resolve", "lines": [{"line_id": line, "amount": "-385.00", "note": "按 1.9 吨结算"}]})).await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("resolved")),
        "{v}"
    );
    assert_eq!(
        dec(&v["gross"]),
        Decimal::new(770000, 2),
        "the statement itself is unchanged"
    );

    let (status, v) = step(
        &app,
        &finance,
        id,
        json!({"action": "invoice", "invoice_number": "", "invoice_date": "2027-01-28"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = step(
        &app,
        &finance,
        id,
        json!({"action": "invoice", "invoice_number": "FP-0001", "invoice_date": "2027-01-28"}),
    )
    .await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("invoiced")),
        "{v}"
    );
    let (status, v) = step(
        &app,
        &finance,
        id,
        json!({"action": "pay", "paid_on": "2027-02-05", "reference": "YH-778"}),
    )
    .await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("paid")),
        "{v}"
    );
    let (status, _) = step(
        &app,
        &supplier,
        id,
        json!({"action": "dispute", "lines": [{"line_id": line, "reason": "x"}]}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a paid statement is not disputed"
    );

    // The next period carries the adjustment, even with no draws of its own.
    app.clock.set(shanghai(2027, 2, 26, 9, 0, 0));
    let (_, v) = close(&app, None).await;
    let next = &v["created"][0];
    assert_eq!(next["period"], "2027-02", "{v}");
    assert_eq!(dec(&next["gross"]), Decimal::new(-38500, 2));
    let finance = app.token_for("finance").await;
    let (_, d) = app
        .get_json(&format!("/api/statements/{}", next["id"]), &finance)
        .await;
    assert_eq!(d["lines"][0]["kind"], "adjustment", "{d}");
    let (_, v) = close(&app, None).await;
    assert_eq!(v["created"], json!([]), "an adjustment is carried once");
}

#[tokio::test]
async fn a_supplier_reads_only_its_own_statements_and_the_xlsx_adds_up_like_the_page() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 1, 10, 0, 0));
    let s = stocked(&app, "10").await;
    draw(&app, s.listing_id, "1.5").await;
    draw(&app, s.listing_id, "2.25").await;
    app.clock.set(shanghai(2027, 3, 26, 9, 0, 0));
    let (_, v) = close(&app, None).await;
    let id = v["created"][0]["id"].as_i64().unwrap_or_default();
    let finance = app.token_for("finance").await;
    step(&app, &finance, id, json!({"action": "issue"})).await;
    let supplier = app.token_for("supplier").await;

    // Another admitted supplier's user sees nothing of it.
    let admin = app.token_for("admin").await;
    let (_, mine) = app.get_json("/api/my/supplier", &supplier).await;
    let (_, all) = app
        .get_json(
            "/api/suppliers?status=admitted",
            &app.token_for("procurement_officer").await,
        )
        .await;
    let other = all
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] != mine["id"]))
        .and_then(|x| x["id"].as_i64())
        .unwrap_or_else(|| panic!("no second admitted supplier: {all}"));
    let (status, u) = app
        .post_json("/api/users", &admin, &json!({"email": "other@supplier.test", "display_name": "B", "password": "other-password", "role": "supplier", "supplier_id": other}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let b = app.token("other@supplier.test", "other-password").await;
    let (status, _) = app.get_json(&format!("/api/statements/{id}"), &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get_json("/api/statements", &b).await;
    assert_eq!(list, json!([]));
    let r = app
        .get(&format!("/api/statements/{id}/export?format=xlsx"), &b)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (status, _) = app
        .get_json("/api/statements", &app.token_for("site_user").await)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The XLSX is a real spreadsheet whose amounts add up to the page's total.
    let (_, d) = app
        .get_json(&format!("/api/statements/{id}"), &supplier)
        .await;
    let gross = dec(&d["statement"]["gross"]);
    assert_eq!(gross, Decimal::new(1443750, 2), "(1.5 + 2.25) × 3850");
    let r = app
        .get(
            &format!("/api/statements/{id}/export?format=xlsx"),
            &supplier,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap_or_default();
    use calamine::{DataType, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("not an xlsx");
    let sheet = book
        .worksheet_range_at(0)
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("no sheet"));
    let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .position(|r| r.iter().any(is_amount))
        .unwrap_or_else(|| panic!("no header row: {rows:?}"));
    let col = rows[header].iter().position(is_amount).unwrap_or_default();
    let lines: f64 = rows[header + 1..header + 3]
        .iter()
        .filter_map(|r| r[col].get_float())
        .sum();
    assert!((lines - 14437.5).abs() < 0.001, "{rows:?}");
    let last = rows.last().cloned().unwrap_or_default();
    assert_eq!(last[col].get_float(), Some(14437.5), "the gross total row");
    let r = app
        .get(
            &format!("/api/statements/{id}/export?format=csv"),
            &supplier,
        )
        .await;
    let text = r.text().await.unwrap_or_default();
    assert!(
        text.starts_with('\u{feff}') && text.contains("14437.50"),
        "{text}"
    );
}

/// Six closes as of today at once, every other one from a second instance on the same
/// database (the same SQLite file, or the same schema); answers that instance and how many
/// statements the six made together.
async fn close_from_two_instances(app: &TestApp) -> (portal::state::AppState, usize) {
    let clock: portal::clock::SharedClock = app.clock.clone();
    let other = portal::prepare(
        crate::helpers::test_config(app.data_dir.path(), crate::helpers::test_database_url()),
        clock,
        app.schema.as_deref(),
    )
    .await
    .expect("second instance");
    let actor = portal::audit::Actor::system("test");
    let today = app.state.today();
    let runs = (0..6).map(|i| {
        let state = if i % 2 == 0 { &app.state } else { &other };
        portal::settlement::store::close(state, &actor, today, None)
    });
    let made = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(|r| r.unwrap().len())
        .sum();
    (other, made)
}

#[tokio::test]
async fn two_instances_closing_one_period_at_once_make_one_set_of_statements() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 4, 10, 10, 0, 0));
    let s = stocked(&app, "10").await;
    draw(&app, s.listing_id, "1").await;
    app.clock.set(shanghai(2027, 4, 26, 9, 0, 0));
    // A second instance on the same database (the same SQLite file, or the same schema).
    let (other, made) = close_from_two_instances(&app).await;
    let today = app.state.today();
    assert_eq!(made, 1);
    assert_eq!(app.count("statements WHERE period = '2027-04'").await, 1);
    assert_eq!(
        app.count("statement_lines WHERE movement_id IS NOT NULL")
            .await,
        app.count("movements WHERE kind = 'issue'").await,
        "every issue settled once"
    );
    // The daily job closes nothing more.
    let run = portal::jobs::run(&other, portal::jobs::Job::ClosePeriod, today)
        .await
        .unwrap();
    assert_eq!(run.detail, "0 statements");
}

#[tokio::test]
async fn instances_closing_many_suppliers_at_once_write_each_statement_once() {
    let app = spawn_demo_app().await;
    app.clock.set(shanghai(2027, 4, 10, 10, 0, 0));
    // One stocked listing of each demo supplier: their statements are written together.
    let officer = app.token_for("procurement_officer").await;
    let (_, catalogue) = app.get_json("/api/catalogue?in_stock=true", &officer).await;
    let mut suppliers = std::collections::BTreeSet::new();
    let listings: Vec<i64> = catalogue["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| suppliers.insert(i["supplier"].to_string()))
        .filter_map(|i| i["listing_id"].as_i64())
        .collect();
    assert!(listings.len() >= 2, "{catalogue}");
    for id in &listings {
        draw(&app, *id, "1").await;
    }
    app.clock.set(shanghai(2027, 4, 26, 9, 0, 0));
    let before = app.count("statements").await;
    let owed = app
        .count(
            "(SELECT DISTINCT supplier_id FROM movements m WHERE kind IN ('issue', 'site_return') \
             AND NOT EXISTS (SELECT 1 FROM statement_lines l WHERE l.movement_id = m.id)) owed",
        )
        .await;
    let (other, made) = close_from_two_instances(&app).await;
    let made = made as i64;
    let today = app.state.today();
    assert_eq!(
        made,
        app.count("statements").await - before,
        "each made once"
    );
    assert_eq!(
        app.count("statements WHERE period = '2027-04'").await,
        owed,
        "a statement for each supplier owed"
    );
    assert_eq!(
        app.count("statement_lines WHERE movement_id IS NOT NULL")
            .await,
        app.count("movements WHERE kind IN ('issue', 'site_return')")
            .await,
        "every draw settled once"
    );
    // Each statement adds up: its total is the sum of its lines.
    assert_eq!(
        app.count(
            "statements s WHERE gross <> (SELECT COALESCE(SUM(amount), 0) FROM statement_lines l \
             WHERE l.statement_id = s.id)"
        )
        .await,
        0
    );
    let run = portal::jobs::run(&other, portal::jobs::Job::ClosePeriod, today)
        .await
        .unwrap();
    assert_eq!(run.detail, "0 statements");
}

#[tokio::test]
async fn the_statement_pages_work_for_finance_and_the_supplier_in_both_languages() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 5, 10, 10, 0, 0));
    let s = stocked(&app, "10").await;
    draw(&app, s.listing_id, "1").await;
    app.clock.set(shanghai(2027, 5, 26, 9, 0, 0));
    // Finance closes and issues through the pages.
    let finance = browser(&app, "finance").await;
    let html = text(&app, &finance, "/statements").await;
    assert!(html.contains("id=\"close-form\""), "{html}");
    let csrf = extract_csrf(&html);
    let r = post(
        &app,
        &finance,
        "/statements/close",
        &[("csrf_token", csrf.as_str()), ("period", "2027-05")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &finance, "/statements").await;
    let id: i64 = html
        .split("href=\"/statements/")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no statement link: {html}"));
    let html = text(&app, &finance, &format!("/statements/{id}")).await;
    assert!(
        html.contains("3,850.00") && html.contains("id=\"issue-submit\""),
        "{html}"
    );
    // The gross in Chinese capitals, as the printed statement carries it.
    assert!(html.contains(">叁仟捌佰伍拾元整<"), "{html}");
    let r = post(
        &app,
        &finance,
        &format!("/statements/{id}/step"),
        &[("csrf_token", csrf.as_str()), ("action", "issue")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The supplier disputes a line on the page, in English.
    let sup = browser(&app, "supplier").await;
    let r = sup.get(app.url("/lang/en?next=/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &sup, &format!("/statements/{id}")).await;
    assert!(html.contains("Dispute the marked lines"), "{html}");
    let line = html
        .split("name=\"reason_")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_string();
    let csrf = extract_csrf(&html);
    let r = post(
        &app,
        &sup,
        &format!("/statements/{id}/step"),
        &[("csrf_token", csrf.as_str()), ("action", "dispute")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a dispute needs a reason"
    );
    let name = format!("reason_{line}");
    let r = post(
        &app,
        &sup,
        &format!("/statements/{id}/step"),
        &[
            ("csrf_token", csrf.as_str()),
            ("action", "dispute"),
            (name.as_str(), "wrong quantity"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &finance, &format!("/statements/{id}")).await;
    assert!(
        html.contains("data-status=\"disputed\"") && html.contains("wrong quantity"),
        "{html}"
    );
    let r = sup
        .get(app.url(&format!("/statements/{id}/download/xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn browser(app: &TestApp, role: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
    client
}

async fn text(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = client
        .get(app.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap_or_default()
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

#[tokio::test]
async fn the_cut_off_day_is_a_setting_only_the_admin_changes_and_it_must_exist_every_month() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let auditor = app.token_for("auditor").await;
    let (status, s) = app.get_json("/api/settings", &auditor).await;
    assert_eq!(
        (status, s["settlement_cutoff_day"].clone()),
        (StatusCode::OK, json!(25))
    );
    let mut body = s.clone();
    body["settlement_cutoff_day"] = json!(29);
    let (status, v) = app
        .send_json(reqwest::Method::PUT, "/api/settings", &admin, &body)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["settlement_cutoff_day"]["code"],
        "cutoff_day_range"
    );
    body["settlement_cutoff_day"] = json!(28);
    body["contract_threshold"] = json!("60000");
    let (_, v) = app
        .send_json(reqwest::Method::PUT, "/api/settings", &admin, &body)
        .await;
    assert_eq!(
        v["error"]["fields"]["contract_threshold"]["code"], "contract_above_tender",
        "{v}"
    );
    body["contract_threshold"] = json!("10000");
    let (status, v) = app
        .send_json(reqwest::Method::PUT, "/api/settings", &auditor, &body)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (_, unchanged) = app.get_json("/api/settings", &admin).await;
    assert_eq!(unchanged["settlement_cutoff_day"], 25);
    let (status, v) = app
        .send_json(reqwest::Method::PUT, "/api/settings", &admin, &body)
        .await;
    assert_eq!(
        (status, v["settlement_cutoff_day"].clone()),
        (StatusCode::OK, json!(28)),
        "{v}"
    );
    assert_eq!(
        portal::settings::cutoff_day(&app.state.db.read)
            .await
            .unwrap_or_default(),
        28
    );
}

#[tokio::test]
async fn a_refused_dispute_or_answer_names_its_line_and_the_page_keeps_what_was_typed() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 1, 20, 10, 0, 0));
    let s = stocked(&app, "10").await;
    draw(&app, s.listing_id, "2").await;
    app.clock.set(shanghai(2027, 1, 26, 9, 0, 0));
    let (_, v) = close(&app, None).await;
    let id = v["created"][0]["id"].as_i64().unwrap_or_default();
    let finance = app.token_for("finance").await;
    let supplier = app.token_for("supplier").await;
    step(&app, &finance, id, json!({"action": "issue"})).await;
    let (_, d) = app
        .get_json(&format!("/api/statements/{id}"), &supplier)
        .await;
    let line = d["lines"][0]["id"].as_i64().unwrap_or_default();

    // The API names the line of a dispute without a reason by its place in the list.
    let (status, v) = step(
        &app,
        &supplier,
        id,
        json!({"action": "dispute", "lines": [{"line_id": line, "reason": "  "}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["lines.0.reason"]["code"], "required",
        "{v}"
    );
    let (status, _) = step(
        &app,
        &supplier,
        id,
        json!({"action": "dispute", "lines": [{"line_id": line, "reason": "少 0.2"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Finance's answer with an adjustment that is no number, on the page.
    let client = browser(&app, "finance").await;
    let html = text(&app, &client, &format!("/statements/{id}")).await;
    let csrf = extract_csrf(&html);
    let amount = format!("amount_{line}");
    let note = format!("note_{line}");
    let r = post(
        &app,
        &client,
        &format!("/statements/{id}/step"),
        &[
            ("csrf_token", csrf.as_str()),
            ("action", "resolve"),
            (amount.as_str(), "减752"),
            (note.as_str(), "按实收结算"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains(&format!("href=\"#{amount}\"")),
        "the summary links the field"
    );
    assert!(
        html.contains(&format!(
            "id=\"{amount}\" name=\"{amount}\" inputmode=\"decimal\" placeholder=\"0.00\" class=\"resolve-amount\" value=\"减752\" aria-invalid=\"true\" aria-describedby=\"{amount}-error\""
        )),
        "the field keeps 减752 and is marked: {html}"
    );
    assert!(html.contains(&format!("id=\"{amount}-error\"")));
    assert!(html.contains("value=\"按实收结算\""), "the note is kept");
    let (_, d) = app
        .get_json(&format!("/api/statements/{id}"), &finance)
        .await;
    assert_eq!(d["statement"]["status"], "disputed", "nothing changed: {d}");
}

#[tokio::test]
async fn each_line_carries_its_draw_and_a_draw_whose_amount_disagrees_is_written_from_the_plan() {
    use entity::{listing, material, movement, statement_line};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    use sea_orm::{QueryOrder, prelude::Decimal as D};
    let app = spawn_app().await;
    let db = &app.state.db.read;
    // Closes `period`, which makes one statement; returns it with its lines.
    let close_one = |period: &'static str| {
        let app = &app;
        async move {
            let (_, v) = close(app, Some(period)).await;
            let made = v["created"].as_array().cloned().unwrap_or_default();
            assert_eq!(made.len(), 1, "{v}");
            let lines = statement_line::Entity::find()
                .filter(statement_line::Column::StatementId.eq(made[0]["id"].as_i64()))
                .order_by_asc(statement_line::Column::Id)
                .all(&app.state.db.read)
                .await
                .unwrap();
            (made[0].clone(), lines)
        }
    };
    let draws_since = |id: i64| {
        movement::Entity::find()
            .filter(movement::Column::Kind.eq("issue"))
            .filter(movement::Column::Id.gt(id))
            .order_by_asc(movement::Column::Id)
            .all(db)
    };
    let before = draws_since(0)
        .await
        .unwrap()
        .last()
        .map_or(0, |m: &movement::Model| m.id);
    app.clock.set(shanghai(2027, 1, 11, 10, 0, 0));
    let s = stocked(&app, "20").await;
    draw(&app, s.listing_id, "1").await;
    app.clock.set(shanghai(2027, 1, 10, 10, 0, 0));
    draw(&app, s.listing_id, "2.345").await;
    let listing_id = entity::ListingId(s.listing_id);
    let l = listing::Entity::find_by_id(listing_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mat = material::Entity::find_by_id(l.material_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();

    app.clock.set(shanghai(2027, 1, 26, 8, 0, 0));
    let (made, lines) = close_one("2027-01").await;
    // The second draw is stamped a day earlier: lines are in time order, not in id order.
    let mut draws = draws_since(before).await.unwrap();
    draws.reverse();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (line, m) in lines.iter().zip(&draws) {
        assert_eq!(
            (
                line.kind.as_str(),
                line.movement_id,
                line.adjustment_id,
                line.listing_id,
                line.site_id,
                line.at,
            ),
            (
                "issue",
                Some(m.id),
                None,
                Some(listing_id),
                m.site_id,
                Some(m.at)
            )
        );
        assert_eq!(
            (&line.material, &line.spec, &line.unit),
            (&mat.name_zh, &mat.spec, &mat.unit_code)
        );
        assert_eq!(line.quantity.value(), -m.quantity.value());
        assert_eq!(line.unit_price, m.unit_price);
        assert_eq!(line.amount.value(), -m.amount.value());
        assert_eq!(line.note, "");
    }
    // 2.345 × 3850.00 = 9028.25 and 1 × 3850.00.
    let amounts: Vec<D> = lines.iter().map(|l| l.amount.value()).collect();
    assert_eq!(amounts, [D::new(902825, 2), D::new(385000, 2)]);
    assert_eq!(dec(&made["gross"]), D::new(1287825, 2));

    // A movement whose amount is not its quantity × price (written by an older version, or
    // by hand): its line is the plan's, quantity × price, like the statement's total.
    app.clock.set(shanghai(2027, 2, 10, 10, 0, 0));
    draw(&app, s.listing_id, "3").await;
    let odd = draws_since(before).await.unwrap().pop().unwrap();
    let mut tampered: movement::ActiveModel = odd.clone().into();
    tampered.amount = Set(entity::Fixed::new(D::new(-1_155_001, 2)).unwrap());
    tampered.update(db).await.unwrap();
    app.clock.set(shanghai(2027, 2, 26, 8, 0, 0));
    let (made, lines) = close_one("2027-02").await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].movement_id, Some(odd.id));
    assert_eq!(lines[0].amount.value(), D::new(1_155_000, 2));
    assert_eq!(
        (&lines[0].material, lines[0].site_id),
        (&mat.name_zh, odd.site_id)
    );
    assert_eq!(dec(&made["gross"]), D::new(1_155_000, 2));
}
