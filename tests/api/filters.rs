//! Every yes-or-no filter of the API, read from the served OpenAPI document, splits its list
//! between its two values: what `=true` lists and what `=false` lists share nothing and
//! together are the unfiltered list; left empty, as a form sends it, the filter is no filter.
//! (`?flagged=false` once listed nothing: its SQL negation was NULL for most rows.)

use crate::helpers::{TestApp, spawn_demo_app};
use portal::auth::{Capability, Role};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

/// Whether a parameter's schema is a boolean (`boolean`, or `["boolean", "null"]`).
fn is_boolean(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "boolean",
        Value::Array(ts) => ts.iter().any(|t| t == "boolean"),
        _ => false,
    }
}

/// The rows a list answer holds (a bare array, or an object's `items`), and its total when
/// it says one.
fn rows(v: &Value) -> Option<(Vec<Value>, usize)> {
    if let Some(a) = v.as_array() {
        return Some((a.clone(), a.len()));
    }
    let items = v["items"].as_array()?;
    let total = v["total"]
        .as_u64()
        .map_or(items.len(), |t| usize::try_from(t).unwrap_or(usize::MAX));
    Some((items.clone(), total))
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter().map(|r| r["id"].to_string()).collect()
}

async fn list(app: &TestApp, path: &str, token: &str) -> (Vec<Value>, usize) {
    let (status, v) = app.get_json(path, token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {v}");
    rows(&v).unwrap_or_else(|| panic!("{path} does not answer a list: {v}"))
}

#[tokio::test]
async fn every_yes_or_no_filter_splits_its_list_between_its_two_values() {
    let app = spawn_demo_app().await;
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = Vec::new();
    let mut empty_lists = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let Some(get) = item.get("get") else { continue };
        // Lists only: no path parameter, answered as JSON (not a CSV or XLSX export).
        if path.contains('{') || get["responses"]["200"]["content"]["application/json"].is_null() {
            continue;
        }
        let filters: Vec<&str> = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query" && is_boolean(&p["schema"]))
            .filter_map(|p| p["name"].as_str())
            .collect();
        if filters.is_empty() {
            continue;
        }
        let scope = get["security"][0]["bearer"][0].as_str().unwrap_or_default();
        let cap = Capability::parse(scope).unwrap_or_else(|| panic!("{path}: scope {scope}"));
        let role = Role::ALL
            .into_iter()
            .find(|r| r.can(cap))
            .unwrap_or_else(|| panic!("no role may {scope}"));
        let token = app.token_for(role.as_str()).await;
        let (all, all_total) = list(&app, path, &token).await;
        for name in filters {
            let (yes, yes_total) = list(&app, &format!("{path}?{name}=true"), &token).await;
            let (no, no_total) = list(&app, &format!("{path}?{name}=false"), &token).await;
            let (_, empty_total) = list(&app, &format!("{path}?{name}="), &token).await;
            assert_eq!(
                yes_total + no_total,
                all_total,
                "{path}?{name}: true lists {yes_total}, false {no_total}, of {all_total}"
            );
            assert_eq!(empty_total, all_total, "{path}?{name}= is no filter");
            if all.len() == all_total {
                assert!(
                    ids(&yes).is_disjoint(&ids(&no)),
                    "{path}?{name}: a row is both"
                );
            }
            if all_total == 0 {
                empty_lists.push(format!("{path}?{name}"));
            }
            checked.push(format!("{path}?{name}"));
        }
    }
    eprintln!("yes-or-no filters checked: {checked:?}");
    assert!(checked.len() >= 5, "too few filters found: {checked:?}");
    // On the demo data these lists have rows (the demo signs no contract), so each sum
    // proves something: the NULL negation answered 0 of 8.
    assert!(
        checked.len() - empty_lists.len() >= 4,
        "lists empty on the demo: {empty_lists:?}"
    );
}
