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
        assert_eq!(html.matches("role=\"img\"").count(), 2, "{html}");
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
    for (role, id, area) in [
        ("procurement_officer", "draws-by-site", "procurement"),
        ("procurement_head", "draws-by-site", "procurement"),
        ("auditor", "draws-by-site", "procurement"),
        ("warehouse_keeper", "receipts-and-issues", "warehouse"),
        ("supplier", "stock-by-age", "supplier"),
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
    for role in ["site_user", "site_manager", "finance", "admin"] {
        let client = app.browser_of(role).await;
        let html = app.html(&client, "/").await;
        assert!(!html.contains("id=\"home-charts\""), "{role}");
    }
}
