//! Inputs the API fuzzer (`.ci/fuzz`, schemathesis) found answering with a dropped connection
//! instead of an answer; each is kept here as a regular test.

use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn a_page_number_past_any_list_is_an_empty_page_not_a_dropped_connection() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    for path in [
        "/api/materials?page=9223372036854775807",
        "/api/audit?page=18446744073709551615",
        "/api/catalogue?page=18446744073709551615",
        "/api/price-surveys?page=18446744073709551615",
    ] {
        let (status, v) = app.get_json(path, &admin).await;
        assert_eq!(status, StatusCode::OK, "{path}: {v}");
    }
    // The pages with pagers, too.
    let officer = app.new_client();
    app.page_login(
        &officer,
        "procurement_officer@demo.test",
        crate::helpers::DEMO_PASSWORD,
    )
    .await;
    for path in [
        "/prices?page=18446744073709551615",
        "/materials?page=18446744073709551615",
    ] {
        let status = officer
            .get(app.url(path))
            .send()
            .await
            .map(|r| r.status())
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let site_user = app.token_for("site_user").await;
    let (status, v) = app
        .get_json(
            "/api/catalogue?page=18446744073709551615&q=%E9%92%A2",
            &site_user,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["items"], serde_json::json!([]));
}
