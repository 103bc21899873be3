//! The merchant portal: sections, validation on the server, uploads to S3 and local storage,
//! refusals, isolation between organisations, concurrency, the ledger and submission.

mod support;

use std::time::Duration;

use app::backend::services::demo::{demo_pdf, demo_png};
use app::domain::identifiers::synthetic;
use chrono::NaiveDate;
use support::smtp::SmtpServer;
use support::TestApp;

fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn the_server_refuses_each_invalid_field_when_the_client_is_bypassed() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("校验测试").await;
    let mut s = m.session.clone();
    let v = app.section_version(&mut s, "entity").await;
    let r = app
        .save_section(
            &mut s,
            "entity",
            v,
            &kv(&[
                ("uscc", "91350100M000100Y44"),
                ("subject_type", "bank"),
                ("registered_capital", "-5"),
                ("licence_start", "2026-13-01"),
                ("legal_name", "好名字"),
            ]),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.field_error("uscc").unwrap().contains("校验位"),
        "{}",
        r.body
    );
    assert!(r.field_error("subject_type").is_some());
    assert!(r.field_error("registered_capital").is_some());
    assert!(r.field_error("licence_start").is_some());
    assert!(
        r.field_error("legal_name").is_none(),
        "valid fields have no error"
    );
    // Nothing was stored, and the typed values come back for the form.
    assert_eq!(app.section_version(&mut s, "entity").await, v);
    assert!(r.body.contains("91350100M000100Y44"));

    let minor = synthetic::resident_id(NaiveDate::from_ymd_opt(2012, 1, 1).unwrap(), 1);
    let v = app.section_version(&mut s, "legal-person").await;
    let r = app
        .save_section(
            &mut s,
            "legal-person",
            v,
            &kv(&[
                ("lp_id_type", "resident_id"),
                ("lp_id_number", &minor),
                ("lp_mobile", "1234"),
            ]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.field_error("lp_id_number").unwrap().contains("18"),
        "{}",
        r.body
    );
    assert!(r.field_error("lp_mobile").is_some());

    let v = app.section_version(&mut s, "settlement").await;
    let r = app
        .save_section(
            &mut s,
            "settlement",
            v,
            &kv(&[("cnaps", "12345"), ("account_number", "12AB")]),
        )
        .await;
    assert!(r.field_error("cnaps").is_some() && r.field_error("account_number").is_some());

    // English on request.
    let v = app.section_version(&mut s, "entity").await.to_string();
    let r = app
        .call_with(
            &mut s,
            "portal/save-section",
            &[
                ("section", "entity"),
                ("version", &v),
                ("data[uscc]", "123"),
            ],
            &[("origin", app.base.as_str()), ("accept-language", "en")],
        )
        .await;
    assert_eq!(
        r.field_error("uscc").as_deref(),
        Some("A unified social credit code has 18 characters.")
    );

    // A valid value is normalised as it is stored.
    let v = app.section_version(&mut s, "entity").await;
    let r = app
        .save_section(
            &mut s,
            "entity",
            v,
            &kv(&[("uscc", " 91350100m000100y43 ")]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let view = app
        .call(&mut s, "portal/section", &[("section", "entity")])
        .await
        .json();
    assert_eq!(view["values"]["uscc"], "91350100M000100Y43");
    app.stop().await;
}

#[tokio::test]
async fn two_concurrent_saves_of_one_section_never_lose_data_silently() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("并发测试").await;
    let mut a = m.session.clone();
    let mut b = app.login(&m.email, &m.password).await;
    let v = app.section_version(&mut a, "contact").await;
    let first = kv(&[("contact_name", "甲")]);
    let second = kv(&[("contact_name", "乙")]);
    let (ra, rb) = tokio::join!(
        app.save_section(&mut a, "contact", v, &first),
        app.save_section(&mut b, "contact", v, &second)
    );
    let statuses = [ra.status.as_u16(), rb.status.as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&422),
        "exactly one wins: {statuses:?}"
    );
    let loser = if ra.status == 200 { &rb } else { &ra };
    let msg = loser.field_error("form").unwrap();
    assert!(msg.contains("李雷"), "the conflict names who saved: {msg}");
    // The loser's input comes back so nothing is lost.
    assert!(loser
        .body
        .contains(if ra.status == 200 { "乙" } else { "甲" }));
    app.stop().await;
}

async fn uploads_are_checked_and_stored(app: &TestApp) {
    let m = app.register_merchant("上传测试").await;
    let s = m.session.clone();
    let object_count = || async {
        let org: uuid::Uuid =
            sqlx::query_scalar("SELECT organisation_id FROM users WHERE email = $1")
                .bind(&m.email)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        app.state
            .storage
            .list(&format!("documents/{org}/"))
            .await
            .unwrap()
            .len()
    };

    // Accepted: PNG, JPEG, PDF, identified by their bytes whatever the name says.
    let png = demo_png(1);
    let r = app
        .upload(&s, "business_licence", None, "licence.pdf", png.clone())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()[0]["content_type"], "image/png");
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(40, 30)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    assert_eq!(
        app.upload(&s, "id_front", None, "front.jpg", jpeg.into_inner())
            .await
            .status,
        200
    );
    assert_eq!(
        app.upload(&s, "bank_proof", None, "proof.pdf", demo_pdf("proof"))
            .await
            .status,
        200
    );
    assert_eq!(object_count().await, 3);

    // The row records size and SHA-256 of what was stored; the object is the same bytes.
    let (size, sha): (i64, Vec<u8>) =
        sqlx::query_as("SELECT size_bytes, sha256 FROM documents WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(size as usize, png.len());
    assert_eq!(sha, app::backend::crypto::sha256(&png));
    let resp = app
        .client
        .get(app.url(&format!("/documents/{id}")))
        .header("cookie", s.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &png[..]);
    let dl = app
        .client
        .get(app.url(&format!("/documents/{id}?download=1")))
        .header("cookie", s.cookie_header())
        .send()
        .await
        .unwrap();
    assert!(dl.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"licence.pdf\""));

    // Refused, with a clear message, and nothing stored.
    let refusals: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "setup.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
            "JPEG",
        ),
        (
            "photo.png",
            b"<!DOCTYPE html><script>alert(1)</script>".to_vec(),
            "JPEG",
        ),
        (
            "logo.png",
            br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(),
            "JPEG",
        ),
        ("truncated.png", png[..png.len() / 2].to_vec(), "无法读取"),
        ("empty.png", vec![], "空"),
    ];
    for (name, bytes, expected) in refusals {
        let r = app.upload(&s, "store_photo", None, name, bytes).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        let msg = r.field_error("file").unwrap();
        assert!(msg.contains(expected), "{name}: {msg}");
    }
    assert_eq!(object_count().await, 3, "refused uploads leave no object");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM documents d JOIN users u ON u.organisation_id = d.organisation_id WHERE u.email = $1").bind(&m.email).fetch_one(&app.state.db).await.unwrap();
    assert_eq!(rows, 3, "and no row");

    // The original name is only sanitised metadata; the key is the server's.
    let r = app
        .upload(&s, "articles", None, "../../etc/passwd.pdf", demo_pdf("x"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()[0]["filename"], "passwd.pdf");
    let key: String = sqlx::query_scalar("SELECT object_key FROM documents WHERE id = $1::uuid")
        .bind(r.json()[0]["id"].as_str().unwrap())
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(
        key.starts_with("documents/") && !key.contains(".."),
        "{key}"
    );

    // Deleting keeps the object (retention) but the document no longer counts.
    let r = app
        .call(&mut s.clone(), "portal/delete-document", &[("id", &id)])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let docs = app
        .call(&mut s.clone(), "portal/documents", &[])
        .await
        .json();
    let licence = docs["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "business_licence")
        .unwrap()
        .clone();
    assert!(licence["files"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn uploads_to_local_storage() {
    let app = TestApp::spawn().await;
    uploads_are_checked_and_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn uploads_to_the_s3_server() {
    let app = TestApp::builder().with_s3().spawn().await;
    uploads_are_checked_and_stored(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_leaves_nothing() {
    let limit = 64 * 1024;
    for s3 in [false, true] {
        let b = TestApp::builder().var("GATEHOUSE_UPLOAD_LIMIT_BYTES", limit.to_string());
        let app = if s3 { b.with_s3() } else { b }.spawn().await;
        let m = app.register_merchant("上限测试").await;
        let mut pdf = demo_pdf("big");
        pdf.resize(limit + 1, b' ');
        let r = app
            .upload(&m.session, "articles", None, "big.pdf", pdf.clone())
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.field_error("file").unwrap().contains("0.1 MB"),
            "{}",
            r.body
        );
        let org: uuid::Uuid =
            sqlx::query_scalar("SELECT organisation_id FROM users WHERE email = $1")
                .bind(&m.email)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        assert!(app
            .state
            .storage
            .list(&format!("documents/{org}/"))
            .await
            .unwrap()
            .is_empty());
        pdf.truncate(limit);
        assert_eq!(
            app.upload(&m.session, "articles", None, "exact.pdf", pdf)
                .await
                .status,
            200,
            "exactly the limit is fine"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn another_organisation_gets_404_for_everything() {
    let app = TestApp::spawn().await;
    let a = app.register_merchant("甲公司").await;
    let mut b = app.register_merchant("乙公司").await;
    let r = app
        .upload(&a.session, "business_licence", None, "a.png", demo_png(2))
        .await;
    let doc = r.json()[0]["id"].as_str().unwrap().to_string();
    // Direct object URLs.
    for path in [
        format!("/documents/{doc}"),
        format!("/documents/{doc}?download=1"),
    ] {
        let resp = app
            .client
            .get(app.url(&path))
            .header("cookie", b.session.cookie_header())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        let anon = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(anon.status(), 401, "{path}");
    }
    assert_eq!(
        app.call(&mut b.session, "portal/delete-document", &[("id", &doc)])
            .await
            .status,
        404
    );
    // B's portal shows B's own application, never A's data.
    let mine = app
        .call(&mut b.session, "portal/overview", &[])
        .await
        .json();
    let theirs = app
        .call(&mut a.session.clone(), "portal/overview", &[])
        .await
        .json();
    assert_ne!(mine["id"], theirs["id"]);
    let docs = app.call(&mut b.session, "portal/documents", &[]).await.body;
    assert!(!docs.contains(&doc));
    // Staff who review may see it (and the view is audited).
    let (_, reviewer) = app.staff(app::domain::roles::Role::Reviewer).await;
    let resp = app
        .client
        .get(app.url(&format!("/documents/{doc}")))
        .header("cookie", reviewer.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let viewed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'document.viewed' AND object_id = $1",
    )
    .bind(&doc)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(viewed, 1);
    let (_, am) = app.staff(app::domain::roles::Role::AccountManager).await;
    let resp = app
        .client
        .get(app.url(&format!("/documents/{doc}")))
        .header("cookie", am.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn submit_needs_an_empty_ledger_then_locks_and_mails_the_merchant() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().with_smtp(smtp.port).spawn().await;
    let m = app
        .register_merchant_via_smtp(&smtp, "提交测试有限公司")
        .await;
    let mut s = m.session.clone();
    let overview = app.call(&mut s, "portal/overview", &[]).await.json();
    assert_eq!(overview["state"], "draft");
    assert!(!overview["ledger"].as_array().unwrap().is_empty());
    let version = overview["version"].as_i64().unwrap().to_string();
    let r = app
        .call(&mut s, "portal/submit", &[("version", &version)])
        .await;
    assert_eq!(r.status, 422, "refused while anything is due: {}", r.body);

    app.complete_application(&mut s, "提交测试有限公司", true)
        .await;
    let overview = app.call(&mut s, "portal/overview", &[]).await.json();
    assert_eq!(
        overview["ledger"].as_array().unwrap().len(),
        0,
        "{:?}",
        overview["ledger"]
    );
    let version = overview["version"].as_i64().unwrap().to_string();
    let r = app
        .call(&mut s, "portal/submit", &[("version", &version)])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let overview = app.call(&mut s, "portal/overview", &[]).await.json();
    assert_eq!(overview["state"], "submitted");
    assert_eq!(overview["timeline"].as_array().unwrap().len(), 1);

    // The "received" email arrives, in the merchant's language.
    let received = smtp
        .wait_for_matching(&m.email, 15, |x| x.subject.contains("已收到"))
        .await;
    assert!(
        received.body.contains("/portal") && received.body.contains("已提交"),
        "{}",
        received.body
    );

    // Read-only now: saves and uploads are refused.
    let v = app.section_version(&mut s, "entity").await;
    assert_eq!(
        app.save_section(&mut s, "entity", v, &kv(&[("short_name", "改名")]))
            .await
            .status,
        409
    );
    assert_eq!(
        app.upload(&s, "store_photo", None, "x.png", demo_png(3))
            .await
            .status,
        422
    );
    // A second submit with the old version is a conflict, not a second transition.
    assert_eq!(
        app.call(&mut s, "portal/submit", &[("version", &version)])
            .await
            .status,
        409
    );

    // Withdraw, then a new application can start; the old one stays as history.
    let version = app.call(&mut s, "portal/overview", &[]).await.json()["version"]
        .as_i64()
        .unwrap()
        .to_string();
    assert_eq!(
        app.call(&mut s, "portal/withdraw", &[("version", &version)])
            .await
            .status,
        200
    );
    assert_eq!(app.call(&mut s, "portal/start-new", &[]).await.status, 200);
    assert_eq!(
        app.call(&mut s, "portal/overview", &[]).await.json()["state"],
        "draft"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM applications a JOIN users u ON u.organisation_id = a.organisation_id WHERE u.email = $1").bind(&m.email).fetch_one(&app.state.db).await.unwrap();
    assert_eq!(count, 2);
    let transitions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action = 'application.transition' ORDER BY seq",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(transitions.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn the_reconciler_removes_objects_without_rows() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("孤儿对象").await;
    app.upload(
        &m.session,
        "business_licence",
        None,
        "kept.png",
        demo_png(4),
    )
    .await;
    let org: uuid::Uuid = sqlx::query_scalar("SELECT organisation_id FROM users WHERE email = $1")
        .bind(&m.email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let orphan = format!("documents/{org}/{}.png", uuid::Uuid::new_v4());
    app.state
        .storage
        .put_stream(
            &orphan,
            "image/png",
            futures::stream::iter([Ok(bytes::Bytes::from(demo_png(5)))]),
            1 << 20,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let removed = app::backend::services::documents::reconcile_orphans(
        &app.state,
        chrono::Duration::seconds(1),
    )
    .await
    .unwrap();
    assert_eq!(removed, 1);
    let left: Vec<String> = app
        .state
        .storage
        .list(&format!("documents/{org}/"))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0], orphan);
    app.stop().await;
}
