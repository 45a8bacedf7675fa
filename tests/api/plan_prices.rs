//! Issue 15: plan prices (计划价) set per material and year with their history, every issue
//! carrying the plan price in force, and the monthly price-difference table (材料差价汇总表)
//! adding up to the cent, per line and in total.

use crate::helpers::{TestApp, dec, spawn_app};
use chrono::Datelike;
use entity::{ListingId, audit_log, listing, movement};
use portal::settlement::rules::Period;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A material of the demo catalogue (not the first, which the demo gives a history).
async fn some_material(app: &TestApp, token: &str) -> i64 {
    let (status, m) = app.get_json("/api/materials", token).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let list = m
        .as_array()
        .cloned()
        .or_else(|| m["items"].as_array().cloned())
        .unwrap_or_default();
    list.get(2)
        .and_then(|x| x["id"].as_i64())
        .unwrap_or_else(|| panic!("the demo has materials: {m}"))
}

async fn set(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    app.post_json("/api/plan-prices", token, body).await
}

fn year(app: &TestApp) -> i32 {
    app.state.today().year()
}

#[tokio::test]
async fn setting_a_plan_price_again_keeps_the_history_and_each_setting_is_audited() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let material = some_material(&app, &officer).await;
    let y = year(&app) + 1;
    let (status, first) = set(
        &app,
        &officer,
        &json!({"material_id": material, "year": y, "unit_price": "3800.5", "note": "年初计划"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(dec(&first["unit_price"]), Decimal::new(38005, 1));
    let (status, second) = set(
        &app,
        &head,
        &json!({"material_id": material, "year": y, "unit_price": "3900.1234"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");

    let finance = app.token_for("finance").await;
    let (status, list) = app
        .get_json(&format!("/api/plan-prices?year={y}"), &finance)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let entry = list["prices"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["material"]["id"] == material))
        .cloned()
        .unwrap_or_else(|| panic!("the material is listed: {list}"));
    assert_eq!(entry["current"]["id"], second["id"]);
    assert_eq!(
        dec(&entry["current"]["unit_price"]),
        Decimal::new(39001234, 4)
    );
    assert_eq!(entry["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(entry["history"][0]["id"], first["id"]);
    assert_eq!(entry["history"][0]["note"], "年初计划");

    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("plan_price.set"))
        .all(&app.state.db.read)
        .await
        .unwrap();
    let ids: Vec<String> = audited.iter().map(|a| a.entity_id.clone()).collect();
    assert!(
        ids.contains(&first["id"].to_string()) && ids.contains(&second["id"].to_string()),
        "{ids:?}"
    );
    // Another year is untouched.
    let (_, other) = app
        .get_json(&format!("/api/plan-prices?year={}", y + 1), &finance)
        .await;
    assert_eq!(other["prices"].as_array().map(Vec::len), Some(0), "{other}");
}

#[tokio::test]
async fn only_procurement_sets_plan_prices_and_procurement_finance_and_audit_read_them() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    let material = some_material(&app, &officer).await;
    let body = json!({"material_id": material, "year": year(&app), "unit_price": "10"});
    for role in [
        "finance",
        "auditor",
        "warehouse_keeper",
        "site_user",
        "site_manager",
        "supplier",
        "admin",
    ] {
        let token = app.token_for(role).await;
        let (status, v) = set(&app, &token, &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} sets: {v}");
    }
    for (role, may_read) in [
        ("procurement_officer", true),
        ("procurement_head", true),
        ("finance", true),
        ("auditor", true),
        ("warehouse_keeper", false),
        ("site_manager", false),
        ("supplier", false),
    ] {
        let token = app.token_for(role).await;
        for path in ["/api/plan-prices", "/api/price-differences"] {
            let (status, v) = app.get_json(path, &token).await;
            let want = if may_read {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, want, "{role} reads {path}: {v}");
        }
    }
}

#[tokio::test]
async fn a_bad_plan_price_is_refused_beside_its_field() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    let material = some_material(&app, &officer).await;
    let y = year(&app);
    for (body, field, code) in [
        (
            json!({"material_id": material, "year": 1999, "unit_price": "10"}),
            "year",
            "plan_price_year",
        ),
        (
            json!({"material_id": material, "year": 2101, "unit_price": "10"}),
            "year",
            "plan_price_year",
        ),
        (
            json!({"material_id": material, "year": y, "unit_price": "0"}),
            "unit_price",
            "price_positive",
        ),
        (
            json!({"material_id": material, "year": y, "unit_price": "1.00001"}),
            "unit_price",
            "pw_price_places",
        ),
        (
            json!({"material_id": material, "year": y, "unit_price": "99999999999"}),
            "unit_price",
            "too_large",
        ),
        (
            json!({"material_id": 987654321, "year": y, "unit_price": "10"}),
            "material_id",
            "not_found",
        ),
        (
            json!({"year": y, "unit_price": "10"}),
            "material_id",
            "required",
        ),
    ] {
        let (status, v) = set(&app, &officer, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["error"]["fields"][field]["code"], code, "{body}: {v}");
    }
    let (status, v) = app.get_json("/api/plan-prices?year=1800", &officer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

#[tokio::test]
async fn the_form_shows_a_bad_year_beside_its_field_with_what_was_typed() {
    let app = spawn_app().await;
    let browser = app.browser_of("procurement_officer").await;
    let page = app.html(&browser, "/plan-prices").await;
    assert!(page.contains("id=\"plan-price-form\""), "{page}");
    let code = page
        .split("<datalist id=\"plan-materials\">")
        .nth(1)
        .and_then(|s| s.split("<option value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string();
    assert!(!code.is_empty(), "the form lists materials");
    let before = app.count("plan_prices").await;
    let csrf = app.csrf_from(&browser, "/plan-prices").await;
    let r = browser
        .post(app.url("/plan-prices"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("material_code", code.as_str()),
            ("year", "1999"),
            ("unit_price", "123.45"),
            ("note", "typed note"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Enter a year from 2000 to 2100."), "{body}");
    assert!(body.contains("id=\"year-error\""), "{body}");
    assert!(body.contains("value=\"123.45\""), "{body}");
    assert!(body.contains("typed note"), "{body}");
    assert!(body.contains(&format!("value=\"{code}\"")), "{body}");
    assert_eq!(app.count("plan_prices").await, before, "nothing set");

    // The good form sets it and goes back to the year's list.
    let y = year(&app).to_string();
    let r = browser
        .post(app.url("/plan-prices"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("material_code", code.as_str()),
            ("year", y.as_str()),
            ("unit_price", "123.45"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
        format!("/plan-prices?year={y}")
    );
    assert_eq!(app.count("plan_prices").await, before + 1);
}

// ----- Issues and the table -----

const PRICE: &str = "3850.1234";

/// A listing of a fresh material with `quantity` in stock; answers it and its material.
async fn stocked(app: &TestApp, quantity: &str) -> (i64, i64) {
    let s = crate::stock::stocked_at(app, quantity, PRICE).await;
    let l = listing::Entity::find_by_id(ListingId(s.listing_id))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    (s.listing_id, l.material_id)
}

/// The demo site raises a requisition for `quantity` and its manager approves it: the
/// requisition and its line.
async fn approved(app: &TestApp, listing_id: i64, quantity: &str) -> (i64, i64) {
    let user = app.token_for("site_user").await;
    let manager = app.token_for("site_manager").await;
    let (status, r) = crate::stock::requisition(app, &user, listing_id, quantity).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_i64().unwrap_or_default();
    let (status, r) = app
        .post_json(
            &format!("/api/requisitions/{rid}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    (rid, r["lines"][0]["id"].as_i64().unwrap_or_default())
}

async fn issue(app: &TestApp, requisition: (i64, i64), quantity: &str) {
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{}/issue", requisition.0),
            &keeper,
            &json!({"lines": [{"line_id": requisition.1, "quantity": quantity}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

/// The issue movements of a requisition line, oldest first.
async fn issues_of_line(app: &TestApp, line: i64) -> Vec<movement::Model> {
    movement::Entity::find()
        .filter(movement::Column::RequisitionLineId.eq(line))
        .filter(movement::Column::Kind.eq("issue"))
        .order_by_asc(movement::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap()
}

async fn this_month(app: &TestApp) -> Period {
    let cutoff = portal::settings::cutoff_day(&app.state.db.read)
        .await
        .unwrap();
    Period::containing(app.state.today(), cutoff)
}

fn cents(d: Decimal) -> Decimal {
    portal::money::round_cents(d)
}

/// The table computed here from the ledger: per material, (quantity, actual, plan) of the
/// issues with a plan price, and (quantity, actual, count) of those without.
async fn from_ledger(
    app: &TestApp,
    month: Period,
) -> (
    BTreeMap<i64, (Decimal, Decimal, Decimal)>,
    BTreeMap<i64, (Decimal, Decimal, usize)>,
) {
    let cutoff = portal::settings::cutoff_day(&app.state.db.read)
        .await
        .unwrap();
    let moves = movement::Entity::find()
        .filter(movement::Column::Kind.eq("issue"))
        .filter(movement::Column::OnDate.gte(month.first_day(cutoff)))
        .filter(movement::Column::OnDate.lte(month.last_day(cutoff)))
        .all(&app.state.db.read)
        .await
        .unwrap();
    let mut planned: BTreeMap<i64, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    let mut unplanned: BTreeMap<i64, (Decimal, Decimal, usize)> = BTreeMap::new();
    for m in moves {
        let material = listing::Entity::find_by_id(m.listing_id)
            .one(&app.state.db.read)
            .await
            .unwrap()
            .unwrap()
            .material_id;
        let q = -m.quantity.value();
        let actual = -m.amount.value();
        match m.plan_unit_price {
            Some(p) => {
                let e = planned.entry(material).or_default();
                e.0 += q;
                e.1 += actual;
                e.2 += cents(q * p.value());
            }
            None => {
                let e = unplanned.entry(material).or_default();
                e.0 += q;
                e.1 += actual;
                e.2 += 1;
            }
        }
    }
    (planned, unplanned)
}

/// Every line, subtotal and the total: actual − plan = difference, to the cent; subtotals
/// are the sums of their lines and the total the sum of the subtotals.
fn adds_up(t: &Value) {
    let check = |s: &Value| {
        let (a, p, d) = (
            dec(&s["actual_amount"]),
            dec(&s["plan_amount"]),
            dec(&s["difference"]),
        );
        assert_eq!(a - p, d, "{s}");
        for v in [&s["actual_amount"], &s["plan_amount"], &s["difference"]] {
            assert_eq!(dec(v).scale(), 2, "two places: {s}");
        }
        (a, p, d)
    };
    let mut total = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for g in t["categories"].as_array().unwrap() {
        let mut sub = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for l in g["lines"].as_array().unwrap() {
            let (a, p, d) = check(l);
            sub = (sub.0 + a, sub.1 + p, sub.2 + d);
        }
        assert_eq!(check(&g["subtotal"]), sub, "{g}");
        total = (total.0 + sub.0, total.1 + sub.1, total.2 + sub.2);
    }
    assert_eq!(check(&t["total"]), total, "{t}");
}

#[tokio::test]
async fn an_issue_carries_the_plan_price_in_force_and_the_table_is_the_ledgers_to_the_cent() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    let (listing_id, material) = stocked(&app, "20").await;
    let (unplanned_listing, unplanned_material) = stocked(&app, "5").await;
    let req = approved(&app, listing_id, "10.5").await;
    let other = approved(&app, unplanned_listing, "2").await;
    let y = year(&app);

    // The second material has no plan price this year (the demo gives most materials one).
    entity::plan_price::Entity::delete_many()
        .filter(entity::plan_price::Column::MaterialId.eq(unplanned_material))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    issue(&app, other, "1.25").await;
    let (status, v) = set(
        &app,
        &officer,
        &json!({"material_id": material, "year": y, "unit_price": "3700.3333"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    issue(&app, req, "2.345").await;
    issue(&app, req, "1.005").await;
    let (status, v) = set(
        &app,
        &officer,
        &json!({"material_id": material, "year": y, "unit_price": "3999.9999"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    issue(&app, req, "3.333").await;

    let moves = issues_of_line(&app, req.1).await;
    assert_eq!(moves.len(), 3, "one lot, one movement per issue");
    let plan: Vec<Option<Decimal>> = moves
        .iter()
        .map(|m| m.plan_unit_price.map(|p| p.value()))
        .collect();
    assert_eq!(
        plan,
        vec![
            Some(Decimal::new(37003333, 4)),
            Some(Decimal::new(37003333, 4)),
            Some(Decimal::new(39999999, 4)),
        ],
        "earlier issues keep the old plan price, the later one has the new"
    );
    let unplanned_moves = issues_of_line(&app, other.1).await;
    assert_eq!(unplanned_moves[0].plan_unit_price, None);

    let finance = app.token_for("finance").await;
    let month = this_month(&app).await;
    let (status, t) = app
        .get_json(&format!("/api/price-differences?month={month}"), &finance)
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    adds_up(&t);
    let (planned, unplanned) = from_ledger(&app, month).await;
    let lines: BTreeMap<i64, Value> = t["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["lines"].as_array().cloned().unwrap_or_default())
        .map(|l| (l["material"]["id"].as_i64().unwrap(), l))
        .collect();
    assert_eq!(
        lines.keys().copied().collect::<Vec<_>>(),
        planned.keys().copied().collect::<Vec<_>>()
    );
    for (m, (q, a, p)) in &planned {
        let l = &lines[m];
        assert_eq!(dec(&l["quantity"]), *q, "{l}");
        assert_eq!(dec(&l["actual_amount"]), *a, "{l}");
        assert_eq!(dec(&l["plan_amount"]), *p, "{l}");
    }
    // Our material: actual is the ledger's, plan each issue's plan price × quantity.
    let ours = &lines[&material];
    assert_eq!(dec(&ours["quantity"]), Decimal::new(6683, 3));
    let want_plan = cents(Decimal::new(2345, 3) * Decimal::new(37003333, 4))
        + cents(Decimal::new(1005, 3) * Decimal::new(37003333, 4))
        + cents(Decimal::new(3333, 3) * Decimal::new(39999999, 4));
    assert_eq!(dec(&ours["plan_amount"]), want_plan);
    assert_eq!(ours["issues"], 3);
    let total_actual: Decimal = planned.values().map(|x| x.1).sum();
    let total_plan: Decimal = planned.values().map(|x| x.2).sum();
    assert_eq!(dec(&t["total"]["actual_amount"]), total_actual);
    assert_eq!(dec(&t["total"]["plan_amount"]), total_plan);
    assert_eq!(dec(&t["total"]["difference"]), total_actual - total_plan);
    // Without a plan price: apart, counted, never given one.
    let apart: BTreeMap<i64, Value> = t["unplanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["material"]["id"].as_i64().unwrap(), u.clone()))
        .collect();
    assert_eq!(
        apart.keys().copied().collect::<Vec<_>>(),
        unplanned.keys().copied().collect::<Vec<_>>()
    );
    for (m, (q, a, n)) in &unplanned {
        assert_eq!(dec(&apart[m]["quantity"]), *q);
        assert_eq!(dec(&apart[m]["actual_amount"]), *a);
        assert_eq!(apart[m]["issues"], *n);
    }
    assert_eq!(
        t["unplanned_issues"].as_u64(),
        Some(unplanned.values().map(|x| x.2 as u64).sum())
    );
    assert!(apart.contains_key(&unplanned_material), "{t}");
    assert_eq!(
        dec(&apart[&unplanned_material]["quantity"]),
        Decimal::new(125, 2)
    );

    // The same month as a page and as files.
    let browser = app.browser_of("finance").await;
    let page = app
        .html(&browser, &format!("/price-differences?month={month}"))
        .await;
    assert!(page.contains("id=\"differences\""), "{page}");
    assert!(
        page.contains(&format!("data-material=\"{material}\"")),
        "{page}"
    );
    let csv = browser
        .get(app.url(&format!("/price-differences/download/csv?month={month}")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(
        csv.contains(&dec(&ours["plan_amount"]).to_string()),
        "{csv}"
    );
    let xlsx = app
        .get(
            &format!("/api/price-differences/export?format=xlsx&month={month}"),
            &finance,
        )
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn a_month_without_issues_is_an_empty_table_with_zero_totals() {
    let app = spawn_app().await;
    let auditor = app.token_for("auditor").await;
    let (status, t) = app
        .get_json("/api/price-differences?month=2001-01", &auditor)
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["month"], "2001-01");
    assert_eq!(t["categories"], json!([]));
    assert_eq!(t["unplanned"], json!([]));
    assert_eq!(t["unplanned_issues"], 0);
    for k in ["actual_amount", "plan_amount", "difference"] {
        assert_eq!(t["total"][k], "0.00", "{t}");
    }
    adds_up(&t);
    // No month, or an empty one, is the current month; a malformed one is a field error.
    let current = this_month(&app).await.to_string();
    for q in ["", "?month=", "?month=%20"] {
        let (status, t) = app
            .get_json(&format!("/api/price-differences{q}"), &auditor)
            .await;
        assert_eq!(status, StatusCode::OK, "{q}: {t}");
        assert_eq!(t["month"], current.as_str());
    }
    let (status, v) = app
        .get_json("/api/price-differences?month=2026-13", &auditor)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["month"]["code"], "month");

    let browser = app.browser_of("auditor").await;
    let page = app.html(&browser, "/price-differences?month=").await;
    assert!(page.contains(&format!("value=\"{current}\"")), "{page}");
    let page = app.html(&browser, "/price-differences?month=2001-01").await;
    assert!(page.contains("id=\"differences-none\""), "{page}");
    let r = browser
        .get(app.url("/price-differences?month=2026-13"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("id=\"month-error\""));
    let csv = browser
        .get(app.url("/price-differences/download/csv?month=2001-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
}
