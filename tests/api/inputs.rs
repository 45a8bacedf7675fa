//! Inputs under attack (issue 14): extreme decimals at every money and quantity field, control
//! characters in `next`, NUL bytes in text, dates outside the calendar, LIKE wildcards, jobs
//! run from the web for a future day, big multipart bodies, formula-safe exports.

use crate::helpers::{TestApp, spawn_app};
use chrono::{Datelike, Duration, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

/// The names under which the API's bodies carry a money amount, a quantity or a rate (all
/// decimals, sent as strings).
const DECIMAL_FIELDS: &[&str] = &[
    "accepted",
    "amount",
    "contract_threshold",
    "counted",
    "est_price",
    "indicative_price",
    "max_stock",
    "min_stock",
    "new_price",
    "price",
    "price_margin",
    "quantity",
    "rejected",
    "tax_rate",
    "tender_threshold",
    "unit_price",
];

/// Huge, tiny, long, negative, zero, exponents and the largest decimal there is.
const EXTREMES: &[&str] = &[
    "9000000000000000",
    "900000000000000",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "7922816251426433759354395033.5",
    "0.0000000000000000000000000001",
    "1.2345678901234567890123456789",
    "-1",
    "-0.001",
    "0",
    "-0",
    "1e30",
    "1E-30",
    "1e2",
    "NaN",
    "Infinity",
    " 12",
    "",
];

fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        schema = &doc["components"]["schemas"][name];
    }
    schema
}

fn has_type(schema: &Value, t: &str) -> bool {
    match &schema["type"] {
        Value::String(s) => s == t,
        Value::Array(a) => a.iter().any(|x| x == t),
        _ => false,
    }
}

/// A plausible body for `schema`: the required fields (and every decimal field), with ids 1,
/// a date two months ahead, the first of an enum, the schema's example.
fn sample(doc: &Value, schema: &Value, name: &str, today: NaiveDate) -> Value {
    let schema = resolve(doc, schema);
    for k in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema[k].as_array().and_then(|a| {
            a.iter()
                .find(|s| !has_type(resolve(doc, s), "null"))
                .or(a.first())
        }) {
            return sample(doc, first, name, today);
        }
    }
    if let Some(e) = schema["enum"].as_array().and_then(|a| a.first()) {
        return e.clone();
    }
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if has_type(schema, "object") || schema.get("properties").is_some() {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut m = Map::new();
        if let Some(props) = schema["properties"].as_object() {
            for (k, p) in props {
                if required.contains(&k.as_str()) || DECIMAL_FIELDS.contains(&k.as_str()) {
                    m.insert(k.clone(), sample(doc, p, k, today));
                }
            }
        }
        return Value::Object(m);
    }
    if has_type(schema, "array") {
        return json!([sample(doc, &schema["items"], name, today)]);
    }
    if has_type(schema, "integer") {
        return json!(1);
    }
    if has_type(schema, "number") {
        return json!(1);
    }
    if has_type(schema, "boolean") {
        return json!(true);
    }
    let later = today + Duration::days(60);
    match (schema["format"].as_str(), name) {
        (Some("date"), _) => json!(later.to_string()),
        (Some("date-time"), _) => json!(format!("{later}T08:00:00Z")),
        (_, "month" | "period") => json!(format!("{:04}-{:02}", later.year(), later.month())),
        (_, "plan_type") => json!("normal"),
        (_, n) if DECIMAL_FIELDS.contains(&n) => json!("1"),
        (_, "email" | "contact_email") => json!("fuzz@example.test"),
        _ => json!("fuzz"),
    }
}

/// Every place in `body` where a decimal field sits, as a path of keys and indexes.
fn decimal_paths(body: &Value, at: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match body {
        Value::Object(m) => {
            for (k, v) in m {
                let mut here = at.clone();
                here.push(json!(k));
                if DECIMAL_FIELDS.contains(&k.as_str()) && !v.is_object() && !v.is_array() {
                    out.push(here);
                } else {
                    decimal_paths(v, here, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                let mut here = at.clone();
                here.push(json!(i));
                decimal_paths(v, here, out);
            }
        }
        _ => {}
    }
}

fn set_at(body: &mut Value, path: &[Value], value: Value) {
    let mut cur = body;
    for step in path {
        cur = match step {
            Value::String(k) => &mut cur[k.as_str()],
            Value::Number(n) => &mut cur[n.as_u64().unwrap_or_default() as usize],
            _ => return,
        };
    }
    *cur = value;
}

/// Sends `body` and answers the status and the body, failing the test on a dropped
/// connection (a panic in a handler).
async fn send(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .request(method.clone(), app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path} {body}: no answer ({e})"));
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Checks an answer to an extreme input: never a server error; a refusal for bad input
/// names the field.
fn check(status: StatusCode, v: &Value, what: &str) {
    assert!(!status.is_server_error(), "{what}: {status} {v}");
    assert!(
        status.is_success() || status.is_client_error(),
        "{what}: {status} {v}"
    );
    if status == StatusCode::UNPROCESSABLE_ENTITY && v["error"]["code"] == "validation_failed" {
        let fields = v["error"]["fields"].as_object();
        assert!(
            fields.is_some_and(|f| !f.is_empty()),
            "{what}: a validation error without a field: {v}"
        );
    }
}

#[tokio::test]
async fn extreme_decimals_at_every_money_and_quantity_field_are_refused_or_kept_never_a_server_error()
 {
    let app = spawn_app().await;
    let today = chrono::Utc::now().date_naive();
    let later = today + Duration::days(60);
    let month = format!("{:04}-{:02}", later.year(), later.month());
    // A draft plan, so that a plan line reaches the multiplication of its value.
    let officer = app.token_for("procurement_officer").await;
    let (status, plan) = app
        .post_json("/api/plans", &officer, &json!({ "month": month }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_i64().unwrap_or_default();

    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .expect("openapi")
        .json()
        .await
        .expect("openapi json");
    let roles = [
        "site_manager",
        "procurement_officer",
        "warehouse_keeper",
        "finance",
        "supplier",
        "admin",
    ];
    let mut tokens = Vec::new();
    for r in roles {
        tokens.push((r, app.token_for(r).await));
    }
    let mut operations = 0;
    let mut named = std::collections::BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let method = match method.as_str() {
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                _ => continue,
            };
            let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema")
            else {
                continue;
            };
            let base = sample(&doc, schema, "", today);
            let mut paths = Vec::new();
            decimal_paths(&base, Vec::new(), &mut paths);
            if paths.is_empty() {
                continue;
            }
            operations += 1;
            let url = path
                .replace("/api/plans/{id}/", &format!("/api/plans/{plan_id}/"))
                .replace("{id}", "1");
            for field in &paths {
                for extreme in EXTREMES {
                    let mut body = base.clone();
                    set_at(&mut body, field, json!(extreme));
                    for (role, token) in &tokens {
                        let (status, v) = send(&app, &method, &url, token, &body).await;
                        let what = format!("{role} {method} {url} {body}");
                        check(status, &v, &what);
                        let leaf = field.last().and_then(Value::as_str).unwrap_or_default();
                        if v["error"]["fields"]
                            .as_object()
                            .is_some_and(|f| f.keys().any(|k| k.ends_with(leaf)))
                        {
                            named.insert(format!("{method} {path} {leaf}"));
                        }
                    }
                }
                // Numbers in place of the strings: the largest floats, too.
                for n in [json!(1e300), json!(-1e300), json!(u64::MAX), json!(-0.0)] {
                    let mut body = base.clone();
                    set_at(&mut body, field, n);
                    let (role, token) = &tokens[0];
                    let (status, v) = send(&app, &method, &url, token, &body).await;
                    check(status, &v, &format!("{role} {method} {url} {body}"));
                }
            }
        }
    }
    assert!(
        operations >= 15,
        "only {operations} operations with decimals"
    );
    // The fuzz reached the fields, not only the role checks: the plan line's price and
    // quantity were read and refused by name.
    for reached in [
        "POST /api/plans/{id}/lines est_price",
        "POST /api/plans/{id}/lines quantity",
    ] {
        assert!(named.contains(reached), "{reached} not reached: {named:?}");
    }
    assert!(named.len() >= 10, "few fields refused by name: {named:?}");
}

/// The Location of a redirect answer.
fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_next_with_control_characters_or_another_host_leads_home_and_a_local_one_is_followed() {
    let app = spawn_app().await;
    let client = app.new_client();
    for bad in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example",
    ] {
        let r = client
            .get(app.url(&format!("/lang/en?next={bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{bad}");
        assert_eq!(location(&r), "/", "{bad}");
        // The sign-in page keeps only a safe next in its form.
        let page = app.html(&client, &format!("/login?next={bad}")).await;
        assert!(
            page.contains(r#"<input type="hidden" name="next" value="/">"#),
            "{bad}"
        );
    }
    let r = client
        .get(app.url("/lang/en?next=/catalogue%3Fq%3D%E9%92%A2"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/catalogue?q=%E9%92%A2");

    // A sign-in with a next holding CR/LF, \x01 or DEL signs in and goes home (it answered 500).
    for bad in [
        "/a\r\nSet-Cookie: x=1",
        "/\u{1}x",
        "/\u{7f}x",
        "/\t/evil.example",
    ] {
        let r = app
            .page_login_to(
                &app.new_client(),
                "site_user@demo.test",
                crate::helpers::DEMO_PASSWORD,
                bad,
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{bad:?}");
        assert_eq!(location(&r), "/", "{bad:?}");
    }
    let r = app
        .page_login_to(
            &app.new_client(),
            "site_user@demo.test",
            crate::helpers::DEMO_PASSWORD,
            "/catalogue?q=水泥 袋",
        )
        .await;
    assert_eq!(location(&r), "/catalogue?q=%E6%B0%B4%E6%B3%A5%20%E8%A2%8B");
}

#[tokio::test]
async fn a_nul_character_in_any_filter_or_field_is_a_clear_422_naming_it() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let officer = app.token_for("procurement_officer").await;
    let site_user = app.token_for("site_user").await;
    let finance = app.token_for("finance").await;
    for (path, token, field) in [
        ("/api/catalogue?q=a%00b", &site_user, "q"),
        ("/api/materials?q=%00", &officer, "q"),
        ("/api/suppliers?q=%00", &officer, "q"),
        ("/api/audit?q=%00", &admin, "q"),
        ("/api/audit?action=%00", &admin, "action"),
        ("/api/price-surveys?q=%00", &officer, "q"),
        ("/api/statements?q=%00", &finance, "q"),
    ] {
        let (status, v) = app.get_json(path, token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
        assert_eq!(
            v["error"]["fields"][field]["code"], "nul_character",
            "{path}: {v}"
        );
    }
    // The same filter without the NUL is answered.
    let (status, v) = app.get_json("/api/materials?q=ab", &officer).await;
    assert_eq!(status, StatusCode::OK, "{v}");

    let r = app
        .login_raw("site_user@demo.test\u{0}", crate::helpers::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["email"]["code"], "nul_character");

    let application = json!({
        "company_name_zh": "测\u{0}试",
        "credit_code": "91110000\u{0}",
        "contact_email": "x\u{0}@example.test",
    });
    let r = reqwest::Client::new()
        .post(app.url("/api/applications"))
        .json(&application)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    for f in ["company_name_zh", "credit_code", "contact_email"] {
        assert_eq!(v["error"]["fields"][f]["code"], "nul_character", "{f}: {v}");
    }

    // The sign-in form: a page with the error, not a 500.
    let client = app.new_client();
    let csrf = app.csrf_from(&client, "/login").await;
    let r = client
        .post(app.url("/login"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "a\u{0}b"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("NUL"));
}

#[tokio::test]
async fn a_date_outside_the_years_one_to_9999_is_refused_on_every_date_field() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    for path in [
        "/api/audit?from=0001-01-01&to=-262143-01-01",
        "/api/audit?from=%2B262142-12-31",
        "/api/audit?to=0000-12-31",
    ] {
        let (status, v) = app.get_json(path, &admin).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
        assert_eq!(v["error"]["fields"].as_object().map(|f| f.len()), Some(1));
    }
    // The first and the last day of the calendar are dates like any other.
    let (status, v) = app
        .get_json("/api/audit?from=0001-01-01&to=9999-12-31", &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["total"].as_u64().unwrap_or_default() > 0, "{v}");
    // In a body, too: a plan line needed in the year 10000.
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            "/api/plans/1/lines",
            &officer,
            &json!({"material_id": 1, "quantity": "1", "est_price": "1",
                    "need_by": "+10000-01-01", "plan_type": "normal"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["need_by"]["code"], "date", "{v}");
}

#[tokio::test]
async fn a_like_wildcard_in_a_search_is_a_character_like_any_other() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    let admin = app.token_for("admin").await;
    let total = |v: &Value| {
        v["total"]
            .as_u64()
            .or_else(|| v["items"].as_array().map(|a| a.len() as u64))
            .or_else(|| v.as_array().map(|a| a.len() as u64))
            .unwrap_or_default()
    };
    for (path, token) in [
        ("/api/materials", &officer),
        ("/api/suppliers", &officer),
        ("/api/audit", &admin),
    ] {
        let (status, all) = app.get_json(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {all}");
        assert!(total(&all) > 0, "{path}: {all}");
        let key = if path == "/api/audit" { "actor" } else { "q" };
        // Each would find rows as a wildcard ("r_bar" finds "rebar", "d_mo" finds "demo").
        for wild in ["%25%25", "%5C", "r_bar", "d_mo", "e%25t"] {
            let p = format!("{path}?{key}={wild}");
            let (status, v) = app.get_json(&p, token).await;
            assert_eq!(status, StatusCode::OK, "{p}: {v}");
            assert_eq!(total(&v), 0, "{p}: {v}");
        }
        // A "%" finds only what holds one (the demo's "母液 40%"), not everything.
        let p = format!("{path}?{key}=%25");
        let (_, v) = app.get_json(&p, token).await;
        assert!(total(&v) < total(&all), "{p}: {v}");
        for item in v.as_array().into_iter().flatten() {
            assert!(item.to_string().contains('%'), "{p}: {item}");
        }
    }
    let (_, v) = app.get_json("/api/audit?action=%25", &admin).await;
    assert_eq!(total(&v), 0, "{v}");
    // A plain fragment is still found.
    let (_, v) = app.get_json("/api/audit?actor=admin", &admin).await;
    assert!(total(&v) > 0, "{v}");
}

#[tokio::test]
async fn the_no_movement_csv_keeps_a_formula_in_a_specification_as_text() {
    use sea_orm::{EntityTrait, sea_query::Expr};
    let app = spawn_app().await;
    // A specification as a supplier could have proposed it, with a space before the formula.
    entity::material::Entity::update_many()
        .col_expr(
            entity::material::Column::Spec,
            Expr::value(" =HYPERLINK(\"http://evil.example\",\"Φ12\")"),
        )
        .exec(&app.state.db.write)
        .await
        .unwrap();
    let client = app.browser_of("procurement_officer").await;
    let r = client
        .get(app.url("/stock/no-movement.csv"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[reqwest::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or_default()
            .starts_with("attachment; filename=\"no-movement-")
    );
    let body = r.bytes().await.unwrap_or_default();
    assert!(body.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let text = String::from_utf8_lossy(&body);
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<_> = rows.records().flatten().collect();
    assert_eq!(records.len(), 1, "{text}");
    assert_eq!(
        records[0].get(2),
        Some("' =HYPERLINK(\"http://evil.example\",\"Φ12\")"),
        "{text}"
    );
}

#[tokio::test]
async fn the_web_runs_a_job_for_today_or_a_past_day_never_a_future_one() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let today = app.state.today();
    let tomorrow = today + Duration::days(1);
    // The demo's own runs (its monthly pack) are there already.
    let runs = app.count("job_runs").await;
    let (status, v) = app
        .post_json(
            "/api/jobs/stale-scan/run",
            &admin,
            &json!({"as_of": tomorrow.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"]["as_of"]["code"], "in_future", "{v}");
    assert_eq!(app.count("job_runs").await, runs);
    // The page refuses it too, and says so.
    let client = app.browser_of("admin").await;
    let csrf = app.csrf_from(&client, "/admin/jobs").await;
    let r = client
        .post(app.url("/admin/jobs/run"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("job", "stale-scan"),
            ("as_of", &(today + Duration::days(400)).to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("job_runs").await, runs);
    // Today is run.
    let (status, v) = app
        .post_json(
            "/api/jobs/stale-scan/run",
            &admin,
            &json!({"as_of": today.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["ran"], true, "{v}");
}

#[tokio::test]
async fn an_upload_is_bounded_in_parts_and_size_and_downloads_as_a_clean_attachment() {
    use reqwest::multipart::{Form, Part};
    let app = spawn_app().await;
    let supplier = app.token_for("supplier").await;
    let upload = |form: Form, token: String| {
        let url = app.url("/api/files");
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .unwrap_or_else(|e| panic!("upload: {e}"));
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or_default())
        }
    };
    let files_before = app.count("files").await;
    // Too many parts: refused, nothing recorded.
    let mut form = Form::new();
    for i in 0..60 {
        form = form.text(format!("f{i}"), "x");
    }
    let (status, v) = upload(form, supplier.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    // More than the whole form may hold, in parts each under the file limit.
    let nine_mb = vec![b'a'; 9 * 1024 * 1024];
    let mut form = Form::new();
    for i in 0..4 {
        form = form.part(
            format!("extra{i}"),
            Part::bytes(nine_mb.clone()).file_name(format!("{i}.pdf")),
        );
    }
    let (status, v) = upload(form, supplier.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["extra3"]["code"], "file_too_large",
        "{v}"
    );
    assert_eq!(app.count("files").await, files_before);

    // A name with a right-to-left override loses it, and the file downloads as an attachment.
    let form = Form::new().part(
        "file",
        Part::bytes(b"%PDF-1.4\n% scan\n%%EOF\n".to_vec()).file_name("invoice\u{202E}fdp.exe.pdf"),
    );
    let (status, file) = upload(form, supplier.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["file_name"], "invoicefdp.exe.pdf", "{file}");
    let r = app
        .get(&format!("/api/files/{}", file["id"]), &supplier)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"invoicefdp.exe.pdf\""),
        "{disposition}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

/// The listing's reserved quantity, and what the requisitions still open on it hold.
async fn reserved_and_open(
    app: &TestApp,
    listing_id: i64,
) -> (rust_decimal::Decimal, rust_decimal::Decimal) {
    use sea_orm::EntityTrait;
    let l = entity::listing::Entity::find_by_id(entity::ListingId(listing_id))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    let requisitions = entity::requisition::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap();
    let open_ids: Vec<_> = requisitions
        .iter()
        .filter(|r| matches!(r.status.as_str(), "approved" | "partly_issued"))
        .map(|r| r.id)
        .collect();
    let open: rust_decimal::Decimal = entity::requisition_line::Entity::find()
        .all(&app.state.db.read)
        .await
        .unwrap()
        .iter()
        .filter(|l| l.listing_id.0 == listing_id && open_ids.contains(&l.requisition_id))
        .map(|l| l.reserved.value() - l.issued.value())
        .sum();
    (l.reserved.value(), open)
}

#[tokio::test]
async fn a_cancellation_racing_an_issue_or_another_cancellation_releases_the_reservation_once() {
    let app = spawn_app().await;
    let s = crate::stock::stocked(&app, "100").await;
    let site_user = app.token_for("site_user").await;
    let manager = app.token_for("site_manager").await;
    let keeper = app.token_for("warehouse_keeper").await;
    for round in 0..6 {
        let (status, r) = crate::stock::requisition(&app, &site_user, s.listing_id, "4").await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        let rid = r["id"].as_i64().unwrap();
        let line_id = r["lines"][0]["id"].clone();
        let (status, v) = app
            .post_json(
                &format!("/api/requisitions/{rid}/approval"),
                &manager,
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let cancel_path = format!("/api/requisitions/{rid}/cancellation");
        let issue_path = format!("/api/requisitions/{rid}/issue");
        let empty = json!({});
        let lines = json!({"lines": [{"line_id": line_id, "quantity": "1.5"}]});
        let cancel = app.post_json(&cancel_path, &manager, &empty);
        let (a, b) = if round % 2 == 0 {
            tokio::join!(cancel, app.post_json(&issue_path, &keeper, &lines))
        } else {
            tokio::join!(cancel, app.post_json(&cancel_path, &keeper, &empty))
        };
        for (status, v) in [&a, &b] {
            assert!(!status.is_server_error(), "round {round}: {status} {v}");
        }
        if round % 2 == 0 {
            assert!(a.0.is_success(), "round {round}: the cancellation {a:?}");
        } else {
            // One of the two cancels, the other is told the requisition changed.
            assert!(
                a.0.is_success() != b.0.is_success(),
                "round {round}: {a:?} {b:?}"
            );
        }
        let (reserved, open) = reserved_and_open(&app, s.listing_id).await;
        assert!(
            reserved >= rust_decimal::Decimal::ZERO,
            "round {round}: {reserved}"
        );
        assert_eq!(reserved, open, "round {round}: {a:?} {b:?}");
    }
}
