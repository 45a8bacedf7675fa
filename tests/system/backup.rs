//! Issue 14, "a backup brings everything back": `portal backup` runs as its own process while
//! eight clients submit, approve and issue requisitions against the serving portal; the
//! archive is restored into a fresh folder (and, on PostgreSQL, a fresh database), the
//! portal starts on it, the books agree (rule 12's ledger check, `portal audit verify`) and
//! every draw acknowledged before the backup began is there, with the uploaded file and the
//! outbox. A damaged archive and a non-empty folder (or database) are refused, leaving
//! nothing behind; the daily `backup` job keeps the `backup_keep` newest archives.

use crate::api::{self, issue_body, lines_of};
use crate::books;
use crate::pg;
use crate::process::{Setup, wait_until};
use entity::RequisitionId;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const PURPOSE: &str = "备份测试 backup storm";

/// One draw of the storm: a requisition submitted, approved and issued, and when the issue
/// was acknowledged.
#[derive(Debug, Clone)]
struct Draw {
    id: RequisitionId,
    issued_at: Instant,
}

async fn draw(base: &str, tokens: &[String; 3], listing: i64) -> Draw {
    let [site_user, manager, keeper] = tokens;
    let need_by = api::today() + chrono::Days::new(3);
    let body = json!({"purpose": PURPOSE, "need_by": need_by.to_string(),
        "lines": [{"listing_id": listing, "quantity": "0.5"}]});
    let (status, v) = api::post(base, "/api/requisitions", site_user, &body).await;
    assert_eq!(status, StatusCode::CREATED, "submit: {v}");
    let id = v["id"].as_i64().unwrap_or_default();
    let (status, r) = api::approve(base, manager, id).await;
    assert_eq!(status, StatusCode::OK, "approval of {id}: {r}");
    let lines: Vec<(i64, Decimal)> = lines_of(&r).into_iter().map(|(l, r, _)| (l, r)).collect();
    let path = format!("/api/requisitions/{id}/issue");
    let (status, v) = api::post(base, &path, keeper, &issue_body(&lines)).await;
    assert_eq!(status, StatusCode::OK, "issue of {id}: {v}");
    Draw {
        id: RequisitionId(id),
        issued_at: Instant::now(),
    }
}

/// The demo supplier uploads a small PDF; answers the file's id.
async fn upload(base: &str) -> i64 {
    let supplier = api::token(base, "supplier").await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(
            b"%PDF-1.4\n% a certificate kept by backup\n%%EOF\n".to_vec(),
        )
        .file_name("certificate.pdf"),
    );
    let r = api::client()
        .post(format!("{base}/api/files"))
        .bearer_auth(&supplier)
        .multipart(form)
        .send()
        .await
        .expect("uploading");
    assert_eq!(r.status(), StatusCode::CREATED, "upload");
    let v: serde_json::Value = r.json().await.expect("file");
    v["id"].as_i64().unwrap_or_default()
}

/// The files under `dir`, by path relative to it, with their contents.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap_or(&p).to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

/// The backup-under-a-storm journey; `pg` is the shared PostgreSQL's URL when on it.
async fn journey(pg: Option<String>) {
    let started = Instant::now();
    let root = tempfile::tempdir().expect("a temporary folder");
    let data = root.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let (url, schema) = match &pg {
        Some(shared) => {
            let schema = pg::fresh_schema(shared).await;
            (pg::with_schema(shared, &schema), Some(schema))
        }
        None => (String::new(), None),
    };
    let setup = Setup::new(&data, &url);
    setup.must_run(&["demo"]).await;
    let portal = setup.serve("backup-source").await;
    let base = portal.url.clone();

    let steel: Vec<i64> = api::supplier_listings(&base)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(steel.len() >= 3, "demo steel listings: {steel:?}");
    let more: Vec<(i64, Decimal)> = steel.iter().map(|l| (*l, Decimal::new(500, 0))).collect();
    api::deliver(&base, &more).await;
    let file_id = upload(&base).await;
    let tokens = Arc::new([
        api::token(&base, "site_user").await,
        api::token(&base, "site_manager").await,
        api::token(&base, "warehouse_keeper").await,
    ]);

    // The storm: eight clients draw until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let mut storm = JoinSet::new();
    for worker in 0..8usize {
        let (base, tokens, stop, done, steel) = (
            base.clone(),
            tokens.clone(),
            stop.clone(),
            done.clone(),
            steel.clone(),
        );
        storm.spawn(async move {
            let mut drawn = Vec::new();
            let mut n = worker;
            while !stop.load(Ordering::SeqCst) && drawn.len() < 300 {
                drawn.push(draw(&base, &tokens, steel[n % steel.len()]).await);
                done.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
            drawn
        });
    }
    let warmed = wait_until(Duration::from_secs(90), || {
        let done = done.clone();
        async move { done.load(Ordering::SeqCst) >= 16 }
    })
    .await;
    assert!(warmed, "the storm drew nothing\n{}", portal.log_tail());

    // The backup, from another process, while the storm goes on.
    let archive = root.path().join("during-the-storm.tar.gz");
    let backup_began = Instant::now();
    let done_before = done.load(Ordering::SeqCst);
    let said = setup
        .must_run(&["backup", "--to", &archive.display().to_string()])
        .await;
    let done_during = done.load(Ordering::SeqCst) - done_before;
    assert!(said.contains("backup written"), "{said}");
    // Some more draws after it, which the archive need not hold.
    let goal = done.load(Ordering::SeqCst) + 8;
    wait_until(Duration::from_secs(60), || {
        let done = done.clone();
        async move { done.load(Ordering::SeqCst) >= goal }
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    let drawn: Vec<Draw> = storm.join_all().await.into_iter().flatten().collect();
    let before: Vec<&Draw> = drawn
        .iter()
        .filter(|d| d.issued_at < backup_began)
        .collect();
    assert!(
        !before.is_empty(),
        "no draw was acknowledged before the backup"
    );
    assert!(
        portal.internal_errors().is_empty(),
        "the backup made the portal answer 500:\n{}",
        portal.log_tail()
    );
    // Nothing of the backup's making stays beside the archive.
    let beside: Vec<String> = std::fs::read_dir(root.path())
        .expect("listing")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "data")
        .collect();
    assert_eq!(beside, vec!["during-the-storm.tar.gz".to_string()]);

    // Restore into a fresh folder (and database).
    let fresh_dir = root.path().join("restored");
    std::fs::create_dir_all(&fresh_dir).expect("restored folder");
    // On PostgreSQL, each restore goes into a database of its own, dropped at the end.
    let mut made = Vec::new();
    let restored = Setup::new(&fresh_dir, &empty_database(&pg, &schema, &mut made).await);
    let from = archive.display().to_string();
    let said = restored.must_run(&["restore", "--from", &from]).await;
    assert!(said.contains("restored"), "{said}");

    // Restoring again over it is refused, and changes nothing.
    let again = restored.run(&["restore", "--from", &from]).await;
    assert!(
        !again.success,
        "a restore into a non-empty folder succeeded"
    );
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
    if pg.is_some() {
        // The same database, from an empty folder: the database is not empty.
        let other = root.path().join("other");
        std::fs::create_dir_all(&other).expect("folder");
        let mut s = restored.clone();
        s.data_dir = other.clone();
        let ran = s.run(&["restore", "--from", &from]).await;
        assert!(
            !ran.success,
            "a restore into a database with tables succeeded"
        );
        assert!(ran.stderr.contains("already holds"), "{}", ran.stderr);
        assert!(is_empty(&other), "a refused restore left files behind");
    }

    // The outbox as the archive had it (the restored portal sends what was still queued at
    // the snapshot again, into new files): each file as the source wrote it.
    let outbox = files(&fresh_dir.join("outbox"));
    assert!(!outbox.is_empty(), "the outbox was not restored");
    let source_outbox = files(&data.join("outbox"));
    for (name, bytes) in &outbox {
        assert!(
            source_outbox.get(name) == Some(bytes),
            "outbox/{} differs from the source's",
            name.display()
        );
    }

    // The restored portal starts and has everything acknowledged before the backup began.
    let after = restored.serve("restored").await;
    let db = books::open(&restored).await;
    let stored: BTreeMap<RequisitionId, String> = entity::requisition::Entity::find()
        .filter(entity::requisition::Column::Purpose.eq(PURPOSE))
        .all(&db.read)
        .await
        .expect("requisitions")
        .into_iter()
        .map(|r| (r.id, r.status))
        .collect();
    let lost: Vec<String> = before
        .iter()
        .filter(|d| stored.get(&d.id).map(String::as_str) != Some("issued"))
        .map(|d| format!("{} ({:?})", d.id, stored.get(&d.id)))
        .collect();
    assert!(
        lost.is_empty(),
        "draws acknowledged before the backup began are not issued in the restore: {lost:?}"
    );
    books::assert_consistent(&db, &restored, "after a backup under a storm and a restore").await;
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("backup.create"))
        .all(&db.read)
        .await
        .expect("audit");
    assert!(audit.is_empty(), "the archive holds its own audit record");

    // The uploaded file comes back through the restored portal, and the outbox is there.
    let supplier = api::token(&after.url, "supplier").await;
    let r = api::client()
        .get(after.url(&format!("/api/files/{file_id}")))
        .bearer_auth(&supplier)
        .send()
        .await
        .expect("download");
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the uploaded file after the restore"
    );
    let body = r.bytes().await.expect("body");
    assert!(body.starts_with(b"%PDF-1.4\n% a certificate kept by backup"));
    assert!(after.internal_errors().is_empty(), "{}", after.log_tail());
    drop(after);

    // A damaged archive is refused, and leaves the folder empty.
    let mut bytes = std::fs::read(&archive).expect("archive");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    let damaged = root.path().join("damaged.tar.gz");
    std::fs::write(&damaged, &bytes).expect("damaged copy");
    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).expect("folder");
    // An empty database of its own, so that only the archive can be the reason.
    let s = Setup::new(&empty, &empty_database(&pg, &schema, &mut made).await);
    let ran = s
        .run(&["restore", "--from", &damaged.display().to_string()])
        .await;
    assert!(!ran.success, "a damaged archive was restored");
    assert!(
        ran.stderr.contains("damaged") || ran.stderr.contains("refused"),
        "{}",
        ran.stderr
    );
    assert!(is_empty(&empty), "a refused restore left files behind");

    // The daily job: three runs with two kept leave the newest two.
    let admin = api::token(&base, "admin").await;
    let (_, mut settings) = api::get(&base, "/api/settings", &admin).await;
    settings["backup_keep"] = json!(0);
    let (status, v) = put(&base, "/api/settings", &admin, &settings).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        v["error"]["fields"]["backup_keep"]["code"],
        "backup_keep_range"
    );
    settings["backup_keep"] = json!(2);
    let (status, v) = put(&base, "/api/settings", &admin, &settings).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let mut runs = Vec::new();
    for day in ["2027-01-01", "2027-01-02", "2027-01-03"] {
        let said = setup
            .must_run(&["jobs", "run", "backup", "--as-of", day])
            .await;
        assert!(said.contains("backup ran"), "{said}");
        runs.push(said);
    }
    let kept: Vec<String> = std::fs::read_dir(root.path().join("backups"))
        .expect("the backup folder beside the data folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(kept.len(), 2, "kept {kept:?} after {runs:?}");
    assert!(runs[2].contains("removed 1 older"), "{}", runs[2]);
    let source_db = books::open(&setup).await;
    let recorded = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("backup.create"))
        .all(&source_db.read)
        .await
        .expect("audit");
    assert_eq!(recorded.len(), 4, "one audit record per backup");

    drop(portal);
    drop(db);
    if let Some(shared) = &pg {
        for name in made {
            admin_sql(
                shared,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
    eprintln!(
        "{}: {} draws, {} before the backup, {done_during} during it: {:?}",
        if pg.is_some() { "PostgreSQL" } else { "SQLite" },
        drawn.len(),
        before.len(),
        started.elapsed()
    );
}

async fn put(
    base: &str,
    path: &str,
    token: &str,
    body: &serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    api::call(
        &api::client(),
        reqwest::Method::PUT,
        &format!("{base}{path}"),
        token,
        Some(body),
    )
    .await
    .unwrap_or_else(|e| panic!("PUT {path}: {e}"))
}

/// `url` with its database replaced by `name` (and no query).
fn database_url(url: &str, name: &str) -> String {
    let no_query = url.split('?').next().unwrap_or(url);
    let (server, _) = no_query.rsplit_once('/').unwrap_or((no_query, ""));
    format!("{server}/{name}")
}

/// Runs `sql` on the server of `url` (a statement that cannot run in a transaction).
async fn admin_sql(url: &str, sql: &str) {
    use sea_orm::{ConnectionTrait, Database};
    let db = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = db.close().await;
}

/// On PostgreSQL, the URL of a new empty database (its name kept in `made`, to drop), in
/// the schema the archive's dump makes; on SQLite, none.
async fn empty_database(
    pg: &Option<String>,
    schema: &Option<String>,
    made: &mut Vec<String>,
) -> String {
    let (Some(shared), Some(schema)) = (pg, schema) else {
        return String::new();
    };
    let name = format!("portal_restore_{}", uuid::Uuid::new_v4().simple());
    admin_sql(shared, &format!("CREATE DATABASE {name}")).await;
    made.push(name.clone());
    pg::with_schema(&database_url(shared, &name), schema)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_storm_of_draws_restores_every_acknowledged_draw_on_sqlite() {
    journey(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_storm_of_draws_restores_every_acknowledged_draw_on_postgresql() {
    let Some(shared) = pg::shared_url("backup on PostgreSQL") else {
        return;
    };
    journey(Some(shared)).await;
}
