//! Issue 15: the funds plan (资金计划): a month's plan pre-filled from the unpaid statements
//! and the contracts due, approved by the procurement head and never by whoever raised it
//! (rule 14), payments on contracts never beyond the contract, and the month-end comparison of
//! plan and payments by supplier adding up to the cent.

use crate::helpers::{TestApp, dec, spawn_app};
use chrono::{NaiveDate, Utc};
use entity::{Fixed, StatementId, SupplierId, contract, statement, supplier};
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

static PERIODS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn supplier_named(app: &TestApp, name: &str) -> i64 {
    supplier::Entity::find()
        .filter(supplier::Column::LegalName.eq(name))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("demo supplier {name}"))
        .id
        .0
}

/// A statement written as settlement would leave it, with `status` and `paid_on`.
async fn statement(
    app: &TestApp,
    number: &str,
    supplier_id: i64,
    gross: &str,
    status: &str,
    paid_on: Option<&str>,
) -> i64 {
    let now = Utc::now();
    let s = statement::ActiveModel {
        number: Set(number.into()),
        supplier_id: Set(SupplierId(supplier_id)),
        // One statement per supplier and period: each its own period.
        period: Set({
            let n = PERIODS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("{}-{:02}", 2050 + n / 12, n % 12 + 1)
        }),
        first_day: Set(day("2089-12-26")),
        last_day: Set(day("2090-01-25")),
        tax_rate: Set(Fixed::new(d("0.13")).unwrap()),
        gross: Set(Fixed::new(d(gross)).unwrap()),
        net: Set(Fixed::new(d(gross)).unwrap()),
        tax: Set(Fixed::zero()),
        status: Set(status.into()),
        created_at: Set(now),
        issued_at: Set(None),
        answered_at: Set(None),
        resolved_at: Set(None),
        invoice_number: Set(String::new()),
        invoice_date: Set(None),
        paid_on: Set(paid_on.map(day)),
        payment_reference: Set(String::new()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    let StatementId(id) = s.id;
    id
}

/// A contract in the ledger with `status`, its total, end and the day it took effect.
async fn contract(
    app: &TestApp,
    number: &str,
    supplier_id: i64,
    total: &str,
    status: &str,
    ends_on: Option<&str>,
    effective_on: Option<&str>,
) -> i64 {
    let now = Utc::now();
    contract::ActiveModel {
        number: Set(number.into()),
        supplier_id: Set(SupplierId(supplier_id)),
        source: Set("quote".into()),
        plan_line_id: Set(None),
        tender_id: Set(None),
        total: Set(Fixed::new(d(total)).unwrap()),
        needs_group: Set(false),
        status: Set(status.into()),
        signed_on: Set(None),
        starts_on: Set(None),
        ends_on: Set(ends_on.map(day)),
        round: Set(1),
        submitted_at: Set(None),
        effective_at: Set(effective_on.map(|s| day(s).and_hms_opt(4, 0, 0).unwrap().and_utc())),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

async fn pay(
    app: &TestApp,
    token: &str,
    contract_id: i64,
    amount: &str,
    on: &str,
) -> (StatusCode, Value) {
    app.post_json(
        "/api/contract-payments",
        token,
        &json!({"contract_id": contract_id, "amount": amount, "paid_on": on, "reference": format!("BANK-{contract_id}-{amount}")}),
    )
    .await
}

/// (source, source id) → amount, of a plan's lines.
fn lines_of(plan: &Value) -> BTreeMap<(String, Option<i64>), Decimal> {
    plan["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("lines: {plan}"))
        .iter()
        .map(|l| {
            (
                (
                    l["source"].as_str().unwrap().to_string(),
                    l["source_id"].as_i64(),
                ),
                dec(&l["amount"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_plan_starts_with_exactly_the_unpaid_statements_and_the_contracts_due() {
    let app = spawn_app().await;
    let finance = app.token_for("finance").await;
    let a = supplier_named(&app, "恒达钢材贸易有限公司").await;
    let removed = supplier_named(&app, "江城五金建材有限公司").await;
    for (n, status) in [
        "draft",
        "issued",
        "confirmed",
        "disputed",
        "resolved",
        "invoiced",
        "paid",
    ]
    .iter()
    .enumerate()
    {
        let paid_on = (*status == "paid").then_some("2090-02-10");
        statement(
            &app,
            &format!("FP-JS-{n}"),
            a,
            &format!("{}.{n}7", 1000 + n),
            status,
            paid_on,
        )
        .await;
    }
    // Money owed to a removed supplier is still planned (rule 2).
    statement(&app, "FP-JS-R", removed, "88.88", "issued", None).await;
    // March 2090: due ones end by the 31st, or have no end and took effect by then.
    let ends_in = contract(
        &app,
        "FP-HT-1",
        a,
        "5000.00",
        "effective",
        Some("2090-03-31"),
        Some("2090-01-05"),
    )
    .await;
    let ended = contract(
        &app,
        "FP-HT-2",
        a,
        "700.00",
        "effective",
        Some("2090-01-10"),
        Some("2089-12-01"),
    )
    .await;
    let open_ended = contract(
        &app,
        "FP-HT-3",
        removed,
        "300.00",
        "effective",
        None,
        Some("2090-03-31"),
    )
    .await;
    let later = contract(
        &app,
        "FP-HT-4",
        a,
        "900.00",
        "effective",
        Some("2090-04-01"),
        Some("2090-01-05"),
    )
    .await;
    let not_yet = contract(
        &app,
        "FP-HT-5",
        a,
        "900.00",
        "effective",
        None,
        Some("2090-04-01"),
    )
    .await;
    let paid_up = contract(
        &app,
        "FP-HT-6",
        a,
        "400.00",
        "effective",
        Some("2090-02-01"),
        Some("2090-01-05"),
    )
    .await;
    let draft = contract(
        &app,
        "FP-HT-7",
        a,
        "400.00",
        "in_signoff",
        Some("2090-02-01"),
        None,
    )
    .await;
    let _ = (later, not_yet, draft);
    // Part of one paid, another paid in full.
    assert_eq!(
        pay(&app, &finance, ends_in, "1234.56", "2090-02-01")
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        pay(&app, &finance, paid_up, "400.00", "2090-02-01").await.0,
        StatusCode::CREATED
    );

    let (status, plan) = app
        .post_json("/api/funds-plans", &finance, &json!({"month": "2090-03"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    assert_eq!(plan["status"], "draft");

    // Independently: every statement not draft and not paid, by the database.
    let mut want: BTreeMap<(String, Option<i64>), Decimal> = statement::Entity::find()
        .filter(statement::Column::Status.is_not_in(["draft", "paid"]))
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (("statement".to_string(), Some(s.id.0)), s.gross.value()))
        .collect();
    assert_eq!(
        want.len(),
        6,
        "five states of one supplier and the removed one's"
    );
    want.insert(("contract".into(), Some(ends_in)), d("3765.44"));
    want.insert(("contract".into(), Some(ended)), d("700.00"));
    want.insert(("contract".into(), Some(open_ended)), d("300.00"));
    assert_eq!(lines_of(&plan), want, "{plan}");
    let total: Decimal = want.values().copied().sum();
    assert_eq!(dec(&plan["total"]), total);
    // A statement line names its number; the removed supplier is there.
    let notes: BTreeSet<String> = plan["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["note"].as_str().unwrap().to_string())
        .collect();
    assert!(
        notes.contains("FP-JS-1") && notes.contains("FP-HT-1"),
        "{notes:?}"
    );
    assert!(
        plan["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["supplier"]["status"] == "removed")
    );

    // One plan a month.
    let (status, v) = app
        .post_json("/api/funds-plans", &finance, &json!({"month": "2090-03"}))
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("funds_plan_exists"))
    );
    let audited = app.count("audit_log").await;
    assert!(audited > 0);
}

#[tokio::test]
async fn the_comparison_sets_plan_against_payments_per_supplier_to_the_cent() {
    let app = spawn_app().await;
    let finance = app.token_for("finance").await;
    let auditor = app.token_for("auditor").await;
    let a = supplier_named(&app, "恒达钢材贸易有限公司").await;
    let b = supplier_named(&app, "华建水泥制品有限公司").await;
    let removed = supplier_named(&app, "江城五金建材有限公司").await;
    let (status, plan) = app
        .post_json("/api/funds-plans", &finance, &json!({"month": "2091-03"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    for (s, amount) in [(a, "1000.10"), (a, "0.05"), (b, "500")] {
        let (status, v) = app
            .post_json(
                "/api/funds-plans/2091-03/lines",
                &finance,
                &json!({"supplier_id": s, "amount": amount, "source": "other", "note": "预付"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    // Paid in March: a statement of A, one of the removed supplier (not planned), a payment
    // on B's contract; outside March: a statement paid on April 1st, a payment of Feb 28th.
    statement(&app, "FP-C-1", a, "800.33", "paid", Some("2091-03-31")).await;
    statement(
        &app,
        "FP-C-2",
        removed,
        "123.45",
        "paid",
        Some("2091-03-01"),
    )
    .await;
    statement(&app, "FP-C-3", a, "999.99", "paid", Some("2091-04-01")).await;
    let c = contract(
        &app,
        "FP-C-HT",
        b,
        "10000.00",
        "effective",
        None,
        Some("2091-01-01"),
    )
    .await;
    assert_eq!(
        pay(&app, &finance, c, "250.50", "2091-03-15").await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        pay(&app, &finance, c, "77.77", "2091-02-28").await.0,
        StatusCode::CREATED
    );

    let (status, cmp) = app
        .get_json("/api/funds-plans/2091-03/comparison", &auditor)
        .await;
    assert_eq!(status, StatusCode::OK, "{cmp}");
    let rows: BTreeMap<i64, (Decimal, Decimal, Decimal)> = cmp["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["supplier"]["id"].as_i64().unwrap(),
                (dec(&r["planned"]), dec(&r["paid"]), dec(&r["variance"])),
            )
        })
        .collect();
    // Worked by hand: variance = paid − planned.
    let want = BTreeMap::from([
        (a, (d("1000.15"), d("800.33"), d("-199.82"))),
        (b, (d("500.00"), d("250.50"), d("-249.50"))),
        (removed, (d("0.00"), d("123.45"), d("123.45"))),
    ]);
    assert_eq!(rows, want, "{cmp}");
    assert_eq!(dec(&cmp["total"]["planned"]), d("1500.15"));
    assert_eq!(dec(&cmp["total"]["paid"]), d("1174.28"));
    assert_eq!(dec(&cmp["total"]["variance"]), d("-325.87"));
    for r in cmp["rows"].as_array().unwrap() {
        assert_eq!(
            dec(&r["paid"]) - dec(&r["planned"]),
            dec(&r["variance"]),
            "{r}"
        );
        assert_eq!(dec(&r["variance"]).scale(), 2, "{r}");
    }

    // The download says the same, in the caller's language.
    let r = reqwest::Client::new()
        .get(app.url("/api/funds-plans/2091-03/comparison/export?format=csv"))
        .bearer_auth(&finance)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(
        csv.contains("1500.15") && csv.contains("1174.28") && csv.contains("-325.87"),
        "{csv}"
    );
    assert!(
        csv.contains("江城五金建材有限公司") && csv.contains("Variance"),
        "{csv}"
    );

    // A month with nothing planned or paid: no rows, zero totals.
    let (status, empty) = app
        .get_json("/api/funds-plans/2091-09/comparison", &finance)
        .await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty["rows"].as_array().map(Vec::len), Some(0), "{empty}");
    assert_eq!(empty["plan_status"], Value::Null);
    for k in ["planned", "paid", "variance"] {
        assert_eq!(dec(&empty["total"][k]), Decimal::ZERO, "{k}");
    }
}

#[tokio::test]
async fn the_head_decides_once_never_a_plan_they_raised_and_lines_freeze_once_submitted() {
    let app = spawn_app().await;
    let finance = app.token_for("finance").await;
    let head = app.token_for("procurement_head").await;
    let a = supplier_named(&app, "恒达钢材贸易有限公司").await;
    let (status, v) = app
        .post_json("/api/funds-plans", &finance, &json!({"month": "2092-05"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, plan) = app
        .post_json(
            "/api/funds-plans/2092-05/lines",
            &finance,
            &json!({"supplier_id": a, "amount": "100.00", "source": "other"}),
        )
        .await;
    let line = plan["lines"][0]["id"].as_i64().unwrap();
    let mails = app.count("outbox").await;
    let (status, v) = app
        .post_json("/api/funds-plans/2092-05/submit", &finance, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "submitted");
    assert!(app.count("outbox").await > mails, "the head is told");
    let notices: i64 = entity::notice::Entity::find()
        .filter(entity::notice::Column::Kind.eq("funds_plan_submitted"))
        .all(&app.state.db.read)
        .await
        .unwrap()
        .len() as i64;
    assert!(notices >= 1);

    let audit = app.count("audit_log").await;
    // Finance may not decide, nor change lines now.
    let (status, _) = app
        .post_json(
            "/api/funds-plans/2092-05/decision",
            &finance,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2092-05/lines",
            &finance,
            &json!({"id": line, "supplier_id": a, "amount": "1.00", "source": "other"}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("funds_plan_not_editable")
        ),
        "{v}"
    );
    let (status, v) = app
        .send_json(
            Method::DELETE,
            &format!("/api/funds-plans/2092-05/lines/{line}"),
            &finance,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("funds_plan_not_editable")
        ),
        "{v}"
    );
    // A return needs a reason.
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2092-05/decision",
            &head,
            &json!({"approve": false, "reason": "  "}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["reason"]["code"], "required", "{v}");
    assert_eq!(app.count("audit_log").await, audit, "nothing was recorded");
    let (_, v) = app.get_json("/api/funds-plans/2092-05", &head).await;
    assert_eq!(v["status"], "submitted");
    assert_eq!(dec(&v["lines"][0]["amount"]), d("100.00"));

    // Returned with a reason, finance changes it and submits again.
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2092-05/decision",
            &head,
            &json!({"approve": false, "reason": "金额再核"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["status"].clone(), v["return_reason"].clone()),
        (json!("returned"), json!("金额再核"))
    );
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2092-05/lines",
            &finance,
            &json!({"id": line, "supplier_id": a, "amount": "90.00", "source": "other", "note": "核减"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(dec(&v["total"]), d("90.00"));
    let (status, _) = app
        .post_json("/api/funds-plans/2092-05/submit", &finance, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    // The finance user who submitted becomes a procurement head: still not theirs to decide.
    let admin = app.token_for("admin").await;
    let id = app.user_id("finance@demo.test").await;
    let (status, v) = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &json!({"role": "procurement_head"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let promoted = app.token_for("finance").await;
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2092-05/decision",
            &promoted,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("own_request")),
        "{v}"
    );

    // Two approvals at once: exactly one decides.
    let yes = json!({"approve": true});
    let approve = || app.post_json("/api/funds-plans/2092-05/decision", &head, &yes);
    let ((s1, v1), (s2, v2)) = tokio::join!(approve(), approve());
    let ok = [s1, s2].iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{v1} {v2}");
    let refused = if s1 == StatusCode::OK {
        (s2, v2)
    } else {
        (s1, v1)
    };
    assert!(
        matches!(
            refused.1["error"]["code"].as_str(),
            Some("funds_plan_state" | "funds_plan_changed")
        ),
        "{}",
        refused.1
    );
    let (_, v) = app.get_json("/api/funds-plans/2092-05", &head).await;
    assert_eq!(v["status"], "approved");
    let approvals = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("funds_plan.approve"))
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(approvals.len(), 1);
}

#[tokio::test]
async fn a_payment_beyond_what_is_left_on_the_contract_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let finance = app.token_for("finance").await;
    let a = supplier_named(&app, "恒达钢材贸易有限公司").await;
    let c = contract(
        &app,
        "FP-P-1",
        a,
        "1000.00",
        "effective",
        None,
        Some("2090-01-01"),
    )
    .await;
    let signing = contract(&app, "FP-P-2", a, "1000.00", "in_signoff", None, None).await;
    let (status, v) = pay(&app, &finance, c, "600.00", "2090-01-20").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(dec(&v["remaining"]), d("400.00"));
    let (payments, audit) = (
        app.count("contract_payments").await,
        app.count("audit_log").await,
    );
    for (contract_id, amount, field, code) in [
        (c, "400.01", "amount", "funds_payment_over_total"),
        (c, "0", "amount", "amount_positive"),
        (c, "1.001", "amount", "too_many_places"),
        (
            signing,
            "1.00",
            "contract_id",
            "funds_contract_not_effective",
        ),
        (987_654, "1.00", "contract_id", "not_found"),
    ] {
        let (status, v) = pay(&app, &finance, contract_id, amount, "2090-01-21").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{amount}: {v}");
        assert_eq!(v["error"]["fields"][field]["code"], code, "{amount}: {v}");
    }
    assert_eq!(app.count("contract_payments").await, payments);
    assert_eq!(app.count("audit_log").await, audit);
    // What is left can still be paid, exactly.
    let (status, v) = pay(&app, &finance, c, "400.00", "2090-01-22").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(dec(&v["remaining"]), d("0.00"));
    let (_, open) = app.get_json("/api/contract-payments/open", &finance).await;
    assert!(
        !open.as_array().unwrap().iter().any(|o| o["id"] == c),
        "{open}"
    );
}

#[tokio::test]
async fn a_bad_month_is_refused_beside_its_field_and_only_finance_the_head_and_audit_read() {
    let app = spawn_app().await;
    let finance = app.token_for("finance").await;
    for bad in ["2026-13", "abc", "", "2026-1"] {
        let (status, v) = app
            .post_json("/api/funds-plans", &finance, &json!({"month": bad}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(
            v["error"]["fields"]["month"]["code"].is_string(),
            "{bad}: {v}"
        );
    }
    for path in [
        "/api/funds-plans/2026-13",
        "/api/funds-plans/abc/comparison",
    ] {
        let (status, v) = app.get_json(path, &finance).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
        assert_eq!(
            v["error"]["fields"]["month"]["code"], "month",
            "{path}: {v}"
        );
    }
    // Only the demo's plan of this month.
    assert_eq!(app.count("funds_plans").await, 1);
    for (role, may_read, may_start) in [
        ("finance", true, true),
        ("procurement_head", true, false),
        ("auditor", true, false),
        ("procurement_officer", false, false),
        ("supplier", false, false),
        ("site_user", false, false),
        ("warehouse_keeper", false, false),
    ] {
        let token = app.token_for(role).await;
        for path in ["/api/funds-plans", "/api/funds-plans/2093-01/comparison"] {
            let (status, _) = app.get_json(path, &token).await;
            assert_eq!(
                status == StatusCode::OK,
                may_read,
                "{role} reads {path}: {status}"
            );
            if !may_read {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
            }
        }
        if !may_start {
            let (status, _) = app
                .post_json("/api/funds-plans", &token, &json!({"month": "2093-01"}))
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} starts");
        }
    }
}

#[tokio::test]
async fn finance_starts_a_plan_from_the_page_and_a_bad_month_keeps_what_was_typed() {
    let app = spawn_app().await;
    let browser = app.browser_of("finance").await;
    let page = app.html(&browser, "/funds-plans").await;
    assert!(
        page.contains("id=\"start-form\"") && page.contains("due by the 3rd"),
        "{page}"
    );
    let csrf = app.csrf_from(&browser, "/funds-plans").await;
    let r = browser
        .post(app.url("/funds-plans"))
        .header("Accept-Language", "en")
        .form(&[("csrf_token", csrf.as_str()), ("month", "2094-13")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("id=\"month-error\"") && body.contains("value=\"2094-13\""),
        "{body}"
    );
    assert_eq!(app.count("funds_plans").await, 1, "the demo's only");
    let r = browser
        .post(app.url("/funds-plans"))
        .form(&[("csrf_token", csrf.as_str()), ("month", "2094-02")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/funds-plans/2094-02")
    );
    let page = app.html(&browser, "/funds-plans/2094-02").await;
    assert!(
        page.contains("id=\"plan-status\"") && page.contains("id=\"comparison\""),
        "{page}"
    );
    assert!(
        page.contains("id=\"add-line-form\"") && page.contains("id=\"payments\""),
        "{page}"
    );
    // A typed amount that is not a number says so beside its field (not "required"), and
    // keeps what was typed.
    let supplier_id = supplier_named(&app, "恒达钢材贸易有限公司").await;
    let csrf = app.csrf_from(&browser, "/funds-plans/2094-02").await;
    let r = browser
        .post(app.url("/funds-plans/2094-02/lines"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("supplier_id", supplier_id.to_string().as_str()),
            ("planned_amount", "12o0"),
            ("note", "advance"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Enter a number") && !body.contains("This field is required"),
        "{body}"
    );
    assert!(
        body.contains("value=\"12o0\"") && body.contains("value=\"advance\""),
        "{body}"
    );
    // The head returns it from the page: an empty reason is refused beside its field, named
    // as the form names it.
    let finance = app.token_for("finance").await;
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2094-02/lines",
            &finance,
            &json!({"supplier_id": supplier_id, "amount": "1200.00", "source": "other"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = app
        .post_json("/api/funds-plans/2094-02/submit", &finance, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let head = app.browser_of("procurement_head").await;
    let csrf = app.csrf_from(&head, "/funds-plans/2094-02").await;
    let decide = |reason: &'static str| {
        head.post(app.url("/funds-plans/2094-02/decision"))
            .header("Accept-Language", "en")
            .form(&[
                ("csrf_token", csrf.clone()),
                ("decision", "return".into()),
                ("return_reason", reason.into()),
            ])
            .send()
    };
    let r = decide(" ").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Reason for returning</a>") && body.contains("id=\"return_reason\""),
        "{body}"
    );
    let r = decide("核减").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, v) = app.get_json("/api/funds-plans/2094-02", &finance).await;
    assert_eq!(
        (v["status"].as_str(), v["return_reason"].as_str()),
        (Some("returned"), Some("核减"))
    );
    // The start form now proposes the next month.
    let list = app.html(&browser, "/funds-plans").await;
    let current = portal::funds_plan::rules::Month::of(app.state.today());
    assert!(
        list.contains(&format!("value=\"{}\"", current.next())),
        "{list}"
    );
    // The auditor reads it without a form; a supplier may not.
    let auditor = app.browser_of("auditor").await;
    let page = app.html(&auditor, "/funds-plans/2094-02").await;
    assert!(
        page.contains("id=\"comparison\"") && !page.contains("id=\"add-line-form\""),
        "{page}"
    );
    let supplier = app.browser_of("supplier").await;
    let r = supplier.get(app.url("/funds-plans")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
