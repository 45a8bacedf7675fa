use crate::helpers::spawn_app;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

#[tokio::test]
async fn the_chain_verifies_and_detects_an_altered_entry() {
    let app = spawn_app().await;
    let auditor = app.token_for("auditor").await;
    let (status, v) = app.get_json("/api/audit/verify", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["ok"], true, "{v}");
    // No count: it would include the sealed entries of unopened tenders (rule 14).
    assert!(v.get("entries").is_none(), "{v}");
    let (_, log) = app.get_json("/api/audit", &auditor).await;
    let first = &log["entries"][0];
    assert!(first["action"].is_string(), "{log}");
    // Nor their places in the chain, whose gaps would count them.
    assert!(first.get("seq").is_none(), "{first}");

    let db = &app.state.db.write;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3",
    ))
    .await
    .unwrap();
    // The web reuses the last walk while the chain head is unchanged (an edit in place leaves
    // it as it was), for at most five minutes; the command line's verify walks at once.
    let (_, v) = app.get_json("/api/audit/verify", &auditor).await;
    assert_eq!(v["ok"], true, "{v}");
    let v = portal::audit::store::verify(&app.state.db.read)
        .await
        .unwrap();
    assert!(!v.ok);
    app.clock.advance(portal::audit::store::VERIFY_REUSE);
    let (_, v) = app.get_json("/api/audit/verify", &auditor).await;
    assert_eq!(v["ok"], false);
    assert_eq!(v["problem_seq"], 3);
}

#[tokio::test]
async fn a_new_entry_makes_the_web_walk_the_chain_again() {
    let app = spawn_app().await;
    let auditor = app.token_for("auditor").await;
    let (_, v) = app.get_json("/api/audit/verify", &auditor).await;
    assert_eq!(v["ok"], true, "{v}");
    let db = &app.state.db.write;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2",
    ))
    .await
    .unwrap();
    // A sign-in writes an entry: the head moves and the next verification walks again.
    app.token_for("admin").await;
    let (_, v) = app.get_json("/api/audit/verify", &auditor).await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["problem_seq"], 2);
}

#[tokio::test]
async fn removing_an_entry_or_the_last_one_breaks_the_chain() {
    for seq_sql in [
        "DELETE FROM audit_log WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
    ] {
        let app = spawn_app().await;
        let db = &app.state.db.write;
        db.execute_raw(Statement::from_string(db.get_database_backend(), seq_sql))
            .await
            .unwrap();
        let v = portal::audit::store::verify(db).await.unwrap();
        assert!(!v.ok, "{seq_sql} went unnoticed");
    }
}

#[tokio::test]
async fn concurrent_changes_append_to_one_unbroken_chain() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let url = app.url("/api/sites");
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(admin)
                .json(&json!({"code": format!("CC-{i:02}"), "name_zh": format!("并发项目部{i}"), "name_en": format!("Concurrent {i}")}))
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    for t in tasks {
        let status = t.await.unwrap().unwrap();
        assert_eq!(status, StatusCode::CREATED);
    }
    let v = portal::audit::store::verify(&app.state.db.read)
        .await
        .unwrap();
    assert!(v.ok, "{:?}", v.problem);
    let (_, page) = app.get_json("/api/audit?action=site.create", &admin).await;
    assert_eq!(page["total"], 12);
}

#[tokio::test]
async fn the_audit_search_filters_by_actor_action_and_date() {
    let app = spawn_app().await;
    let auditor = app.token_for("auditor").await;
    app.token_for("finance").await;
    let (_, v) = app
        .get_json("/api/audit?action=user.login&actor=finance", &auditor)
        .await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["entries"][0]["actor"], "finance@demo.test");
    let tomorrow = (app.state.today() + chrono::Days::new(1)).to_string();
    let (_, v) = app
        .get_json(&format!("/api/audit?from={tomorrow}"), &auditor)
        .await;
    assert_eq!(v["total"], 0);
    let r = app.get("/api/audit?from=yesterday", &auditor).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn many_changes_recorded_at_once_extend_the_chain_in_their_order_past_a_batch() {
    use portal::audit::{Actor, Change, record, record_all};
    use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};
    let app = spawn_app().await;
    let db = &app.state.db.write;
    let before = portal::audit::store::verify(db).await.unwrap();
    assert!(before.ok, "{:?}", before.problem);
    let actor = Actor::system("test");
    let now = app.state.now();
    let txn = db.begin().await.unwrap();
    record(&txn, &actor, now, Change::new("test.one", "thing", 0))
        .await
        .unwrap();
    // More than one multi-row insert holds (500 entries each).
    let changes = (1..=601)
        .map(|i| Change::new("test.many", "thing", i).after(json!({ "i": i })))
        .collect();
    record_all(&txn, &actor, now, changes).await.unwrap();
    record_all(&txn, &actor, now, Vec::new()).await.unwrap();
    record(&txn, &actor, now, Change::new("test.one", "thing", 602))
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let after = portal::audit::store::verify(db).await.unwrap();
    assert!(after.ok, "{:?}", after.problem);
    assert_eq!(after.entries, before.entries + 603);
    let last: Vec<entity::audit_log::Model> = entity::audit_log::Entity::find()
        .order_by_desc(entity::audit_log::Column::Seq)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .take(603)
        .collect();
    let ids: Vec<String> = last.iter().rev().map(|e| e.entity_id.clone()).collect();
    let wanted: Vec<String> = (0..=602).map(|i| i.to_string()).collect();
    assert_eq!(ids, wanted);
    let seqs: Vec<i64> = last.iter().rev().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}
