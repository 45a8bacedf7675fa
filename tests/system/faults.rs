//! Issue 7, "Faults": the SMTP server down then up, the server SIGKILLed in a storm of
//! issues and restarted, PostgreSQL restarted under load.

use crate::api::{self, issue_body, lines_of};
use crate::books;
use crate::pg;
use crate::process::{Setup, free_port, wait_until};
use crate::smtp;
use entity::outbox;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

async fn outbox_rows(db: &portal::db::Db) -> Vec<outbox::Model> {
    outbox::Entity::find().all(&db.read).await.expect("outbox")
}

async fn welcome(base: &str, admin: &str, email: &str) {
    let (status, v) = api::post(
        base,
        "/api/users",
        admin,
        &json!({"email": email, "display_name": email, "password": "long-enough-pw", "role": "auditor", "locale": "en"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "new user {email}: {v}");
}

/// The sender retries a failed row after 30 s (doubling; `mail::sender::backoff`), and no
/// setting shortens that: the first half's mail goes out on its second attempt, about 30 s
/// after the first, so this test takes about 35 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_delivered_exactly_once_when_the_smtp_server_is_down_then_up() {
    let started = Instant::now();
    let dir = tempdir();
    // Nothing listens on this port until the second half.
    let port = free_port();
    let setup = Setup {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        ..Setup::new(dir.path(), &pg::either_backend().await)
    };
    setup.must_run(&["demo"]).await;
    let portal = setup.serve("mail").await;
    let db = books::open(&setup).await;
    let admin = api::token(&portal.url, "admin").await;

    let down: Vec<String> = (0..5).map(|i| format!("down-{i}@example.test")).collect();
    for email in &down {
        welcome(&portal.url, &admin, email).await;
    }
    let tried = wait_until(Duration::from_secs(20), || async {
        let rows = outbox_rows(&db).await;
        down.iter()
            .all(|e| rows.iter().any(|r| &r.to_addr == e && r.attempts >= 1))
    })
    .await;
    let rows = outbox_rows(&db).await;
    assert!(tried, "mail never tried while SMTP was down: {rows:#?}");
    for r in &rows {
        assert_eq!(r.status, "pending", "sent with no SMTP server: {r:#?}");
        assert!(
            r.last_error.is_some(),
            "a failure without its error: {r:#?}"
        );
    }

    let (inbox, _) = smtp::start(port);
    let up: Vec<String> = (0..5).map(|i| format!("up-{i}@example.test")).collect();
    for email in &up {
        welcome(&portal.url, &admin, email).await;
    }
    let sent = wait_until(Duration::from_secs(50), || async {
        outbox_rows(&db).await.iter().all(|r| r.status == "sent")
    })
    .await;
    let rows = outbox_rows(&db).await;
    assert!(sent, "not every email was sent: {rows:#?}");
    // The SMTP server may still be storing the last message the portal counted as sent.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *expected.entry(r.to_addr.clone()).or_default() += 1;
    }
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for m in inbox.all() {
        for to in m.to {
            assert!(
                m.text.contains(&to),
                "a message to {to} says otherwise:\n{}",
                m.text
            );
            *got.entry(to).or_default() += 1;
        }
    }
    assert_eq!(
        got, expected,
        "messages received per recipient against the outbox"
    );
    for email in down.iter().chain(&up) {
        assert_eq!(got.get(email), Some(&1), "{email} welcomed once");
    }
    for r in rows.iter().filter(|r| down.contains(&r.to_addr)) {
        assert!(r.attempts >= 2, "sent while the server was down? {r:#?}");
    }
    assert!(portal.internal_errors().is_empty(), "{}", portal.log_tail());
    eprintln!("mail down then up: {:?}", started.elapsed());
}

/// Approves many requisitions of three lines each (across lots: each listing gets two more),
/// fires their issues in two halves from many clients at once, SIGKILLs the server in the
/// middle, restarts it on the same database, and reads the books; then finishes the issues.
async fn sigkill_in_a_storm(setup: Setup) {
    let started = Instant::now();
    setup.must_run(&["demo"]).await;
    let mut before = setup.serve("before-kill").await;
    let base = before.url.clone();
    let db = books::open(&setup).await;

    let steel: Vec<i64> = api::supplier_listings(&base)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(steel.len() >= 3, "demo steel listings: {steel:?}");
    let more: Vec<(i64, Decimal)> = steel.iter().map(|l| (*l, Decimal::new(125, 1))).collect();
    api::deliver(&base, &more).await;
    api::deliver(&base, &more).await;

    let site_user = api::token(&base, "site_user").await;
    let manager = api::token(&base, "site_manager").await;
    let keeper = api::token(&base, "warehouse_keeper").await;
    let each = Decimal::new(15, 1);
    let mut approved = Vec::new();
    for i in 0..24 {
        let lines: Vec<(i64, Decimal)> = (0..3)
            .map(|k| (steel[(i + k) % steel.len()], each))
            .collect();
        let id = api::submit(&base, &site_user, &lines).await;
        let (status, r) = api::approve(&base, &manager, id).await;
        assert_eq!(status, StatusCode::OK, "approval of {id}: {r}");
        approved.push((id, lines_of(&r)));
    }

    // The storm: each requisition issued in two halves, eight calls at a time.
    let limit = Arc::new(tokio::sync::Semaphore::new(8));
    let ok = Arc::new(AtomicUsize::new(0));
    let mut storm = JoinSet::new();
    for half in 0..2 {
        for (id, lines) in &approved {
            let body = issue_body(
                &lines
                    .iter()
                    .map(|(line, reserved, _)| (*line, *reserved / Decimal::TWO))
                    .collect::<Vec<_>>(),
            );
            let (url, token, limit, ok, id) = (
                format!("{base}/api/requisitions/{id}/issue"),
                keeper.clone(),
                limit.clone(),
                ok.clone(),
                *id,
            );
            storm.spawn(async move {
                let _turn = limit.acquire_owned().await;
                let r = api::call(&api::client(), Method::POST, &url, &token, Some(&body)).await;
                if matches!(r, Ok((StatusCode::OK, _))) {
                    ok.fetch_add(1, Ordering::SeqCst);
                }
                (id, half, r.map_err(|e| e.to_string()))
            });
        }
    }
    let calls = approved.len() * 2;
    let mid = wait_until(Duration::from_secs(30), || {
        let ok = ok.clone();
        async move { ok.load(Ordering::SeqCst) >= calls / 3 }
    })
    .await;
    assert!(mid, "the storm did not get going:\n{}", before.log_tail());
    before.kill().await;
    let outcomes = storm.join_all().await;
    let succeeded = outcomes
        .iter()
        .filter(|(_, _, r)| matches!(r, Ok((StatusCode::OK, _))))
        .count();
    let cut = outcomes.iter().filter(|(_, _, r)| r.is_err()).count();
    for (id, half, r) in &outcomes {
        if let Ok((status, v)) = r {
            assert!(
                matches!(*status, StatusCode::OK | StatusCode::CONFLICT),
                "issue {half} of {id}: {status} {v}"
            );
        }
    }
    assert!(
        cut > 0 && succeeded < calls,
        "the kill came after the storm ({succeeded} of {calls} issued)"
    );

    let after = setup.serve("after-kill").await;
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for r in entity::requisition::Entity::find()
        .all(&db.read)
        .await
        .unwrap()
    {
        *states.entry(r.status).or_default() += 1;
    }
    books::assert_consistent(
        &db,
        &setup,
        &format!("after a SIGKILL with {succeeded} of {calls} issues answered"),
    )
    .await;

    // The restarted server finishes what was left.
    let (status, all) = api::get(&after.url, "/api/requisitions", &keeper).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    for (id, _) in &approved {
        let r = all
            .as_array()
            .and_then(|a| a.iter().find(|r| r["id"] == *id))
            .cloned()
            .unwrap_or_default();
        let open: Vec<(i64, Decimal)> = lines_of(&r)
            .into_iter()
            .filter(|(_, reserved, issued)| issued < reserved)
            .map(|(line, reserved, issued)| (line, reserved - issued))
            .collect();
        if !open.is_empty() {
            let path = format!("/api/requisitions/{id}/issue");
            let (status, v) = api::post(&after.url, &path, &keeper, &issue_body(&open)).await;
            assert_eq!(status, StatusCode::OK, "the rest of {id}: {v}");
        }
    }
    books::assert_consistent(
        &db,
        &setup,
        "after the restarted server finished the issues",
    )
    .await;
    assert!(after.internal_errors().is_empty(), "{}", after.log_tail());
    eprintln!(
        "SIGKILL after {succeeded} of {calls} issues, requisitions then {states:?}: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_in_a_storm_of_issues_leaves_the_books_consistent_on_sqlite() {
    let dir = tempdir();
    sigkill_in_a_storm(Setup::new(dir.path(), "")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_in_a_storm_of_issues_leaves_the_books_consistent_on_postgresql() {
    let Some(shared) = pg::shared_url("a_sigkill_in_a_storm_of_issues_on_postgresql") else {
        return;
    };
    let schema = pg::fresh_schema(&shared).await;
    let dir = tempdir();
    sigkill_in_a_storm(Setup::new(dir.path(), &pg::with_schema(&shared, &schema))).await;
}

/// One request of the load, with when it started and ended.
#[derive(Debug)]
struct Outcome {
    what: &'static str,
    start: Instant,
    end: Instant,
    /// The status and the error code of the body, or the transport error.
    answer: Result<(u16, String), String>,
}

impl Outcome {
    fn status(&self) -> Option<u16> {
        self.answer.as_ref().ok().map(|(s, _)| *s)
    }
}

type Journal = Arc<Mutex<Vec<Outcome>>>;

/// How long PostgreSQL stays away: longer than the pool's acquire timeout (5 s, `db.rs`), so
/// that requests give up waiting for a connection while it is away.
const OUTAGE: Duration = Duration::from_secs(8);

/// The longest any request may take: the acquire timeout and some slack. Longer is a hang.
const BOUNDED: Duration = Duration::from_secs(7);

async fn timed(
    journal: &Journal,
    what: &'static str,
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<&Value>,
) -> Option<u16> {
    let start = Instant::now();
    let r = api::call(http, method, url, token, body).await;
    let answer = match r {
        Ok((status, v)) => Ok((
            status.as_u16(),
            v["error"]["code"]
                .as_str()
                .or(v["status"].as_str())
                .unwrap_or_default()
                .to_string(),
        )),
        Err(e) => Err(format!("{e:?}")),
    };
    let outcome = Outcome {
        what,
        start,
        end: Instant::now(),
        answer,
    };
    let status = outcome.status();
    if let Ok(mut j) = journal.lock() {
        j.push(outcome);
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_restarted_under_load_answers_503_then_recovers() {
    let test = "postgresql_restarted_under_load";
    let Some(server) = pg::PrivateServer::start(test).await else {
        return;
    };
    let started = Instant::now();
    let dir = tempdir();
    let setup = Setup::new(dir.path(), &server.url());
    setup.must_run(&["demo"]).await;
    let portal = setup.serve("pg-restart").await;
    let base = portal.url.clone();
    let db = books::open(&setup).await;

    let site_user = api::token(&base, "site_user").await;
    let manager = api::token(&base, "site_manager").await;
    let keeper = api::token(&base, "warehouse_keeper").await;
    let steel: Vec<i64> = api::supplier_listings(&base)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut lines = Vec::new();
    for i in 0..16 {
        let id = api::submit(&base, &site_user, &[(steel[i % steel.len()], Decimal::ONE)]).await;
        let (status, r) = api::approve(&base, &manager, id).await;
        assert_eq!(status, StatusCode::OK, "approval of {id}: {r}");
        lines.push((id, lines_of(&r)[0].0));
    }

    // The load: four clients issuing a little at a time, two reading the catalogue, one
    // asking /readyz.
    let journal: Journal = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = JoinSet::new();
    for w in 0..4 {
        let mine: Vec<(i64, i64)> = lines.iter().copied().skip(w).step_by(4).collect();
        let (journal, stop, base, keeper) =
            (journal.clone(), stop.clone(), base.clone(), keeper.clone());
        load.spawn(async move {
            let http = api::client();
            let step = Decimal::new(1, 2);
            let mut next = 0;
            while !stop.load(Ordering::SeqCst) {
                let Some((id, line)) = mine.get(next % mine.len().max(1)).copied() else {
                    break;
                };
                let url = format!("{base}/api/requisitions/{id}/issue");
                let body = issue_body(&[(line, step)]);
                let status = timed(
                    &journal,
                    "issue",
                    &http,
                    Method::POST,
                    &url,
                    &keeper,
                    Some(&body),
                )
                .await;
                if status == Some(422) {
                    next += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
    for _ in 0..2 {
        let (journal, stop, base, token) = (
            journal.clone(),
            stop.clone(),
            base.clone(),
            site_user.clone(),
        );
        load.spawn(async move {
            let http = api::client();
            let url = format!("{base}/api/catalogue?q=%E9%92%A2%E7%AD%8B");
            while !stop.load(Ordering::SeqCst) {
                timed(
                    &journal,
                    "catalogue",
                    &http,
                    Method::GET,
                    &url,
                    &token,
                    None,
                )
                .await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }
    {
        let (journal, stop, base) = (journal.clone(), stop.clone(), base.clone());
        load.spawn(async move {
            let http = api::client();
            let url = format!("{base}/readyz");
            while !stop.load(Ordering::SeqCst) {
                timed(&journal, "readyz", &http, Method::GET, &url, "", None).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }

    tokio::time::sleep(Duration::from_secs(3)).await;
    server.stop().await;
    let down = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    let restarting = Instant::now();
    server.start_again().await;
    let up = Instant::now();
    // Requests that waited for a connection through the restart may still answer 503 up to
    // the pool's acquire timeout later; after that, everything must work again.
    let settled = up + BOUNDED;
    let recovered = wait_until(Duration::from_secs(30), || {
        let journal = journal.clone();
        async move {
            let j = journal.lock().map(|j| {
                ["issue", "catalogue", "readyz"].iter().all(|what| {
                    j.iter()
                        .any(|o| o.what == *what && o.start > settled && o.status() == Some(200))
                })
            });
            j.unwrap_or(false)
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    load.join_all().await;
    let journal = std::mem::take(&mut *journal.lock().unwrap_or_else(|e| e.into_inner()));

    let mut problems = Vec::new();
    for o in &journal {
        let at = format!(
            "{} at {:?} (the database went down at {:?}, came back at {:?}) took {:?}",
            o.what,
            o.start.duration_since(started),
            down.duration_since(started),
            up.duration_since(started),
            o.end - o.start
        );
        if o.end - o.start > BOUNDED {
            problems.push(format!("{at}: longer than {BOUNDED:?}"));
        }
        match &o.answer {
            Err(e) => problems.push(format!("{at}: no answer: {e}")),
            Ok((status, code)) => {
                let away = o.end >= down && o.end < restarting;
                if away && *status != 503 {
                    problems.push(format!("{at}: {status} {code} while the database was away"));
                }
                let clean = match (o.what, *status) {
                    (_, 200) => true,
                    ("readyz", 503) => code == "database unavailable",
                    (_, 503) => code == "unavailable",
                    // Refusals the load itself causes: a requisition issued to its end (or
                    // past what a 503 had in fact committed).
                    ("issue", 422) => {
                        code == "requisition_not_approved" || code == "validation_failed"
                    }
                    _ => false,
                };
                if !clean {
                    problems.push(format!("{at}: {status} {code}"));
                }
                if *status == 503 && o.start > settled {
                    problems.push(format!("{at}: still 503 after the database came back"));
                }
            }
        }
    }
    let count = |what: &str, status: u16, from: Instant, to: Instant| {
        journal
            .iter()
            .filter(|o| o.what == what && o.status() == Some(status) && o.end >= from && o.end < to)
            .count()
    };
    for what in ["issue", "catalogue", "readyz"] {
        if count(what, 503, down, restarting) == 0 {
            problems.push(format!("no {what} request saw the database away"));
        }
        if count(what, 200, started, down) == 0 {
            problems.push(format!("no {what} request succeeded before the restart"));
        }
    }
    if !recovered {
        problems.push("not every kind of request succeeded after the restart".into());
    }
    let mut tally: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for o in &journal {
        let key = match &o.answer {
            Ok((s, c)) => format!("{s} {c}"),
            Err(_) => "no answer".into(),
        };
        *tally.entry((o.what, key)).or_default() += 1;
    }
    assert!(
        problems.is_empty(),
        "{} problems, e.g.:\n{}\nall answers: {tally:?}\n{}",
        problems.len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        server.log_tail()
    );

    books::assert_consistent(&db, &setup, "after PostgreSQL was restarted under load").await;
    assert!(portal.internal_errors().is_empty(), "{}", portal.log_tail());
    eprintln!("{test}: {tally:?} in {:?}", started.elapsed());
}
