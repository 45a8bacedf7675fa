//! Each role's home page is its work queue: every count links to the list that shows exactly
//! those things, and the counts move when the work does.

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_demo_app};
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
    let rows = home_rows(app, &client).await;
    assert!(!rows.is_empty(), "{} has a work queue", role.as_str());
    for r in &rows {
        let n = listed(app, &client, &token, &r.href).await;
        assert_eq!(
            r.count,
            n,
            "{}: row {} says {} but {} lists {}",
            role.as_str(),
            r.key,
            r.count,
            r.href,
            n
        );
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
async fn a_new_applicant_sees_its_checklist_move_as_it_confirms_its_email() {
    let app = spawn_demo_app().await;
    let email = "checklist@example.test";
    let (status, v) = app
        .post_json(
            "/api/applications",
            "",
            &json!({
                "legal_name": "杭州永固建材有限公司",
                "credit_code": "91330110MA27Y0B7X2",
                "legal_representative": "吴永固",
                "contact_name": "吴经理",
                "contact_phone": "0571-87654321",
                "contact_email": email,
                "address": "杭州市余杭区良渚街道 8 号",
                "category_ids": [1, 2],
                "bank_name": "中国工商银行余杭支行",
                "bank_account": "1202 0212 0900 1234 567",
                "password": "supplier-password",
                "locale": "en"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let client = signed_in(&app, email, "supplier-password").await;
    let state_of = |html: &str, id: &str| -> String {
        let i = html
            .find(&format!("<li id=\"{id}\""))
            .unwrap_or_else(|| panic!("no step {id}"));
        attr(&html[i..i + html[i..].find('>').unwrap_or(0)], "data-state").unwrap_or_default()
    };
    let html = page(&app, &client, "/", "en").await;
    assert!(html.contains("id=\"applicant-checklist\""));
    assert!(rows(&html).is_empty(), "an applicant has no work queue yet");
    assert_eq!(state_of(&html, "step-email"), "todo");
    assert_eq!(state_of(&html, "step-document-business_licence"), "todo");
    assert_eq!(state_of(&html, "step-submit"), "todo");

    // Confirm the email through the emailed link.
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
    let html = page(&app, &client, "/", "en").await;
    assert_eq!(state_of(&html, "step-email"), "done");
    assert_eq!(state_of(&html, "step-document-business_licence"), "todo");
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
