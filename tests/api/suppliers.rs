//! Rules 1 and 2: application, review and admission; two failures and out.

use crate::helpers::{TestApp, spawn_app};
use entity::SupplierId;
use reqwest::{StatusCode, multipart};
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.4\n% a scanned licence\n%%EOF\n";

/// The body of a supplier's application (`POST /api/applications`).
pub(crate) fn application(email: &str, code: &str) -> Value {
    json!({
        "legal_name": "杭州永固建材有限公司",
        "credit_code": code,
        "legal_representative": "吴永固",
        "contact_name": "吴经理",
        "contact_phone": "0571-87654321",
        "contact_email": email,
        "address": "杭州市余杭区良渚街道 8 号",
        "category_ids": [1, 2],
        "bank_name": "中国工商银行余杭支行",
        "bank_account": "1202 0212 0900 1234 567",
        "password": "supplier-password",
        "locale": "en"
    })
}

async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: &[u8],
    supplier_id: Option<i64>,
) -> (StatusCode, Value) {
    let mut form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    if let Some(id) = supplier_id {
        form = form.text("supplier_id", id.to_string());
    }
    let r = reqwest::Client::new()
        .post(app.url("/api/files"))
        .bearer_auth(token)
        .header("Accept-Language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

/// The verification link from the newest email to `to`.
async fn verification_token(app: &TestApp, to: &str) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mail = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(to))
        .filter(entity::outbox::Column::Kind.eq("verify_email"))
        .order_by_desc(entity::outbox::Column::Id)
        .one(&app.state.db.read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no verification mail to {to}"));
    let i = mail
        .body_text
        .find("token=")
        .unwrap_or_else(|| panic!("{}", mail.body_text))
        + 6;
    mail.body_text[i..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect()
}

/// The demo supplier user's own supplier (admitted).
async fn demo_supplier_id(app: &TestApp) -> i64 {
    let (_, mine) = app
        .get_json("/api/my/supplier", &app.token_for("supplier").await)
        .await;
    assert_eq!(mine["supplier"]["status"], "admitted");
    mine["supplier"]["id"].as_i64().unwrap_or_default()
}

async fn supplier_id_with_status(app: &TestApp, status: &str) -> i64 {
    let head = app.token_for("procurement_head").await;
    let (_, list) = app
        .get_json(&format!("/api/suppliers?status={status}"), &head)
        .await;
    list[0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no {status} supplier: {list}"))
}

#[tokio::test]
async fn a_wrong_credit_code_is_refused_with_its_reason_and_nothing_is_created() {
    let app = spawn_app().await;
    let before = app.count("suppliers").await;
    for (code, reason) in [
        ("91330100MA2H1X0A1C", "credit_code_check_digit"),
        ("91330100MA2H1X0A1", "credit_code_length"),
        ("91330100MA2H1X0AIB", "credit_code_characters"),
    ] {
        let (status, v) = app
            .post_json(
                "/api/applications",
                "",
                &application("yonggu@example.test", code),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            v["error"]["fields"]["credit_code"]["code"], reason,
            "{code}"
        );
        assert!(
            !v["error"]["fields"]["credit_code"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
        );
    }
    assert_eq!(app.count("suppliers").await, before);
    // The demo's users (one per role, the group's auditor and the second officer), no
    // applicant's.
    assert_eq!(app.count("users").await, 11);
}

#[tokio::test]
async fn an_application_goes_from_draft_through_review_to_admission_with_its_agreement() {
    let app = spawn_app().await;
    let (status, created) = app
        .post_json(
            "/api/applications",
            "",
            &application("yonggu@example.test", "91330110MA27Y0B7X2"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    let sid = app.supplier_of_contact("yonggu@example.test").await;

    // Signing in (and so submitting) needs the email confirmed first.
    let r = app
        .login_raw("yonggu@example.test", "supplier-password")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(v["error"]["code"], "email_not_verified");
    let link = verification_token(&app, "yonggu@example.test").await;
    let (status, _) = app
        .post_json("/api/auth/verify-email", "", &json!({"token": link}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let token = app.token("yonggu@example.test", "supplier-password").await;
    let (status, _) = app
        .post_json("/api/auth/verify-email", "", &json!({"token": link}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a link works once"
    );
    let (_, v) = app
        .post_json("/api/my/application/submit", &token, &json!({}))
        .await;
    assert_eq!(v["error"]["code"], "business_licence_missing");

    let (status, file) = upload(&app, &token, "licence.pdf", PDF, None).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let today = app.state.today();
    let doc = json!({"kind": "business_licence", "title": "营业执照", "issued_on": (today - chrono::Days::new(10)).to_string(), "expires_on": (today + chrono::Days::new(700)).to_string(), "file_id": file["id"]});
    let (status, v) = app.post_json("/api/my/documents", &token, &doc).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = app
        .post_json("/api/my/application/submit", &token, &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "submitted");
    // Submitted applications are no longer editable by the supplier.
    let mut edit = application("yonggu@example.test", "91330110MA27Y0B7X2");
    edit["legal_name"] = json!("改名");
    let (_, v) = app
        .send_json(reqwest::Method::PUT, "/api/my/application", &token, &edit)
        .await;
    assert_eq!(v["error"]["code"], "application_not_editable");

    // The officer cannot recommend without the key checks, and cannot admit.
    let officer = app.token_for("procurement_officer").await;
    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/review"),
            &officer,
            &json!({"checklist": {"licence_valid": true}, "decision": "recommend"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["checklist.certificates"]["code"],
        "checklist_required"
    );
    let (status, _) = app
        .post_json(
            &format!("/api/suppliers/{sid}/admission"),
            &officer,
            &json!({"decision": "admit"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let checklist = json!({"licence_valid": true, "certificates": true, "quality_system": true, "capacity": true, "references": false, "site_visit": false});
    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/review"),
            &officer,
            &json!({"checklist": checklist, "decision": "recommend", "notes": "证照齐全"}),
        )
        .await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("recommended")),
        "{v}"
    );

    let head = app.token_for("procurement_head").await;
    let (status, v) = app.post_json(&format!("/api/suppliers/{sid}/admission"), &head, &json!({"decision": "admit", "terms": {"starts_on": today.to_string(), "ends_on": (today + chrono::Days::new(365)).to_string(), "cutoff_day": 29, "stale_months": 2, "tax_rate": "0.13", "signed_on": today.to_string()}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["terms.cutoff_day"]["code"],
        "cutoff_day_range"
    );
    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/admission"),
            &head,
            &json!({"decision": "admit"}),
        )
        .await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("admitted")),
        "{v}"
    );

    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    assert_eq!(mine["agreement"]["cutoff_day"], 25);
    assert_eq!(mine["agreement"]["stale_months"], 2);
    assert_eq!(mine["reviews"].as_array().map(Vec::len), Some(2));
    assert!(
        portal::suppliers::store::ensure_may_trade(&app.state.db.read, SupplierId(sid), today)
            .await
            .is_ok()
    );
    // Every step emailed the supplier.
    let kinds = mail_kinds(&app, "yonggu@example.test").await;
    for k in [
        "verify_email",
        "application_submitted",
        "application_in_review",
        "application_admitted",
    ] {
        assert!(kinds.contains(&k.to_string()), "{k} missing from {kinds:?}");
    }
}

async fn mail_kinds(app: &TestApp, to: &str) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::ToAddr.eq(to))
        .all(&app.state.db.read)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.kind)
        .collect()
}

#[tokio::test]
async fn uploads_are_checked_by_content_not_by_name() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let (status, v) = upload(
        &app,
        &token,
        "licence.pdf",
        b"MZ\x90\x00 this is a program",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["file"]["code"], "file_type");
    let (_, v) = upload(&app, &token, "photo.png", PDF, None).await;
    assert_eq!(v["error"]["fields"]["file"]["code"], "file_name_mismatch");
    let big = [b"%PDF-".as_slice(), &vec![b'x'; 10 * 1024 * 1024]].concat();
    let (_, v) = upload(&app, &token, "big.pdf", &big, None).await;
    assert_eq!(v["error"]["fields"]["file"]["code"], "file_too_large");
    let (status, v) = upload(&app, &token, "scan.pdf", PDF, None).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["content_type"], "application/pdf");
    assert_eq!(v["sha256"].as_str().map(str::len), Some(64));
    // Only the supplier itself and procurement read it back.
    let id = v["id"].as_i64().unwrap_or_default();
    assert_eq!(
        app.get(&format!("/api/files/{id}"), &token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(
            &format!("/api/files/{id}"),
            &app.token_for("procurement_officer").await
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(
            &format!("/api/files/{id}"),
            &app.token_for("site_user").await
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_supplier_never_sees_another_suppliers_file() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    let my_id = mine["supplier"]["id"].as_i64().unwrap_or_default();
    let other = supplier_id_with_status(&app, "suspended").await;
    assert_ne!(my_id, other);
    assert_eq!(
        app.get(&format!("/api/suppliers/{other}"), &token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/suppliers/{my_id}"), &token)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/suppliers", &token).await.status(),
        StatusCode::FORBIDDEN
    );
    let head = app.token_for("procurement_head").await;
    let (_, theirs) = app
        .get_json(&format!("/api/suppliers/{other}"), &head)
        .await;
    let their_file = theirs["documents"][0]["file_id"]
        .as_i64()
        .unwrap_or_default();
    assert_eq!(
        app.get(&format!("/api/files/{their_file}"), &token)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

async fn record(app: &TestApp, officer: &str, sid: i64, kind: &str, source: &str) -> i64 {
    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/failures"),
            officer,
            &json!({"kind": kind, "source": source, "description": "HRB400E Φ12 屈服强度不合格"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap_or_default()
}

#[tokio::test]
async fn the_first_confirmed_failure_removes_nothing_and_the_second_removes_the_supplier() {
    let app = spawn_app().await;
    let sid = demo_supplier_id(&app).await;
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let supplier = app.token_for("supplier").await;

    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/failures"),
            &officer,
            &json!({"kind": "quality", "source": "price_survey", "description": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["error"]["fields"]["source"]["code"],
        "failure_source_mismatch"
    );

    let first = record(&app, &officer, sid, "quality", "receiving_inspection").await;
    let (status, _) = app
        .post_json(
            &format!("/api/my/failures/{first}/response"),
            &supplier,
            &json!({"response": "已安排复检"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.suppliers_answer_open_failures().await;
    let (status, _) = app
        .post_json(
            &format!("/api/failures/{first}/decision"),
            &officer,
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the head decides");
    app.suppliers_answer_open_failures().await;
    let (_, v) = app
        .post_json(
            &format!("/api/failures/{first}/decision"),
            &head,
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(
        (v["confirmed_failures"].clone(), v["removed"].clone()),
        (json!(1), json!(false)),
        "{v}"
    );
    let (_, s) = app.get_json(&format!("/api/suppliers/{sid}"), &head).await;
    assert_eq!(s["supplier"]["status"], "admitted");

    // A dismissed failure does not count.
    let dismissed = record(&app, &officer, sid, "price", "price_survey").await;
    let (_, v) = app
        .post_json(
            &format!("/api/failures/{dismissed}/decision"),
            &head,
            &json!({"confirm": false, "note": "价格在合理区间"}),
        )
        .await;
    assert_eq!(v["removed"], false);
    app.suppliers_answer_open_failures().await;
    let (_, v) = app
        .post_json(
            &format!("/api/failures/{dismissed}/decision"),
            &head,
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(v["error"]["code"], "failure_already_decided");

    let second = record(&app, &officer, sid, "price", "tender").await;
    app.suppliers_answer_open_failures().await;
    let (_, v) = app
        .post_json(
            &format!("/api/failures/{second}/decision"),
            &head,
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(
        (v["confirmed_failures"].clone(), v["removed"].clone()),
        (json!(2), json!(true)),
        "{v}"
    );
    let (_, s) = app.get_json(&format!("/api/suppliers/{sid}"), &head).await;
    assert_eq!(s["supplier"]["status"], "removed");
    assert_eq!(
        portal::suppliers::store::ensure_may_trade(
            &app.state.db.read,
            SupplierId(sid),
            app.state.today()
        )
        .await
        .err()
        .map(|e| e.code()),
        Some("supplier_not_admitted")
    );
    let kinds = mail_kinds(&app, "supplier@demo.test").await;
    assert!(kinds.contains(&"supplier_removed".to_string()), "{kinds:?}");
    assert!(
        mail_kinds(&app, "procurement_officer@demo.test")
            .await
            .contains(&"supplier_removed_office".to_string())
    );
}

#[tokio::test]
async fn two_failures_confirmed_at_the_same_moment_remove_the_supplier_exactly_once() {
    let app = spawn_app().await;
    let sid = demo_supplier_id(&app).await;
    let officer = app.token_for("procurement_officer").await;
    let head = app.token_for("procurement_head").await;
    let a = record(&app, &officer, sid, "quality", "site_complaint").await;
    let b = record(&app, &officer, sid, "quality", "receiving_inspection").await;
    app.suppliers_answer_open_failures().await;
    let mut tasks = Vec::new();
    for id in [a, b] {
        let url = app.url(&format!("/api/failures/{id}/decision"));
        let head = head.clone();
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(head)
                .json(&json!({"confirm": true}))
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap_or_default()
        }));
    }
    let mut removed = 0;
    for t in tasks {
        let v = t.await.unwrap_or_default();
        if v["removed"] == true {
            removed += 1;
        }
    }
    assert_eq!(removed, 1);
    let auditor = app.token_for("auditor").await;
    let (_, audit) = app
        .get_json(
            &format!("/api/audit?action=supplier.remove&entity_id={sid}"),
            &auditor,
        )
        .await;
    assert_eq!(audit["total"], 1);
    let removals = mail_kinds(&app, "supplier@demo.test")
        .await
        .into_iter()
        .filter(|k| k == "supplier_removed")
        .count();
    assert_eq!(removals, 1);
    assert!(
        portal::audit::store::verify(&app.state.db.read)
            .await
            .map(|v| v.ok)
            .unwrap_or(false)
    );
}

#[tokio::test]
async fn a_suspension_stops_trading_until_it_is_lifted() {
    let app = spawn_app().await;
    let sid = supplier_id_with_status(&app, "admitted").await;
    let head = app.token_for("procurement_head").await;
    let today = app.state.today();
    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/suspension"),
            &head,
            &json!({"until": (today - chrono::Days::new(1)).to_string(), "reason": "整改"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["until"]["code"], "in_past");
    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/suspension"),
            &head,
            &json!({"until": (today + chrono::Days::new(14)).to_string(), "reason": "质量整改"}),
        )
        .await;
    assert_eq!(
        (status, v["status"].clone()),
        (StatusCode::OK, json!("suspended"))
    );
    assert!(
        portal::suppliers::store::ensure_may_trade(&app.state.db.read, SupplierId(sid), today)
            .await
            .is_err()
    );
    let (_, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/reinstatement"),
            &head,
            &json!({}),
        )
        .await;
    assert_eq!(v["status"], "admitted");
    assert!(
        portal::suppliers::store::ensure_may_trade(&app.state.db.read, SupplierId(sid), today)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_expired_business_licence_blocks_trading_until_renewed() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    let sid = mine["supplier"]["id"].as_i64().unwrap_or_default();
    let expires: chrono::NaiveDate = mine["documents"][0]["expires_on"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    let db = &app.state.db.read;
    assert!(
        portal::suppliers::store::ensure_may_trade(db, SupplierId(sid), expires)
            .await
            .is_ok()
    );
    let after = expires + chrono::Days::new(1);
    assert_eq!(
        portal::suppliers::store::ensure_may_trade(db, SupplierId(sid), after)
            .await
            .err()
            .map(|e| e.code()),
        Some("business_licence_expired")
    );
    // A renewal counts once an officer accepted it (rule 14); until then the old one governs.
    let (_, file) = upload(&app, &token, "renewed.pdf", PDF, None).await;
    let doc = json!({"kind": "business_licence", "title": "营业执照（换发）", "issued_on": app.state.today().to_string(), "expires_on": (after + chrono::Days::new(1000)).to_string(), "file_id": file["id"]});
    let (status, added) = app.post_json("/api/my/documents", &token, &doc).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let doc_id = added["id"].as_i64().unwrap_or_default();
    assert_eq!(
        portal::suppliers::store::ensure_may_trade(db, SupplierId(sid), after)
            .await
            .err()
            .map(|e| e.code()),
        Some("business_licence_expired"),
        "a renewal nobody accepted yet does not count"
    );
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    assert_eq!(mine["pending_documents"][0]["id"], doc_id, "{mine}");
    assert!(
        app.count("outbox WHERE kind = 'document_to_accept'").await >= 1,
        "the officers are told"
    );
    // The officer's home counts it and links to the suppliers with one waiting.
    let officer_page = app.browser_of("procurement_officer").await;
    let home = app.html(&officer_page, "/").await;
    assert!(
        home.contains("href=\"/suppliers?documents_pending=true\""),
        "{home}"
    );
    let officer = app.token_for("procurement_officer").await;
    let (_, waiting) = app
        .get_json("/api/suppliers?documents_pending=true", &officer)
        .await;
    let ids: Vec<Value> = waiting
        .as_array()
        .map(|a| a.iter().map(|s| s["id"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![json!(sid)], "{waiting}");

    // The supplier cannot accept its own; a refusal needs a reason; the officer accepts.
    let url = format!("/api/supplier-documents/{doc_id}/decision");
    let (status, _) = app.post_json(&url, &token, &json!({"accept": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = app
        .post_json(&url, &officer, &json!({"accept": false}))
        .await;
    assert_eq!(
        (status, v["error"]["fields"]["reason"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("required")),
        "{v}"
    );
    let (status, v) = app
        .post_json(&url, &officer, &json!({"accept": true}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        portal::suppliers::store::ensure_may_trade(db, SupplierId(sid), after)
            .await
            .is_ok()
    );
    let (_, waiting) = app
        .get_json("/api/suppliers?documents_pending=true", &officer)
        .await;
    assert_eq!(waiting, json!([]), "none waits any more");
    let (status, v) = app
        .post_json(&url, &officer, &json!({"accept": false, "reason": "模糊"}))
        .await;
    assert_eq!(
        (status, v["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("document_decided")),
        "decided once: {v}"
    );
    assert_eq!(
        app.count("outbox WHERE kind = 'document_accepted'").await,
        1,
        "the supplier is told"
    );
}

#[tokio::test]
async fn an_officer_refuses_a_renewal_from_the_suppliers_page_with_a_reason() {
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    let sid = mine["supplier"]["id"].as_i64().unwrap_or_default();
    let (_, file) = upload(&app, &token, "renewed.pdf", PDF, None).await;
    let doc = json!({"kind": "business_licence", "title": "营业执照（换发）", "issued_on": app.state.today().to_string(), "expires_on": (app.state.today() + chrono::Days::new(1000)).to_string(), "file_id": file["id"]});
    let (_, added) = app.post_json("/api/my/documents", &token, &doc).await;
    let doc_id = added["id"].as_i64().unwrap_or_default();

    let client = app.browser_of("procurement_officer").await;
    let page = app.html(&client, &format!("/suppliers/{sid}")).await;
    assert!(page.contains(&format!("action=\"/supplier-documents/{doc_id}/decision\"")));
    let csrf = crate::helpers::extract_csrf(&page);
    // Refused without a reason: the page says so beside the field and nothing changes.
    let r = client
        .post(app.url(&format!("/supplier-documents/{doc_id}/decision")))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("decision", "refuse"),
            ("reason", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    let field = format!("doc{doc_id}-reason");
    assert!(html.contains(&format!("href=\"#{field}\"")), "{html}");
    assert!(
        html.contains(&format!(
            "id=\"{field}\" name=\"reason\" maxlength=\"500\" value=\"\" aria-invalid=\"true\" aria-describedby=\"{field}-error\""
        )),
        "{html}"
    );
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    assert_eq!(mine["pending_documents"][0]["id"], doc_id);
    let r = client
        .post(app.url(&format!("/supplier-documents/{doc_id}/decision")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("decision", "refuse"),
            ("reason", "扫描件模糊，请重新上传"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    assert_eq!(mine["pending_documents"], json!([]), "{mine}");
    assert!(
        mine["documents"]
            .as_array()
            .is_some_and(|d| d.iter().all(|d| d["id"] != doc_id)),
        "a refused document never counts: {mine}"
    );
    assert_eq!(app.count("outbox WHERE kind = 'document_refused'").await, 1);
}

#[tokio::test]
async fn the_apply_form_names_the_credit_code_problem_beside_the_field() {
    let app = spawn_app().await;
    let client = app.new_client();
    let csrf = app.csrf_from(&client, "/apply").await;
    let mut form = vec![
        ("csrf_token", csrf.clone()),
        ("legal_name", "杭州永固建材有限公司".into()),
        ("credit_code", "91330110MA27Y0B7X3".into()),
        ("legal_representative", "吴永固".into()),
        ("contact_name", "吴经理".into()),
        ("contact_phone", "13912345678".into()),
        ("contact_email", "form@example.test".into()),
        ("address", "杭州".into()),
        ("cat_1", "on".into()),
        ("bank_name", "工商银行".into()),
        ("bank_account", "12020212090012345".into()),
        ("password", "supplier-password".into()),
        ("confirm_password", "supplier-password".into()),
    ];
    let r = client
        .post(app.url("/apply"))
        .header("Accept-Language", "en")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains(&portal::i18n::Locale::En.t("validation-credit_code_check_digit")));
    assert!(
        html.contains("value=\"杭州永固建材有限公司\""),
        "what was typed is kept"
    );
    form[2].1 = "91330110MA27Y0B7X2".into();
    let r = client
        .post(app.url("/apply"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.login_raw("form@example.test", "supplier-password")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the account exists, waiting for its email to be confirmed"
    );
}

#[tokio::test]
async fn the_head_removes_a_supplier_from_its_review_page_on_the_second_confirmation() {
    let app = spawn_app().await;
    let sid = demo_supplier_id(&app).await;
    let officer = app.token_for("procurement_officer").await;
    let a = record(&app, &officer, sid, "quality", "receiving_inspection").await;
    let b = record(&app, &officer, sid, "price", "price_survey").await;
    app.suppliers_answer_open_failures().await;
    let client = app.new_client();
    app.page_login(
        &client,
        "procurement_head@demo.test",
        crate::helpers::DEMO_PASSWORD,
    )
    .await;
    for id in [a, b] {
        let csrf = app.csrf_from(&client, &format!("/suppliers/{sid}")).await;
        let r = client
            .post(app.url(&format!("/failures/{id}/decision")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("decision", "confirm"),
                ("note", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let html = client
        .get(app.url(&format!("/suppliers/{sid}")))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    assert!(
        html.contains(&format!(
            "<dd id=\"supplier-status\">{}</dd>",
            portal::i18n::Locale::En.t("supplier-status-removed")
        )),
        "{html}"
    );
    assert!(html.contains(&portal::i18n::Locale::En.t("flash-supplier-removed")));
}

#[tokio::test]
async fn supplier_pages_render_for_their_roles_in_both_languages() {
    let app = spawn_app().await;
    let sid = demo_supplier_id(&app).await;
    for (email, paths) in [
        ("supplier@demo.test", vec!["/my/supplier".to_string()]),
        (
            "procurement_officer@demo.test",
            vec![
                "/suppliers".to_string(),
                format!("/suppliers/{sid}"),
                "/suppliers?status=admitted&min_failures=0".to_string(),
            ],
        ),
        (
            "procurement_head@demo.test",
            vec![format!("/suppliers/{sid}")],
        ),
        (
            "auditor@demo.test",
            vec!["/suppliers".to_string(), format!("/suppliers/{sid}")],
        ),
    ] {
        let client = app.new_client();
        app.page_login(&client, email, crate::helpers::DEMO_PASSWORD)
            .await;
        for path in paths {
            for lang in ["en", "zh-CN"] {
                let r = client
                    .get(app.url(&path))
                    .header("Accept-Language", lang)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{email} {path} {lang}");
            }
        }
    }
    let client = app.new_client();
    app.page_login(
        &client,
        "site_user@demo.test",
        crate::helpers::DEMO_PASSWORD,
    )
    .await;
    let r = client.get(app.url("/suppliers")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = client.get(app.url("/my/supplier")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn count_mail(app: &TestApp, kind: &str) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq(kind))
        .all(&app.state.db.read)
        .await
        .map(|v| v.len())
        .unwrap_or_default()
}

#[tokio::test]
async fn documents_are_warned_about_thirty_days_ahead_and_only_once() {
    use portal::jobs::{Job, run};
    let app = spawn_app().await;
    let token = app.token_for("supplier").await;
    let (_, mine) = app.get_json("/api/my/supplier", &token).await;
    let expires: chrono::NaiveDate = mine["documents"][0]["expires_on"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    let thirty_one_before = expires - chrono::Days::new(31);
    run(&app.state, Job::DocumentExpiry, thirty_one_before)
        .await
        .unwrap();
    assert_eq!(
        count_mail(&app, "document_expiring").await,
        0,
        "31 days ahead is too early"
    );
    let thirty_before = expires - chrono::Days::new(30);
    let o = run(&app.state, Job::DocumentExpiry, thirty_before)
        .await
        .unwrap();
    assert!(o.ran);
    let to_demo_supplier = count_mail(&app, "document_expiring").await;
    assert!(to_demo_supplier >= 1);
    assert!(count_mail(&app, "document_expiring_office").await >= 1);
    run(
        &app.state,
        Job::DocumentExpiry,
        thirty_before + chrono::Days::new(1),
    )
    .await
    .unwrap();
    assert_eq!(
        count_mail(&app, "document_expiring").await,
        to_demo_supplier,
        "warned once per document"
    );
}

#[tokio::test]
async fn a_suspension_is_lifted_the_day_after_its_last_day() {
    use portal::jobs::{Job, run};
    let app = spawn_app().await;
    let sid = supplier_id_with_status(&app, "suspended").await;
    let head = app.token_for("procurement_head").await;
    let (_, s) = app.get_json(&format!("/api/suppliers/{sid}"), &head).await;
    let until: chrono::NaiveDate = s["supplier"]["suspended_until"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    run(&app.state, Job::SuspensionExpiry, until).await.unwrap();
    let (_, s) = app.get_json(&format!("/api/suppliers/{sid}"), &head).await;
    assert_eq!(
        s["supplier"]["status"], "suspended",
        "still suspended on its last day"
    );
    run(
        &app.state,
        Job::SuspensionExpiry,
        until + chrono::Days::new(1),
    )
    .await
    .unwrap();
    let (_, s) = app.get_json(&format!("/api/suppliers/{sid}"), &head).await;
    assert_eq!(s["supplier"]["status"], "admitted");
}

#[tokio::test]
async fn a_due_yearly_review_is_reminded_once_and_passing_it_sets_the_next_year() {
    use portal::jobs::{Job, run};
    let app = spawn_app().await;
    let sid = demo_supplier_id(&app).await;
    let officer = app.token_for("procurement_officer").await;
    let (_, s) = app
        .get_json(&format!("/api/suppliers/{sid}"), &officer)
        .await;
    let due: chrono::NaiveDate = s["supplier"]["next_review_on"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    run(&app.state, Job::ReviewDue, due - chrono::Days::new(1))
        .await
        .unwrap();
    let before = count_mail(&app, "review_due").await;
    run(&app.state, Job::ReviewDue, due).await.unwrap();
    let reminded = count_mail(&app, "review_due").await;
    assert!(reminded > before, "reminded on the due date");
    run(&app.state, Job::ReviewDue, due + chrono::Days::new(3))
        .await
        .unwrap();
    assert_eq!(
        count_mail(&app, "review_due").await,
        reminded,
        "once per cycle"
    );
    let (_, list) = app
        .get_json("/api/suppliers?review_due=true", &officer)
        .await;
    assert!(
        list.as_array().is_some_and(|l| l.is_empty()),
        "not due today yet"
    );

    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/re-review"),
            &officer,
            &json!({"checklist": {}, "passed": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["reasons"]["code"], "required");
    let checklist = json!({"licence_valid": true, "certificates": true, "quality_system": true});
    let (status, v) = app
        .post_json(
            &format!("/api/suppliers/{sid}/re-review"),
            &officer,
            &json!({"checklist": checklist, "passed": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let next: chrono::NaiveDate = v["next_review_on"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_default();
    assert_eq!(
        next,
        app.state
            .today()
            .checked_add_months(chrono::Months::new(12))
            .unwrap_or_default()
    );
    let (_, file) = app
        .get_json(&format!("/api/suppliers/{sid}"), &officer)
        .await;
    assert_eq!(file["scorecard"]["failures_until_removal"], 2);
    assert_eq!(file["scorecard"]["review_overdue"], false);
}
