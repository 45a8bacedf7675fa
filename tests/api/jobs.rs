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

#[tokio::test]
async fn a_runs_detail_reads_in_the_pages_language_and_older_plain_text_as_it_was() {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let app = spawn_app().await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
    let outcome = run(&app.state, Job::Housekeeping, day).await.unwrap();
    assert_eq!(
        outcome.detail,
        "removed 0 expired sign-in failures and 0 signed-out sessions no longer in force"
    );
    // A run recorded before details were kept as messages.
    entity::job_run::Entity::insert(entity::job_run::ActiveModel {
        job: Set("stale-scan".into()),
        period_key: Set("2026-11-01".into()),
        instance: Set("old".into()),
        started_at: Set(app.state.now()),
        finished_at: Set(Some(app.state.now())),
        status: Set("done".into()),
        detail: Set("flagged 3 lots".into()),
        ..Default::default()
    })
    .exec(&app.state.db.write)
    .await
    .unwrap();
    let client = app.new_client();
    app.page_login(&client, "admin@demo.test", crate::helpers::DEMO_PASSWORD)
        .await;
    let detail_cells = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        doc.select(&scraper::Selector::parse("td.job-detail").unwrap())
            .map(|td| td.text().collect::<String>())
            .collect()
    };
    for (lang, words) in [
        (
            "zh-CN",
            "清除了 0 条过期的登录失败记录和 0 条已失效的退出会话记录",
        ),
        (
            "en",
            "removed 0 expired sign-in failures and 0 signed-out sessions no longer in force",
        ),
    ] {
        let html = client
            .get(app.url("/admin/jobs"))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let cells = detail_cells(&html);
        assert!(cells.iter().any(|c| c == words), "{lang}: {cells:?}");
        assert!(cells.iter().any(|c| c == "flagged 3 lots"), "{cells:?}");
        assert!(!html.contains("job-detail-"), "no message id shows");
    }
    // The API keeps its English words.
    let admin = app.token_for("admin").await;
    let (status, v) = app.get_json("/api/jobs", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let details: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["detail"].as_str())
        .collect();
    assert!(
        details.contains(
            &"removed 0 expired sign-in failures and 0 signed-out sessions no longer in force"
        ),
        "{details:?}"
    );
}

/// The settings form as the page sends it, from the settings as the API shows them.
fn settings_form(s: &serde_json::Value, csrf: &str, backup_keep: &str) -> Vec<(String, String)> {
    let text = |k: &str| match &s[k] {
        serde_json::Value::String(v) => v.clone(),
        v => v.to_string(),
    };
    let margin = rust_decimal::Decimal::from_str_exact(&text("price_margin")).unwrap_or_default()
        * rust_decimal::Decimal::from(100);
    [
        ("csrf_token", csrf.to_string()),
        ("settlement_cutoff_day", text("settlement_cutoff_day")),
        ("company_name_zh", text("company_name_zh")),
        ("company_name_en", text("company_name_en")),
        ("tender_threshold", text("tender_threshold")),
        ("contract_threshold", text("contract_threshold")),
        ("price_margin_percent", margin.normalize().to_string()),
        ("failure_answer_days", text("failure_answer_days")),
        ("backup_keep", backup_keep.to_string()),
        ("session_max_hours", text("session_max_hours")),
        ("committee_min_members", text("committee_min_members")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[tokio::test]
async fn the_backups_kept_are_a_setting_from_1_to_365_refused_beside_its_field_otherwise() {
    let app = crate::helpers::spawn_demo_app().await;
    let token = app.token_for("admin").await;
    let (status, s) = app.get_json("/api/settings", &token).await;
    assert_eq!(
        (status, s["backup_keep"].clone()),
        (StatusCode::OK, json!(7))
    );
    let admin = app.browser_of("admin").await;
    for refused in ["0", "366", "x"] {
        let csrf = app.csrf_from(&admin, "/admin/settings").await;
        let r = admin
            .post(app.url("/admin/settings"))
            .header("Accept-Language", "en")
            .form(&settings_form(&s, &csrf, refused))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let page = r.text().await.unwrap_or_default();
        assert!(
            page.contains("Enter a number of backups from 1 to 365."),
            "{refused}: no error beside the field"
        );
        assert!(
            page.contains(&format!(
                "name=\"backup_keep\" type=\"number\" min=\"1\" max=\"365\" value=\"{refused}\""
            )),
            "{refused}: the page did not keep what was typed"
        );
    }
    let (_, unchanged) = app.get_json("/api/settings", &token).await;
    assert_eq!(unchanged["backup_keep"], 7);
    for kept in ["1", "365"] {
        let csrf = app.csrf_from(&admin, "/admin/settings").await;
        let r = admin
            .post(app.url("/admin/settings"))
            .form(&settings_form(&s, &csrf, kept))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{kept}");
        let (_, now) = app.get_json("/api/settings", &token).await;
        assert_eq!(now["backup_keep"].to_string(), kept);
    }
}

#[tokio::test]
async fn a_backup_that_cannot_be_written_is_a_failed_run_and_a_clear_answer_not_a_500() {
    use crate::helpers::{Options, spawn_with};
    // The backup folder is a file: nothing can be written there.
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let app = spawn_with(Options {
        backup_dir: Some(blocker.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let admin = app.token_for("admin").await;
    let today = app.state.today().to_string();
    let (status, v) = app
        .post_json("/api/jobs/backup/run", &admin, &json!({"as_of": today}))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["error"]["code"], "unavailable", "{v}");
    // The page says that the job failed, and the run (with why) is in the list.
    let client = app.browser_of("admin").await;
    let csrf = app.csrf_from(&client, "/admin/jobs").await;
    let r = client
        .post(app.url("/admin/jobs/run"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("job", "backup"),
            ("as_of", today.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.html(&client, "/admin/jobs").await;
    assert!(
        page.contains("The job failed") && page.contains(&blocker.path().display().to_string()),
        "{page}"
    );
    assert_eq!(
        app.count("job_runs WHERE job = 'backup' AND status = 'failed'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_run_abandoned_by_a_killed_instance_no_longer_blocks_its_period() {
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let app = spawn_app().await;
    let day = app.state.today();
    let key = Job::ClosePeriod.period_key(day, 25);
    // An instance claimed the period and was killed before it finished.
    let started = app.state.now();
    entity::job_run::Entity::insert(entity::job_run::ActiveModel {
        job: Set("close-period".into()),
        period_key: Set(key.clone()),
        instance: Set("killed".into()),
        started_at: Set(started),
        finished_at: Set(None),
        status: Set("running".into()),
        detail: Set(String::new()),
        ..Default::default()
    })
    .exec(&app.state.db.write)
    .await
    .unwrap();
    // While it may still be running, the period is taken.
    app.clock
        .advance(portal::jobs::ABANDONED_AFTER - chrono::Duration::minutes(1));
    let outcome = run(&app.state, Job::ClosePeriod, day).await.unwrap();
    assert!(!outcome.ran, "{outcome:?}");
    // Past that, the claim is released (once, whoever asks) and the period runs.
    app.clock.advance(chrono::Duration::minutes(2));
    let (a, b) = tokio::join!(
        run(&app.state, Job::ClosePeriod, day),
        run(&app.state, Job::ClosePeriod, day)
    );
    let ran = [a.unwrap(), b.unwrap()].iter().filter(|o| o.ran).count();
    assert_eq!(ran, 1, "exactly one instance runs the period");
    assert_eq!(
        app.count(&format!(
            "job_runs WHERE job = 'close-period' AND period_key = '{key}' AND status = 'done'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(
            "job_runs WHERE job = 'close-period' AND status = 'failed' AND detail LIKE 'abandoned%'"
        )
        .await,
        1
    );
}
