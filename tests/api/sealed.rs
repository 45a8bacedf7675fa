//! Rule 14's last sentence: before a tender is opened nobody but the bidder learns that a bid
//! exists — not its price, its bidder, its times, nor how many bids there are — on any API
//! operation or page, audit log included; and the key that seals the prices is not in the
//! database nor in the data folder, so a copy of them opens nothing.
//!
//! The crawl signs in as every role (the demo users, the group's auditor, the bidders, an
//! invited supplier that did not bid and an admitted one not invited), GETs every operation
//! of the served OpenAPI document and every page reachable by links from home, before the
//! deadline and after the opening, and looks for markers of the bids: their distinctive
//! prices, totals and note, the instant they were submitted, bid rows and counts, and audit
//! entries of bids. After the opening the officer must see every marker, which proves the
//! markers would catch a leak.

use crate::forms_walk::{followable, shape};
use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app};
use crate::tenders::{
    Bidder, admitted_supplier, category_id, demo_bidder, open_as, pass_deadline, published_tender,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet, VecDeque};

const SUPPLIER_PASSWORD: &str = "supplier-password";
const MAX_PAGES: usize = 70;
const PER_SHAPE: usize = 2;

/// Who signs in: a label, the email and password.
struct Viewer {
    label: String,
    email: String,
    password: &'static str,
    /// Which of the bids is its own (the bidder sees that one, and nothing of the others).
    own: Option<usize>,
}

/// What gives a bid away, each with the texts that show it.
struct Markers {
    /// Per bid: its prices (as the API writes them and as pages do), total and note.
    per_bid: Vec<Vec<String>>,
    /// The instant the bids were submitted, as JSON writes it (to the second) and as pages
    /// show it (to the minute, in the company's time zone).
    times: Vec<String>,
}

/// The structural markers: a bid row, a bid count, an audit entry about a bid.
fn structural(body: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    let followed_by_digit = |needle: &str| {
        body.match_indices(needle).any(|(i, _)| {
            body[i + needle.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
    };
    if followed_by_digit("\"bids\":") {
        found.push("a count of bids (JSON)");
    }
    if body.contains("\"bids\":[{") {
        found.push("a list of bids (JSON)");
    }
    if body.contains("\"action\":\"bid.") {
        found.push("an audit entry of a bid (JSON)");
    }
    if body.contains("title=\"bid.") {
        found.push("an audit entry of a bid (page)");
    }
    if body.contains("data-bid=") || body.contains("id=\"tender-bids\"") {
        found.push("a bid row (page)");
    }
    if followed_by_digit("data-label=\"Bids\">") || followed_by_digit("data-label=\"投标\">") {
        found.push("a count of bids (page)");
    }
    found
}

/// Every GET operation of the OpenAPI document, its path ids filled with the tender's and the
/// supplier's ids (each way), plus the searches that would find bids.
async fn api_paths(app: &TestApp, tender: i64, supplier: i64) -> Vec<String> {
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = vec![
        "/api/audit?entity=bid".to_string(),
        "/api/audit?action=bid.".to_string(),
        "/api/tenders?status=published".to_string(),
        "/api/tenders?status=published&bids_closed=true".to_string(),
    ];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        if item.get("get").is_none() || path == "/api/openapi.json" {
            continue;
        }
        for id in [tender, supplier] {
            let mut filled = String::new();
            let mut rest = path.as_str();
            while let Some(start) = rest.find('{') {
                filled.push_str(&rest[..start]);
                filled.push_str(&id.to_string());
                rest = rest[start..].split_once('}').map_or("", |(_, r)| r);
            }
            filled.push_str(rest);
            if !out.contains(&filled) {
                out.push(filled);
            }
        }
    }
    out
}

/// GET `path` as a browser with `client`, following redirects; the final body.
async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, String) {
    let mut at = path.to_string();
    for _ in 0..5 {
        let r = client.get(app.url(&at)).send().await.unwrap();
        if r.status().is_redirection() {
            let next = r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("/")
                .to_string();
            if !next.starts_with('/') {
                break;
            }
            at = next;
            continue;
        }
        let html = r
            .headers()
            .get("content-type")
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.starts_with("text/html"));
        let body = r.text().await.unwrap_or_default();
        return (at, if html { body } else { String::new() });
    }
    (at, String::new())
}

/// Every answer `v` gets: the API operations and the pages reachable from home (bounded),
/// with the tender's page and bid page and the audit log filtered to bids besides.
async fn crawl(
    app: &TestApp,
    v: &Viewer,
    tender: i64,
    supplier: i64,
    api: &[String],
) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let token = app.token(&v.email, v.password).await;
    for path in api {
        let body = app.get(path, &token).await.text().await.unwrap_or_default();
        seen.push((path.clone(), body));
    }
    let client = app.new_client();
    let r = app.page_login(&client, &v.email, v.password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {}", v.label);
    let mut queue: VecDeque<String> = [
        "/".to_string(),
        format!("/tenders/{tender}"),
        format!("/tenders/{tender}/bid"),
        "/audit?entity=bid".to_string(),
        format!("/suppliers/{supplier}"),
    ]
    .into();
    let mut visited = HashSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if visited.len() >= MAX_PAGES || !visited.insert(path.clone()) {
            continue;
        }
        let (at, body) = page(app, &client, &path).await;
        let doc = scraper::Html::parse_document(&body);
        let a = scraper::Selector::parse("a[href]").unwrap();
        for href in doc.select(&a).filter_map(|e| e.value().attr("href")) {
            let href = href.split('#').next().unwrap_or("").to_string();
            if !href.starts_with('/') || href.starts_with("//") || !followable(&href) {
                continue;
            }
            let n = shapes.entry(shape(&href)).or_default();
            if *n < PER_SHAPE && !visited.contains(&href) {
                *n += 1;
                queue.push_back(href);
            }
        }
        seen.push((at, body));
    }
    seen
}

/// Signs `b` in again (tokens live 30 minutes of the app's clock).
async fn signed_in(app: &TestApp, b: &Bidder, password: &str) -> Bidder {
    Bidder {
        token: app.token(&b.email, password).await,
        ..b.clone()
    }
}

#[tokio::test]
async fn before_the_opening_no_answer_to_anyone_but_the_bidder_shows_that_a_bid_exists() {
    let app = spawn_app().await;
    let steel = category_id(&app, "钢材").await;
    let bidders = [
        demo_bidder(&app).await,
        admitted_supplier(&app, 1, &[steel]).await,
        admitted_supplier(&app, 2, &[steel]).await,
    ];
    // Invited, no bid: it stays visible as an invitee; and one admitted but not invited.
    let idle = admitted_supplier(&app, 3, &[steel]).await;
    let outsider = admitted_supplier(&app, 4, &[steel]).await;
    let mut invitees: Vec<i64> = bidders.iter().map(|b| b.id).collect();
    invitees.push(idle.id);
    let (id, items) = published_tender(&app, &invitees).await;

    // The bids go in at a distinctive instant, by nobody else's action at that minute.
    let t_bid = app.state.now() + chrono::Duration::minutes(97) + chrono::Duration::seconds(13);
    app.clock.set(t_bid - chrono::Duration::minutes(5));
    let mut signed = Vec::new();
    for (n, b) in bidders.iter().enumerate() {
        let pw = if n == 0 {
            DEMO_PASSWORD
        } else {
            SUPPLIER_PASSWORD
        };
        signed.push(signed_in(&app, b, pw).await);
    }
    app.clock.set(t_bid);
    let prices = [
        ["98765.43", "91234.57"],
        ["97531.86", "92468.13"],
        ["96420.75", "93579.24"],
    ];
    let mut per_bid = Vec::new();
    for (n, b) in signed.iter().enumerate() {
        let note = format!("SEALED-NOTE-{n}-quartz-heron");
        let (status, v) = app
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/tenders/{id}/bid"),
                &b.token,
                &json!({
                    "lines": items.iter().zip(prices[n]).map(|(i, p)| json!({"item_id": i, "unit_price": p, "delivery_days": 11})).collect::<Vec<_>>(),
                    "technical_note": note,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let (_, mine) = app
            .get_json(&format!("/api/tenders/{id}/bid"), &b.token)
            .await;
        let total = mine["total"].as_str().unwrap_or_default().to_string();
        assert!(!total.is_empty(), "{mine}");
        let shown_price =
            |s: &str| portal::money::text::unit_price(portal::i18n::Locale::En, s.parse().unwrap());
        let shown_total =
            |s: &str| portal::money::text::amount(portal::i18n::Locale::En, s.parse().unwrap());
        let mut texts: Vec<String> = prices[n]
            .iter()
            .flat_map(|p| [p.to_string(), shown_price(p)])
            .collect();
        texts.extend([shown_total(&total), total, note]);
        per_bid.push(texts);
    }
    let markers = Markers {
        per_bid,
        times: vec![
            t_bid.format("%Y-%m-%dT%H:%M:%S").to_string(),
            portal::time::display(t_bid, app.state.tz()),
        ],
    };

    let mut viewers: Vec<Viewer> = portal::auth::Role::ALL
        .iter()
        .map(|r| Viewer {
            label: r.as_str().to_string(),
            email: format!("{}@demo.test", r.as_str()),
            password: DEMO_PASSWORD,
            // The demo supplier's user is the first bidder.
            own: (*r == portal::auth::Role::Supplier).then_some(0),
        })
        .collect();
    viewers.push(Viewer {
        label: "group auditor".into(),
        email: portal::demo::GROUP_AUDITOR.into(),
        password: DEMO_PASSWORD,
        own: None,
    });
    for (n, b) in bidders.iter().enumerate().skip(1) {
        viewers.push(Viewer {
            label: format!("bidder {n}"),
            email: b.email.clone(),
            password: SUPPLIER_PASSWORD,
            own: Some(n),
        });
    }
    for (label, b) in [("invited, no bid", &idle), ("not invited", &outsider)] {
        viewers.push(Viewer {
            label: label.into(),
            email: b.email.clone(),
            password: SUPPLIER_PASSWORD,
            own: None,
        });
    }
    let api = api_paths(&app, id, bidders[1].id).await;

    // Before the deadline (the crawl's own sign-ins a few minutes after the bids).
    app.clock.set(t_bid + chrono::Duration::minutes(3));
    let mut looked = 0;
    let mut invitee_seen = false;
    for v in &viewers {
        for (path, body) in crawl(&app, v, id, bidders[1].id, &api).await {
            looked += 1;
            for (n, texts) in markers.per_bid.iter().enumerate() {
                if v.own == Some(n) {
                    continue;
                }
                for s in texts {
                    assert!(!body.contains(s), "{} sees {s:?} at {path}", v.label);
                }
            }
            // A bidder sees its own bid's times (the others went in at the same instant).
            if v.own.is_none() {
                for s in &markers.times {
                    assert!(
                        !body.contains(s),
                        "{} sees the bid time {s} at {path}",
                        v.label
                    );
                }
            }
            let found = structural(&body);
            assert!(found.is_empty(), "{} sees {found:?} at {path}", v.label);
            invitee_seen |= v.label == "procurement_officer"
                && path == format!("/api/tenders/{id}")
                && body.contains(&format!("\"supplier_id\":{}", idle.id));
        }
    }
    assert!(looked > 800, "only {looked} answers looked at");
    assert!(invitee_seen, "the officer still sees who was invited");

    // Each bidder's own bid page shows its own bid (what the exemption above is for).
    for (n, b) in signed.iter().enumerate() {
        let b = signed_in(
            &app,
            b,
            if n == 0 {
                DEMO_PASSWORD
            } else {
                SUPPLIER_PASSWORD
            },
        )
        .await;
        let (_, mine) = app
            .get_json(&format!("/api/tenders/{id}/bid"), &b.token)
            .await;
        assert_eq!(mine["lines"][0]["unit_price"], prices[n][0], "{mine}");
    }

    // After the opening the office sees every marker: they would have caught a leak.
    pass_deadline(&app, id).await;
    open_as(&app, "procurement_officer", id).await;
    let (status, v) = open_as(&app, "procurement_head", id).await;
    assert_eq!(v["outcome"], "opened", "{status}: {v}");
    let officer = &viewers[viewers
        .iter()
        .position(|v| v.label == "procurement_officer")
        .unwrap()];
    let seen = crawl(&app, officer, id, bidders[1].id, &api).await;
    let all: String = seen.iter().map(|(_, b)| b.as_str()).collect();
    for s in markers.per_bid.iter().flatten().chain(&markers.times) {
        assert!(
            all.contains(s.as_str()),
            "after the opening the officer sees {s:?}"
        );
    }
    let found: HashSet<&str> = seen.iter().flat_map(|(_, b)| structural(b)).collect();
    for m in [
        "a count of bids (JSON)",
        "a list of bids (JSON)",
        "a bid row (page)",
        "a count of bids (page)",
    ] {
        assert!(
            found.contains(m),
            "after the opening the officer sees {m}: {found:?}"
        );
    }
    let auditor = app.token_for("auditor").await;
    let (_, log) = app.get_json("/api/audit?entity=bid", &auditor).await;
    assert_eq!(
        log["total"], 3,
        "the bids' entries appear once opened: {log}"
    );
    let html = app
        .html(&app.browser_of("auditor").await, "/audit?entity=bid")
        .await;
    assert_eq!(structural(&html), ["an audit entry of a bid (page)"]);
    assert!(html.contains("id=\"audit-sealed-note\""));

    // The chain kept them all along.
    let (_, verify) = app.get_json("/api/audit/verify", &auditor).await;
    assert_eq!(verify["ok"], true, "{verify}");
}

// ----- The key outside the database -----

use portal::tenders::crypto::{self, BidKey, Sealed};
use portal::tenders::seal_key;

/// Every sealed bid of the app's database: (tender, supplier, ciphertext, nonce).
async fn sealed_rows(app: &TestApp) -> Vec<entity::bid::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::bid::Entity::find()
        .filter(entity::bid::Column::Sealed.ne(""))
        .all(&app.state.db.read)
        .await
        .unwrap()
}

fn opens(key: &BidKey, b: &entity::bid::Model) -> bool {
    crypto::open(
        key,
        &crypto::bid_aad(b.tender_id, b.supplier_id),
        &Sealed {
            ciphertext: b.sealed.clone(),
            nonce: b.nonce.clone(),
        },
    )
    .is_ok()
}

/// The value of a `settings` row.
async fn setting(app: &TestApp, key: &str) -> Option<String> {
    use sea_orm::EntityTrait;
    entity::setting::Entity::find_by_id(key.to_string())
        .one(&app.state.db.read)
        .await
        .unwrap()
        .map(|r| r.value)
}

/// The app's key, from the file beside its data folder where it was generated.
fn key_of(app: &TestApp) -> BidKey {
    seal_key::read_file(&seal_key::default_path(app.data_dir.path())).unwrap()
}

/// A config for another process on the app's database, with `key_file` as its key file.
fn config_with_key(app: &TestApp, key_file: &std::path::Path) -> portal::config::Config {
    let mut c =
        crate::helpers::test_config(app.data_dir.path(), crate::helpers::test_database_url());
    c.seal_key_file = Some(key_file.to_path_buf());
    c
}

async fn start(app: &TestApp, key_file: &std::path::Path) -> Result<(), String> {
    let clock: portal::clock::SharedClock = app.clock.clone();
    portal::prepare(config_with_key(app, key_file), clock, app.schema.as_deref())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_copy_of_the_database_and_the_data_folder_opens_no_sealed_bid() {
    let app = spawn_app().await;
    // The demo's tender holds the demo supplier's sealed bid.
    let rows = sealed_rows(&app).await;
    assert!(!rows.is_empty());
    let key = key_of(&app);
    assert!(
        rows.iter().all(|b| opens(&key, b)),
        "the key beside the data folder opens them"
    );

    // The key file was generated beside the data folder, readable by its owner only.
    let path = seal_key::default_path(app.data_dir.path());
    assert!(!path.starts_with(app.data_dir.path()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // Nothing in the data folder (the SQLite file, its journal, mail, uploads) holds the key.
    let forms = [
        key.to_base64().into_bytes(),
        std::fs::read(&path).unwrap().trim_ascii().to_vec(),
    ];
    let files = files_under(app.data_dir.path());
    assert!(!files.is_empty());
    for (p, bytes) in &files {
        for f in &forms {
            assert!(
                !bytes.windows(f.len()).any(|w| w == f.as_slice()),
                "{} holds the key",
                p.display()
            );
        }
    }
    // No row of the settings (the dump's only candidate secrets) is or derives the key: the
    // instance secret neither as it is nor through the older derivation, nor the fingerprint.
    use sea_orm::EntityTrait;
    let settings = entity::setting::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap();
    let mut candidates = Vec::new();
    for s in &settings {
        assert!(
            !s.value.contains(&key.to_base64()),
            "settings row {} holds the key",
            s.key
        );
        for bytes in [
            hex::decode(&s.value).ok(),
            Some(s.value.as_bytes().to_vec()),
        ]
        .into_iter()
        .flatten()
        {
            candidates.push(BidKey::legacy(&bytes));
            if let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice()) {
                candidates.push(BidKey::from_bytes(raw));
            }
        }
    }
    assert!(
        candidates.len() >= 3,
        "the secret and the fingerprint were tried"
    );
    for c in &candidates {
        assert!(
            rows.iter().all(|b| !opens(c, b)),
            "a key from the database opens a bid"
        );
    }
    assert_eq!(
        setting(&app, crypto::FINGERPRINT_SETTING).await,
        Some(key.fingerprint())
    );
}

#[tokio::test]
async fn with_sealed_bids_the_portal_refuses_to_start_without_its_key_or_with_another() {
    let app = spawn_app().await;
    assert!(!sealed_rows(&app).await.is_empty());
    let elsewhere = tempfile::tempdir().unwrap();

    // No key: refused, saying where the key belongs; no key is made up.
    let missing = elsewhere.path().join("portal.seal.key");
    let e = start(&app, &missing).await.unwrap_err();
    assert!(
        e.contains("not here") && e.contains("portal.seal.key"),
        "{e}"
    );
    assert!(!missing.exists());

    // Another key: refused at start, not at the opening.
    let other = elsewhere.path().join("other.key");
    seal_key::write_new_file(&other, &BidKey::generate()).unwrap();
    let e = start(&app, &other).await.unwrap_err();
    assert!(e.contains("is not the one"), "{e}");

    // Its own key: starts.
    let own = seal_key::default_path(app.data_dir.path());
    start(&app, &own).await.unwrap();
}

#[tokio::test]
async fn bids_sealed_with_the_older_key_from_the_database_are_resealed_once_with_the_new_key() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let bidder = demo_bidder(&app).await;
    let (_, before) = app.get_json("/api/tenders", &bidder.token).await;
    let tender = before[0]["id"].as_i64().unwrap();
    let (_, mine_before) = app
        .get_json(&format!("/api/tenders/{tender}/bid"), &bidder.token)
        .await;
    assert!(mine_before["total"].is_string(), "{mine_before}");

    // Make the database as an older version left it: bids sealed with the key derived from
    // its secret, and no key named.
    let db = &app.state.db.write;
    let legacy = BidKey::legacy_of(db).await.unwrap();
    let current = key_of(&app);
    for b in sealed_rows(&app).await {
        let aad = crypto::bid_aad(b.tender_id, b.supplier_id);
        let plain = crypto::open(
            &current,
            &aad,
            &Sealed {
                ciphertext: b.sealed.clone(),
                nonce: b.nonce.clone(),
            },
        )
        .unwrap();
        let s = crypto::seal(&legacy, &aad, &plain).unwrap();
        entity::bid::Entity::update_many()
            .col_expr(entity::bid::Column::Sealed, Expr::value(s.ciphertext))
            .col_expr(entity::bid::Column::Nonce, Expr::value(s.nonce))
            .filter(entity::bid::Column::Id.eq(b.id))
            .exec(db)
            .await
            .unwrap();
    }
    entity::setting::Entity::delete_by_id(crypto::FINGERPRINT_SETTING.to_string())
        .exec(db)
        .await
        .unwrap();

    // Without a key it refuses, naming the command that makes one.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.seal.key");
    let e = start(&app, &path).await.unwrap_err();
    assert!(e.contains("portal seal-key generate"), "{e}");
    assert!(!path.exists());

    // With one, the first start re-seals every bid with it, once.
    let new = BidKey::generate();
    seal_key::write_new_file(&path, &new).unwrap();
    start(&app, &path).await.unwrap();
    let rows = sealed_rows(&app).await;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|b| opens(&new, b) && !opens(&legacy, b)));
    assert_eq!(
        setting(&app, crypto::FINGERPRINT_SETTING).await,
        Some(new.fingerprint())
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'seal_key.adopt'").await,
        2
    );
    start(&app, &path).await.unwrap();
    assert_eq!(
        app.count("audit_log WHERE action = 'seal_key.adopt'").await,
        2,
        "once"
    );
    // No bid was lost: the bidder reads its own as before.
    let bidder = signed_in(&app, &bidder, DEMO_PASSWORD).await;
    let (_, mine) = app
        .get_json(&format!("/api/tenders/{tender}/bid"), &bidder.token)
        .await;
    assert_eq!(mine["lines"], mine_before["lines"]);
    assert_eq!(mine["total"], mine_before["total"]);
}

#[tokio::test]
async fn rotating_the_key_reseals_every_bid_so_that_only_the_new_key_opens_them() {
    let app = spawn_app().await;
    let old = key_of(&app);
    let bidder = demo_bidder(&app).await;
    let (_, list) = app.get_json("/api/tenders", &bidder.token).await;
    let tender = list[0]["id"].as_i64().unwrap();
    let (_, mine_before) = app
        .get_json(&format!("/api/tenders/{tender}/bid"), &bidder.token)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let new_path = dir.path().join("next.seal.key");
    let new = BidKey::generate();
    seal_key::write_new_file(&new_path, &new).unwrap();
    let n = seal_key::rotate(&app.state.db, &new, app.state.now())
        .await
        .unwrap();
    let rows = sealed_rows(&app).await;
    assert_eq!(n as usize, rows.len());
    assert!(rows.iter().all(|b| opens(&new, b) && !opens(&old, b)));
    // Rotating to the key in use is refused.
    assert!(
        seal_key::rotate(&app.state.db, &new, app.state.now())
            .await
            .is_err()
    );

    // The audit entry names the keys by fingerprint, not how many bids there were.
    let auditor = app.token_for("auditor").await;
    let (_, log) = app
        .get_json("/api/audit?action=seal_key.rotate", &auditor)
        .await;
    assert_eq!(log["total"], 1, "{log}");
    let after: Value =
        serde_json::from_str(log["entries"][0]["after"].as_str().unwrap_or_default()).unwrap();
    assert_eq!(after, json!({"fingerprint": new.fingerprint()}));

    // The old key no longer starts the portal; the new one does.
    let old_path = seal_key::default_path(app.data_dir.path());
    let e = start(&app, &old_path).await.unwrap_err();
    assert!(e.contains("is not the one"), "{e}");
    start(&app, &new_path).await.unwrap();
    // The bidder still reads its bid.
    let (_, mine) = app
        .get_json(&format!("/api/tenders/{tender}/bid"), &bidder.token)
        .await;
    assert_eq!(mine["total"], mine_before["total"], "{mine}");
}
