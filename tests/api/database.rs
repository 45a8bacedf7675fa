//! The same migrations on SQLite and PostgreSQL; instances starting together migrate once.

use crate::helpers::{fresh_schema, test_config, test_database_url};
use portal::clock::{SharedClock, SystemClock};
use std::sync::Arc;

#[tokio::test]
async fn two_instances_starting_at_once_migrate_one_database_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = test_database_url();
    let schema = match &url {
        Some(u) => Some(fresh_schema(u).await),
        None => None,
    };
    let clock: SharedClock = Arc::new(SystemClock);
    let a = portal::prepare(
        test_config(dir.path(), url.clone()),
        clock.clone(),
        schema.as_deref(),
    );
    let b = portal::prepare(
        test_config(dir.path(), url.clone()),
        clock.clone(),
        schema.as_deref(),
    );
    let (a, b) = tokio::join!(a, b);
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e}")),
        b.unwrap_or_else(|e| panic!("{e}")),
    );
    // Both share one secret, so a token from one instance is good at the other.
    let ta = a
        .keys
        .issue(1, "admin", chrono::Utc::now())
        .unwrap_or_default();
    assert!(b.keys.check(&ta, chrono::Utc::now()).is_ok());
    // The demo loads once: the second attempt finds users and does nothing.
    assert!(
        portal::demo::load(&a)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
    assert!(
        !portal::demo::load(&b)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
}

#[tokio::test]
async fn sqlite_runs_with_wal_and_foreign_keys_on() {
    if test_database_url().is_some() {
        return; // PostgreSQL run: nothing SQLite-specific to check.
    }
    use sea_orm::{ConnectionTrait, Statement};
    let app = crate::helpers::spawn_app().await;
    let db = &app.state.db.write;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA journal_mode",
        ))
        .await
        .ok()
        .flatten();
    let mode: String = row
        .and_then(|r| r.try_get_by_index(0).ok())
        .unwrap_or_default();
    assert_eq!(mode.to_lowercase(), "wal");
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA foreign_keys",
        ))
        .await
        .ok()
        .flatten();
    let fk: i64 = row
        .and_then(|r| r.try_get_by_index(0).ok())
        .unwrap_or_default();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn demo_money_survives_the_database_exactly() {
    let app = crate::helpers::spawn_app().await;
    let token = app.token_for("site_user").await;
    let (_, v) = app
        .get_json("/api/materials?q=HRB400E%20%CE%A612", &token)
        .await;
    let first = &v[0];
    assert_eq!(first["spec"], "HRB400E Φ12");
    assert_eq!(first["indicative_price"], "3850.0000");
}
