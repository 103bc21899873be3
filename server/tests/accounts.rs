//! Accounts and access: registration, verification, login, sessions, MFA, throttling, CSRF.

mod support;

use std::time::Duration;

use app::backend::crypto;
use app::domain::roles::Role;
use support::smtp::SmtpServer;
use support::{extract_token, Session, TestApp};

const GOOD_PASSWORD: &str = "violet orbit kettle 42";

fn unique_email() -> String {
    format!("u-{}@example.com", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn weak_common_and_malformed_input_is_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let mut s = Session::default();
    let email = unique_email();
    let register = |password: &'static str, mobile: &'static str, email: String| {
        let app = &app;
        async move {
            let mut s = Session::default();
            app.call(
                &mut s,
                "auth/register",
                &[
                    ("organisation", "测试公司"),
                    ("name", "张三"),
                    ("email", &email),
                    ("mobile", mobile),
                    ("password", password),
                    ("password_confirm", password),
                ],
            )
            .await
        }
    };
    let r = register("short", "13800138000", email.clone()).await;
    assert_eq!(r.status, 422);
    assert!(
        r.field_error("password").unwrap().contains("12"),
        "{}",
        r.body
    );

    for common in ["password1234", "qwertyuiop123", "123456789012"] {
        let r = register(common, "13800138000", email.clone()).await;
        assert_eq!(r.status, 422, "{common}");
        assert!(r.field_error("password").is_some(), "{common}: {}", r.body);
    }
    let r = register(GOOD_PASSWORD, "12345", "not-an-email".into()).await;
    assert_eq!(r.status, 422);
    assert!(
        r.field_error("mobile").is_some() && r.field_error("email").is_some(),
        "{}",
        r.body
    );
    // Submitted values come back (not the password) so a form without JavaScript is refilled.
    let v = r.json();
    let values = v["Validation"]["values"].as_array().unwrap();
    assert!(values
        .iter()
        .any(|p| p[0] == "email" && p[1] == "not-an-email"));
    assert!(!r.body.contains(GOOD_PASSWORD));

    // In English when the browser asks for it.
    let r = app
        .call_with(
            &mut s,
            "auth/register",
            &[
                ("organisation", "x"),
                ("name", "x"),
                ("email", "x"),
                ("mobile", "1"),
                ("password", "p"),
                ("password_confirm", "p"),
            ],
            &[("accept-language", "en")],
        )
        .await;
    assert!(
        r.field_error("email")
            .unwrap()
            .starts_with("Enter an email address"),
        "{}",
        r.body
    );

    // Nothing was created by any of these.
    assert_eq!(
        app::backend::db::users::count_all(&app.state.db)
            .await
            .unwrap(),
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn the_verification_link_from_the_smtp_server_completes_registration() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().with_smtp(smtp.port).spawn().await;
    let email = unique_email();
    let mut s = Session::default();
    let r = app
        .call(
            &mut s,
            "auth/register",
            &[
                ("organisation", "杭州测试科技有限公司"),
                ("name", "韩梅梅"),
                ("email", &email),
                ("mobile", "13900000000"),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(s.session_token().is_none(), "registration does not sign in");

    let mail = smtp.wait_for(&email, 15).await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].subject.contains("邮箱"),
        "Chinese by default: {}",
        mail[0].subject
    );
    let token = extract_token(&mail[0].body, "/verify-email?token=");

    // Before verification the merchant may sign in but sees only "verify your email".
    let mut m = app.login(&email, GOOD_PASSWORD).await;
    let r = app.get(&mut m, "/account").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/verify-email"));
    let r = app
        .call(
            &mut m,
            "account/invite",
            &[("email", &unique_email()), ("name", "x")],
        )
        .await;
    assert_eq!(r.status, 403);

    // The resend is rate limited.
    for _ in 0..3 {
        assert_eq!(
            app.call(&mut m, "auth/resend-verification", &[])
                .await
                .status,
            200
        );
    }
    let r = app.call(&mut m, "auth/resend-verification", &[]).await;
    assert_eq!(r.status, 429);
    // Resending invalidated the first link; the newest one works, once.
    assert_eq!(
        app.call(&mut s, "auth/verify-email", &[("token", &token)])
            .await
            .status,
        404
    );
    let newest = smtp.wait_for(&email, 15).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let newest = {
        let all = smtp.wait_for(&email, 0).await;
        assert!(all.len() >= newest.len());
        all
    };
    assert_eq!(newest.len(), 4, "one link and three resends");
    let tokens: Vec<String> = newest
        .iter()
        .map(|m| extract_token(&m.body, "/verify-email?token="))
        .collect();
    let mut verified = 0;
    for t in &tokens {
        if app
            .call(&mut s, "auth/verify-email", &[("token", t)])
            .await
            .status
            == 200
        {
            verified += 1;
        }
    }
    assert_eq!(verified, 1, "only the newest link works");
    for t in &tokens {
        assert_eq!(
            app.call(&mut s, "auth/verify-email", &[("token", t)])
                .await
                .status,
            404,
            "single use"
        );
    }

    let r = app.get(&mut m, "/account").await;
    assert_eq!(r.status, 200);

    // Registering the same address again answers the same, creates nothing, and tells the owner.
    let mut s2 = Session::default();
    let r = app
        .call(
            &mut s2,
            "auth/register",
            &[
                ("organisation", "另一家"),
                ("name", "某人"),
                ("email", &email.to_uppercase()),
                ("mobile", "13900000001"),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    let orgs: i64 = sqlx::query_scalar("SELECT count(*) FROM organisations")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(orgs, 1);
    let all = smtp.wait_for(&email, 15).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut notice = all.iter().any(|m| m.body.contains("/forgot-password"));
    while !notice && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        notice = smtp
            .wait_for(&email, 0)
            .await
            .iter()
            .any(|m| m.body.contains("/forgot-password"));
    }
    assert!(notice, "the owner is told someone tried");
    app.stop().await;
}

#[tokio::test]
async fn a_password_reset_ends_every_session_and_reveals_nothing() {
    let app = TestApp::spawn().await;
    let merchant = app.register_merchant("重置测试").await;
    let mut old = merchant.session.clone();
    assert_eq!(
        app.call(&mut old, "account/overview", &[]).await.status,
        200
    );

    let mut anon = Session::default();
    let known = app
        .call(
            &mut anon,
            "auth/forgot-password",
            &[("email", &merchant.email)],
        )
        .await;
    let unknown = app
        .call(
            &mut anon,
            "auth/forgot-password",
            &[("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(
        (known.status, known.body.clone()),
        (unknown.status, unknown.body.clone()),
        "same answer either way"
    );
    assert!(
        app::backend::db::outbox::dev_mailbox(&app.state.db, Some("nobody@example.com"), 5)
            .await
            .unwrap()
            .is_empty()
    );

    let mail = app.dev_mail(&merchant.email).await;
    assert!(
        mail.body_text.contains("/reset-password?token="),
        "{}",
        mail.body_text
    );
    let token = extract_token(&mail.body_text, "/reset-password?token=");
    assert_eq!(
        app.call(
            &mut anon,
            "auth/link-status",
            &[("token", &token), ("purpose", "reset_password")]
        )
        .await
        .json(),
        true
    );
    let new_password = "lantern harbour seven plum";
    let r = app
        .call(
            &mut anon,
            "auth/reset-password",
            &[
                ("token", &token),
                ("purpose", "reset_password"),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    assert_eq!(
        app.call(&mut old, "account/overview", &[]).await.status,
        401,
        "old session ended"
    );
    let r = app
        .call(
            &mut anon,
            "auth/reset-password",
            &[
                ("token", &token),
                ("purpose", "reset_password"),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(r.status, 404, "single use");
    let mut s = Session::default();
    assert_eq!(
        app.call(
            &mut s,
            "auth/login",
            &[("email", &merchant.email), ("password", &merchant.password)]
        )
        .await
        .status,
        422
    );
    app.login(&merchant.email, new_password).await;
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_users_cookie_gets_401_on_its_next_request() {
    let app = TestApp::spawn().await;
    let (_, mut admin) = app.staff(Role::Admin).await;
    let (reviewer_email, mut reviewer) = app.staff(Role::Reviewer).await;
    assert_eq!(
        app.call(&mut reviewer, "account/overview", &[])
            .await
            .status,
        200
    );
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&reviewer_email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let r = app
        .call(
            &mut admin,
            "admin/set-disabled",
            &[("user_id", &id.to_string()), ("disabled", "true")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.call(&mut reviewer, "account/overview", &[])
            .await
            .status,
        401
    );
    // And cannot come back in.
    let mut s = Session::default();
    assert_eq!(
        app.call(
            &mut s,
            "auth/login",
            &[
                ("email", &reviewer_email),
                ("password", "staff kettle orbit violet 7")
            ]
        )
        .await
        .status,
        422
    );
    // An admin cannot disable themselves.
    let me: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        app.call(
            &mut admin,
            "admin/set-disabled",
            &[("user_id", &me.to_string()), ("disabled", "true")]
        )
        .await
        .status,
        409
    );
    app.stop().await;
}

#[tokio::test]
async fn cookies_carry_the_right_flags_and_sessions_rotate() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("Cookie Co").await;
    let mut s = Session::default();
    let r = app
        .call(
            &mut s,
            "auth/login",
            &[("email", &m.email), ("password", &m.password)],
        )
        .await;
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(!cookies.is_empty());
    for c in &cookies {
        assert!(c.starts_with("__Host-gh_session="), "{c}");
        for flag in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
            assert!(c.contains(flag), "{c} lacks {flag}");
        }
        assert!(!c.contains("Domain="), "{c}");
    }
    let first = s.session_token().unwrap().clone();
    assert_ne!(
        Some(&first),
        m.session.session_token(),
        "every login gets a new id"
    );

    // Changing the password rotates this session and ends the others.
    let mut other = m.session.clone();
    let r = app
        .call(
            &mut s,
            "account/change-password",
            &[
                ("current_password", &m.password),
                ("new_password", "amber meadow ferry nine"),
                ("new_password_confirm", "amber meadow ferry nine"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_ne!(s.session_token().unwrap(), &first);
    assert_eq!(app.call(&mut s, "account/overview", &[]).await.status, 200);
    assert_eq!(
        app.call(&mut other, "account/overview", &[]).await.status,
        401
    );

    // Logout clears the cookie with the same flags.
    let r = app.call(&mut s, "auth/logout", &[]).await;
    let c = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        c.contains("Max-Age=0")
            && c.contains("HttpOnly")
            && c.contains("Secure")
            && c.contains("SameSite=Lax"),
        "{c}"
    );
    app.stop().await;
}

#[tokio::test]
async fn log_out_everywhere_ends_all_sessions() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("Everywhere Co").await;
    let mut a = m.session.clone();
    let mut b = app.login(&m.email, &m.password).await;
    let overview = app.call(&mut a, "account/overview", &[]).await.json();
    assert_eq!(overview["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.call(&mut b, "account/logout-everywhere", &[])
            .await
            .status,
        200
    );
    assert_eq!(app.call(&mut a, "account/overview", &[]).await.status, 401);
    assert_eq!(app.call(&mut b, "account/overview", &[]).await.status, 401);
    app.stop().await;
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_site_works() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("CSRF Co").await;
    let mut s = m.session.clone();
    let form = [("email", "colleague@example.com"), ("name", "同事")];
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "null")],
        vec![
            ("origin", app.base.as_str()),
            ("sec-fetch-site", "cross-site"),
        ],
    ] {
        let r = app
            .call_with(&mut s, "account/invite", &form, &headers)
            .await;
        assert_eq!(r.status, 403, "{headers:?}");
    }
    let invited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'colleague@example.com'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(invited, 0, "nothing happened");
    // Same origin and same-origin fetch metadata pass.
    let r = app.call(&mut s, "account/invite", &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // GET is never blocked.
    let r = app
        .client
        .get(app.url("/"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}

fn totp_secret(app: &TestApp, enc: &[u8]) -> Vec<u8> {
    crypto::decrypt(
        &crypto::derive_key(&app.state.settings.secret_key, "totp"),
        enc,
    )
    .unwrap()
}

#[tokio::test]
async fn totp_enrolment_login_and_replay() {
    let app = TestApp::spawn().await;
    let (email, mut s) = app.staff(Role::Reviewer).await;
    let r = app.call(&mut s, "account/mfa-begin", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let shown = r.json()["secret"].as_str().unwrap().to_string();
    assert!(
        r.json()["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || r.json()["qr_svg"].as_str().unwrap().contains("<svg")
    );
    let enc: Vec<u8> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let secret = totp_secret(&app, &enc);
    assert_eq!(
        crypto::base32(&secret),
        shown,
        "the key shown is the one stored"
    );
    assert_ne!(enc, secret, "stored encrypted");

    let now = chrono::Utc::now().timestamp() / 30;
    let wrong = app
        .call(&mut s, "account/mfa-confirm", &[("code", "000000")])
        .await;
    assert!(wrong.status == 422 || crypto::totp_code(&secret, now) == "000000");
    let before = s.session_token().cloned();
    let r = app
        .call(
            &mut s,
            "account/mfa-confirm",
            &[("code", &crypto::totp_code(&secret, now))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_ne!(
        s.session_token().cloned(),
        before,
        "session id rotates on enrolment"
    );
    let codes: Vec<String> =
        serde_json::from_value(app.call(&mut s, "account/recovery-codes", &[]).await.json())
            .unwrap();
    assert_eq!(codes.len(), 10);
    assert!(
        app.call(&mut s, "account/recovery-codes", &[])
            .await
            .json()
            .is_null(),
        "shown once"
    );
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1").bind(&email).fetch_all(&app.state.db).await.unwrap();
    assert_eq!(stored.len(), 10);
    assert!(
        stored.iter().all(|h| h.len() == 32),
        "only hashes are stored"
    );

    // Next login needs the second factor; the pending session can do nothing else.
    let mut l = Session::default();
    let r = app
        .call(
            &mut l,
            "auth/login",
            &[
                ("email", &email),
                ("password", "staff kettle orbit violet 7"),
            ],
        )
        .await;
    assert!(
        r.json()["to"].as_str().unwrap().starts_with("/login/mfa"),
        "{}",
        r.body
    );
    assert_eq!(app.call(&mut l, "account/overview", &[]).await.status, 401);
    assert_eq!(
        app.get(&mut l, "/account").await.location(),
        Some("/login/mfa")
    );
    // The code used at enrolment is not accepted again…
    let r = app
        .call(
            &mut l,
            "auth/mfa",
            &[("code", &crypto::totp_code(&secret, now))],
        )
        .await;
    assert_eq!(r.status, 422, "replay refused: {}", r.body);
    // …the next one is, once.
    let next = crypto::totp_code(&secret, now + 1);
    let r = app.call(&mut l, "auth/mfa", &[("code", &next)]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.call(&mut l, "account/overview", &[]).await.status, 200);
    let mut l2 = Session::default();
    app.call(
        &mut l2,
        "auth/login",
        &[
            ("email", &email),
            ("password", "staff kettle orbit violet 7"),
        ],
    )
    .await;
    assert_eq!(
        app.call(&mut l2, "auth/mfa", &[("code", &next)])
            .await
            .status,
        422,
        "the same code twice"
    );
    // A recovery code works once (case and dashes do not matter).
    let code = codes[0].to_uppercase().replace('-', " ");
    assert_eq!(
        app.call(&mut l2, "auth/mfa", &[("code", &code)])
            .await
            .status,
        200
    );
    let mut l3 = Session::default();
    app.call(
        &mut l3,
        "auth/login",
        &[
            ("email", &email),
            ("password", "staff kettle orbit violet 7"),
        ],
    )
    .await;
    assert_eq!(
        app.call(&mut l3, "auth/mfa", &[("code", &codes[0])])
            .await
            .status,
        422
    );
    app.stop().await;
}

#[tokio::test]
async fn production_mode_requires_staff_to_enrol_before_anything_else() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder()
        .var("GATEHOUSE_MODE", "production")
        .var("GATEHOUSE_BASE_URL", "https://gatehouse.example.com")
        .var(
            "GATEHOUSE_SECRET_KEY",
            "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
        )
        .with_smtp(smtp.port)
        .spawn()
        .await;
    let email = "lead@example.com";
    server::cli::create_user(
        &app.state,
        email,
        Role::ComplianceLead,
        "Lead",
        Some("staff kettle orbit violet 7".into()),
    )
    .await
    .unwrap();
    let mut s = Session::default();
    let r = app
        .call(
            &mut s,
            "auth/login",
            &[
                ("email", email),
                ("password", "staff kettle orbit violet 7"),
            ],
        )
        .await;
    assert_eq!(r.json()["to"], "/account/mfa");
    assert_eq!(app.call(&mut s, "account/overview", &[]).await.status, 401);
    assert_eq!(
        app.get(&mut s, "/admin/users").await.location(),
        Some("/account/mfa")
    );
    assert_eq!(app.call(&mut s, "account/mfa-begin", &[]).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn throttling_engages_and_the_account_recovers() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("Throttle Co").await;
    let mut s = Session::default();
    let generic = app
        .call(
            &mut s,
            "auth/login",
            &[
                ("email", "nobody@example.com"),
                ("password", "whatever whatever"),
            ],
        )
        .await;
    for _ in 0..5 {
        let r = app
            .call(
                &mut s,
                "auth/login",
                &[("email", &m.email), ("password", "wrong password here")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert_eq!(
            r.field_error("form"),
            generic.field_error("form"),
            "one generic message"
        );
    }
    // Blocked now, even with the right password…
    let r = app
        .call(
            &mut s,
            "auth/login",
            &[("email", &m.email), ("password", &m.password)],
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.body);
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "a short first delay: {retry}");
    // …and after the delay the real user gets in, which clears the failures.
    tokio::time::sleep(Duration::from_secs(retry + 1)).await;
    let r = app
        .call(
            &mut s,
            "auth/login",
            &[("email", &m.email), ("password", &m.password)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM login_throttle WHERE key IN ($1, $2 || '|127.0.0.1')",
    )
    .bind(format!("account:{}", m.email))
    .bind(format!("pair:{}", m.email))
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(left, 0);
    app.stop().await;
}

#[tokio::test]
async fn invitations_and_role_changes() {
    let app = TestApp::spawn().await;
    let (_, mut admin) = app.staff(Role::Admin).await;
    let r = app
        .call(
            &mut admin,
            "admin/invite",
            &[
                ("email", "newstaff@example.com"),
                ("name", "新同事"),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .call(
            &mut admin,
            "admin/invite",
            &[
                ("email", "newstaff@example.com"),
                ("name", "again"),
                ("role", "reviewer"),
            ],
        )
        .await;
    assert!(r.field_error("email").is_some());
    let r = app
        .call(
            &mut admin,
            "admin/invite",
            &[
                ("email", "x@example.com"),
                ("name", "x"),
                ("role", "merchant"),
            ],
        )
        .await;
    assert!(r.field_error("role").is_some(), "staff roles only");

    let mail = app.dev_mail("newstaff@example.com").await;
    let token = extract_token(&mail.body_text, "/set-password?token=");
    let mut anon = Session::default();
    let r = app
        .call(
            &mut anon,
            "auth/reset-password",
            &[
                ("token", &token),
                ("purpose", "set_password"),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut staff = app.login("newstaff@example.com", GOOD_PASSWORD).await;
    assert_eq!(app.call(&mut staff, "admin/users", &[]).await.status, 403);

    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'newstaff@example.com'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let r = app
        .call(
            &mut admin,
            "admin/change-role",
            &[("user_id", &id.to_string()), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.call(&mut staff, "account/overview", &[]).await.status,
        401,
        "privilege change ends the old session"
    );
    let mut staff = app.login("newstaff@example.com", GOOD_PASSWORD).await;
    assert_eq!(app.call(&mut staff, "admin/users", &[]).await.status, 200);

    // A merchant invites colleagues into its own organisation only.
    let m = app.register_merchant("邀请测试").await;
    let mut ms = m.session.clone();
    assert_eq!(
        app.call(
            &mut ms,
            "account/invite",
            &[("email", "colleague2@example.com"), ("name", "同事")]
        )
        .await
        .status,
        200
    );
    let same_org: bool = sqlx::query_scalar(
        "SELECT a.organisation_id = b.organisation_id FROM users a, users b WHERE a.email = $1 AND b.email = 'colleague2@example.com'",
    )
    .bind(&m.email)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(same_org);
    app.stop().await;
}

#[tokio::test]
async fn every_account_event_is_audited_without_secrets() {
    let app = TestApp::spawn().await;
    let m = app.register_merchant("审计测试").await;
    let mut s = Session::default();
    app.call(
        &mut s,
        "auth/login",
        &[("email", &m.email), ("password", "wrong password here")],
    )
    .await;
    let mut a = app.login(&m.email, &m.password).await;
    app.call(
        &mut a,
        "account/change-password",
        &[
            ("current_password", &m.password),
            ("new_password", "amber meadow ferry nine"),
            ("new_password_confirm", "amber meadow ferry nine"),
        ],
    )
    .await;
    app.call(&mut a, "auth/logout", &[]).await;
    let (_, mut admin) = app.staff(Role::Admin).await;
    let (reviewer, _) = app.staff(Role::Reviewer).await;
    let rid: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&reviewer)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app.call(
        &mut admin,
        "admin/change-role",
        &[("user_id", &rid.to_string()), ("role", "compliance_lead")],
    )
    .await;
    app.call(
        &mut admin,
        "admin/set-disabled",
        &[("user_id", &rid.to_string()), ("disabled", "true")],
    )
    .await;

    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT action, details::text FROM audit_log ORDER BY seq")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    for expected in [
        "user.registered",
        "user.email_verified",
        "login.failed",
        "login.succeeded",
        "password.changed",
        "logout",
        "user.role_changed",
        "user.disabled",
    ] {
        assert!(
            actions.contains(&expected),
            "missing {expected} in {actions:?}"
        );
    }
    let all = rows
        .iter()
        .map(|(_, d)| d.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for secret in [
        m.password.as_str(),
        "wrong password here",
        "amber meadow ferry nine",
        "argon2",
    ] {
        assert!(!all.contains(secret), "audit details leak {secret:?}");
    }
    assert!(matches!(
        app::backend::audit::verify(&app.state.db).await.unwrap(),
        app::backend::audit::Verification::Intact { .. }
    ));
    app.stop().await;
}

#[tokio::test]
async fn bootstrap_an_admin_from_the_command_line() {
    let app = TestApp::spawn().await;
    let db_url = app.state.settings.database_url.expose().clone();
    let files = std::env::temp_dir().join("gh-cli-files");
    let run = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(args)
            .env("DATABASE_URL", &db_url)
            .env("GATEHOUSE_STORAGE_PATH", &files)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "root@example.com",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(&format!("{GOOD_PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.login("root@example.com", GOOD_PASSWORD).await;

    let out = run(
        &[
            "user",
            "create",
            "--email",
            "second@example.com",
            "--role",
            "reviewer",
        ],
        None,
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = extract_token(&stdout, "/set-password?token=");
    let mut anon = Session::default();
    let r = app
        .call(
            &mut anon,
            "auth/reset-password",
            &[
                ("token", &token),
                ("purpose", "set_password"),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 200);

    let out = run(
        &[
            "user",
            "create",
            "--email",
            "weak@example.com",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("password1234\n"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password refused"));
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "m@example.com",
            "--role",
            "merchant",
        ],
        None,
    );
    assert!(!out.status.success(), "merchants register themselves");
    app.stop().await;
}
