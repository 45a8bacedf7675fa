//! The pages of rule 3 answered (the supplier's lots, the keeper's return or exchange) and of
//! rule 12 (stock counts entered by the keeper, decided by procurement), driven like a browser.

use crate::helpers::{DEMO_PASSWORD, TestApp, ledger_ok, spawn_app};
use entity::{ListingId, LotId, listing, lot, movement, stock_count};
use portal::i18n::Locale;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::str::FromStr;

/// A browser signed in as `<role>@demo.test`.
async fn browser(app: &TestApp, role: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
    client
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = client
        .get(app.url(path))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

/// Posts a form the way the page does: with the CSRF token read from `from`.
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

/// A message as the English page shows it (escaped as the templates escape it).
fn en(key: &str) -> String {
    Locale::En
        .t(key)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn dec(s: &str) -> rust_decimal::Decimal {
    rust_decimal::Decimal::from_str(s).unwrap_or_default()
}

async fn lot_row(app: &TestApp, id: LotId) -> lot::Model {
    lot::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no lot {id}"))
}

async fn listing_row(app: &TestApp, id: ListingId) -> listing::Model {
    listing::Entity::find_by_id(id)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no listing {id}"))
}

/// Runs the stale scan today and answers the one lot it flags: the demo's steel lot
/// received 75 days ago.
async fn flag_the_stale_lot(app: &TestApp) -> lot::Model {
    portal::jobs::run(&app.state, portal::jobs::Job::StaleScan, app.state.today())
        .await
        .unwrap();
    let flagged = lot::Entity::find()
        .filter(lot::Column::StaleFlaggedOn.is_not_null())
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(
        (app.state.today() - flagged[0].received_on).num_days(),
        75,
        "the demo's old steel lot"
    );
    flagged[0].clone()
}

#[tokio::test]
async fn the_supplier_answers_return_on_its_lots_and_the_keeper_records_the_return() {
    let app = spawn_app().await;
    let stale = flag_the_stale_lot(&app).await;
    let id = stale.id;
    let on_hand_before = listing_row(&app, stale.listing_id).await.on_hand.value();

    // The supplier sees its lots, the flagged one highlighted with the answer form.
    let supplier = browser(&app, "supplier").await;
    let (status, html) = page(&app, &supplier, "/my/lots").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            "data-lot=\"{id}\" class=\"flagged\" data-flag=\"stale\""
        )),
        "{html}"
    );
    assert!(html.contains(&format!("action=\"/my/lots/{id}/answer\"")));
    assert!(html.contains("<mark class=\"lot-flag\">"));
    assert_eq!(
        html.matches("action=\"/my/lots/").count(),
        1,
        "only the flagged lot can be answered"
    );

    // Not answered yet: the keeper sees the lot waiting and cannot record a return.
    let keeper = browser(&app, "warehouse_keeper").await;
    let (status, html) = page(&app, &keeper, "/lots?flagged=true").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("data-lot=\"{id}\"")), "{html}");
    assert_eq!(html.matches("data-lot=").count(), 1, "only flagged lots");
    assert!(html.contains(&en("lot-awaiting-answer")));
    assert!(!html.contains(&format!("action=\"/lots/{id}/return\"")));
    let r = submit(&app, &keeper, "/lots", &format!("/lots/{id}/return"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("id=\"page-title\""), "the page again");
    assert!(html.contains(&en("error-lot_not_answered")), "{html}");

    // A lot that is not flagged cannot be answered: the page says why.
    let other = lot::Entity::find()
        .filter(lot::Column::SupplierId.eq(stale.supplier_id))
        .filter(lot::Column::StaleFlaggedOn.is_null())
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the supplier has other lots"));
    let r = submit(
        &app,
        &supplier,
        "/my/lots",
        &format!("/my/lots/{}/answer", other.id),
        &[("answer", "return")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains(&en("error-lot_not_flagged"))
    );

    // The supplier answers "return".
    let r = submit(
        &app,
        &supplier,
        "/my/lots",
        &format!("/my/lots/{id}/answer"),
        &[("answer", "return")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/my/lots");
    let (_, html) = page(&app, &supplier, "/my/lots").await;
    assert!(html.contains("flash-success"), "{html}");
    assert!(html.contains("data-answer=\"return\""));
    assert_eq!(
        lot_row(&app, id).await.return_request.as_deref(),
        Some("return")
    );

    // The keeper records the return from the flagged list and comes back to it.
    let (_, html) = page(&app, &keeper, "/lots?flagged=true").await;
    assert!(
        html.contains(&format!("action=\"/lots/{id}/return\"")),
        "{html}"
    );
    assert!(!html.contains(&format!("action=\"/lots/{id}/exchange\"")));
    let r = submit(
        &app,
        &keeper,
        "/lots?flagged=true",
        &format!("/lots/{id}/return"),
        &[("flagged", "true")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/lots?flagged=true");
    let (_, html) = page(&app, &keeper, "/lots?flagged=true").await;
    assert!(html.contains(&en("flash-lot-returned")), "{html}");
    assert!(
        !html.contains(&format!("data-lot=\"{id}\"")),
        "gone from stock"
    );

    // The lot is empty, the listing's stock fell by it, the movement is in the ledger.
    let after = lot_row(&app, id).await;
    assert!(after.quantity.value().is_zero());
    assert_eq!(after.stale_flagged_on, None);
    assert_eq!(after.return_request, None);
    assert_eq!(
        listing_row(&app, stale.listing_id).await.on_hand.value(),
        on_hand_before - stale.quantity.value()
    );
    let returned = movement::Entity::find()
        .filter(movement::Column::LotId.eq(id))
        .filter(movement::Column::Kind.eq("return_to_supplier"))
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(returned.len(), 1);
    assert_eq!(returned[0].quantity.value(), -stale.quantity.value());
    ledger_ok(&app).await;

    // Recording it again is refused on the page.
    let r = submit(&app, &keeper, "/lots", &format!("/lots/{id}/return"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    ledger_ok(&app).await;
}

#[tokio::test]
async fn the_keeper_records_an_exchange_with_the_fresh_quantity() {
    let app = spawn_app().await;
    let stale = flag_the_stale_lot(&app).await;
    let id = stale.id;
    let supplier = browser(&app, "supplier").await;
    let r = submit(
        &app,
        &supplier,
        "/my/lots",
        &format!("/my/lots/{id}/answer"),
        &[("answer", "exchange")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let keeper = browser(&app, "warehouse_keeper").await;
    let (_, html) = page(&app, &keeper, "/lots").await;
    assert!(
        html.contains(&format!("action=\"/lots/{id}/exchange\"")),
        "{html}"
    );
    assert!(!html.contains(&format!("action=\"/lots/{id}/return\"")));
    // A return is not what the supplier asked for.
    let r = submit(&app, &keeper, "/lots", &format!("/lots/{id}/return"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains(&en("error-lot_answer_mismatch"))
    );
    // A quantity that is not a number comes back with the entry kept.
    let r = submit(
        &app,
        &keeper,
        "/lots",
        &format!("/lots/{id}/exchange"),
        &[("quantity", "eight")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains(&en("validation-not_a_number")), "{html}");
    assert!(html.contains("value=\"eight\""));
    assert_eq!(lot_row(&app, id).await.quantity, stale.quantity);

    let r = submit(
        &app,
        &keeper,
        "/lots",
        &format!("/lots/{id}/exchange"),
        &[("quantity", "8")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/lots");
    let (_, html) = page(&app, &keeper, "/lots").await;
    assert!(html.contains(&en("flash-lot-exchanged")), "{html}");
    assert!(lot_row(&app, id).await.quantity.value().is_zero());
    let fresh = lot::Entity::find()
        .filter(lot::Column::ListingId.eq(stale.listing_id))
        .filter(lot::Column::ReceivedOn.eq(app.state.today()))
        .all(&app.state.db.read)
        .await
        .unwrap();
    assert_eq!(fresh.len(), 1, "{fresh:?}");
    assert_eq!(fresh[0].quantity.value(), dec("8"));
    assert!(html.contains(&format!("data-lot=\"{}\"", fresh[0].id)));
    ledger_ok(&app).await;
}

#[tokio::test]
async fn the_keeper_enters_a_count_and_procurement_approves_it_on_the_page() {
    let app = spawn_app().await;
    // A steel listing of the demo supplier holding 18.5 with nothing reserved.
    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/listings", &token).await;
    let counted_listing = mine
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|l| l["on_hand"] == "18.500" && l["reserved"] == "0.000")
        })
        .cloned()
        .unwrap_or_else(|| panic!("no listing of 18.5: {mine}"));
    let lid = counted_listing["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{counted_listing}"));
    let lid_s = lid.to_string();

    let keeper = browser(&app, "warehouse_keeper").await;
    let (status, html) = page(&app, &keeper, "/stock-counts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"count-form\""), "{html}");
    assert!(html.contains(&format!("<option value=\"{lid}\"")));

    // A difference needs a reason: the form comes back with what was entered.
    let r = submit(
        &app,
        &keeper,
        "/stock-counts",
        "/stock-counts/new",
        &[("listing_id", &lid_s), ("counted", "17"), ("reason", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains(&en("validation-count_reason_required")),
        "{html}"
    );
    assert!(html.contains("value=\"17\""));
    assert!(html.contains(&format!("<option value=\"{lid}\" selected>")));

    let r = submit(
        &app,
        &keeper,
        "/stock-counts",
        "/stock-counts/new",
        &[
            ("listing_id", &lid_s),
            ("counted", "17"),
            ("reason", "a bundle short"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/stock-counts");
    let (_, html) = page(&app, &keeper, "/stock-counts").await;
    assert!(html.contains(&en("flash-count-pending")), "{html}");
    let count = stock_count::Entity::find()
        .filter(stock_count::Column::ListingId.eq(lid))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no count"));
    assert_eq!(count.status, "pending");
    assert_eq!(count.difference.value(), dec("-1.5"));
    let cid = count.id;
    assert!(html.contains(&format!("data-count=\"{cid}\" data-status=\"pending\"")));
    assert!(html.contains(">-1.5<"), "the loss with its sign");
    assert!(
        !html.contains(&format!("action=\"/stock-counts/{cid}/decision\"")),
        "the keeper does not decide"
    );
    assert!(
        !html.contains(&format!("<option value=\"{lid}\"")),
        "a listing with a pending count is not offered again"
    );
    // The book did not move yet.
    assert_eq!(
        listing_row(&app, ListingId(lid)).await.on_hand.value(),
        dec("18.5")
    );

    // Procurement approves it on the same page.
    let officer = browser(&app, "procurement_officer").await;
    let (status, html) = page(&app, &officer, "/stock-counts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("action=\"/stock-counts/{cid}/decision\"")));
    assert!(
        !html.contains("id=\"count-form\""),
        "only the keeper counts"
    );
    let r = submit(
        &app,
        &officer,
        "/stock-counts",
        &format!("/stock-counts/{cid}/decision"),
        &[("decision", "approve"), ("note", "checked on site")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/stock-counts");
    let (_, html) = page(&app, &officer, "/stock-counts").await;
    assert!(html.contains(&en("flash-count-approved")), "{html}");
    assert!(html.contains(&format!("data-count=\"{cid}\" data-status=\"approved\"")));
    assert!(html.contains("checked on site"));

    // The listing's on-hand follows, as the supplier sees it.
    let (_, mine) = app.get_json("/api/my/listings", &token).await;
    let after = mine
        .as_array()
        .and_then(|a| a.iter().find(|l| l["id"] == lid))
        .cloned()
        .unwrap_or_default();
    assert_eq!(after["on_hand"], "17.000", "{after}");
    ledger_ok(&app).await;

    // Deciding twice is refused on the page.
    let r = submit(
        &app,
        &officer,
        "/stock-counts",
        &format!("/stock-counts/{cid}/decision"),
        &[("decision", "reject")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains(&en("error-stock_count_decided"))
    );

    // A count that matches the book is confirmed at once.
    let r = submit(
        &app,
        &keeper,
        "/stock-counts",
        "/stock-counts/new",
        &[
            ("listing_id", &lid_s),
            ("counted", "17.000"),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &keeper, "/stock-counts").await;
    assert!(html.contains(&en("flash-count-confirmed")), "{html}");
    assert_eq!(
        listing_row(&app, ListingId(lid)).await.on_hand.value(),
        dec("17")
    );
    ledger_ok(&app).await;
}

#[tokio::test]
async fn a_catalogue_order_for_a_removed_suppliers_item_says_why_not_a_message_key() {
    let app = spawn_app().await;
    let s = crate::stock::stocked(&app, "3").await;
    let client = browser(&app, "site_user").await;
    let (status, html) = page(&app, &client, "/catalogue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("qty_{}", s.listing_id)), "listed");
    // The catalogue was open while the supplier traded; it is removed before the order.
    crate::stock::remove_supplier(&app, &s.supplier).await;
    let qty = format!("qty_{}", s.listing_id);
    let r = submit(
        &app,
        &client,
        "/catalogue",
        "/requisition-cart",
        &[("back", "/catalogue"), (qty.as_str(), "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains(&en("validation-listing_not_orderable")),
        "the reason is shown"
    );
    assert!(!html.contains("validation-"), "no message key is shown");
}

#[tokio::test]
async fn the_pages_render_for_their_roles_in_both_languages_and_refuse_others() {
    let app = spawn_app().await;
    let readers = [
        "warehouse_keeper",
        "procurement_officer",
        "procurement_head",
        "finance",
        "auditor",
        "admin",
    ];
    let pages: [(&str, &[&str], &str); 4] = [
        ("/my/lots", &["supplier"], "my-lots-title"),
        ("/lots", &readers, "lots-title"),
        ("/lots?flagged=true", &readers, "lots-title"),
        ("/stock-counts", &readers, "counts-title"),
    ];
    for (path, roles, title) in pages {
        for role in roles {
            let client = browser(&app, role).await;
            for locale in Locale::ALL {
                let r = client
                    .get(app.url(path))
                    .header("Accept-Language", locale.tag())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{path} {role} {}", locale.tag());
                let html = r.text().await.unwrap_or_default();
                assert!(
                    html.contains(&format!("data-lang=\"{}\"", locale.tag())),
                    "{path} {role}"
                );
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
            }
        }
    }
    // Material names follow the page's language.
    let keeper = browser(&app, "warehouse_keeper").await;
    let steel = entity::material::Entity::find()
        .filter(
            entity::material::Column::Id.is_in(
                listing::Entity::find()
                    .all(&app.state.db.read)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|l| l.material_id),
            ),
        )
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no listed material"));
    for (lang, name) in [("en", &steel.name_en), ("zh-CN", &steel.name_zh)] {
        let html = keeper
            .get(app.url("/lots"))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        assert!(html.contains(name.as_str()), "{lang}: {name}");
    }

    let forbidden: [(&str, &[&str]); 3] = [
        ("/my/lots", &["site_user", "warehouse_keeper", "admin"]),
        ("/lots", &["site_user", "site_manager", "supplier"]),
        ("/stock-counts", &["site_user", "site_manager", "supplier"]),
    ];
    for (path, roles) in forbidden {
        for role in roles {
            let client = browser(&app, role).await;
            let (status, _) = page(&app, &client, path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} for {role}");
        }
    }
    // Posting is refused too, for a site user, with a valid CSRF token.
    let site = browser(&app, "site_user").await;
    for action in [
        "/my/lots/1/answer",
        "/lots/1/return",
        "/lots/1/exchange",
        "/stock-counts/new",
        "/stock-counts/1/decision",
    ] {
        let r = submit(&app, &site, "/", action, &[("answer", "return")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{action}");
    }
}

#[tokio::test]
async fn a_refused_inspection_names_the_line_beside_its_field_and_keeps_what_was_entered() {
    let app = spawn_app().await;
    let db = &app.state.db.read;
    let s = crate::stock::stocked(&app, "10").await;
    let (status, d) = app
        .post_json(
            "/api/deliveries",
            &s.supplier,
            &serde_json::json!({"warehouse_id": s.warehouse_id, "note_number": "SH-ROW", "arrival": "local",
                "delivered_on": app.state.today().to_string(),
                "lines": [{"listing_id": s.listing_id, "quantity": "2"}, {"listing_id": s.listing_id, "quantity": "3"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let pending = entity::delivery::Entity::find_by_id(d["id"].as_i64().unwrap_or_default())
        .one(db)
        .await
        .unwrap()
        .expect("the new delivery");
    let lines = entity::delivery_line::Entity::find()
        .filter(entity::delivery_line::Column::DeliveryId.eq(pending.id))
        .all(db)
        .await
        .unwrap();
    // The second line is the one without a reason: its error must not land on the first.
    let line = lines.last().cloned().expect("two lines");
    let client = browser(&app, "warehouse_keeper").await;
    let (_, html) = page(&app, &client, "/deliveries").await;
    let csrf = crate::helpers::extract_csrf(&html);
    // Every line rejected in full; the first without the reason a rejection needs.
    let mut form = vec![("csrf_token".to_string(), csrf)];
    for l in &lines {
        let q = l.quantity.value().normalize().to_string();
        form.push((format!("accepted_{}", l.id), "0".into()));
        form.push((format!("rejected_{}", l.id), q));
        let reason = if l.id == line.id { "" } else { "破损" };
        form.push((format!("reason_{}", l.id), reason.into()));
    }
    let r = client
        .post(app.url(&format!("/deliveries/{}/inspect", pending.id)))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let field = format!("reason_{}", line.id);
    assert!(html.contains(&format!("href=\"#{field}\"")), "{html}");
    assert!(
        html.contains(&format!(
            "id=\"{field}\" name=\"{field}\" value=\"\" aria-invalid=\"true\" aria-describedby=\"{field}-error\""
        )),
        "the reason field is marked: {html}"
    );
    let rejected = format!(
        "id=\"rejected_{0}\" name=\"rejected_{0}\" value=\"{1}\"",
        line.id,
        line.quantity.value().normalize()
    );
    assert!(html.contains(&rejected), "what was entered is kept: {html}");
    let still = entity::delivery::Entity::find_by_id(pending.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, "pending", "nothing changed");
}
