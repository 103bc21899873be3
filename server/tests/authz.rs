//! The authorisation matrix: every server function and page, called as anonymous, as a
//! merchant, as a merchant of another organisation and as each staff role. Exactly the
//! allowed callers get through; the others get 401 (anonymous), 403 (wrong role) or 404
//! (another organisation's object). A server function missing from the table fails the test.

mod support;

use std::collections::{BTreeSet, HashMap};

use app::backend::auth;
use app::backend::request::RequestCtx;
use app::domain::roles::Role;
use support::{Session, TestApp};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Merchant,
    OtherMerchant,
    Reviewer,
    Lead,
    AccountManager,
    Admin,
}

use Who::*;

const EVERYONE: &[Who] = &[
    Anonymous,
    Merchant,
    OtherMerchant,
    Reviewer,
    Lead,
    AccountManager,
    Admin,
];
const SIGNED_IN: &[Who] = &[
    Merchant,
    OtherMerchant,
    Reviewer,
    Lead,
    AccountManager,
    Admin,
];
const MERCHANTS: &[Who] = &[Merchant, OtherMerchant];
const ADMIN: &[Who] = &[Admin];
const REVIEWERS: &[Who] = &[Reviewer, Lead];
const LEADS: &[Who] = &[Lead];
const STAFF_DASHBOARD: &[Who] = &[Reviewer, Lead, AccountManager, Admin];
const AM: &[Who] = &[AccountManager];
const FEE_PEOPLE: &[Who] = &[AccountManager, Lead];

fn approved_org(f: &Fixture) -> Vec<(&'static str, String)> {
    vec![("organisation_id", f.approved_org.to_string())]
}

fn contract(f: &Fixture) -> Vec<(&'static str, String)> {
    vec![("id", f.contract.to_string())]
}

fn app_id(f: &Fixture) -> Vec<(&'static str, String)> {
    vec![("id", f.submitted.to_string()), ("version", "1".into())]
}

/// Objects the calls refer to.
struct Fixture {
    staff_user: Uuid,
    /// A document of `Merchant`'s application.
    merchant_doc: Uuid,
    /// A submitted application (of a third organisation) for the review functions.
    submitted: Uuid,
    /// An approved organisation with a fee schedule, a draft contract and rates awaiting a lead.
    approved_org: Uuid,
    schedule: Uuid,
    contract: Uuid,
    pending_assignment: Uuid,
}

struct Case {
    endpoint: &'static str,
    args: fn(&Fixture) -> Vec<(&'static str, String)>,
    allowed: &'static [Who],
}

fn none(_: &Fixture) -> Vec<(&'static str, String)> {
    vec![]
}

fn cases() -> Vec<Case> {
    vec![
        // Public entry points: anyone (bad input is a 422/404, never a 401/403).
        Case {
            endpoint: "auth/session",
            args: none,
            allowed: EVERYONE,
        },
        Case {
            endpoint: "auth/register",
            args: none,
            allowed: EVERYONE,
        },
        Case {
            endpoint: "auth/verify-email",
            args: |_| vec![("token", "nope".into())],
            allowed: EVERYONE,
        },
        Case {
            endpoint: "auth/login",
            args: |_| vec![("email", "x@example.com".into()), ("password", "y".into())],
            allowed: EVERYONE,
        },
        Case {
            endpoint: "auth/logout",
            args: none,
            allowed: EVERYONE,
        },
        Case {
            endpoint: "auth/forgot-password",
            args: |_| vec![("email", "x@example.com".into())],
            allowed: EVERYONE,
        },
        Case {
            endpoint: "auth/link-status",
            args: |_| vec![("token", "x".into()), ("purpose", "reset_password".into())],
            allowed: EVERYONE,
        },
        Case {
            endpoint: "auth/reset-password",
            args: |_| {
                vec![
                    ("token", "x".into()),
                    ("purpose", "reset_password".into()),
                    ("password", "p".into()),
                    ("password_confirm", "p".into()),
                ]
            },
            allowed: EVERYONE,
        },
        // A session of one's own.
        Case {
            endpoint: "auth/resend-verification",
            args: none,
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "auth/mfa",
            args: |_| vec![("code", "123456".into())],
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "account/overview",
            args: none,
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "account/change-password",
            args: |_| {
                vec![
                    ("current_password", "x".into()),
                    ("new_password", "y".into()),
                    ("new_password_confirm", "y".into()),
                ]
            },
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "account/logout-everywhere",
            args: none,
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "account/mfa-begin",
            args: none,
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "account/mfa-confirm",
            args: |_| vec![("code", "000000".into())],
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "account/recovery-codes",
            args: none,
            allowed: SIGNED_IN,
        },
        Case {
            endpoint: "account/invite",
            args: |_| vec![("email", "".into()), ("name", "".into())],
            allowed: MERCHANTS,
        },
        // Administration.
        Case {
            endpoint: "admin/users",
            args: none,
            allowed: ADMIN,
        },
        Case {
            endpoint: "admin/invite",
            args: |_| {
                vec![
                    ("email", "".into()),
                    ("name", "".into()),
                    ("role", "reviewer".into()),
                ]
            },
            allowed: ADMIN,
        },
        Case {
            endpoint: "admin/change-role",
            args: |f| {
                vec![
                    ("user_id", f.staff_user.to_string()),
                    ("role", "reviewer".into()),
                ]
            },
            allowed: ADMIN,
        },
        Case {
            endpoint: "admin/set-disabled",
            args: |f| {
                vec![
                    ("user_id", f.staff_user.to_string()),
                    ("disabled", "false".into()),
                ]
            },
            allowed: ADMIN,
        },
        Case {
            endpoint: "admin/mailbox",
            args: none,
            allowed: ADMIN,
        },
        Case {
            endpoint: "admin/send-test-mail",
            args: |_| vec![("email", "".into())],
            allowed: ADMIN,
        },
        // The merchant portal: own organisation only; another's object is a 404.
        Case {
            endpoint: "portal/overview",
            args: none,
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "portal/section",
            args: |_| vec![("section", "entity".into())],
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "portal/save-section",
            args: |_| {
                vec![
                    ("section", "contact".into()),
                    ("version", "0".into()),
                    ("data[contact_name]", "某人".into()),
                ]
            },
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "portal/documents",
            args: none,
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "portal/delete-document",
            args: |f| vec![("id", f.merchant_doc.to_string())],
            allowed: &[Merchant],
        },
        Case {
            endpoint: "portal/submit",
            args: |_| vec![("version", "1".into())],
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "portal/withdraw",
            args: |_| vec![("version", "1".into())],
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "portal/start-new",
            args: none,
            allowed: MERCHANTS,
        },
        // Compliance review (staff only; merchants get 403).
        Case {
            endpoint: "review/queue",
            args: none,
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/application",
            args: |f| vec![("id", f.submitted.to_string())],
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/claim",
            args: app_id,
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/release",
            args: app_id,
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/reassign",
            args: |f| vec![("id", f.submitted.to_string()), ("reviewer", String::new())],
            allowed: LEADS,
        },
        Case {
            endpoint: "review/step",
            args: |f| {
                vec![
                    ("id", f.submitted.to_string()),
                    ("code", "entity".into()),
                    ("status", "pass".into()),
                ]
            },
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/override-tier",
            args: |f| vec![("id", f.submitted.to_string()), ("tier", "low".into())],
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/note",
            args: |f| vec![("id", f.submitted.to_string()), ("body", "note".into())],
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/request-info",
            args: app_id,
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/reject",
            args: app_id,
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/approve",
            args: app_id,
            allowed: REVIEWERS,
        },
        Case {
            endpoint: "review/second-approve",
            args: app_id,
            allowed: LEADS,
        },
        Case {
            endpoint: "review/send-back",
            args: app_id,
            allowed: LEADS,
        },
        Case {
            endpoint: "review/templates",
            args: none,
            allowed: LEADS,
        },
        Case {
            endpoint: "review/template-add",
            args: |_| {
                vec![
                    ("tier", "low".into()),
                    ("code", "".into()),
                    ("title_zh", "".into()),
                    ("title_en", "".into()),
                ]
            },
            allowed: LEADS,
        },
        Case {
            endpoint: "review/template-change",
            args: |_| vec![("id", Uuid::nil().to_string()), ("change", "bogus".into())],
            allowed: LEADS,
        },
        Case {
            endpoint: "dashboard",
            args: none,
            allowed: STAFF_DASHBOARD,
        },
        // Fees: account managers; compliance leads decide rates below the floor.
        Case {
            endpoint: "fees/schedules",
            args: none,
            allowed: AM,
        },
        Case {
            endpoint: "fees/schedule",
            args: |f| vec![("id", f.schedule.to_string())],
            allowed: AM,
        },
        Case {
            endpoint: "fees/ceiling",
            args: none,
            allowed: AM,
        },
        Case {
            endpoint: "fees/save",
            args: none,
            allowed: AM,
        },
        Case {
            endpoint: "fees/merchants",
            args: none,
            allowed: FEE_PEOPLE,
        },
        Case {
            endpoint: "fees/merchant",
            args: approved_org,
            allowed: AM,
        },
        Case {
            endpoint: "fees/assign",
            args: approved_org,
            allowed: AM,
        },
        Case {
            endpoint: "fees/decide-floor",
            args: |f| {
                vec![
                    ("id", f.pending_assignment.to_string()),
                    ("decision", "decline".into()),
                ]
            },
            allowed: LEADS,
        },
        Case {
            endpoint: "fees/contract-action",
            args: |f| {
                vec![
                    ("organisation_id", f.approved_org.to_string()),
                    ("action", "none".into()),
                ]
            },
            allowed: AM,
        },
        Case {
            endpoint: "fees/contract",
            args: contract,
            allowed: FEE_PEOPLE,
        },
        Case {
            endpoint: "portal/contract",
            args: none,
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "portal/contract-accept",
            args: contract,
            allowed: MERCHANTS,
        },
        Case {
            endpoint: "admin/audit",
            args: none,
            allowed: ADMIN,
        },
        Case {
            endpoint: "admin/audit-verify",
            args: none,
            allowed: ADMIN,
        },
    ]
}

/// Pages: who sees them (others are sent to log in, or get 403).
fn pages() -> Vec<(&'static str, &'static [Who])> {
    vec![
        ("/", EVERYONE),
        ("/login", EVERYONE),
        ("/register", EVERYONE),
        ("/forgot-password", EVERYONE),
        ("/account", SIGNED_IN),
        ("/admin/users", ADMIN),
        ("/admin/mailbox", ADMIN),
        ("/portal", MERCHANTS),
        ("/portal/application/entity", MERCHANTS),
        ("/portal/documents", MERCHANTS),
        ("/review", REVIEWERS),
        ("/review/templates", LEADS),
        ("/dashboard", STAFF_DASHBOARD),
        ("/fees", AM),
        ("/fees/new", AM),
        ("/fees/merchants", FEE_PEOPLE),
        ("/portal/contract", MERCHANTS),
        ("/admin/audit", ADMIN),
    ]
}

struct Callers {
    ids: HashMap<Who, (Uuid, Role)>,
}

impl Callers {
    async fn new(app: &TestApp) -> Self {
        let mut ids = HashMap::new();
        let a = app.register_merchant("甲公司").await;
        let b = app.register_merchant("乙公司").await;
        for (who, email) in [(Merchant, a.email), (OtherMerchant, b.email)] {
            let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
            ids.insert(who, (id, Role::Merchant));
        }
        for (who, role) in [
            (Reviewer, Role::Reviewer),
            (Lead, Role::ComplianceLead),
            (AccountManager, Role::AccountManager),
            (Admin, Role::Admin),
        ] {
            let (email, _) = app.staff(role).await;
            let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
            ids.insert(who, (id, role));
        }
        Self { ids }
    }

    /// A fresh session for the caller (calls may end sessions, so one per call).
    async fn session(&self, app: &TestApp, who: Who) -> Session {
        let mut s = Session::default();
        if let Some((id, role)) = self.ids.get(&who) {
            let mut conn = app.state.db.acquire().await.unwrap();
            let token = auth::start_session(&mut conn, &RequestCtx::background(), *id, *role, true)
                .await
                .unwrap();
            s.cookies.insert("__Host-gh_session".into(), token);
        }
        s
    }
}

#[tokio::test]
async fn authorisation_matrix() {
    let app = TestApp::spawn().await;
    let callers = Callers::new(&app).await;
    let (staff_email, _) = app.staff(Role::Reviewer).await;
    let staff_user: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(staff_email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let mut merchant = callers.session(&app, Merchant).await;
    let r = app
        .upload(
            &merchant,
            "business_licence",
            None,
            "l.png",
            app::backend::services::demo::demo_png(1),
        )
        .await;
    let merchant_doc = Uuid::parse_str(r.json()[0]["id"].as_str().unwrap()).unwrap();
    let _ = app.call(&mut merchant, "portal/overview", &[]).await;
    let (_, submitted) = app.submitted_application("第三方有限公司", &[]).await;
    let (_, mut am) = app.staff(Role::AccountManager).await;
    let (_, approved_org) = app.approved_merchant(None, "第四方有限公司").await;
    let r = app
        .call(
            &mut am,
            "fees/save",
            &[
                ("fields[name]", "A"),
                ("fields[lines.wechat_pay.rate]", "0.38"),
                ("fields[refund_policy]", "pro_rata"),
                ("fields[settlement_cycle]", "t1"),
                ("fields[valid_from]", "2026-01-01"),
            ],
        )
        .await;
    let schedule: Uuid = serde_json::from_value(r.json()).unwrap();
    let version: Uuid =
        sqlx::query_scalar("SELECT id FROM fee_schedule_versions WHERE schedule_id = $1")
            .bind(schedule)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let today = app::backend::services::applications::today().to_string();
    let org = approved_org.to_string();
    let version = version.to_string();
    let assign = |rate: &'static str| {
        vec![
            ("organisation_id", org.clone()),
            ("version_id", version.clone()),
            ("effective_from", today.clone()),
            ("overrides[wechat_pay]", rate.to_string()),
        ]
    };
    let call_assign = |am: &Session, rate: &'static str| {
        let form = assign(rate);
        let (app, mut am) = (&app, am.clone());
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(app.call(&mut am, "fees/assign", &form).await.status, 200);
        }
    };
    // Active at the template's rates, a contract drafted from it, then a rate below the floor.
    call_assign(&am, "").await;
    let r = app
        .call(
            &mut am,
            "fees/contract-action",
            &[("organisation_id", &org), ("action", "draft")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    call_assign(&am, "0.1").await;
    let contract: Uuid = sqlx::query_scalar("SELECT id FROM contracts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let pending_assignment: Uuid =
        sqlx::query_scalar("SELECT id FROM fee_assignments WHERE status = 'pending_approval'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let fixture = Fixture {
        approved_org,
        schedule,
        contract,
        pending_assignment,
        staff_user,
        merchant_doc,
        submitted,
    };

    // Every server function is in the table.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.trim_start_matches("/api/").to_string())
        .collect();
    let covered: BTreeSet<String> = cases().iter().map(|c| c.endpoint.to_string()).collect();
    let missing: Vec<_> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "server functions missing from the matrix: {missing:?}"
    );

    let mut failures = Vec::new();
    // Plain handlers: a document by its direct URL.
    let doc_readers: &[Who] = &[Merchant, Reviewer, Lead];
    for &who in EVERYONE {
        let s = callers.session(&app, who).await;
        let mut req = app
            .client
            .get(app.url(&format!("/documents/{}", fixture.merchant_doc)));
        if !s.cookies.is_empty() {
            req = req.header("cookie", s.cookie_header());
        }
        let code = req.send().await.unwrap().status().as_u16();
        let expected = if doc_readers.contains(&who) {
            200
        } else if who == Anonymous {
            401
        } else {
            404
        };
        if code != expected {
            failures.push(format!(
                "GET /documents/<id> as {who:?}: {code}, expected {expected}"
            ));
        }
    }
    for case in cases() {
        for &who in EVERYONE {
            let mut s = callers.session(&app, who).await;
            let args = (case.args)(&fixture);
            let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.call(&mut s, case.endpoint, &form).await;
            let code = r.status.as_u16();
            let allowed = case.allowed.contains(&who);
            // A bad link is a 404 to anyone; otherwise an allowed caller never sees one.
            let link_endpoint =
                matches!(case.endpoint, "auth/verify-email" | "auth/reset-password");
            let ok = if allowed {
                code != 401 && code != 403 && (code != 404 || link_endpoint)
            } else if who == Anonymous {
                code == 401
            } else {
                code == 403 || code == 404
            };
            if !ok {
                failures.push(format!(
                    "{} as {who:?}: {code} (allowed: {allowed}) {}",
                    case.endpoint,
                    r.body.chars().take(120).collect::<String>()
                ));
            }
        }
    }
    for (path, allowed) in pages() {
        for &who in EVERYONE {
            let mut s = callers.session(&app, who).await;
            let r = app.get(&mut s, path).await;
            let code = r.status.as_u16();
            let ok = if allowed.contains(&who) {
                code == 200
            } else if who == Anonymous {
                code == 303 && r.location().is_some_and(|l| l.starts_with("/login?next="))
            } else {
                code == 403
            };
            if !ok {
                failures.push(format!("GET {path} as {who:?}: {code}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix failures:\n{}",
        failures.join("\n")
    );
    app.stop().await;
}
