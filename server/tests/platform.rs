//! Platform pieces every feature stands on: storage, mail outbox, audit chain, readiness,
//! security headers, the two languages.

mod support;

use std::time::Duration;

use app::backend::audit::{self, Actor, Event, Verification};
use app::backend::mail::{self, Template};
use app::backend::storage::{Storage, StorageError};
use app::domain::lang::Lang;
use bytes::Bytes;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use support::smtp::SmtpServer;
use support::{PrivatePostgres, Session, TestApp};

/// `total` bytes of deterministic pseudo-random data in 64 KiB chunks, never all in memory.
fn data_stream(
    total: usize,
    seed: u8,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin {
    let chunk = 64 * 1024;
    let chunks = total.div_ceil(chunk);
    Box::pin(futures::stream::iter(0..chunks).map(move |i| {
        let len = chunk.min(total - i * chunk);
        let mut x = (i as u32)
            .wrapping_mul(2654435761)
            .wrapping_add(seed as u32);
        let buf: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        Ok(Bytes::from(buf))
    }))
}

async fn expected_hash(total: usize, seed: u8) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut s = data_stream(total, seed);
    while let Some(c) = s.next().await {
        h.update(c.unwrap());
    }
    h.finalize().into()
}

async fn read_all_hash(storage: &Storage, key: &str) -> ([u8; 32], u64) {
    let mut body = storage.get(key).await.unwrap();
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(c) = body.stream.next().await {
        let c = c.unwrap();
        n += c.len() as u64;
        h.update(&c);
    }
    (h.finalize().into(), n)
}

async fn round_trip(app: &TestApp) {
    let storage = &app.state.storage;
    let prefix = format!("test/{}/", uuid::Uuid::new_v4().simple());
    const BIG: usize = 50 * 1024 * 1024;

    // A 50 MB streamed upload: size and hash computed on the way, read back identical.
    let key = format!("{prefix}big.bin");
    let stored = storage
        .put_stream(
            &key,
            "application/octet-stream",
            data_stream(BIG, 7),
            64 * 1024 * 1024,
        )
        .await
        .unwrap();
    assert_eq!(stored.size, BIG as u64);
    assert_eq!(stored.sha256, expected_hash(BIG, 7).await);
    assert_eq!(
        read_all_hash(storage, &key).await,
        (stored.sha256, BIG as u64)
    );

    // A small object goes in one request.
    let small = format!("{prefix}small.txt");
    storage
        .put_stream(
            &small,
            "text/plain",
            futures::stream::iter(vec![Ok(Bytes::from_static(b"hello"))]),
            100,
        )
        .await
        .unwrap();
    let listed: Vec<String> = storage
        .list(&prefix)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(listed, vec![key.clone(), small.clone()]);

    // Over the limit: refused, and nothing is left behind.
    let over = format!("{prefix}over.bin");
    let err = storage
        .put_stream(
            &over,
            "application/octet-stream",
            data_stream(7 * 1024 * 1024 + 1, 3),
            7 * 1024 * 1024,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::TooLarge { .. }), "{err}");
    assert!(matches!(
        storage.get(&over).await,
        Err(StorageError::NotFound)
    ));

    // A short-lived download URL works and carries the file name.
    let url = storage
        .download_url(&small, "问候.txt", "text/plain", Duration::from_secs(60))
        .await
        .unwrap();
    let url = if url.starts_with('/') {
        app.url(&url)
    } else {
        url
    };
    let resp = app.client.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    let disposition = resp
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("filename*=UTF-8''%E9%97%AE%E5%80%99.txt"),
        "{disposition}"
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"hello");

    // Delete, then it is gone.
    storage.delete(&key).await.unwrap();
    storage.delete(&small).await.unwrap();
    assert!(matches!(
        storage.get(&key).await,
        Err(StorageError::NotFound)
    ));
    assert!(storage.list(&prefix).await.unwrap().is_empty());
    storage.check().await.unwrap();
}

#[tokio::test]
async fn storage_round_trip_local() {
    let app = TestApp::spawn().await;
    round_trip(&app).await;
    // A tampered signature is refused.
    let storage = &app.state.storage;
    storage
        .put_stream(
            "t/x.txt",
            "text/plain",
            futures::stream::iter(vec![Ok(Bytes::from_static(b"x"))]),
            10,
        )
        .await
        .unwrap();
    let url = storage
        .download_url("t/x.txt", "x.txt", "text/plain", Duration::from_secs(60))
        .await
        .unwrap();
    let tampered = url.replace("type=text%2Fplain", "type=text%2Fhtml");
    assert_eq!(
        app.client
            .get(app.url(&tampered))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    app.stop().await;
}

#[tokio::test]
async fn storage_round_trip_s3() {
    let app = TestApp::builder().with_s3().spawn().await;
    assert_eq!(app.state.storage.backend_name(), "s3");
    round_trip(&app).await;
    app.stop().await;
}

async fn enqueue(app: &TestApp, to: &str) -> uuid::Uuid {
    let mut tx = app.state.db.begin().await.unwrap();
    let id = mail::enqueue(
        &mut tx,
        &app.state.settings,
        mail::Email {
            template: Template::SMTP_TEST,
            to,
            lang: Lang::En,
            vars: vec![("actor", "test".into())],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn outbox_delivers_over_smtp_and_survives_the_server_being_down() {
    let mut smtp = SmtpServer::start().await;
    let app = TestApp::builder().with_smtp(smtp.port).spawn().await;

    // Up: delivered promptly (the worker is woken by NOTIFY).
    enqueue(&app, "first@example.com").await;
    let got = smtp.wait_for("first@example.com", 10).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject, "Gatehouse test message");

    // Down: the message waits, with the failure recorded.
    smtp.stop();
    let id = enqueue(&app, "second@example.com").await;
    let failed_once = async {
        loop {
            let row = sqlx::query!(
                "SELECT attempts, status, last_error FROM outbox WHERE id = $1",
                id
            )
            .fetch_one(&app.state.db)
            .await
            .unwrap();
            if row.attempts >= 1 && row.last_error.is_some() {
                return row;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let row = tokio::time::timeout(Duration::from_secs(15), failed_once)
        .await
        .expect("a failed attempt is recorded");
    assert_eq!(row.status, "pending");

    // Back up: delivered exactly once, with a stable Message-ID.
    smtp.resume().await;
    let got = smtp.wait_for("second@example.com", 30).await;
    assert_eq!(got.len(), 1, "delivered exactly once");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = smtp.wait_for("second@example.com", 0).await;
    assert_eq!(got.len(), 1, "no second delivery");
    let message_id = sqlx::query_scalar!("SELECT message_id FROM outbox WHERE id = $1", id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(format!("<{}>", got[0].message_id), message_id);
    let status = sqlx::query_scalar!("SELECT status FROM outbox WHERE id = $1", id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(status, "sent");
    app.stop().await;
}

#[tokio::test]
async fn outbox_gives_up_after_the_maximum_attempts() {
    // Nothing listens on this port.
    let port = support::free_port();
    let app = TestApp::builder()
        .with_smtp(port)
        .var("GATEHOUSE_OUTBOX_MAX_ATTEMPTS", "1")
        .spawn()
        .await;
    let id = enqueue(&app, "nobody@example.com").await;
    let status = async {
        loop {
            let s = sqlx::query_scalar!("SELECT status FROM outbox WHERE id = $1", id)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
            if s != "pending" {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(20), status)
            .await
            .unwrap(),
        "failed"
    );
    app.stop().await;
}

#[tokio::test]
async fn audit_chain_verifies_and_names_the_altered_row() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    for i in 0..5 {
        let mut tx = db.begin().await.unwrap();
        audit::append(
            &mut tx,
            &Actor::system("test"),
            Event {
                action: "test.event",
                object_type: "thing",
                object_id: i.to_string(),
                details: serde_json::json!({"n": i, "名": "值"}),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let rows = match audit::verify(db).await.unwrap() {
        Verification::Intact { rows } => rows,
        other => panic!("{other:?}"),
    };
    assert!(rows >= 5);

    // The table refuses updates and deletes.
    assert!(
        sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
            .execute(db)
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(db)
        .await
        .is_err());

    // An owner who bypasses that is caught by the chain, at the row changed.
    let target: i64 = sqlx::query_scalar(
        "SELECT seq FROM audit_log WHERE object_id = '2' AND action = 'test.event'",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET details = '{\"n\": 99}' WHERE seq = $1")
        .bind(target)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        audit::verify(db).await.unwrap(),
        Verification::Broken {
            seq: target,
            reason: "content does not match its hash (the row was altered)".into()
        }
    );

    // The CLI says the same and fails.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", app.state.settings.database_url.expose())
        .env(
            "GATEHOUSE_STORAGE_PATH",
            std::env::temp_dir().join("gh-cli-files"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("broken at row {target}")));
    app.stop().await;
}

#[tokio::test]
async fn readyz_turns_503_when_the_database_stops_and_recovers() {
    let pg = PrivatePostgres::start();
    let admin = sqlx::PgPool::connect(&format!("{}/postgres", pg.base))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE ready")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let app = TestApp::builder()
        .database(&format!("{}/ready", pg.base))
        .spawn()
        .await;
    let ready = |app: &TestApp| {
        let c = app.client.clone();
        let url = app.url("/readyz");
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ready(&app).await, 200);
    pg.stop();
    assert_eq!(ready(&app).await, 503);
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "alive while not ready"
    );
    pg.restart();
    let mut status = 0;
    for _ in 0..50 {
        status = ready(&app).await;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, 200, "recovers without a restart");
    app.stop().await;
}

#[tokio::test]
async fn security_headers_on_pages_and_errors() {
    let app = TestApp::spawn().await;
    let mut s = Session::default();
    for path in ["/", "/login", "/no-such-page", "/healthz"] {
        let r = app.get(&mut s, path).await;
        let h = |n: &str| {
            r.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert!(
            h("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(
            h("content-security-policy").contains("default-src 'self'"),
            "{path}"
        );
        assert_eq!(
            h("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(
            h("strict-transport-security").is_empty(),
            "no HSTS over http"
        );
    }
    // The hydration script carries the nonce the CSP allows.
    let r = app.get(&mut s, "/").await;
    let csp = r.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    assert!(
        r.body.contains(&format!("nonce=\"{nonce}\"")),
        "script nonce matches CSP"
    );
    assert_eq!(app.get(&mut s, "/no-such-page").await.status, 404);
    app.stop().await;

    let https = TestApp::builder()
        .var("GATEHOUSE_BASE_URL", "https://gatehouse.example.com")
        .spawn()
        .await;
    let r = https.get(&mut Session::default(), "/").await;
    assert!(r
        .headers
        .get("strict-transport-security")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    https.stop().await;
}

#[tokio::test]
async fn the_shell_speaks_both_languages() {
    let app = TestApp::spawn().await;
    let get = |lang: Option<&'static str>, cookie: Option<&'static str>| {
        let mut req = app.client.get(app.url("/"));
        if let Some(l) = lang {
            req = req.header("accept-language", l);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let zh = get(Some("zh-CN,zh;q=0.9"), None).await;
    assert!(
        zh.contains("lang=\"zh-CN\""),
        "{}",
        &zh[..300.min(zh.len())]
    );
    assert!(zh.contains("合规地开通支付接口"));
    let en = get(Some("en-US,en;q=0.9"), None).await;
    assert!(en.contains("lang=\"en\""));
    assert!(en.contains("Open a payment interface, the compliant way"));
    // No preference at all: Chinese.
    assert!(get(None, None).await.contains("合规地开通支付接口"));
    // The remembered choice beats the browser's header.
    assert!(get(Some("zh-CN"), Some("i18n_pref_locale=en"))
        .await
        .contains("Open a payment interface"));

    // The switch link sets that cookie and returns to the page it came from.
    let r = app
        .get(&mut Session::default(), "/lang/en?next=/login")
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login"));
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("i18n_pref_locale=en;")
            && cookie.contains("Path=/")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // It never redirects off-site.
    let r = app
        .get(&mut Session::default(), "/lang/zh-CN?next=//evil.example")
        .await;
    assert_eq!(r.location(), Some("/"));
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::spawn().await;
    let mut s = Session::default();
    app.get(&mut s, "/healthz").await;
    app.get(&mut s, "/healthz").await;
    let m = app.get(&mut s, "/metrics").await;
    assert!(
        m.body.contains(
            "gatehouse_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"
        ),
        "{}",
        m.body
    );
    assert!(m
        .body
        .contains("gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\""));
    assert!(m.body.contains("gatehouse_outbox_pending "));
    app.stop().await;

    let guarded = TestApp::builder()
        .var("GATEHOUSE_METRICS_TOKEN", "s3cret")
        .spawn()
        .await;
    assert_eq!(guarded.get(&mut s, "/metrics").await.status, 401);
    let ok = guarded
        .client
        .get(guarded.url("/metrics"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    guarded.stop().await;
}
