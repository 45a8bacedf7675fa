//! Rule 13, the price watch: the price ledger, survey reminders every two weeks, and listings
//! priced above the market as price-failure candidates feeding rule 2.

use crate::helpers::{DEMO_PASSWORD, TestApp, dec, spawn_app};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use entity::{Fixed, ListingId, listing};
use portal::i18n::Locale;
use portal::jobs::{Job, run};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::str::FromStr;

/// Nine in the morning of a day, Shanghai time.
fn morning(d: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&d.and_hms_opt(9, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("bad day {d}"))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("bad day"))
}

/// The demo's active listings, oldest first: the steel supplier's five, then the cement
/// supplier's three, each at its material's indicative price.
async fn listings(app: &TestApp) -> Vec<listing::Model> {
    listing::Entity::find()
        .filter(listing::Column::Active.eq(true))
        .order_by_asc(listing::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap()
}

async fn set_price(app: &TestApp, listing_id: ListingId, price: &str) {
    let p = Fixed::<4>::new(Decimal::from_str(price).unwrap_or_default()).unwrap_or_default();
    listing::Entity::update_many()
        .col_expr(listing::Column::Price, Expr::value(p))
        .filter(listing::Column::Id.eq(listing_id))
        .exec(&app.state.db.write)
        .await
        .unwrap();
}

async fn survey(
    app: &TestApp,
    token: &str,
    material_id: i64,
    on: NaiveDate,
    price: &str,
) -> (StatusCode, Value) {
    app.post_json(
        "/api/price-surveys",
        token,
        &json!({
            "material_id": material_id,
            "surveyed_on": on,
            "source_kind": "price_service",
            "source": "西本新干线",
            "unit_price": price,
            "note": "",
        }),
    )
    .await
}

async fn surveyed(app: &TestApp, token: &str, material_id: i64, price: &str) -> i64 {
    let (status, v) = survey(app, token, material_id, app.state.today(), price).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap_or_default()
}

async fn candidates(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, v) = app.get_json("/api/price-candidates", token).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["candidates"].as_array().cloned().unwrap_or_default()
}

fn candidate_of(list: &[Value], listing_id: ListingId) -> Option<Value> {
    list.iter()
        .find(|c| c["listing_id"].as_i64() == Some(listing_id.get()))
        .cloned()
}

async fn decide(
    app: &TestApp,
    token: &str,
    listing_id: ListingId,
    body: Value,
) -> (StatusCode, Value) {
    app.post_json(
        &format!("/api/price-candidates/{listing_id}/decision"),
        token,
        &body,
    )
    .await
}

/// The app with the demo data but an empty price ledger: these tests count surveys from zero
/// (the demo records three).
async fn empty_ledger() -> TestApp {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    app.state
        .db
        .write
        .execute_unprepared("DELETE FROM price_surveys")
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn a_listing_exactly_ten_percent_above_the_survey_is_not_a_candidate_and_slightly_more_is() {
    let app = empty_ledger().await;
    let officer = app.token_for("procurement_officer").await;
    let rebar = listings(&app).await[0].clone();
    assert_eq!(rebar.price.value(), Decimal::from(3850), "the demo's price");

    // 3850 is exactly 10 % above 3500.
    let exact = surveyed(&app, &officer, rebar.material_id, "3500").await;
    let list = candidates(&app, &officer).await;
    assert!(candidate_of(&list, rebar.id).is_none(), "{list:?}");
    let (status, v) = decide(
        &app,
        &officer,
        rebar.id,
        json!({"decision": "confirm", "survey_id": exact}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "pw_not_a_candidate");

    // 3850 is 10.01 % above 3499.68.
    let above = surveyed(&app, &officer, rebar.material_id, "3499.68").await;
    let list = candidates(&app, &officer).await;
    let c = candidate_of(&list, rebar.id).unwrap_or_else(|| panic!("a candidate: {list:?}"));
    assert_eq!(c["survey_id"], above);
    assert_eq!(
        dec(&c["excess_percent"]),
        Decimal::from_str("10.01").unwrap_or_default()
    );
    assert_eq!(dec(&c["listing_price"]), Decimal::from(3850));
    assert_eq!(
        dec(&c["survey_price"]),
        Decimal::from_str("3499.68").unwrap_or_default()
    );
    assert_eq!(c["supplier_id"], rebar.supplier_id.get());
    assert_eq!(c["surveyed_on"], json!(app.state.today()));

    // The margin is the admin's setting: at 12 % the same listing is within it.
    let admin = app.token_for("admin").await;
    let (_, mut settings) = app.get_json("/api/settings", &admin).await;
    settings["price_margin"] = json!("0.12");
    let (status, v) = app
        .send_json(reqwest::Method::PUT, "/api/settings", &admin, &settings)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, v) = app.get_json("/api/price-candidates", &officer).await;
    assert_eq!(v["margin_percent"], "12");
    assert!(candidate_of(&candidates(&app, &officer).await, rebar.id).is_none());
}

#[tokio::test]
async fn confirming_a_candidate_records_a_price_failure_and_it_stays_away_until_the_price_changes()
{
    let app = empty_ledger().await;
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let rebar = listings(&app).await[0].clone();
    let sid = rebar.supplier_id;
    let failures_before = app.count("supplier_failures").await;
    let survey_id = surveyed(&app, &officer, rebar.material_id, "3000").await;
    let c = candidate_of(&candidates(&app, &officer).await, rebar.id)
        .unwrap_or_else(|| panic!("3850 is 28 % above 3000"));
    assert_eq!(
        dec(&c["excess_percent"]),
        Decimal::from_str("28.33").unwrap_or_default()
    );

    // Only the officer decides.
    let (status, _) = decide(
        &app,
        &head,
        rebar.id,
        json!({"decision": "confirm", "survey_id": survey_id}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, d) = decide(
        &app,
        &officer,
        rebar.id,
        json!({"decision": "confirm", "survey_id": survey_id, "reason": "两家网站均为 3000 左右"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["decision"], "confirmed");
    assert_eq!(d["supplier_id"], sid.get());
    let failure_id = d["failure_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a failure: {d}"));
    assert_eq!(app.count("supplier_failures").await, failures_before + 1);

    // The failure is the suppliers' own: price, from a price survey, open for the head.
    let (_, file) = app.get_json(&format!("/api/suppliers/{sid}"), &head).await;
    let f = file["failures"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|f| f["id"].as_i64() == Some(failure_id))
                .cloned()
        })
        .unwrap_or_else(|| panic!("{file}"));
    assert_eq!(
        (f["kind"].clone(), f["source"].clone(), f["status"].clone()),
        (json!("price"), json!("price_survey"), json!("open"))
    );
    let text = f["description"].as_str().unwrap_or_default();
    assert!(
        text.contains("3850") && text.contains("3000") && text.contains("28.33"),
        "{text}"
    );
    assert!(
        text.contains("两家网站"),
        "the officer's note is kept: {text}"
    );
    assert_eq!(
        app.count("outbox WHERE kind = 'price_failure_recorded' AND to_addr = 'procurement_head@demo.test'")
            .await,
        1
    );
    assert_eq!(
        app.count("outbox WHERE kind = 'failure_recorded'").await,
        1,
        "the supplier is told through the suppliers' flow"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'price_candidate.confirm'")
            .await,
        1
    );

    // Decided: gone from the list, and a second confirmation is refused.
    assert!(candidate_of(&candidates(&app, &officer).await, rebar.id).is_none());
    let (status, v) = decide(
        &app,
        &officer,
        rebar.id,
        json!({"decision": "confirm", "survey_id": survey_id}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "pw_candidate_decided");
    assert_eq!(app.count("supplier_failures").await, failures_before + 1);
    let (_, decisions) = app
        .get_json("/api/price-candidates/decisions", &officer)
        .await;
    assert_eq!(decisions[0]["failure_id"], failure_id, "{decisions}");

    // The head confirms it as usual.
    app.suppliers_answer_open_failures().await;
    let (status, v) = app
        .post_json(
            &format!("/api/failures/{failure_id}/decision"),
            &head,
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["confirmed_failures"], 1);

    // A new listing price brings it back.
    set_price(&app, rebar.id, "3900").await;
    let c = candidate_of(&candidates(&app, &officer).await, rebar.id)
        .unwrap_or_else(|| panic!("back at a new price"));
    assert_eq!(c["survey_id"], survey_id);

    // So does a new survey; a decision on the survey seen before is refused as stale.
    let newer = surveyed(&app, &officer, rebar.material_id, "3100").await;
    let c = candidate_of(&candidates(&app, &officer).await, rebar.id)
        .unwrap_or_else(|| panic!("still above"));
    assert_eq!(c["survey_id"], newer);
    let (status, v) = decide(
        &app,
        &officer,
        rebar.id,
        json!({"decision": "dismiss", "survey_id": survey_id, "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "pw_candidate_changed");
}

#[tokio::test]
async fn dismissing_a_candidate_needs_a_reason_and_records_no_failure() {
    let app = empty_ledger().await;
    let officer = app.token_for("procurement_officer").await;
    let cement = listings(&app)
        .await
        .into_iter()
        .last()
        .unwrap_or_else(|| panic!("a cement listing"));
    let price = cement.price.value() / Decimal::from(2);
    let survey_id = surveyed(&app, &officer, cement.material_id, &price.to_string()).await;
    assert!(candidate_of(&candidates(&app, &officer).await, cement.id).is_some());
    let failures = app.count("supplier_failures").await;

    for body in [
        json!({"decision": "dismiss", "survey_id": survey_id}),
        json!({"decision": "dismiss", "survey_id": survey_id, "reason": "   "}),
    ] {
        let (status, v) = decide(&app, &officer, cement.id, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"]["reason"]["code"], "required", "{v}");
    }
    let (status, v) = decide(
        &app,
        &officer,
        cement.id,
        json!({"decision": "maybe", "survey_id": survey_id, "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["decision"]["code"], "invalid", "{v}");
    let (status, v) = decide(
        &app,
        &officer,
        cement.id,
        json!({"decision": "dismiss", "survey_id": survey_id, "reason": "询价为散装价，挂牌为袋装"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["decision"], "dismissed");
    assert_eq!(v["failure_id"], Value::Null);
    assert_eq!(app.count("supplier_failures").await, failures);
    assert!(candidate_of(&candidates(&app, &officer).await, cement.id).is_none());
    assert_eq!(
        app.count("audit_log WHERE action = 'price_candidate.dismiss'")
            .await,
        1
    );

    // A new survey of the material (the same price, even) brings it back.
    surveyed(&app, &officer, cement.material_id, &price.to_string()).await;
    assert!(candidate_of(&candidates(&app, &officer).await, cement.id).is_some());
    let (status, _) = decide(
        &app,
        &officer,
        ListingId(999_999),
        json!({"decision": "dismiss", "survey_id": 1, "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_confirmed_price_failures_remove_the_supplier_and_its_candidates() {
    let app = empty_ledger().await;
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let all = listings(&app).await;
    let sid = all[0].supplier_id;
    let steel: Vec<listing::Model> = all.into_iter().filter(|l| l.supplier_id == sid).collect();
    assert!(steel.len() >= 3);
    for l in &steel {
        surveyed(&app, &officer, l.material_id, "2000").await;
    }
    let list = candidates(&app, &officer).await;
    for l in &steel[..2] {
        let c = candidate_of(&list, l.id).unwrap_or_else(|| panic!("{list:?}"));
        let (status, d) = decide(
            &app,
            &officer,
            l.id,
            json!({"decision": "confirm", "survey_id": c["survey_id"]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{d}");
        app.suppliers_answer_open_failures().await;
        let (_, v) = app
            .post_json(
                &format!("/api/failures/{}/decision", d["failure_id"]),
                &head,
                &json!({"confirm": true}),
            )
            .await;
        assert!(v["confirmed_failures"].is_number(), "{v}");
    }
    let (_, file) = app.get_json(&format!("/api/suppliers/{sid}"), &head).await;
    assert_eq!(file["supplier"]["status"], "removed", "rule 2");
    // Its listings are no longer orderable, so they are no longer candidates either.
    let list = candidates(&app, &officer).await;
    assert!(
        list.iter().all(|c| c["supplier_id"] != sid.get()),
        "{list:?}"
    );
}

#[tokio::test]
async fn a_material_is_due_after_two_weeks_and_the_job_mails_once_per_material_and_cycle() {
    let app = empty_ledger().await;
    let t = day(2027, 3, 1);
    app.clock.set(morning(t));
    let officer = app.token_for("procurement_officer").await;
    let (status, due) = app.get_json("/api/price-surveys/due", &officer).await;
    assert_eq!(status, StatusCode::OK, "{due}");
    let due = due.as_array().cloned().unwrap_or_default();
    let listed = due.len() as i64;
    assert!(
        listed >= 8,
        "every listed material is due before any survey: {due:?}"
    );
    assert!(due.iter().all(|d| d["last_surveyed_on"].is_null()));
    let rebar = listings(&app).await[0].clone();
    surveyed(&app, &officer, rebar.material_id, "3800").await;

    let reminders = "outbox WHERE kind = 'price_survey_due'";
    let officers = app
        .count("users WHERE role = 'procurement_officer' AND active = true")
        .await;
    assert!(officers >= 1);
    let first = run(&app.state, Job::PriceSurveyDue, t).await.unwrap();
    assert!(first.ran, "{first:?}");
    assert_eq!(app.count(reminders).await, (listed - 1) * officers);
    // Running again, for the same day or the next, sends nothing twice.
    let again = run(&app.state, Job::PriceSurveyDue, t).await.unwrap();
    assert!(!again.ran);
    let next_day = t + chrono::Days::new(1);
    run(&app.state, Job::PriceSurveyDue, next_day)
        .await
        .unwrap();
    assert_eq!(app.count(reminders).await, (listed - 1) * officers);
    let (_, due) = app.get_json("/api/price-surveys/due", &officer).await;
    assert!(
        due.as_array()
            .is_some_and(|l| l.iter().all(|d| d["reminded_on"] == json!(t))),
        "{due}"
    );

    // The survey is exactly 14 days old: not due yet.
    let d14 = t + chrono::Days::new(14);
    app.clock.set(morning(d14));
    let officer = app.token_for("procurement_officer").await;
    let (_, due) = app.get_json("/api/price-surveys/due", &officer).await;
    let due_ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|d| d["material"]["id"].as_i64())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(!due_ids(&due).contains(&rebar.material_id));
    run(&app.state, Job::PriceSurveyDue, d14).await.unwrap();
    assert_eq!(app.count(reminders).await, (listed - 1) * officers);

    // 15 days old: due, and reminded once.
    let d15 = t + chrono::Days::new(15);
    app.clock.set(morning(d15));
    let officer = app.token_for("procurement_officer").await;
    let (_, due) = app.get_json("/api/price-surveys/due", &officer).await;
    let row = due
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|d| d["material"]["id"].as_i64() == Some(rebar.material_id))
                .cloned()
        })
        .unwrap_or_else(|| panic!("due at 15 days: {due}"));
    assert_eq!(row["days_old"], 15);
    assert_eq!(row["reminded_on"], Value::Null);
    for d in [d15, d15 + chrono::Days::new(1), d15 + chrono::Days::new(2)] {
        run(&app.state, Job::PriceSurveyDue, d).await.unwrap();
    }
    assert_eq!(app.count(reminders).await, listed * officers);
    let mail = app
        .count(&format!(
            "outbox WHERE kind = 'price_survey_due' AND body_text LIKE '%{}%'",
            t
        ))
        .await;
    assert_eq!(mail, officers, "the reminder names the last survey's date");

    // A new survey starts a new cycle: reminded again once it, too, is over two weeks old.
    surveyed(&app, &officer, rebar.material_id, "3820").await;
    let later = d15 + chrono::Days::new(15);
    for d in [later - chrono::Days::new(1), later, later] {
        let _ = run(&app.state, Job::PriceSurveyDue, d).await.unwrap();
    }
    assert_eq!(app.count(reminders).await, (listed + 1) * officers);
    assert_eq!(
        app.count("price_survey_reminders").await,
        listed + 1,
        "one per material and cycle"
    );
}

#[tokio::test]
async fn a_survey_is_checked_and_a_wrong_one_is_corrected_by_a_new_one() {
    let app = empty_ledger().await;
    let officer = app.token_for("procurement_officer").await;
    let all = listings(&app).await;
    let (rebar, other) = (all[0].material_id, all[1].material_id);
    let today = app.state.today();
    let tomorrow = today + chrono::Days::new(1);

    let (status, v) = app
        .post_json("/api/price-surveys", &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    for (field, code) in [
        ("material_id", "required"),
        ("surveyed_on", "date"),
        ("source_kind", "invalid"),
        ("source", "required"),
        ("unit_price", "price_positive"),
    ] {
        assert_eq!(v["error"]["fields"][field]["code"], code, "{field}: {v}");
    }
    for (price, code) in [
        ("0", "price_positive"),
        ("-5", "price_positive"),
        ("3850.12345", "pw_price_places"),
    ] {
        let (status, v) = survey(&app, &officer, rebar, today, price).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{price}");
        assert_eq!(
            v["error"]["fields"]["unit_price"]["code"], code,
            "{price}: {v}"
        );
    }
    let (_, v) = survey(&app, &officer, rebar, tomorrow, "3850").await;
    assert_eq!(
        v["error"]["fields"]["surveyed_on"]["code"], "in_future",
        "{v}"
    );
    let (_, v) = survey(&app, &officer, 9_999_999, today, "3850").await;
    assert_eq!(
        v["error"]["fields"]["material_id"]["code"], "not_found",
        "{v}"
    );
    let (status, _) = app
        .post_json("/api/price-surveys", &officer, &json!({"unit_price": [1]}))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unreadable JSON is not a 500"
    );
    assert_eq!(app.count("price_surveys").await, 0);

    // Four places are kept exactly.
    let (status, wrong) = survey(&app, &officer, rebar, today, "385.0125").await;
    assert_eq!(status, StatusCode::CREATED, "{wrong}");
    assert_eq!(wrong["unit_price"], "385.0125");
    assert_eq!(wrong["source"], "西本新干线");
    let wrong_id = wrong["id"].as_i64().unwrap_or_default();

    let correction = |material: i64, note: &str| {
        json!({
            "material_id": material, "surveyed_on": today, "source_kind": "price_service",
            "source": "西本新干线", "unit_price": "3850.125", "note": note, "corrects_id": wrong_id,
        })
    };
    let (_, v) = app
        .post_json("/api/price-surveys", &officer, &correction(rebar, ""))
        .await;
    assert_eq!(v["error"]["fields"]["note"]["code"], "required", "{v}");
    let (_, v) = app
        .post_json("/api/price-surveys", &officer, &correction(other, "x"))
        .await;
    assert_eq!(
        v["error"]["fields"]["corrects_id"]["code"], "pw_correction_material",
        "{v}"
    );
    let (status, fixed) = app
        .post_json(
            "/api/price-surveys",
            &officer,
            &correction(rebar, "小数点错位，应为 3850.125"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fixed}");

    // Both stay in the ledger; the latest is the correction.
    let (_, h) = app
        .get_json(&format!("/api/price-surveys/materials/{rebar}"), &officer)
        .await;
    let surveys = h["surveys"].as_array().cloned().unwrap_or_default();
    assert_eq!(surveys.len(), 2, "{h}");
    assert_eq!(surveys[0]["id"], fixed["id"]);
    assert_eq!(surveys[0]["corrects_id"], wrong_id);
    assert_eq!(surveys[1]["corrected_by"], fixed["id"]);
    assert_eq!(surveys[1]["unit_price"], "385.0125", "never changed");
    assert_eq!(h["listed"], true);
    assert_eq!(h["due"], false);
    assert_eq!(
        app.count("audit_log WHERE action = 'price_survey.create'")
            .await,
        2
    );
}

#[tokio::test]
async fn the_ledger_filters_shows_the_latest_per_material_and_downloads() {
    let app = empty_ledger().await;
    let t = day(2027, 5, 20);
    app.clock.set(morning(t));
    let officer = app.token_for("procurement_officer").await;
    let all = listings(&app).await;
    let rebar = all[0].material_id;
    let cement = all[all.len() - 1].material_id;
    let early = t - chrono::Days::new(20);
    for (m, on, price) in [
        (rebar, early, "3700"),
        (rebar, t, "3810"),
        (cement, early, "420"),
        (cement, early, "425"),
    ] {
        let (status, v) = survey(&app, &officer, m, on, price).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let (_, v) = app.get_json("/api/price-surveys", &officer).await;
    assert_eq!(v["total"], 4);
    assert_eq!(
        dec(&v["surveys"][0]["unit_price"]),
        Decimal::from(3810),
        "newest first: {v}"
    );
    let (_, v) = app
        .get_json(&format!("/api/price-surveys?from={t}&to={t}"), &officer)
        .await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) = app
        .get_json(
            &format!("/api/price-surveys?material_id={cement}&from=&to="),
            &officer,
        )
        .await;
    assert_eq!(v["total"], 2, "blank filters are no filter: {v}");
    let (status, _) = app
        .get_json("/api/price-surveys?from=yesterday", &officer)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let steel_category = {
        let m = entity::material::Entity::find_by_id(rebar)
            .one(&app.state.db.read)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("rebar"));
        m.category_id
    };
    let (_, v) = app
        .get_json(
            &format!("/api/price-surveys?category_id={steel_category}"),
            &officer,
        )
        .await;
    assert_eq!(v["total"], 2, "{v}");
    let (_, v) = app
        .get_json("/api/price-surveys?q=%E6%B0%B4%E6%B3%A5", &officer)
        .await;
    assert_eq!(v["total"], 2, "水泥 finds the cement: {v}");

    let (_, latest) = app.get_json("/api/price-surveys/latest", &officer).await;
    let latest = latest.as_array().cloned().unwrap_or_default();
    assert_eq!(latest.len(), 2, "{latest:?}");
    let of = |m: i64| {
        latest
            .iter()
            .find(|l| l["survey"]["material"]["id"].as_i64() == Some(m))
            .cloned()
            .unwrap_or_else(|| panic!("{m}"))
    };
    assert_eq!(dec(&of(rebar)["survey"]["unit_price"]), Decimal::from(3810));
    assert_eq!(of(rebar)["due"], false);
    assert_eq!(
        dec(&of(cement)["survey"]["unit_price"]),
        Decimal::from(425),
        "same day: the later recorded"
    );
    assert_eq!(
        (of(cement)["days_old"].clone(), of(cement)["due"].clone()),
        (json!(20), json!(true))
    );

    let r = reqwest::Client::new()
        .get(app.url("/api/price-surveys/export?format=csv"))
        .bearer_auth(&officer)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.unwrap_or_default();
    assert!(
        body.starts_with(&[0xEF, 0xBB, 0xBF]),
        "Excel reads UTF-8 with a BOM"
    );
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains(&Locale::En.t("pw-unit-price")), "{text}");
    assert!(
        text.contains("3810.0000") && text.contains("西本新干线"),
        "{text}"
    );
    let r = reqwest::Client::new()
        .get(app.url(&format!(
            "/api/price-surveys/export?format=xlsx&material_id={cement}"
        )))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("spreadsheetml"))
    );
    let (status, v) = app
        .get_json("/api/price-surveys/export?format=pdf", &officer)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["format"]["code"], "format");
}

#[tokio::test]
async fn procurement_reads_the_price_watch_and_only_the_officer_changes_it() {
    let app = empty_ledger().await;
    let officer = app.token_for("procurement_officer").await;
    let rebar = listings(&app).await[0].clone();
    let survey_id = surveyed(&app, &officer, rebar.material_id, "3000").await;
    let reads = [
        "/api/price-surveys".to_string(),
        "/api/price-surveys/latest".to_string(),
        "/api/price-surveys/due".to_string(),
        format!("/api/price-surveys/materials/{}", rebar.material_id),
        "/api/price-surveys/export?format=csv".to_string(),
        "/api/price-candidates".to_string(),
        "/api/price-candidates/decisions".to_string(),
    ];
    for role in [
        "supplier",
        "site_user",
        "site_manager",
        "warehouse_keeper",
        "finance",
        "procurement_head",
        "auditor",
        "admin",
    ] {
        let token = app.token_for(role).await;
        let may_read = matches!(role, "procurement_head" | "auditor" | "admin");
        for path in &reads {
            let status = app.get(path, &token).await.status();
            let expected = if may_read {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{role} GET {path}");
        }
        let (status, _) = survey(&app, &token, rebar.material_id, app.state.today(), "3000").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} records a survey");
        let (status, _) = decide(
            &app,
            &token,
            rebar.id,
            json!({"decision": "dismiss", "survey_id": survey_id, "reason": "x"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} decides");
    }
    assert_eq!(app.count("price_surveys").await, 1);
    assert_eq!(app.count("price_candidates").await, 0);
    let r = reqwest::Client::new()
        .get(app.url("/api/price-surveys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

// ----- Pages -----

async fn browser(app: &TestApp, role: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
    client
}

async fn page(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    lang: &str,
) -> (StatusCode, String) {
    let r = client
        .get(app.url(path))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

async fn submit(
    app: &TestApp,
    client: &reqwest::Client,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = app.csrf_from(client, from).await;
    assert!(!csrf.is_empty(), "{from} carries a CSRF token");
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    client
        .post(app.url(action))
        .header("Accept-Language", "en")
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {action}: {e}"))
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_price_pages_render_in_both_languages_and_their_forms_work() {
    let app = empty_ledger().await;
    let rebar = listings(&app).await[0].clone();
    let material = entity::material::Entity::find_by_id(rebar.material_id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("rebar"));
    let officer = browser(&app, "procurement_officer").await;

    // Record a survey through the form: first with mistakes, shown beside the fields.
    let form_path = format!("/prices/new?material_id={}", material.id);
    let (status, html) = page(&app, &officer, &form_path, "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("value=\"{}\"", material.code)),
        "prefilled"
    );
    let today = app.state.today().to_string();
    let r = submit(
        &app,
        &officer,
        &form_path,
        "/prices/new",
        &[
            ("material_code", "NO-SUCH-CODE"),
            ("surveyed_on", &today),
            ("source_kind", "price_service"),
            ("source", "西本新干线"),
            ("unit_price", "abc"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains(&Locale::En.t("validation-not_found")),
        "{html}"
    );
    assert!(html.contains(&Locale::En.t("validation-not_a_number")));
    assert!(html.contains("西本新干线"), "what was typed is kept");
    let r = submit(
        &app,
        &officer,
        &form_path,
        "/prices/new",
        &[
            ("material_code", &material.code),
            ("surveyed_on", &today),
            ("source_kind", "vendor_quote"),
            ("source", "沙钢经销商 王经理 电话报价"),
            ("unit_price", "3,000.50"),
            ("note", "含税到场价"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/prices/materials/{}", material.id));
    assert_eq!(
        app.count("price_surveys WHERE unit_price = 30005000").await,
        1
    );

    // Every page in both languages, with the data on it.
    for locale in Locale::ALL {
        let lang = locale.tag();
        for (path, title) in [
            ("/prices".to_string(), "pw-ledger-title"),
            (form_path.clone(), "pw-record"),
            (
                format!("/prices/materials/{}", material.id),
                "pw-history-title",
            ),
            ("/prices/candidates".to_string(), "pw-candidates-title"),
        ] {
            let (status, html) = page(&app, &officer, &path, lang).await;
            assert_eq!(status, StatusCode::OK, "{path} in {lang}");
            assert!(
                html.contains(&format!("<h1 id=\"page-title\">{}", locale.t(title))),
                "{path} in {lang}"
            );
            assert!(html.contains(&format!("data-lang=\"{lang}\"")));
            assert!(
                html.contains(&locale.t("nav-price-ledger")),
                "in the navigation"
            );
        }
        let (_, html) = page(&app, &officer, "/prices", lang).await;
        assert!(
            html.contains("沙钢经销商") && html.contains("3,000.50"),
            "{html}"
        );
        assert!(html.contains(&locale.t("pw-immutable-note")));
        assert!(html.contains(&locale.t("pw-due-title")));
        let (_, html) = page(&app, &officer, "/prices/candidates", lang).await;
        assert!(
            html.contains(&format!("data-listing=\"{}\"", rebar.id)),
            "3850 vs 3000.50"
        );
    }
    let r = officer
        .get(app.url("/prices/download/xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Dismissing without a reason shows the page again with the message; confirming works.
    let survey_id = entity::price_survey::Entity::find()
        .filter(entity::price_survey::Column::MaterialId.eq(material.id))
        .order_by_desc(entity::price_survey::Column::Id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .map(|s| s.id.to_string())
        .unwrap_or_else(|| panic!("the survey recorded through the form"));
    let action = format!("/prices/candidates/{}", rebar.id);
    let r = submit(
        &app,
        &officer,
        "/prices/candidates",
        &action,
        &[
            ("decision", "dismiss"),
            ("survey_id", &survey_id),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains(&Locale::En.t("validation-required")),
        "{html}"
    );
    let r = submit(
        &app,
        &officer,
        "/prices/candidates",
        &action,
        &[
            ("decision", "confirm"),
            ("survey_id", &survey_id),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/prices/candidates");
    assert_eq!(
        app.count(&format!(
            "supplier_failures WHERE supplier_id = {} AND kind = 'price' AND source = 'price_survey'",
            rebar.supplier_id
        ))
        .await,
        1
    );
    let (_, html) = page(&app, &officer, "/prices/candidates", "en").await;
    assert!(!html.contains(&format!("data-listing=\"{}\"", rebar.id)));
    assert!(html.contains(&Locale::En.t("pw-decision-confirmed")));

    // A correction through the form names the survey it corrects.
    let (_, html) = page(
        &app,
        &officer,
        &format!("/prices/new?corrects={survey_id}"),
        "en",
    )
    .await;
    assert!(html.contains("id=\"correcting\""), "{html}");

    // Readers see no forms; suppliers and sites are refused.
    let auditor = browser(&app, "auditor").await;
    let (status, html) = page(&app, &auditor, "/prices/candidates", "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("candidate-form"));
    let (status, _) = page(&app, &auditor, "/prices/new", "en").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for role in ["supplier", "site_user"] {
        let client = browser(&app, role).await;
        for path in ["/prices", "/prices/candidates", "/prices/new"] {
            let (status, html) = page(&app, &client, path, "en").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(
                !html.contains(&Locale::En.t("nav-price-ledger")),
                "{role} has no link"
            );
        }
    }
}
