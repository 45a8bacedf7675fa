//! Starts the real app on a random port against a fresh database: a temporary SQLite file,
//! or a fresh schema in PostgreSQL when `TEST_DATABASE_URL` is set.
#![allow(dead_code)]

use portal::clock::{ManualClock, SharedClock};
use portal::config::Config;
use portal::state::AppState;
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;

pub const DEMO_PASSWORD: &str = "demo-password";

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    /// A client that keeps cookies and does not follow redirects.
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    pub schema: Option<String>,
}

pub struct Options {
    pub demo: bool,
    pub smtp_url: String,
    /// The portal's public address (empty: the bound one, over http).
    pub base_url: String,
    /// Where backups go (None: the default, beside the data folder).
    pub backup_dir: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo: true,
            smtp_url: String::new(),
            base_url: String::new(),
            backup_dir: None,
        }
    }
}

pub fn test_database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// A config for a test: port 0, a temporary data folder, no scheduler.
pub fn test_config(data_dir: &std::path::Path, database_url: Option<String>) -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.unwrap_or_default(),
        run_jobs: false,
        mail_interval_secs: 1,
        db_pool: 4,
        ..Config::default()
    }
}

/// Creates a fresh PostgreSQL schema and answers its name.
pub async fn fresh_schema(url: &str) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL {url}: {e}"));
    db.execute_unprepared(&format!("CREATE SCHEMA {name}"))
        .await
        .expect("create schema");
    let _ = db.close().await;
    name
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_demo_app() -> TestApp {
    spawn_with(Options {
        demo: true,
        ..Default::default()
    })
    .await
}

pub async fn spawn_empty_app() -> TestApp {
    spawn_with(Options {
        demo: false,
        ..Default::default()
    })
    .await
}

pub async fn spawn_with(opts: Options) -> TestApp {
    portal::install_crypto_provider();
    let data_dir = tempfile::tempdir().expect("tempdir");
    let db_url = test_database_url();
    let schema = match &db_url {
        Some(url) => Some(fresh_schema(url).await),
        None => None,
    };
    let mut config = test_config(data_dir.path(), db_url);
    config.smtp_url = opts.smtp_url;
    if !opts.base_url.is_empty() {
        config.base_url = opts.base_url;
    }
    if let Some(dir) = opts.backup_dir {
        config.backup_dir = dir;
    }
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let shared: SharedClock = clock.clone();
    let state = portal::prepare(config, shared, schema.as_deref())
        .await
        .expect("prepare");
    if opts.demo {
        portal::demo::load(&state).await.expect("demo");
    }
    // The catalogue's index built before the first request, so that every test's searches
    // go through it (a server starts serving at once and answers from the database until
    // its index is built: `catalogue::warming_up_...` tests that).
    state
        .catalogue
        .build(&state.db)
        .await
        .expect("catalogue index");
    let app = portal::Application::build(state.clone()).expect("build");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        state,
        clock,
        client,
        data_dir,
        schema,
    }
}

/// The key that seals the app's bids lives beside its data folder, where `portal serve` puts
/// it by default (not in the folder, so that a copy of the folder opens nothing): remove it
/// with the folder.
impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(portal::tenders::seal_key::default_path(
            self.data_dir.path(),
        ));
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A fresh client without cookies, following no redirects.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn login_raw(&self, email: &str, password: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login")
    }

    /// Signs in through the API and answers the bearer token.
    pub async fn token(&self, email: &str, password: &str) -> String {
        let r = self.login_raw(email, password).await;
        assert_eq!(r.status(), StatusCode::OK, "login of {email}");
        let v: Value = r.json().await.unwrap_or_default();
        v["token"].as_str().unwrap_or_default().to_string()
    }

    pub async fn token_for(&self, role: &str) -> String {
        self.token(&format!("{role}@demo.test"), DEMO_PASSWORD)
            .await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn get_json(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let r = self.get(path, token).await;
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let r = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("Accept-Language", "en")
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    /// The CSRF token a page's form carries (read from the page itself).
    pub async fn csrf_from(&self, client: &reqwest::Client, path: &str) -> String {
        let body = client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        extract_csrf(&body)
    }

    /// Signs a browser-like client in through the login form.
    pub async fn page_login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.page_login_to(client, email, password, "/").await
    }

    /// [`Self::page_login`] with the form's `next` (where the sign-in leads) set to `next`.
    pub async fn page_login_to(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
        next: &str,
    ) -> reqwest::Response {
        let csrf = self.csrf_from(client, "/login").await;
        client
            .post(self.url("/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", next),
            ])
            .send()
            .await
            .expect("login form")
    }

    /// A browser (cookies kept) signed in as the demo account of `role`.
    pub async fn browser_of(&self, role: &str) -> reqwest::Client {
        let client = self.new_client();
        let r = self
            .page_login(&client, &format!("{role}@demo.test"), DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {role}");
        client
    }

    /// The English HTML of the page at `path`, as `client` sees it.
    pub async fn html(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .text()
            .await
            .unwrap_or_default()
    }

    /// Rule 14: a failure is confirmed once its supplier answered or its days to answer
    /// passed. Tests of what a confirmation does first have each supplier answer its open
    /// failures, through the store as that supplier's user would (the clock stays put, so
    /// the tokens the test holds stay valid).
    pub async fn suppliers_answer_open_failures(&self) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let db = &self.state.db.read;
        let open = entity::supplier_failure::Entity::find()
            .filter(entity::supplier_failure::Column::Status.eq("open"))
            .filter(entity::supplier_failure::Column::RespondedAt.is_null())
            .all(db)
            .await
            .unwrap_or_default();
        for f in open {
            let u = entity::user::Entity::find()
                .filter(entity::user::Column::SupplierId.eq(f.supplier_id))
                .filter(entity::user::Column::Role.eq("supplier"))
                .one(db)
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("no user of supplier {:?}", f.supplier_id));
            let user = portal::auth::CurrentUser {
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                role: portal::auth::Role::Supplier,
                supplier_id: u.supplier_id,
                site_id: None,
            };
            portal::suppliers::store::respond_to_failure_now(
                &self.state,
                &user,
                f.id,
                "已收到，已安排复检",
            )
            .await
            .unwrap_or_else(|e| panic!("supplier's answer to failure {}: {e:?}", f.id));
        }
    }

    /// The demo's sign-ins of a tender committee (rule 14): the officer, the head and the
    /// second officer.
    pub fn committee_emails() -> [&'static str; 3] {
        [
            "procurement_officer@demo.test",
            "procurement_head@demo.test",
            portal::demo::SECOND_OFFICER,
        ]
    }

    /// The user id of the demo user signing in as `email`.
    pub async fn user_id(&self, email: &str) -> i64 {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq(email))
            .one(&self.state.db.read)
            .await
            .ok()
            .flatten()
            .map(|u| u.id)
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    /// The committee members' user ids, in [`Self::committee_emails`]' order.
    pub async fn committee_ids(&self) -> Vec<i64> {
        let mut ids = Vec::new();
        for e in Self::committee_emails() {
            ids.push(self.user_id(e).await);
        }
        ids
    }

    /// The committee members' tokens, in [`Self::committee_emails`]' order.
    pub async fn committee_tokens(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in Self::committee_emails() {
            out.push(self.token(e, DEMO_PASSWORD).await);
        }
        out
    }

    /// Names the demo committee of three on tender `id` (as the officer), as a tender needs
    /// before it is published.
    pub async fn name_committee(&self, id: i64) {
        let officer = self.token_for("procurement_officer").await;
        let (status, v) = self
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/tenders/{id}/committee"),
                &officer,
                &serde_json::json!({"committee": self.committee_ids().await}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }

    /// Every member of the demo committee scores the bids of tender `id` alike
    /// (`scores`: the body's `scores`).
    pub async fn score_as_committee(&self, id: i64, scores: &Value) {
        for token in self.committee_tokens().await {
            let (status, v) = self
                .send_json(
                    reqwest::Method::PUT,
                    &format!("/api/tenders/{id}/scores"),
                    &token,
                    &serde_json::json!({ "scores": scores }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{v}");
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let db = &self.state.db.read;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"));
        row.and_then(|r| r.try_get::<i64>("", "n").ok())
            .unwrap_or_default()
    }
}

pub fn extract_csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    html.find(marker)
        .map(|i| {
            let rest = &html[i + marker.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
        .unwrap_or_default()
}

/// A decimal the API sent as a string ("12.50"); panics on anything else.
pub fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

/// Rule 12: every listing's stock agrees with its lots and its movements.
pub async fn ledger_ok(app: &TestApp) {
    let v = portal::stock::store::ledger_check(&app.state.db.read)
        .await
        .unwrap();
    assert!(v.ok, "ledger differs: {:?}", v.differences);
}

/// A supplier to take through the real admission path with [`TestApp::admitted_supplier`].
pub struct NewSupplier<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub legal_name: &'a str,
    /// The first 17 characters of its credit code; the check character is computed.
    pub credit_code_body: &'a str,
    /// The categories of its agreement.
    pub categories: &'a [i64],
}

/// An admitted supplier: its id, and a token of its user.
pub struct Admitted {
    pub id: i64,
    pub email: String,
    pub token: String,
}

impl TestApp {
    /// The id of the supplier whose contact email is `email` (an application answers none).
    pub async fn supplier_of_contact(&self, email: &str) -> i64 {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::supplier::Entity::find()
            .filter(entity::supplier::Column::ContactEmail.eq(email.trim().to_lowercase()))
            .one(&self.state.db.read)
            .await
            .ok()
            .flatten()
            .map(|s| s.id.get())
            .unwrap_or_else(|| panic!("no supplier with contact {email}"))
    }

    /// Takes a new supplier through the real admission path — application, the confirmation
    /// mail's link, a business licence upload, submission, the officer's recommendation, the
    /// head's admission — and panics at the first step that does not answer as it should.
    pub async fn admitted_supplier(&self, s: NewSupplier<'_>) -> Admitted {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let check = portal::suppliers::rules::CreditCode::check_char(s.credit_code_body)
            .unwrap_or_else(|| panic!("check character of {}", s.credit_code_body));
        let (status, created) = self
            .post_json(
                "/api/applications",
                "",
                &serde_json::json!({
                    "legal_name": s.legal_name,
                    "credit_code": format!("{}{check}", s.credit_code_body),
                    "legal_representative": "张三",
                    "contact_name": "李四",
                    "contact_phone": "0571-87654321",
                    "contact_email": s.email,
                    "address": "杭州市余杭区 1 号",
                    "category_ids": s.categories,
                    "bank_name": "中国工商银行余杭支行",
                    "bank_account": "1202 0212 0900 1234 567",
                    "password": s.password,
                    "locale": "en"
                }),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::ACCEPTED,
            "application of {}: {created}",
            s.email
        );
        let id = self.supplier_of_contact(s.email).await;
        let mail = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::ToAddr.eq(s.email))
            .filter(entity::outbox::Column::Kind.eq("verify_email"))
            .order_by_desc(entity::outbox::Column::Id)
            .one(&self.state.db.read)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no verification mail to {}", s.email));
        let at = mail.body_text.find("token=").unwrap_or_default() + 6;
        let link: String = mail.body_text[at..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        let (status, _) = self
            .post_json(
                "/api/auth/verify-email",
                "",
                &serde_json::json!({ "token": link }),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "confirming {}", s.email);
        let token = self.token(s.email, s.password).await;
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4\n% a scanned licence\n%%EOF\n".to_vec())
                .file_name("licence.pdf"),
        );
        let r = reqwest::Client::new()
            .post(self.url("/api/files"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("uploading the licence of {}: {e}", s.email));
        assert_eq!(r.status(), StatusCode::CREATED, "licence of {}", s.email);
        let file: Value = r.json().await.unwrap_or_default();
        let today = self.state.today();
        let doc = serde_json::json!({
            "kind": "business_licence",
            "title": "营业执照",
            "issued_on": (today - chrono::Days::new(10)).to_string(),
            "expires_on": (today + chrono::Days::new(700)).to_string(),
            "file_id": file["id"],
        });
        let (status, v) = self.post_json("/api/my/documents", &token, &doc).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let (status, v) = self
            .post_json("/api/my/application/submit", &token, &serde_json::json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let officer = self.token_for("procurement_officer").await;
        let checklist = serde_json::json!({"licence_valid": true, "certificates": true, "quality_system": true, "capacity": true, "references": true, "site_visit": false});
        let (status, v) = self
            .post_json(
                &format!("/api/suppliers/{id}/review"),
                &officer,
                &serde_json::json!({"checklist": checklist, "decision": "recommend"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let head = self.token_for("procurement_head").await;
        let (status, v) = self
            .post_json(
                &format!("/api/suppliers/{id}/admission"),
                &head,
                &serde_json::json!({"decision": "admit"}),
            )
            .await;
        assert_eq!(
            (status, v["status"].clone()),
            (StatusCode::OK, serde_json::json!("admitted")),
            "{v}"
        );
        Admitted {
            id,
            email: s.email.to_string(),
            token,
        }
    }
}
