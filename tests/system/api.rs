//! The portal's JSON API as the tests drive it: sign-in, requisitions (submit, approve,
//! issue), deliveries, the catalogue.

use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;
use std::time::Duration;

pub const DEMO_PASSWORD: &str = "demo-password";

/// Any request that takes longer than this is a hang.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("client")
}

/// One request; the transport error (refused, timed out) is the caller's to judge.
pub async fn call(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<&Value>,
) -> Result<(StatusCode, Value), reqwest::Error> {
    let mut req = http
        .request(method, url)
        .bearer_auth(token)
        .header("Accept-Language", "en");
    if let Some(body) = body {
        req = req.json(body);
    }
    let r = req.send().await?;
    let status = r.status();
    let text = r.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// Signs `<role>@demo.test` in and answers the bearer token.
pub async fn token(base: &str, role: &str) -> String {
    let (status, v) = call(
        &client(),
        Method::POST,
        &format!("{base}/api/auth/login"),
        "",
        Some(&json!({"email": format!("{role}@demo.test"), "password": DEMO_PASSWORD})),
    )
    .await
    .unwrap_or_else(|e| panic!("sign-in of {role}: {e}"));
    assert_eq!(status, StatusCode::OK, "sign-in of {role}: {v}");
    v["token"].as_str().unwrap_or_default().to_string()
}

pub async fn get(base: &str, path: &str, token: &str) -> (StatusCode, Value) {
    call(
        &client(),
        Method::GET,
        &format!("{base}{path}"),
        token,
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// POSTs `body`; a `409 try_again` (two transactions met and the database undid this one
/// whole) is sent again, as a client should.
pub async fn post(base: &str, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
    let http = client();
    let url = format!("{base}{path}");
    for _ in 0..50 {
        let (status, v) = call(&http, Method::POST, &url, token, Some(body))
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        if status == StatusCode::CONFLICT && v["error"]["code"] == "try_again" {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        return (status, v);
    }
    panic!("POST {path}: still try_again after 50 attempts");
}

pub fn decimal(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| Decimal::from_str(s).ok())
        .unwrap_or_else(|| panic!("not a decimal: {v}"))
}

/// Today in the company's time zone (the demo's), as the portal counts dates.
pub fn today() -> chrono::NaiveDate {
    portal::clock::today(&portal::clock::SystemClock, chrono_tz::Asia::Shanghai)
}

/// The orderable listings with stock, as a site sees them: (listing id, available).
pub async fn in_stock(base: &str, site_user: &str) -> Vec<(i64, Decimal)> {
    let mut out = Vec::new();
    for page in 1..=20 {
        let (status, v) = get(
            base,
            &format!("/api/catalogue?in_stock=true&page={page}"),
            site_user,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "catalogue: {v}");
        let items = v["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for i in items {
            out.push((
                i["listing_id"].as_i64().unwrap_or_default(),
                decimal(&i["available"]),
            ));
        }
    }
    out
}

/// A site user submits a requisition of `lines` (listing id, quantity); answers its id.
pub async fn submit(base: &str, site_user: &str, lines: &[(i64, Decimal)]) -> i64 {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(l, q)| json!({"listing_id": l, "quantity": q.to_string()}))
        .collect();
    let need_by = today() + chrono::Days::new(3);
    let (status, v) = post(
        base,
        "/api/requisitions",
        site_user,
        &json!({"purpose": "系统测试 system test", "need_by": need_by.to_string(), "lines": lines}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "submit: {v}");
    v["id"].as_i64().unwrap_or_default()
}

pub async fn approve(base: &str, manager: &str, id: i64) -> (StatusCode, Value) {
    post(
        base,
        &format!("/api/requisitions/{id}/approval"),
        manager,
        &json!({}),
    )
    .await
}

/// The lines of a requisition as the API shows them: (line id, reserved, issued).
pub fn lines_of(requisition: &Value) -> Vec<(i64, Decimal, Decimal)> {
    requisition["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| {
            (
                l["id"].as_i64().unwrap_or_default(),
                decimal(&l["reserved"]),
                decimal(&l["issued"]),
            )
        })
        .collect()
}

pub fn issue_body(lines: &[(i64, Decimal)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(l, q)| json!({"line_id": l, "quantity": q.to_string()}))
        .collect();
    json!({ "lines": lines })
}

/// The demo supplier delivers `lines` (listing id, quantity) and the keeper accepts all of
/// it: each line becomes a new lot.
pub async fn deliver(base: &str, lines: &[(i64, Decimal)]) {
    let supplier = token(base, "supplier").await;
    let keeper = token(base, "warehouse_keeper").await;
    let (_, warehouses) = get(base, "/api/warehouses", &supplier).await;
    let warehouse_id = warehouses[0]["id"].as_i64().unwrap_or_default();
    let body: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (l, q))| json!({"listing_id": l, "quantity": q.to_string(), "batch_no": format!("SYS-{i}")}))
        .collect();
    let (status, d) = post(
        base,
        "/api/deliveries",
        &supplier,
        &json!({"warehouse_id": warehouse_id, "note_number": "SYS-0001", "arrival": "local", "delivered_on": today().to_string(), "lines": body}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "delivery: {d}");
    let all = json!({"name": true, "specification": true, "model": true, "quantity": true, "certificate": true});
    let inspected: Vec<Value> = d["lines"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| json!({"line_id": l["id"], "accepted": l["quantity"], "rejected": "0", "checks": all}))
        .collect();
    let (status, v) = post(
        base,
        &format!("/api/deliveries/{}/inspection", d["id"]),
        &keeper,
        &json!({ "lines": inspected }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "inspection: {v}");
}

/// The demo supplier's own listings: (listing id, on hand).
pub async fn supplier_listings(base: &str) -> Vec<(i64, Decimal)> {
    let supplier = token(base, "supplier").await;
    let (status, v) = get(base, "/api/my/listings", &supplier).await;
    assert_eq!(status, StatusCode::OK, "my listings: {v}");
    v.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|l| l["active"] == true)
        .map(|l| (l["id"].as_i64().unwrap_or_default(), decimal(&l["on_hand"])))
        .collect()
}
