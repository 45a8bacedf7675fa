//! The procurement dashboard (issue 15): its figures equal the ledger's, a month with no
//! activity is a zero, the picture says what it shows, and only procurement reads it.

use crate::helpers::{TestApp, dec, spawn_app};
use crate::settlement::draw;
use crate::stock::stocked;
use chrono::Datelike;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::collections::BTreeMap;

/// What each site drew per month (`YYYY-MM`), computed here from the movement rows.
async fn drawn_from_ledger(app: &TestApp) -> BTreeMap<(i64, String), Decimal> {
    let rows = entity::movement::Entity::find()
        .filter(entity::movement::Column::Kind.is_in(["issue", "site_return"]))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for m in rows {
        let Some(site) = m.site_id else { continue };
        let month = format!("{:04}-{:02}", m.on_date.year(), m.on_date.month());
        *out.entry((site, month)).or_insert(Decimal::ZERO) -= m.amount.value();
    }
    out
}

async fn site_names(app: &TestApp) -> BTreeMap<String, i64> {
    entity::site::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .into_iter()
        .flat_map(|s| [(s.name_zh, s.id), (s.name_en, s.id)])
        .collect()
}

/// The dashboard's draws as (site id, month) → figure, every cell of the chart.
async fn drawn_on_dashboard(app: &TestApp, d: &Value) -> BTreeMap<(i64, String), Decimal> {
    let names = site_names(app).await;
    let months: Vec<String> = chart(d, "draws-by-site")["categories"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for s in chart(d, "draws-by-site")["series"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let site = names
            .get(s["name"].as_str().unwrap_or_default())
            .copied()
            .unwrap_or_else(|| panic!("unknown site {s}"));
        for (m, v) in months
            .iter()
            .zip(s["values"].as_array().cloned().unwrap_or_default())
        {
            out.insert((site, m.clone()), dec(&v));
        }
    }
    out
}

async fn dashboard(app: &TestApp) -> Value {
    area_as(app, "procurement", "procurement_officer").await
}

async fn area_as(app: &TestApp, area: &str, role: &str) -> Value {
    let token = app.token_for(role).await;
    let (status, d) = app
        .get_json(&format!("/api/dashboards/{area}"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

/// The chart `id` of a dashboard.
fn chart(d: &Value, id: &str) -> Value {
    d["charts"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("no chart {id}: {d}"))
}

fn figures(c: &Value, series: usize) -> Vec<Decimal> {
    c["series"][series]["values"]
        .as_array()
        .map(|a| a.iter().map(dec).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_draws_chart_equals_the_ledger_month_by_month_with_empty_months_at_zero() {
    let app = spawn_app().await;
    let s = stocked(&app, "50").await;
    draw(&app, s.listing_id, "3").await;
    draw(&app, s.listing_id, "2.5").await;

    let d = dashboard(&app).await;
    let months: Vec<String> = chart(&d, "draws-by-site")["categories"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(months.len(), 6);
    let this_month = {
        let t = app.state.today();
        format!("{:04}-{:02}", t.year(), t.month())
    };
    assert_eq!(months.last(), Some(&this_month));
    let shown = drawn_on_dashboard(&app, &d).await;
    let ledger = drawn_from_ledger(&app).await;
    assert!(!shown.is_empty(), "{d}");
    for ((site, month), v) in &shown {
        let expected = ledger
            .get(&(*site, month.clone()))
            .copied()
            .unwrap_or_default();
        assert_eq!(*v, expected, "site {site}, {month}");
    }
    // Every ledger figure inside the window is on the chart.
    for ((site, month), v) in &ledger {
        if months.contains(month) {
            assert_eq!(
                shown.get(&(*site, month.clone())),
                Some(v),
                "{site} {month}"
            );
        }
    }
    // This month holds the two draws: 5.5 at 3,850.00.
    let here: Decimal = shown
        .iter()
        .filter(|((_, m), _)| *m == this_month)
        .map(|(_, v)| *v)
        .sum();
    let before: Decimal = ledger
        .iter()
        .filter(|((_, m), _)| *m == this_month)
        .map(|(_, v)| *v)
        .sum();
    assert_eq!(here, before);
    assert!(here >= Decimal::new(2117500, 2), "{here}");
    // A month with no activity is a zero for each site, not a gap.
    let quiet = &months[0];
    if !ledger.keys().any(|(_, m)| m == quiet) {
        assert!(
            shown
                .iter()
                .filter(|((_, m), _)| m == quiet)
                .all(|(_, v)| v.is_zero()),
            "{shown:?}"
        );
        assert!(shown.keys().any(|(_, m)| m == quiet), "the month is there");
    }
}

#[tokio::test]
async fn the_suppliers_chart_counts_each_stage_as_the_directory_does() {
    let app = spawn_app().await;
    let d = dashboard(&app).await;
    let counts = figures(&chart(&d, "suppliers-by-stage"), 0);
    let stages: [&[&str]; 5] = [
        &["draft", "submitted", "info_requested", "recommended"],
        &["admitted"],
        &["suspended"],
        &["removed"],
        &["rejected"],
    ];
    assert_eq!(counts.len(), stages.len(), "{d}");
    for (statuses, n) in stages.iter().zip(&counts) {
        let expected = entity::supplier::Entity::find()
            .filter(entity::supplier::Column::Status.is_in(statuses.iter().copied()))
            .all(&app.state.db.read)
            .await
            .unwrap_or_default()
            .len();
        assert_eq!(*n, Decimal::from(expected), "{statuses:?}");
    }
    assert!(counts[3] >= Decimal::ONE, "the demo has a removed supplier");
    // Of them, those with a confirmed failure (rule 2).
    let failed: std::collections::BTreeSet<i64> = entity::supplier_failure::Entity::find()
        .filter(entity::supplier_failure::Column::Status.eq("confirmed"))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .iter()
        .map(|f| i64::from(f.supplier_id))
        .collect();
    let with_failures = figures(&chart(&d, "suppliers-by-stage"), 1);
    for (statuses, n) in stages.iter().zip(&with_failures) {
        let expected = entity::supplier::Entity::find()
            .filter(entity::supplier::Column::Status.is_in(statuses.iter().copied()))
            .all(&app.state.db.read)
            .await
            .unwrap_or_default()
            .iter()
            .filter(|s| failed.contains(&i64::from(s.id)))
            .count();
        assert_eq!(*n, Decimal::from(expected), "{statuses:?}");
    }
}

#[tokio::test]
async fn the_dashboard_page_draws_each_chart_with_a_text_alternative_and_its_table() {
    let app = spawn_app().await;
    let client = app.browser_of("procurement_head").await;
    for (lang, title) in [
        ("zh-CN", "各项目每月领用"),
        ("en", "What each site drew, by month"),
    ] {
        let r = client
            .get(app.url("/dashboards/procurement"))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains(title), "{lang}: {html}");
        // Seven charts: each drawn, or said to have nothing to show.
        assert_eq!(
            html.matches("role=\"img\"").count() + html.matches("class=\"chart-empty\"").count(),
            7,
            "{html}"
        );
        assert!(html.contains("<title id=\"draws-by-site-title\">"));
        assert!(html.contains("<desc id=\"suppliers-by-stage-desc\">"));
        assert!(html.contains("<details class=\"chart-table\">"));
        assert!(!html.contains("style="), "no inline style under the CSP");
    }
    // The table behind a chart downloads with the same figures.
    let d = dashboard(&app).await;
    let r = client
        .get(app.url("/dashboards/procurement/suppliers-by-stage/csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap_or_default();
    let admitted = chart(&d, "suppliers-by-stage")["series"][0]["values"][1]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(csv.contains(&format!(",{admitted}")), "{csv}");
    for path in [
        "/dashboards/procurement/nothing/csv",
        "/dashboards/nowhere",
        "/dashboards/procurement/suppliers-by-stage/pdf",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn only_procurement_and_the_auditors_read_the_dashboard() {
    let app = spawn_app().await;
    for role in [
        "supplier",
        "site_user",
        "site_manager",
        "warehouse_keeper",
        "finance",
    ] {
        let token = app.token_for(role).await;
        let (status, _) = app.get_json("/api/dashboards/procurement", &token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    for role in ["procurement_officer", "procurement_head", "auditor"] {
        let token = app.token_for(role).await;
        let (status, _) = app.get_json("/api/dashboards/procurement", &token).await;
        assert_eq!(status, StatusCode::OK, "{role}");
    }
}

#[tokio::test]
async fn each_areas_home_shows_its_first_chart_and_others_none() {
    let app = spawn_app().await;
    // A draw this period, so that the site's first chart has something to draw.
    let s = stocked(&app, "10").await;
    draw(&app, s.listing_id, "1").await;
    for (role, id, area) in [
        ("procurement_officer", "draws-by-site", "procurement"),
        ("procurement_head", "draws-by-site", "procurement"),
        ("auditor", "draws-by-site", "procurement"),
        ("warehouse_keeper", "receipts-and-issues", "warehouse"),
        ("supplier", "stock-by-age", "supplier"),
        ("finance", "to-pay", "finance"),
        ("site_user", "drawn-against-plan", "site"),
        ("site_manager", "drawn-against-plan", "site"),
    ] {
        let client = app.browser_of(role).await;
        let html = app.html(&client, "/").await;
        assert!(
            html.contains("id=\"home-charts\"")
                && html.contains(&format!("<title id=\"{id}-title\">"))
                && html.contains(&format!(
                    "href=\"/dashboards/{area}\" id=\"home-dashboard-link\""
                )),
            "{role}: {html}"
        );
    }
    for role in ["admin"] {
        let client = app.browser_of(role).await;
        let html = app.html(&client, "/").await;
        assert!(!html.contains("id=\"home-charts\""), "{role}");
    }
}

/// The sum of a chart's series `series`.
fn total(c: &Value, series: usize) -> Decimal {
    figures(c, series).iter().sum()
}

/// `value` of a chart's category named `category` in series `series`.
fn figure_of(c: &Value, series: usize, category: &str) -> Decimal {
    let i = c["categories"]
        .as_array()
        .and_then(|a| a.iter().position(|x| x == category))
        .unwrap_or_else(|| panic!("no {category} in {c}"));
    figures(c, series)[i]
}

/// The value of lots on hand at their listing's price, quantity × price summed exactly per
/// key and rounded to the cent once, over the lots `keep` keeps.
async fn lots_value(
    app: &TestApp,
    keep: impl Fn(&entity::lot::Model) -> bool,
    key: impl Fn(&entity::lot::Model, &entity::listing::Model) -> i64,
) -> BTreeMap<i64, Decimal> {
    let db = &app.state.db.read;
    let listings: BTreeMap<i64, entity::listing::Model> = entity::listing::Entity::find()
        .all(db)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|l| (i64::from(l.id), l))
        .collect();
    let mut exact: BTreeMap<i64, Decimal> = BTreeMap::new();
    for l in entity::lot::Entity::find()
        .all(db)
        .await
        .unwrap_or_default()
    {
        if l.quantity.value() <= Decimal::ZERO || !keep(&l) {
            continue;
        }
        let listing = &listings[&i64::from(l.listing_id)];
        *exact.entry(key(&l, listing)).or_default() += l.quantity.value() * listing.price.value();
    }
    exact
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_procurement_chart_equals_the_same_figures_taken_from_the_tables() {
    let app = spawn_app().await;
    let s = stocked(&app, "50").await;
    draw(&app, s.listing_id, "3").await;
    let db = &app.state.db.read;
    let tz = app.state.tz();
    let d = dashboard(&app).await;
    let ids: Vec<&str> = d["charts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "draws-by-site",
            "funding",
            "stale-by-supplier",
            "turnover",
            "suppliers-by-stage",
            "tenders-by-stage",
            "contracts-waiting"
        ]
    );
    let months: Vec<String> = chart(&d, "funding")["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(String::from))
        .collect();

    // Consigned: what the sites drew each month (the draws chart's months summed).
    let ledger = drawn_from_ledger(&app).await;
    let consigned = figures(&chart(&d, "funding"), 0);
    for (m, v) in months.iter().zip(&consigned) {
        let expected: Decimal = ledger
            .iter()
            .filter(|((_, month), _)| month == m)
            .map(|(_, v)| *v)
            .sum();
        assert_eq!(*v, expected, "{m}");
    }
    // Bought: the contracts that took effect each month, in the company's time zone.
    let bought = figures(&chart(&d, "funding"), 1);
    let contracts = entity::contract::Entity::find()
        .filter(entity::contract::Column::Status.eq("effective"))
        .all(db)
        .await
        .unwrap_or_default();
    for (m, v) in months.iter().zip(&bought) {
        let expected: Decimal = contracts
            .iter()
            .filter(|c| {
                c.effective_at.is_some_and(|t| {
                    let day = t.with_timezone(&tz).date_naive();
                    format!("{:04}-{:02}", day.year(), day.month()) == *m
                })
            })
            .map(|c| c.total.value())
            .sum();
        assert_eq!(*v, expected, "{m}");
    }

    // The consigned share over the months, in whole percent, in the chart's words.
    let (c, b): (Decimal, Decimal) = (consigned.iter().sum(), bought.iter().sum());
    assert!(c > Decimal::ZERO);
    let share = (c * Decimal::ONE_HUNDRED / (c + b)).round();
    let desc = chart(&d, "funding")["desc"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(desc.contains(&format!("{share}%")), "{desc}");

    // Stock to go back: every flagged lot's supplier, valued at today's price.
    let stale = lots_value(
        &app,
        |l| l.stale_flagged_on.is_some() || l.return_request.is_some(),
        |l, _| i64::from(l.supplier_id),
    )
    .await;
    assert_eq!(
        total(&chart(&d, "stale-by-supplier"), 0),
        stale.values().copied().sum::<Decimal>()
    );
    assert!(
        chart(&d, "stale-by-supplier")["categories"]
            .as_array()
            .is_some_and(|c| c.len() <= 9),
        "at most eight names and the rest"
    );

    // Turnover: on hand now at today's price, and drawn over the six months, in total.
    let materials: BTreeMap<i64, i64> = entity::material::Entity::find()
        .all(db)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.id, m.category_id))
        .collect();
    let on_hand = lots_value(&app, |_| true, |_, li| materials[&li.material_id]).await;
    let turnover = chart(&d, "turnover");
    assert_eq!(
        total(&turnover, 1),
        on_hand.values().copied().sum::<Decimal>()
    );
    // Draws without a site count too: taken straight from the movements.
    let all_drawn: Decimal = entity::movement::Entity::find()
        .filter(entity::movement::Column::Kind.is_in(["issue", "site_return"]))
        .all(db)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|m| months.contains(&format!("{:04}-{:02}", m.on_date.year(), m.on_date.month())))
        .filter(|m| m.on_date <= app.state.today())
        .map(|m| -m.amount.value())
        .sum();
    assert_eq!(total(&turnover, 0), all_drawn);
    assert!(all_drawn > Decimal::ZERO);

    // Tenders by stage and contracts waiting, counted from their tables.
    let tenders = entity::tender::Entity::find()
        .all(db)
        .await
        .unwrap_or_default();
    let stages = [
        "draft",
        "published",
        "opened",
        "evaluated",
        "awarded",
        "failed",
    ];
    let counted = figures(&chart(&d, "tenders-by-stage"), 0);
    for (stage, n) in stages.iter().zip(&counted) {
        let expected = tenders.iter().filter(|t| t.status == *stage).count();
        assert_eq!(*n, Decimal::from(expected), "{stage}");
    }
    assert_eq!(
        counted.iter().sum::<Decimal>(),
        Decimal::from(tenders.len()),
        "every tender has a stage on the chart"
    );
    let waiting = entity::contract::Entity::find()
        .filter(entity::contract::Column::Status.eq("in_signoff"))
        .all(db)
        .await
        .unwrap_or_default()
        .len();
    assert_eq!(
        total(&chart(&d, "contracts-waiting"), 0),
        Decimal::from(waiting)
    );
}

#[tokio::test]
async fn a_supplier_removed_mid_month_keeps_its_draws_and_its_stock_goes_on_the_list_to_go_back() {
    let app = spawn_app().await;
    let s = stocked(&app, "40").await;
    draw(&app, s.listing_id, "4").await;
    let before = dashboard(&app).await;
    let sid = entity::listing::Entity::find_by_id(entity::ListingId(s.listing_id))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .map(|l| i64::from(l.supplier_id))
        .unwrap_or_default();
    // Two confirmed failures remove it (rule 2).
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    for kind in ["quality", "price"] {
        let (status, v) = app
            .post_json(
                &format!("/api/suppliers/{sid}/failures"),
                &officer,
                &serde_json::json!({"kind": kind, "source": if kind == "quality" { "receiving_inspection" } else { "tender" }, "description": "不合格"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        app.suppliers_answer_open_failures().await;
        let (status, v) = app
            .post_json(
                &format!("/api/failures/{}/decision", v["id"]),
                &head,
                &serde_json::json!({"confirm": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let after = dashboard(&app).await;
    // What the sites drew this month stays, to the cent, and equals the ledger.
    assert_eq!(
        figures(&chart(&after, "funding"), 0),
        figures(&chart(&before, "funding"), 0)
    );
    let this_month = {
        let t = app.state.today();
        format!("{:04}-{:02}", t.year(), t.month())
    };
    let ledger: Decimal = drawn_from_ledger(&app)
        .await
        .iter()
        .filter(|((_, m), _)| *m == this_month)
        .map(|(_, v)| *v)
        .sum();
    assert_eq!(
        *figures(&chart(&after, "funding"), 0).last().unwrap(),
        ledger
    );
    // One more removed supplier; its 36 left on hand are to go back, at today's price.
    let removed = |d: &Value| figures(&chart(d, "suppliers-by-stage"), 0)[3];
    assert_eq!(removed(&after), removed(&before) + Decimal::ONE);
    let name = entity::supplier::Entity::find_by_id(entity::SupplierId(sid))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .map(|s| s.legal_name)
        .unwrap_or_default();
    let to_go_back = chart(&after, "stale-by-supplier");
    let own = lots_value(
        &app,
        |l| i64::from(l.supplier_id) == sid && l.return_request.is_some(),
        |l, _| i64::from(l.supplier_id),
    )
    .await;
    assert!(own[&sid] >= dec(&serde_json::json!("138600.00")), "{own:?}");
    assert_eq!(figure_of(&to_go_back, 0, &name), own[&sid], "{to_go_back}");
    // Its own scorecard: one quality and one price failure confirmed, none left.
    let mine = area_as(&app, "supplier", "supplier").await;
    let card = chart(&mine, "scorecard");
    assert_eq!(
        figures(&card, 0)[..2],
        [Decimal::ONE, Decimal::ONE],
        "{card}"
    );
    assert!(
        card["desc"].as_str().is_some_and(|d| d.contains(" 0 ")),
        "{card}"
    );
}

#[tokio::test]
async fn the_finance_charts_add_up_to_the_statements_and_what_was_drawn_since() {
    let app = spawn_app().await;
    let s = stocked(&app, "20").await;
    draw(&app, s.listing_id, "2").await;
    let db = &app.state.db.read;
    let d = area_as(&app, "finance", "finance").await;
    let statements = entity::statement::Entity::find()
        .all(db)
        .await
        .unwrap_or_default();
    let sum = |statuses: &[&str]| -> Decimal {
        statements
            .iter()
            .filter(|s| statuses.contains(&s.status.as_str()))
            .map(|s| s.gross.value())
            .sum()
    };
    let last_stated = statements.iter().map(|s| s.last_day).max();
    let not_stated: Decimal = entity::movement::Entity::find()
        .filter(entity::movement::Column::Kind.is_in(["issue", "site_return"]))
        .all(db)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|m| last_stated.is_none_or(|d| m.on_date > d) && m.on_date <= app.state.today())
        .map(|m| -m.amount.value())
        .sum();
    assert!(
        not_stated >= dec(&serde_json::json!("7700.00")),
        "the draw is not stated yet"
    );
    assert_eq!(
        figures(&chart(&d, "to-pay"), 0),
        [
            sum(&["confirmed", "resolved", "invoiced"]),
            sum(&["draft", "issued", "disputed"]),
            not_stated
        ]
    );
    let from = {
        let t = app.state.today();
        chrono::NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
            .and_then(|f| f.checked_sub_months(chrono::Months::new(5)))
            .unwrap_or(t)
    };
    let by_stage = figures(&chart(&d, "statements-by-stage"), 0);
    for (stage, v) in [
        "draft",
        "issued",
        "confirmed",
        "disputed",
        "resolved",
        "invoiced",
        "paid",
    ]
    .iter()
    .zip(&by_stage)
    {
        let expected: Decimal = statements
            .iter()
            .filter(|s| s.status == *stage && s.last_day >= from)
            .map(|s| s.gross.value())
            .sum();
        assert_eq!(*v, expected, "{stage}");
    }
    assert_eq!(total(&chart(&d, "disputed"), 0), sum(&["disputed"]));
    // Finance, the head and the auditor read it; nobody else.
    for role in ["procurement_head", "auditor"] {
        area_as(&app, "finance", role).await;
    }
    for role in [
        "supplier",
        "site_user",
        "site_manager",
        "warehouse_keeper",
        "procurement_officer",
        "admin",
    ] {
        let token = app.token_for(role).await;
        let (status, _) = app.get_json("/api/dashboards/finance", &token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
}

#[tokio::test]
async fn a_site_sees_its_own_draws_against_its_approved_plan_and_nobody_elses() {
    let app = spawn_app().await;
    let s = stocked(&app, "20").await;
    draw(&app, s.listing_id, "2").await;
    let db = &app.state.db.read;
    let site_id = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("site_user@demo.test"))
        .one(db)
        .await
        .ok()
        .flatten()
        .and_then(|u| u.site_id)
        .unwrap_or_default();
    let d = area_as(&app, "site", "site_user").await;
    let manager = area_as(&app, "site", "site_manager").await;
    assert_eq!(d["charts"], manager["charts"], "the same site");
    // Per month: this site's draws in the ledger, no other site's.
    let ledger = drawn_from_ledger(&app).await;
    let months: Vec<String> = chart(&d, "site-draws")["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(String::from))
        .collect();
    for (m, v) in months.iter().zip(figures(&chart(&d, "site-draws"), 0)) {
        assert_eq!(
            v,
            ledger
                .get(&(site_id, m.clone()))
                .copied()
                .unwrap_or_default(),
            "{m}"
        );
    }
    // This period: drawn to the cut-off, and the approved plan lines of its month.
    let cutoff = portal::settings::cutoff_day(db).await.unwrap_or(25);
    let period = portal::settlement::rules::Period::containing(app.state.today(), cutoff);
    let drawn: Decimal = entity::movement::Entity::find()
        .filter(entity::movement::Column::Kind.is_in(["issue", "site_return"]))
        .filter(entity::movement::Column::SiteId.eq(site_id))
        .all(db)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|m| m.on_date >= period.first_day(cutoff) && m.on_date <= app.state.today())
        .map(|m| -m.amount.value())
        .sum();
    let plan = chart(&d, "drawn-against-plan");
    assert_eq!(total(&plan, 1), drawn);
    assert!(drawn > Decimal::ZERO);
    let approved: Vec<i64> = entity::plan::Entity::find()
        .filter(entity::plan::Column::Month.eq(period.to_string()))
        .filter(entity::plan::Column::Status.eq("approved"))
        .all(db)
        .await
        .unwrap_or_default()
        .iter()
        .map(|p| p.id)
        .collect();
    let planned: Decimal = entity::plan_line::Entity::find()
        .filter(entity::plan_line::Column::PlanId.is_in(approved))
        .filter(entity::plan_line::Column::SiteId.eq(site_id))
        .all(db)
        .await
        .unwrap_or_default()
        .iter()
        .map(|l| l.line_value.value())
        .sum();
    assert_eq!(total(&plan, 0), planned);
    for role in [
        "supplier",
        "warehouse_keeper",
        "procurement_officer",
        "finance",
        "auditor",
        "admin",
    ] {
        let token = app.token_for(role).await;
        let (status, _) = app.get_json("/api/dashboards/site", &token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
}

#[tokio::test]
async fn the_warehouse_lead_times_and_the_suppliers_deliveries_count_what_happened() {
    let app = spawn_app().await;
    let s = stocked(&app, "20").await;
    draw(&app, s.listing_id, "2").await;
    let db = &app.state.db.read;
    let tz = app.state.tz();
    let today = app.state.today();
    let d = area_as(&app, "warehouse", "warehouse_keeper").await;
    let from = today - chrono::Days::new(30);
    let deliveries = entity::delivery::Entity::find()
        .all(db)
        .await
        .unwrap_or_default();
    let inspected: Vec<&entity::delivery::Model> = deliveries
        .iter()
        .filter(|x| {
            x.inspected_at.is_some_and(|t| {
                let day = t.with_timezone(&tz).date_naive();
                day >= from && day <= today
            })
        })
        .collect();
    let c = chart(&d, "inspections");
    assert_eq!(
        total(&c, 0) + total(&c, 1),
        Decimal::from(inspected.len()),
        "every delivery inspected in the 30 days, in time or late"
    );
    assert!(
        total(&c, 0) >= Decimal::ONE,
        "today's delivery was inspected in time"
    );
    // A delivery that came 40 days ago and was inspected today is counted, late (rule 8).
    let latest = inspected.iter().map(|x| x.id).max().unwrap_or_default();
    entity::delivery::Entity::update_many()
        .col_expr(
            entity::delivery::Column::DeliveredOn,
            sea_orm::sea_query::Expr::value(today - chrono::Days::new(40)),
        )
        .filter(entity::delivery::Column::Id.eq(latest))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    let again = chart(
        &area_as(&app, "warehouse", "warehouse_keeper").await,
        "inspections",
    );
    assert_eq!(
        total(&again, 0) + total(&again, 1),
        total(&c, 0) + total(&c, 1)
    );
    assert_eq!(total(&again, 1), total(&c, 1) + Decimal::ONE, "{again}");
    let now = app.state.now();
    let approved = entity::requisition::Entity::find()
        .all(db)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            r.approved_at
                .is_some_and(|t| t >= now - chrono::Duration::days(30) && t <= now)
        })
        .count();
    let c = chart(&d, "issue-times");
    assert_eq!(total(&c, 0), Decimal::from(approved));
    assert!(figures(&c, 0)[0] >= Decimal::ONE, "issued at once: in time");

    // The supplier's delivery lines inspected, accepted whole or not, of its own deliveries.
    let sd = area_as(&app, "supplier", "supplier").await;
    let sid = entity::listing::Entity::find_by_id(entity::ListingId(s.listing_id))
        .one(db)
        .await
        .ok()
        .flatten()
        .map(|l| l.supplier_id);
    let first = chrono::NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .and_then(|f| f.checked_sub_months(chrono::Months::new(5)))
        .unwrap_or(today);
    let own: Vec<i64> = deliveries
        .iter()
        .filter(|x| {
            Some(x.supplier_id) == sid && x.inspected_at.is_some() && x.delivered_on >= first
        })
        .map(|x| x.id)
        .collect();
    let lines = entity::delivery_line::Entity::find()
        .filter(entity::delivery_line::Column::DeliveryId.is_in(own))
        .all(db)
        .await
        .unwrap_or_default();
    // Its stock by listing and age holds the same value as its stock by age, age by age.
    let by_listing = chart(&sd, "stock-by-listing");
    let by_age = figures(&chart(&sd, "stock-by-age"), 0);
    for (age, v) in by_age.iter().enumerate() {
        assert_eq!(total(&by_listing, age), *v, "age {age}");
    }
    assert!(
        by_listing["categories"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.len() <= 9)
    );
    let c = chart(&sd, "deliveries");
    assert_eq!(
        total(&c, 0) + total(&c, 1),
        Decimal::from(lines.len()),
        "{c}"
    );
    assert_eq!(
        total(&c, 1),
        Decimal::from(
            lines
                .iter()
                .filter(|l| !l.rejected.value().is_zero())
                .count()
        )
    );
    assert!(total(&c, 0) >= Decimal::ONE, "{c}");
}
