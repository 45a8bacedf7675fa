//! The materials master: procurement maintains it; suppliers propose what it lacks.

use crate::helpers::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn procurement_adds_and_retires_a_material_and_duplicates_are_refused() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    let (_, cats) = app.get_json("/api/categories", &officer).await;
    let body = json!({"category_id": cats[0]["id"], "name_zh": "热轧带肋钢筋(螺纹钢)", "name_en": "Hot-rolled ribbed rebar", "spec": "HRB400E Φ32", "unit_code": "t", "indicative_price": "3790.00"});
    let (status, m) = app.post_json("/api/materials", &officer, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert!(m["code"].as_str().is_some_and(|c| c.starts_with('M')));
    let (status, v) = app.post_json("/api/materials", &officer, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["spec"]["code"], "material_exists");
    let (status, v) = app
        .send_json(
            Method::PATCH,
            &format!("/api/materials/{}", m["id"]),
            &officer,
            &json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, found) = app.get_json("/api/materials?q=%CE%A632", &officer).await;
    assert!(
        found.as_array().is_some_and(|a| a.is_empty()),
        "a retired material is no longer offered"
    );
    let (status, _) = app
        .post_json("/api/materials", &app.token_for("site_user").await, &body)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_suppliers_proposal_becomes_a_material_once_approved() {
    let app = spawn_app().await;
    let supplier = app.token_for("supplier").await;
    let (_, cats) = app.get_json("/api/categories", &supplier).await;
    let (status, p) = app
        .post_json("/api/material-proposals", &supplier, &json!({"category_id": cats[0]["id"], "name_zh": "冷轧带肋钢筋", "name_en": "Cold-rolled ribbed bar", "spec": "CRB550 Φ8", "unit_code": "t", "indicative_price": "0", "note": "项目常用"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let officer = app.token_for("procurement_officer").await;
    let (_, pending) = app.get_json("/api/material-proposals", &officer).await;
    assert!(
        pending
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == p["id"]))
    );
    let (status, v) = app
        .post_json(
            &format!("/api/material-proposals/{}/decision", p["id"]),
            &officer,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["material_id"].as_i64().is_some());
    let (_, again) = app
        .post_json(
            &format!("/api/material-proposals/{}/decision", p["id"]),
            &officer,
            &json!({"approve": false}),
        )
        .await;
    assert_eq!(again["error"]["code"], "proposal_decided");
    let (_, mine) = app.get_json("/api/material-proposals", &supplier).await;
    assert_eq!(mine[0]["status"], "approved");
    let (_, found) = app.get_json("/api/materials?q=CRB550", &supplier).await;
    assert_eq!(found.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn procurement_grows_the_category_tree() {
    let app = spawn_app().await;
    let officer = app.token_for("procurement_officer").await;
    let (_, cats) = app.get_json("/api/categories", &officer).await;
    let steel = cats
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name_zh"] == "钢材"))
        .cloned()
        .unwrap_or_default();
    let (status, c) = app
        .post_json(
            "/api/categories",
            &officer,
            &json!({"name_zh": "型钢", "name_en": "Sections", "parent_id": steel["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["parent_id"], steel["id"]);
    let (status, v) = app
        .post_json(
            "/api/categories",
            &officer,
            &json!({"name_zh": "型钢", "name_en": "Sections again", "parent_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["name_zh"]["code"], "taken");
    let (status, _) = app
        .post_json(
            "/api/categories",
            &app.token_for("supplier").await,
            &json!({"name_zh": "x", "name_en": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_proposal_posted_from_the_page_without_a_decision_stays_pending() {
    let app = spawn_app().await;
    let supplier = app.token_for("supplier").await;
    let (_, cats) = app.get_json("/api/categories", &supplier).await;
    let (status, p) = app
        .post_json("/api/material-proposals", &supplier, &json!({"category_id": cats[0]["id"], "name_zh": "冷轧带肋钢筋", "name_en": "Cold-rolled ribbed bar", "spec": "CRB550 Φ10", "unit_code": "t", "indicative_price": "0", "note": ""}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let client = app.new_client();
    app.page_login(
        &client,
        "procurement_officer@demo.test",
        crate::helpers::DEMO_PASSWORD,
    )
    .await;
    let csrf = app.csrf_from(&client, "/materials").await;
    for decision in [None, Some("maybe")] {
        let mut form = vec![("csrf_token", csrf.clone())];
        if let Some(d) = decision {
            form.push(("decision", d.to_string()));
        }
        let r = client
            .post(app.url(&format!("/material-proposals/{}", p["id"])))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{decision:?}");
    }
    let officer = app.token_for("procurement_officer").await;
    let (_, pending) = app.get_json("/api/material-proposals", &officer).await;
    let mine = pending
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == p["id"]).cloned())
        .unwrap_or_default();
    assert_eq!(mine["status"], "pending", "{pending}");
}
