//! Rule 4: tenders with sealed bids — invitations, the bid window by the server's clock,
//! sealing (no price anywhere before opening, nothing in clear text in the database), the
//! four-eyes opening, too few bids, scoring and award, and rule 2's removal reaching bids.

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app};
use base64::Engine;
use entity::{SupplierId, TenderId};
use reqwest::{StatusCode, multipart};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.4\n% a scanned licence\n%%EOF\n";
const SUPPLIER_PASSWORD: &str = "supplier-password";

/// A supplier of the tests: its id, sign-in email and token.
#[derive(Clone)]
pub struct Bidder {
    pub id: i64,
    pub email: String,
    pub token: String,
}

pub(crate) async fn category_id(app: &TestApp, name_zh: &str) -> i64 {
    entity::category::Entity::find()
        .filter(entity::category::Column::NameZh.eq(name_zh))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no category {name_zh}"))
        .id
}

/// The first `n` materials of a category.
async fn materials_of(app: &TestApp, category_id: i64, n: usize) -> Vec<i64> {
    use sea_orm::QueryOrder;
    entity::material::Entity::find()
        .filter(entity::material::Column::CategoryId.eq(category_id))
        .order_by_asc(entity::material::Column::Id)
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .into_iter()
        .take(n)
        .map(|m| m.id)
        .collect()
}

async fn supplier_named(app: &TestApp, name: &str) -> i64 {
    entity::supplier::Entity::find()
        .filter(entity::supplier::Column::LegalName.eq(name))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no supplier {name}"))
        .id
        .get()
}

async fn upload(
    app: &TestApp,
    token: &str,
    url: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    let r = reqwest::Client::new()
        .post(app.url(url))
        .bearer_auth(token)
        .header("Accept-Language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

/// A new supplier admitted through the real path ([`TestApp::admitted_supplier`]) with an
/// agreement covering `categories`.
pub async fn admitted_supplier(app: &TestApp, n: u32, categories: &[i64]) -> Bidder {
    let email = format!("bidder{n}@example.test");
    let legal_name = format!("投标测试供应商{n}有限公司");
    let body = format!("9133010000000{n:04}");
    let a = app
        .admitted_supplier(crate::helpers::NewSupplier {
            email: &email,
            password: SUPPLIER_PASSWORD,
            legal_name: &legal_name,
            credit_code_body: &body,
            categories,
        })
        .await;
    Bidder {
        id: a.id,
        email: a.email,
        token: a.token,
    }
}

/// The demo supplier user's company (admitted, steel).
pub async fn demo_bidder(app: &TestApp) -> Bidder {
    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    Bidder {
        id: mine["supplier"]["id"].as_i64().unwrap_or_default(),
        email: "supplier@demo.test".into(),
        token,
    }
}

/// Fresh tokens for `bidders` (tokens live 30 minutes of the app's clock).
async fn refresh(app: &TestApp, bidders: &mut [Bidder]) {
    for b in bidders.iter_mut() {
        let password = if b.email.ends_with("@demo.test") {
            DEMO_PASSWORD
        } else {
            SUPPLIER_PASSWORD
        };
        b.token = app.token(&b.email, password).await;
    }
}

/// A steel tender's input: two items, weights 60/30/10, closing in `hours`.
async fn tender_input(app: &TestApp, invitees: &[i64], hours: i64) -> Value {
    let steel = category_id(app, "钢材").await;
    let m = materials_of(app, steel, 2).await;
    json!({
        "title": "2# 楼主体钢筋",
        "kind": "invitational",
        "category_id": steel,
        "description": "分两批进场",
        "bid_deadline": (app.state.now() + chrono::Duration::hours(hours)).to_rfc3339(),
        "weights": {"price": 60, "quality": 30, "delivery": 10},
        "items": [
            {"material_id": m[0], "quantity": "120.5", "specification": "GB/T 1499.2-2018"},
            {"material_id": m[1], "quantity": "80", "specification": "GB/T 1499.2-2018"}
        ],
        "invitees": invitees
    })
}

/// Drafts and publishes an invitational steel tender; answers its id and its item ids.
pub(crate) async fn published_tender(app: &TestApp, invitees: &[i64]) -> (i64, Vec<i64>) {
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            "/api/tenders",
            &officer,
            &tender_input(app, invitees, 48).await,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["tender"]["id"].as_i64().unwrap_or_default();
    let items: Vec<i64> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    app.name_committee(id).await;
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/publish"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["tender"]["status"], "published");
    (id, items)
}

fn bid_body(items: &[i64], prices: &[&str], days: i32) -> Value {
    json!({
        "lines": items.iter().zip(prices).map(|(i, p)| json!({"item_id": i, "unit_price": p, "delivery_days": days})).collect::<Vec<_>>(),
        "technical_note": "按 GB/T 1499.2 供货，附质保书"
    })
}

async fn bid(
    app: &TestApp,
    b: &Bidder,
    id: i64,
    items: &[i64],
    prices: &[&str],
) -> (StatusCode, Value) {
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/tenders/{id}/bid"),
        &b.token,
        &bid_body(items, prices, 10),
    )
    .await
}

/// Moves the app's clock past the tender's deadline.
pub(crate) async fn pass_deadline(app: &TestApp, id: i64) {
    let t = entity::tender::Entity::find_by_id(TenderId(id))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("tender {id}"));
    app.clock.set(t.bid_deadline + chrono::Duration::minutes(1));
}

pub(crate) async fn open_as(app: &TestApp, role: &str, id: i64) -> (StatusCode, Value) {
    let token = app.token_for(role).await;
    app.post_json(&format!("/api/tenders/{id}/open"), &token, &json!({}))
        .await
}

/// What the three bidders of [`bid_three_and_open`] bid on the two items.
const PRICES: [[&str; 2]; 3] = [["3800", "3700"], ["4000", "3900"], ["3600", "3500"]];

/// Each of the three bidders bids the worked-through prices (A 753,900.00, B 794,000.00,
/// C 713,800.00 the lowest); the deadline passes and the officer and the head open the tender.
/// The opening's answer and the ids of the bids it shows.
async fn bid_three_and_open(
    app: &TestApp,
    bidders: &mut [Bidder],
    id: i64,
    items: &[i64],
) -> (Value, Vec<i64>) {
    for (b, p) in bidders.iter().zip(&PRICES) {
        let (status, v) = bid(app, b, id, items, p).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    pass_deadline(app, id).await;
    refresh(app, bidders).await;
    open_as(app, "procurement_officer", id).await;
    let (_, v) = open_as(app, "procurement_head", id).await;
    let bid_ids = v["tender"]["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["id"].as_i64())
        .collect();
    (v, bid_ids)
}

async fn mails(app: &TestApp, to: &str, kind: &str) -> Vec<entity::outbox::Model> {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(to))
        .filter(entity::outbox::Column::Kind.eq(kind))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
}

/// Three steel bidders: the demo supplier and two admitted through the real path.
async fn three_bidders(app: &TestApp) -> Vec<Bidder> {
    let steel = category_id(app, "钢材").await;
    vec![
        demo_bidder(app).await,
        admitted_supplier(app, 1, &[steel]).await,
        admitted_supplier(app, 2, &[steel]).await,
    ]
}

#[tokio::test]
async fn an_invitational_tender_with_two_invitees_is_refused() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let officer = app.token_for("procurement_officer").await;
    let before = app.count("tenders").await;

    let two = [bidders[0].id, bidders[1].id];
    let (status, v) = app
        .post_json(
            "/api/tenders",
            &officer,
            &tender_input(&app, &two, 48).await,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["invitees"]["code"],
        "tender_invitees_min"
    );
    assert!(
        v["error"]["fields"]["invitees"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains('3')
    );
    // The same supplier twice is still two.
    let (_, v) = app
        .post_json(
            "/api/tenders",
            &officer,
            &tender_input(&app, &[bidders[0].id, bidders[1].id, bidders[1].id], 48).await,
        )
        .await;
    assert_eq!(
        v["error"]["fields"]["invitees"]["code"],
        "tender_invitees_min"
    );

    // A suspended, a removed, and an admitted supplier of another category cannot be invited.
    for (name, code) in [
        ("粤安防护用品有限公司", "tender_invitee_not_admitted"),
        ("江城五金建材有限公司", "tender_invitee_not_admitted"),
        ("华建水泥制品有限公司", "tender_invitee_category"),
    ] {
        let other = supplier_named(&app, name).await;
        let (status, v) = app
            .post_json(
                "/api/tenders",
                &officer,
                &tender_input(&app, &[bidders[0].id, bidders[1].id, other], 48).await,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
        assert_eq!(v["error"]["fields"]["invitees"]["code"], code, "{name}");
        assert!(
            v["error"]["fields"]["invitees"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(name),
            "{v}"
        );
    }
    assert_eq!(app.count("tenders").await, before);

    // Weights must add up to 100; the deadline must lie ahead.
    let mut input = tender_input(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>(), 48).await;
    input["weights"] = json!({"price": 60, "quality": 30, "delivery": 20});
    let (_, v) = app.post_json("/api/tenders", &officer, &input).await;
    assert_eq!(
        v["error"]["fields"]["weights"]["code"],
        "tender_weights_sum"
    );
    let input = tender_input(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>(), -1).await;
    let (_, v) = app.post_json("/api/tenders", &officer, &input).await;
    assert_eq!(
        v["error"]["fields"]["bid_deadline"]["code"],
        "tender_deadline_past"
    );

    // Three eligible invitees: drafted, and each is emailed on publishing (the demo supplier
    // was invited to the demo's tender already).
    let mut invited_before = Vec::new();
    for b in &bidders {
        invited_before.push(mails(&app, &b.email, "tender_invited").await.len());
    }
    let (id, _) = published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    for (b, before) in bidders.iter().zip(invited_before) {
        assert_eq!(
            mails(&app, &b.email, "tender_invited").await.len(),
            before + 1,
            "{}",
            b.email
        );
    }
    // Only procurement officers draft tenders.
    let head = app.token_for("procurement_head").await;
    let (status, _) = app
        .post_json(
            "/api/tenders",
            &head,
            &tender_input(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>(), 48).await,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, v) = app
        .post_json(
            &format!("/api/tenders/{id}/publish"),
            &app.token_for("procurement_officer").await,
            &json!({}),
        )
        .await;
    assert_eq!(v["error"]["code"], "tender_state", "published once");
}

#[tokio::test]
async fn a_bid_one_second_after_the_deadline_is_refused() {
    let app = spawn_app().await;
    let mut bidders = three_bidders(&app).await;
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    let deadline = entity::tender::Entity::find_by_id(TenderId(id))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .map(|t| t.bid_deadline)
        .unwrap_or_default();

    app.clock.set(deadline - chrono::Duration::seconds(1));
    refresh(&app, &mut bidders).await;
    let (status, v) = bid(&app, &bidders[0], id, &items, &["3850.00", "3790.5"]).await;
    assert_eq!(status, StatusCode::OK, "one second before: {v}");
    assert_eq!(v["status"], "submitted");

    app.clock.set(deadline + chrono::Duration::seconds(1));
    refresh(&app, &mut bidders).await;
    let (status, v) = bid(&app, &bidders[1], id, &items, &["3800.00", "3700"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "tender_deadline_passed");
    // Neither a revision nor a withdrawal after it.
    let (_, v) = bid(&app, &bidders[0], id, &items, &["3000.00", "3000"]).await;
    assert_eq!(v["error"]["code"], "tender_deadline_passed");
    let (_, v) = app
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/tenders/{id}/bid"),
            &bidders[0].token,
            &json!({}),
        )
        .await;
    assert_eq!(v["error"]["code"], "tender_deadline_passed");
    assert_eq!(app.count(&format!("bids WHERE tender_id = {id}")).await, 1);
    let (_, mine) = app
        .get_json(&format!("/api/tenders/{id}/bid"), &bidders[0].token)
        .await;
    assert_eq!(mine["lines"][0]["unit_price"], "3850", "{mine}");
}

/// Every answer `token` gets from the endpoints and pages that touch the tender's bids.
async fn everything_seen(
    app: &TestApp,
    token: &str,
    client: &reqwest::Client,
    id: i64,
    own_bid: bool,
) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for path in [
        "/api/tenders".to_string(),
        format!("/api/tenders/{id}"),
        "/api/audit?page=1".to_string(),
        "/api/outbox".to_string(),
    ] {
        let body = app.get(&path, token).await.text().await.unwrap_or_default();
        seen.push((path, body));
    }
    for path in [
        "/tenders".to_string(),
        format!("/tenders/{id}"),
        "/audit".to_string(),
        "/admin/outbox".to_string(),
    ] {
        let body = client
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        seen.push((path, body));
    }
    if !own_bid {
        for path in [
            format!("/api/tenders/{id}/bid"),
            format!("/tenders/{id}/bid"),
        ] {
            let body = client
                .get(app.url(&path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap_or_default();
            seen.push((path, body));
        }
    }
    seen
}

#[tokio::test]
async fn before_opening_no_page_or_endpoint_shows_a_price_and_the_table_holds_none_in_clear() {
    let app = spawn_app().await;
    let mut bidders = three_bidders(&app).await;
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    // Distinctive prices, and each bidder's total: 120.5 × a + 80 × b, to the cent.
    let prices = [
        ["3711.1234", "3733.9012"],
        ["3744.5678", "3755.4321"],
        ["3766.8765", "3777.2468"],
    ];
    let totals = ["745902.47", "751654.99", "756088.36"];
    for (b, p) in bidders.iter().zip(&prices) {
        let (status, v) = bid(&app, b, id, &items, p).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    // A revision and a withdrawn-and-resubmitted bid are sealed the same way.
    let (status, _) = bid(&app, &bidders[1], id, &items, &prices[1]).await;
    assert_eq!(status, StatusCode::OK);
    // As the API writes them and as pages do (grouped: "3,711.1234", "745,902.47").
    let shown_price =
        |s: &str| portal::money::text::unit_price(portal::i18n::Locale::En, s.parse().unwrap());
    let shown_total =
        |s: &str| portal::money::text::amount(portal::i18n::Locale::En, s.parse().unwrap());
    let secrets: Vec<String> = prices
        .iter()
        .flatten()
        .flat_map(|p| [p.to_string(), shown_price(p)])
        .chain(totals.iter().flat_map(|t| [t.to_string(), shown_total(t)]))
        .collect();

    // The bidder sees its own bid, with its own total, in its own bid view only.
    let (_, mine) = app
        .get_json(&format!("/api/tenders/{id}/bid"), &bidders[0].token)
        .await;
    assert_eq!(mine["total"], totals[0], "{mine}");
    assert_eq!(mine["revision"], 1);

    let check = async |stage: &str, bidders: &[Bidder]| {
        let mut looked = 0;
        for role in portal::auth::Role::ALL {
            let token = app.token_for(role.as_str()).await;
            let client = app.new_client();
            let r = app
                .page_login(
                    &client,
                    &format!("{}@demo.test", role.as_str()),
                    DEMO_PASSWORD,
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            // The demo supplier is also the first bidder: its own bid view is checked below.
            let own = role == portal::auth::Role::Supplier;
            for (path, body) in everything_seen(&app, &token, &client, id, own).await {
                looked += 1;
                for s in &secrets {
                    assert!(
                        !body.contains(s),
                        "{stage}: {} sees {s} at {path}",
                        role.as_str()
                    );
                }
            }
        }
        for (n, b) in bidders.iter().enumerate() {
            let client = app.new_client();
            let password = if b.email.ends_with("@demo.test") {
                DEMO_PASSWORD
            } else {
                SUPPLIER_PASSWORD
            };
            app.page_login(&client, &b.email, password).await;
            for (path, body) in everything_seen(&app, &b.token, &client, id, true).await {
                looked += 1;
                for s in &secrets {
                    assert!(!body.contains(s), "{stage}: bidder {n} sees {s} at {path}");
                }
            }
            // Its own bid view shows its own prices and nobody else's.
            for path in [
                format!("/api/tenders/{id}/bid"),
                format!("/tenders/{id}/bid"),
            ] {
                let body = client
                    .get(app.url(&path))
                    .bearer_auth(&b.token)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap_or_default();
                looked += 1;
                assert!(
                    body.contains(prices[n][0]) || body.contains(&shown_price(prices[n][0])),
                    "{stage}: bidder {n}'s own bid at {path}"
                );
                // This test's own distinctive prices: the short ones of PRICES ("3600")
                // also turn up inside times and tokens, which failed this check now and then.
                for (m, p) in prices.iter().enumerate().filter(|(m, _)| *m != n) {
                    let theirs = p
                        .iter()
                        .flat_map(|s| [s.to_string(), shown_price(s)])
                        .chain([totals[m].to_string(), shown_total(totals[m])]);
                    for s in theirs {
                        assert!(!body.contains(&s), "{stage}: bidder {n} sees {s} at {path}");
                    }
                }
            }
        }
        assert!(looked > 80, "{stage}: only {looked} answers looked at");
    };
    check("before the deadline", &bidders).await;

    // After the deadline, with one committee confirmation: still sealed.
    pass_deadline(&app, id).await;
    refresh(&app, &mut bidders).await;
    let (status, v) = open_as(&app, "procurement_officer", id).await;
    assert_eq!(
        (status, v["outcome"].clone()),
        (StatusCode::OK, json!("first_confirmation")),
        "{v}"
    );
    assert!(v["tender"]["bids"].as_array().is_some_and(|b| {
        b.iter()
            .all(|b| b["total"].is_null() && b["sealed"] == true)
    }));
    check("after the deadline, one confirmation", &bidders).await;

    // The database holds only ciphertext: no price or total, in clear or in base64.
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db.read;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT * FROM bids WHERE tender_id = {id}"),
        ))
        .await
        .unwrap_or_default();
    assert_eq!(rows.len(), 3);
    let raw_bids = entity::bid::Entity::find()
        .all(db)
        .await
        .unwrap_or_default();
    for b in &raw_bids {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&b.sealed)
            .unwrap_or_default();
        assert!(decoded.len() > 32, "ciphertext present");
        let as_text = format!("{b:?} {}", String::from_utf8_lossy(&decoded));
        for s in &secrets {
            assert!(!as_text.contains(s), "bids row {} holds {s}", b.id);
        }
        assert_eq!(b.nonce.len(), 24, "a 96-bit nonce");
    }
    let nonces: std::collections::BTreeSet<&str> =
        raw_bids.iter().map(|b| b.nonce.as_str()).collect();
    assert_eq!(nonces.len(), raw_bids.len(), "a nonce per bid");
    for row in &rows {
        for col in ["sealed", "nonce", "status", "disqualified_reason"] {
            let v: String = row.try_get("", col).unwrap_or_default();
            for s in &secrets {
                assert!(!v.contains(s), "bids.{col} holds {s}");
            }
        }
    }
    // Nothing of the prices reached the audit log or the outbox either.
    for table in ["audit_log", "outbox"] {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT * FROM {table}"),
            ))
            .await
            .unwrap_or_default();
        for row in rows {
            for col in if table == "audit_log" {
                ["before", "after"]
            } else {
                ["subject", "body_text"]
            } {
                let v: String = row.try_get("", col).unwrap_or_default();
                for s in &secrets {
                    assert!(!v.contains(s), "{table}.{col} holds {s}");
                }
            }
        }
    }

    // Opened by a second member: the office sees the prices; suppliers still only their own.
    let (status, v) = open_as(&app, "procurement_head", id).await;
    assert_eq!(
        (status, v["outcome"].clone()),
        (StatusCode::OK, json!("opened")),
        "{v}"
    );
    let totals_seen: Vec<String> = v["tender"]["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| b["total"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(totals_seen, totals);
    let auditor = app.token_for("auditor").await;
    let (_, seen) = app.get_json(&format!("/api/tenders/{id}"), &auditor).await;
    assert_eq!(seen["bids"][2]["total"], totals[2]);
    for (n, b) in bidders.iter().enumerate() {
        let body = app
            .get(&format!("/api/tenders/{id}"), &b.token)
            .await
            .text()
            .await
            .unwrap_or_default();
        for s in &secrets {
            assert!(
                !body.contains(s),
                "after opening, bidder {n} sees {s} in the tender"
            );
        }
    }
}

#[tokio::test]
async fn four_eyes_one_member_cannot_open_alone() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    for (b, p) in bidders.iter().zip(["3800", "3810", "3820"]) {
        let (status, _) = bid(&app, b, id, &items, &[p, p]).await;
        assert_eq!(status, StatusCode::OK);
    }
    // Not before the deadline.
    let (status, v) = open_as(&app, "procurement_officer", id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["code"], "tender_deadline_not_reached");

    pass_deadline(&app, id).await;
    // Only committee members.
    for role in ["auditor", "admin", "finance", "supplier"] {
        let (status, _) = open_as(&app, role, id).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    // The same member twice at once: one confirmation, never an opening.
    let officer = app.token_for("procurement_officer").await;
    let url = app.url(&format!("/api/tenders/{id}/open"));
    let send = |token: String, url: String| async move {
        reqwest::Client::new()
            .post(url)
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .map(|r| r.status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    };
    let (a, b) = tokio::join!(
        send(officer.clone(), url.clone()),
        send(officer.clone(), url.clone())
    );
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY]);
    let (status, v) = open_as(&app, "procurement_officer", id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["code"], "tender_open_needs_second_member");
    let (_, t) = app.get_json(&format!("/api/tenders/{id}"), &officer).await;
    assert_eq!(t["tender"]["status"], "published");
    assert!(t["tender"]["opened_at"].is_null());
    assert!(
        t["bids"]
            .as_array()
            .is_some_and(|b| b.iter().all(|b| b["total"].is_null()))
    );

    // A different member opens it, recording who and when.
    let (status, v) = open_as(&app, "procurement_head", id).await;
    assert_eq!(
        (status, v["outcome"].clone()),
        (StatusCode::OK, json!("opened")),
        "{v}"
    );
    let t = &v["tender"]["tender"];
    assert_eq!(t["status"], "opened");
    assert!(t["opened_at"].is_string());
    assert_ne!(t["open_first_by"], t["opened_by"]);
    assert_eq!(v["tender"]["bids"].as_array().map(Vec::len), Some(3));
    let (status, v) = open_as(&app, "procurement_officer", id).await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("tender_state"))
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'tender.open' AND entity_id = '{id}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn two_members_confirming_at_once_open_the_tender_exactly_once() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    for (b, p) in bidders.iter().zip(["3800", "3810", "3820"]) {
        bid(&app, b, id, &items, &[p, p]).await;
    }
    pass_deadline(&app, id).await;
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let url = app.url(&format!("/api/tenders/{id}/open"));
    let send = |token: String| {
        let url = url.clone();
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or_default())
        }
    };
    let ((sa, va), (sb, vb)) = tokio::join!(send(officer), send(head));
    assert_eq!((sa, sb), (StatusCode::OK, StatusCode::OK), "{va} {vb}");
    let mut outcomes = [va["outcome"].to_string(), vb["outcome"].to_string()];
    outcomes.sort();
    assert_eq!(outcomes, ["\"first_confirmation\"", "\"opened\""]);
    let t = entity::tender::Entity::find_by_id(TenderId(id))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("tender"));
    assert_eq!(t.status, "opened");
    assert!(t.open_first_by.is_some() && t.opened_by.is_some() && t.open_first_by != t.opened_by);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'tender.open' AND entity_id = '{id}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn fewer_than_three_valid_bids_fail_the_tender_which_can_be_reissued() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    for (b, p) in bidders.iter().zip(["3800", "3810", "3820"]) {
        bid(&app, b, id, &items, &[p, p]).await;
    }
    // One withdraws before the deadline: two valid bids remain.
    let (status, v) = app
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/tenders/{id}/bid"),
            &bidders[2].token,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("withdrawn")),
        "{v}"
    );
    assert!(v["lines"].as_array().is_some_and(Vec::is_empty));
    pass_deadline(&app, id).await;
    open_as(&app, "procurement_head", id).await;
    let (status, v) = open_as(&app, "procurement_officer", id).await;
    assert_eq!(
        (status, v["outcome"].clone()),
        (StatusCode::OK, json!("failed")),
        "{v}"
    );
    assert_eq!(v["tender"]["tender"]["status"], "failed");
    assert_eq!(v["tender"]["tender"]["failed_reason"], "too_few_bids");
    for b in &bidders[..2] {
        assert_eq!(mails(&app, &b.email, "tender_failed").await.len(), 1);
    }
    assert!(
        mails(&app, &bidders[2].email, "tender_failed")
            .await
            .is_empty(),
        "withdrawn"
    );

    // Re-issued once, as a new draft referring to the failed one, with a new deadline.
    let officer = app.token_for("procurement_officer").await;
    let (_, v) = app
        .post_json(
            &format!("/api/tenders/{id}/reissue"),
            &officer,
            &json!({"bid_deadline": (app.state.now() - chrono::Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(
        v["error"]["fields"]["bid_deadline"]["code"],
        "tender_deadline_past"
    );
    let deadline = (app.state.now() + chrono::Duration::days(7)).to_rfc3339();
    let (status, v) = app
        .post_json(
            &format!("/api/tenders/{id}/reissue"),
            &officer,
            &json!({"bid_deadline": deadline}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["tender"]["status"], "draft");
    assert_eq!(v["tender"]["reissue_of"], id);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["invitees"].as_array().map(Vec::len), Some(3));
    assert_ne!(v["tender"]["number"], json!(null));
    let new_id = v["tender"]["id"].as_i64().unwrap_or_default();
    let (_, v) = app
        .post_json(
            &format!("/api/tenders/{id}/reissue"),
            &officer,
            &json!({"bid_deadline": deadline}),
        )
        .await;
    assert_eq!(v["error"]["code"], "tender_already_reissued");
    let (_, old) = app.get_json(&format!("/api/tenders/{id}"), &officer).await;
    assert_eq!(old["tender"]["reissued_as"], new_id);
    let (status, v) = app
        .post_json(
            &format!("/api/tenders/{new_id}/publish"),
            &officer,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_removed_suppliers_bid_drops_out() {
    let app = spawn_app().await;
    let steel = category_id(&app, "钢材").await;
    let mut bidders = three_bidders(&app).await;
    bidders.push(admitted_supplier(&app, 3, &[steel]).await);
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    // The one to be removed bids lowest.
    for (b, p) in bidders.iter().zip(["3800", "3810", "3820", "3000"]) {
        let (status, v) = bid(&app, b, id, &items, &[p, p]).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    // Two confirmed failures remove it (rule 2), before opening.
    let removed = &bidders[3];
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    for (kind, source) in [("quality", "receiving_inspection"), ("price", "tender")] {
        let (status, f) = app
            .post_json(
                &format!("/api/suppliers/{}/failures", removed.id),
                &officer,
                &json!({"kind": kind, "source": source, "description": "HRB400E 屈服强度不合格"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{f}");
        app.suppliers_answer_open_failures().await;
        let (_, v) = app
            .post_json(
                &format!("/api/failures/{}/decision", f["id"]),
                &head,
                &json!({"confirm": true}),
            )
            .await;
        assert_eq!(v["error"], json!(null), "{v}");
    }
    // Rule 14: the office sees no bid before the opening, disqualified or not.
    let (_, v) = app.get_json(&format!("/api/tenders/{id}"), &officer).await;
    assert_eq!(v["bids"], json!([]), "{v}");
    assert_eq!(
        app.count(&format!(
            "bids WHERE tender_id = {id} AND supplier_id = {} AND status = 'disqualified'",
            removed.id
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "bids WHERE tender_id = {id} AND status = 'submitted'"
        ))
        .await,
        3
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'bid.disqualify'").await,
        1
    );
    // It can bid no more.
    let (_, v) = bid(&app, removed, id, &items, &["2900", "2900"]).await;
    assert_eq!(v["error"]["code"], "supplier_not_admitted", "{v}");

    pass_deadline(&app, id).await;
    refresh(&app, &mut bidders).await;
    open_as(&app, "procurement_officer", id).await;
    let (_, v) = open_as(&app, "procurement_head", id).await;
    assert_eq!(v["outcome"], "opened", "three valid bids remain: {v}");

    // Scoring and ranking leave it out; the price score's lowest is the lowest valid bid.
    let valid: Vec<i64> = v["tender"]["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["status"] == "submitted")
        .filter_map(|b| b["id"].as_i64())
        .collect();
    let disqualified = v["tender"]["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["status"] == "disqualified")
        .and_then(|b| b["id"].as_i64())
        .unwrap_or_default();
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/tenders/{id}/scores"),
            &officer,
            &json!({"scores": [{"bid_id": disqualified, "quality": 100, "delivery": 100}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["scores.0.bid_id"]["code"], "not_found");
    let scores: Vec<Value> = valid
        .iter()
        .map(|b| json!({"bid_id": b, "quality": 80, "delivery": 80}))
        .collect();
    app.score_as_committee(id, &json!(scores)).await;
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/evaluate"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let ranking = v["ranking"].as_array().cloned().unwrap_or_default();
    assert_eq!(ranking.len(), 3);
    assert!(ranking.iter().all(|r| r["bid_id"] != disqualified));
    assert_eq!(ranking[0]["price_score"], "100.00");
    assert_eq!(ranking[0]["supplier"], v["bids"][0]["supplier"]);
}

#[tokio::test]
async fn the_committee_scores_the_head_awards_and_each_bidder_learns_only_its_own_outcome() {
    let app = spawn_app().await;
    let mut bidders = three_bidders(&app).await;
    let ids: Vec<i64> = bidders.iter().map(|b| b.id).collect();
    let (id, items) = published_tender(&app, &ids).await;
    // Documents: the officer cannot add them after publishing (the draft's are fixed).
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = upload(
        &app,
        &officer,
        &format!("/api/tenders/{id}/documents"),
        "spec.pdf",
        PDF,
    )
    .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("tender_state"))
    );

    // Worked through: quantities 120.5 and 80.
    // A: 3800 × 120.5 + 3700 × 80 = 457,900 + 296,000 = 753,900.00
    // B: 4000 × 120.5 + 3900 × 80 = 482,000 + 312,000 = 794,000.00
    // C: 3600 × 120.5 + 3500 × 80 = 433,800 + 280,000 = 713,800.00 (lowest)
    let (_, bid_ids) = bid_three_and_open(&app, &mut bidders, id, &items).await;
    assert_eq!(bid_ids.len(), 3);

    // The three members score apart; the means count. C is cheapest but poor on quality.
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let second = app.token(portal::demo::SECOND_OFFICER, DEMO_PASSWORD).await;
    let (_, v) = app
        .post_json(&format!("/api/tenders/{id}/evaluate"), &officer, &json!({}))
        .await;
    assert_eq!(
        v["error"]["fields"]["committee"]["code"],
        "tender_scores_missing"
    );
    let (status, v) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/tenders/{id}/scores"),
            &officer,
            &json!({"scores": [{"bid_id": bid_ids[0], "quality": 101, "delivery": 50}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["scores.0.quality"]["code"],
        "tender_score_range"
    );
    for (token, q) in [
        (&officer, [90, 85, 40]),
        (&head, [80, 85, 50]),
        (&second, [85, 85, 45]),
    ] {
        let scores: Vec<Value> = bid_ids
            .iter()
            .zip(q)
            .map(|(b, q)| json!({"bid_id": b, "quality": q, "delivery": 90}))
            .collect();
        let (status, v) = app
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/tenders/{id}/scores"),
                token,
                &json!({"scores": scores}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    // Price scores: C 100; A 713800/753900 = 94.68; B 713800/794000 = 89.90.
    // Weighted (60/30/10): A 60×94.68 + 30×85 + 10×90 = 5680.8+2550+900 = 91.31
    //                      B 60×89.90 + 30×85 + 10×90 = 5394+2550+900 = 88.44
    //                      C 60×100 + 30×45 + 10×90 = 6000+1350+900 = 82.50
    // The second officer runs the evaluation (recorded), so the head may decide the award.
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/evaluate"), &second, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["tender"]["status"], "evaluated");
    let ranking: Vec<(String, String, String)> = v["ranking"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["total"].as_str().unwrap_or_default().into(),
                r["price_score"].as_str().unwrap_or_default().into(),
                r["weighted"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        ranking,
        vec![
            ("753900.00".into(), "94.68".into(), "91.31".into()),
            ("794000.00".into(), "89.90".into(), "88.44".into()),
            ("713800.00".into(), "100.00".into(), "82.50".into()),
        ]
    );
    assert_eq!(v["tender"]["recommended_bid_id"], bid_ids[0]);
    assert_eq!(
        mails(&app, "procurement_head@demo.test", "tender_to_approve")
            .await
            .len(),
        1
    );

    // Only the head approves; the officer cannot.
    let (status, _) = app
        .post_json(
            &format!("/api/tenders/{id}/decision"),
            &officer,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // On the page, awarding and declining are two buttons, declining behind a confirmation;
    // a form posted without either (or with anything else) decides nothing.
    let page = app.new_client();
    app.page_login(&page, "procurement_head@demo.test", DEMO_PASSWORD)
        .await;
    let html = page
        .get(app.url(&format!("/tenders/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(
        "<button type=\"submit\" name=\"decision\" value=\"decline\" id=\"decline-submit\" class=\"danger\">"
    ));
    let csrf = crate::helpers::extract_csrf(&html);
    for decision in ["", "maybe"] {
        let r = page
            .post(app.url(&format!("/tenders/{id}/decision")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("decision", decision),
                ("note", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{decision:?}");
    }
    assert!(
        portal::tenders::store::award_of(&app.state.db.read, TenderId(id))
            .await
            .ok()
            .flatten()
            .is_none()
    );
    let (_, v) = app.get_json(&format!("/api/tenders/{id}"), &head).await;
    assert_ne!(v["tender"]["status"], "failed", "{v}");
    let (status, v) = app
        .post_json(
            &format!("/api/tenders/{id}/decision"),
            &head,
            &json!({"approve": true, "note": "同意"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["tender"]["status"], "awarded");

    let award = portal::tenders::store::award_of(&app.state.db.read, TenderId(id))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no award"));
    assert_eq!(award.supplier_id, SupplierId(bidders[0].id));
    assert_eq!(award.amount.to_string(), "753900.00");
    assert_eq!(award.items.len(), 2);
    assert_eq!(award.items[0].2.to_string(), "3800");
    // The award is a contract in the ledger, awaiting the audit department (rule 5).
    let officer = app.token_for("procurement_officer").await;
    let (_, contracts) = app.get_json("/api/contracts", &officer).await;
    let contract = contracts
        .as_array()
        .and_then(|a| a.iter().find(|c| c["tender_id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("no contract for tender {id}: {contracts}"));
    assert_eq!(contract["supplier_id"], bidders[0].id, "{contract}");
    assert_eq!(contract["total"], "753900.00", "{contract}");
    assert_eq!(
        contract["needs_group"], true,
        "50,000 or more: group audit too"
    );

    // Every bidder is told; the winner with its own amount, the others without any price.
    let won = mails(&app, &bidders[0].email, "tender_awarded").await;
    assert_eq!(won.len(), 1);
    assert!(won[0].body_text.contains("753900.00"));
    for b in &bidders[1..] {
        let lost = mails(&app, &b.email, "tender_not_awarded").await;
        assert_eq!(lost.len(), 1, "{}", b.email);
        for s in ["753900", "794000", "713800", "3800", "4000", "3600"] {
            assert!(
                !lost[0].body_text.contains(s),
                "{s} in {}",
                lost[0].body_text
            );
        }
    }
    for (n, b) in bidders.iter().enumerate() {
        let (_, d) = app.get_json(&format!("/api/tenders/{id}"), &b.token).await;
        assert_eq!(d["outcome"], if n == 0 { "awarded" } else { "not_awarded" });
        assert!(
            d["bids"].as_array().is_some_and(Vec::is_empty)
                && d["ranking"].as_array().is_some_and(Vec::is_empty)
        );
        let text = d.to_string();
        for (m, p) in PRICES.iter().enumerate().filter(|(m, _)| *m != n) {
            // A price is a JSON string of its own ("3800.00"); the digits alone also turn up
            // inside times and tokens, which made this check fail now and then.
            assert!(
                !text.contains(&format!("\"{}", p[0])),
                "bidder {n} sees bidder {m}'s price: {text}"
            );
        }
    }
}

#[tokio::test]
async fn only_invited_suppliers_see_the_tender_and_download_its_documents() {
    let app = spawn_app().await;
    let steel = category_id(&app, "钢材").await;
    let bidders = three_bidders(&app).await;
    let outsider = admitted_supplier(&app, 4, &[steel]).await;
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            "/api/tenders",
            &officer,
            &tender_input(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>(), 48).await,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["tender"]["id"].as_i64().unwrap_or_default();
    let (status, doc) = upload(
        &app,
        &officer,
        &format!("/api/tenders/{id}/documents"),
        "招标文件.pdf",
        PDF,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let file = doc["file_id"].as_i64().unwrap_or_default();
    let (status, v) = upload(
        &app,
        &officer,
        &format!("/api/tenders/{id}/documents"),
        "x.pdf",
        b"not a pdf",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["file"]["code"], "file_type");

    // A draft is nobody's business outside the office.
    let (status, _) = app
        .get_json(&format!("/api/tenders/{id}"), &bidders[0].token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.name_committee(id).await;
    app.post_json(&format!("/api/tenders/{id}/publish"), &officer, &json!({}))
        .await;

    for b in &bidders {
        let r = app
            .get(&format!("/api/tenders/{id}/documents/{file}"), &b.token)
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", b.email);
        assert_eq!(r.bytes().await.unwrap_or_default().as_ref(), PDF);
        // The files module's own access is unchanged: a tender document is not the supplier's.
        assert_eq!(
            app.get(&format!("/api/files/{file}"), &b.token)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let (_, list) = app.get_json("/api/tenders", &b.token).await;
        assert!(
            list.as_array()
                .is_some_and(|l| l.iter().any(|t| t["id"] == id))
        );
    }
    assert_eq!(
        app.get(
            &format!("/api/tenders/{id}/documents/{file}"),
            &outsider.token
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = app
        .get_json(&format!("/api/tenders/{id}"), &outsider.token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get_json("/api/tenders", &outsider.token).await;
    assert!(
        list.as_array()
            .is_some_and(|l| l.iter().all(|t| t["id"] != id))
    );
    let (status, _) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/tenders/{id}/bid"),
            &outsider.token,
            &bid_body(&[1, 2], &["1", "1"], 1),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for role in ["site_user", "site_manager", "warehouse_keeper", "finance"] {
        let token = app.token_for(role).await;
        assert_eq!(
            app.get(&format!("/api/tenders/{id}"), &token)
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            app.get(&format!("/api/tenders/{id}/documents/{file}"), &token)
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }

    // A bid must price every item once, with at most four places.
    let items: Vec<i64> = app
        .get_json(&format!("/api/tenders/{id}"), &officer)
        .await
        .1["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    let (_, v) = bid(&app, &bidders[0], id, &items[..1], &["3800"]).await;
    assert_eq!(v["error"]["fields"]["lines"]["code"], "tender_bid_lines");
    let (_, v) = bid(&app, &bidders[0], id, &items, &["3800.12345", "0"]).await;
    assert_eq!(
        v["error"]["fields"]["lines.0.unit_price"]["code"],
        "tender_price_places"
    );
    assert_eq!(
        v["error"]["fields"]["lines.1.unit_price"]["code"],
        "tender_price_places"
    );
    let (status, _) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/tenders/{id}/bid"),
            &bidders[0].token,
            &json!({"lines": "nonsense"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = bid(&app, &bidders[0], id, &items, &["3800.1234", "3700"]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn tender_pages_render_for_their_roles_in_both_languages() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let (id, _) = published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    for (role, paths) in [
        (
            "procurement_officer",
            vec![
                "/tenders".to_string(),
                "/tenders/new".into(),
                format!("/tenders/{id}"),
            ],
        ),
        (
            "procurement_head",
            vec!["/tenders".into(), format!("/tenders/{id}")],
        ),
        ("auditor", vec!["/tenders".into(), format!("/tenders/{id}")]),
        (
            "supplier",
            vec![
                "/tenders".into(),
                format!("/tenders/{id}"),
                format!("/tenders/{id}/bid"),
            ],
        ),
    ] {
        for lang in ["en", "zh-CN"] {
            let client = app.new_client();
            app.page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
                .await;
            for path in &paths {
                let r = client
                    .get(app.url(path))
                    .header("Accept-Language", lang)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{role} {lang} {path}");
                let body = r.text().await.unwrap_or_default();
                for marker in [">tender-", "label=\"tender-", ">nav-tenders"] {
                    assert!(
                        !body.contains(marker),
                        "{role} {lang} {path}: a message key shows"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_public_tender_is_announced_to_the_suppliers_of_its_category_who_alone_may_bid() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let cement = category_id(&app, "水泥").await;
    let other = admitted_supplier(&app, 5, &[cement]).await;
    let officer = app.token_for("procurement_officer").await;
    let mut input = tender_input(&app, &[], 48).await;
    input["kind"] = json!("public");
    let (status, v) = app.post_json("/api/tenders", &officer, &input).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["tender"]["id"].as_i64().unwrap_or_default();
    let items: Vec<i64> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    app.name_committee(id).await;
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/publish"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for b in &bidders {
        assert_eq!(
            mails(&app, &b.email, "tender_announced").await.len(),
            1,
            "{}",
            b.email
        );
        let (status, v) = bid(&app, b, id, &items, &["3800", "3700"]).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    assert!(
        mails(&app, &other.email, "tender_announced")
            .await
            .is_empty()
    );
    let (status, _) = app
        .get_json(&format!("/api/tenders/{id}"), &other.token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = bid(&app, &other, id, &items, &["3000", "3000"]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get_json("/api/tenders", &bidders[1].token).await;
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["my_bid"], "submitted");
    assert!(
        list[0]["bids"].is_null(),
        "suppliers are not told how many bid"
    );
    let (_, list) = app.get_json("/api/tenders", &officer).await;
    assert_eq!(list[0]["id"], id);
    assert!(
        list[0]["bids"].is_null(),
        "rule 14: nor is the office, before the opening"
    );
}

#[tokio::test]
async fn a_bid_whose_amount_is_beyond_an_amount_is_refused_on_its_lines_not_a_panic() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let ids: Vec<i64> = bidders.iter().map(|b| b.id).collect();
    let officer = app.token_for("procurement_officer").await;
    // A quantity beyond what the column holds is refused on its field.
    let mut input = tender_input(&app, &ids, 48).await;
    input["items"][0]["quantity"] = json!("90000000000000000000");
    let (status, v) = app.post_json("/api/tenders", &officer, &input).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["items.0.quantity"]["code"], "too_large",
        "{v}"
    );
    // The largest quantity there is, bid at the largest price: each in range, their amount not.
    input["items"][0]["quantity"] = json!("9000000000000000");
    let (status, v) = app.post_json("/api/tenders", &officer, &input).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["tender"]["id"].as_i64().unwrap_or_default();
    let items: Vec<i64> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    app.name_committee(id).await;
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/publish"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = bid(&app, &bidders[0], id, &items, &["1000000000", "3700"]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["lines"]["code"], "too_large", "{v}");
    let (status, v) = bid(&app, &bidders[0], id, &items, &["0.0001", "3700"]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

// ----- Refused page forms: each row's field says what is wrong beside it -----

/// The page a refused form answered: 422, its HTML.
async fn refused(r: reqwest::Response) -> String {
    let status = r.status();
    let html = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    html
}

fn select_one<'a>(doc: &'a scraper::Html, css: &str) -> Option<scraper::ElementRef<'a>> {
    doc.select(&scraper::Selector::parse(css).unwrap()).next()
}

/// The row field `name` (whose id is its name) is marked invalid, described by a message on
/// the page beside it, linked from the error summary, and holds `typed` (for a select, the
/// option `typed` is chosen).
fn refused_beside(html: &str, name: &str, typed: &str) {
    let doc = scraper::Html::parse_document(html);
    let field = select_one(&doc, &format!("[id='{name}'][name='{name}']"))
        .unwrap_or_else(|| panic!("no field with the id {name}"));
    assert_eq!(field.value().attr("aria-invalid"), Some("true"), "{name}");
    let described = field.value().attr("aria-describedby").unwrap_or_default();
    assert_eq!(described, format!("{name}-error"));
    let message = select_one(&doc, &format!(".field-error[id='{described}']"))
        .unwrap_or_else(|| panic!("no message #{described} for {name}"));
    assert!(
        !message.text().collect::<String>().trim().is_empty(),
        "{name}: the message says something"
    );
    assert!(
        select_one(
            &doc,
            &format!(".error-summary[role=alert] li a[href='#{name}']")
        )
        .is_some(),
        "the summary links to #{name}"
    );
    if field.value().name() == "select" {
        assert!(
            select_one(
                &doc,
                &format!("select[id='{name}'] option[value='{typed}'][selected]")
            )
            .is_some(),
            "{name} keeps {typed} chosen"
        );
    } else {
        assert_eq!(
            field.value().attr("value"),
            Some(typed),
            "{name} keeps {typed}"
        );
    }
}

/// Every line of the error summary links to a field on the page (none is left under the
/// name the store gave it, `items.1.quantity`).
fn summary_links_resolve(html: &str) {
    let doc = scraper::Html::parse_document(html);
    let links: Vec<String> = doc
        .select(&scraper::Selector::parse(".error-summary li a").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(!links.is_empty(), "a summary with links");
    for href in links {
        let id = href.trim_start_matches('#');
        assert!(
            select_one(&doc, &format!("[id='{id}']:not(.field-error)")).is_some(),
            "the summary links to {href}, which is not on the page"
        );
    }
}

/// The field `name` is not marked.
fn not_marked(html: &str, name: &str) {
    let doc = scraper::Html::parse_document(html);
    let field = select_one(&doc, &format!("[id='{name}']"))
        .unwrap_or_else(|| panic!("no field with the id {name}"));
    assert_eq!(field.value().attr("aria-invalid"), None, "{name}");
}

/// A client signed in through the sign-in form as the demo user of `role`.
async fn page_client(app: &TestApp, role: &str) -> reqwest::Client {
    let client = app.new_client();
    let r = app
        .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
        .await;
    assert!(r.status().is_redirection(), "{role} signs in");
    client
}

#[tokio::test]
async fn a_refused_tender_draft_names_each_items_quantity_or_material_beside_its_row() {
    let app = spawn_app().await;
    let steel = category_id(&app, "钢材").await;
    let cement = category_id(&app, "水泥").await;
    let m = materials_of(&app, steel, 2).await;
    let other = materials_of(&app, cement, 1).await[0];
    let client = page_client(&app, "procurement_officer").await;
    let csrf = app.csrf_from(&client, "/tenders/new").await;
    let deadline = portal::tenders::pages::local_value(
        app.state.now() + chrono::Duration::days(7),
        app.state.tz(),
    );
    let (m0, m1) = (m[0].to_string(), m[1].to_string());
    let other = other.to_string();
    // Row 1 is left empty: the rows after it are still named by their own number.
    let form = |rows: Vec<(&'static str, String)>| {
        let mut f: Vec<(String, String)> = [
            ("csrf_token", csrf.clone()),
            ("title", "3# 楼钢筋".to_string()),
            ("kind", "public".into()),
            ("category_id", steel.to_string()),
            ("bid_deadline", deadline.clone()),
            ("weight_price", "60".into()),
            ("weight_quality", "30".into()),
            ("weight_delivery", "10".into()),
            ("material_1", String::new()),
            ("qty_1", String::new()),
            ("spec_1", String::new()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        f.extend(rows.into_iter().map(|(k, v)| (k.to_string(), v)));
        f
    };
    let before = app.count("tenders").await;

    // A quantity that is no number is refused by the form's reader.
    let r = client
        .post(app.url("/tenders/new"))
        .form(&form(vec![
            ("material_0", m0.clone()),
            ("qty_0", "12".into()),
            ("material_2", m1.clone()),
            ("qty_2", "twelve".into()),
            ("spec_2", "HRB400".into()),
        ]))
        .send()
        .await
        .unwrap();
    let html = refused(r).await;
    refused_beside(&html, "qty_2", "twelve");
    summary_links_resolve(&html);
    not_marked(&html, "qty_0");
    not_marked(&html, "material_2");
    let doc = scraper::Html::parse_document(&html);
    assert!(select_one(&doc, "input#spec_2[value='HRB400']").is_some());
    assert!(select_one(&doc, "input#qty_0[value='12']").is_some());

    // A negative and a zero quantity, and a material of another category, by the store.
    let r = client
        .post(app.url("/tenders/new"))
        .form(&form(vec![
            ("material_0", m0.clone()),
            ("qty_0", "12".into()),
            ("material_2", m1.clone()),
            ("qty_2", "-5".into()),
            ("material_3", m0.clone()),
            ("qty_3", "0".into()),
            ("material_4", other.clone()),
            ("qty_4", "3".into()),
        ]))
        .send()
        .await
        .unwrap();
    let html = refused(r).await;
    refused_beside(&html, "qty_2", "-5");
    refused_beside(&html, "qty_3", "0");
    refused_beside(&html, "material_4", &other);
    not_marked(&html, "qty_0");
    not_marked(&html, "qty_4");
    summary_links_resolve(&html);
    assert_eq!(app.count("tenders").await, before, "nothing was drafted");

    // Editing a draft: the same, and the draft keeps its items.
    let officer = app.token_for("procurement_officer").await;
    let mut input = tender_input(&app, &[], 48).await;
    input["kind"] = json!("public");
    let (status, v) = app.post_json("/api/tenders", &officer, &input).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["tender"]["id"].as_i64().unwrap_or_default();
    let items_before = app.count("tender_items").await;
    let (_, d) = app.get_json(&format!("/api/tenders/{id}"), &officer).await;
    let draft_items = d["items"].clone();
    let csrf = app.csrf_from(&client, &format!("/tenders/{id}/edit")).await;
    let r = client
        .post(app.url(&format!("/tenders/{id}/edit")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "2# 楼主体钢筋"),
            ("kind", "public"),
            ("category_id", &steel.to_string()),
            ("bid_deadline", &deadline),
            ("weight_price", "60"),
            ("weight_quality", "30"),
            ("weight_delivery", "10"),
            ("material_0", &m0),
            ("qty_0", "120.5"),
            ("material_1", &m1),
            ("qty_1", "-80"),
        ])
        .send()
        .await
        .unwrap();
    let html = refused(r).await;
    refused_beside(&html, "qty_1", "-80");
    summary_links_resolve(&html);
    not_marked(&html, "qty_0");
    assert_eq!(app.count("tender_items").await, items_before);
    let (_, d) = app.get_json(&format!("/api/tenders/{id}"), &officer).await;
    assert_eq!(d["items"], draft_items, "the draft keeps its items");
}

#[tokio::test]
async fn a_refused_bid_names_the_price_or_days_of_its_item_beside_them() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    let (status, v) = bid(&app, &bidders[0], id, &items, &["3800", "3700"]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let bid_row = || async {
        entity::bid::Entity::find()
            .filter(entity::bid::Column::TenderId.eq(TenderId(id)))
            .all(&app.state.db.read)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|b| (b.id, b.revision, b.sealed))
            .collect::<Vec<_>>()
    };
    let before = bid_row().await;
    let client = page_client(&app, "supplier").await;
    let path = format!("/tenders/{id}/bid");
    let csrf = app.csrf_from(&client, &path).await;
    let (p0, d0, p1, d1) = (
        format!("price_{}", items[0]),
        format!("days_{}", items[0]),
        format!("price_{}", items[1]),
        format!("days_{}", items[1]),
    );

    // What the form's reader cannot read: a price that is no number, days that are none.
    let r = client
        .post(app.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            (&p0, "3750"),
            (&d0, "ten"),
            (&p1, "abc"),
            (&d1, "12"),
            ("technical_note", "附质保书"),
        ])
        .send()
        .await
        .unwrap();
    let html = refused(r).await;
    refused_beside(&html, &d0, "ten");
    summary_links_resolve(&html);
    refused_beside(&html, &p1, "abc");
    not_marked(&html, &p0);
    not_marked(&html, &d1);
    let doc = scraper::Html::parse_document(&html);
    assert!(
        select_one(&doc, &format!("input#{p0}.bid-price[value='3750']")).is_some(),
        "the price typed is kept, not the bid's own"
    );

    // What the store refuses: five places, a year and more.
    let r = client
        .post(app.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            (&p0, "3750"),
            (&d0, "400"),
            (&p1, "3650.12345"),
            (&d1, "12"),
        ])
        .send()
        .await
        .unwrap();
    let html = refused(r).await;
    refused_beside(&html, &d0, "400");
    refused_beside(&html, &p1, "3650.12345");
    not_marked(&html, &p0);
    not_marked(&html, &d1);
    summary_links_resolve(&html);
    assert_eq!(bid_row().await, before, "the bid is as it was");
}

#[tokio::test]
async fn a_refused_score_is_named_beside_the_bids_own_field() {
    let app = spawn_app().await;
    let mut bidders = three_bidders(&app).await;
    let ids: Vec<i64> = bidders.iter().map(|b| b.id).collect();
    let (id, items) = published_tender(&app, &ids).await;
    let (v, mut bid_ids) = bid_three_and_open(&app, &mut bidders, id, &items).await;
    bid_ids.sort_unstable();
    assert_eq!(bid_ids.len(), 3, "{v}");
    let client = page_client(&app, "procurement_officer").await;
    let csrf = app.csrf_from(&client, &format!("/tenders/{id}")).await;
    let path = format!("/tenders/{id}/scores");
    let before = app.count("bid_scores").await;
    let [b0, b1, b2] = [0, 1, 2].map(|i| bid_ids[i]);
    // The first bid is left unscored: the others are still named by their own bid.
    let post = |pairs: Vec<(String, &'static str)>| {
        let mut f = vec![("csrf_token".to_string(), csrf.clone())];
        f.extend(pairs.into_iter().map(|(k, v)| (k, v.to_string())));
        client.post(app.url(&path)).form(&f).send()
    };
    let r = post(vec![
        (format!("quality_{b0}"), ""),
        (format!("delivery_{b0}"), ""),
        (format!("quality_{b1}"), "85"),
        (format!("delivery_{b1}"), "soon"),
        (format!("quality_{b2}"), "70"),
        (format!("delivery_{b2}"), "90"),
    ])
    .await
    .unwrap();
    let html = refused(r).await;
    refused_beside(&html, &format!("delivery_{b1}"), "soon");
    summary_links_resolve(&html);
    for name in [
        format!("quality_{b1}"),
        format!("quality_{b2}"),
        format!("delivery_{b2}"),
    ] {
        not_marked(&html, &name);
    }
    let doc = scraper::Html::parse_document(&html);
    assert!(
        select_one(
            &doc,
            &format!("input#quality_{b1}.score-quality[value='85']")
        )
        .is_some()
    );
    assert!(
        select_one(
            &doc,
            &format!("input#delivery_{b2}.score-delivery[value='90']")
        )
        .is_some()
    );

    let r = post(vec![
        (format!("quality_{b0}"), ""),
        (format!("delivery_{b0}"), ""),
        (format!("quality_{b1}"), "101"),
        (format!("delivery_{b1}"), "80"),
        (format!("quality_{b2}"), "70"),
        (format!("delivery_{b2}"), "-1"),
    ])
    .await
    .unwrap();
    let html = refused(r).await;
    refused_beside(&html, &format!("quality_{b1}"), "101");
    refused_beside(&html, &format!("delivery_{b2}"), "-1");
    for name in [
        format!("delivery_{b1}"),
        format!("quality_{b2}"),
        format!("quality_{b0}"),
    ] {
        not_marked(&html, &name);
    }
    summary_links_resolve(&html);
    assert_eq!(app.count("bid_scores").await, before, "nothing was scored");
}

// ----- Rule 14: the committee -----

/// A new active user of `role`, made by the admin; answers its id and token.
async fn staff(app: &TestApp, role: &str, email: &str, name: &str) -> (i64, String) {
    let admin = app.token_for("admin").await;
    let (status, v) = app
        .post_json(
            "/api/users",
            &admin,
            &json!({"email": email, "display_name": name, "password": "long-enough-pw", "role": role}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    (
        app.user_id(email).await,
        app.token(email, "long-enough-pw").await,
    )
}

async fn set_committee(
    app: &TestApp,
    token: &str,
    id: i64,
    members: &[i64],
) -> (StatusCode, Value) {
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/tenders/{id}/committee"),
        token,
        &json!({ "committee": members }),
    )
    .await
}

#[tokio::test]
async fn a_tender_is_published_only_with_its_committee_which_is_fixed_once_opened() {
    let app = spawn_app().await;
    let bidders = three_bidders(&app).await;
    let officer = app.token_for("procurement_officer").await;
    let ids: Vec<i64> = bidders.iter().map(|b| b.id).collect();
    let (status, v) = app
        .post_json(
            "/api/tenders",
            &officer,
            &tender_input(&app, &ids, 48).await,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["tender"]["id"].as_i64().unwrap_or_default();
    let members = app.committee_ids().await;
    let audit = app.count("audit_log").await;

    // Two members are too few to publish: refused beside the committee, nothing published.
    let (status, v) = set_committee(&app, &officer, id, &members[..2]).await;
    assert_eq!(status, StatusCode::OK, "a draft may hold fewer: {v}");
    assert_eq!(v["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        app.count("audit_log").await,
        audit + 2,
        "one entry per member"
    );
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/publish"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["committee"]["code"],
        "tender_committee_min"
    );
    let (_, t) = app.get_json(&format!("/api/tenders/{id}"), &officer).await;
    assert_eq!(t["tender"]["status"], "draft");

    // Neither an auditor nor a supplier sits on a committee.
    let auditor = app.user_id("auditor@demo.test").await;
    let supplier = app.user_id("supplier@demo.test").await;
    for outsider in [auditor, supplier] {
        let (status, v) =
            set_committee(&app, &officer, id, &[members[0], members[1], outsider]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            v["error"]["fields"]["committee"]["code"],
            "tender_committee_ineligible"
        );
    }
    // A site user may not name it at all.
    let (status, _) = set_committee(&app, &app.token_for("site_user").await, id, &members).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Three: published.
    let (status, _) = set_committee(&app, &officer, id, &members).await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/publish"), &officer, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let names: Vec<String> = v["committee"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(names.len(), 3, "{v}");
    // After publishing, the committee never drops below the setting.
    let (status, v) = set_committee(&app, &officer, id, &members[..2]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["committee"]["code"],
        "tender_committee_min"
    );

    // The admin asks for four (3 to 9): the opening waits for a fourth member.
    let admin = app.token_for("admin").await;
    let (_, mut settings) = app.get_json("/api/settings", &admin).await;
    assert_eq!(settings["committee_min_members"], 3);
    for wrong in [2, 10] {
        settings["committee_min_members"] = json!(wrong);
        let (status, v) = app
            .send_json(reqwest::Method::PUT, "/api/settings", &admin, &settings)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            v["error"]["fields"]["committee_min_members"]["code"],
            "committee_min_range"
        );
    }
    settings["committee_min_members"] = json!(4);
    let (status, v) = app
        .send_json(reqwest::Method::PUT, "/api/settings", &admin, &settings)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    pass_deadline(&app, id).await;
    let (status, v) = open_as(&app, "procurement_officer", id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["committee"]["code"],
        "tender_committee_min"
    );
    let (fourth, _) = staff(&app, "procurement_officer", "officer4@demo.test", "冯涛").await;
    let officer = app.token_for("procurement_officer").await;
    let mut four = members.clone();
    four.push(fourth);
    let (status, v) = set_committee(&app, &officer, id, &four).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = open_as(&app, "procurement_officer", id).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _) = open_as(&app, "procurement_head", id).await;
    assert_eq!(status, StatusCode::OK);
    // Opened (and, with no bids, failed): the committee is fixed.
    let (status, v) = set_committee(&app, &officer, id, &members).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "tender_committee_fixed");
}

#[tokio::test]
async fn only_members_score_apart_the_evaluation_waits_for_all_and_its_runner_does_not_award() {
    let app = spawn_app().await;
    let mut bidders = three_bidders(&app).await;
    let (id, items) =
        published_tender(&app, &bidders.iter().map(|b| b.id).collect::<Vec<_>>()).await;
    let (v, bid_ids) = bid_three_and_open(&app, &mut bidders, id, &items).await;
    assert_eq!(v["tender"]["tender"]["status"], "opened", "{v}");
    let scores: Value = bid_ids
        .iter()
        .map(|b| json!({"bid_id": b, "quality": 80, "delivery": 90}))
        .collect();
    let [officer, head, second] = <[String; 3]>::try_from(app.committee_tokens().await)
        .unwrap_or_else(|_| panic!("three members"));
    let put_scores = |token: String| {
        let app = &app;
        let scores = scores.clone();
        async move {
            app.send_json(
                reqwest::Method::PUT,
                &format!("/api/tenders/{id}/scores"),
                &token,
                &json!({ "scores": scores }),
            )
            .await
        }
    };

    // An officer not named on the committee does not score.
    let (_, outsider) = staff(&app, "procurement_officer", "officer3@demo.test", "郑洁").await;
    let before = app.count("bid_scores").await;
    let (status, v) = put_scores(outsider.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "tender_not_member");
    assert_eq!(app.count("bid_scores").await, before);
    let (_, d) = app.get_json(&format!("/api/tenders/{id}"), &outsider).await;
    assert!(
        !d["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a == "score"),
        "{d}"
    );

    // The officer scores: it sees its own scores, nobody sees a mean before the evaluation.
    let (status, v) = put_scores(officer.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["bids"][0]["my_quality"], 80);
    assert!(v["bids"][0]["quality"].is_null(), "{v}");
    assert!(v["ranking"].as_array().is_some_and(Vec::is_empty));
    let (_, d) = app.get_json(&format!("/api/tenders/{id}"), &head).await;
    assert!(
        d["bids"][0]["my_quality"].is_null() && d["bids"][0]["quality"].is_null(),
        "{d}"
    );
    assert_eq!(
        (
            d["scoring"]["scored"].clone(),
            d["scoring"]["members"].clone()
        ),
        (json!(1), json!(3))
    );
    put_scores(second.clone()).await;

    // Two of three: the evaluation is refused, naming the head who has not scored.
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/evaluate"), &head, &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["committee"]["code"],
        "tender_scores_missing"
    );
    let message = v["error"]["fields"]["committee"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("杨静") && !message.contains("刘洋"),
        "{message}"
    );
    let page = app
        .html(
            &app.browser_of("procurement_head").await,
            &format!("/tenders/{id}"),
        )
        .await;
    assert!(
        page.contains("id=\"scoring-progress\" data-scored=\"2\" data-members=\"3\""),
        "progress shown"
    );
    assert!(
        page.contains("evaluate-waiting"),
        "the evaluation says why it waits"
    );

    // Three of three: the head runs the evaluation (recorded) and may not then decide it.
    put_scores(head.clone()).await;
    let (status, v) = app
        .post_json(&format!("/api/tenders/{id}/evaluate"), &head, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["ranking"][0]["quality"], "80.00",
        "the means show now: {v}"
    );
    let evaluated_by = entity::tender::Entity::find_by_id(TenderId(id))
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .and_then(|t| t.evaluated_by);
    assert_eq!(
        evaluated_by,
        Some(app.user_id("procurement_head@demo.test").await)
    );
    assert!(
        !v["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a == "decide"),
        "{v}"
    );
    assert_eq!(v["tender"]["evaluated_by"], "杨静");
    let page = app
        .html(
            &app.browser_of("procurement_head").await,
            &format!("/tenders/{id}"),
        )
        .await;
    assert!(
        page.contains("id=\"decide-elsewhere\"") && !page.contains("award-submit"),
        "the page says another head decides"
    );
    for approve in [true, false] {
        let (status, v) = app
            .post_json(
                &format!("/api/tenders/{id}/decision"),
                &head,
                &json!({"approve": approve, "note": "复核"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["code"], "tender_own_evaluation");
    }
    // The admin's powers do not reach it.
    let (status, _) = app
        .post_json(
            &format!("/api/tenders/{id}/decision"),
            &app.token_for("admin").await,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another head, who did not run the evaluation, awards it.
    let (_, other_head) = staff(&app, "procurement_head", "head2@demo.test", "钱伟").await;
    let (status, v) = app
        .post_json(
            &format!("/api/tenders/{id}/decision"),
            &other_head,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["tender"]["status"], "awarded");
}
