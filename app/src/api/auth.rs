//! Sign-up, sign-in and the links that arrive by email.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::roles::Role;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::ssr::{redirect_no_js, request, respond, safe_next, set_cookie},
    crate::backend::{auth as authz, services::accounts},
};

/// What the UI needs to know about the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_name: Option<String>,
    pub email_verified: bool,
    pub mfa_passed: bool,
    pub totp_enabled: bool,
}

#[server(prefix = "/api", endpoint = "auth/session")]
pub async fn get_session() -> Result<Option<SessionView>, AppError> {
    // Public: answers "who am I", nothing more.
    respond(
        async {
            let (state, ctx) = request()?;
            Ok(authz::current_user(&state, &ctx)
                .await?
                .map(|u| SessionView {
                    email: u.email,
                    name: u.name,
                    role: u.role,
                    organisation_name: u.organisation_name,
                    email_verified: u.email_verified,
                    mfa_passed: u.mfa_passed,
                    totp_enabled: u.totp_enabled,
                }))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/register")]
pub async fn register(
    organisation: String,
    name: String,
    email: String,
    mobile: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    // Public: anyone may register a merchant organisation.
    respond(
        async {
            let (state, ctx) = request()?;
            accounts::register(
                &state,
                &ctx,
                accounts::Registration {
                    organisation,
                    name,
                    email,
                    mobile,
                    password,
                    password_confirm,
                },
            )
            .await?;
            redirect_no_js("/register?done=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/verify-email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    // Public: the token is the authority.
    respond(
        async {
            let (state, ctx) = request()?;
            accounts::verify_email(&state, &ctx, &token).await?;
            redirect_no_js("/verify-email?done=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/resend-verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            accounts::resend_verification(&state, &ctx).await?;
            redirect_no_js("/verify-email?resent=1");
            Ok(())
        }
        .await,
    )
}

/// Where to go after a successful step, for JavaScript callers (no-JS posts get a redirect).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Navigate {
    pub to: String,
}

#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<Navigate, AppError> {
    // Public: throttled per account and address inside the service.
    respond(
        async {
            let (state, ctx) = request()?;
            let outcome = accounts::login(&state, &ctx, &email, password).await?;
            set_cookie(&authz::session_cookie(&state, Some(&outcome.token)));
            let next = safe_next(
                next.as_deref(),
                crate::domain::access::home_for(outcome.role),
            );
            let to = match outcome.next {
                accounts::NextStep::Done => next,
                accounts::NextStep::Mfa => {
                    format!("/login/mfa?next={}", urlencoding::encode(&next))
                }
                accounts::NextStep::EnrolMfa => "/account/mfa".to_string(),
            };
            redirect_no_js(&to);
            Ok(Navigate { to })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/mfa")]
pub async fn complete_mfa(code: String, next: Option<String>) -> Result<Navigate, AppError> {
    // Requires the pending session of a staff login (checked in the service).
    respond(
        async {
            let (state, ctx) = request()?;
            let (token, role) = accounts::complete_mfa(&state, &ctx, &code).await?;
            set_cookie(&authz::session_cookie(&state, Some(&token)));
            let to = safe_next(next.as_deref(), crate::domain::access::home_for(role));
            redirect_no_js(&to);
            Ok(Navigate { to })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<Navigate, AppError> {
    // Anyone may end their own session (a no-op without one).
    respond(
        async {
            let (state, ctx) = request()?;
            accounts::logout(&state, &ctx).await?;
            set_cookie(&authz::session_cookie(&state, None));
            redirect_no_js("/login?logged_out=1");
            Ok(Navigate {
                to: "/login?logged_out=1".into(),
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    // Public: the answer is the same whether or not the address is registered.
    respond(
        async {
            let (state, ctx) = request()?;
            accounts::forgot_password(&state, &ctx, &email).await?;
            redirect_no_js("/forgot-password?sent=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/link-status")]
pub async fn link_status(token: String, purpose: String) -> Result<bool, AppError> {
    // Public: says only whether this token is usable.
    respond(
        async {
            let (state, _ctx) = request()?;
            if purpose != "reset_password" && purpose != "set_password" {
                return Ok(false);
            }
            accounts::token_usable(&state, &token, &purpose).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/reset-password")]
pub async fn reset_password(
    token: String,
    purpose: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    // Public: the emailed token is the authority.
    respond(
        async {
            let (state, ctx) = request()?;
            accounts::reset_password(&state, &ctx, &token, &purpose, password, password_confirm)
                .await?;
            redirect_no_js("/login?reset=1");
            Ok(())
        }
        .await,
    )
}
