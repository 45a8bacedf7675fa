//! Rule 11's monthly reports: the site usage statement (单位用料明细表) and the warehouse's
//! receipts / issues / balance report (收付存), as JSON, pages, CSV and XLSX.

use crate::helpers::{DEMO_PASSWORD, TestApp, dec, spawn_app};
use chrono::{NaiveTime, TimeZone};
use entity::{ListingId, listing, movement};
use portal::i18n::Locale;
use portal::settlement::rules::Period;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::str::FromStr;

const PRICE: &str = "3850.1234";

/// The demo supplier lists a material it does not list yet at `PRICE`, procurement approves
/// it, and `quantity` is delivered and accepted. Answers the listing and its warehouse.
async fn stocked(app: &TestApp, quantity: &str) -> (i64, i64) {
    let s = crate::stock::stocked_at(app, quantity, PRICE).await;
    (s.listing_id, s.warehouse_id)
}

/// A site's user and manager.
struct SitePeople {
    site_id: i64,
    user: String,
    manager: String,
}

/// The demo site (whose user and manager the demo has).
async fn demo_site(app: &TestApp) -> SitePeople {
    let user = app.token_for("site_user").await;
    let manager = app.token_for("site_manager").await;
    let (_, me) = app.get_json("/api/me", &manager).await;
    let site_id = me["site_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("the demo manager has a site: {me}"));
    SitePeople {
        site_id,
        user,
        manager,
    }
}

/// Another demo site, with a user and a manager added by the admin.
async fn other_site(app: &TestApp, not: i64) -> SitePeople {
    let admin = app.token_for("admin").await;
    let (_, sites) = app.get_json("/api/sites", &admin).await;
    let site_id = sites
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] != not))
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_else(|| panic!("the demo has a second site: {sites}"));
    let mut tokens = Vec::new();
    for role in ["site_user", "site_manager"] {
        let email = format!("{role}.{site_id}@example.test");
        let (status, u) = app
            .post_json("/api/users", &admin, &json!({"email": email, "display_name": format!("{role} {site_id}"), "password": "long-enough-pw", "role": role, "site_id": site_id}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{u}");
        tokens.push(app.token(&email, "long-enough-pw").await);
    }
    let manager = tokens.pop().unwrap_or_default();
    let user = tokens.pop().unwrap_or_default();
    SitePeople {
        site_id,
        user,
        manager,
    }
}

/// The site raises a requisition for `quantity` and its manager approves it. Answers the
/// requisition id and its line id.
async fn approved(app: &TestApp, site: &SitePeople, listing_id: i64, quantity: &str) -> (i64, i64) {
    let (status, r) = app
        .post_json("/api/requisitions", &site.user, &json!({"purpose": "3# 楼二层梁板", "need_by": app.state.today().to_string(), "lines": [{"listing_id": listing_id, "quantity": quantity}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_i64().unwrap_or_default();
    let (status, r) = app
        .post_json(
            &format!("/api/requisitions/{rid}/approval"),
            &site.manager,
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

async fn cutoff(app: &TestApp) -> u32 {
    portal::settings::cutoff_day(&app.state.db.read)
        .await
        .unwrap()
}

/// The period today falls in.
async fn this_period(app: &TestApp) -> Period {
    Period::containing(app.state.today(), cutoff(app).await)
}

/// The site's issues in the current period (the demo data has one in the period before).
async fn issues_of_site(app: &TestApp, site_id: i64) -> Vec<movement::Model> {
    let (start, end) = this_period(app)
        .await
        .bounds(cutoff(app).await, app.state.tz());
    movement::Entity::find()
        .filter(movement::Column::SiteId.eq(site_id))
        .filter(movement::Column::Kind.eq("issue"))
        .filter(movement::Column::At.gte(start))
        .filter(movement::Column::At.lt(end))
        .all(&app.state.db.read)
        .await
        .unwrap()
}

async fn usage(app: &TestApp, token: &str, site_id: i64, period: Period) -> Value {
    let (status, s) = app
        .get_json(
            &format!("/api/reports/usage?site_id={site_id}&period={period}"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    s
}

fn usage_lines(statement: &Value) -> Vec<Value> {
    statement["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["lines"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn movement_ids(lines: &[Value]) -> Vec<i64> {
    let mut ids: Vec<i64> = lines
        .iter()
        .map(|l| l["movement_id"].as_i64().unwrap_or_default())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn the_usage_statement_lists_exactly_the_sites_issues_of_the_period_at_their_issue_price() {
    let app = spawn_app().await;
    let (listing_id, _) = stocked(&app, "20").await;
    let mine = demo_site(&app).await;
    let theirs = other_site(&app, mine.site_id).await;

    // Two draws of this site, one of another site, all today.
    let r1 = approved(&app, &mine, listing_id, "4").await;
    issue(&app, r1, "1.5").await;
    issue(&app, r1, "0.5").await;
    let r2 = approved(&app, &theirs, listing_id, "3").await;
    issue(&app, r2, "3").await;

    let period = this_period(&app).await;
    let finance = app.token_for("finance").await;
    let (status, s) = app
        .get_json(
            &format!(
                "/api/reports/usage?site_id={}&period={period}",
                mine.site_id
            ),
            &finance,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["period"], period.to_string());
    assert_eq!(s["site_id"], mine.site_id);
    let lines = usage_lines(&s);
    let expected: Vec<i64> = {
        let mut ids: Vec<i64> = issues_of_site(&app, mine.site_id)
            .await
            .iter()
            .map(|m| m.id)
            .collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(movement_ids(&lines), expected, "exactly this site's issues");
    assert_eq!(lines.len(), 2);
    let theirs_ids: Vec<i64> = issues_of_site(&app, theirs.site_id)
        .await
        .iter()
        .map(|m| m.id)
        .collect();
    assert!(!theirs_ids.is_empty());
    assert!(
        movement_ids(&lines)
            .iter()
            .all(|id| !theirs_ids.contains(id)),
        "another site's issues are not on it"
    );

    let price = Decimal::from_str(PRICE).unwrap_or_default();
    let mut sum = Decimal::ZERO;
    for l in &lines {
        assert_eq!(dec(&l["unit_price"]), price, "at the issue price");
        assert_eq!(l["kind"], "issue");
        assert_eq!(l["listing_id"], listing_id);
        assert!(l["requisition_id"] == r1.0, "{l}");
        let q = dec(&l["quantity"]);
        assert!(q > Decimal::ZERO, "drawn quantities are positive");
        let amount = dec(&l["amount"]);
        assert_eq!(
            amount,
            (q * price)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        );
        sum += amount;
    }
    // 1.5 × 3850.1234 = 5775.1851 → 5775.19; 0.5 × 3850.1234 = 1925.0617 → 1925.06.
    assert_eq!(s["total"], "7700.25");
    assert_eq!(dec(&s["total"]), sum);
    let subtotals: Decimal = s["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| dec(&g["subtotal"]))
        .sum();
    assert_eq!(subtotals, sum, "the subtotals add up to the total");

    // The other site's statement has its own issue only.
    let (_, other) = app
        .get_json(
            &format!(
                "/api/reports/usage?site_id={}&period={period}",
                theirs.site_id
            ),
            &finance,
        )
        .await;
    assert_eq!(movement_ids(&usage_lines(&other)), theirs_ids);
    assert_eq!(other["total"], "11550.37");

    // The previous period has nothing of today (only the demo's own draw of that period).
    let (_, before) = app
        .get_json(
            &format!(
                "/api/reports/usage?site_id={}&period={}",
                mine.site_id,
                period.prev()
            ),
            &finance,
        )
        .await;
    let today_ids = movement_ids(&lines);
    assert!(
        movement_ids(&usage_lines(&before))
            .iter()
            .all(|id| !today_ids.contains(id)),
        "{before}"
    );
}

#[tokio::test]
async fn an_issue_after_the_cutoff_instant_is_on_the_next_periods_statement() {
    let app = spawn_app().await;
    let (listing_id, _) = stocked(&app, "10").await;
    let mine = demo_site(&app).await;
    let r = approved(&app, &mine, listing_id, "3").await;

    // The last second of this period's cut-off day in the company's zone, then the first of
    // the next day.
    let period = this_period(&app).await;
    let tz = app.state.tz();
    let last_second = tz
        .from_local_datetime(
            &period
                .last_day(cutoff(&app).await)
                .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()),
        )
        .single()
        .unwrap_or_else(|| panic!("a plain local time"))
        .with_timezone(&chrono::Utc);
    app.clock.set(last_second);
    issue(&app, r, "1").await;
    app.clock.advance(chrono::Duration::seconds(1));
    issue(&app, r, "2").await;

    let finance = app.token_for("finance").await;
    let this = usage(&app, &finance, mine.site_id, period).await;
    let next = usage(&app, &finance, mine.site_id, period.next()).await;
    let quantities = |s: &Value| -> Vec<Decimal> {
        usage_lines(s).iter().map(|l| dec(&l["quantity"])).collect()
    };
    assert_eq!(quantities(&this), [Decimal::ONE], "{this}");
    assert_eq!(quantities(&next), [Decimal::from(2)], "{next}");
    assert_eq!(this["end"], next["start"], "consecutive periods meet");
    assert_eq!(this["total"], "3850.12");
    assert_eq!(next["total"], "7700.25");
    // The cut-off instant is midnight in Shanghai, whatever the server's zone.
    let start =
        chrono::DateTime::parse_from_rfc3339(next["start"].as_str().unwrap_or_default()).unwrap();
    assert_eq!(start.with_timezone(&tz).time(), NaiveTime::MIN);

    // With no period asked, a statement is of the last closed period: on the 26th, this one.
    let (_, default) = app
        .get_json(
            &format!("/api/reports/usage?site_id={}", mine.site_id),
            &finance,
        )
        .await;
    assert_eq!(default["period"], period.to_string());
}

#[tokio::test]
async fn a_site_manager_reads_only_their_own_sites_statement_and_suppliers_neither_report() {
    let app = spawn_app().await;
    let mine = demo_site(&app).await;
    let theirs = other_site(&app, mine.site_id).await;
    let period = this_period(&app).await;

    let (status, own) = app
        .get_json(
            &format!("/api/reports/usage?period={period}"),
            &mine.manager,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(
        own["site_id"], mine.site_id,
        "a manager's own site by default"
    );
    let (status, _) = app
        .get_json(
            &format!(
                "/api/reports/usage?site_id={}&period={period}",
                mine.site_id
            ),
            &mine.manager,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        format!(
            "/api/reports/usage?site_id={}&period={period}",
            theirs.site_id
        ),
        format!("/reports/usage?site_id={}&period={period}", theirs.site_id),
        format!(
            "/reports/usage.csv?site_id={}&period={period}",
            theirs.site_id
        ),
    ] {
        let r = app.get(&path, &mine.manager).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The other manager sees theirs, not ours.
    let r = app
        .get(
            &format!("/api/reports/usage?site_id={}", mine.site_id),
            &theirs.manager,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let supplier = app.token_for("supplier").await;
    for path in [
        format!(
            "/api/reports/usage?site_id={}&period={period}",
            mine.site_id
        ),
        "/api/reports/stock".to_string(),
        format!("/reports/usage.xlsx?site_id={}", mine.site_id),
        "/reports/stock.csv".to_string(),
    ] {
        let r = app.get(&path, &supplier).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // A site user raises requisitions but does not read statements.
    let r = app.get("/api/reports/usage", &mine.user).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The 收付存 report is the warehouse's, not the site manager's.
    let r = app.get("/api/reports/stock", &mine.manager).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Bad input is a clear error, never a 500.
    let finance = app.token_for("finance").await;
    let (status, v) = app
        .get_json(
            &format!("/api/reports/usage?site_id={}&period=2027-1", mine.site_id),
            &finance,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["period"]["code"], "report_period");
    let (status, v) = app.get_json("/api/reports/stock?period=13", &finance).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = app.get_json("/api/reports/usage", &finance).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["site_id"]["code"], "required");
    for path in [
        "/api/reports/usage?site_id=999999",
        "/api/reports/stock?warehouse_id=999999",
        "/reports/usage.pdf?site_id=1",
    ] {
        let r = app.get(path, &finance).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = app.get("/api/reports/usage?site_id=abc", &finance).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_stock_report_closes_on_opening_plus_in_minus_out_and_on_the_ledger() {
    let app = spawn_app().await;
    let (listing_id, warehouse_id) = stocked(&app, "12").await;
    let mine = demo_site(&app).await;
    let theirs = other_site(&app, mine.site_id).await;
    let r = approved(&app, &mine, listing_id, "5").await;
    issue(&app, r, "2.5").await;
    let r = approved(&app, &theirs, listing_id, "1").await;
    issue(&app, r, "1").await;

    let period = this_period(&app).await;
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, report) = app
        .get_json(
            &format!("/api/reports/stock?warehouse_id={warehouse_id}&period={period}"),
            &keeper,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let lines = report["consigned"]["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(lines.len() > 1, "the demo's listings and ours: {report}");

    let on_hand: std::collections::HashMap<ListingId, Decimal> = listing::Entity::find()
        .filter(listing::Column::WarehouseId.eq(warehouse_id))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|l| (l.id, l.on_hand.value()))
        .collect();
    let mut value_sums = [Decimal::ZERO; 5];
    let columns = ["opening", "receipts", "issues", "other_outs", "closing"];
    for l in &lines {
        let get = |col: &str, what: &str| dec(&l[col][what]);
        for what in ["quantity", "value"] {
            assert_eq!(
                get("closing", what),
                get("opening", what) + get("receipts", what)
                    - get("issues", what)
                    - get("other_outs", what),
                "{what} of {l}"
            );
        }
        let id = ListingId(l["listing_id"].as_i64().unwrap_or_default());
        assert_eq!(
            Some(&get("closing", "quantity")),
            on_hand.get(&id),
            "closing equals the ledger's on-hand of listing {id}"
        );
        for (i, col) in columns.iter().enumerate() {
            value_sums[i] += get(col, "value");
        }
    }
    for (i, col) in columns.iter().enumerate() {
        assert_eq!(
            dec(&report["consigned"]["totals"][col]),
            value_sums[i],
            "the {col} total"
        );
    }
    let ours = lines
        .iter()
        .find(|l| l["listing_id"] == listing_id)
        .cloned()
        .unwrap_or_else(|| panic!("our listing is on the report: {report}"));
    assert_eq!(dec(&ours["receipts"]["quantity"]), Decimal::from(12));
    assert_eq!(dec(&ours["issues"]["quantity"]), Decimal::new(35, 1));
    assert_eq!(dec(&ours["closing"]["quantity"]), Decimal::new(85, 1));
    // 12 × 3850.1234 = 46201.4808 → 46201.48; issues 9625.31 + 3850.12.
    assert_eq!(dec(&ours["receipts"]["value"]), Decimal::new(4620148, 2));
    assert_eq!(dec(&ours["issues"]["value"]), Decimal::new(1347543, 2));

    // The company-owned part: what each site drew, which is the period's issues.
    let sites = report["issued_to_sites"]["sites"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(sites.len(), 2, "{report}");
    let drawn = |site: i64| -> Decimal {
        sites
            .iter()
            .find(|s| s["site_id"] == site)
            .map(|s| dec(&s["subtotal"]))
            .unwrap_or_default()
    };
    assert_eq!(drawn(mine.site_id), Decimal::new(962531, 2));
    assert_eq!(drawn(theirs.site_id), Decimal::new(385012, 2));
    assert_eq!(
        dec(&report["issued_to_sites"]["total"]),
        dec(&report["consigned"]["totals"]["issues"])
    );

    // The next period opens where this one closes.
    let (_, next) = app
        .get_json(
            &format!(
                "/api/reports/stock?warehouse_id={warehouse_id}&period={}",
                period.next()
            ),
            &keeper,
        )
        .await;
    let next_lines = next["consigned"]["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(next_lines.len(), lines.len());
    for l in &lines {
        let n = next_lines
            .iter()
            .find(|n| n["listing_id"] == l["listing_id"])
            .cloned()
            .unwrap_or_default();
        assert_eq!(n["opening"], l["closing"]);
        assert_eq!(n["closing"], l["closing"]);
    }
    // With one warehouse, it need not be named.
    let (status, _) = app
        .get_json(&format!("/api/reports/stock?period={period}"), &keeper)
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// The XLSX's first row whose first cell is `label`, as (row index, cells).
fn xlsx_row(bytes: &[u8], label: &str) -> Vec<calamine::Data> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .find(|r| r.first() == Some(&calamine::Data::String(label.to_string())))
        .map(|r| r.to_vec())
        .unwrap_or_else(|| panic!("no row {label}"))
}

#[tokio::test]
async fn downloads_start_with_the_bom_translate_headers_and_carry_the_json_totals() {
    let app = spawn_app().await;
    let (listing_id, warehouse_id) = stocked(&app, "10").await;
    let mine = demo_site(&app).await;
    let r = approved(&app, &mine, listing_id, "3").await;
    issue(&app, r, "1.5").await;
    issue(&app, r, "0.5").await;
    let period = this_period(&app).await;
    let finance = app.token_for("finance").await;
    let (_, statement) = app
        .get_json(
            &format!(
                "/api/reports/usage?site_id={}&period={period}",
                mine.site_id
            ),
            &finance,
        )
        .await;
    let total = dec(&statement["total"]);
    assert_eq!(total, Decimal::new(770025, 2));

    let query = format!("?site_id={}&period={period}", mine.site_id);
    for locale in Locale::ALL {
        let r = reqwest::Client::new()
            .get(app.url(&format!("/reports/usage.csv{query}")))
            .bearer_auth(&finance)
            .header("Accept-Language", locale.tag())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let disposition = r
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(disposition.contains(".csv"), "{disposition}");
        let body = r.bytes().await.unwrap_or_default();
        assert!(body.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        let text = String::from_utf8_lossy(&body[3..]).to_string();
        let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .flatten()
            .collect();
        let header = rows
            .iter()
            .find(|r| r.get(0) == Some(locale.t("report-date").as_str()))
            .unwrap_or_else(|| panic!("a header row in {}: {text}", locale.tag()));
        assert_eq!(header.get(8), Some(locale.t("report-amount").as_str()));
        assert_eq!(header.get(1), Some(locale.t("report-requisition").as_str()));
        assert!(
            text.contains(&period.to_string()),
            "the period in the preamble"
        );
        let last = rows.last().cloned().unwrap_or_default();
        assert_eq!(last.get(0), Some(locale.t("report-total").as_str()));
        assert_eq!(last.get(8), Some("7700.25"));
    }
    let zh_header = Locale::ZhCn.t("report-unit-price");
    assert_eq!(zh_header, "单价");

    // The XLSX reads back as a spreadsheet with the same total as number cells.
    let r = reqwest::Client::new()
        .get(app.url(&format!("/reports/usage.xlsx{query}")))
        .bearer_auth(&finance)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap_or_default();
    let row = xlsx_row(&bytes, &Locale::En.t("report-total"));
    let Some(calamine::Data::Float(f)) = row.get(8) else {
        panic!("the total is a number cell: {row:?}");
    };
    assert_eq!(
        Decimal::from_str(&format!("{f:.2}")).unwrap_or_default(),
        total
    );

    // The 收付存 report the same way: the issued-to-sites total as in the JSON.
    let (_, report) = app
        .get_json(
            &format!("/api/reports/stock?warehouse_id={warehouse_id}&period={period}"),
            &finance,
        )
        .await;
    let issued = dec(&report["issued_to_sites"]["total"]);
    assert_eq!(issued, total);
    let sq = format!("?warehouse_id={warehouse_id}&period={period}");
    let r = reqwest::Client::new()
        .get(app.url(&format!("/reports/stock.xlsx{sq}")))
        .bearer_auth(&finance)
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap_or_default();
    let row = xlsx_row(&bytes, &Locale::ZhCn.t("report-issued-total"));
    let Some(calamine::Data::Float(f)) = row.get(5) else {
        panic!("the total is a number cell: {row:?}");
    };
    assert_eq!(
        Decimal::from_str(&format!("{f:.2}")).unwrap_or_default(),
        issued
    );
    let row = xlsx_row(&bytes, &Locale::ZhCn.t("report-consigned-total"));
    let Some(calamine::Data::Float(f)) = row.get(13) else {
        panic!("the closing value is a number cell: {row:?}");
    };
    assert_eq!(
        Decimal::from_str(&format!("{f:.2}")).unwrap_or_default(),
        dec(&report["consigned"]["totals"]["closing"])
    );
    let r = reqwest::Client::new()
        .get(app.url(&format!("/reports/stock.csv{sq}")))
        .bearer_auth(&finance)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let body = r.bytes().await.unwrap_or_default();
    assert!(body.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains(&Locale::En.t("report-issued-to-sites")));
    assert!(text.contains(&format!(
        "{} · {}",
        Locale::En.t("report-opening"),
        Locale::En.t("report-quantity")
    )));
}

/// A browser signed in as `<role>@demo.test`.
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
    lang: Option<&str>,
) -> (StatusCode, String) {
    let mut req = client.get(app.url(path));
    if let Some(l) = lang {
        req = req.header("Accept-Language", l);
    }
    let r = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_report_pages_render_in_both_languages_with_a_print_layout() {
    let app = spawn_app().await;
    let (listing_id, _) = stocked(&app, "10").await;
    let mine = demo_site(&app).await;
    let r = approved(&app, &mine, listing_id, "2").await;
    issue(&app, r, "2").await;
    let period = this_period(&app).await;

    let usage = format!("/reports/usage?site_id={}&period={period}", mine.site_id);
    let stock = format!("/reports/stock?period={period}");
    let css = app
        .new_client()
        .get(app.url("/static/app.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        css.contains("@media print") && css.contains(".report-page main"),
        "the reports' print layout"
    );
    for (role, path, title) in [
        ("finance", usage.as_str(), "report-usage-title"),
        ("auditor", usage.as_str(), "report-usage-title"),
        ("site_manager", "/reports/usage", "report-usage-title"),
        ("finance", stock.as_str(), "report-stock-title"),
        ("warehouse_keeper", stock.as_str(), "report-stock-title"),
    ] {
        let client = browser(&app, role).await;
        for locale in Locale::ALL {
            let (status, html) = page(&app, &client, path, Some(locale.tag())).await;
            assert_eq!(status, StatusCode::OK, "{path} {role} {}", locale.tag());
            assert!(html.contains(&format!("data-lang=\"{}\"", locale.tag())));
            assert!(
                html.contains(&format!("<h1 id=\"page-title\">{}</h1>", locale.t(title))),
                "{path} {role} {}",
                locale.tag()
            );
            assert!(
                html.contains(&format!(
                    "href=\"{}\"",
                    path.split('?').next().unwrap_or(path)
                )),
                "{path} is in the navigation of {role}"
            );
            // The print layout lives in app.css (no inline style under the CSP), keyed by the
            // page's body class.
            assert!(
                html.contains(r#"<body class="report-page"#),
                "a print layout"
            );
            assert!(html.contains(&locale.t("report-sign-prepared")));
            assert!(html.contains(&locale.t("report-sign-reviewed")));
        }
    }

    // The site manager's page shows their own site's statement, with its total.
    let client = browser(&app, "site_manager").await;
    let (_, html) = page(
        &app,
        &client,
        &format!("/reports/usage?period={period}"),
        Some("zh-CN"),
    )
    .await;
    assert!(html.contains("id=\"usage-total\">7,700.25<"), "{html}");
    assert!(html.contains(&Locale::ZhCn.t("report-sign-site")));
    assert!(html.contains("/reports/usage.xlsx?site_id="));

    // The language switcher's cookie wins over the browser's language.
    let client = browser(&app, "finance").await;
    client
        .get(app.url("/lang/en?next=/reports/stock"))
        .send()
        .await
        .unwrap();
    let (_, html) = page(&app, &client, &stock, Some("zh-CN")).await;
    assert!(html.contains(&format!(
        "<h1 id=\"page-title\">{}</h1>",
        Locale::En.t("report-stock-title")
    )));
    assert!(html.contains(&Locale::En.t("report-issued-to-sites")));

    // A period that is not one is shown beside the field, not as a crash.
    let (status, html) = page(&app, &client, "/reports/stock?period=2027-13", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(&Locale::En.t("validation-report_period")),
        "{html}"
    );
    // Without a site chosen, finance gets the form to choose one.
    let (status, html) = page(&app, &client, "/reports/usage", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&Locale::En.t("report-choose-site")));
}

#[tokio::test]
async fn goods_a_site_hands_back_are_credited_on_its_statement_and_received_back_into_stock() {
    let app = spawn_app().await;
    let (listing_id, warehouse_id) = stocked(&app, "10").await;
    let mine = demo_site(&app).await;
    let r = approved(&app, &mine, listing_id, "2").await;
    issue(&app, r, "2").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, v) = app
        .post_json(
            &format!("/api/requisition-lines/{}/returns", r.1),
            &keeper,
            &json!({"quantity": "0.5", "reason": "not used"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    let period = this_period(&app).await;
    let finance = app.token_for("finance").await;
    let s = usage(&app, &finance, mine.site_id, period).await;
    let lines = usage_lines(&s);
    assert_eq!(lines.len(), 2, "{s}");
    let returned = lines
        .iter()
        .find(|l| l["kind"] == "site_return")
        .cloned()
        .unwrap_or_else(|| panic!("the return is on the statement: {s}"));
    assert_eq!(dec(&returned["quantity"]), Decimal::new(-5, 1));
    // 0.5 × 3850.1234 = 1925.0617: credited at the price it was issued at.
    assert_eq!(returned["amount"], "-1925.06");
    // 2 × 3850.1234 = 7700.2468 → 7700.25, less 1925.06.
    assert_eq!(s["total"], "5775.19");

    let (_, report) = app
        .get_json(
            &format!("/api/reports/stock?warehouse_id={warehouse_id}&period={period}"),
            &finance,
        )
        .await;
    let ours = report["consigned"]["lines"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["listing_id"] == listing_id))
        .cloned()
        .unwrap_or_default();
    assert_eq!(dec(&ours["receipts"]["quantity"]), Decimal::new(105, 1));
    assert_eq!(dec(&ours["issues"]["quantity"]), Decimal::from(2));
    assert_eq!(dec(&ours["closing"]["quantity"]), Decimal::new(85, 1));
    assert_eq!(
        dec(&report["issued_to_sites"]["total"]),
        dec(&s["total"]),
        "what the site drew, net of what it handed back"
    );
}

#[tokio::test]
async fn the_stock_page_groups_lines_by_supplier_whose_subtotals_add_up_to_the_total() {
    let app = spawn_app().await;
    let (listing_id, warehouse_id) = stocked(&app, "12").await;
    let mine = demo_site(&app).await;
    let r = approved(&app, &mine, listing_id, "5").await;
    issue(&app, r, "2.5").await;
    let period = this_period(&app).await;
    let query = format!("?warehouse_id={warehouse_id}&period={period}");
    let keeper = app.token_for("warehouse_keeper").await;
    let (status, report) = app
        .get_json(&format!("/api/reports/stock{query}"), &keeper)
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let api_lines = report["consigned"]["lines"].as_array().unwrap().len();

    let client = browser(&app, "warehouse_keeper").await;
    let (status, html) = page(&app, &client, &format!("/reports/stock{query}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&html);
    let sel = |css: &str| scraper::Selector::parse(css).unwrap();
    let groups: Vec<_> = doc
        .select(&sel("#stock-lines details.report-group"))
        .collect();
    assert!(!groups.is_empty(), "{html}");
    assert!(
        groups[0].value().attr("open").is_some(),
        "the first group is open"
    );
    let mut rows = 0;
    let mut suppliers = std::collections::HashSet::new();
    for g in &groups {
        assert!(suppliers.insert(g.value().attr("data-supplier").unwrap().to_string()));
        rows += g.select(&sel("tbody tr[data-listing]")).count();
        assert_eq!(g.select(&sel("tfoot tr.subtotal")).count(), 1);
    }
    assert_eq!(rows, api_lines, "every line is in exactly one group");
    let total = doc.select(&sel("#consigned-total")).next().unwrap();
    for column in ["opening", "receipts", "issues", "other-outs", "closing"] {
        let attr = format!("data-{column}");
        let sum: Decimal = doc
            .select(&sel("#stock-lines tr.subtotal"))
            .map(|t| Decimal::from_str(t.value().attr(&attr).unwrap()).unwrap())
            .sum();
        let shown = Decimal::from_str(total.value().attr(&attr).unwrap()).unwrap();
        assert_eq!(sum, shown, "{column}: the subtotals add up to the total");
        let api = dec(&report["consigned"]["totals"][column.replace('-', "_")]);
        assert_eq!(shown, api, "{column}: the page's total is the report's");
    }
}
