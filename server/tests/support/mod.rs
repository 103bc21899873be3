//! Test harness: each test gets a fresh database (copied from a migrated template) and the
//! app on port 0, talking to the real PostgreSQL, S3 (s3s-fs) and SMTP (aiosmtpd) servers
//! that `make test` started (see `.ci/test.sh`). Helpers read like the journey.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::backend::state::AppState;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Response, StatusCode};
use server::startup::{self, Running};
use tokio::sync::OnceCell;

pub mod smtp;

/// Base URL (without database) of the test cluster, e.g. `postgres://postgres:pw@127.0.0.1:5433`.
pub fn pg_base() -> String {
    std::env::var("GATEHOUSE_TEST_PG")
        .expect("GATEHOUSE_TEST_PG is set by `make test` (.ci/test.sh)")
}

pub fn s3_endpoint() -> String {
    std::env::var("GATEHOUSE_TEST_S3").expect("GATEHOUSE_TEST_S3 is set by `make test`")
}

pub const S3_BUCKET: &str = "gatehouse-test";
pub const S3_ACCESS_KEY: &str = "gatehouse-test-key";
pub const S3_SECRET_KEY: &str = "gatehouse-test-secret";

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// A migrated template database for this test process (created once).
async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("gh_tpl_{}_{}", std::process::id(), rand::random::<u32>());
            let admin = sqlx::PgPool::connect(&format!("{}/postgres", pg_base()))
                .await
                .expect("connect to the test cluster");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .unwrap();
            let pool = sqlx::PgPool::connect(&format!("{}/{name}", pg_base()))
                .await
                .unwrap();
            startup::migrate(&pool).await.expect("migrations apply");
            pool.close().await;
            admin.close().await;
            name
        })
        .await
}

/// A fresh, migrated database; returns its URL.
pub async fn fresh_database() -> String {
    let tpl = template().await;
    let name = format!("gh_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&format!("{}/postgres", pg_base()))
        .await
        .unwrap();
    // Copying a template is refused while anyone else copies it; retry briefly.
    for attempt in 0.. {
        match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {tpl}"))
            .execute(&admin)
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("create test database: {e}"),
        }
    }
    admin.close().await;
    format!("{}/{name}", pg_base())
}

#[derive(Default)]
pub struct AppBuilder {
    vars: HashMap<String, String>,
}

impl AppBuilder {
    pub fn var(mut self, k: &str, v: impl Into<String>) -> Self {
        self.vars.insert(k.to_string(), v.into());
        self
    }

    /// Documents in the test S3 server instead of a local directory.
    pub fn with_s3(self) -> Self {
        self.var("GATEHOUSE_STORAGE", "s3")
            .var("GATEHOUSE_S3_ENDPOINT", s3_endpoint())
            .var("GATEHOUSE_S3_BUCKET", S3_BUCKET)
            .var("GATEHOUSE_S3_ACCESS_KEY", S3_ACCESS_KEY)
            .var("GATEHOUSE_S3_SECRET_KEY", S3_SECRET_KEY)
            .var("GATEHOUSE_S3_PATH_STYLE", "true")
    }

    /// Mail through an SMTP server instead of the dev mailbox.
    pub fn with_smtp(self, port: u16) -> Self {
        self.var("GATEHOUSE_SMTP_URL", format!("smtp://127.0.0.1:{port}"))
    }

    pub fn database(self, url: &str) -> Self {
        self.var("DATABASE_URL", url)
    }

    pub async fn spawn(mut self) -> TestApp {
        if !self.vars.contains_key("DATABASE_URL") {
            let db = fresh_database().await;
            self.vars.insert("DATABASE_URL".into(), db);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://127.0.0.1:{}", addr.port());
        self.vars
            .entry("GATEHOUSE_BASE_URL".into())
            .or_insert_with(|| base.clone());
        self.vars.insert("GATEHOUSE_BIND".into(), addr.to_string());
        let files =
            std::env::temp_dir().join(format!("gh-files-{}", uuid::Uuid::new_v4().simple()));
        self.vars
            .entry("GATEHOUSE_STORAGE_PATH".into())
            .or_insert_with(|| files.display().to_string());
        let settings = server::config::load(&server::config::Source::from_map(self.vars).unwrap())
            .expect("test settings are valid");
        server::telemetry::init(settings.log_format);
        let state = startup::build_state(settings).await.expect("app state");
        let running = startup::spawn(state.clone(), listener).await.unwrap();
        TestApp {
            base,
            state,
            running: Some(running),
            client: client(),
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    running: Option<Running>,
}

/// A browser-like identity: its cookies.
#[derive(Clone, Debug, Default)]
pub struct Session {
    pub cookies: HashMap<String, String>,
}

impl Session {
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Applies the response's Set-Cookie headers (deletions included).
    pub fn absorb(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE) {
            let s = v.to_str().unwrap();
            let (pair, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k.trim());
            } else {
                self.cookies.insert(k.trim().to_string(), val.to_string());
            }
        }
    }

    pub fn session_token(&self) -> Option<&String> {
        self.cookies.get("__Host-gh_session")
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    async fn from(resp: Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The message of a field error in an AppError::Validation body.
    pub fn field_error(&self, field: &str) -> Option<String> {
        let v = self.json();
        v.get("Validation")?
            .get("errors")?
            .as_array()?
            .iter()
            .find(|e| e["field"] == field)
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    pub fn builder() -> AppBuilder {
        AppBuilder::default()
    }

    pub async fn spawn() -> TestApp {
        AppBuilder::default().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    pub async fn get(&self, session: &mut Session, path: &str) -> Reply {
        let mut req = self.client.get(self.url(path));
        if !session.cookies.is_empty() {
            req = req.header(COOKIE, session.cookie_header());
        }
        let resp = req.send().await.unwrap();
        session.absorb(resp.headers());
        Reply::from(resp).await
    }

    /// Calls a server function the way the hydrated app does (url-encoded POST, same origin).
    pub async fn call(
        &self,
        session: &mut Session,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Reply {
        self.call_with(
            session,
            endpoint,
            form,
            &[
                (ORIGIN.as_str(), self.base.as_str()),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await
    }

    pub async fn call_with(
        &self,
        session: &mut Session,
        endpoint: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if !session.cookies.is_empty() {
            req = req.header(COOKIE, session.cookie_header());
        }
        let resp = req.send().await.unwrap();
        session.absorb(resp.headers());
        Reply::from(resp).await
    }

    // --- journey helpers ----------------------------------------------------------------------

    /// The latest dev-mailbox message to `to`, waiting for the worker to deliver it.
    pub async fn dev_mail(&self, to: &str) -> app::backend::db::outbox::MailboxRow {
        for _ in 0..100 {
            if let Some(m) = app::backend::db::outbox::dev_mailbox(&self.state.db, Some(to), 1)
                .await
                .unwrap()
                .into_iter()
                .next()
            {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no mail for {to}");
    }

    /// Registers a merchant and verifies its email; returns its login.
    pub async fn register_merchant(&self, org: &str) -> Merchant {
        self.register_merchant_reading(org, None).await
    }

    /// The same, for an app that sends mail through `smtp`.
    pub async fn register_merchant_via_smtp(&self, smtp: &smtp::SmtpServer, org: &str) -> Merchant {
        self.register_merchant_reading(org, Some(smtp)).await
    }

    async fn register_merchant_reading(
        &self,
        org: &str,
        smtp: Option<&smtp::SmtpServer>,
    ) -> Merchant {
        let email = format!("m-{}@example.com", uuid::Uuid::new_v4().simple());
        let password = "violet orbit kettle 42".to_string();
        let mut s = Session::default();
        let r = self
            .call(
                &mut s,
                "auth/register",
                &[
                    ("organisation", org),
                    ("name", "李雷"),
                    ("email", &email),
                    ("mobile", "13800138000"),
                    ("password", &password),
                    ("password_confirm", &password),
                ],
            )
            .await;
        assert!(r.status.is_success(), "register: {} {}", r.status, r.body);
        let body = match smtp {
            Some(smtp) => {
                smtp.wait_for(&email, 15)
                    .await
                    .pop()
                    .expect("verification mail")
                    .body
            }
            None => self.dev_mail(&email).await.body_text,
        };
        let token = extract_token(&body, "/verify-email?token=");
        let r = self
            .call(&mut s, "auth/verify-email", &[("token", &token)])
            .await;
        assert!(r.status.is_success(), "verify: {}", r.body);
        let session = self.login(&email, &password).await;
        Merchant {
            email,
            password,
            session,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let mut s = Session::default();
        let r = self
            .call(
                &mut s,
                "auth/login",
                &[("email", email), ("password", password)],
            )
            .await;
        assert!(
            r.status.is_success(),
            "login {email}: {} {}",
            r.status,
            r.body
        );
        s
    }

    /// A staff user with a password, signed in (dev mode: no TOTP needed).
    pub async fn staff(&self, role: app::domain::roles::Role) -> (String, Session) {
        let email = format!(
            "{}-{}@gatehouse.test",
            role.as_str(),
            uuid::Uuid::new_v4().simple()
        );
        let password = "staff kettle orbit violet 7";
        server::cli::create_user(
            &self.state,
            &email,
            role,
            "Staff",
            Some(password.to_string()),
        )
        .await
        .unwrap();
        let s = self.login(&email, password).await;
        (email, s)
    }
}

pub struct Merchant {
    pub email: String,
    pub password: String,
    pub session: Session,
}

/// The token after `marker` in a mail body (up to whitespace).
pub fn extract_token(body: &str, marker: &str) -> String {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in:\n{body}"))
        + marker.len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

/// A private PostgreSQL cluster for tests that stop and start the database.
pub struct PrivatePostgres {
    pub dir: PathBuf,
    pub port: u16,
    pub base: String,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivatePostgres {
    pub fn start() -> Self {
        let port = free_port();
        let dir = PathBuf::from(format!(
            "/var/tmp/gh-test-pg-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let out = Command::new(repo_root().join(".ci/pg.sh"))
            .arg("start")
            .arg(&dir)
            .arg(port.to_string())
            .env("PG_FSYNC", "off")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let base = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Self { dir, port, base }
    }

    pub fn restart(&self) {
        let out = Command::new(repo_root().join(".ci/pg.sh"))
            .arg("start")
            .arg(&self.dir)
            .arg(self.port.to_string())
            .env("PG_FSYNC", "off")
            .output()
            .unwrap();
        assert!(out.status.success());
    }

    pub fn stop(&self) {
        let out = Command::new(repo_root().join(".ci/pg.sh"))
            .arg("stop")
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(out.status.success());
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(format!("{}.password", self.dir.display()));
    }
}

/// A child process killed when dropped.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn spawn_quiet(cmd: &mut Command) -> ChildGuard {
    ChildGuard(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    )
}

// --- the merchant portal ------------------------------------------------------------------

impl TestApp {
    /// The section's current version (what a save must name).
    pub async fn section_version(&self, s: &mut Session, section: &str) -> i32 {
        let r = self
            .call(s, "portal/section", &[("section", section)])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["version"].as_i64().unwrap() as i32
    }

    /// Saves a section as the portal's form does (`data[<key>]` fields).
    pub async fn save_section(
        &self,
        s: &mut Session,
        section: &str,
        version: i32,
        fields: &[(String, String)],
    ) -> Reply {
        let mut form: Vec<(String, String)> = vec![
            ("section".into(), section.into()),
            ("version".into(), version.to_string()),
        ];
        for (k, v) in fields {
            form.push((format!("data[{k}]"), v.clone()));
        }
        let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.call(s, "portal/save-section", &refs).await
    }

    /// Uploads a file to a document slot, as the portal's uploader does.
    pub async fn upload(
        &self,
        s: &Session,
        kind: &str,
        subject: Option<&str>,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .text("subject", subject.unwrap_or("").to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
            );
        let resp = self
            .client
            .post(self.url("/portal/documents/upload"))
            .header(ACCEPT, "application/json")
            .header(ORIGIN, &self.base)
            .header(COOKIE, s.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        Reply::from(resp).await
    }

    /// Fills every section with valid data and uploads every required document.
    pub async fn complete_application(&self, s: &mut Session, legal_name: &str, company: bool) {
        for (section, data) in app::backend::services::demo::sample_sections(
            legal_name,
            company,
            rand::random::<u16>() as u64,
        ) {
            let v = self.section_version(s, section.slug()).await;
            let fields: Vec<(String, String)> = data
                .into_iter()
                .map(|(k, v)| {
                    // Multi-choice fields post one checkbox per option.
                    if k == "scenes" {
                        (format!("scenes.{v}"), "yes".to_string())
                    } else {
                        (k, v)
                    }
                })
                .collect();
            let r = self.save_section(s, section.slug(), v, &fields).await;
            assert_eq!(r.status, 200, "{section:?}: {}", r.body);
        }
        let docs = self.call(s, "portal/documents", &[]).await.json();
        for slot in docs["slots"].as_array().unwrap() {
            let need = slot["need"].as_u64().unwrap();
            for n in 0..need {
                let kind = slot["kind"].as_str().unwrap();
                let subject = slot["subject"].as_str();
                let r = self
                    .upload(
                        s,
                        kind,
                        subject,
                        &format!("{kind}-{n}.png"),
                        app::backend::services::demo::demo_png(n as u8),
                    )
                    .await;
                assert_eq!(r.status, 200, "{kind}: {}", r.body);
            }
        }
    }
}

// --- review ---------------------------------------------------------------------------------

impl TestApp {
    /// A merchant with a complete, submitted application; returns it and the application id.
    /// `answers` sets self-assessment questions to "yes" (raising the risk score).
    pub async fn submitted_application(
        &self,
        org: &str,
        answers: &[&str],
    ) -> (Merchant, uuid::Uuid) {
        let m = self.register_merchant(org).await;
        let mut s = m.session.clone();
        self.complete_application(&mut s, org, true).await;
        if !answers.is_empty() {
            let v = self.section_version(&mut s, "self-assessment").await;
            let mut fields: Vec<(String, String)> = app::domain::application::SELF_QUESTIONS
                .iter()
                .map(|q| {
                    (
                        q.to_string(),
                        if answers.contains(q) { "yes" } else { "no" }.to_string(),
                    )
                })
                .collect();
            fields.push(("declare_truthful".into(), "yes".into()));
            fields.push(("declare_authorise".into(), "yes".into()));
            let r = self
                .save_section(&mut s, "self-assessment", v, &fields)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let o = self.call(&mut s, "portal/overview", &[]).await.json();
        let r = self
            .call(
                &mut s,
                "portal/submit",
                &[("version", &o["version"].to_string())],
            )
            .await;
        assert_eq!(r.status, 200, "submit: {}", r.body);
        let id = uuid::Uuid::parse_str(o["id"].as_str().unwrap()).unwrap();
        (m, id)
    }

    pub async fn app_version(&self, id: uuid::Uuid) -> i32 {
        sqlx::query_scalar("SELECT version FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }

    pub async fn app_state(&self, id: uuid::Uuid) -> String {
        sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }

    /// Calls a review action on the application with its current version.
    pub async fn review(
        &self,
        s: &mut Session,
        endpoint: &str,
        id: uuid::Uuid,
        extra: &[(&str, &str)],
    ) -> Reply {
        let version = self.app_version(id).await.to_string();
        let id = id.to_string();
        let mut form = vec![("id", id.as_str()), ("version", version.as_str())];
        form.extend_from_slice(extra);
        self.call(s, endpoint, &form).await
    }

    /// Marks every checklist step passed (as the reviewer holding it).
    pub async fn pass_checklist(&self, s: &mut Session, id: uuid::Uuid) {
        let codes: Vec<String> =
            sqlx::query_scalar("SELECT code FROM review_checklist WHERE application_id = $1")
                .bind(id)
                .fetch_all(&self.state.db)
                .await
                .unwrap();
        assert!(!codes.is_empty(), "no checklist");
        for code in codes {
            let r = self
                .call(
                    s,
                    "review/step",
                    &[
                        ("id", &id.to_string()),
                        ("code", &code),
                        ("status", "pass"),
                        ("note", "ok"),
                    ],
                )
                .await;
            assert_eq!(r.status, 200, "{code}: {}", r.body);
        }
    }
}

// --- fees -----------------------------------------------------------------------------------

impl TestApp {
    /// A merchant (registered through `smtp` when given) whose application a reviewer has
    /// approved; returns it with its organisation id.
    pub async fn approved_merchant(
        &self,
        smtp: Option<&smtp::SmtpServer>,
        org: &str,
    ) -> (Merchant, uuid::Uuid) {
        let m = self.register_merchant_reading(org, smtp).await;
        let mut s = m.session.clone();
        self.complete_application(&mut s, org, true).await;
        let o = self.call(&mut s, "portal/overview", &[]).await.json();
        let r = self
            .call(
                &mut s,
                "portal/submit",
                &[("version", &o["version"].to_string())],
            )
            .await;
        assert_eq!(r.status, 200, "submit: {}", r.body);
        let id = uuid::Uuid::parse_str(o["id"].as_str().unwrap()).unwrap();
        let (_, mut reviewer) = self.staff(app::domain::roles::Role::Reviewer).await;
        let r = self.review(&mut reviewer, "review/claim", id, &[]).await;
        assert_eq!(r.status, 200, "claim: {}", r.body);
        self.pass_checklist(&mut reviewer, id).await;
        let r = self.review(&mut reviewer, "review/approve", id, &[]).await;
        assert_eq!(r.status, 200, "approve: {}", r.body);
        assert_eq!(self.app_state(id).await, "approved");
        let org_id = sqlx::query_scalar("SELECT organisation_id FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&self.state.db)
            .await
            .unwrap();
        (m, org_id)
    }
}

impl TestApp {
    /// The per-state counters the triggers keep equal a real count.
    pub async fn assert_state_counts(&self) {
        let kept: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, n FROM application_state_counts WHERE n > 0 ORDER BY state",
        )
        .fetch_all(&self.state.db)
        .await
        .unwrap();
        let real: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, count(*) FROM applications GROUP BY state ORDER BY state",
        )
        .fetch_all(&self.state.db)
        .await
        .unwrap();
        assert_eq!(kept, real);
        assert!(!real.is_empty());
    }
}
