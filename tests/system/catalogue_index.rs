//! Issue 16, "fresh on every instance": two `portal serve` processes on one PostgreSQL, each
//! with its own in-memory catalogue index. A material renamed and stock reserved through one
//! are found through the other within a second; a restarted instance builds its index from
//! the database and loses nothing that changed while it was down.

use crate::api::{self, decimal};
use crate::pg;
use crate::process::{Portal, Setup};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Waits until `/readyz` says the instance's catalogue index is built.
async fn index_built(p: &Portal) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, v) = api::get(&p.url, "/readyz", "").await;
        if status == StatusCode::OK && v["catalogue_index"] == "ready" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "index not built: {v}\n{}",
            p.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long until `check` holds of `path`'s answer on `base`, polled every 20 ms, at most 5 s.
async fn found_within(
    base: &str,
    token: &str,
    path: &str,
    check: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let (status, v) = api::get(base, path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {v}");
        if check(&v) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path}: never: {v}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["listing_id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn rename(base: &str, officer: &str, material_id: i64, name: &str) {
    let (status, v) = api::call(
        &api::client(),
        Method::PATCH,
        &format!("{base}/api/materials/{material_id}"),
        officer,
        Some(&json!({"name_zh": name})),
    )
    .await
    .expect("rename");
    assert_eq!(status, StatusCode::OK, "rename: {v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_through_one_instance_is_found_through_the_other_and_after_a_restart() {
    let Some(shared) = pg::shared_url("catalogue_index_two_instances") else {
        return;
    };
    let schema = pg::fresh_schema(&shared).await;
    let url = pg::with_schema(&shared, &schema);
    let dirs = [
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    ];
    let setups: Vec<Setup> = dirs.iter().map(|d| Setup::new(d.path(), &url)).collect();
    setups[0].must_run(&["demo"]).await;
    let (a, mut b) = tokio::join!(setups[0].serve("a"), setups[1].serve("b"));
    index_built(&a).await;
    index_built(&b).await;
    let officer = api::token(&a.url, "procurement_officer").await;
    let site_user = api::token(&b.url, "site_user").await;
    let manager = api::token(&a.url, "site_manager").await;

    // A listing with stock, as instance b shows it.
    let (_, v) = api::get(&b.url, "/api/catalogue?in_stock=true", &site_user).await;
    let item = v["items"][0].clone();
    let listing_id = item["listing_id"].as_i64().expect("a listing");
    let material_id = item["material_id"].as_i64().expect("its material");
    let available = decimal(&item["available"]);

    // Renamed through a: found by its new name (and its pinyin) through b within a second.
    rename(&a.url, &officer, material_id, "跨实例同步试验料").await;
    let took = found_within(
        &b.url,
        &site_user,
        &format!("/api/catalogue?q={}", urlencoding::encode("同步试验")),
        |v| ids(v).contains(&listing_id),
    )
    .await;
    assert!(
        took < Duration::from_secs(1),
        "renamed: found after {took:?}"
    );
    let (_, v) = api::get(&b.url, "/api/catalogue?q=tbsy", &site_user).await;
    assert!(ids(&v).contains(&listing_id), "by pinyin initials: {v}");

    // Stock reserved through a: b shows less available within a second.
    let one = rust_decimal::Decimal::ONE;
    let id = api::submit(
        &a.url,
        &api::token(&a.url, "site_user").await,
        &[(listing_id, one)],
    )
    .await;
    let (status, r) = api::approve(&a.url, &manager, id).await;
    assert_eq!(status, StatusCode::OK, "approve: {r}");
    let took = found_within(
        &b.url,
        &site_user,
        &format!("/api/catalogue?q={}", urlencoding::encode("同步试验")),
        |v| {
            v["items"].as_array().is_some_and(|a| {
                a.iter().any(|i| {
                    i["listing_id"].as_i64() == Some(listing_id)
                        && decimal(&i["available"]) == available - one
                })
            })
        },
    )
    .await;
    assert!(
        took < Duration::from_secs(1),
        "reserved: seen after {took:?}"
    );

    // b stops; the material is renamed again meanwhile; b starts again and finds the new
    // name only.
    b.kill().await;
    rename(&a.url, &officer, material_id, "重启以后的新名字").await;
    let b2 = setups[1].serve("b2").await;
    index_built(&b2).await;
    let (_, v) = api::get(
        &b2.url,
        &format!("/api/catalogue?q={}", urlencoding::encode("重启以后")),
        &site_user,
    )
    .await;
    assert_eq!(ids(&v), vec![listing_id], "after the restart: {v}");
    let (_, v) = api::get(
        &b2.url,
        &format!("/api/catalogue?q={}", urlencoding::encode("同步试验")),
        &site_user,
    )
    .await;
    assert_eq!(v["total"], 0, "the old name is gone: {v}");
    assert!(
        b2.log().contains("catalogue index built"),
        "the log says the index was built\n{}",
        b2.log_tail()
    );
    for p in [&a, &b2] {
        assert!(p.internal_errors().is_empty(), "{:?}", p.internal_errors());
    }
}
