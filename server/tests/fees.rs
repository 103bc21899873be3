//! Fee schedules, assignment with floor approval, and fee contracts from draft to acceptance:
//! through the server functions and routes, against PostgreSQL, SMTP and the PDF renderer.

mod support;

use app::domain::roles::Role;
use support::smtp::SmtpServer;
use support::{Reply, Session, TestApp};
use uuid::Uuid;

/// A valid schedule as the editor posts it, with `changes` applied over it.
fn schedule_form(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("name", "测试费率 Test"),
        ("lines.wechat_pay.rate", "0.38"),
        ("lines.wechat_pay.floor", "0.3"),
        ("lines.credit_card.rate", "0.6"),
        ("lines.credit_card.min", "0.50"),
        ("lines.credit_card.max", "50.00"),
        ("tiers.0.threshold", "1000000"),
        ("tiers.0.wechat_pay", "0.3"),
        ("refund_policy", "pro_rata"),
        ("cross_border_surcharge", "1"),
        ("settlement_cycle", "t1"),
        ("settlement_fee", "0"),
        ("chargeback_fee", "25"),
        ("valid_from", "2026-01-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in changes {
        fields.retain(|(f, _)| f != k);
        fields.push((k.to_string(), v.to_string()));
    }
    fields
        .into_iter()
        .map(|(k, v)| (format!("fields[{k}]"), v))
        .collect()
}

async fn save(
    app: &TestApp,
    s: &mut Session,
    id: Option<Uuid>,
    seen: Option<i32>,
    changes: &[(&str, &str)],
) -> Reply {
    let mut form = schedule_form(changes);
    if let Some(id) = id {
        form.push(("id".into(), id.to_string()));
    }
    if let Some(v) = seen {
        form.push(("seen_version".into(), v.to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(s, "fees/save", &form).await
}

async fn schedule(
    app: &TestApp,
    s: &mut Session,
    id: Uuid,
    version: Option<i32>,
) -> serde_json::Value {
    let id = id.to_string();
    let mut form = vec![("id", id.clone())];
    if let Some(v) = version {
        form.push(("version", v.to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.call(s, "fees/schedule", &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

async fn assign(
    app: &TestApp,
    s: &mut Session,
    org: Uuid,
    version_id: &str,
    overrides: &[(&str, &str)],
) -> Reply {
    let org = org.to_string();
    let mut form = vec![
        ("organisation_id".to_string(), org),
        ("version_id".to_string(), version_id.to_string()),
        (
            "effective_from".to_string(),
            app::backend::services::applications::today().to_string(),
        ),
    ];
    for (m, r) in overrides {
        form.push((format!("overrides[{m}]"), r.to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(s, "fees/assign", &form).await
}

async fn latest_version_id(app: &TestApp, schedule: Uuid) -> String {
    sqlx::query_scalar::<_, Uuid>(
        "SELECT id FROM fee_schedule_versions WHERE schedule_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(schedule)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
    .to_string()
}

#[tokio::test]
async fn schedules_are_validated_field_by_field_and_versioned_once_in_use() {
    let app = TestApp::spawn().await;
    let (_, mut am) = app.staff(Role::AccountManager).await;

    // Every problem at once, each on its field.
    let r = save(
        &app,
        &mut am,
        None,
        None,
        &[
            ("lines.wechat_pay.rate", "-0.1"),
            ("lines.credit_card.min", "60"),
            ("lines.alipay.rate", "9"),
            ("lines.alipay.floor", "abc"),
            ("tiers.1.threshold", "500"),
            ("tiers.1.wechat_pay", "0.2"),
            ("valid_to", "2025-12-31"),
            ("lines.b2b_banking.rate", "0.12345"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in [
        "lines.wechat_pay.rate",
        "lines.credit_card.min",
        "lines.alipay.rate",
        "lines.alipay.floor",
        "tiers.1.threshold",
        "valid_to",
        "lines.b2b_banking.rate",
    ] {
        assert!(r.field_error(field).is_some(), "{field}: {}", r.body);
    }
    assert!(
        r.field_error("lines.alipay.rate").unwrap().contains('5'),
        "ceiling named"
    );
    // Nothing was written.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM fee_schedules")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // Roles without fee management are refused.
    let (_, mut reviewer) = app.staff(Role::Reviewer).await;
    assert_eq!(save(&app, &mut reviewer, None, None, &[]).await.status, 403);

    let r = save(&app, &mut am, None, None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id: Uuid = serde_json::from_value(r.json()).unwrap();
    let d = schedule(&app, &mut am, id, None).await;
    assert_eq!(d["version"], 1);
    // Exact conversion: 0.38 % is 3 800 ppm, ¥0.50 is 50 fen.
    let lines = d["schedule"]["lines"].as_array().unwrap();
    assert_eq!(lines[0]["rate"], 3800);
    assert_eq!(lines[1]["min"], 50);

    // Not in use: an edit changes version 1 in place.
    let r = save(
        &app,
        &mut am,
        Some(id),
        Some(1),
        &[("lines.wechat_pay.rate", "0.4")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = schedule(&app, &mut am, id, None).await;
    assert_eq!(
        (d["version"].as_i64(), d["latest"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(d["schedule"]["lines"][0]["rate"], 4000);

    // An editor that saw an older version is refused rather than overwriting.
    let r = save(&app, &mut am, Some(id), Some(0), &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);

    // Once assigned, version 1 is frozen: the next edit is version 2; v1 stays readable.
    let (_, org) = app.approved_merchant(None, "费率版本有限公司").await;
    let v1 = latest_version_id(&app, id).await;
    assert_eq!(assign(&app, &mut am, org, &v1, &[]).await.status, 200);
    let r = save(
        &app,
        &mut am,
        Some(id),
        Some(1),
        &[("lines.wechat_pay.rate", "0.45")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = schedule(&app, &mut am, id, None).await;
    assert_eq!(d["version"], 2);
    assert_eq!(d["schedule"]["lines"][0]["rate"], 4500);
    let old = schedule(&app, &mut am, id, Some(1)).await;
    assert_eq!(old["schedule"]["lines"][0]["rate"], 4000);
    assert_eq!(old["in_use"], true);
    // The database itself refuses to change a version in use.
    let err = sqlx::query("UPDATE fee_schedule_versions SET body = '{}' WHERE id = $1::uuid")
        .bind(&v1)
        .execute(&app.state.db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    let audit: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('fees.schedule_created', 'fees.schedule_updated', 'fees.assigned')",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(audit, 4);
    app.stop().await;
}

#[tokio::test]
async fn a_rate_below_the_floor_needs_another_person_who_is_a_lead() {
    let app = TestApp::spawn().await;
    let (_, mut am) = app.staff(Role::AccountManager).await;
    let (_, org) = app.approved_merchant(None, "底价审批有限公司").await;
    let id: Uuid = save(&app, &mut am, None, None, &[])
        .await
        .json()
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let v = latest_version_id(&app, id).await;

    // Above the ceiling, and an unknown method, are field errors.
    let r = assign(
        &app,
        &mut am,
        org,
        &v,
        &[("wechat_pay", "7"), ("alipay", "0.3")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.field_error("overrides[wechat_pay]").is_some(),
        "{}",
        r.body
    );
    assert!(
        r.field_error("overrides[alipay]").is_some(),
        "alipay is not offered: {}",
        r.body
    );

    // At the floor: active at once. Below it: waits for a lead.
    let r = assign(&app, &mut am, org, &v, &[("wechat_pay", "0.3")]).await;
    assert_eq!(r.json(), "active");
    let r = assign(&app, &mut am, org, &v, &[("wechat_pay", "0.2")]).await;
    assert_eq!(r.json(), "pending_approval", "{}", r.body);
    let pending: Uuid =
        sqlx::query_scalar("SELECT id FROM fee_assignments WHERE status = 'pending_approval'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let decide = |decision: &'static str, note: &'static str| {
        vec![
            ("id", pending.to_string()),
            ("decision", decision.into()),
            ("note", note.into()),
        ]
    };
    let call = |s: &mut Session, form: Vec<(&'static str, String)>| {
        let form = form.clone();
        let app = &app;
        let mut s = s.clone();
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&mut s, "fees/decide-floor", &f).await
        }
    };
    // The account manager cannot approve; a lead must say why they decline.
    assert_eq!(call(&mut am, decide("approve", "")).await.status, 403);
    let (_, mut lead) = app.staff(Role::ComplianceLead).await;
    let r = call(&mut lead, decide("decline", "")).await;
    assert_eq!(r.status, 422);
    assert!(r.field_error("note").is_some());
    // The pending list shows it to the lead, decidable.
    let m = app.call(&mut lead, "fees/merchants", &[]).await.json();
    assert_eq!(m["pending"][0]["can_decide"], true);
    assert_eq!(m["pending"][0]["below_floor"][0], "wechat_pay");
    assert_eq!(
        call(&mut lead, decide("approve", "战略客户")).await.status,
        200
    );
    // Approved: it replaces the active one; deciding again is a conflict.
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT status FROM fee_assignments WHERE organisation_id = $1 ORDER BY created_at",
    )
    .bind(org)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(statuses, ["superseded", "active"]);
    assert_eq!(call(&mut lead, decide("approve", "")).await.status, 409);

    // A lead who is also the proposer cannot approve: the server checks, not only the UI.
    sqlx::query("UPDATE fee_assignments SET status = 'pending_approval', created_by = (SELECT id FROM users WHERE role = 'compliance_lead' LIMIT 1) WHERE id = $1")
        .bind(pending)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(call(&mut lead, decide("approve", "")).await.status, 403);
    app.stop().await;
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("gh-pdf-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by .ci/tools.sh");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_contract_is_sent_read_as_pdf_and_accepted_once_by_a_signatory() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().with_smtp(smtp.port).spawn().await;
    let (am_email, mut am) = app.staff(Role::AccountManager).await;
    let (m, org) = app.approved_merchant(Some(&smtp), "合同签署有限公司").await;
    let mut ms = m.session.clone();
    let (other, _) = app.approved_merchant(Some(&smtp), "别家有限公司").await;
    let mut os = other.session.clone();

    let id: Uuid = save(&app, &mut am, None, None, &[])
        .await
        .json()
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let v = latest_version_id(&app, id).await;
    let action = |action: &'static str, contract: Option<Uuid>| {
        let mut f = vec![
            ("organisation_id", org.to_string()),
            ("action", action.to_string()),
        ];
        if let Some(c) = contract {
            f.push(("id", c.to_string()));
        }
        f
    };
    let act = |s: &Session, form: Vec<(&'static str, String)>| {
        let app = &app;
        let mut s = s.clone();
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&mut s, "fees/contract-action", &f).await
        }
    };
    // No schedule yet: nothing to draft from.
    assert_eq!(act(&am, action("draft", None)).await.status, 409);
    assert_eq!(
        assign(&app, &mut am, org, &v, &[("wechat_pay", "0.35")])
            .await
            .status,
        200
    );
    let r = act(&am, action("draft", None)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let first: Uuid = serde_json::from_value(r.json()).unwrap();
    // The merchant sees nothing until it is sent.
    assert_eq!(
        app.call(&mut ms, "portal/contract", &[]).await.json(),
        serde_json::Value::Null
    );
    assert_eq!(act(&am, action("send", Some(first))).await.status, 200);
    assert_eq!(
        act(&am, action("send", Some(first))).await.status,
        409,
        "sent twice"
    );

    let c = app.call(&mut ms, "portal/contract", &[]).await.json();
    let number = c["summary"]["number"].as_str().unwrap().to_string();
    let hash = c["summary"]["hash"].as_str().unwrap().to_string();
    assert!(
        number.starts_with("GH-2026-") || number.starts_with("GH-20"),
        "{number}"
    );
    assert_eq!(hash.len(), 64);
    let signatory = c["signatories"][0].as_str().unwrap().to_string();
    let mail = smtp
        .wait_for_matching(&m.email, 20, |r| r.subject.contains(&number))
        .await;
    assert!(mail.body.contains("/portal/contract"), "{}", mail.body);

    // The stored hash is the SHA-256 of the canonical content, and any change changes it.
    let content: serde_json::Value =
        sqlx::query_scalar("SELECT content FROM contracts WHERE id = $1")
            .bind(first)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let mut content: app::domain::fees::ContractContent = serde_json::from_value(content).unwrap();
    assert_eq!(app::backend::services::fees::content_hash(&content), hash);
    assert_eq!(
        content.schedule.lines[0].rate.0, 3500,
        "negotiated rate in the contract"
    );
    content.schedule.lines[0].rate.0 += 1;
    assert_ne!(app::backend::services::fees::content_hash(&content), hash);

    // The PDF carries the number and the hash; another merchant gets 404 for it.
    let pdf = app
        .get(&mut ms, &format!("/portal/contract/{first}/pdf"))
        .await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let bytes = app
        .client
        .get(app.url(&format!("/portal/contract/{first}/pdf")))
        .header("cookie", ms.cookie_header())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = pdf_text(&bytes);
    assert!(text.contains(&number), "{text}");
    assert!(text.replace(['\n', ' '], "").contains(&hash), "{text}");
    assert!(
        text.contains("合同签署有限公司"),
        "CJK text extracts: {text}"
    );
    assert_eq!(
        app.get(&mut os, &format!("/portal/contract/{first}/pdf"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&mut am, &format!("/fees/contracts/{first}/pdf"))
            .await
            .status,
        200
    );

    let accept = |s: &Session, id: Uuid, hash: &str, name: &str, agree: bool| {
        let mut f = vec![
            ("id", id.to_string()),
            ("hash", hash.to_string()),
            ("name", name.to_string()),
        ];
        if agree {
            f.push(("agree", "yes".into()));
        }
        let app = &app;
        let mut s = s.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(&mut s, "portal/contract-accept", &f).await
        }
    };
    // Another organisation's contract does not exist for them.
    assert_eq!(
        accept(&os, first, &hash, &signatory, true).await.status,
        404
    );
    // Consent and a signatory's name are required; a different hash is refused.
    let r = accept(&ms, first, &hash, "", false).await;
    assert_eq!(r.status, 422);
    assert!(
        r.field_error("agree").is_some() && r.field_error("name").is_some(),
        "{}",
        r.body
    );
    let r = accept(&ms, first, &hash, "路人甲", true).await;
    assert_eq!(r.status, 422);
    assert!(r.field_error("name").unwrap().len() > 5, "{}", r.body);
    assert_eq!(
        accept(&ms, first, &"0".repeat(64), &signatory, true)
            .await
            .status,
        409
    );

    // A newer version supersedes the first: accepting the old one is refused.
    let second: Uuid =
        serde_json::from_value(act(&am, action("draft", None)).await.json()).unwrap();
    assert_eq!(act(&am, action("send", Some(second))).await.status, 200);
    assert_eq!(
        accept(&ms, first, &hash, &signatory, true).await.status,
        409
    );
    let c = app.call(&mut ms, "portal/contract", &[]).await.json();
    assert_eq!(c["summary"]["id"], second.to_string());
    let hash2 = c["summary"]["hash"].as_str().unwrap().to_string();
    let number2 = c["summary"]["number"].as_str().unwrap().to_string();
    assert_ne!(hash2, hash, "a new number means new content");

    let r = accept(&ms, second, &hash2, &format!("  {signatory} "), true).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let row: (String, Option<String>, Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT state, accepted_ip, accepted_user_agent, accepted_name, accepted_hash FROM contracts WHERE id = $1",
    )
    .bind(second)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(row.0, "accepted");
    assert_eq!(row.1.as_deref(), Some("127.0.0.1"));
    assert!(row.2.is_some());
    assert_eq!(row.3.as_deref(), Some(signatory.as_str()));
    assert_eq!(row.4.as_deref(), Some(hash2.as_str()));
    // Once only; and neither staff nor SQL can change an accepted contract.
    assert_eq!(
        accept(&ms, second, &hash2, &signatory, true).await.status,
        409
    );
    assert_eq!(act(&am, action("withdraw", Some(second))).await.status, 409);
    let err = sqlx::query("UPDATE contracts SET accepted_name = 'x' WHERE id = $1")
        .bind(second)
        .execute(&app.state.db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot change"), "{err}");
    assert!(sqlx::query("DELETE FROM contracts WHERE id = $1")
        .bind(second)
        .execute(&app.state.db)
        .await
        .is_err());

    // Both sides hear about it, with the fingerprint.
    for to in [m.email.as_str(), am_email.as_str()] {
        let mail = smtp
            .wait_for_matching(to, 20, |r| {
                r.subject.contains(&number2) && r.body.contains(&hash2)
            })
            .await;
        assert!(mail.body.contains(&signatory));
    }
    let mut actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'contract.%' ORDER BY seq",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    actions.dedup();
    assert_eq!(
        actions,
        [
            "contract.drafted",
            "contract.sent",
            "contract.drafted",
            "contract.sent",
            "contract.accepted"
        ]
    );
    // The merchant's page and the staff page render the accepted contract.
    let page = app.get(&mut ms, "/portal/contract").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&hash2) && page.body.contains("data-accepted"),
        "page shows it: {}",
        page.body
    );
    app.stop().await;
}
