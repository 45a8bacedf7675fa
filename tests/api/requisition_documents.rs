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
