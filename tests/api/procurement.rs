//! Procurement (rules 4–7, 10): the monthly plan and its routing, quote comparison, the
//! contract ledger with audit sign-offs, and their pages.

use crate::helpers::{DEMO_PASSWORD, TestApp, extract_csrf, spawn_app};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An instant written in Shanghai time.
fn shanghai(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("bad instant"))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("bad day"))
}

/// The id of the material named `name_zh` with `spec`.
async fn material(app: &TestApp, name_zh: &str, spec: &str) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::material::Entity::find()
        .filter(entity::material::Column::NameZh.eq(name_zh))
        .filter(entity::material::Column::Spec.eq(spec))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .map(|m| m.id)
        .unwrap_or_else(|| panic!("no material {name_zh} {spec}"))
}

/// Ready-mixed concrete C30: not held by the supermarket, so it is bought.
async fn concrete(app: &TestApp) -> i64 {
    material(app, "商品混凝土", "C30").await
}

/// Rebar Φ12: the demo's steel supplier holds it in the supermarket.
async fn rebar(app: &TestApp) -> i64 {
    material(app, "热轧带肋钢筋(螺纹钢)", "HRB400E Φ12").await
}

async fn first_site(app: &TestApp) -> i64 {
    use sea_orm::{EntityTrait, QueryOrder};
    entity::site::Entity::find()
        .order_by_asc(entity::site::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .iter()
        .map(|s| s.id)
        .next()
        .unwrap_or_else(|| panic!("no site"))
}

async fn open_plan(app: &TestApp, month: &str) -> i64 {
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json("/api/plans", &officer, &json!({ "month": month }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap_or_default()
}

fn line(
    material_id: i64,
    site_id: i64,
    qty: &str,
    price: &str,
    need_by: NaiveDate,
    t: &str,
) -> Value {
    json!({
        "material_id": material_id,
        "site_id": site_id,
        "quantity": qty,
        "est_price": price,
        "need_by": need_by.to_string(),
        "plan_type": t,
    })
}

async fn add(app: &TestApp, token: &str, plan: i64, body: &Value) -> (StatusCode, Value) {
    app.post_json(&format!("/api/plans/{plan}/lines"), token, body)
        .await
}

/// Submits (officer) and approves (head) a plan; answers the plan as approved.
async fn submit_and_approve(app: &TestApp, plan: i64) -> Value {
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(&format!("/api/plans/{plan}/submit"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let head = app.token_for("procurement_head").await;
    let (status, v) = app
        .post_json(
            &format!("/api/plans/{plan}/decision"),
            &head,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

/// A plan for April 2027 (clock in early March) with one concrete line of `qty` × `price`,
/// approved: answers the line id.
async fn approved_line(app: &TestApp, qty: &str, price: &str) -> i64 {
    app.clock.set(shanghai(2027, 3, 2, 10, 0, 0));
    let plan = open_plan(app, "2027-04").await;
    let officer = app.token_for("procurement_officer").await;
    let body = line(
        concrete(app).await,
        first_site(app).await,
        qty,
        price,
        day(2027, 4, 10),
        "normal",
    );
    let (status, l) = add(app, &officer, plan, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    submit_and_approve(app, plan).await;
    l["id"].as_i64().unwrap_or_default()
}

async fn admitted_suppliers(app: &TestApp) -> Vec<i64> {
    let officer = app.token_for("procurement_officer").await;
    let (_, list) = app
        .get_json("/api/suppliers?status=admitted", &officer)
        .await;
    list.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .collect()
}

/// Three admitted suppliers: the demo's first two and one admitted here.
async fn three_suppliers(app: &TestApp) -> [i64; 3] {
    let mut ids = admitted_suppliers(app).await;
    ids.sort_unstable();
    ids.truncate(2);
    // A third one through the real admission path (application, verified email, licence,
    // review, admission), the same path the tender tests take.
    ids.push(crate::tenders::admitted_supplier(app, 90, &[1, 2]).await.id);
    assert_eq!(ids.len(), 3, "{ids:?}");
    [ids[0], ids[1], ids[2]]
}

async fn quote(app: &TestApp, line: i64, supplier: i64, price: &str) -> (StatusCode, Value) {
    let officer = app.token_for("procurement_officer").await;
    app.post_json(
        &format!("/api/plan-lines/{line}/quotes"),
        &officer,
        &json!({"supplier_id": supplier, "unit_price": price, "quality_notes": "GB/T 14902", "delivery_days": 3}),
    )
    .await
}

async fn choose(app: &TestApp, line: i64, quote_id: i64, reason: &str) -> (StatusCode, Value) {
    let officer = app.token_for("procurement_officer").await;
    app.post_json(
        &format!("/api/plan-lines/{line}/choice"),
        &officer,
        &json!({"quote_id": quote_id, "reason": reason}),
    )
    .await
}

/// The procurement head decides the line's pending quote choice (rule 14).
async fn decide_choice(
    app: &TestApp,
    line: i64,
    approve: bool,
    reason: &str,
) -> (StatusCode, Value) {
    let head = app.token_for("procurement_head").await;
    app.post_json(
        &format!("/api/plan-lines/{line}/choice/decision"),
        &head,
        &json!({"approve": approve, "reason": reason}),
    )
    .await
}

/// The id of `supplier`'s quote in a comparison.
fn quote_of(comparison: &Value, supplier: i64) -> i64 {
    comparison["quotes"]
        .as_array()
        .and_then(|qs| qs.iter().find(|q| q["supplier_id"] == supplier))
        .and_then(|q| q["id"].as_i64())
        .unwrap_or_else(|| panic!("no quote of {supplier}: {comparison}"))
}

async fn mail_kinds_to_role(app: &TestApp, role: &str) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(format!("{role}@demo.test")))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.kind)
        .collect()
}

#[tokio::test]
async fn approving_a_plan_stores_each_lines_route_at_the_threshold_boundaries() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 2, 10, 0, 0));
    let plan = open_plan(&app, "2027-04").await;
    let officer = app.token_for("procurement_officer").await;
    let site = first_site(&app).await;
    let c30 = concrete(&app).await;
    let need = day(2027, 4, 10);
    let mut ids = Vec::new();
    for value in ["49999.99", "50000.00", "9999.99", "10000.00"] {
        let (status, l) = add(
            &app,
            &officer,
            plan,
            &line(c30, site, "1", value, need, "normal"),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{l}");
        assert_eq!(l["route"], Value::Null, "routed only at approval");
        ids.push((value, l["id"].as_i64().unwrap_or_default()));
    }
    // The supermarket holds rebar Φ12 (the demo steel supplier's stock): rule 7.
    let (status, held) = add(
        &app,
        &officer,
        plan,
        &line(rebar(&app).await, site, "120", "3850", need, "normal"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    assert_eq!(held["line_value"], "462000.00");

    let v = submit_and_approve(&app, plan).await;
    assert_eq!(v["plan"]["status"], "approved", "{v}");
    let lines = v["lines"].as_array().cloned().unwrap_or_default();
    let by_id = |id: i64| {
        lines
            .iter()
            .find(|l| l["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("line {id} missing"))
    };
    for (value, id) in &ids {
        let expected = match *value {
            "49999.99" | "10000.00" => "quotes_and_contract",
            "50000.00" => "tender",
            _ => "quotes",
        };
        let l = by_id(*id);
        assert_eq!(l["route"], expected, "{value}: {l}");
        assert_eq!(l["status"], "routed");
        if expected == "tender" {
            assert_eq!(l["next_link"], format!("/tenders/new?plan_line={id}"));
        } else {
            assert_eq!(l["next_link"], format!("/plan-lines/{id}/quotes"));
        }
    }
    let l = by_id(held["id"].as_i64().unwrap_or_default());
    assert_eq!(
        l["route"], "requisition",
        "stock first, whatever the value: {l}"
    );
    assert!(
        l["next_link"]
            .as_str()
            .is_some_and(|s| s.starts_with("/catalogue?q=")),
        "{l}"
    );
    assert_ne!(l["stock_available"], "0");
    // The routes are stored on the lines, not recomputed.
    let n = app
        .count(&format!(
            "plan_lines WHERE plan_id = {plan} AND route IS NOT NULL"
        ))
        .await;
    assert_eq!(n, 5);
    // A requisition line is not bought: no quotes are taken for it.
    let (status, v) = quote(&app, l["id"].as_i64().unwrap_or_default(), 1, "3800").await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("line_not_open_for_quotes")
        )
    );
    // The head heard of the submission; the officer and the site's manager of the approval.
    assert!(
        mail_kinds_to_role(&app, "procurement_head")
            .await
            .contains(&"plan_submitted".to_string())
    );
    assert!(
        mail_kinds_to_role(&app, "procurement_officer")
            .await
            .contains(&"plan_approved".to_string())
    );
    assert!(
        mail_kinds_to_role(&app, "site_manager")
            .await
            .contains(&"plan_approved".to_string())
    );
    assert!(app.count("audit_log WHERE action = 'plan.approve'").await == 1);
}

#[tokio::test]
async fn each_plan_type_refuses_a_need_by_date_inside_its_lead_time() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 1, 9, 0, 0));
    let plan = open_plan(&app, "2027-03").await;
    let officer = app.token_for("procurement_officer").await;
    let (site, c30) = (first_site(&app).await, concrete(&app).await);
    for (t, ok, too_soon, days) in [
        ("normal", day(2027, 3, 16), day(2027, 3, 15), "15"),
        ("changed", day(2027, 3, 8), day(2027, 3, 7), "7"),
        ("temporary", day(2027, 3, 4), day(2027, 3, 3), "3"),
        ("emergency", day(2027, 3, 1), day(2027, 2, 28), "0"),
    ] {
        let (status, v) = add(
            &app,
            &officer,
            plan,
            &line(c30, site, "2.5", "430", too_soon, t),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{t}: {v}");
        let f = &v["error"]["fields"]["need_by"];
        assert_eq!(f["code"], "lead_time", "{t}: {v}");
        let msg = f["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(days) && msg.contains(&ok.to_string()),
            "{t}: {msg}"
        );
        let (status, v) = add(&app, &officer, plan, &line(c30, site, "2.5", "430", ok, t)).await;
        assert_eq!(status, StatusCode::CREATED, "{t}: {v}");
        assert_eq!(v["lead_days"].to_string(), days);
    }
    // A quantity respects its unit's decimals (m³ takes two); an unknown type is a field error.
    let (status, v) = add(
        &app,
        &officer,
        plan,
        &line(c30, site, "2.345", "430", day(2027, 3, 20), "normal"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["quantity"]["code"], "quantity", "{v}");
    let (_, v) = add(
        &app,
        &officer,
        plan,
        &line(c30, site, "2", "430", day(2027, 3, 20), "urgent"),
    )
    .await;
    assert_eq!(v["error"]["fields"]["plan_type"]["code"], "invalid", "{v}");
    let (_, v) = add(
        &app,
        &officer,
        plan,
        &line(c30, site, "2", "430", day(2027, 4, 2), "normal"),
    )
    .await;
    assert_eq!(
        v["error"]["fields"]["need_by"]["code"], "need_by_after_month",
        "{v}"
    );
    let (status, _) = add(
        &app,
        &officer,
        plan,
        &line(999_999, site, "2", "430", day(2027, 3, 20), "normal"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown material is a field error"
    );
    let (status, _) = add(
        &app,
        &officer,
        999_999,
        &line(c30, site, "2", "430", day(2027, 3, 20), "normal"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Past months cannot be planned; a month has one plan; the plan shows its due date.
    let (_, v) = app
        .post_json("/api/plans", &officer, &json!({"month": "2027-02"}))
        .await;
    assert_eq!(v["error"]["fields"]["month"]["code"], "plan_month_past");
    let (status, v) = app
        .post_json("/api/plans", &officer, &json!({"month": "2027-03"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["month"]["code"], "taken");
    let (_, v) = app.get_json(&format!("/api/plans/{plan}"), &officer).await;
    assert_eq!(v["plan"]["due_on"], "2027-02-25");
    assert_eq!(
        v["plan"]["overdue"], true,
        "not handed in by the 25th of February"
    );
    assert_eq!(v["lines"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn site_managers_plan_for_their_own_site_and_lines_change_only_while_drafting() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 2, 10, 0, 0));
    let manager = app.token_for("site_manager").await;
    let (status, v) = app
        .post_json("/api/plans", &manager, &json!({"month": "2027-04"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let plan = v["id"].as_i64().unwrap_or_default();
    let own = first_site(&app).await;
    let c30 = concrete(&app).await;
    let mut body = line(c30, own, "12.5", "430", day(2027, 4, 10), "normal");
    body["site_id"] = Value::Null;
    let (status, l) = add(&app, &manager, plan, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    assert_eq!(l["site_id"], own, "a manager's line is for its own site");
    assert_eq!(l["line_value"], "5375.00");
    body["site_id"] = json!(own + 1);
    let (_, v) = add(&app, &manager, plan, &body).await;
    assert_eq!(
        v["error"]["fields"]["site_id"]["code"], "own_site_only",
        "{v}"
    );
    // The officer adds one for another site; the manager sees only its own site's lines.
    let officer = app.token_for("procurement_officer").await;
    let (status, other) = add(
        &app,
        &officer,
        plan,
        &line(c30, own + 1, "3", "430", day(2027, 4, 12), "normal"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    let (_, v) = app.get_json(&format!("/api/plans/{plan}"), &manager).await;
    assert_eq!(v["lines"].as_array().map(Vec::len), Some(1), "{v}");
    let (status, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/plan-lines/{}", other["id"]),
            &manager,
            &line(c30, own, "3", "430", day(2027, 4, 12), "normal"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the manager's line");
    // Editing and removing while a draft.
    let id = l["id"].as_i64().unwrap_or_default();
    let mut change = line(c30, own, "20", "430", day(2027, 4, 11), "changed");
    change["note"] = json!("二层楼板");
    let (status, v) = app
        .send_json(
            Method::PUT,
            &format!("/api/plan-lines/{id}"),
            &manager,
            &change,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["quantity"].clone(), v["plan_type"].clone()),
        (json!("20"), json!("changed"))
    );
    let (status, _) = app
        .send_json(
            Method::DELETE,
            &format!("/api/plan-lines/{}", other["id"]),
            &officer,
            &json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Only the officer submits; then nothing changes until the head sends it back.
    let (status, _) = app
        .post_json(&format!("/api/plans/{plan}/submit"), &manager, &json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post_json(&format!("/api/plans/{plan}/submit"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, v) = app
        .send_json(
            Method::PUT,
            &format!("/api/plan-lines/{id}"),
            &manager,
            &change,
        )
        .await;
    assert_eq!(v["error"]["code"], "plan_not_editable", "{v}");
    let head = app.token_for("procurement_head").await;
    let (status, v) = app
        .post_json(
            &format!("/api/plans/{plan}/decision"),
            &head,
            &json!({"approve": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["reason"]["code"], "required");
    let (status, _) = app
        .post_json(
            &format!("/api/plans/{plan}/decision"),
            &officer,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the head approves");
    let (status, v) = app
        .post_json(
            &format!("/api/plans/{plan}/decision"),
            &head,
            &json!({"approve": false, "reason": "数量偏大"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["plan"]["status"], "returned");
    assert_eq!(v["plan"]["return_reason"], "数量偏大");
    assert!(
        mail_kinds_to_role(&app, "site_manager")
            .await
            .contains(&"plan_returned".to_string())
    );
    let (status, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/plan-lines/{id}"),
            &manager,
            &change,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a returned plan is editable again");
    // The site manager reads plans but neither quotes nor contracts.
    let (status, _) = app.get_json("/api/contracts", &manager).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .get_json(&format!("/api/plan-lines/{id}/quotes"), &manager)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn fewer_than_three_quotes_block_the_choice_and_a_dearer_one_needs_a_written_reason() {
    let app = spawn_app().await;
    let line = approved_line(&app, "20", "430").await; // 8,600.00: three quotes, no contract
    let [a, b, c] = three_suppliers(&app).await;
    let (status, v) = quote(&app, line, a, "425").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = quote(&app, line, b, "418.5").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = quote(&app, line, b, "417").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one quote per supplier"
    );
    assert_eq!(v["error"]["fields"]["supplier_id"]["code"], "taken");
    let (_, cmp) = app
        .get_json(
            &format!("/api/plan-lines/{line}/quotes"),
            &app.token_for("procurement_officer").await,
        )
        .await;
    let qa = quote_of(&cmp, a);
    let (status, v) = choose(&app, line, qa, "better record").await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("three_quotes_needed")
        ),
        "{v}"
    );
    // A supplier that is not admitted cannot quote.
    let (status, v) = quote(&app, line, 999_999, "400").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["supplier_id"]["code"], "not_found");

    let (status, cmp) = quote(&app, line, c, "430").await;
    assert_eq!(status, StatusCode::CREATED, "{cmp}");
    // Cheapest first, the cheapest marked.
    let prices: Vec<&str> = cmp["quotes"]
        .as_array()
        .map(|qs| qs.iter().filter_map(|q| q["unit_price"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(prices.len(), 3);
    assert_eq!(cmp["quotes"][0]["supplier_id"], b);
    assert_eq!(cmp["quotes"][0]["cheapest"], true);
    assert_eq!(cmp["quotes"][1]["cheapest"], false);
    assert_eq!(cmp["quotes"][0]["amount"], "8370.00");

    let (status, v) = choose(&app, line, qa, "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["reason"]["code"], "reason_for_not_cheapest",
        "{v}"
    );
    let (status, v) = choose(&app, line, qa, "交货更快，质量记录更好").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "choice_pending", "waits for the head");
    assert_eq!(v["line"]["chosen_quote_id"], qa);
    let (status, v) = decide_choice(&app, line, true, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "ordered");
    assert_eq!(v["line"]["chosen_quote_id"], qa);
    assert_eq!(v["contract"], Value::Null, "8,500 yuan needs no contract");
    assert_eq!(app.count("contracts").await, 0);
    let (_, v) = choose(&app, line, quote_of(&cmp, b), "").await;
    assert_eq!(
        v["error"]["code"], "line_not_open_for_quotes",
        "chosen once"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'quote.choose'").await,
        1
    );
}

/// Quotes of three suppliers at `prices` (the first cheapest), the cheapest chosen; answers
/// the draft contract.
async fn contract_from_quotes(app: &TestApp, qty: &str, est: &str, prices: [&str; 3]) -> Value {
    let line = approved_line(app, qty, est).await;
    let suppliers = three_suppliers(app).await;
    let mut cmp = Value::Null;
    for (s, p) in suppliers.iter().zip(prices) {
        let (status, v) = quote(app, line, *s, p).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        cmp = v;
    }
    let (status, v) = choose(app, line, quote_of(&cmp, suppliers[0]), "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "choice_pending", "{v}");
    assert_eq!(
        v["contract"],
        Value::Null,
        "no contract before the head approves"
    );
    let (status, v) = decide_choice(app, line, true, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "contracted", "{v}");
    v["contract"].clone()
}

async fn submit_contract(app: &TestApp, id: i64) -> Value {
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(&format!("/api/contracts/{id}/submit"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

async fn sign(
    app: &TestApp,
    id: i64,
    level: &str,
    approve: bool,
    note: &str,
) -> (StatusCode, Value) {
    // The company's auditor signs the company level, the group's auditor the group level:
    // two people (rule 14).
    let auditor = if level == "group" {
        app.token(portal::demo::GROUP_AUDITOR, crate::helpers::DEMO_PASSWORD)
            .await
    } else {
        app.token_for("auditor").await
    };
    sign_as(app, &auditor, id, level, approve, note).await
}

async fn sign_as(
    app: &TestApp,
    token: &str,
    id: i64,
    level: &str,
    approve: bool,
    note: &str,
) -> (StatusCode, Value) {
    app.post_json(
        &format!("/api/contracts/{id}/signoffs"),
        token,
        &json!({"level": level, "approve": approve, "note": note}),
    )
    .await
}

#[tokio::test]
async fn a_chosen_quote_of_10000_becomes_a_contract_that_company_audit_signs_within_three_days() {
    let app = spawn_app().await;
    let c = contract_from_quotes(&app, "10", "1000", ["1000", "1010", "1020"]).await;
    assert_eq!(c["total"], "10000.00", "{c}");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["needs_group"], false);
    assert_eq!(c["source"], "quote");
    assert!(
        c["number"].as_str().is_some_and(|n| n == "HT2027-0001"),
        "{c}"
    );
    let levels: Vec<&str> = c["signoffs"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["level"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(levels, ["company"]);
    let id = c["id"].as_i64().unwrap_or_default();

    // The auditor cannot sign a draft; the officer sets the dates and submits it.
    let (_, v) = sign(&app, id, "company", true, "").await;
    assert_eq!(v["error"]["code"], "contract_state");
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .send_json(
            Method::PUT,
            &format!("/api/contracts/{id}"),
            &officer,
            &json!({"signed_on": "2027-03-02", "starts_on": "2027-04-01", "ends_on": "2027-03-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["ends_on"]["code"], "end_before_start");
    let (status, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/contracts/{id}"),
            &officer,
            &json!({"signed_on": "2027-03-02", "starts_on": "2027-04-01", "ends_on": "2027-06-30"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let submitted = app.state.now();
    let v = submit_contract(&app, id).await;
    assert_eq!(v["status"], "in_signoff");
    assert!(
        mail_kinds_to_role(&app, "auditor")
            .await
            .contains(&"contract_signoff".to_string())
    );
    let (_, v) = sign(&app, id, "group", true, "").await;
    assert_eq!(v["error"]["code"], "signoff_not_required");

    // Three days exactly is in time; a second later it is overdue, on the ledger and the API.
    app.clock.set(submitted + Duration::days(3));
    let auditor = app.token_for("auditor").await;
    let (_, list) = app.get_json("/api/contracts?overdue=true", &auditor).await;
    assert_eq!(list, json!([]));
    app.clock
        .set(submitted + Duration::days(3) + Duration::seconds(1));
    let auditor = app.token_for("auditor").await;
    let (_, list) = app.get_json("/api/contracts?overdue=true", &auditor).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["signoffs"][0]["overdue"], true);
    assert_eq!(list[0]["overdue"], true);

    let (status, _) = sign(&app, id, "company", false, "").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a note"
    );
    let (status, v) = sign(&app, id, "company", true, "条款齐全").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["contract"]["status"], "effective", "{v}");
    assert_eq!(v["contract"]["overdue"], false);
    assert_eq!(v["items"][0]["amount"], "10000.00");
    let (_, v) = sign(&app, id, "company", true, "").await;
    assert_eq!(v["error"]["code"], "contract_state", "signed once");
    assert!(
        mail_kinds_to_role(&app, "procurement_officer")
            .await
            .contains(&"contract_effective".to_string())
    );
}

#[tokio::test]
async fn a_contract_of_50000_needs_group_audit_too_which_is_overdue_after_seven_days() {
    let app = spawn_app().await;
    // Estimated 49,999.99 (quotes and a contract); the cheapest quote comes to 50,000.00.
    let c = contract_from_quotes(&app, "10", "4999.999", ["5000", "5100", "5200"]).await;
    assert_eq!(c["total"], "50000.00", "{c}");
    assert_eq!(c["needs_group"], true);
    let id = c["id"].as_i64().unwrap_or_default();
    let submitted = app.state.now();
    submit_contract(&app, id).await;
    let flags = |v: &Value| -> Vec<(String, bool)> {
        v["signoffs"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|s| {
                        (
                            s["level"].as_str().unwrap_or_default().to_string(),
                            s["overdue"] == true,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let at = |secs: i64| submitted + Duration::seconds(secs);
    let day_secs = 86_400;
    for (when, company, group) in [
        (at(3 * day_secs), false, false),
        (at(3 * day_secs + 1), true, false),
        (at(7 * day_secs), true, false),
        (at(7 * day_secs + 1), true, true),
    ] {
        app.clock.set(when);
        let auditor = app.token_for("auditor").await;
        let (_, v) = app
            .get_json(&format!("/api/contracts/{id}"), &auditor)
            .await;
        assert_eq!(
            flags(&v["contract"]),
            vec![
                ("company".to_string(), company),
                ("group".to_string(), group)
            ],
            "{when}"
        );
    }
    let (status, v) = sign(&app, id, "company", true, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["contract"]["status"], "in_signoff",
        "group audit still to sign"
    );
    assert_eq!(
        flags(&v["contract"]),
        vec![("company".to_string(), false), ("group".to_string(), true)]
    );
    // The auditor who signed the company level cannot give the group level too (rule 14).
    let company_auditor = app.token_for("auditor").await;
    let (status, v) = sign_as(&app, &company_auditor, id, "group", true, "").await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("signoff_same_signer")
        ),
        "{v}"
    );
    // A group rejection sends it back to procurement, who may resubmit: a new round.
    let (_, v) = sign(&app, id, "group", false, "单价高于市场价").await;
    assert_eq!(v["contract"]["status"], "rejected", "{v}");
    let v = submit_contract(&app, id).await;
    assert_eq!(
        (v["status"].clone(), v["round"].clone()),
        (json!("in_signoff"), json!(2))
    );
    sign(&app, id, "company", true, "").await;
    let (_, v) = sign(&app, id, "group", true, "").await;
    assert_eq!(v["contract"]["status"], "effective", "{v}");
    assert_eq!(v["history"].as_array().map(Vec::len), Some(4));

    // The ledger filters by status and supplier and downloads as CSV and XLSX.
    let officer = app.token_for("procurement_officer").await;
    let (_, list) = app
        .get_json("/api/contracts?status=effective", &officer)
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (_, list) = app.get_json("/api/contracts?status=draft", &officer).await;
    assert_eq!(list, json!([]));
    let supplier = c["supplier_id"].as_i64().unwrap_or_default();
    let (_, list) = app
        .get_json(
            &format!("/api/contracts?supplier_id={}", supplier + 1000),
            &officer,
        )
        .await;
    assert_eq!(list, json!([]));
    let r = app.get("/api/contracts/export?format=csv", &officer).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap_or_default();
    assert!(
        text.contains("HT2027-0001") && text.contains("50000"),
        "{text}"
    );
    let r = app.get("/api/contracts/export?format=xlsx", &officer).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.get("/api/contracts/export?format=pdf", &officer).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_tender_awards_contract_price_becomes_the_listing_price_once_approved() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 2, 10, 0, 0));
    let rebar = rebar(&app).await;
    // The demo's steel supplier lists rebar in the supermarket.
    let listing = entity::listing::Entity::find()
        .filter(entity::listing::Column::MaterialId.eq(rebar))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("the demo lists rebar"));
    let steel = listing.supplier_id;
    // The head turns a tender's award into a contract through create_contract, in the
    // transaction of the award.
    let head = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("procurement_head@demo.test"))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .and_then(|u| portal::auth::CurrentUser::from_model(&u))
        .unwrap_or_else(|| panic!("the demo has a procurement head"));
    let txn = app.state.db.begin_write().await.unwrap();
    let c = portal::procurement::store::create_contract(
        &txn,
        &portal::auth::Act::of(&app.state, &head),
        portal::procurement::store::NewContract {
            supplier_id: steel,
            items: vec![
                portal::procurement::store::ContractItem {
                    material_id: rebar,
                    quantity: "20".parse().unwrap_or_default(),
                    unit_price: "3700".parse().unwrap_or_default(),
                },
                portal::procurement::store::ContractItem {
                    material_id: concrete(&app).await,
                    quantity: "10".parse().unwrap_or_default(),
                    unit_price: "420".parse().unwrap_or_default(),
                },
            ],
            source: portal::procurement::store::ContractSource::Tender {
                tender_id: entity::TenderId(7),
            },
            signed_on: Some(day(2027, 3, 2)),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e:?}"));
    txn.commit().await.unwrap();
    assert_eq!(c.total.value().to_string(), "78200.00");
    assert!(c.needs_group);
    let officer = app.token_for("procurement_officer").await;
    let (_, d) = app
        .get_json(&format!("/api/contracts/{}", c.id), &officer)
        .await;
    assert_eq!(d["contract"]["source"], "tender");
    assert_eq!(d["contract"]["tender_id"], 7);
    let item = |m: i64| {
        d["items"]
            .as_array()
            .and_then(|is| is.iter().find(|i| i["material_id"] == m))
            .and_then(|i| i["id"].as_i64())
            .unwrap_or_default()
    };
    let (rebar_item, concrete_item) = (item(rebar), item(concrete(&app).await));
    let adopt = |item: i64| {
        let officer = officer.clone();
        let app = &app;
        async move {
            app.post_json(
                &format!("/api/contract-items/{item}/adopt-price"),
                &officer,
                &json!({}),
            )
            .await
        }
    };
    let (_, v) = adopt(rebar_item).await;
    assert_eq!(v["error"]["code"], "contract_not_effective");
    submit_contract(&app, c.id).await;
    sign(&app, c.id, "company", true, "").await;
    let (_, v) = sign(&app, c.id, "group", true, "").await;
    assert_eq!(v["contract"]["status"], "effective", "{v}");
    let (_, v) = adopt(concrete_item).await;
    assert_eq!(v["error"]["code"], "no_listing_for_material", "{v}");
    let (status, v) = adopt(rebar_item).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v[0]["listing_id"], listing.id.get());
    assert_eq!(v[0]["status"], "pending");
    let (_, again) = adopt(rebar_item).await;
    assert_eq!(again["error"]["code"], "price_already_requested");
    // Rule 14: the officer who asked for the price does not approve it; the head does.
    let (status, r) = app
        .post_json(
            &format!("/api/price-changes/{}/decision", v[0]["id"]),
            &officer,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert_eq!(r["error"]["code"], "own_request");
    // Its page offers the officer no approval, and says who decides.
    let page = browser(&app, "procurement_officer").await;
    let html = text(&app, &page, "/price-changes").await;
    assert!(
        html.contains("own-request")
            && !html.contains(&format!("action=\"/price-changes/{}\"", v[0]["id"])),
        "{html}"
    );
    // Approved like any price change, it becomes the listing's price.
    let head = app.token_for("procurement_head").await;
    let (status, r) = app
        .post_json(
            &format!("/api/price-changes/{}/decision", v[0]["id"]),
            &head,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let after = entity::listing::Entity::find_by_id(listing.id)
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .map(|l| l.price.value().normalize().to_string());
    assert_eq!(after.as_deref(), Some("3700"));
}

#[tokio::test]
async fn suppliers_and_site_users_get_403_from_procurement() {
    let app = spawn_app().await;
    let line = approved_line(&app, "2", "430").await;
    let plan = {
        use sea_orm::EntityTrait;
        entity::plan_line::Entity::find_by_id(line)
            .one(&app.state.db.read)
            .await
            .ok()
            .flatten()
            .map(|l| l.plan_id)
            .unwrap_or_default()
    };
    for role in ["supplier", "site_user"] {
        let token = app.token_for(role).await;
        for (method, path, body) in [
            (Method::GET, "/api/plans".to_string(), json!(null)),
            (
                Method::POST,
                "/api/plans".to_string(),
                json!({"month": "2027-05"}),
            ),
            (Method::GET, format!("/api/plans/{plan}"), json!(null)),
            (
                Method::POST,
                format!("/api/plans/{plan}/lines"),
                line_body(&app).await,
            ),
            (Method::POST, format!("/api/plans/{plan}/submit"), json!({})),
            (
                Method::POST,
                format!("/api/plans/{plan}/decision"),
                json!({"approve": true}),
            ),
            (
                Method::GET,
                format!("/api/plan-lines/{line}/quotes"),
                json!(null),
            ),
            (
                Method::POST,
                format!("/api/plan-lines/{line}/quotes"),
                json!({"supplier_id": 1, "unit_price": "1", "delivery_days": 1}),
            ),
            (
                Method::POST,
                format!("/api/plan-lines/{line}/choice"),
                json!({"quote_id": 1}),
            ),
            (
                Method::POST,
                format!("/api/plan-lines/{line}/choice/decision"),
                json!({"approve": true}),
            ),
            (Method::GET, "/api/contracts".to_string(), json!(null)),
            (Method::GET, "/api/contracts/1".to_string(), json!(null)),
            (
                Method::GET,
                "/api/contracts/export?format=csv".to_string(),
                json!(null),
            ),
            (
                Method::POST,
                "/api/contracts/1/signoffs".to_string(),
                json!({"level": "company", "approve": true}),
            ),
            (
                Method::POST,
                "/api/contract-items/1/adopt-price".to_string(),
                json!({}),
            ),
        ] {
            let (status, v) = app.send_json(method.clone(), &path, &token, &body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}: {v}");
        }
    }
    // And the pages.
    for role in ["supplier", "site_user"] {
        let client = browser(&app, role).await;
        for path in ["/plans", "/contracts", "/plans/1", "/contracts/1"] {
            let r = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role} {path}");
        }
        let r = client
            .get(app.url(&format!("/plan-lines/{line}/quotes")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role} quotes");
    }
}

async fn line_body(app: &TestApp) -> Value {
    line(
        concrete(app).await,
        first_site(app).await,
        "1",
        "430",
        day(2027, 4, 20),
        "normal",
    )
}

async fn browser(app: &TestApp, role: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
    client
}

async fn english(app: &TestApp, client: &reqwest::Client) {
    let r = client.get(app.url("/lang/en?next=/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
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

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_plan_quote_and_contract_pages_work_in_both_languages() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 2, 10, 0, 0));
    let [a, b, c] = three_suppliers(&app).await;
    let officer = browser(&app, "procurement_officer").await;
    let html = text(&app, &officer, "/plans").await;
    assert!(
        html.contains("月度采购计划") && html.contains("id=\"open-plan-form\""),
        "{html}"
    );
    let csrf = extract_csrf(&html);
    let r = post(
        &app,
        &officer,
        "/plans",
        &[("csrf_token", &csrf), ("month", "2027-04")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plan_path = location(&r);
    assert!(plan_path.starts_with("/plans/"), "{plan_path}");
    let html = text(&app, &officer, &plan_path).await;
    assert!(
        html.contains("id=\"add-line-form\"") && html.contains("提前期"),
        "{html}"
    );

    // A line inside the lead time is refused beside its field; then added.
    let c30 = concrete(&app).await.to_string();
    let site = first_site(&app).await.to_string();
    let add_path = format!("{plan_path}/lines");
    let form = |need_by: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("material_id", c30.clone()),
            ("site_id", site.clone()),
            ("quantity", "20".to_string()),
            ("est_price", "430".to_string()),
            ("need_by", need_by.to_string()),
            ("plan_type", "normal".to_string()),
            ("note", "3# 楼".to_string()),
        ]
    };
    let r = officer
        .post(app.url(&add_path))
        .form(&form("2027-03-10"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("id=\"need-by-error\"") && html.contains("15"),
        "{html}"
    );
    let r = officer
        .post(app.url(&add_path))
        .form(&form("2027-04-10"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &officer, &plan_path).await;
    assert!(
        html.contains("8,600.00") && html.contains("data-label="),
        "{html}"
    );
    let r = post(
        &app,
        &officer,
        &format!("{plan_path}/submit"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The head approves on the page, in English; the route shows.
    let head = browser(&app, "procurement_head").await;
    english(&app, &head).await;
    let html = text(&app, &head, &plan_path).await;
    assert!(
        html.contains("Approve the plan") && html.contains("id=\"approve-plan-form\""),
        "{html}"
    );
    let hcsrf = extract_csrf(&html);
    let r = post(
        &app,
        &head,
        &format!("{plan_path}/decision"),
        &[("csrf_token", &hcsrf), ("action", "approve")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &head, &plan_path).await;
    assert!(
        html.contains("Three quotes") && html.contains("data-status=\"approved\""),
        "{html}"
    );
    let line_id = html
        .split("href=\"/plan-lines/")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .unwrap_or_else(|| panic!("no quotes link: {html}"))
        .to_string();

    // Quotes on the page: three recorded, the dearer chosen without a reason is refused.
    let quotes_path = format!("/plan-lines/{line_id}/quotes");
    let html = text(&app, &officer, &quotes_path).await;
    assert!(
        html.contains("比质比价") && html.contains("id=\"quote-form\""),
        "{html}"
    );
    for (s, p) in [(a, "425"), (b, "418"), (c, "430")] {
        let r = post(
            &app,
            &officer,
            &quotes_path,
            &[
                ("csrf_token", &csrf),
                ("supplier_id", &s.to_string()),
                ("unit_price", p),
                ("delivery_days", "3"),
                ("quality_notes", "合格"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "quote of {s}");
    }
    let html = text(&app, &officer, &quotes_path).await;
    assert!(
        html.contains("class=\"cheapest\"")
            && html.contains("最低价")
            && html.contains("id=\"choice-form\""),
        "{html}"
    );
    let dear = html
        .split("data-quote=\"")
        .nth(2)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_string();
    let choice = format!("/plan-lines/{line_id}/choice");
    let r = post(
        &app,
        &officer,
        &choice,
        &[("csrf_token", &csrf), ("quote_id", &dear)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("id=\"reason-error\""), "{html}");
    let r = post(
        &app,
        &officer,
        &choice,
        &[
            ("csrf_token", &csrf),
            ("quote_id", &dear),
            ("reason", "质量更稳定"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &officer, &quotes_path).await;
    assert!(
        html.contains("质量更稳定")
            && html.contains("选择待审批")
            && html.contains("id=\"choice-pending\"")
            && !html.contains("id=\"approve-choice-form\""),
        "the officer sees the choice waiting, and no way to approve it: {html}"
    );
    // The head approves it on the same page: sending it back needs a reason, kept on refusal.
    let head = browser(&app, "procurement_head").await;
    let html = text(&app, &head, &quotes_path).await;
    assert!(html.contains("id=\"approve-choice-form\""), "{html}");
    let head_csrf = extract_csrf(&html);
    let decision = format!("/plan-lines/{line_id}/choice/decision");
    let r = post(
        &app,
        &head,
        &decision,
        &[
            ("csrf_token", &head_csrf),
            ("action", "return"),
            ("reason", " "),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("id=\"reason-error\""), "{html}");
    let r = post(
        &app,
        &head,
        &decision,
        &[("csrf_token", &head_csrf), ("action", "approve")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &officer, &quotes_path).await;
    assert!(
        html.contains("质量更稳定") && html.contains("已订货"),
        "{html}"
    );

    // A contract (made through the quotes of a second line) on its page: dates, submission,
    // the auditor's sign-off; the ledger lists it and downloads.
    let line2 = {
        app.clock.set(shanghai(2027, 3, 2, 11, 0, 0));
        let plan = open_plan(&app, "2027-05").await;
        let token = app.token_for("procurement_officer").await;
        let (status, l) = add(
            &app,
            &token,
            plan,
            &line(
                concrete(&app).await,
                first_site(&app).await,
                "30",
                "430",
                day(2027, 5, 10),
                "normal",
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{l}");
        submit_and_approve(&app, plan).await;
        l["id"].as_i64().unwrap_or_default()
    };
    for (s, p) in [(a, "425"), (b, "418"), (c, "430")] {
        quote(&app, line2, s, p).await;
    }
    let (_, cmp) = app
        .get_json(
            &format!("/api/plan-lines/{line2}/quotes"),
            &app.token_for("procurement_officer").await,
        )
        .await;
    let officer = browser(&app, "procurement_officer").await;
    let html = text(&app, &officer, &format!("/plan-lines/{line2}/quotes")).await;
    let csrf = extract_csrf(&html);
    let r = post(
        &app,
        &officer,
        &format!("/plan-lines/{line2}/choice"),
        &[
            ("csrf_token", &csrf),
            ("quote_id", &quote_of(&cmp, b).to_string()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/plan-lines/{line2}/quotes"));
    // An hour later on the clock: the head signs in again.
    let head = browser(&app, "procurement_head").await;
    let html = text(&app, &head, &format!("/plan-lines/{line2}/quotes")).await;
    let r = post(
        &app,
        &head,
        &format!("/plan-lines/{line2}/choice/decision"),
        &[("csrf_token", &extract_csrf(&html)), ("action", "approve")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let contract_path = location(&r);
    assert!(contract_path.starts_with("/contracts/"), "{contract_path}");
    let html = text(&app, &officer, &contract_path).await;
    assert!(
        html.contains("12,540.00") && html.contains("id=\"contract-dates-form\""),
        "{html}"
    );
    let r = post(
        &app,
        &officer,
        &contract_path,
        &[
            ("csrf_token", &csrf),
            ("signed_on", "2027-03-02"),
            ("starts_on", "2027-05-01"),
            ("ends_on", "2027-04-30"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &app,
        &officer,
        &contract_path,
        &[
            ("csrf_token", &csrf),
            ("signed_on", "2027-03-02"),
            ("starts_on", "2027-05-01"),
            ("ends_on", "2027-05-31"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(
        &app,
        &officer,
        &format!("{contract_path}/submit"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let auditor = browser(&app, "auditor").await;
    english(&app, &auditor).await;
    let html = text(&app, &auditor, &contract_path).await;
    assert!(
        html.contains("id=\"signoff-form\"")
            && html.contains("Company audit")
            && html.contains("data-status=\"in_signoff\""),
        "{html}"
    );
    let acsrf = extract_csrf(&html);
    {
        // Each decision is its own button; rejecting sits behind a confirmation.
        let doc = scraper::Html::parse_document(&html);
        let found = |css: &str| {
            doc.select(&scraper::Selector::parse(css).unwrap())
                .next()
                .is_some()
        };
        assert!(found(
            "#signoff-form button[type=submit][name=decision][value=approve]"
        ));
        assert!(found(
            "#signoff-form details.confirm button.danger[type=submit][name=decision][value=reject]"
        ));
        assert!(!found("#signoff-form input[name=decision]"));
    }
    // A form posted without a decision decides nothing.
    let r = post(
        &app,
        &auditor,
        &format!("{contract_path}/signoffs"),
        &[("csrf_token", &acsrf), ("level", "company"), ("note", "OK")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = r.text().await.unwrap_or_default();
    assert!(refused.contains("href=\"#signoff-decision\""), "{refused}");
    assert!(refused.contains("data-status=\"in_signoff\""), "{refused}");
    let r = post(
        &app,
        &auditor,
        &format!("{contract_path}/signoffs"),
        &[
            ("csrf_token", &acsrf),
            ("level", "company"),
            ("decision", "reject"),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a note"
    );
    let r = post(
        &app,
        &auditor,
        &format!("{contract_path}/signoffs"),
        &[
            ("csrf_token", &acsrf),
            ("level", "company"),
            ("decision", "approve"),
            ("note", "OK"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &auditor, &contract_path).await;
    assert!(html.contains("data-status=\"effective\""), "{html}");
    for (client, words) in [(&officer, "合同台帐"), (&auditor, "Contract ledger")] {
        let html = text(
            &app,
            client,
            "/contracts?status=effective&supplier_id=&overdue=on",
        )
        .await;
        assert!(html.contains(words), "{html}");
        let html = text(&app, client, "/contracts?status=effective").await;
        assert!(
            html.contains("HT2027-0001") && html.contains("data-label="),
            "{html}"
        );
    }
    let r = auditor
        .get(app.url("/contracts/download/xlsx?status=effective"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = text(&app, &auditor, "/plans").await;
    assert!(html.contains("Monthly procurement plans"), "{html}");
}

#[tokio::test]
async fn a_plan_line_too_large_to_value_is_refused_on_its_field_not_a_panic() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 2, 10, 0, 0));
    let manager = app.token_for("site_manager").await;
    let (status, v) = app
        .post_json("/api/plans", &manager, &json!({"month": "2027-04"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let plan = v["id"].as_i64().unwrap_or_default();
    let own = first_site(&app).await;
    let c30 = concrete(&app).await;
    // The probe: the product (8.1 × 10^30) is beyond any decimal.
    let body = line(
        c30,
        own,
        "9000000000000000",
        "900000000000000",
        day(2027, 4, 10),
        "normal",
    );
    let (status, v) = add(&app, &manager, plan, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "validation_failed", "{v}");
    assert_eq!(
        v["error"]["fields"]["est_price"]["code"], "too_large",
        "{v}"
    );
    // Each factor in range, the value beyond what an amount holds.
    let body = line(
        c30,
        own,
        "9000000000000000",
        "1000",
        day(2027, 4, 10),
        "normal",
    );
    let (status, v) = add(&app, &manager, plan, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["quantity"]["code"], "too_large", "{v}");
    // A quantity beyond the column, and one with more places than its unit takes.
    let body = line(
        c30,
        own,
        "90000000000000000000",
        "430",
        day(2027, 4, 10),
        "normal",
    );
    let (status, v) = add(&app, &manager, plan, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["quantity"]["code"], "too_large", "{v}");
    let body = line(c30, own, "0.0004", "430", day(2027, 4, 10), "normal");
    let (status, v) = add(&app, &manager, plan, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["quantity"]["code"], "quantity", "{v}");
    // The message is in the caller's language, and the app still answers.
    let zh = v["error"]["fields"]["quantity"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!zh.is_empty(), "{v}");
    let body = line(c30, own, "12.5", "430", day(2027, 4, 10), "normal");
    let (status, l) = add(&app, &manager, plan, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    assert_eq!(l["line_value"], "5375.00");
}

#[tokio::test]
async fn a_quote_beyond_a_unit_prices_range_or_places_is_refused_on_its_field() {
    let app = spawn_app().await;
    let line = approved_line(&app, "20", "430").await;
    let [a, _, _] = three_suppliers(&app).await;
    let (status, v) = quote(&app, line, a, "1000000000.0001").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["unit_price"]["code"], "too_large",
        "{v}"
    );
    let (status, v) = quote(&app, line, a, "0.00001").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["unit_price"]["code"], "too_many_places",
        "{v}"
    );
    let (status, v) = quote(&app, line, a, "440").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
}

#[tokio::test]
async fn the_plan_page_reads_grouped_numbers_and_shows_a_value_too_large_beside_its_field() {
    let app = spawn_app().await;
    app.clock.set(shanghai(2027, 3, 2, 10, 0, 0));
    let officer = browser(&app, "procurement_officer").await;
    let html = text(&app, &officer, "/plans").await;
    let csrf = extract_csrf(&html);
    let r = post(
        &app,
        &officer,
        "/plans",
        &[("csrf_token", &csrf), ("month", "2027-04")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plan_path = location(&r);
    let add_path = format!("{plan_path}/lines");
    let c30 = concrete(&app).await.to_string();
    let site = first_site(&app).await.to_string();
    let form = |quantity: &str, price: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("material_id", c30.clone()),
            ("site_id", site.clone()),
            ("quantity", quantity.to_string()),
            ("est_price", price.to_string()),
            ("need_by", "2027-04-10".to_string()),
            ("plan_type", "normal".to_string()),
            ("note", String::new()),
        ]
    };
    let send = |body: Vec<(&'static str, String)>| {
        let officer = officer.clone();
        let url = app.url(&add_path);
        async move { officer.post(url).form(&body).send().await.unwrap() }
    };
    // Each factor fits; their value does not: the page says so beside the quantity.
    let r = send(form("9000000000000000", "1000")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("data-field=\"quantity\"")
            && html.contains(&portal::i18n::Locale::ZhCn.t("validation-too_large")),
        "{html}"
    );
    // A comma that does not group thousands is not read as one.
    let r = send(form("1,5", "430")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Numbers as the pages write them are read back.
    let r = send(form("1,000", "¥1,430.50")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = text(&app, &officer, &plan_path).await;
    assert!(html.contains("1,430,500.00"), "{html}");
}

#[tokio::test]
async fn one_auditor_signing_both_levels_at_once_gets_one_of_them() {
    let app = spawn_app().await;
    let c = contract_from_quotes(&app, "10", "4999.999", ["5000", "5100", "5200"]).await;
    assert_eq!(c["needs_group"], true, "{c}");
    let id = c["id"].as_i64().unwrap_or_default();
    submit_contract(&app, id).await;
    let auditor = app.token_for("auditor").await;
    // Both levels at the same moment, as from two browsers or two instances.
    let (a, b) = tokio::join!(
        sign_as(&app, &auditor, id, "company", true, ""),
        sign_as(&app, &auditor, id, "group", true, ""),
    );
    let oks = [&a, &b]
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .count();
    assert_eq!(oks, 1, "exactly one level is his: {a:?} {b:?}");
    let refused = if a.0 == StatusCode::OK { &b } else { &a };
    assert_eq!(
        refused.1["error"]["code"], "signoff_same_signer",
        "{refused:?}"
    );
    let (_, v) = app
        .get_json(&format!("/api/contracts/{id}"), &auditor)
        .await;
    assert_eq!(v["contract"]["status"], "in_signoff", "{v}");
}

#[tokio::test]
async fn a_quote_choice_waits_for_the_head_and_a_choice_sent_back_opens_the_line_again() {
    let app = spawn_app().await;
    let line = approved_line(&app, "20", "430").await; // 8,600.00: below the contract threshold
    let suppliers = three_suppliers(&app).await;
    let mut cmp = Value::Null;
    for (s, p) in suppliers.iter().zip(["418", "425", "430"]) {
        let (status, v) = quote(&app, line, *s, p).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        cmp = v;
    }
    let cheapest = quote_of(&cmp, suppliers[0]);
    let (_, v) = decide_choice(&app, line, true, "").await;
    assert_eq!(
        v["error"]["code"], "choice_not_pending",
        "nothing chosen yet: {v}"
    );

    let (status, v) = choose(&app, line, cheapest, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "choice_pending");
    assert!(
        mail_kinds_to_role(&app, "procurement_head")
            .await
            .contains(&"quote_choice_pending".to_string())
    );
    // The head's home counts it; the officer cannot decide it, nor choose again meanwhile.
    let head_page = browser(&app, "procurement_head").await;
    let home = text(&app, &head_page, "/").await;
    assert!(home.contains("/plan-lines?status=choice_pending"), "{home}");
    let officer = app.token_for("procurement_officer").await;
    let (status, _) = app
        .post_json(
            &format!("/api/plan-lines/{line}/choice/decision"),
            &officer,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, v) = choose(&app, line, cheapest, "").await;
    assert_eq!(v["error"]["code"], "line_not_open_for_quotes", "{v}");

    // Sending it back needs a reason; refused, nothing changes.
    let decisions = "audit_log WHERE action LIKE 'quote.choice%'";
    let (status, v) = decide_choice(&app, line, false, "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["reason"]["code"], "required", "{v}");
    assert_eq!(app.count(decisions).await, 0);
    let (_, v) = app
        .get_json(&format!("/api/plan-lines/{line}/quotes"), &officer)
        .await;
    assert_eq!(v["line"]["status"], "choice_pending", "unchanged: {v}");
    let (status, v) = decide_choice(&app, line, false, "价格偏高，再询一家").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "routed", "open again: {v}");
    assert_eq!(v["line"]["chosen_quote_id"], Value::Null);
    assert_eq!(v["line"]["choice_return_reason"], "价格偏高，再询一家");
    assert!(
        mail_kinds_to_role(&app, "procurement_officer")
            .await
            .contains(&"quote_choice_returned".to_string())
    );

    // Chosen again and approved: ordered, the head named as who decided; decided once.
    let (status, v) = choose(&app, line, cheapest, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = decide_choice(&app, line, true, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "ordered");
    assert_eq!(
        v["line"]["choice_decided_by"],
        app.user_id("procurement_head@demo.test").await
    );
    assert_eq!(v["line"]["choice_return_reason"], Value::Null);
    let (_, v) = decide_choice(&app, line, false, "再看看").await;
    assert_eq!(v["error"]["code"], "choice_not_pending", "{v}");
    for (action, n) in [
        ("quote.choose", 2),
        ("quote.choice_return", 1),
        ("quote.choice_approve", 1),
    ] {
        assert_eq!(
            app.count(&format!("audit_log WHERE action = '{action}'"))
                .await,
            n,
            "{action}"
        );
    }
}

#[tokio::test]
async fn whoever_chose_a_quote_never_approves_the_choice_even_once_made_head() {
    let app = spawn_app().await;
    let c_line = approved_line(&app, "20", "430").await;
    let suppliers = three_suppliers(&app).await;
    let mut cmp = Value::Null;
    for (s, p) in suppliers.iter().zip(["418", "425", "430"]) {
        cmp = quote(&app, c_line, *s, p).await.1;
    }
    let (status, v) = choose(&app, c_line, quote_of(&cmp, suppliers[0]), "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // The officer who chose becomes a procurement head.
    let admin = app.token_for("admin").await;
    let id = app.user_id("procurement_officer@demo.test").await;
    let (status, v) = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &json!({"role": "procurement_head"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let promoted = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            &format!("/api/plan-lines/{c_line}/choice/decision"),
            &promoted,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("own_request")),
        "{v}"
    );
    let page = browser(&app, "procurement_officer").await;
    let html = text(&app, &page, &format!("/plan-lines/{c_line}/quotes")).await;
    assert!(
        !html.contains("id=\"approve-choice-form\"") && html.contains("id=\"choice-own\""),
        "{html}"
    );
    // Another head approves it.
    let (status, v) = decide_choice(&app, c_line, true, "").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["line"]["status"], "ordered");
}
