//! Account use cases: registration, verification, login with throttling and TOTP, password
//! reset and change, invitations, roles, disabling. Each one that changes state writes its
//! audit row (and any mail) in the same transaction.

use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::backend::audit::{self, Actor, Event};
use crate::backend::auth::{self, CurrentUser};
use crate::backend::crypto;
use crate::backend::db;
use crate::backend::flash::{self, Flash};
use crate::backend::mail::{self, Email as Mail, Template};
use crate::backend::request::RequestCtx;
use crate::backend::state::AppState;
use crate::domain::contact::{Email, Mobile};
use crate::domain::lang::Lang;
use crate::domain::password::{self, PasswordProblem};
use crate::domain::problem::{required_text, Problem};
use crate::domain::roles::{Permission, Role};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;

const VERIFY_EMAIL_HOURS: i64 = 24;
const RESET_PASSWORD_HOURS: i64 = 1;
const SET_PASSWORD_HOURS: i64 = 72;

/// Collects per-field problems in the caller's language.
pub struct Checker {
    pub lang: Lang,
    pub errors: FieldErrors,
}

impl Checker {
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            errors: FieldErrors::new(),
        }
    }

    pub fn check<T>(&mut self, field: &str, r: Result<T, Problem>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(p) => {
                self.errors.add(field, p.message(self.lang));
                None
            }
        }
    }

    /// Keeps a submitted (non-secret) value so a no-JS form comes back filled in.
    pub fn echo(&mut self, field: &str, value: &str) {
        self.errors
            .values
            .push((field.to_string(), value.to_string()));
    }

    pub fn finish(self) -> Result<(), AppError> {
        self.errors.into_result()
    }
}

/// Length rule, then the strength estimator: common, guessable or personal passwords fail.
pub fn check_password(password: &str, personal: &[&str]) -> Result<(), Problem> {
    match password::check_length(password) {
        Err(PasswordProblem::TooShort) => return Err(Problem::PasswordTooShort),
        Err(PasswordProblem::TooLong) => return Err(Problem::PasswordTooLong),
        Err(PasswordProblem::TooCommon) | Ok(()) => {}
    }
    // zxcvbn scores 0..=4; 3 means "safely unguessable" against offline attacks with slow hashes.
    let entropy = zxcvbn::zxcvbn(password, personal);
    if (entropy.score() as u8) < 3 {
        return Err(Problem::PasswordTooCommon);
    }
    Ok(())
}

fn t(lang: Lang) -> Locale {
    lang.locale()
}

async fn send(
    conn: &mut sqlx::PgConnection,
    state: &AppState,
    template: Template,
    to: &str,
    lang: Lang,
    vars: Vec<(&'static str, String)>,
) -> Result<(), AppError> {
    mail::enqueue(
        conn,
        &state.settings,
        Mail {
            template,
            to,
            lang,
            vars,
        },
    )
    .await?;
    Ok(())
}

async fn issue_token(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    purpose: &str,
    hours: i64,
) -> Result<String, AppError> {
    let token = crypto::random_token(32);
    db::users::insert_token(
        conn,
        &crypto::sha256(token.as_bytes()),
        user_id,
        purpose,
        Utc::now() + Duration::hours(hours),
    )
    .await?;
    Ok(token)
}

// --- registration and verification ----------------------------------------------------------

pub struct Registration {
    pub organisation: String,
    pub name: String,
    pub email: String,
    pub mobile: String,
    pub password: String,
    pub password_confirm: String,
}

/// Registers a merchant organisation and its first user, and mails a verification link. The
/// result is the same whether or not the address was already registered (the owner of an
/// existing address gets a notice instead), so the response reveals nothing.
pub async fn register(state: &AppState, ctx: &RequestCtx, r: Registration) -> Result<(), AppError> {
    let mut c = Checker::new(ctx.lang);
    c.echo("organisation", &r.organisation);
    c.echo("name", &r.name);
    c.echo("email", &r.email);
    c.echo("mobile", &r.mobile);
    let organisation = c.check("organisation", required_text(&r.organisation, 200));
    let name = c.check("name", required_text(&r.name, 100));
    let email = c.check("email", Email::parse(&r.email));
    let mobile = c.check("mobile", Mobile::parse(&r.mobile));
    let personal: Vec<&str> = [r.email.as_str(), r.organisation.as_str(), r.name.as_str()].to_vec();
    if c.check("password", check_password(&r.password, &personal))
        .is_some()
        && r.password != r.password_confirm
    {
        c.check::<()>("password_confirm", Err(Problem::PasswordsDiffer));
    }
    c.finish()?;
    let (organisation, name, email, mobile) = (
        organisation.unwrap(),
        name.unwrap(),
        email.unwrap(),
        mobile.unwrap(),
    );

    let hash = crypto::hash_password_blocking(r.password)
        .await
        .map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    let org_id = db::users::insert_organisation(&mut tx, &organisation).await?;
    let new = db::users::NewUser {
        organisation_id: Some(org_id),
        email: email.as_str(),
        name: &name,
        mobile: Some(mobile.as_str()),
        role: Role::Merchant.as_str(),
        password_hash: Some(&hash),
        lang: ctx.lang.code(),
        verified: false,
    };
    match db::users::insert(&mut tx, &new).await? {
        Some(user_id) => {
            let token = issue_token(&mut tx, user_id, "verify_email", VERIFY_EMAIL_HOURS).await?;
            let link = state.settings.url(&format!("/verify-email?token={token}"));
            send(
                &mut tx,
                state,
                Template::VERIFY_EMAIL,
                email.as_str(),
                ctx.lang,
                vec![
                    ("name", name.clone()),
                    ("org", organisation.clone()),
                    ("link", link),
                ],
            )
            .await?;
            let actor = Actor {
                id: Some(user_id),
                label: email.to_string(),
                ip: ctx.ip.clone(),
            };
            audit::append(
                &mut tx,
                &actor,
                Event {
                    action: "user.registered",
                    object_type: "user",
                    object_id: user_id.to_string(),
                    details: json!({"organisation_id": org_id, "role": "merchant"}),
                },
            )
            .await?;
            tx.commit().await?;
        }
        None => {
            // Throw away the organisation; tell the address's owner instead of the requester.
            tx.rollback().await?;
            let mut tx = state.db.begin().await?;
            let link = state.settings.url("/forgot-password");
            send(
                &mut tx,
                state,
                Template::ALREADY_REGISTERED,
                email.as_str(),
                ctx.lang,
                vec![("link", link)],
            )
            .await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// Completes verification with the emailed token (single use, 24 h).
pub async fn verify_email(state: &AppState, ctx: &RequestCtx, token: &str) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let Some(user_id) = db::users::consume_token(
        &mut tx,
        &crypto::sha256(token.trim().as_bytes()),
        "verify_email",
    )
    .await?
    else {
        return Err(AppError::NotFound(
            td_string!(t(ctx.lang), auth.link_invalid).to_string(),
        ));
    };
    db::users::mark_email_verified(&mut tx, user_id).await?;
    let user = db::users::by_id(&mut tx, user_id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    let actor = Actor {
        id: Some(user_id),
        label: user.email.clone(),
        ip: ctx.ip.clone(),
    };
    audit::append(
        &mut tx,
        &actor,
        Event {
            action: "user.email_verified",
            object_type: "user",
            object_id: user_id.to_string(),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a new verification link to the signed-in, unverified user (3 per 15 minutes).
pub async fn resend_verification(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let user = auth::require_session(state, ctx).await?;
    if user.email_verified {
        return Ok(());
    }
    if !db::sessions::rate_limit_hit(&state.db, &format!("resend:{}", user.id), 15 * 60, 3).await? {
        return Err(AppError::TooManyRequests {
            message: td_string!(t(ctx.lang), auth.resend_limited).to_string(),
            retry_after_secs: 15 * 60,
        });
    }
    let mut tx = state.db.begin().await?;
    let token = issue_token(&mut tx, user.id, "verify_email", VERIFY_EMAIL_HOURS).await?;
    let link = state.settings.url(&format!("/verify-email?token={token}"));
    send(
        &mut tx,
        state,
        Template::VERIFY_EMAIL,
        &user.email,
        ctx.lang,
        vec![
            ("name", user.name.clone()),
            ("org", user.organisation_name.clone().unwrap_or_default()),
            ("link", link),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// --- login ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Fully signed in.
    Done,
    /// Enter the TOTP code (or a recovery code).
    Mfa,
    /// Staff in production mode without TOTP: enrol first.
    EnrolMfa,
}

pub struct LoginOutcome {
    pub token: String,
    pub next: NextStep,
    pub role: Role,
}

/// Delay before the next attempt after `failures` failures of one kind of key. Pair and address
/// keys grow to 15 minutes; the account-wide key (which an attacker can trip from anywhere)
/// never blocks for more than a minute, so nobody can lock a real user out for good.
pub fn throttle_delay(kind: &str, failures: i32) -> Option<i64> {
    let (free, cap) = match kind {
        "pair" => (5, 15 * 60),
        "ip" => (20, 15 * 60),
        "account" => (10, 60),
        _ => return None,
    };
    if failures < free {
        return None;
    }
    let exp = (failures - free).min(20) as u32;
    Some((2i64.pow(exp) * 2).min(cap))
}

fn throttle_keys(email: &str, ip: Option<&str>) -> Vec<(&'static str, String)> {
    let ip = ip.unwrap_or("unknown");
    vec![
        ("account", format!("account:{email}")),
        ("ip", format!("ip:{ip}")),
        ("pair", format!("pair:{email}|{ip}")),
    ]
}

async fn check_throttle(
    state: &AppState,
    ctx: &RequestCtx,
    keys: &[(&'static str, String)],
) -> Result<(), AppError> {
    let names: Vec<String> = keys.iter().map(|(_, k)| k.clone()).collect();
    if let Some(until) = db::sessions::blocked_until(&state.db, &names).await? {
        let secs = (until - Utc::now()).num_seconds().max(1);
        return Err(AppError::TooManyRequests {
            message: td_string!(t(ctx.lang), auth.throttled, secs = secs),
            retry_after_secs: secs as u64,
        });
    }
    Ok(())
}

async fn record_failure(state: &AppState, keys: &[(&'static str, String)]) -> Result<(), AppError> {
    for (kind, key) in keys {
        let failures = db::sessions::record_failure(&state.db, key).await?;
        if let Some(secs) = throttle_delay(kind, failures) {
            db::sessions::block(&state.db, key, secs).await?;
        }
    }
    Ok(())
}

fn wrong_credentials(lang: Lang, email: &str) -> AppError {
    AppError::Validation(
        FieldErrors::single("form", td_string!(t(lang), auth.wrong_credentials))
            .with_value("email", email),
    )
}

pub async fn login(
    state: &AppState,
    ctx: &RequestCtx,
    email_input: &str,
    password: String,
) -> Result<LoginOutcome, AppError> {
    let email = email_input.trim().to_lowercase();
    let keys = throttle_keys(&email, ctx.ip.as_deref());
    check_throttle(state, ctx, &keys).await?;

    let user = db::users::by_email(&state.db, &email).await?;
    let usable = user.as_ref().filter(|u| u.disabled_at.is_none());
    let ok =
        crypto::verify_password_blocking(password, usable.and_then(|u| u.password_hash.clone()))
            .await;
    let Some(user) = usable.filter(|_| ok) else {
        record_failure(state, &keys).await?;
        let mut tx = state.db.begin().await?;
        audit::append(&mut tx, &Actor { id: user.as_ref().map(|u| u.id), label: email.clone(), ip: ctx.ip.clone() }, Event {
            action: "login.failed",
            object_type: "user",
            object_id: user.as_ref().map(|u| u.id.to_string()).unwrap_or_else(|| email.clone()),
            details: json!({"reason": if user.is_none() { "unknown_email" } else if user.as_ref().is_some_and(|u| u.disabled_at.is_some()) { "disabled" } else { "bad_password" }}),
        }).await?;
        tx.commit().await?;
        return Err(wrong_credentials(ctx.lang, email_input));
    };
    let role = Role::parse(&user.role).ok_or_else(|| AppError::internal("unknown role"))?;
    let pair_and_account: Vec<String> = keys
        .iter()
        .filter(|(k, _)| *k != "ip")
        .map(|(_, k)| k.clone())
        .collect();
    db::sessions::clear(&state.db, &pair_and_account).await?;

    let next = if role.is_staff() && user.totp_enabled_at.is_some() {
        NextStep::Mfa
    } else if role.is_staff() && state.settings.is_production() {
        NextStep::EnrolMfa
    } else {
        NextStep::Done
    };
    let mut tx = state.db.begin().await?;
    let token = auth::start_session(&mut tx, ctx, user.id, role, next == NextStep::Done).await?;
    let action = if next == NextStep::Done {
        "login.succeeded"
    } else {
        "login.password_accepted"
    };
    audit::append(
        &mut tx,
        &Actor {
            id: Some(user.id),
            label: user.email.clone(),
            ip: ctx.ip.clone(),
        },
        Event {
            action,
            object_type: "user",
            object_id: user.id.to_string(),
            details: json!({"next": format!("{next:?}").to_lowercase()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome { token, next, role })
}

/// The second step of a staff login: a TOTP code (each accepted once) or a recovery code.
/// Replaces the pending session by a full one (new id); returns its token and the role.
pub async fn complete_mfa(
    state: &AppState,
    ctx: &RequestCtx,
    code: &str,
) -> Result<(String, Role), AppError> {
    let user = auth::current_user(state, ctx)
        .await?
        .ok_or_else(|| auth::unauthenticated(ctx.lang))?;
    if user.mfa_passed {
        return Err(AppError::Conflict(
            td_string!(t(ctx.lang), auth.already_signed_in).to_string(),
        ));
    }
    let keys = vec![(
        "pair",
        format!(
            "pair:{}|{}",
            user.email,
            ctx.ip.as_deref().unwrap_or("unknown")
        ),
    )];
    check_throttle(state, ctx, &keys).await?;
    let mut tx = state.db.begin().await?;
    let row = db::users::by_id(&mut tx, user.id)
        .await?
        .ok_or_else(|| auth::unauthenticated(ctx.lang))?;
    let key = crypto::derive_key(&state.settings.secret_key, "totp");
    let secret = row
        .totp_secret
        .as_deref()
        .filter(|_| row.totp_enabled_at.is_some())
        .and_then(|s| crypto::decrypt(&key, s));
    let method = match secret.and_then(|s| crypto::totp_match(&s, code, Utc::now().timestamp())) {
        Some(step) if db::users::claim_totp_step(&mut tx, user.id, step).await? => Some("totp"),
        Some(_) => None, // replay of an accepted code
        None => {
            let normalised = crypto::normalise_recovery_code(code);
            if db::users::use_recovery_code(
                &mut tx,
                user.id,
                &crypto::sha256(normalised.as_bytes()),
            )
            .await?
            {
                Some("recovery_code")
            } else {
                None
            }
        }
    };
    let actor = user.actor(ctx);
    let Some(method) = method else {
        audit::append(
            &mut tx,
            &actor,
            Event {
                action: "login.mfa_failed",
                object_type: "user",
                object_id: user.id.to_string(),
                details: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        record_failure(state, &keys).await?;
        return Err(AppError::Validation(FieldErrors::single(
            "code",
            td_string!(t(ctx.lang), auth.mfa_wrong),
        )));
    };
    db::sessions::delete(&mut tx, &user.session_hash).await?;
    let token = auth::start_session(&mut tx, ctx, user.id, user.role, true).await?;
    audit::append(
        &mut tx,
        &actor,
        Event {
            action: "login.succeeded",
            object_type: "user",
            object_id: user.id.to_string(),
            details: json!({"mfa": method}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((token, user.role))
}

pub async fn logout(state: &AppState, ctx: &RequestCtx) -> Result<(), AppError> {
    let Some(user) = auth::current_user(state, ctx).await? else {
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    db::sessions::delete(&mut tx, &user.session_hash).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "logout",
            object_type: "user",
            object_id: user.id.to_string(),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn logout_everywhere(state: &AppState, ctx: &RequestCtx) -> Result<u64, AppError> {
    let user = auth::require_session(state, ctx).await?;
    let mut tx = state.db.begin().await?;
    let n = db::sessions::delete_for_user(&mut tx, user.id, None).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "logout.everywhere",
            object_type: "user",
            object_id: user.id.to_string(),
            details: json!({"sessions": n}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

// --- passwords -------------------------------------------------------------------------------

/// Mails a reset link if the address belongs to an enabled user. Same answer either way.
pub async fn forgot_password(
    state: &AppState,
    ctx: &RequestCtx,
    email_input: &str,
) -> Result<(), AppError> {
    let mut c = Checker::new(ctx.lang);
    c.echo("email", email_input);
    let email = c.check("email", Email::parse(email_input));
    c.finish()?;
    let email = email.unwrap();
    let ip = ctx.ip.as_deref().unwrap_or("unknown");
    let allowed =
        db::sessions::rate_limit_hit(&state.db, &format!("forgot:{}", email.as_str()), 60 * 60, 5)
            .await?
            && db::sessions::rate_limit_hit(&state.db, &format!("forgot-ip:{ip}"), 60 * 60, 30)
                .await?;
    if !allowed {
        // Quietly do nothing: the answer must not differ.
        return Ok(());
    }
    let Some(user) = db::users::by_email(&state.db, email.as_str())
        .await?
        .filter(|u| u.disabled_at.is_none())
    else {
        return Ok(());
    };
    let lang = Lang::parse(&user.lang).unwrap_or(ctx.lang);
    let mut tx = state.db.begin().await?;
    let token = issue_token(&mut tx, user.id, "reset_password", RESET_PASSWORD_HOURS).await?;
    let link = state
        .settings
        .url(&format!("/reset-password?token={token}"));
    send(
        &mut tx,
        state,
        Template::RESET_PASSWORD,
        &user.email,
        lang,
        vec![("link", link)],
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor {
            id: Some(user.id),
            label: user.email.clone(),
            ip: ctx.ip.clone(),
        },
        Event {
            action: "password.reset_requested",
            object_type: "user",
            object_id: user.id.to_string(),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a reset / set-password link is still usable (the page shows the form or an error).
pub async fn token_usable(state: &AppState, token: &str, purpose: &str) -> Result<bool, AppError> {
    Ok(
        db::users::token_is_valid(&state.db, &crypto::sha256(token.trim().as_bytes()), purpose)
            .await?,
    )
}

/// Sets a new password from an emailed link (reset, or an invitation's set-password). Every
/// session of the user ends; the address is proven, so it counts as verified.
pub async fn reset_password(
    state: &AppState,
    ctx: &RequestCtx,
    token: &str,
    purpose: &str,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    if purpose != "reset_password" && purpose != "set_password" {
        return Err(auth::not_found(ctx.lang));
    }
    let mut c = Checker::new(ctx.lang);
    if c.check("password", check_password(&password, &[]))
        .is_some()
        && password != confirm
    {
        c.check::<()>("password_confirm", Err(Problem::PasswordsDiffer));
    }
    c.finish()?;
    let hash = crypto::hash_password_blocking(password)
        .await
        .map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    let Some(user_id) =
        db::users::consume_token(&mut tx, &crypto::sha256(token.trim().as_bytes()), purpose)
            .await?
    else {
        return Err(AppError::NotFound(
            td_string!(t(ctx.lang), auth.link_invalid).to_string(),
        ));
    };
    let user = db::users::by_id(&mut tx, user_id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    db::users::set_password(&mut tx, user_id, &hash).await?;
    db::users::mark_email_verified(&mut tx, user_id).await?;
    let ended = db::sessions::delete_for_user(&mut tx, user_id, None).await?;
    audit::append(
        &mut tx,
        &Actor {
            id: Some(user_id),
            label: user.email.clone(),
            ip: ctx.ip.clone(),
        },
        Event {
            action: if purpose == "reset_password" {
                "password.reset"
            } else {
                "password.set"
            },
            object_type: "user",
            object_id: user_id.to_string(),
            details: json!({"sessions_ended": ended}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the signed-in user's password; every other session ends and this one gets a new id.
pub async fn change_password(
    state: &AppState,
    ctx: &RequestCtx,
    current: String,
    new: String,
    confirm: String,
) -> Result<String, AppError> {
    let user = auth::require_session(state, ctx).await?;
    let mut c = Checker::new(ctx.lang);
    if c.check(
        "new_password",
        check_password(&new, &[user.email.as_str(), user.name.as_str()]),
    )
    .is_some()
        && new != confirm
    {
        c.check::<()>("new_password_confirm", Err(Problem::PasswordsDiffer));
    }
    c.finish()?;
    let row = db::users::by_email(&state.db, &user.email)
        .await?
        .ok_or_else(|| auth::unauthenticated(ctx.lang))?;
    if !crypto::verify_password_blocking(current, row.password_hash).await {
        return Err(AppError::Validation(FieldErrors::single(
            "current_password",
            td_string!(t(ctx.lang), account.current_password_wrong),
        )));
    }
    let hash = crypto::hash_password_blocking(new)
        .await
        .map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    db::users::set_password(&mut tx, user.id, &hash).await?;
    db::sessions::delete_for_user(&mut tx, user.id, None).await?;
    let token = auth::start_session(&mut tx, ctx, user.id, user.role, true).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "password.changed",
            object_type: "user",
            object_id: user.id.to_string(),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

// --- invitations, roles, disabling -------------------------------------------------------

pub struct Invitation {
    pub email: String,
    pub name: String,
    pub role: String,
}

/// Admins invite staff; merchant users invite colleagues into their own organisation. The
/// invitee gets a set-password link (72 h). The caller has been authorised already (the
/// permission differs: `UsersManage` or `OrganisationInvite`).
pub async fn invite(
    state: &AppState,
    ctx: &RequestCtx,
    inviter: &CurrentUser,
    inv: Invitation,
) -> Result<Uuid, AppError> {
    let organisation_id = inviter.organisation_id;
    let mut c = Checker::new(ctx.lang);
    c.echo("email", &inv.email);
    c.echo("name", &inv.name);
    c.echo("role", &inv.role);
    let email = c.check("email", Email::parse(&inv.email));
    let name = c.check("name", required_text(&inv.name, 100));
    let role = if organisation_id.is_some() {
        Some(Role::Merchant)
    } else {
        c.check(
            "role",
            Role::parse(&inv.role)
                .filter(|r| r.is_staff())
                .ok_or(Problem::RoleInvalid),
        )
    };
    c.finish()?;
    let (email, name, role) = (email.unwrap(), name.unwrap(), role.unwrap());

    let mut tx = state.db.begin().await?;
    let new = db::users::NewUser {
        organisation_id,
        email: email.as_str(),
        name: &name,
        mobile: None,
        role: role.as_str(),
        password_hash: None,
        lang: ctx.lang.code(),
        verified: false,
    };
    let Some(user_id) = db::users::insert(&mut tx, &new).await? else {
        return Err(AppError::Validation(
            FieldErrors::single("email", td_string!(t(ctx.lang), admin.email_taken))
                .with_value("email", &inv.email)
                .with_value("name", &inv.name),
        ));
    };
    let token = issue_token(&mut tx, user_id, "set_password", SET_PASSWORD_HOURS).await?;
    let link = state.settings.url(&format!("/set-password?token={token}"));
    let org = inviter
        .organisation_name
        .clone()
        .unwrap_or_else(|| "Gatehouse".to_string());
    send(
        &mut tx,
        state,
        Template::INVITATION,
        email.as_str(),
        ctx.lang,
        vec![
            ("name", name.clone()),
            ("actor", inviter.name.clone()),
            ("org", org),
            ("link", link),
        ],
    )
    .await?;
    audit::append(&mut tx, &inviter.actor(ctx), Event { action: "user.invited", object_type: "user", object_id: user_id.to_string(), details: json!({"email": email.as_str(), "role": role.as_str(), "organisation_id": organisation_id}) }).await?;
    tx.commit().await?;
    Ok(user_id)
}

fn cannot_change_self(lang: Lang) -> AppError {
    AppError::Conflict(td_string!(t(lang), admin.not_yourself).to_string())
}

/// Changes a staff member's role; their sessions end (privilege change means a new session).
pub async fn change_role(
    state: &AppState,
    ctx: &RequestCtx,
    user_id: Uuid,
    role: &str,
) -> Result<(), AppError> {
    let admin = auth::require(state, ctx, Permission::UsersManage).await?;
    let role = Role::parse(role).filter(|r| r.is_staff()).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "role",
            Problem::RoleInvalid.message(ctx.lang),
        ))
    })?;
    if user_id == admin.id {
        return Err(cannot_change_self(ctx.lang));
    }
    let mut tx = state.db.begin().await?;
    let target = db::users::by_id(&mut tx, user_id)
        .await?
        .filter(|u| u.role != "merchant")
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    if target.role == role.as_str() {
        return Ok(());
    }
    db::users::set_role(&mut tx, user_id, role.as_str()).await?;
    db::sessions::delete_for_user(&mut tx, user_id, None).await?;
    audit::append(
        &mut tx,
        &admin.actor(ctx),
        Event {
            action: "user.role_changed",
            object_type: "user",
            object_id: user_id.to_string(),
            details: json!({"from": target.role, "to": role.as_str()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disables (ending every session at once) or re-enables a user.
pub async fn set_disabled(
    state: &AppState,
    ctx: &RequestCtx,
    user_id: Uuid,
    disabled: bool,
) -> Result<(), AppError> {
    let admin = auth::require(state, ctx, Permission::UsersManage).await?;
    if user_id == admin.id {
        return Err(cannot_change_self(ctx.lang));
    }
    let mut tx = state.db.begin().await?;
    let target = db::users::by_id(&mut tx, user_id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    db::users::set_disabled(&mut tx, user_id, disabled).await?;
    let ended = if disabled {
        db::sessions::delete_for_user(&mut tx, user_id, None).await?
    } else {
        0
    };
    audit::append(
        &mut tx,
        &admin.actor(ctx),
        Event {
            action: if disabled {
                "user.disabled"
            } else {
                "user.enabled"
            },
            object_type: "user",
            object_id: user_id.to_string(),
            details: json!({"email": target.email, "sessions_ended": ended}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// --- TOTP enrolment ---------------------------------------------------------------------------

pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

/// The signed-in user, or a staff login that must enrol before it may continue.
async fn enrolling_user(state: &AppState, ctx: &RequestCtx) -> Result<CurrentUser, AppError> {
    let user = auth::current_user(state, ctx)
        .await?
        .ok_or_else(|| auth::unauthenticated(ctx.lang))?;
    if !user.mfa_passed && user.totp_enabled {
        // A pending login with TOTP already set up must answer the code, not re-enrol.
        return Err(auth::unauthenticated(ctx.lang));
    }
    Ok(user)
}

/// Starts (or restarts) enrolment with a fresh secret; nothing changes for login until confirmed.
pub async fn begin_totp(state: &AppState, ctx: &RequestCtx) -> Result<Enrolment, AppError> {
    let user = enrolling_user(state, ctx).await?;
    if user.totp_enabled {
        return Err(AppError::Conflict(
            td_string!(t(ctx.lang), account.mfa_already).to_string(),
        ));
    }
    let secret = crypto::new_totp_secret();
    let key = crypto::derive_key(&state.settings.secret_key, "totp");
    let mut conn = state.db.acquire().await?;
    db::users::set_totp_secret(&mut conn, user.id, &crypto::encrypt(&key, &secret)).await?;
    let uri = crypto::otpauth_uri("Gatehouse", &user.email, &secret);
    Ok(Enrolment {
        secret_base32: crypto::base32(&secret),
        qr_svg: crypto::qr_svg(&uri).map_err(AppError::internal)?,
        otpauth_uri: uri,
    })
}

/// Confirms enrolment with a first code. Returns the new session token (the id rotates on
/// this privilege change); the recovery codes wait in the session's flash, shown once.
pub async fn confirm_totp(
    state: &AppState,
    ctx: &RequestCtx,
    code: &str,
) -> Result<String, AppError> {
    let user = enrolling_user(state, ctx).await?;
    if user.totp_enabled {
        return Err(AppError::Conflict(
            td_string!(t(ctx.lang), account.mfa_already).to_string(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let row = db::users::by_id(&mut tx, user.id)
        .await?
        .ok_or_else(|| auth::unauthenticated(ctx.lang))?;
    let key = crypto::derive_key(&state.settings.secret_key, "totp");
    let secret = row
        .totp_secret
        .as_deref()
        .and_then(|s| crypto::decrypt(&key, s))
        .ok_or_else(|| {
            AppError::Conflict(td_string!(t(ctx.lang), account.mfa_start_again).to_string())
        })?;
    let step = crypto::totp_match(&secret, code, Utc::now().timestamp()).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "code",
            td_string!(t(ctx.lang), auth.mfa_wrong),
        ))
    })?;
    if !db::users::claim_totp_step(&mut tx, user.id, step).await? {
        return Err(AppError::Validation(FieldErrors::single(
            "code",
            td_string!(t(ctx.lang), auth.mfa_wrong),
        )));
    }
    db::users::enable_totp(&mut tx, user.id).await?;
    let codes = crypto::new_recovery_codes(10);
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| crypto::sha256(c.as_bytes())).collect();
    db::users::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
    db::sessions::delete(&mut tx, &user.session_hash).await?;
    let token = auth::start_session(&mut tx, ctx, user.id, user.role, true).await?;
    flash::put(
        &mut tx,
        state,
        &crypto::sha256(token.as_bytes()),
        &Flash::RecoveryCodes(codes.clone()),
    )
    .await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "mfa.enrolled",
            object_type: "user",
            object_id: user.id.to_string(),
            details: json!({"method": "totp", "recovery_codes": codes.len()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_grows_and_account_key_is_capped() {
        assert_eq!(throttle_delay("pair", 4), None);
        assert_eq!(throttle_delay("pair", 5), Some(2));
        assert_eq!(throttle_delay("pair", 6), Some(4));
        assert_eq!(throttle_delay("pair", 30), Some(900));
        assert_eq!(throttle_delay("account", 9), None);
        assert_eq!(throttle_delay("account", 100), Some(60));
        assert_eq!(throttle_delay("ip", 19), None);
    }

    #[test]
    fn common_and_personal_passwords_fail() {
        assert_eq!(check_password("short", &[]), Err(Problem::PasswordTooShort));
        assert_eq!(
            check_password("password1234", &[]),
            Err(Problem::PasswordTooCommon)
        );
        assert_eq!(
            check_password("qwertyuiop123", &[]),
            Err(Problem::PasswordTooCommon)
        );
        assert_eq!(
            check_password("123456789012", &[]),
            Err(Problem::PasswordTooCommon)
        );
        assert_eq!(
            check_password("lilei@example.com1", &["lilei@example.com"]),
            Err(Problem::PasswordTooCommon)
        );
        assert_eq!(check_password("Tea-kettle orbit 42 violet", &[]), Ok(()));
        assert_eq!(check_password("山川湖海与星辰大地之歌谣", &[]), Ok(()));
    }
}
