use crate::helpers::spawn_app;
use portal::jobs::{Job, run};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_job_runs_once_per_period_however_often_it_is_asked() {
    let app = spawn_app().await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
    let first = run(&app.state, Job::Housekeeping, day).await.unwrap();
    assert!(first.ran);
    let again = run(&app.state, Job::Housekeeping, day).await.unwrap();
    assert!(!again.ran);
    let next_day = run(
        &app.state,
        Job::Housekeeping,
        day.succ_opt().unwrap_or_default(),
    )
    .await
    .unwrap();
    assert!(next_day.ran);
}

#[tokio::test]
async fn concurrent_runs_of_one_period_run_it_exactly_once() {
    let app = spawn_app().await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let state = app.state.clone();
        tasks.push(tokio::spawn(async move {
            run(&state, Job::Housekeeping, day).await
        }));
    }
    let mut ran = 0;
    for t in tasks {
        if t.await.unwrap().unwrap().ran {
            ran += 1;
        }
    }
    assert_eq!(ran, 1);
}

#[tokio::test]
async fn housekeeping_forgets_failed_sign_ins_that_no_longer_count() {
    let app = spawn_app().await;
    app.login_raw("finance@demo.test", "guess").await;
    assert_eq!(app.count("login_failures").await, 2);
    let today = app.state.today();
    run(&app.state, Job::Housekeeping, today).await.unwrap();
    assert_eq!(
        app.count("login_failures").await,
        2,
        "today's failures still count"
    );
    run(&app.state, Job::Housekeeping, today + chrono::Days::new(2))
        .await
        .unwrap();
    assert_eq!(app.count("login_failures").await, 0);
}

#[tokio::test]
async fn the_admin_runs_a_job_for_a_date_through_the_api() {
    let app = spawn_app().await;
    let admin = app.token_for("admin").await;
    let (status, v) = app
        .post_json(
            "/api/jobs/housekeeping/run",
            &admin,
            &json!({"as_of": "2026-10-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["ran"], true);
    assert_eq!(v["period_key"], "2026-10-01");
    let (_, v) = app
        .post_json(
            "/api/jobs/housekeeping/run",
            &admin,
            &json!({"as_of": "2026-10-01"}),
        )
        .await;
    assert_eq!(v["ran"], false);
    let (status, v) = app
        .post_json(
            "/api/jobs/housekeeping/run",
            &admin,
            &json!({"as_of": "2026-13-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["fields"]["as_of"]["code"], "date");
    let (status, _) = app
        .post_json("/api/jobs/nope/run", &admin, &json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
