//! The monthly pack (issue 15): the job assembles the last ended period's pack once, its
//! sections add up to what the pages show, its workbook reads back (calamine) with a sheet per
//! section and the same totals, the head and finance are told once, and only they and the
//! auditor read it.

use crate::helpers::{TestApp, dec, spawn_app};
use crate::settlement::draw;
use crate::stock::stocked;
use calamine::{Data, Reader};
use portal::jobs::Job;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

async fn workbook(
    app: &TestApp,
    token: &str,
    period: &str,
    lang: &str,
) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/monthly-packs/{period}/xlsx")))
        .bearer_auth(token)
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap_or_default().to_vec();
    calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX workbook")
}

/// The figure in `col` of the row whose first cell is `label`, in sheet `name`.
fn figure(
    book: &mut calamine::Xlsx<std::io::Cursor<Vec<u8>>>,
    name: &str,
    label: &str,
    col: usize,
) -> Decimal {
    let range = book
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let row = range
        .rows()
        .find(|r| r.first() == Some(&Data::String(label.to_string())))
        .unwrap_or_else(|| panic!("no {label} row in {name}"));
    match row.get(col) {
        Some(Data::Float(f)) => Decimal::try_from(*f).unwrap_or_default().round_dp(2),
        Some(Data::Int(i)) => Decimal::from(*i),
        other => panic!("{name} {label}: {other:?}"),
    }
}

fn section<'a>(pack: &'a Value, key: &str) -> &'a Value {
    pack["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == key))
        .unwrap_or_else(|| panic!("no section {key}: {pack}"))
}

#[tokio::test]
async fn the_pack_is_assembled_once_and_its_workbook_reads_back_with_the_pages_totals() {
    let app = spawn_app().await;
    let db = &app.state.db.read;
    // The demo assembled the last ended period's pack as it loaded.
    assert_eq!(
        entity::monthly_pack::Entity::find()
            .count(db)
            .await
            .unwrap(),
        1
    );
    // Today's draw is in the current period; its pack is assembled after the cut-off.
    let s = stocked(&app, "20").await;
    draw(&app, s.listing_id, "2").await;
    let after_cutoff = app.state.today() + chrono::Days::new(35);
    let first = portal::jobs::run(&app.state, Job::MonthlyPack, after_cutoff)
        .await
        .unwrap();
    assert!(first.ran, "{first:?}");
    let period = first.period_key.clone();
    let cutoff = portal::settings::cutoff_day(db).await.unwrap_or(25);
    assert_eq!(
        period,
        portal::settlement::rules::Period::containing(app.state.today(), cutoff).to_string()
    );
    let again = portal::jobs::run(&app.state, Job::MonthlyPack, after_cutoff)
        .await
        .unwrap();
    assert!(!again.ran, "claimed once per period");
    // Past the claim (as an instance whose claim was released would be), it still makes none.
    let d = portal::monthly_pack::store::assemble(&app.state, after_cutoff)
        .await
        .unwrap();
    assert_eq!(d.message, "job-detail-monthly-pack-exists");
    assert_eq!(
        entity::monthly_pack::Entity::find()
            .count(db)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("monthly_pack.assemble"))
            .count(db)
            .await
            .unwrap(),
        2
    );
    // The head and finance are told, once each, with the link.
    for who in ["finance@demo.test", "procurement_head@demo.test"] {
        let mails = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Kind.eq("monthly_pack"))
            .filter(entity::outbox::Column::ToAddr.eq(who))
            .all(db)
            .await
            .unwrap();
        let this = mails
            .iter()
            .filter(|m| m.body_text.contains(&format!("/monthly-packs/{period}")))
            .count();
        assert_eq!(this, 1, "{who}");
    }

    let finance = app.token_for("finance").await;
    let (status, pack) = app
        .get_json(&format!("/api/monthly-packs/{period}"), &finance)
        .await;
    assert_eq!(status, StatusCode::OK, "{pack}");
    let keys: Vec<&str> = pack["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["key"].as_str())
        .collect();
    assert_eq!(keys, portal::monthly_pack::rules::SECTIONS);

    // The statements' total is the statements' page's.
    let (_, list) = app
        .get_json(&format!("/api/statements?period={period}"), &finance)
        .await;
    let gross: Decimal = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| dec(&s["gross"]))
        .sum();
    assert!(
        gross >= Decimal::new(770000, 2),
        "the period's draw is on a statement: {list}"
    );
    assert_eq!(dec(&section(&pack, "statements")["total"]), gross);
    // The price differences' and the funds plan's totals are their pages'.
    let (_, diff) = app
        .get_json(&format!("/api/price-differences?month={period}"), &finance)
        .await;
    assert_eq!(
        dec(&section(&pack, "price_differences")["total"]),
        dec(&diff["total"]["difference"])
    );
    let (status, funds) = app
        .get_json(&format!("/api/funds-plans/{period}/comparison"), &finance)
        .await;
    assert_eq!(status, StatusCode::OK, "{funds}");
    assert_eq!(
        dec(&section(&pack, "funds_plan")["total"]),
        dec(&funds["total"]["variance"])
    );

    // The workbook: a sheet per section's sheet, the same totals, in either language.
    let sheets: u64 = pack["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["sheets"].as_u64().unwrap_or_default())
        .sum();
    let mut en = workbook(&app, &finance, &period, "en").await;
    assert_eq!(en.sheet_names().len() as u64, sheets);
    assert_eq!(en.sheet_names()[0], "Statements");
    assert_eq!(figure(&mut en, "Statements", "Total", 3), gross);
    let statements_rows = en.worksheet_range("Statements").unwrap().rows().count();
    // Period, blank, header, a row per statement, the total.
    assert_eq!(
        statements_rows as u64,
        3 + section(&pack, "statements")["rows"]
            .as_u64()
            .unwrap_or_default()
            + 1
    );
    let mut zh = workbook(&app, &finance, &period, "zh-CN").await;
    assert_eq!(zh.sheet_names()[0], "结算单");
    assert_eq!(figure(&mut zh, "结算单", "合计", 3), gross);
    assert_eq!(zh.sheet_names().len(), en.sheet_names().len());

    // The page lists the sections with their links, in the reader's language.
    let client = app.browser_of("procurement_head").await;
    let html = app.html(&client, &format!("/monthly-packs/{period}")).await;
    assert!(
        html.contains(&format!("href=\"/statements?period={period}\"")),
        "{html}"
    );
    assert!(html.contains(&format!("/monthly-packs/{period}/xlsx")));
    assert!(
        html.contains("href=\"/contracts\""),
        "the head opens the contract ledger"
    );
    let finance_client = app.browser_of("finance").await;
    let seen = app
        .html(&finance_client, &format!("/monthly-packs/{period}"))
        .await;
    assert!(
        !seen.contains("href=\"/contracts\""),
        "finance may not open it: no link"
    );
    assert!(
        seen.contains(&format!("href=\"/funds-plans/{period}\"")),
        "{seen}"
    );
    let list = app.html(&client, "/monthly-packs").await;
    assert!(
        list.contains(&format!("href=\"/monthly-packs/{period}\"")),
        "{list}"
    );

    // Only finance, the head and the auditor read it; a bad period is named, an absent one 404.
    for role in ["procurement_head", "auditor"] {
        let t = app.token_for(role).await;
        let (status, _) = app
            .get_json(&format!("/api/monthly-packs/{period}"), &t)
            .await;
        assert_eq!(status, StatusCode::OK, "{role}");
    }
    for role in [
        "supplier",
        "site_user",
        "site_manager",
        "warehouse_keeper",
        "procurement_officer",
        "admin",
    ] {
        let t = app.token_for(role).await;
        let (status, _) = app.get_json("/api/monthly-packs", &t).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        let (status, _) = app
            .get_json(&format!("/api/monthly-packs/{period}"), &t)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    let (status, v) = app.get_json("/api/monthly-packs/2026-13", &finance).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["period"].is_object(), "{v}");
    let (status, _) = app.get_json("/api/monthly-packs/2031-01", &finance).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
