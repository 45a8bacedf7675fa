//! The requisition as a document (领料单): the cart (a site user's draft), numbers per month,
//! return with a reason and resubmission under the same number, final rejection, and the
//! printable requisition, issue slip (出库单) and receiving slip (验收单) for the right roles.

use crate::helpers::{DEMO_PASSWORD, TestApp, extract_csrf, spawn_app};
use crate::stock::{requisition, stocked};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn today(app: &TestApp) -> String {
    app.state.today().to_string()
}

/// `LL-<this month>-NNNN`.
fn is_number_of_this_month(app: &TestApp, prefix: &str, n: &str) -> bool {
    let month = app.state.today().format("%Y%m").to_string();
    let rest = n.strip_prefix(&format!("{prefix}-{month}-"));
    rest.is_some_and(|d| d.len() >= 4 && d.chars().all(|c| c.is_ascii_digit()))
}

async fn cart_add(
    app: &TestApp,
    token: &str,
    listing_id: i64,
    quantity: &str,
) -> (StatusCode, Value) {
    app.post_json(
        "/api/requisition-cart/lines",
        token,
        &json!({"listing_id": listing_id, "quantity": quantity}),
    )
    .await
}

async fn ids_of(app: &TestApp, token: &str) -> Vec<i64> {
    let (status, all) = app.get_json("/api/requisitions", token).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    all.as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn submitted(app: &TestApp, site_user: &str, listing_id: i64, quantity: &str) -> Value {
    let (status, r) = requisition(app, site_user, listing_id, quantity).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r
}

async fn browser(app: &TestApp, role: &str) -> reqwest::Client {
    let c = app.new_client();
    let r = app
        .page_login(&c, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
    c
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = client
        .get(app.url(path))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_cart_survives_signing_out_and_a_new_token_sees_the_same_draft() {
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let first = app.token_for("site_user").await;
    let (status, cart) = cart_add(&app, &first, s.listing_id, "2.5").await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_eq!(cart["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(cart["total"], "9625.00", "2.5 × 3850.00");
    let r = reqwest::Client::new()
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&first)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "signed out: {}", r.status());

    let second = app.token_for("site_user").await;
    let (status, cart) = app.get_json("/api/requisition-cart", &second).await;
    assert_eq!(status, StatusCode::OK);
    let lines = cart["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 1, "{cart}");
    assert_eq!(lines[0]["listing_id"], s.listing_id);
    assert_eq!(
        crate::helpers::dec(&lines[0]["quantity"])
            .normalize()
            .to_string(),
        "2.5"
    );

    // Adding the same listing again sets its quantity; another line is removed by id.
    let (_, cart) = cart_add(&app, &second, s.listing_id, "3").await;
    assert_eq!(cart["lines"].as_array().map(Vec::len), Some(1));
    let line = cart["lines"][0]["id"].as_i64().unwrap_or_default();
    let (status, cart) = app
        .send_json(
            Method::PUT,
            &format!("/api/requisition-cart/lines/{line}"),
            &second,
            &json!({"quantity": "4"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_eq!(
        crate::helpers::dec(&cart["lines"][0]["quantity"])
            .normalize()
            .to_string(),
        "4"
    );
    let (status, cart) = app
        .send_json(
            Method::DELETE,
            &format!("/api/requisition-cart/lines/{line}"),
            &second,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    assert_eq!(cart["lines"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_draft_reserves_nothing_and_is_invisible_to_the_manager_and_the_keeper() {
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let manager = app.token_for("site_manager").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let site_user = app.token_for("site_user").await;
    let before_manager = ids_of(&app, &manager).await;
    let before_keeper = ids_of(&app, &keeper).await;
    let (status, _) = cart_add(&app, &site_user, s.listing_id, "4").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids_of(&app, &manager).await, before_manager);
    assert_eq!(ids_of(&app, &keeper).await, before_keeper);
    assert_eq!(
        ids_of(&app, &site_user).await,
        before_manager,
        "not even in its owner's list"
    );
    // Nothing reserved: all ten can still be requisitioned and approved.
    let r = submitted(&app, &site_user, s.listing_id, "10").await;
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{}/approval", r["id"]),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Another user's line is not found; a supplier has no cart.
    let (_, cart) = app.get_json("/api/requisition-cart", &site_user).await;
    let line = cart["lines"][0]["id"].as_i64().unwrap_or_default();
    let (status, _) = app
        .send_json(
            Method::DELETE,
            &format!("/api/requisition-cart/lines/{line}"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get_json("/api/requisition-cart", &s.supplier).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn lines_from_two_searches_end_in_one_numbered_requisition() {
    let app = spawn_app().await;
    let a = stocked(&app, "10").await;
    let b = stocked(&app, "10").await;
    assert_ne!(a.listing_id, b.listing_id);
    let site = browser(&app, "site_user").await;
    for (s, q) in [(&a, "2"), (&b, "3")] {
        let search = format!("/catalogue?q={}", urlencoding::encode(&s.spec));
        let (status, html) = page(&app, &site, &search).await;
        assert_eq!(status, StatusCode::OK);
        let field = format!("qty_{}", s.listing_id);
        assert!(
            html.contains(&format!("name=\"{field}\"")),
            "{search} lists it"
        );
        let csrf = extract_csrf(&html);
        let r = site
            .post(app.url("/requisition-cart"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                (field.as_str(), q),
                ("back", search.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"]
            .to_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(to, search, "back to the same search");
    }
    let (status, html) = page(&app, &site, "/requisition-cart").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-lines=\"2\""),
        "the cart counts both lines"
    );
    assert!(
        html.contains("19,250.00"),
        "the total of 5 × 3,850.00: {html}"
    );
    let (_, catalogue) = page(&app, &site, "/catalogue").await;
    assert!(
        catalogue.contains("data-lines=\"2\""),
        "the catalogue shows the count"
    );

    // Submitting without a purpose is refused with the field's error; the cart stays.
    let csrf = extract_csrf(&html);
    let today = today(&app);
    let r = site
        .post(app.url("/requisition-cart"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "submit"),
            ("purpose", ""),
            ("need_by", today.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let token = app.token_for("site_user").await;
    let (_, cart) = app.get_json("/api/requisition-cart", &token).await;
    assert_eq!(cart["lines"].as_array().map(Vec::len), Some(2));

    let r = site
        .post(app.url("/requisition-cart"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "submit"),
            ("purpose", "5# 楼三层"),
            ("need_by", today.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    let id: i64 = to
        .strip_prefix("/requisitions/")
        .and_then(|i| i.parse().ok())
        .unwrap_or_else(|| panic!("redirected to {to}"));
    let (status, doc) = app
        .get_json(&format!("/api/requisitions/{id}"), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let r = &doc["requisition"];
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["lines"].as_array().map(Vec::len), Some(2), "{doc}");
    assert_eq!(r["total"], "19250.00");
    assert!(
        is_number_of_this_month(&app, "LL", r["number"].as_str().unwrap_or_default()),
        "{}",
        r["number"]
    );
    assert!(
        !r["requester"].as_str().unwrap_or_default().is_empty(),
        "{r}"
    );
    let (_, cart) = app.get_json("/api/requisition-cart", &token).await;
    assert_eq!(
        cart["lines"].as_array().map(Vec::len),
        Some(0),
        "the cart is empty again"
    );
    let manager = app.token_for("site_manager").await;
    assert!(ids_of(&app, &manager).await.contains(&id));
}

#[tokio::test]
async fn returning_without_a_reason_is_a_field_error_and_changes_nothing() {
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let site_user = app.token_for("site_user").await;
    let manager = app.token_for("site_manager").await;
    let r = submitted(&app, &site_user, s.listing_id, "2").await;
    let id = r["id"].as_i64().unwrap_or_default();
    let outbox = app.count("outbox").await;
    for path in ["return", "rejection"] {
        let (status, e) = app
            .post_json(
                &format!("/api/requisitions/{id}/{path}"),
                &manager,
                &json!({"reason": "   "}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["error"]["fields"].to_string().contains("reason"), "{e}");
    }
    let (_, doc) = app
        .get_json(&format!("/api/requisitions/{id}"), &site_user)
        .await;
    assert_eq!(doc["requisition"]["status"], "submitted");
    assert_eq!(doc["history"].as_array().map(Vec::len), Some(1), "{doc}");
    assert_eq!(app.count("outbox").await, outbox, "nobody was mailed");

    // On the page: the field's error beside it, and what was typed is kept.
    let client = browser(&app, "site_manager").await;
    let (_, html) = page(&app, &client, &format!("/requisitions/{id}")).await;
    let csrf = extract_csrf(&html);
    let long = "太多".repeat(300);
    let r = client
        .post(app.url(&format!("/requisitions/{id}")))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "reject"),
            ("reason", long.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains(&long), "the typed reason is kept");
    assert!(
        html.contains("reason-") && html.contains("field-error"),
        "{html}"
    );
    let r = client
        .post(app.url(&format!("/requisitions/{id}")))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "return"),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, doc) = app
        .get_json(&format!("/api/requisitions/{id}"), &site_user)
        .await;
    assert_eq!(doc["requisition"]["status"], "submitted");
}

#[tokio::test]
async fn a_returned_requisition_is_edited_and_resubmitted_under_the_same_number() {
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let site_user = app.token_for("site_user").await;
    let manager = app.token_for("site_manager").await;
    let r = submitted(&app, &site_user, s.listing_id, "8").await;
    let id = r["id"].as_i64().unwrap_or_default();
    let number = r["number"].as_str().unwrap_or_default().to_string();
    assert!(is_number_of_this_month(&app, "LL", &number), "{number}");
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{id}/return"),
            &manager,
            &json!({"reason": "数量太多，先领 5 吨"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "returned");
    let mailed: i64 = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Kind.eq("requisition-returned"))
            .count(&app.state.db.read)
            .await
            .unwrap_or_default() as i64
    };
    assert_eq!(mailed, 1, "the requester is mailed the return");
    // A returned requisition cannot be approved until it is submitted again.
    let (status, _) = app
        .post_json(
            &format!("/api/requisitions/{id}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    // Only its requester resubmits it.
    let body = json!({"purpose": "3# 楼二层梁板（改）", "need_by": today(&app), "lines": [{"listing_id": s.listing_id, "quantity": "5"}]});
    let (status, _) = app
        .post_json(
            &format!("/api/requisitions/{id}/resubmission"),
            &manager,
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{id}/resubmission"),
            &site_user,
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["number"], number.as_str(), "the same number");
    assert_eq!(
        crate::helpers::dec(&v["lines"][0]["quantity"])
            .normalize()
            .to_string(),
        "5"
    );
    let (_, doc) = app
        .get_json(&format!("/api/requisitions/{id}"), &site_user)
        .await;
    let actions: Vec<&str> = doc["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(actions, ["submitted", "returned", "resubmitted"]);
    assert_eq!(doc["history"][1]["reason"], "数量太多，先领 5 吨");
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{id}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_rejection_is_final() {
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let site_user = app.token_for("site_user").await;
    let manager = app.token_for("site_manager").await;
    let r = submitted(&app, &site_user, s.listing_id, "2").await;
    let id = r["id"].as_i64().unwrap_or_default();
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{id}/rejection"),
            &manager,
            &json!({"reason": "本月预算已用完"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "rejected");
    for (path, token, body) in [
        ("approval", &manager, json!({})),
        ("return", &manager, json!({"reason": "再看看"})),
        ("rejection", &manager, json!({"reason": "再驳回"})),
        (
            "resubmission",
            &site_user,
            json!({"purpose": "x", "need_by": today(&app), "lines": [{"listing_id": s.listing_id, "quantity": "1"}]}),
        ),
        ("cancellation", &site_user, json!({})),
    ] {
        let (status, e) = app
            .post_json(&format!("/api/requisitions/{id}/{path}"), token, &body)
            .await;
        assert!(status.is_client_error(), "{path}: {status} {e}");
    }
    let (_, doc) = app
        .get_json(&format!("/api/requisitions/{id}"), &site_user)
        .await;
    assert_eq!(doc["requisition"]["status"], "rejected");
    assert_eq!(doc["history"][1]["reason"], "本月预算已用完");
}

#[tokio::test]
async fn fifty_concurrent_submissions_get_fifty_distinct_numbers() {
    let app = spawn_app().await;
    let s = stocked(&app, "100").await;
    let site_user = app.token_for("site_user").await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let url = app.url("/api/requisitions");
        let token = site_user.clone();
        let body = json!({"purpose": "并发", "need_by": today(&app), "lines": [{"listing_id": s.listing_id, "quantity": "1"}]});
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap_or_default();
            (status, v)
        }));
    }
    let mut numbers = std::collections::BTreeSet::new();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let n = v["number"].as_str().unwrap_or_default().to_string();
        assert!(is_number_of_this_month(&app, "LL", &n), "{n}");
        numbers.insert(n);
    }
    assert_eq!(numbers.len(), 50, "{numbers:?}");
}

#[tokio::test]
async fn printable_documents_answer_their_roles_and_refuse_others() {
    let app = spawn_app().await;
    let s = stocked(&app, "10").await;
    let site_user = app.token_for("site_user").await;
    let manager = app.token_for("site_manager").await;
    let keeper = app.token_for("warehouse_keeper").await;
    let r = submitted(&app, &site_user, s.listing_id, "2.5").await;
    let id = r["id"].as_i64().unwrap_or_default();
    let number = r["number"].as_str().unwrap_or_default().to_string();
    let (status, _) = app
        .post_json(
            &format!("/api/requisitions/{id}/approval"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let line = r["lines"][0]["id"].as_i64().unwrap_or_default();
    let (status, v) = app
        .post_json(
            &format!("/api/requisitions/{id}/issue"),
            &keeper,
            &json!({"lines": [{"line_id": line, "quantity": "2.5"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, doc) = app
        .get_json(&format!("/api/requisitions/{id}"), &keeper)
        .await;
    assert_eq!(doc["total_in_capitals"], "玖仟陆佰贰拾伍元整", "{doc}");
    let slip = doc["issue_slips"][0]["id"].as_i64().unwrap_or_default();
    let slip_number = doc["issue_slips"][0]["number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(is_number_of_this_month(&app, "CK", &slip_number), "{doc}");
    let (status, slip_doc) = app
        .get_json(&format!("/api/issue-slips/{slip}"), &site_user)
        .await;
    assert_eq!(status, StatusCode::OK, "{slip_doc}");
    assert_eq!(slip_doc["total"], "9625.00");
    assert_eq!(
        slip_doc["lines"].as_array().map(Vec::len),
        Some(1),
        "{slip_doc}"
    );
    assert!(slip_doc["lines"][0]["lot_id"].as_i64().is_some());

    // The receiving slip of the delivery that stocked the listing.
    let (_, deliveries) = app.get_json("/api/deliveries", &keeper).await;
    let delivery = deliveries
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|d| d["lines"][0]["listing_id"] == s.listing_id)
        })
        .and_then(|d| d["id"].as_i64())
        .unwrap_or_default();
    let (status, ys) = app
        .get_json(
            &format!("/api/deliveries/{delivery}/receiving-slip"),
            &s.supplier,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ys}");
    assert!(
        is_number_of_this_month(&app, "YS", ys["number"].as_str().unwrap_or_default()),
        "{ys}"
    );
    assert_eq!(ys["total"], "38500.00");

    let print = format!("/requisitions/{id}/print");
    let slip_page = format!("/issue-slips/{slip}");
    let ys_page = format!("/deliveries/{delivery}/receiving-slip");
    for role in ["site_user", "site_manager", "warehouse_keeper", "auditor"] {
        let c = browser(&app, role).await;
        let (status, html) = page(&app, &c, &print).await;
        assert_eq!(status, StatusCode::OK, "{role} prints the requisition");
        assert!(
            html.contains(&number) && html.contains("玖仟陆佰贰拾伍元整"),
            "{role}"
        );
        assert!(html.contains("class=\"signatures\""));
        let (status, html) = page(&app, &c, &slip_page).await;
        assert_eq!(status, StatusCode::OK, "{role} prints the issue slip");
        assert!(html.contains(&slip_number));
    }
    for role in ["warehouse_keeper", "supplier", "procurement_officer"] {
        let c = browser(&app, role).await;
        let (status, html) = page(&app, &c, &ys_page).await;
        assert_eq!(status, StatusCode::OK, "{role} prints the receiving slip");
        assert!(html.contains("叁万捌仟伍佰元整"), "{role}");
    }
    // A supplier cannot print a site's requisition or issue slip; a site cannot print a
    // receiving slip; another site's people do not find this site's documents.
    let supplier = browser(&app, "supplier").await;
    assert_eq!(page(&app, &supplier, &print).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        page(&app, &supplier, &slip_page).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .get_json(&format!("/api/requisitions/{id}"), &s.supplier)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let site = browser(&app, "site_user").await;
    assert_eq!(page(&app, &site, &ys_page).await.0, StatusCode::FORBIDDEN);
    let admin = app.token_for("admin").await;
    let (_, sites) = app.get_json("/api/sites", &admin).await;
    let own_site = r["site_id"].as_i64().unwrap_or_default();
    let other_site = sites
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] != own_site))
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_default();
    let (status, u) = app
        .post_json("/api/users", &admin, &json!({"email": "other.site@example.test", "display_name": "Other site", "password": "long-enough-pw", "role": "site_user", "site_id": other_site}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let other = app.token("other.site@example.test", "long-enough-pw").await;
    for path in [
        format!("/api/requisitions/{id}"),
        format!("/api/issue-slips/{slip}"),
    ] {
        let (status, _) = app.get_json(&path, &other).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // The document's page links to its print view.
    let (_, html) = page(&app, &site, &format!("/requisitions/{id}")).await;
    assert!(
        html.contains(&format!("href=\"{print}\"")),
        "the print link"
    );
    assert!(
        html.contains(&format!("href=\"{slip_page}\"")),
        "the issue slip link"
    );
}

#[tokio::test]
async fn requisitions_written_around_the_store_are_numbered_on_request() {
    // The demo loader writes its sample requisitions directly; they get numbers afterwards.
    let app = spawn_app().await;
    let keeper = app.token_for("warehouse_keeper").await;
    let (_, all) = app.get_json("/api/requisitions", &keeper).await;
    let unnumbered = all
        .as_array()
        .map(|a| a.iter().filter(|r| r["number"].is_null()).count())
        .unwrap_or_default();
    let done = portal::requisitions::store::number_unnumbered(&app.state)
        .await
        .unwrap();
    assert_eq!(done as usize, unnumbered);
    let (_, all) = app.get_json("/api/requisitions", &keeper).await;
    for r in all.as_array().cloned().unwrap_or_default() {
        let n = r["number"].as_str().unwrap_or_default();
        assert!(n.starts_with("LL-") && n.len() >= 14, "{r}");
    }
    assert_eq!(
        portal::requisitions::store::number_unnumbered(&app.state)
            .await
            .unwrap(),
        0,
        "once"
    );
}

// ----- Refused cart forms and the cart's audit records -----

/// How many audit records the cart's edits wrote, by action.
async fn cart_audits(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE action = 'requisition.{action}' AND entity = 'requisition'"
    ))
    .await
}

/// Posts `fields` (with the page's CSRF token) to the cart's form address, in English.
async fn post_cart(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    client
        .post(app.url("/requisition-cart"))
        .header("Accept-Language", "en")
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn doc_select<'a>(doc: &'a scraper::Html, css: &str) -> Option<scraper::ElementRef<'a>> {
    doc.select(&scraper::Selector::parse(css).unwrap()).next()
}

/// The error summary's links: (href, the field's name as the summary says it).
fn summary_links(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(".error-summary[role=alert][tabindex='-1'][autofocus] li a")
        .unwrap();
    doc.select(&sel)
        .map(|a| {
            (
                a.value().attr("href").unwrap_or_default().to_string(),
                a.text().collect::<String>(),
            )
        })
        .collect()
}

/// The input `css` keeps `typed`; when `message` is given it is marked invalid and
/// described by a message beside it saying so, else it is not marked.
fn field_shows(html: &str, css: &str, typed: &str, message: Option<&str>) {
    let doc = scraper::Html::parse_document(html);
    let input = doc_select(&doc, css).unwrap_or_else(|| panic!("no {css} in {html}"));
    assert_eq!(
        input.value().attr("value"),
        Some(typed),
        "{css} keeps {typed}"
    );
    let Some(message) = message else {
        assert_eq!(
            input.value().attr("aria-invalid"),
            None,
            "{css} is not marked"
        );
        return;
    };
    assert_eq!(input.value().attr("aria-invalid"), Some("true"), "{css}");
    let described = input.value().attr("aria-describedby").unwrap_or_default();
    let beside = doc_select(&doc, &format!("[id='{described}']"))
        .unwrap_or_else(|| panic!("{css} is described by #{described}, not on the page"));
    assert_eq!(
        beside.text().collect::<String>(),
        message,
        "{css}: the message beside it"
    );
    // Beside the field: in the same table cell or form section.
    let parent = |e: scraper::ElementRef<'_>| e.parent().map(|p| p.id());
    assert_eq!(
        parent(input),
        parent(beside),
        "{css}: the message is beside it"
    );
}

fn en(key: &str) -> String {
    portal::i18n::Locale::En.t(key)
}

#[tokio::test]
async fn a_refused_catalogue_order_shows_each_error_beside_its_row_keeps_what_was_typed_and_adds_nothing()
 {
    let app = spawn_app().await;
    let a = stocked(&app, "10").await;
    let b = stocked(&app, "10").await;
    let c = stocked(&app, "10").await;
    let site = browser(&app, "site_user").await;
    let token = app.token_for("site_user").await;
    let (status, html) = page(&app, &site, "/catalogue").await;
    assert_eq!(status, StatusCode::OK);
    // Each row's quantity has its own id and a label naming its material.
    let doc = scraper::Html::parse_document(&html);
    for s in [&a, &b, &c] {
        let id = format!("qty_{}", s.listing_id);
        assert!(
            doc_select(&doc, &format!("#requisition-form input#{id}[name={id}]")).is_some(),
            "{id} has its id"
        );
        let label = doc_select(&doc, &format!("label[for={id}]"))
            .map(|l| l.text().collect::<String>())
            .unwrap_or_default();
        assert!(label.contains(&s.spec), "{id} is labelled {label:?}");
    }
    let csrf = extract_csrf(&html);
    let (qa, qb, qc) = (
        format!("qty_{}", a.listing_id),
        format!("qty_{}", b.listing_id),
        format!("qty_{}", c.listing_id),
    );
    let audits = app.count("audit_log").await;
    // The search the form came from (another page of it) is shown again.
    let back = format!("/catalogue?page=1&q={}", urlencoding::encode(&b.spec));
    for (typed_b, message_b) in [
        ("-1", None),
        ("1.23456", None),
        ("0", None),
        ("three", Some(en("validation-not_a_number"))),
    ] {
        let r = post_cart(
            &app,
            &site,
            &csrf,
            &[
                (qa.as_str(), "2"),
                (qb.as_str(), typed_b),
                (qc.as_str(), "many"),
                ("back", back.as_str()),
                ("q", b.spec.as_str()),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed_b}");
        let html = r.text().await.unwrap_or_default();
        let links = summary_links(&html);
        let link_b = links
            .iter()
            .find(|(href, _)| *href == format!("#{qb}"))
            .unwrap_or_else(|| panic!("{typed_b}: no link to #{qb} in {links:?}"));
        assert!(
            link_b.1.contains(&b.spec) && !link_b.1.contains("qty_"),
            "the row's quantity named by its material: {links:?}"
        );
        assert!(
            links.iter().any(|(href, _)| *href == format!("#{qc}")),
            "{links:?}"
        );
        assert!(
            !links.iter().any(|(href, _)| *href == format!("#{qa}")),
            "{links:?}"
        );
        let doc = scraper::Html::parse_document(&html);
        let beside_b = doc_select(&doc, &format!("[id='{qb}-error']"))
            .map(|e| e.text().collect::<String>())
            .unwrap_or_default();
        assert!(!beside_b.is_empty(), "{typed_b}: a message beside {qb}");
        field_shows(
            &html,
            &format!("#requisition-form input#{qb}"),
            typed_b,
            Some(message_b.as_deref().unwrap_or(&beside_b)),
        );
        field_shows(
            &html,
            &format!("#requisition-form input#{qc}"),
            "many",
            Some(&en("validation-not_a_number")),
        );
        field_shows(&html, &format!("#requisition-form input#{qa}"), "2", None);
        let (_, cart) = app.get_json("/api/requisition-cart", &token).await;
        assert_eq!(
            cart["lines"].as_array().map(Vec::len),
            Some(0),
            "{typed_b}: nothing was added, not even the right row"
        );
        assert_eq!(app.count("audit_log").await, audits, "no audit record");
    }
    // Nothing typed: said at the first row's quantity.
    let r = post_cart(&app, &site, &csrf, &[("back", "/catalogue")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    let links = summary_links(&html);
    let first = links.first().map(|l| l.0.clone()).unwrap_or_default();
    assert!(first.starts_with("#qty_") && links.len() == 1, "{links:?}");
    let id = first.trim_start_matches('#');
    field_shows(
        &html,
        &format!("#requisition-form input#{id}"),
        "",
        Some(&en("req-cart-none-typed")),
    );
}

#[tokio::test]
async fn a_refused_cart_page_shows_the_line_purpose_and_date_errors_beside_them_and_changes_nothing()
 {
    let app = spawn_app().await;
    let a = stocked(&app, "10").await;
    let b = stocked(&app, "10").await;
    let token = app.token_for("site_user").await;
    for s in [&a, &b] {
        let (status, cart) = cart_add(&app, &token, s.listing_id, "2").await;
        assert_eq!(status, StatusCode::OK, "{cart}");
    }
    let (_, cart) = app.get_json("/api/requisition-cart", &token).await;
    let line_of = |listing: i64| {
        cart["lines"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["listing_id"] == listing))
            .and_then(|l| l["id"].as_i64())
            .unwrap_or_default()
    };
    let (qa, qb) = (
        format!("qty_{}", line_of(a.listing_id)),
        format!("qty_{}", line_of(b.listing_id)),
    );
    let site = browser(&app, "site_user").await;
    let (_, html) = page(&app, &site, "/requisition-cart").await;
    let csrf = extract_csrf(&html);
    let audits = app.count("audit_log").await;
    let requisitions = ids_of(&app, &token).await;

    // Saving: a wrong quantity is refused beside its line, the other is not saved either.
    let r = post_cart(
        &app,
        &site,
        &csrf,
        &[
            ("action", "update"),
            (qa.as_str(), "5"),
            (qb.as_str(), "-3"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    let links = summary_links(&html);
    assert!(
        links
            .iter()
            .any(|(href, label)| *href == format!("#{qb}") && label.contains(&b.spec)),
        "{links:?}"
    );
    let doc = scraper::Html::parse_document(&html);
    let beside = doc_select(&doc, &format!("[id='{qb}-error']"))
        .map(|e| e.text().collect::<String>())
        .unwrap_or_default();
    assert!(!beside.is_empty());
    field_shows(
        &html,
        &format!("#cart-form input#{qb}"),
        "-3",
        Some(&beside),
    );
    field_shows(&html, &format!("#cart-form input#{qa}"), "5", None);
    assert!(
        doc_select(&doc, "#cart-form .field-error:not([id])").is_none()
            && doc_select(&doc, "p.field-error").is_none(),
        "no message apart from its field: {html}"
    );

    // Submitting: the line, the purpose and the date are refused at once.
    let r = post_cart(
        &app,
        &site,
        &csrf,
        &[
            ("action", "submit"),
            (qa.as_str(), "2"),
            (qb.as_str(), "lots"),
            ("purpose", ""),
            ("need_by", "2001-01-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    let hrefs: Vec<String> = summary_links(&html).into_iter().map(|l| l.0).collect();
    for id in [qb.as_str(), "purpose", "need_by"] {
        assert!(hrefs.contains(&format!("#{id}")), "#{id} in {hrefs:?}");
    }
    field_shows(
        &html,
        &format!("#cart-form input#{qb}"),
        "lots",
        Some(&en("validation-not_a_number")),
    );
    let doc = scraper::Html::parse_document(&html);
    for id in ["purpose", "need_by"] {
        let beside = doc_select(&doc, &format!("[id='{id}-error']"))
            .map(|e| e.text().collect::<String>())
            .unwrap_or_default();
        assert!(!beside.is_empty(), "{id}: {html}");
    }
    field_shows(
        &html,
        "#cart-form input#purpose",
        "",
        Some(&en("validation-required")),
    );
    field_shows(
        &html,
        "#cart-form input#need_by",
        "2001-01-01",
        Some(&{
            doc_select(&doc, "[id='need_by-error']")
                .map(|e| e.text().collect::<String>())
                .unwrap_or_default()
        }),
    );

    let (_, after) = app.get_json("/api/requisition-cart", &token).await;
    assert_eq!(after["lines"], cart["lines"], "the cart is as it was");
    assert_eq!(app.count("audit_log").await, audits, "no audit record");
    assert_eq!(
        ids_of(&app, &token).await,
        requisitions,
        "nothing submitted"
    );
}

#[tokio::test]
async fn each_cart_edit_writes_one_audit_record_with_its_action() {
    let app = spawn_app().await;
    let a = stocked(&app, "10").await;
    let b = stocked(&app, "10").await;
    let token = app.token_for("site_user").await;
    let site = browser(&app, "site_user").await;
    let (_, html) = page(&app, &site, "/catalogue").await;
    let csrf = extract_csrf(&html);

    /// Runs an edit and checks that it wrote one audit record, `action`.
    async fn one_record(app: &TestApp, action: &str, edit: impl std::future::Future<Output = ()>) {
        let all = app.count("audit_log").await;
        let of_action = cart_audits(app, action).await;
        edit.await;
        assert_eq!(
            app.count("audit_log").await,
            all + 1,
            "{action}: one record"
        );
        assert_eq!(cart_audits(app, action).await, of_action + 1, "{action}");
    }

    // The API: add, add again (the quantity replaced), set, remove.
    one_record(&app, "cart_add", async {
        let (status, v) = cart_add(&app, &token, a.listing_id, "2").await;
        assert_eq!(status, StatusCode::OK, "{v}");
    })
    .await;
    one_record(&app, "cart_update", async {
        let (status, v) = cart_add(&app, &token, a.listing_id, "3").await;
        assert_eq!(status, StatusCode::OK, "{v}");
    })
    .await;
    let (_, cart) = app.get_json("/api/requisition-cart", &token).await;
    let line_a = cart["lines"][0]["id"].as_i64().unwrap_or_default();
    one_record(&app, "cart_update", async {
        let (status, v) = app
            .send_json(
                Method::PUT,
                &format!("/api/requisition-cart/lines/{line_a}"),
                &token,
                &json!({"quantity": "4"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    })
    .await;
    one_record(&app, "cart_remove", async {
        let (status, v) = app
            .send_json(
                Method::DELETE,
                &format!("/api/requisition-cart/lines/{line_a}"),
                &token,
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    })
    .await;
    // A refused one writes nothing.
    let all = app.count("audit_log").await;
    let (status, _) = cart_add(&app, &token, a.listing_id, "-1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("audit_log").await, all);

    // The pages: two rows added from the catalogue at once, a quantity saved, a line removed.
    let (qa, qb) = (
        format!("qty_{}", a.listing_id),
        format!("qty_{}", b.listing_id),
    );
    one_record(&app, "cart_add", async {
        let r = post_cart(
            &app,
            &site,
            &csrf,
            &[
                (qa.as_str(), "1"),
                (qb.as_str(), "2"),
                ("back", "/catalogue"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    })
    .await;
    let (_, cart) = app.get_json("/api/requisition-cart", &token).await;
    assert_eq!(cart["lines"].as_array().map(Vec::len), Some(2), "{cart}");
    let line_b = cart["lines"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["listing_id"] == b.listing_id))
        .and_then(|l| l["id"].as_i64())
        .unwrap_or_default();
    let qty_line_b = format!("qty_{line_b}");
    one_record(&app, "cart_update", async {
        let r = post_cart(
            &app,
            &site,
            &csrf,
            &[("action", "update"), (qty_line_b.as_str(), "7")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    })
    .await;
    let remove = format!("remove:{line_b}");
    one_record(&app, "cart_remove", async {
        let r = post_cart(&app, &site, &csrf, &[("action", remove.as_str())]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    })
    .await;
    let (_, cart) = app.get_json("/api/requisition-cart", &token).await;
    assert_eq!(cart["lines"].as_array().map(Vec::len), Some(1), "{cart}");
    // The records are about the draft, with the lines before and after.
    let db = &app.state.db.read;
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT entity_id, before, after FROM audit_log \
             WHERE action = 'requisition.cart_update' ORDER BY seq DESC LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap();
    let entity_id: String = row.try_get("", "entity_id").unwrap();
    let before: String = row.try_get("", "before").unwrap();
    let after: String = row.try_get("", "after").unwrap();
    let draft = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM requisitions WHERE draft_owner IS NOT NULL",
        ))
        .await
        .unwrap()
        .and_then(|r| r.try_get::<i64>("", "id").ok())
        .unwrap_or_default();
    assert_eq!(entity_id, draft.to_string(), "the draft's record");
    assert!(
        before.contains("\"quantity\":\"2") && after.contains("\"quantity\":\"7"),
        "{before} → {after}"
    );
}
