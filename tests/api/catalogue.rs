//! Issue 16: the catalogue's search index. Its answers are the same sets as a plain substring
//! scan of the listings' text (plus pinyin for words of letters), it sees every change at
//! once, and while it is being built the catalogue answers from the database.

use crate::helpers::{TestApp, spawn_app};
use entity::{listing, material, supplier};
use portal::catalogue::api::{CatalogueQuery, catalogue};
use portal::catalogue::engine::pinyin;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every listing id the API finds for `query` (all its pages), and the first page's answer.
async fn found(app: &TestApp, token: &str, query: &str) -> (BTreeSet<i64>, Value) {
    let mut ids = BTreeSet::new();
    let mut first = Value::Null;
    for page in 1..=100 {
        let (status, v) = app
            .get_json(&format!("/api/catalogue?{query}&page={page}"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {v}");
        let items = v["items"].as_array().cloned().unwrap_or_default();
        ids.extend(items.iter().filter_map(|i| i["listing_id"].as_i64()));
        if page == 1 {
            first = v.clone();
        }
        if items.len() < 20 {
            break;
        }
    }
    (ids, first)
}

/// What a plain scan finds: the orderable listings whose normalised text ("name_zh name_en
/// spec supplier") holds every word, or for a word of letters, one of the pinyin readings of
/// the Chinese name.
async fn scanned(app: &TestApp, words: &str, in_stock: Option<bool>) -> BTreeSet<i64> {
    let db = &app.state.db.read;
    let listings = listing::Entity::find().all(db).await.unwrap_or_default();
    let materials = material::Entity::find().all(db).await.unwrap_or_default();
    let suppliers = supplier::Entity::find().all(db).await.unwrap_or_default();
    let words = portal::catalogue::engine::text::query_words(words);
    listings
        .iter()
        .filter(|l| {
            let (Some(m), Some(s)) = (
                materials.iter().find(|m| m.id == l.material_id),
                suppliers.iter().find(|s| s.id == l.supplier_id),
            ) else {
                return false;
            };
            let text = portal::search::normalize(&format!(
                "{} {} {} {}",
                m.name_zh, m.name_en, m.spec, s.legal_name
            ));
            let readings = pinyin::readings(&portal::search::normalize(&m.name_zh));
            let available = l.on_hand.value() - l.reserved.value();
            l.active
                && s.status == "admitted"
                && in_stock.is_none_or(|want| (available > rust_decimal::Decimal::ZERO) == want)
                && words.iter().all(|w| {
                    text.contains(w.as_str())
                        || (pinyin::is_pinyin_word(w) && readings.iter().any(|r| r.contains(w)))
                })
        })
        .map(|l| l.id.get())
        .collect()
}

#[tokio::test]
async fn the_index_finds_what_a_substring_scan_finds_with_pinyin_and_full_width_folded() {
    let app = spawn_app().await;
    let site_user = app.token_for("site_user").await;
    for q in [
        "水泥",
        "钢筋",
        "钢",
        "Φ12",
        "DN25",
        "42.5",
        "水泥 42.5",
        "HRB400 钢筋",
        "hrb400e",
        "ＤＮ２５",
        "Φ１２",
        "sn",
        "shuini",
        "gj",
        "gangjin",
        "rebar",
        "p",
        "4",
        "螺",
        "不存在的",
        "",
    ] {
        let query = format!("q={}", urlencoding::encode(q));
        let (api, first) = found(&app, &site_user, &query).await;
        assert_eq!(api, scanned(&app, q, None).await, "{q:?}: {first}");
        assert_eq!(first["warming_up"], false, "{q:?}");
        // The demo's catalogue is small: every count is exact.
        assert_eq!(first["more"], false, "{q:?}");
        assert_eq!(first["total"].as_u64(), Some(api.len() as u64), "{q:?}");
        let (stocked, _) = found(&app, &site_user, &format!("{query}&in_stock=true")).await;
        assert_eq!(
            stocked,
            scanned(&app, q, Some(true)).await,
            "{q:?} in stock"
        );
    }
    // What a clerk types finds what they mean.
    let (cement, _) = found(&app, &site_user, "q=%E6%B0%B4%E6%B3%A5").await;
    let (sn, _) = found(&app, &site_user, "q=sn").await;
    let (shuini, _) = found(&app, &site_user, "q=shuini").await;
    assert!(!cement.is_empty() && cement.is_subset(&sn) && cement.is_subset(&shuini));
    let (rebar, _) = found(&app, &site_user, "q=%E9%92%A2%E7%AD%8B").await;
    let (gj, _) = found(&app, &site_user, "q=gj").await;
    assert!(!rebar.is_empty() && rebar.is_subset(&gj));
    for (full, half) in [
        ("ＤＮ２５", "DN25"),
        ("Φ１２", "Φ12"),
        ("ＨＲＢ４００", "hrb400"),
    ] {
        let (f, _) = found(
            &app,
            &site_user,
            &format!("q={}", urlencoding::encode(full)),
        )
        .await;
        let (h, _) = found(
            &app,
            &site_user,
            &format!("q={}", urlencoding::encode(half)),
        )
        .await;
        assert_eq!(f, h, "{full} is {half}");
    }
    let (phi, _) = found(&app, &site_user, "q=%CE%A612").await;
    assert!(!phi.is_empty(), "the demo has Φ12");
}

#[tokio::test]
async fn best_match_is_the_default_with_words_and_name_order_without() {
    let app = spawn_app().await;
    let site_user = app.token_for("site_user").await;
    // Without words, the name order: each row's text is not before the one above it.
    let (_, v) = app.get_json("/api/catalogue", &site_user).await;
    let texts: Vec<String> = v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    portal::search::normalize(&format!(
                        "{} {} {} {}",
                        i["name_zh"].as_str().unwrap_or_default(),
                        i["name_en"].as_str().unwrap_or_default(),
                        i["spec"].as_str().unwrap_or_default(),
                        i["supplier"].as_str().unwrap_or_default()
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        texts.len() > 1 && texts.windows(2).all(|w| w[0] <= w[1]),
        "{texts:?}"
    );
    // With words, the best match first: "钢筋" named as a word of the name comes before a
    // listing that only has it inside a longer word, and before one found by pinyin.
    let (_, best) = app
        .get_json("/api/catalogue?q=%E9%92%A2%E7%AD%8B", &site_user)
        .await;
    let (_, named) = app
        .get_json("/api/catalogue?q=%E9%92%A2%E7%AD%8B&sort=best", &site_user)
        .await;
    assert_eq!(
        best["items"], named["items"],
        "best is the default with words"
    );
    let first = &best["items"][0];
    assert!(
        first["name_zh"]
            .as_str()
            .is_some_and(|n| n.contains("钢筋")),
        "{best}"
    );
    // A price order asked for is kept with words.
    let (_, cheap) = app
        .get_json("/api/catalogue?q=%E9%92%A2&sort=price", &site_user)
        .await;
    let prices: Vec<rust_decimal::Decimal> = cheap["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["price"].as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        prices.len() > 1 && prices.windows(2).all(|w| w[0] <= w[1]),
        "{prices:?}"
    );
}

#[tokio::test]
async fn a_price_a_draw_and_a_supplier_name_are_searched_as_they_are_now() {
    let app = spawn_app().await;
    let site_user = app.token_for("site_user").await;
    let (_, mine) = app
        .get_json("/api/my/supplier", &app.token_for("supplier").await)
        .await;
    let supplier_id = mine["supplier"]["id"].as_i64().unwrap_or_default();
    let (_, v) = app
        .get_json(
            &format!("/api/catalogue?supplier_id={supplier_id}&in_stock=true"),
            &site_user,
        )
        .await;
    let item = v["items"][0].clone();
    let listing_id = item["listing_id"].as_i64().unwrap_or_default();
    assert!(listing_id > 0, "{v}");
    // A requisition approved reserves stock: the available quantity the search shows falls
    // at once.
    let available: rust_decimal::Decimal = item["available"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .unwrap_or_default();
    let (status, r) = crate::stock::requisition(&app, &site_user, listing_id, "1").await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let manager = app.token_for("site_manager").await;
    let (status, a) = app
        .post_json(
            &format!("/api/requisitions/{}/approval", r["id"]),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let (_, v) = app
        .get_json(
            &format!("/api/catalogue?supplier_id={supplier_id}&in_stock=true"),
            &site_user,
        )
        .await;
    let now = v["items"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|i| i["listing_id"].as_i64() == Some(listing_id))
        })
        .and_then(|i| {
            i["available"]
                .as_str()?
                .parse::<rust_decimal::Decimal>()
                .ok()
        });
    assert!(available > rust_decimal::Decimal::ONE, "{item}");
    assert_eq!(now, Some(available - rust_decimal::Decimal::ONE), "{v}");
    // The supplier renamed (an admin's change of its record) is found by its new name at
    // once, and no longer by the old.
    let old_name = mine["supplier"]["legal_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    use sea_orm::{ActiveModelTrait, Set};
    let s = supplier::Entity::find_by_id(entity::SupplierId(supplier_id))
        .one(&app.state.db.write)
        .await
        .ok()
        .flatten()
        .expect("supplier");
    let mut am: supplier::ActiveModel = s.into();
    am.legal_name = Set("索引改名测试建材有限公司".into());
    am.update(&app.state.db.write).await.expect("rename");
    let (renamed, _) = found(&app, &site_user, "q=%E7%B4%A2%E5%BC%95%E6%94%B9%E5%90%8D").await;
    assert!(renamed.contains(&listing_id), "found by the new name");
    let (old, _) = found(
        &app,
        &site_user,
        &format!("q={}", urlencoding::encode(&old_name)),
    )
    .await;
    assert!(!old.contains(&listing_id), "not by the old name");
}

/// The catalogue's first page in name order, and the database's rows for the same listings.
async fn page_and_rows(app: &TestApp, token: &str) -> (Value, Value) {
    let (status, v) = app.get_json("/api/catalogue?sort=name", token).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let ids: Vec<entity::ListingId> = v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["listing_id"].as_i64().map(entity::ListingId))
                .collect()
        })
        .unwrap_or_default();
    let rows = portal::catalogue::api::items(&app.state.db.read, &ids)
        .await
        .expect("rows");
    (
        v["items"].clone(),
        serde_json::to_value(rows).expect("json"),
    )
}

/// The page is read from the index, not the database: every value it shows must be what the
/// database holds, also after a change of the warehouse or the unit (migration 000027).
#[tokio::test]
async fn the_page_shows_each_listing_as_the_database_holds_it() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let site_user = app.token_for("site_user").await;
    let (shown, held) = page_and_rows(&app, &site_user).await;
    assert!(shown.as_array().is_some_and(|a| a.len() > 2), "{shown}");
    assert_eq!(shown, held);

    // The first listing's material measured in another unit, the second listing moved to
    // another warehouse (as a correction in the database would).
    let db = &app.state.db.write;
    let first = shown[0]["material_id"].as_i64().unwrap_or_default();
    let m = material::Entity::find_by_id(first)
        .one(db)
        .await
        .ok()
        .flatten()
        .expect("material");
    let other_unit = entity::unit::Entity::find()
        .all(db)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| u.code)
        .find(|c| *c != m.unit_code)
        .expect("a second unit");
    let mut am: material::ActiveModel = m.into();
    am.unit_code = Set(other_unit.clone());
    am.update(db).await.expect("unit");
    let second = entity::ListingId(shown[1]["listing_id"].as_i64().unwrap_or_default());
    let w = entity::warehouse::ActiveModel {
        code: Set("WH-INDEX-TEST".into()),
        name_zh: Set("索引测试仓".into()),
        name_en: Set("Index test store".into()),
        site_id: Set(None),
        address: Set(String::new()),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("warehouse");
    let l = listing::Entity::find_by_id(second)
        .one(db)
        .await
        .ok()
        .flatten()
        .expect("listing");
    let mut am: listing::ActiveModel = l.into();
    am.warehouse_id = Set(w.id);
    am.update(db).await.expect("move");

    let (shown, held) = page_and_rows(&app, &site_user).await;
    assert_eq!(shown, held);
    assert_eq!(
        shown[0]["unit"].as_str(),
        Some(other_unit.as_str()),
        "{shown}"
    );
    assert_eq!(shown[1]["warehouse_id"].as_i64(), Some(w.id), "{shown}");
}

#[tokio::test]
async fn while_the_index_is_built_the_catalogue_answers_from_the_database() {
    let app = spawn_app().await;
    // A state whose index is not built yet, as a server's is for its first seconds.
    let state = portal::state::AppState {
        catalogue: portal::catalogue::live::Live::new().expect("engine"),
        ..app.state.clone()
    };
    assert!(!state.catalogue.is_ready());
    for (q, in_stock) in [("水泥", None), ("Φ12", Some(true)), ("钢 hrb400", None)] {
        let query = CatalogueQuery {
            q: Some(q.into()),
            in_stock,
            ..CatalogueQuery::default()
        };
        let early = catalogue(&state, &query).await.expect("search");
        assert!(early.warming_up, "{q}");
        let ids: BTreeSet<i64> = early.items.iter().map(|i| i.listing_id.get()).collect();
        // One page holds the demo's matches, so the page is the whole answer.
        assert!(!early.more && early.total <= 20, "{q}: {}", early.total);
        assert_eq!(ids, scanned(&app, q, in_stock).await, "{q}");
        let indexed = catalogue(&app.state, &query).await.expect("search");
        assert!(!indexed.warming_up);
        assert_eq!(
            (early.total, early.more),
            (indexed.total, indexed.more),
            "{q}"
        );
    }
    // Built, it answers from the index, pinyin too.
    state.catalogue.build(&state.db).await.expect("build");
    let sn = catalogue(
        &state,
        &CatalogueQuery {
            q: Some("sn".into()),
            ..CatalogueQuery::default()
        },
    )
    .await
    .expect("search");
    assert!(!sn.warming_up && sn.total > 0);
    let (status, ready) = app.get_json("/readyz", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["catalogue_index"], "ready", "{ready}");
}

#[tokio::test]
async fn old_changes_are_pruned_but_the_newest_so_the_sequence_never_falls() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let db = &app.state.db;
    let count = || async {
        db.read
            .query_one_raw(sea_orm::Statement::from_string(
                db.backend(),
                "SELECT COUNT(*) AS n, MAX(seq) AS top FROM catalogue_changes",
            ))
            .await
            .expect("count")
            .map(|r| {
                (
                    r.try_get::<i64>("", "n").unwrap_or_default(),
                    r.try_get::<Option<i64>>("", "top").ok().flatten(),
                )
            })
            .unwrap_or_default()
    };
    // The demo's listings were written just now: nothing is old enough to go.
    let (before, top) = count().await;
    assert!(before > 0, "the demo's writes left changes");
    portal::catalogue::live::prune(db).await.expect("prune");
    assert_eq!(count().await, (before, top));
    // Every row made old: all go but the newest.
    db.write
        .execute_unprepared("UPDATE catalogue_changes SET at = '2020-01-01 00:00:00+00'")
        .await
        .expect("age");
    portal::catalogue::live::prune(db).await.expect("prune");
    assert_eq!(count().await, (1, top));
    // And the index still answers, current.
    let site_user = app.token_for("site_user").await;
    let (status, v) = app.get_json("/api/catalogue?q=sn", &site_user).await;
    assert_eq!(status, StatusCode::OK);
    assert!(v["total"].as_u64().unwrap_or_default() > 0, "{v}");
}
