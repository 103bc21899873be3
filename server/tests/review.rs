//! Compliance review: queue, claim, checklist, risk, decisions with four-eyes, emails, audit.

mod support;

use app::domain::roles::Role;
use support::smtp::SmtpServer;
use support::TestApp;

#[tokio::test]
async fn a_low_risk_application_is_claimed_checked_and_approved() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().with_smtp(smtp.port).spawn().await;
    // Registered through SMTP so its verification mail arrives there too.
    let m = app
        .register_merchant_via_smtp(&smtp, "审核通过有限公司")
        .await;
    let mut ms = m.session.clone();
    app.complete_application(&mut ms, "审核通过有限公司", true)
        .await;
    let o = app.call(&mut ms, "portal/overview", &[]).await.json();
    assert_eq!(
        app.call(
            &mut ms,
            "portal/submit",
            &[("version", &o["version"].to_string())]
        )
        .await
        .status,
        200
    );
    let id = uuid::Uuid::parse_str(o["id"].as_str().unwrap()).unwrap();

    let (_, mut reviewer) = app.staff(Role::Reviewer).await;
    let q = app.call(&mut reviewer, "review/queue", &[]).await.json();
    let item = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.to_string())
        .expect("in the queue")
        .clone();
    assert_eq!(item["state"], "submitted");
    assert_eq!(item["legal_name"], "审核通过有限公司");
    assert_eq!(item["tier"], "low");

    // Approve is refused before claiming and before the checklist passes.
    assert_eq!(
        app.review(&mut reviewer, "review/approve", id, &[])
            .await
            .status,
        409
    );
    let r = app.review(&mut reviewer, "review/claim", id, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.app_state(id).await, "in_review");
    let view = app
        .call(
            &mut reviewer,
            "review/application",
            &[("id", &id.to_string())],
        )
        .await
        .json();
    let steps = view["checklist"].as_array().unwrap();
    assert_eq!(steps.len(), 9, "the low-tier template");
    let auto = |code: &str| steps.iter().find(|s| s["code"] == code).unwrap()["suggested"].clone();
    for code in ["entity", "legal_person", "owners", "settlement"] {
        assert_eq!(auto(code), "pass", "{code} prefilled by the system");
    }
    let r = app.review(&mut reviewer, "review/approve", id, &[]).await;
    assert_eq!(r.status, 409);
    assert!(
        r.body.contains("9"),
        "names how many steps are open: {}",
        r.body
    );

    app.pass_checklist(&mut reviewer, id).await;
    let r = app.review(&mut reviewer, "review/approve", id, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.app_state(id).await, "approved");

    let mail = smtp
        .wait_for_matching(&m.email, 15, |x| x.subject.contains("已通过"))
        .await;
    assert!(mail.body.contains("/portal"));
    // The audit trail has every step and the chain holds.
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE object_id = $1 ORDER BY seq")
            .bind(id.to_string())
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    for a in [
        "review.claimed",
        "checklist.step_set",
        "application.transition",
        "review.viewed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    assert!(matches!(
        app::backend::audit::verify(&app.state.db).await.unwrap(),
        app::backend::audit::Verification::Intact { .. }
    ));
    app.stop().await;
}

#[tokio::test]
async fn request_information_then_the_merchant_fixes_only_that_and_it_returns_to_the_same_reviewer()
{
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().with_smtp(smtp.port).spawn().await;
    let m = app
        .register_merchant_via_smtp(&smtp, "补充材料有限公司")
        .await;
    let mut ms = m.session.clone();
    app.complete_application(&mut ms, "补充材料有限公司", true)
        .await;
    let o = app.call(&mut ms, "portal/overview", &[]).await.json();
    app.call(
        &mut ms,
        "portal/submit",
        &[("version", &o["version"].to_string())],
    )
    .await;
    let id = uuid::Uuid::parse_str(o["id"].as_str().unwrap()).unwrap();
    let (reviewer_email, mut reviewer) = app.staff(Role::Reviewer).await;
    app.review(&mut reviewer, "review/claim", id, &[]).await;

    // Nothing chosen: a clear refusal.
    let r = app
        .review(
            &mut reviewer,
            "review/request-info",
            id,
            &[("reason", "mismatch"), ("message", "x")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.field_error("items").is_some());
    let r = app
        .review(
            &mut reviewer,
            "review/request-info",
            id,
            &[
                ("items[]", "field:entity:short_name"),
                ("items[]", "doc:business_licence"),
                ("reason", "mismatch"),
                ("message", "简称请与门头一致，并上传清晰的营业执照"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.app_state(id).await, "info_requested");

    let mail = smtp
        .wait_for_matching(&m.email, 15, |x| x.subject.contains("补充"))
        .await;
    assert!(
        mail.body.contains("商户简称")
            && mail.body.contains("营业执照")
            && mail.body.contains("信息不一致"),
        "{}",
        mail.body
    );

    // The merchant's ledger shows exactly what was asked for.
    let o = app.call(&mut ms, "portal/overview", &[]).await.json();
    let items: Vec<String> = o["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(o["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["requested"] == true));

    // Only the requested field may change.
    let v = app.section_version(&mut ms, "entity").await;
    let r = app
        .save_section(
            &mut ms,
            "entity",
            v,
            &[("registered_address".into(), "别处".into())],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.field_error("registered_address").is_some(), "{}", r.body);
    let section = app
        .call(&mut ms, "portal/section", &[("section", "entity")])
        .await
        .json();
    let mut fields: Vec<(String, String)> = section["values"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    for f in fields.iter_mut() {
        if f.0 == "short_name" {
            f.1 = "补充材料门店".into();
        }
    }
    let r = app
        .save_section(
            &mut ms,
            "entity",
            section["version"].as_i64().unwrap() as i32,
            &fields,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Other documents are locked; the requested one can be replaced.
    assert_eq!(
        app.upload(
            &ms,
            "bank_proof",
            None,
            "b.png",
            app::backend::services::demo::demo_png(1)
        )
        .await
        .status,
        422
    );
    assert_eq!(
        app.upload(
            &ms,
            "business_licence",
            None,
            "clear.png",
            app::backend::services::demo::demo_png(2)
        )
        .await
        .status,
        200
    );
    let o = app.call(&mut ms, "portal/overview", &[]).await.json();
    assert_eq!(
        o["ledger"].as_array().unwrap().len(),
        0,
        "{:?}",
        o["ledger"]
    );
    assert_eq!(
        app.call(
            &mut ms,
            "portal/submit",
            &[("version", &o["version"].to_string())]
        )
        .await
        .status,
        200
    );

    // Back to the same reviewer: others cannot claim it, and the change is visible.
    let (_, mut other) = app.staff(Role::Reviewer).await;
    let r = app.review(&mut other, "review/claim", id, &[]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("Staff"), "names who holds it: {}", r.body);
    let q = app
        .call(&mut reviewer, "review/queue", &[("assignment", "mine")])
        .await
        .json();
    assert!(q["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == id.to_string()));
    assert_eq!(
        app.review(&mut reviewer, "review/claim", id, &[])
            .await
            .status,
        200
    );
    let view = app
        .call(
            &mut reviewer,
            "review/application",
            &[("id", &id.to_string())],
        )
        .await
        .json();
    let changes = view["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["after"] == "补充材料门店"),
        "{changes:?}"
    );
    let _ = reviewer_email;
    app.assert_state_counts().await;
    app.stop().await;
}

#[tokio::test]
async fn high_risk_needs_a_second_lead_who_is_not_the_proposer() {
    let app = TestApp::spawn().await;
    let (_, id) = app
        .submitted_application("高风险有限公司", &["q_gambling", "q_pep"])
        .await;
    let (_, mut lead_a) = app.staff(Role::ComplianceLead).await;
    let (_, mut lead_b) = app.staff(Role::ComplianceLead).await;
    let (_, mut reviewer) = app.staff(Role::Reviewer).await;
    let q = app
        .call(&mut lead_a, "review/queue", &[("tier", "high")])
        .await
        .json();
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id.to_string()),
        "filter by tier"
    );
    let q = app
        .call(&mut lead_a, "review/queue", &[("tier", "low")])
        .await
        .json();
    assert!(!q["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == id.to_string()));

    app.review(&mut lead_a, "review/claim", id, &[]).await;
    let steps: i64 =
        sqlx::query_scalar("SELECT count(*) FROM review_checklist WHERE application_id = $1")
            .bind(id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(steps, 11, "high tier adds enhanced due diligence");
    app.pass_checklist(&mut lead_a, id).await;
    assert_eq!(
        app.review(&mut lead_a, "review/approve", id, &[])
            .await
            .status,
        200
    );
    assert_eq!(app.app_state(id).await, "pending_second_approval");

    // The proposer cannot give the second approval, even calling the function directly.
    let r = app
        .review(&mut lead_a, "review/second-approve", id, &[])
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("四眼"), "{}", r.body);
    // A reviewer may not either.
    assert_eq!(
        app.review(&mut reviewer, "review/second-approve", id, &[])
            .await
            .status,
        403
    );
    // Another lead may send it back or approve it.
    assert_eq!(
        app.review(&mut lead_b, "review/send-back", id, &[("note", "")])
            .await
            .status,
        422,
        "a note is required"
    );
    assert_eq!(
        app.review(
            &mut lead_b,
            "review/send-back",
            id,
            &[("note", "请补充资金来源证据")]
        )
        .await
        .status,
        200
    );
    assert_eq!(app.app_state(id).await, "in_review");
    assert_eq!(
        app.review(&mut lead_a, "review/approve", id, &[])
            .await
            .status,
        200
    );
    let r = app
        .review(&mut lead_b, "review/second-approve", id, &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.app_state(id).await, "approved");
    app.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_decisions_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let (_, id) = app.submitted_application("并发决定有限公司", &[]).await;
    let (_, mut reviewer) = app.staff(Role::Reviewer).await;
    app.review(&mut reviewer, "review/claim", id, &[]).await;
    app.pass_checklist(&mut reviewer, id).await;
    let version = app.app_version(id).await.to_string();
    let ids = id.to_string();
    let calls = (0..20).map(|i| {
        let mut s = reviewer.clone();
        let (app, version, ids) = (&app, version.clone(), ids.clone());
        async move {
            if i % 2 == 0 {
                app.call(
                    &mut s,
                    "review/approve",
                    &[("id", &ids), ("version", &version)],
                )
                .await
            } else {
                app.call(
                    &mut s,
                    "review/reject",
                    &[
                        ("id", &ids),
                        ("version", &version),
                        ("reason", "other"),
                        ("message", "不符合要求"),
                    ],
                )
                .await
            }
        }
    });
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        results
            .iter()
            .map(|r| (
                r.status.as_u16(),
                r.body.chars().take(80).collect::<String>()
            ))
            .collect::<Vec<_>>()
    );
    // The others hear who decided.
    for r in results.iter().filter(|r| r.status != 200) {
        assert_eq!(r.status, 409, "{}", r.body);
    }
    let transitions: i64 = sqlx::query_scalar("SELECT count(*) FROM application_transitions WHERE application_id = $1 AND to_state IN ('approved', 'rejected')").bind(id).fetch_one(&app.state.db).await.unwrap();
    assert_eq!(transitions, 1);
    app.assert_state_counts().await;
    app.stop().await;
}

#[tokio::test]
async fn reject_sends_the_merchant_email_in_their_language_and_keeps_the_note_internal() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().with_smtp(smtp.port).spawn().await;
    let m = app
        .register_merchant_via_smtp(&smtp, "English Trading Co., Ltd.")
        .await;
    sqlx::query("UPDATE users SET lang = 'en' WHERE email = $1")
        .bind(&m.email)
        .execute(&app.state.db)
        .await
        .unwrap();
    let mut ms = m.session.clone();
    app.complete_application(&mut ms, "English Trading Co., Ltd.", true)
        .await;
    let o = app.call(&mut ms, "portal/overview", &[]).await.json();
    app.call(
        &mut ms,
        "portal/submit",
        &[("version", &o["version"].to_string())],
    )
    .await;
    let id = uuid::Uuid::parse_str(o["id"].as_str().unwrap()).unwrap();
    let (_, mut reviewer) = app.staff(Role::Reviewer).await;
    app.review(&mut reviewer, "review/claim", id, &[]).await;
    let r = app
        .review(
            &mut reviewer,
            "review/reject",
            id,
            &[
                ("reason", "mismatch"),
                ("message", "The licence does not match."),
                ("note", "suspected shell company"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mail = smtp
        .wait_for_matching(&m.email, 15, |x| x.subject.contains("not approved"))
        .await;
    assert!(
        mail.body.contains("Information does not match")
            && mail.body.contains("The licence does not match."),
        "{}",
        mail.body
    );
    assert!(
        !mail.body.contains("shell"),
        "the internal note never reaches the merchant"
    );
    let timeline = app.call(&mut ms, "portal/overview", &[]).await.json()["timeline"].to_string();
    assert!(!timeline.contains("shell"));
    app.stop().await;
}

#[tokio::test]
async fn claiming_something_held_names_the_holder_and_leads_can_reassign() {
    let app = TestApp::spawn().await;
    let (_, id) = app.submitted_application("改派测试有限公司", &[]).await;
    let (_, mut a) = app.staff(Role::Reviewer).await;
    let (b_email, mut b) = app.staff(Role::Reviewer).await;
    let (_, mut lead) = app.staff(Role::ComplianceLead).await;
    app.review(&mut a, "review/claim", id, &[]).await;
    let r = app.review(&mut b, "review/claim", id, &[]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("Staff"), "{}", r.body);
    assert_eq!(
        app.review(&mut b, "review/release", id, &[]).await.status,
        409,
        "only the holder releases"
    );
    assert_eq!(
        app.call(
            &mut a,
            "review/reassign",
            &[("id", &id.to_string()), ("reviewer", "")]
        )
        .await
        .status,
        403,
        "reviewers cannot reassign"
    );
    let b_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&b_email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.call(
            &mut lead,
            "review/reassign",
            &[("id", &id.to_string()), ("reviewer", &b_id.to_string())]
        )
        .await
        .status,
        200
    );
    let r = app
        .call(
            &mut b,
            "review/step",
            &[
                ("id", &id.to_string()),
                ("code", "entity"),
                ("status", "pass"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Release puts it back in the queue, unassigned.
    assert_eq!(
        app.review(&mut b, "review/release", id, &[]).await.status,
        200
    );
    assert_eq!(app.app_state(id).await, "submitted");
    let q = app
        .call(&mut a, "review/queue", &[("assignment", "unassigned")])
        .await
        .json();
    assert!(q["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == id.to_string()));
    app.stop().await;
}

#[tokio::test]
async fn template_changes_apply_to_reviews_started_afterwards() {
    let app = TestApp::spawn().await;
    let (_, first) = app.submitted_application("模板一有限公司", &[]).await;
    let (_, second) = app.submitted_application("模板二有限公司", &[]).await;
    let (_, mut lead) = app.staff(Role::ComplianceLead).await;
    let (_, mut reviewer) = app.staff(Role::Reviewer).await;
    app.review(&mut lead, "review/claim", first, &[]).await;
    assert_eq!(
        app.call(
            &mut reviewer,
            "review/template-add",
            &[
                ("tier", "low"),
                ("code", "x"),
                ("title_zh", "x"),
                ("title_en", "x")
            ]
        )
        .await
        .status,
        403
    );
    let r = app
        .call(
            &mut lead,
            "review/template-add",
            &[
                ("tier", "low"),
                ("code", "tax_check"),
                ("title_zh", "税务登记核验"),
                ("title_en", "Tax registration checked"),
                ("required", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .call(
            &mut lead,
            "review/template-add",
            &[
                ("tier", "low"),
                ("code", "Bad Code"),
                ("title_zh", ""),
                ("title_en", "x"),
            ],
        )
        .await;
    assert!(r.field_error("code").is_some() && r.field_error("title_zh").is_some());
    app.review(&mut lead, "review/claim", second, &[]).await;
    let count = |id: uuid::Uuid| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM review_checklist WHERE application_id = $1 AND code = 'tax_check'").bind(id).fetch_one(&db).await.unwrap()
        }
    };
    assert_eq!(
        count(first).await,
        0,
        "the review already started keeps its checklist"
    );
    assert_eq!(count(second).await, 1);
    // Reorder and removal.
    let step: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM checklist_template_steps WHERE code = 'tax_check'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        app.call(
            &mut lead,
            "review/template-change",
            &[("id", &step.to_string()), ("change", "up")]
        )
        .await
        .status,
        200
    );
    let pos: i32 =
        sqlx::query_scalar("SELECT position FROM checklist_template_steps WHERE id = $1")
            .bind(step)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(pos, 9);
    assert_eq!(
        app.call(
            &mut lead,
            "review/template-change",
            &[("id", &step.to_string()), ("change", "remove")]
        )
        .await
        .status,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn risk_tier_override_needs_a_reason_and_keeps_both() {
    let app = TestApp::spawn().await;
    let (_, id) = app.submitted_application("调整等级有限公司", &[]).await;
    let (_, mut reviewer) = app.staff(Role::Reviewer).await;
    app.review(&mut reviewer, "review/claim", id, &[]).await;
    let r = app
        .call(
            &mut reviewer,
            "review/override-tier",
            &[("id", &id.to_string()), ("tier", "high"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .call(
            &mut reviewer,
            "review/override-tier",
            &[
                ("id", &id.to_string()),
                ("tier", "high"),
                ("reason", "负面新闻"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (auto, over, eff): (String, String, String) = sqlx::query_as(
        "SELECT risk_tier, risk_tier_override, effective_tier FROM applications WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        (auto.as_str(), over.as_str(), eff.as_str()),
        ("low", "high", "high")
    );
    let steps: i64 =
        sqlx::query_scalar("SELECT count(*) FROM review_checklist WHERE application_id = $1")
            .bind(id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(steps, 11, "the higher tier brings its steps");
    app.pass_checklist(&mut reviewer, id).await;
    app.review(&mut reviewer, "review/approve", id, &[]).await;
    assert_eq!(
        app.app_state(id).await,
        "pending_second_approval",
        "four-eyes follows the overridden tier"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_exports_as_csv_for_admins_only() {
    let app = TestApp::spawn().await;
    let (_, id) = app.submitted_application("导出测试有限公司", &[]).await;
    let (_, admin) = app.staff(Role::Admin).await;
    let (_, reviewer) = app.staff(Role::Reviewer).await;
    let get = |s: &support::Session, q: &str| {
        let req = app
            .client
            .get(app.url(&format!("/admin/audit.csv?{q}")))
            .header("cookie", s.cookie_header());
        async move { req.send().await.unwrap() }
    };
    assert_eq!(get(&reviewer, "").await.status(), 403);
    let resp = get(&admin, &format!("object_id={id}")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = resp.text().await.unwrap();
    assert!(body.starts_with("\u{feff}seq,at,actor,action"));
    assert!(body.contains("application.transition") && body.contains(&id.to_string()));
    assert!(!body.contains("login.succeeded"), "filtered to the object");
    app.stop().await;
}
