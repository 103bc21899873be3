//! Who is calling, and may they? `require` is the first line of every server function and
//! handler. Sessions live in PostgreSQL; the cookie holds a random token whose SHA-256 is
//! the session's key, so a database leak does not hand out live sessions.

use chrono::Utc;
use sqlx::PgConnection;
use uuid::Uuid;

use super::crypto;
use super::db;
use super::request::RequestCtx;
use super::state::AppState;
use crate::domain::lang::Lang;
use crate::domain::roles::{Permission, Role};
use crate::error::AppError;
use crate::i18n::*;

/// Absolute session lifetime, whatever the activity.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 12 * 60 * 60;
/// A login waiting for its second factor has five minutes.
pub const MFA_PENDING_SECS: i64 = 5 * 60;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub lang: Lang,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub email_verified: bool,
    pub totp_enabled: bool,
    /// False while a staff login waits for its TOTP code.
    pub mfa_passed: bool,
    pub session_hash: Vec<u8>,
}

impl CurrentUser {
    /// The organisation a merchant user acts for; staff have none.
    pub fn organisation(&self) -> Result<Uuid, AppError> {
        self.organisation_id.ok_or_else(|| forbidden(self.lang))
    }

    /// The actor written to audit rows.
    pub fn actor(&self, ctx: &RequestCtx) -> super::audit::Actor {
        super::audit::Actor {
            id: Some(self.id),
            label: self.email.clone(),
            ip: ctx.ip.clone(),
        }
    }
}

/// Cookie name: `__Host-` (Secure, Path=/, no Domain) whenever cookies can be Secure.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-gh_session"
    } else {
        "gh_session"
    }
}

/// The `Set-Cookie` value for a session token (or its removal with `None`).
pub fn session_cookie(state: &AppState, token: Option<&str>) -> String {
    let secure = state.settings.secure_cookies();
    let name = session_cookie_name(secure);
    let secure_attr = if secure { "; Secure" } else { "" };
    match token {
        // No Max-Age: the cookie lives with the browser session; the server enforces timeouts.
        Some(t) => format!("{name}={t}; Path=/; HttpOnly; SameSite=Lax{secure_attr}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure_attr}"),
    }
}

/// The signed-in user of this request, loaded at most once per request.
pub async fn current_user(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<CurrentUser>, AppError> {
    let cell = ctx.user.clone();
    let user = cell
        .get_or_try_init(|| async {
            let Some(token) = &ctx.session_token else {
                return Ok::<_, AppError>(None);
            };
            let hash = crypto::sha256(token.expose().as_bytes());
            let Some(row) = db::sessions::load(&state.db, &hash).await? else {
                return Ok(None);
            };
            if Utc::now() - row.last_seen_at > chrono::Duration::seconds(60) {
                db::sessions::touch(&state.db, &hash).await?;
            }
            let role = Role::parse(&row.role)
                .ok_or_else(|| AppError::internal(format!("unknown role {}", row.role)))?;
            Ok(Some(CurrentUser {
                id: row.user_id,
                email: row.email,
                name: row.name,
                role,
                lang: Lang::parse(&row.lang).unwrap_or_default(),
                organisation_id: row.organisation_id,
                organisation_name: row.organisation_name,
                email_verified: row.email_verified,
                totp_enabled: row.totp_enabled,
                mfa_passed: row.mfa_passed,
                session_hash: hash,
            }))
        })
        .await?;
    Ok(user.clone())
}

/// Signed in with every factor done (any role, email verified or not).
pub async fn require_session(state: &AppState, ctx: &RequestCtx) -> Result<CurrentUser, AppError> {
    match current_user(state, ctx).await? {
        Some(u) if u.mfa_passed => Ok(u),
        _ => Err(unauthenticated(ctx.lang)),
    }
}

/// The authorisation check: signed in, second factor done, email verified, and the role has
/// the permission.
pub async fn require(
    state: &AppState,
    ctx: &RequestCtx,
    permission: Permission,
) -> Result<CurrentUser, AppError> {
    require_any(state, ctx, &[permission]).await
}

/// As [`require`], for pages several roles share: the role needs one of the permissions.
pub async fn require_any(
    state: &AppState,
    ctx: &RequestCtx,
    permissions: &[Permission],
) -> Result<CurrentUser, AppError> {
    let user = require_session(state, ctx).await?;
    if !user.email_verified {
        return Err(AppError::Forbidden(
            td_string!(ctx.lang.locale(), errors.verify_email_first).to_string(),
        ));
    }
    if !permissions.iter().any(|p| user.role.can(*p)) {
        return Err(forbidden(ctx.lang));
    }
    Ok(user)
}

/// Any member of staff (for pages such as the dashboard's shell).
pub async fn require_staff(state: &AppState, ctx: &RequestCtx) -> Result<CurrentUser, AppError> {
    let user = require_session(state, ctx).await?;
    if !user.role.is_staff() {
        return Err(forbidden(ctx.lang));
    }
    Ok(user)
}

pub fn unauthenticated(lang: Lang) -> AppError {
    AppError::Unauthenticated(td_string!(lang.locale(), errors.unauthenticated).to_string())
}

pub fn forbidden(lang: Lang) -> AppError {
    AppError::Forbidden(td_string!(lang.locale(), errors.forbidden).to_string())
}

pub fn not_found(lang: Lang) -> AppError {
    AppError::NotFound(td_string!(lang.locale(), errors.not_found).to_string())
}

/// Starts a session for the user and returns the cookie token. A fresh random id every time:
/// the id rotates at login, at the second factor and on privilege change.
pub async fn start_session(
    conn: &mut PgConnection,
    ctx: &RequestCtx,
    user_id: Uuid,
    role: Role,
    mfa_passed: bool,
) -> Result<String, AppError> {
    let token = crypto::random_token(32);
    let hash = crypto::sha256(token.as_bytes());
    let absolute = if mfa_passed {
        ABSOLUTE_TIMEOUT_SECS
    } else {
        MFA_PENDING_SECS
    };
    db::sessions::insert(
        conn,
        &hash,
        user_id,
        role.idle_timeout_secs(),
        absolute,
        mfa_passed,
        ctx.ip.as_deref(),
        ctx.user_agent.as_deref(),
    )
    .await?;
    Ok(token)
}
