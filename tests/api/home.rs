//! Each role's home page is its work queue: every count links to the list that shows exactly
//! those things, and the counts move when the work does.

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app, spawn_demo_app};
use portal::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

/// A row of the queue as the home page shows it.
#[derive(Debug, Clone)]
struct Row {
    key: String,
    count: usize,
    href: String,
}

/// The value of `attr="…"` in `tag`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let i = tag.find(&marker)? + marker.len();
    let rest = &tag[i..];
    // Askama writes `&` in an attribute as `&#38;`.
    Some(
        rest[..rest.find('"')?]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

/// The queue rows of a home page: the `<a id="queue-…" … data-count="…">` elements.
fn rows(html: &str) -> Vec<Row> {
    html.match_indices("<a id=\"queue-")
        .filter_map(|(i, _)| {
            let tag = &html[i..i + html[i..].find('>')?];
            Some(Row {
                key: attr(tag, "id")?.trim_start_matches("queue-").to_string(),
                count: attr(tag, "data-count")?.parse().ok()?,
                href: attr(tag, "href")?,
            })
        })
        .collect()
}

async fn signed_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app.page_login(&client, email, password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    client
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str, lang: &str) -> String {
    let r = client
        .get(app.url(path))
        .header("Accept-Language", lang)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap_or_default()
}

async fn home_rows(app: &TestApp, client: &reqwest::Client) -> Vec<Row> {
    rows(&page(app, client, "/", "en").await)
}

fn row<'a>(rows: &'a [Row], key: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no queue row {key} in {rows:?}"))
}

/// How many things the list at `href` shows: rows of the page where it marks them, otherwise
/// the matching JSON list (same filter, same store function).
async fn listed(app: &TestApp, client: &reqwest::Client, token: &str, href: &str) -> usize {
    let html = page(app, client, href, "en").await;
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let marker = match path {
        "/stock-counts" => Some("<tr data-count="),
        "/lots" | "/my/lots" => Some("<tr data-lot="),
        "/plans" => Some("<tr data-plan="),
        "/contracts" => Some("<tr data-contract="),
        "/deliveries" => Some("<article class=\"card delivery\" data-delivery="),
        "/requisitions" => Some("<article class=\"card requisition\" data-requisition="),
        "/my/listings" => Some("<tr data-listing="),
        "/prices/candidates" => Some("<tr data-listing="),
        "/tenders" => Some("<tr data-tender="),
        "/admin/outbox" => Some("<tr data-mail="),
        "/admin/jobs" => Some("<tr data-run="),
        "/plan-lines" => Some("<tr data-line="),
        "/admin/users" => Some("<tr data-user="),
        "/statements/to-close" => Some("<tr data-to-close="),
        "/funds-plans" => Some("<tr data-month="),
        _ => None,
    };
    if let Some(m) = marker {
        return html.matches(m).count();
    }
    let api = match path {
        "/suppliers" => format!("/api/suppliers?{query}"),
        "/price-changes" => "/api/price-changes".to_string(),
        "/statements" => format!("/api/statements?{query}"),
        other => panic!("no way to count the list at {other}"),
    };
    let (status, v) = app.get_json(&api, token).await;
    assert_eq!(status, StatusCode::OK, "{api}: {v}");
    v.as_array()
        .unwrap_or_else(|| panic!("{api} is not a list: {v}"))
        .len()
}

/// Every row's count equals what its link lists.
async fn check_role(app: &TestApp, role: Role) -> Vec<Row> {
    let email = format!("{}@demo.test", role.as_str());
    let client = signed_in(app, &email, DEMO_PASSWORD).await;
    let token = app.token_for(role.as_str()).await;
    let mut rows = home_rows(app, &client).await;
    assert!(!rows.is_empty(), "{} has a work queue", role.as_str());
    // The mail sender works in the background: a mail pending when the home page counted it
    // may be sent before its list is read. Such a row is read again, both sides, until they
    // agree (each time from the same store functions); a real disagreement never settles.
    for attempt in 0..20 {
        let mut differ = None;
        for r in &rows {
            let n = listed(app, &client, &token, &r.href).await;
            if r.count != n {
                differ = Some(format!(
                    "{}: row {} says {} but {} lists {}",
                    role.as_str(),
                    r.key,
                    r.count,
                    r.href,
                    n
                ));
                break;
            }
        }
        match differ {
            None => break,
            Some(d) if attempt == 19 => panic!("{d}"),
            Some(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                rows = home_rows(app, &client).await;
            }
        }
    }
    rows
}

#[tokio::test]
async fn every_roles_queue_counts_what_its_links_list() {
    let app = spawn_demo_app().await;
    let mut nonzero = 0;
    for role in Role::ALL {
        let rows = check_role(&app, role).await;
        nonzero += rows.iter().filter(|r| r.count > 0).count();
    }
    // The demo data leaves work waiting somewhere (a draft statement, a flagged lot, an open
    // tender…), so the comparison above is not only of zeros.
    assert!(nonzero >= 3, "only {nonzero} rows with work in the demo");
}

#[tokio::test]
async fn a_requested_price_shows_up_in_both_queues_and_leaves_them_when_decided() {
    let app = spawn_demo_app().await;
    let officer = signed_in(&app, "procurement_officer@demo.test", DEMO_PASSWORD).await;
    let supplier = signed_in(&app, "supplier@demo.test", DEMO_PASSWORD).await;
    let before_officer = row(&home_rows(&app, &officer).await, "price-changes").count;
    let before_supplier = row(&home_rows(&app, &supplier).await, "prices-waiting").count;

    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/listings", &token).await;
    let listing = mine
        .as_array()
        .and_then(|a| a.iter().find(|l| l["active"] == true))
        .cloned()
        .expect("an active listing of the demo supplier");
    let (status, change) = app
        .post_json(
            &format!("/api/listings/{}/price-changes", listing["id"]),
            &token,
            &json!({"new_price": "3999.50", "effective_on": app.state.today().to_string(), "reason": "steel up"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");

    let officer_rows = home_rows(&app, &officer).await;
    let supplier_rows = home_rows(&app, &supplier).await;
    assert_eq!(
        row(&officer_rows, "price-changes").count,
        before_officer + 1
    );
    assert_eq!(
        row(&supplier_rows, "prices-waiting").count,
        before_supplier + 1
    );
    // …and the links still list exactly that many.
    check_role(&app, Role::ProcurementOfficer).await;
    check_role(&app, Role::Supplier).await;

    let officer_token = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            &format!("/api/price-changes/{}/decision", change["id"]),
            &officer_token,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        row(&home_rows(&app, &officer).await, "price-changes").count,
        before_officer
    );
    assert_eq!(
        row(&home_rows(&app, &supplier).await, "prices-waiting").count,
        before_supplier
    );
}

#[tokio::test]
async fn an_empty_queue_says_so_and_urgent_rows_come_first() {
    let app = spawn_demo_app().await;
    // The admin of a fresh demo has no failing mail or jobs.
    let client = signed_in(&app, "admin@demo.test", DEMO_PASSWORD).await;
    let html = page(&app, &client, "/", "en").await;
    let rows = rows(&html);
    if rows.iter().all(|r| r.count == 0) {
        assert!(html.contains("id=\"queue-clear\""), "{html}");
    } else {
        assert!(!html.contains("id=\"queue-clear\""));
    }
    // In every role's queue, rows with work come before empty ones.
    for role in Role::ALL {
        let client = signed_in(&app, &format!("{}@demo.test", role.as_str()), DEMO_PASSWORD).await;
        let rows = home_rows(&app, &client).await;
        let first_empty = rows.iter().position(|r| r.count == 0).unwrap_or(rows.len());
        assert!(
            rows[first_empty..].iter().all(|r| r.count == 0),
            "{}: {rows:?}",
            role.as_str()
        );
    }
    // The fixed materials count is gone from the supplier's home.
    let client = signed_in(&app, "supplier@demo.test", DEMO_PASSWORD).await;
    let html = page(&app, &client, "/", "zh-CN").await;
    assert!(!html.contains("物资目录条目"));
    assert!(html.contains("待您处理"));
}

#[tokio::test]
async fn a_new_applicant_signs_in_once_its_email_is_confirmed_and_sees_its_checklist() {
    let app = spawn_demo_app().await;
    let email = "checklist@example.test";
    let (status, v) = app
        .post_json(
            "/api/applications",
            "",
            &crate::suppliers::application(email, "91330110MA27Y0B7X2"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let state_of = |html: &str, id: &str| -> String {
        let i = html
            .find(&format!("<li id=\"{id}\""))
            .unwrap_or_else(|| panic!("no step {id}"));
        attr(&html[i..i + html[i..].find('>').unwrap_or(0)], "data-state").unwrap_or_default()
    };

    // Confirm the email through the emailed link (signing in needs it).
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mail = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(email))
        .filter(entity::outbox::Column::Kind.eq("verify_email"))
        .order_by_desc(entity::outbox::Column::Id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("a verification mail");
    let i = mail.body_text.find("token=").expect("a link") + 6;
    let token: String = mail.body_text[i..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    let (status, _) = app
        .post_json("/api/auth/verify-email", "", &json!({"token": token}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let client = signed_in(&app, email, "supplier-password").await;
    let html = page(&app, &client, "/", "en").await;
    assert!(html.contains("id=\"applicant-checklist\""));
    assert!(rows(&html).is_empty(), "an applicant has no work queue yet");
    assert_eq!(state_of(&html, "step-email"), "done");
    assert_eq!(state_of(&html, "step-document-business_licence"), "todo");
    assert_eq!(state_of(&html, "step-submit"), "todo");
}

#[tokio::test]
async fn a_submitted_requisition_waits_for_the_manager_then_for_the_warehouse() {
    let app = spawn_demo_app().await;
    let manager = signed_in(&app, "site_manager@demo.test", DEMO_PASSWORD).await;
    let keeper = signed_in(&app, "warehouse_keeper@demo.test", DEMO_PASSWORD).await;
    let site_user = signed_in(&app, "site_user@demo.test", DEMO_PASSWORD).await;
    let to_approve = row(&home_rows(&app, &manager).await, "requisitions-to-approve").count;
    let waiting = row(&home_rows(&app, &site_user).await, "requisitions-submitted").count;
    let to_issue = row(&home_rows(&app, &keeper).await, "requisitions-to-issue").count;

    let token = app.token_for("site_user").await;
    let (_, catalogue) = app.get_json("/api/catalogue?in_stock=true", &token).await;
    let listing = catalogue["items"][0]["listing_id"].clone();
    assert!(
        listing.is_i64(),
        "an orderable listing in the demo: {catalogue}"
    );
    let (status, r) = app
        .post_json(
            "/api/requisitions",
            &token,
            &json!({"purpose": "3# 楼二层梁板", "need_by": app.state.today().to_string(), "lines": [{"listing_id": listing, "quantity": "1"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(
        row(&home_rows(&app, &manager).await, "requisitions-to-approve").count,
        to_approve + 1
    );
    assert_eq!(
        row(&home_rows(&app, &site_user).await, "requisitions-submitted").count,
        waiting + 1
    );
    check_role(&app, Role::SiteManager).await;

    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{}/approval", r["id"]),
            &app.token_for("site_manager").await,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        row(&home_rows(&app, &manager).await, "requisitions-to-approve").count,
        to_approve
    );
    assert_eq!(
        row(&home_rows(&app, &keeper).await, "requisitions-to-issue").count,
        to_issue + 1
    );
    check_role(&app, Role::WarehouseKeeper).await;
}

/// The same list through the API (the filter is the page's): its length.
async fn api_len(app: &TestApp, token: &str, path: &str) -> usize {
    let (status, v) = app.get_json(path, token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {v}");
    v.as_array()
        .unwrap_or_else(|| panic!("{path} is not a list: {v}"))
        .len()
}

/// The page at `path` renders in both languages with every message found.
async fn renders_in_both_languages(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    prefix: &str,
) {
    for lang in ["en", "zh-CN"] {
        let html = page(app, client, path, lang).await;
        assert!(
            !html.contains(prefix),
            "{path} {lang}: a message id shows: {html}"
        );
    }
}

/// `href` with `/api` in front: the JSON list behind the page.
fn api_of(href: &str) -> String {
    format!("/api{href}")
}

#[tokio::test]
async fn a_suppliers_rejected_delivery_and_refused_price_are_counted_and_listed() {
    let app = spawn_demo_app().await;
    let supplier = signed_in(&app, "supplier@demo.test", DEMO_PASSWORD).await;
    let token = app.token_for("supplier").await;
    let before = home_rows(&app, &supplier).await;
    let rejected_before = row(&before, "deliveries-rejected").count;
    let refused_before = row(&before, "prices-refused").count;

    // A delivery the keeper half rejects.
    let (_, mine) = app.get_json("/api/my/listings", &token).await;
    let listing = mine
        .as_array()
        .and_then(|a| a.iter().find(|l| l["active"] == true))
        .cloned()
        .expect("an active listing of the demo supplier");
    let (_, warehouses) = app.get_json("/api/warehouses", &token).await;
    let (status, d) = app
        .post_json(
            "/api/deliveries",
            &token,
            &json!({"warehouse_id": warehouses[0]["id"], "note_number": "SH-HOME-1", "arrival": "local",
                "delivered_on": app.state.today().to_string(),
                "lines": [{"listing_id": listing["id"], "quantity": "2", "batch_no": "B1"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let keeper = app.token_for("warehouse_keeper").await;
    let all = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": true});
    let (status, v) = app
        .post_json(
            &format!("/api/deliveries/{}/inspection", d["id"]),
            &keeper,
            &json!({"lines": [{"line_id": d["lines"][0]["id"], "accepted": "1", "rejected": "1", "reason": "包装破损", "checks": all}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // A price the office refuses.
    let (status, change) = app
        .post_json(
            &format!("/api/listings/{}/price-changes", listing["id"]),
            &token,
            &json!({"new_price": "3999.50", "effective_on": app.state.today().to_string(), "reason": "steel up"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            &format!("/api/price-changes/{}/decision", change["id"]),
            &officer,
            &json!({"approve": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    let rows = check_role(&app, Role::Supplier).await;
    let rejected = row(&rows, "deliveries-rejected");
    let refused = row(&rows, "prices-refused");
    assert_eq!(rejected.count, rejected_before + 1, "{rows:?}");
    assert_eq!(refused.count, refused_before + 1, "{rows:?}");
    renders_in_both_languages(&app, &supplier, &rejected.href, "delivery-").await;
    renders_in_both_languages(&app, &supplier, &refused.href, "home-q-").await;
    // The API lists the same with the same filter.
    assert_eq!(
        api_len(&app, &token, &api_of(&rejected.href)).await,
        rejected.count
    );
    assert_eq!(
        api_len(&app, &token, &api_of(&refused.href)).await,
        refused.count
    );
    // An accepted delivery is not on the rejected list; a page without the filter lists more.
    assert!(api_len(&app, &token, "/api/deliveries").await >= rejected.count);

    // Asking again takes the listing off the refused list.
    let (status, again) = app
        .post_json(
            &format!("/api/listings/{}/price-changes", listing["id"]),
            &token,
            &json!({"new_price": "3899.50", "effective_on": app.state.today().to_string(), "reason": "steel up, less"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let rows = check_role(&app, Role::Supplier).await;
    assert_eq!(row(&rows, "prices-refused").count, refused_before);
}

#[tokio::test]
async fn approved_plan_lines_routed_to_quotes_wait_in_the_officers_queue() {
    use chrono::Datelike;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_demo_app().await;
    let officer = app.token_for("procurement_officer").await;
    let before = row(
        &check_role(&app, Role::ProcurementOfficer).await,
        "plan-lines-open",
    )
    .count;
    // A material nobody lists (so not in stock): the line goes to quotes.
    let listed: Vec<i64> = entity::listing::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .iter()
        .map(|l| l.material_id)
        .collect();
    let material = entity::material::Entity::find()
        .filter(entity::material::Column::Active.eq(true))
        .filter(entity::material::Column::Id.is_not_in(listed))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("a material nobody lists");
    let site = entity::site::Entity::find()
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("a site");
    let next = app.state.today().with_day(1).unwrap() + chrono::Months::new(1);
    let (status, plan) = app
        .post_json(
            "/api/plans",
            &officer,
            &json!({"month": next.format("%Y-%m").to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let (status, l) = app
        .post_json(
            &format!("/api/plans/{}/lines", plan["id"]),
            &officer,
            &json!({"material_id": material.id, "site_id": site.id, "quantity": "2", "est_price": "1500",
                "need_by": next.with_day(25).unwrap().to_string(), "plan_type": "normal"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{l}");
    // Not approved yet: not waiting for the office.
    assert_eq!(
        row(
            &check_role(&app, Role::ProcurementOfficer).await,
            "plan-lines-open"
        )
        .count,
        before
    );
    let (status, v) = app
        .post_json(
            &format!("/api/plans/{}/submit", plan["id"]),
            &officer,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let head = app.token_for("procurement_head").await;
    let (status, v) = app
        .post_json(
            &format!("/api/plans/{}/decision", plan["id"]),
            &head,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["lines"][0]["route"], "quotes", "{v}");

    let rows = check_role(&app, Role::ProcurementOfficer).await;
    let open = row(&rows, "plan-lines-open");
    assert_eq!(open.count, before + 1, "{rows:?}");
    assert_eq!(
        api_len(&app, &officer, &api_of(&open.href)).await,
        open.count
    );
    let client = signed_in(&app, "procurement_officer@demo.test", DEMO_PASSWORD).await;
    renders_in_both_languages(&app, &client, &open.href, "proc-").await;
    // Without the filter the list holds at least as many.
    assert!(api_len(&app, &officer, "/api/plan-lines").await >= open.count);
    assert_eq!(
        api_len(&app, &officer, "/api/plan-lines?open=").await,
        api_len(&app, &officer, "/api/plan-lines").await
    );
}

#[tokio::test]
async fn draws_of_an_ended_period_wait_for_finance_until_it_closes_them() {
    let app = spawn_demo_app().await;
    let s = crate::stock::stocked(&app, "20").await;
    crate::settlement::draw(&app, s.listing_id, "2").await;
    // Still in the current period: nothing to close yet.
    let rows = check_role(&app, Role::Finance).await;
    let before = row(&rows, "periods-to-close").count;
    // After its cut-off the period has ended and its draws wait (urgent, first).
    app.clock.advance(chrono::Duration::days(35));
    let client = signed_in(&app, "finance@demo.test", DEMO_PASSWORD).await;
    let rows = home_rows(&app, &client).await;
    let to_close = row(&rows, "periods-to-close");
    assert!(to_close.count > before, "{rows:?}");
    assert_eq!(
        rows[0].key, "periods-to-close",
        "urgent rows come first: {rows:?}"
    );
    let html = page(&app, &client, "/", "en").await;
    assert!(html.contains("id=\"queue-periods-to-close\" class=\"queue-row urgent\""));
    check_role(&app, Role::Finance).await;
    renders_in_both_languages(&app, &client, &to_close.href, "statements-").await;
    assert!(
        page(&app, &client, &to_close.href, "en")
            .await
            .contains("id=\"close-form\"")
    );
    let finance = app.token_for("finance").await;
    assert_eq!(
        api_len(&app, &finance, "/api/statements/to-close").await,
        to_close.count
    );

    // Finance closes from that page; the row empties.
    let (status, v) = app
        .post_json("/api/statements/close", &finance, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        !v["created"].as_array().map(Vec::is_empty).unwrap_or(true),
        "{v}"
    );
    let rows = check_role(&app, Role::Finance).await;
    assert_eq!(row(&rows, "periods-to-close").count, 0, "{rows:?}");
}

#[tokio::test]
async fn accounts_nobody_signed_in_with_for_90_days_wait_for_the_admin() {
    let app = spawn_demo_app().await;
    let rows = check_role(&app, Role::Admin).await;
    assert_eq!(
        row(&rows, "users-dormant").count,
        0,
        "a fresh demo: {rows:?}"
    );
    app.clock.advance(chrono::Duration::days(91));
    // Everyone but the admin who signs in now has been away for 91 days.
    let rows = check_role(&app, Role::Admin).await;
    let dormant = row(&rows, "users-dormant").count;
    assert!(dormant > 0, "{rows:?}");
    let client = signed_in(&app, "admin@demo.test", DEMO_PASSWORD).await;
    renders_in_both_languages(
        &app,
        &client,
        "/admin/users?dormant=true",
        "users-dormant-only",
    )
    .await;
    let admin = app.token_for("admin").await;
    assert_eq!(
        api_len(&app, &admin, "/api/users?dormant=true").await,
        dormant
    );
    assert!(api_len(&app, &admin, "/api/users?dormant=").await > dormant);
    // A user who signs in again is no longer dormant.
    app.token_for("supplier").await;
    let rows = check_role(&app, Role::Admin).await;
    assert_eq!(row(&rows, "users-dormant").count, dormant - 1);
}

/// The counts of the funds-plan rows in `role`'s queue, checked against their lists first.
async fn funds_rows(app: &TestApp, role: Role) -> Vec<(String, usize, bool)> {
    let rows = check_role(app, role).await;
    let client = signed_in(app, &format!("{}@demo.test", role.as_str()), DEMO_PASSWORD).await;
    let html = page(app, &client, "/", "en").await;
    rows.into_iter()
        .filter(|r| r.key.starts_with("funds-plan"))
        .map(|r| {
            let urgent = html.contains(&format!(
                "id=\"queue-{}\" class=\"queue-row urgent\"",
                r.key
            ));
            (r.key, r.count, urgent)
        })
        .collect()
}

fn funds_row(rows: &[(String, usize, bool)], key: &str) -> (usize, bool) {
    rows.iter()
        .find(|r| r.0 == key)
        .map(|r| (r.1, r.2))
        .unwrap_or_else(|| panic!("no queue row {key} in {rows:?}"))
}

#[tokio::test]
async fn this_months_funds_plan_waits_for_finance_until_submitted_then_for_another_head() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let at = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(4, 0, 0)
            .unwrap()
            .and_utc()
    };
    // The 2nd of a month nobody planned yet: due by the 3rd, not late.
    app.clock.set(at("2091-03-02"));
    let rows = funds_rows(&app, Role::Finance).await;
    assert_eq!(funds_row(&rows, "funds-plan-due"), (1, false), "{rows:?}");
    assert_eq!(funds_row(&rows, "funds-plans-returned").0, 0);
    assert!(rows.iter().all(|r| r.0 != "funds-plan-late"), "{rows:?}");
    let client = signed_in(&app, "finance@demo.test", DEMO_PASSWORD).await;
    let list = page(&app, &client, "/funds-plans?due=true", "zh-CN").await;
    assert!(list.contains("<tr data-month=\"2091-03\""), "{list}");
    assert!(list.contains("未开始"), "{list}");
    let home_zh = page(&app, &client, "/", "zh-CN").await;
    assert!(home_zh.contains("份本月资金计划未开始或仍为草稿，须于 3 日前提交"));
    renders_in_both_languages(&app, &client, "/funds-plans?due=true", "fp-").await;
    // The plan not started is one of all the plans, and not among the others.
    let finance = app.token_for("finance").await;
    let (_, all) = app.get_json("/api/funds-plans", &finance).await;
    let (_, others) = app.get_json("/api/funds-plans?due=false", &finance).await;
    let months = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{} {}", p["month"], p["status"]))
            .collect()
    };
    assert!(
        months(&all).contains(&"\"2091-03\" \"not_started\"".to_string()),
        "{all}"
    );
    assert_eq!(months(&others).len() + 1, months(&all).len(), "{others}");
    assert!(!months(&others).iter().any(|m| m.starts_with("\"2091-03\"")));

    // The 5th: the same row says late, and comes first.
    app.clock.set(at("2091-03-05"));
    let rows = funds_rows(&app, Role::Finance).await;
    assert_eq!(funds_row(&rows, "funds-plan-late"), (1, true), "{rows:?}");
    assert!(rows.iter().all(|r| r.0 != "funds-plan-due"), "{rows:?}");
    let client = signed_in(&app, "finance@demo.test", DEMO_PASSWORD).await;
    assert_eq!(home_rows(&app, &client).await[0].key, "funds-plan-late");
    let list = page(&app, &client, "/funds-plans?due=true", "en").await;
    assert!(
        list.contains("Not started") && list.contains(">late<"),
        "{list}"
    );

    // Started, it is a draft: still waiting.
    let finance = app.token_for("finance").await;
    let head = app.token_for("procurement_head").await;
    let (status, v) = app
        .post_json("/api/funds-plans", &finance, &json!({"month": "2091-03"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let supplier = entity::supplier::Entity::find()
        .one(&app.state.db.read)
        .await
        .unwrap()
        .expect("a supplier")
        .id
        .0;
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2091-03/lines",
            &finance,
            &json!({"supplier_id": supplier, "amount": "100.00", "source": "other"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        funds_row(&funds_rows(&app, Role::Finance).await, "funds-plan-late").0,
        1
    );
    assert_eq!(
        funds_row(
            &funds_rows(&app, Role::ProcurementHead).await,
            "funds-plans-to-approve"
        )
        .0,
        0,
        "a draft is not the head's yet"
    );

    // Submitted: it leaves finance's queue and waits for the head.
    let (status, v) = app
        .post_json("/api/funds-plans/2091-03/submit", &finance, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let rows = funds_rows(&app, Role::Finance).await;
    assert_eq!(funds_row(&rows, "funds-plan-late"), (0, false), "{rows:?}");
    assert_eq!(funds_row(&rows, "funds-plans-returned").0, 0);
    assert_eq!(
        funds_row(
            &funds_rows(&app, Role::ProcurementHead).await,
            "funds-plans-to-approve"
        )
        .0,
        1
    );

    // Returned: back in finance's queue to revise, gone from the head's.
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2091-03/decision",
            &head,
            &json!({"approve": false, "reason": "再核"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let rows = funds_rows(&app, Role::Finance).await;
    assert_eq!(funds_row(&rows, "funds-plans-returned").0, 1, "{rows:?}");
    assert_eq!(
        funds_row(&rows, "funds-plan-late").0,
        0,
        "a returned plan is counted once"
    );
    assert_eq!(
        funds_row(
            &funds_rows(&app, Role::ProcurementHead).await,
            "funds-plans-to-approve"
        )
        .0,
        0
    );

    // Submitted again by the finance user, who then becomes a head: another head still sees it,
    // the one who submitted it does not (rule 14).
    let (status, _) = app
        .post_json("/api/funds-plans/2091-03/submit", &finance, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        funds_row(
            &funds_rows(&app, Role::Finance).await,
            "funds-plans-returned"
        )
        .0,
        0
    );
    let admin = app.token_for("admin").await;
    let id = app.user_id("finance@demo.test").await;
    let (status, v) = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            &json!({"role": "procurement_head"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let promoted = signed_in(&app, "finance@demo.test", DEMO_PASSWORD).await;
    let own = home_rows(&app, &promoted).await;
    assert_eq!(row(&own, "funds-plans-to-approve").count, 0, "{own:?}");
    assert_eq!(
        listed(
            &app,
            &promoted,
            "",
            "/funds-plans?status=submitted&mine=false"
        )
        .await,
        0
    );
    assert_eq!(
        funds_row(
            &funds_rows(&app, Role::ProcurementHead).await,
            "funds-plans-to-approve"
        )
        .0,
        1
    );

    // Approved: nobody's queue holds it.
    let (status, v) = app
        .post_json(
            "/api/funds-plans/2091-03/decision",
            &head,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        funds_row(
            &funds_rows(&app, Role::ProcurementHead).await,
            "funds-plans-to-approve"
        )
        .0,
        0
    );
    let head_token = app.token_for("procurement_head").await;
    assert_eq!(
        api_len(&app, &head_token, "/api/funds-plans?status=approved").await,
        1
    );
    let (status, v) = app
        .get_json("/api/funds-plans?status=bogus", &head_token)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["status"]["code"], "invalid", "{v}");
}
