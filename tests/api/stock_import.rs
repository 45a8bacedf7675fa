//! Suppliers import listings in bulk from CSV or XLSX: every row checked, errors by row and
//! column, nothing half-imported.

use crate::helpers::{DEMO_PASSWORD, TestApp, dec, spawn_app};
use reqwest::{StatusCode, multipart};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// Posts `bytes` as the file of an import.
async fn import(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> (StatusCode, Value) {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/my/listings/import?dry_run={dry_run}")))
        .bearer_auth(token)
        .header("Accept-Language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

/// The demo supplier supplies steel (unit t, 3 decimals) and welding materials (kg, 2); it
/// already lists M0001 to M0005 at WH-01.
const GOOD_CSV: &str = "\u{feff}物料编码,仓库编码,单价,最低库存,最高库存,供货周期（天）\n\
M0006,WH-01,3850.1,5,100.125,3\n\
M0007,wh-01,3920,0,80,5\n\
M0012,WH-01,6.8,,500.5,2\n\
M0059,WH-01,7.80,10,200,1\n";

async fn my_listings(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, v) = app.get_json("/api/my/listings", token).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v.as_array().cloned().unwrap_or_default()
}

/// The pending price asked for each listing.
async fn pending_prices(app: &TestApp) -> Vec<(i64, Decimal)> {
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app.get_json("/api/price-changes", &officer).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (
                        c["listing_id"].as_i64().unwrap_or_default(),
                        dec(&c["new_price"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Checks that the four listings of [`GOOD_CSV`] (or the XLSX alike) were created exactly.
async fn assert_imported(app: &TestApp, token: &str, before: usize) {
    let after = my_listings(app, token).await;
    assert_eq!(after.len(), before + 4);
    let new = &after[before..];
    assert!(new.iter().all(|l| l["active"] == false), "{new:?}");
    assert_eq!(
        dec(&new[0]["max_stock"]),
        Decimal::from_str("100.125").unwrap_or_default()
    );
    assert_eq!(dec(&new[0]["min_stock"]), Decimal::from(5));
    assert_eq!(dec(&new[2]["min_stock"]), Decimal::ZERO);
    assert_eq!(new[1]["lead_time_days"], 5);
    let prices = pending_prices(app).await;
    let price_of = |l: &Value| {
        prices
            .iter()
            .find(|(id, _)| Some(*id) == l["id"].as_i64())
            .map(|(_, p)| *p)
    };
    assert_eq!(price_of(&new[0]), Decimal::from_str("3850.1").ok());
    assert_eq!(price_of(&new[2]), Decimal::from_str("6.8").ok());
    assert_eq!(price_of(&new[3]), Decimal::from_str("7.8").ok());
}

#[tokio::test]
async fn a_good_csv_imports_every_listing_inactive_until_prices_are_approved() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let before = my_listings(&app, &token).await.len();
    let audit_before = app.count("audit_log").await;

    let (status, v) = import(&app, &token, "listings.csv", GOOD_CSV.as_bytes(), true).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["imported"].as_i64(), v["rows"].as_i64()),
        (Some(0), Some(4))
    );
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(
        my_listings(&app, &token).await.len(),
        before,
        "a dry run imports nothing"
    );

    let (status, v) = import(&app, &token, "listings.csv", GOOD_CSV.as_bytes(), false).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["imported"], 4);
    assert_eq!(app.count("audit_log").await, audit_before + 4);
    assert_imported(&app, &token, before).await;

    // The same file again: every row is listed already, and nothing more is created.
    let (status, v) = import(&app, &token, "listings.csv", GOOD_CSV.as_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["errors"][0]["code"], "import_listed_already");
    assert_eq!(my_listings(&app, &token).await.len(), before + 4);
}

#[tokio::test]
async fn one_bad_row_imports_nothing_and_each_error_names_row_and_column() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let before = my_listings(&app, &token).await.len();
    let changes_before = app.count("price_changes").await;
    let csv = "material_code,warehouse_code,price,min_stock,max_stock,lead_time_days\n\
               M0006,WH-01,3850,5,100,3\n\
               M9999,WH-01,10,1,2,3\n\
               M0007,WH-01,-5,1,2,3\n\
               M0008,WH-01,3900,1.2345,20,3\n\
               M0013,WH-01,420,1,20,3\n\
               M0059,WH-01,7.8,1,2.555,3\n";
    let (status, v) = import(&app, &token, "bad.csv", csv.as_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["imported"], 0);
    let errors: Vec<(i64, String, String)> = v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["row"].as_i64().unwrap_or_default(),
                        e["column"].as_str().unwrap_or_default().to_string(),
                        e["code"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let expected = [
        (3, "material_code", "not_found"),
        (4, "price", "price_positive"),
        (5, "min_stock", "quantity"),
        (6, "material_code", "category_not_in_agreement"),
        (7, "max_stock", "quantity"),
    ];
    assert_eq!(
        errors,
        expected
            .iter()
            .map(|(r, c, k)| (*r, c.to_string(), k.to_string()))
            .collect::<Vec<_>>()
    );
    // In the caller's language, with the unit's decimals.
    assert!(
        v["errors"][2]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 3 decimal")),
        "{v}"
    );
    assert!(
        v["errors"][4]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 2 decimal")),
        "{v}"
    );
    // Not even the good first row was kept.
    assert_eq!(my_listings(&app, &token).await.len(), before);
    assert_eq!(app.count("price_changes").await, changes_before);
}

type XlsxRow = (&'static str, &'static str, f64, Option<f64>, f64, f64);

#[tokio::test]
async fn an_xlsx_file_imports_the_same_with_exact_decimals() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let before = my_listings(&app, &token).await.len();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    // Code, warehouse, price, min (empty when None), max, lead time: numbers as float cells.
    let rows: [XlsxRow; 4] = [
        ("M0006", "WH-01", 3850.1, Some(5.0), 100.125, 3.0),
        ("M0007", "WH-01", 3920.0, Some(0.0), 80.0, 5.0),
        ("M0012", "WH-01", 6.8, None, 500.5, 2.0),
        ("M0059", "WH-01", 7.8, Some(10.0), 200.0, 1.0),
    ];
    let header = [
        "Material code",
        "Warehouse code",
        "Price",
        "Min stock",
        "Max stock",
        "Lead time (days)",
    ];
    let written: Result<(), rust_xlsxwriter::XlsxError> = (|| {
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h)?;
        }
        for (i, (code, wh, price, min, max, days)) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            sheet.write_string(r, 0, *code)?;
            sheet.write_string(r, 1, *wh)?;
            sheet.write_number(r, 2, *price)?;
            if let Some(min) = min {
                sheet.write_number(r, 3, *min)?;
            }
            sheet.write_number(r, 4, *max)?;
            sheet.write_number(r, 5, *days)?;
        }
        Ok(())
    })();
    written.expect("xlsx");
    let bytes = book.save_to_buffer().expect("xlsx");
    // Recognised by content, whatever its name says.
    let (status, v) = import(&app, &token, "listings.bin", &bytes, false).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["imported"], 4);
    assert_imported(&app, &token, before).await;
}

#[tokio::test]
async fn a_file_that_is_neither_csv_nor_xlsx_is_refused() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let before = my_listings(&app, &token).await.len();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    for (name, bytes) in [
        ("listings.csv", png.as_slice()),
        (
            "listings.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0".as_slice(),
        ),
    ] {
        let (status, v) = import(&app, &token, name, bytes, false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            v["error"]["fields"]["file"]["code"], "import_file_type",
            "{v}"
        );
    }
    let (status, v) = import(
        &app,
        &token,
        "broken.xlsx",
        b"PK\x03\x04 not a workbook",
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["file"]["code"],
        "import_file_unreadable"
    );
    let big = vec![b'a'; 5 * 1024 * 1024 + 1];
    let (_, v) = import(&app, &token, "big.csv", &big, false).await;
    assert_eq!(
        v["error"]["fields"]["file"]["code"],
        "import_file_too_large"
    );
    assert_eq!(my_listings(&app, &token).await.len(), before);
}

#[tokio::test]
async fn only_suppliers_import() {
    let app = spawn_app().await;
    for role in ["site_user", "procurement_officer"] {
        let token = app.token_for(role).await;
        let (status, v) = import(&app, &token, "listings.csv", GOOD_CSV.as_bytes(), false).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {v}");
    }
    let r = reqwest::Client::new()
        .post(app.url("/api/my/listings/import"))
        .multipart(multipart::Form::new().part(
            "file",
            multipart::Part::bytes(GOOD_CSV.as_bytes().to_vec()).file_name("l.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_import_page_shows_errors_by_row_and_column_or_imports() {
    let app = spawn_app().await;
    let client = app.new_client();
    let r = app
        .page_login(&client, "supplier@demo.test", DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = client
        .get(app.url("/my/listings/import"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("id=\"import-progress\"") && html.contains("/static/import.js"));
    let csrf = crate::helpers::extract_csrf(&html);
    let post = |bytes: Vec<u8>, csrf: String| {
        let client = client.clone();
        let url = app.url("/my/listings/import");
        async move {
            client
                .post(url)
                .multipart(
                    multipart::Form::new()
                        .text("csrf_token", csrf)
                        .part("file", multipart::Part::bytes(bytes).file_name("l.csv")),
                )
                .send()
                .await
                .unwrap()
        }
    };
    // Without the CSRF token nothing happens.
    let r = post(GOOD_CSV.as_bytes().to_vec(), String::new()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let bad = GOOD_CSV.replace("M0007,wh-01", "M9999,wh-01");
    let r = post(bad.into_bytes(), csrf.clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("data-row=\"3\" data-column=\"material_code\" data-code=\"not_found\""),
        "{html}"
    );

    let r = post(GOOD_CSV.as_bytes().to_vec(), csrf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/my/listings")
    );
    let script = client
        .get(app.url("/static/import.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
}

/// A listing another request creates while an import is under way makes that row's problem,
/// and nothing of the file is kept. Here the other request is a transaction that lists M0007
/// and commits only half a second later: on PostgreSQL the import has read what is listed
/// before, so its insert runs into the unique index (rolled back to a savepoint, the rows
/// reported); on SQLite the import waits for the write lock and then finds M0007 listed.
#[tokio::test]
async fn a_listing_created_while_an_import_runs_is_its_rows_problem_and_nothing_is_kept() {
    use sea_orm::ActiveValue::NotSet;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let before = my_listings(&app, &token).await.len();
    let changes_before = app.count("price_changes").await;
    let db = &app.state.db.read;
    let supplier_id = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("supplier@demo.test"))
        .one(db)
        .await
        .unwrap()
        .and_then(|u| u.supplier_id)
        .unwrap();
    let listed = entity::listing::Entity::find()
        .filter(entity::listing::Column::SupplierId.eq(supplier_id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let m0007 = entity::material::Entity::find()
        .filter(entity::material::Column::Code.eq("M0007"))
        .one(db)
        .await
        .unwrap()
        .unwrap();

    let other = app.state.db.begin_write().await.unwrap();
    let mut meanwhile = listed.into_active_model();
    meanwhile.id = NotSet;
    meanwhile.material_id = sea_orm::Set(m0007.id);
    meanwhile.insert(&other).await.unwrap();
    let ((status, v), ()) = tokio::join!(
        import(&app, &token, "listings.csv", GOOD_CSV.as_bytes(), false),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            other.commit().await.unwrap();
        }
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["imported"], 0);
    assert_eq!(v["errors"][0]["row"], 3, "{v}");
    assert_eq!(v["errors"][0]["column"], "material_code");
    assert_eq!(v["errors"][0]["code"], "import_listed_already");
    assert_eq!(
        my_listings(&app, &token).await.len(),
        before + 1,
        "only the other request's listing"
    );
    assert_eq!(app.count("price_changes").await, changes_before);
}
