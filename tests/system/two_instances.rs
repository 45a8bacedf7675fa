//! Issue 7, "Two instances, one PostgreSQL": two `portal serve` processes on one database
//! draw the last units of several listings at once, while both close the same period and
//! run the stale scan at once (from several `portal jobs run` processes and the API).

use crate::api::{self, issue_body, lines_of};
use crate::books;
use crate::pg;
use crate::process::{Setup, wait_until};
use crate::smtp;
use entity::{LotId, SupplierId, audit_log, job_run, lot, outbox, statement, statement_line, user};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// Each requisition asks for this much of a listing; each issue call for `PART` of it, three
/// times over (so one of the three must be refused).
const ASK: Decimal = Decimal::from_parts(2, 0, 0, false, 0);
const PART: Decimal = Decimal::from_parts(8, 0, 0, false, 1);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgresql_sell_no_unit_twice_and_close_flag_and_mail_once() {
    let test = "two_instances_on_one_postgresql";
    let Some(shared) = pg::shared_url(test) else {
        return;
    };
    let started = std::time::Instant::now();
    let schema = pg::fresh_schema(&shared).await;
    let url = pg::with_schema(&shared, &schema);
    let (inbox, smtp_port) = smtp::start(0);
    let dirs = [tempdir(), tempdir()];
    // The daily backup job's archives, in a folder removed with the test.
    let backups = tempdir();
    let setups: Vec<Setup> = dirs
        .iter()
        .map(|d| Setup {
            smtp_url: format!("smtp://127.0.0.1:{smtp_port}"),
            // Both schedulers race for today's jobs too.
            run_jobs: true,
            backup_dir: Some(backups.path().to_path_buf()),
            ..Setup::new(d.path(), &url)
        })
        .collect();
    setups[0].must_run(&["demo"]).await;
    let (a, b) = tokio::join!(setups[0].serve("a"), setups[1].serve("b"));
    let bases = [a.url.clone(), b.url.clone()];
    let db = books::open(&setups[0]).await;

    // A token from one instance is good on the other: the secret is shared.
    let site_user = api::token(&bases[0], "site_user").await;
    let manager = api::token(&bases[1], "site_manager").await;
    let keeper = api::token(&bases[0], "warehouse_keeper").await;
    let admin = api::token(&bases[1], "admin").await;
    let finance = api::token(&bases[0], "finance").await;

    // Mail from both sides: each new user is welcomed once.
    let mut users = JoinSet::new();
    for i in 0..6 {
        let (base, admin) = (bases[i % 2].clone(), admin.clone());
        users.spawn(async move {
            api::post(&base, "/api/users", &admin, &json!({"email": format!("sys-{i}@example.test"), "display_name": format!("System {i}"), "password": "long-enough-pw", "role": "auditor", "locale": "en"})).await
        });
    }
    for (status, v) in users.join_all().await {
        assert_eq!(status, StatusCode::CREATED, "new user: {v}");
    }

    // The last units: every steel listing of the demo supplier, asked for more than it has.
    let steel: BTreeSet<i64> = api::supplier_listings(&bases[0])
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let listings: Vec<(i64, Decimal)> = api::in_stock(&bases[0], &site_user)
        .await
        .into_iter()
        .filter(|(id, available)| steel.contains(id) && *available >= ASK)
        .collect();
    assert!(listings.len() >= 3, "demo steel listings: {listings:?}");
    let mut submitted = JoinSet::new();
    for (k, (listing, available)) in listings.iter().enumerate() {
        // Two more than fit.
        let asks = (*available / ASK).floor().to_usize().unwrap_or_default() + 2;
        for i in 0..asks {
            let (base, token, listing) = (bases[(k + i) % 2].clone(), site_user.clone(), *listing);
            submitted.spawn(async move {
                (listing, api::submit(&base, &token, &[(listing, ASK)]).await)
            });
        }
    }
    let submitted = submitted.join_all().await;

    // Both instances approve at once: each approval reserves or is refused whole.
    let mut approvals = JoinSet::new();
    for (i, (listing, id)) in submitted.iter().enumerate() {
        let (base, token, listing, id) = (bases[i % 2].clone(), manager.clone(), *listing, *id);
        approvals.spawn(async move { (listing, id, api::approve(&base, &token, id).await) });
    }
    let mut approved: Vec<(i64, Value)> = Vec::new();
    let mut approved_per_listing: BTreeMap<i64, Decimal> = BTreeMap::new();
    for (listing, id, (status, v)) in approvals.join_all().await {
        match status {
            StatusCode::OK => {
                approved.push((id, v));
                *approved_per_listing.entry(listing).or_default() += ASK;
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(
                    v["error"]["code"], "insufficient_stock",
                    "requisition {id}: {v}"
                );
            }
            other => panic!("approval of {id}: {other} {v}"),
        }
    }
    for (listing, available) in &listings {
        let reserved = approved_per_listing
            .get(listing)
            .copied()
            .unwrap_or_default();
        assert_eq!(
            reserved,
            (*available / ASK).floor() * ASK,
            "listing {listing} had {available}: what was reserved"
        );
    }

    // Both instances issue every approved requisition at once, three parts of which only
    // two fit.
    let limit = Arc::new(tokio::sync::Semaphore::new(16));
    let mut issues = JoinSet::new();
    for (i, (id, r)) in approved.iter().enumerate() {
        let Some((line, _, _)) = lines_of(r).first().copied() else {
            panic!("requisition {id} has no line: {r}");
        };
        for part in 0..3 {
            let (base, token, id, limit) = (
                bases[(i + part) % 2].clone(),
                keeper.clone(),
                *id,
                limit.clone(),
            );
            issues.spawn(async move {
                let _turn = limit.acquire_owned().await;
                let path = format!("/api/requisitions/{id}/issue");
                (
                    id,
                    api::post(&base, &path, &token, &issue_body(&[(line, PART)])).await,
                )
            });
        }
    }
    let mut issued_parts: BTreeMap<i64, usize> = BTreeMap::new();
    for (id, (status, v)) in issues.join_all().await {
        match status {
            StatusCode::OK => *issued_parts.entry(id).or_default() += 1,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT => {}
            other => panic!("issue of {id}: {other} {v}"),
        }
    }
    books::assert_consistent(&db, &setups[0], "after the issue storm").await;
    for (id, _) in &approved {
        let n = issued_parts.get(id).copied().unwrap_or_default();
        assert!(
            n <= 2,
            "requisition {id}: {n} parts of {PART} issued against {ASK} reserved"
        );
    }

    // What is left of each is issued, alternately on each side.
    let (status, all) = api::get(&bases[1], "/api/requisitions", &keeper).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    for (i, (id, _)) in approved.iter().enumerate() {
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
            let (status, v) = api::post(&bases[i % 2], &path, &keeper, &issue_body(&open)).await;
            assert_eq!(status, StatusCode::OK, "the rest of {id}: {v}");
            assert_eq!(v["status"], "issued", "{v}");
        }
    }

    // Both sides close the period holding today's issues and scan for stale lots, at once:
    // four `jobs run close-period` processes (two dates, each date twice), the API's close on
    // each instance, and four `jobs run stale-scan` processes far in the future.
    let today = api::today();
    let close_dates = [today + chrono::Days::new(35), today + chrono::Days::new(36)];
    let scan_dates = ["2099-01-01", "2099-01-02"];
    let mut jobs = JoinSet::new();
    for (i, setup) in setups.iter().enumerate() {
        for date in close_dates {
            let setup = setup.clone();
            jobs.spawn(async move {
                let d = date.to_string();
                setup
                    .run(&["jobs", "run", "close-period", "--as-of", &d])
                    .await
            });
        }
        // And the monthly pack of the same periods, which closes them first.
        for date in close_dates {
            let setup = setup.clone();
            jobs.spawn(async move {
                let d = date.to_string();
                setup
                    .run(&["jobs", "run", "monthly-pack", "--as-of", &d])
                    .await
            });
        }
        for date in scan_dates {
            let setup = setup.clone();
            jobs.spawn(async move {
                setup
                    .run(&["jobs", "run", "stale-scan", "--as-of", date])
                    .await
            });
        }
        let (base, finance) = (bases[i].clone(), finance.clone());
        jobs.spawn(async move {
            let (status, v) = api::post(&base, "/api/statements/close", &finance, &json!({})).await;
            crate::process::Ran {
                args: format!("POST {base}/api/statements/close"),
                success: status == StatusCode::OK,
                stdout: v.to_string(),
                stderr: String::new(),
            }
        });
    }
    for ran in jobs.join_all().await {
        assert!(
            ran.success,
            "{} failed:\n{}{}",
            ran.args, ran.stdout, ran.stderr
        );
    }

    // No job run failed half-way (a failed run gives its claim up under another key).
    let runs = job_run::Entity::find().all(&db.read).await.unwrap();
    let failed: Vec<_> = runs.iter().filter(|r| r.status != "done").collect();
    assert!(
        failed.is_empty(),
        "job runs that did not finish: {failed:#?}"
    );

    // One monthly pack per period, whoever ran it, each told once to the head and finance.
    let packs = entity::monthly_pack::Entity::find()
        .all(&db.read)
        .await
        .unwrap();
    let periods: BTreeSet<&str> = packs.iter().map(|p| p.period.as_str()).collect();
    assert_eq!(periods.len(), packs.len(), "one pack per period");
    let cutoff = portal::settings::cutoff_day(&db.read).await.unwrap();
    for d in close_dates {
        let period = portal::monthly_pack::rules::pack_period(d, cutoff).to_string();
        assert!(periods.contains(period.as_str()), "{period}: {periods:?}");
    }
    let pack_mails = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("monthly_pack"))
        .all(&db.read)
        .await
        .unwrap();
    let mut told: BTreeMap<(String, String), usize> = BTreeMap::new();
    for m in &pack_mails {
        *told
            .entry((m.to_addr.clone(), m.subject.clone()))
            .or_default() += 1;
    }
    assert!(
        told.values().all(|n| *n == 1) && told.len() >= 2 * packs.len(),
        "pack notices per recipient: {told:?}"
    );

    // One set of statements: one per supplier and period, every issue on exactly one line,
    // each statement's total the sum of its lines.
    let statements = statement::Entity::find().all(&db.read).await.unwrap();
    let mut per_period: BTreeMap<(SupplierId, String), usize> = BTreeMap::new();
    for s in &statements {
        *per_period
            .entry((s.supplier_id, s.period.clone()))
            .or_default() += 1;
    }
    assert!(
        per_period.values().all(|n| *n == 1),
        "statements per supplier and period: {per_period:?}"
    );
    let lines = statement_line::Entity::find().all(&db.read).await.unwrap();
    for s in &statements {
        let sum: Decimal = lines
            .iter()
            .filter(|l| l.statement_id == s.id)
            .map(|l| l.amount.value())
            .sum();
        assert_eq!(
            s.gross.value(),
            sum,
            "statement {} against its lines",
            s.number
        );
    }
    let issues = books::issue_movements(&db).await;
    let mut settled: BTreeMap<i64, usize> = BTreeMap::new();
    for l in &lines {
        if let Some(m) = l.movement_id {
            *settled.entry(m).or_default() += 1;
        }
    }
    let unsettled: Vec<i64> = issues
        .iter()
        .filter(|m| settled.get(&m.id) != Some(&1))
        .map(|m| m.id)
        .collect();
    assert!(
        unsettled.is_empty(),
        "issue movements not on exactly one statement line: {unsettled:?} of {}",
        issues.len()
    );
    assert!(
        issues.len() > approved.len(),
        "the storm's issues were settled"
    );

    // Each lot flagged once: every lot in stock is flagged, each by exactly one audited
    // flagging, and each flagging mailed the supplier's users once.
    let lots = lot::Entity::find().all(&db.read).await.unwrap();
    let unflagged: Vec<LotId> = lots
        .iter()
        .filter(|l| l.quantity.value() > Decimal::ZERO && l.stale_flagged_on.is_none())
        .map(|l| l.id)
        .collect();
    assert!(
        unflagged.is_empty(),
        "lots in stock never flagged: {unflagged:?}"
    );
    let flagged: BTreeSet<LotId> = lots
        .iter()
        .filter(|l| l.stale_flagged_on.is_some())
        .map(|l| l.id)
        .collect();
    let flaggings = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("lots.flag_stale"))
        .all(&db.read)
        .await
        .unwrap();
    let mut audited: BTreeMap<LotId, usize> = BTreeMap::new();
    let mut flaggings_of: BTreeMap<SupplierId, usize> = BTreeMap::new();
    for f in &flaggings {
        let after: Value = serde_json::from_str(&f.after).unwrap_or_default();
        for id in after["lots"].as_array().cloned().unwrap_or_default() {
            *audited
                .entry(LotId(id.as_i64().unwrap_or_default()))
                .or_default() += 1;
        }
        *flaggings_of
            .entry(SupplierId(f.entity_id.parse().unwrap_or_default()))
            .or_default() += 1;
    }
    assert_eq!(
        audited.keys().copied().collect::<BTreeSet<_>>(),
        flagged,
        "the lots the audit log says were flagged"
    );
    assert!(
        audited.values().all(|n| *n == 1),
        "lots flagged more than once: {audited:?}"
    );
    let suppliers_users = user::Entity::find()
        .filter(user::Column::SupplierId.is_not_null())
        .filter(user::Column::Active.eq(true))
        .all(&db.read)
        .await
        .unwrap();

    // Every email sent once: wait until the outbox is empty, then count what the SMTP server
    // got per recipient against the outbox.
    let all_sent = wait_until(Duration::from_secs(30), || async {
        outbox::Entity::find()
            .filter(outbox::Column::Status.ne("sent"))
            .all(&db.read)
            .await
            .map(|rows| rows.is_empty())
            .unwrap_or(false)
    })
    .await;
    let rows = outbox::Entity::find().all(&db.read).await.unwrap();
    assert!(all_sent, "outbox rows never sent: {rows:#?}");
    // The SMTP server may still be reading the last message the portal counted as sent.
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
    for i in 0..6 {
        assert_eq!(expected.get(&format!("sys-{i}@example.test")), Some(&1));
    }
    for u in &suppliers_users {
        let stale_mails = rows
            .iter()
            .filter(|r| r.kind == "stock_stale" && r.to_addr == u.email)
            .count();
        let want = u
            .supplier_id
            .and_then(|s| flaggings_of.get(&s))
            .copied()
            .unwrap_or_default();
        assert_eq!(
            stale_mails, want,
            "stale-stock mails to {} against flaggings of its supplier",
            u.email
        );
    }

    books::assert_consistent(&db, &setups[0], "after closing and scanning").await;
    for p in [&a, &b] {
        assert!(p.internal_errors().is_empty(), "{}", p.log_tail());
    }
    eprintln!(
        "{test}: {} of {} requisitions approved, {} issue movements on {} statements, \
         {} lots flagged in {} flaggings, {} emails, {} job runs, in {:?}",
        approved.len(),
        submitted.len(),
        issues.len(),
        statements.len(),
        flagged.len(),
        flaggings.len(),
        rows.len(),
        runs.len(),
        started.elapsed()
    );
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}
