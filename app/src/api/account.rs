//! The signed-in user's own account: password, sessions, two-step verification, colleagues.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::domain::roles::Permission;

#[cfg(feature = "ssr")]
use {
    super::ssr::{redirect_no_js, request, respond, set_cookie},
    crate::backend::{auth as authz, db, services::accounts},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRowView {
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColleagueView {
    pub email: String,
    pub name: String,
    pub pending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub email: String,
    pub name: String,
    pub organisation_name: Option<String>,
    pub totp_enabled: bool,
    pub recovery_codes_left: i64,
    pub sessions: Vec<SessionRowView>,
    /// Merchant users only: the people of their organisation.
    pub colleagues: Option<Vec<ColleagueView>>,
}

#[server(prefix = "/api", endpoint = "account/overview")]
pub async fn account_overview() -> Result<AccountView, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require_session(&state, &ctx).await?;
            let sessions = db::sessions::list_for_user(&state.db, user.id)
                .await?
                .into_iter()
                .map(|s| SessionRowView {
                    current: s.id_hash == user.session_hash,
                    created_at: s.created_at,
                    last_seen_at: s.last_seen_at,
                    ip: s.ip,
                    user_agent: s.user_agent,
                })
                .collect();
            let colleagues = match user.organisation_id {
                Some(org) => Some(
                    db::users::list_organisation(&state.db, org)
                        .await?
                        .into_iter()
                        .map(|u| ColleagueView {
                            email: u.email,
                            name: u.name,
                            pending: !u.has_password,
                        })
                        .collect(),
                ),
                None => None,
            };
            Ok(AccountView {
                recovery_codes_left: if user.totp_enabled {
                    db::users::unused_recovery_codes(&state.db, user.id).await?
                } else {
                    0
                },
                email: user.email,
                name: user.name,
                organisation_name: user.organisation_name,
                totp_enabled: user.totp_enabled,
                sessions,
                colleagues,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "account/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let token = accounts::change_password(
                &state,
                &ctx,
                current_password,
                new_password,
                new_password_confirm,
            )
            .await?;
            set_cookie(&authz::session_cookie(&state, Some(&token)));
            redirect_no_js("/account?password_changed=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "account/logout-everywhere")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            accounts::logout_everywhere(&state, &ctx).await?;
            set_cookie(&authz::session_cookie(&state, None));
            redirect_no_js("/login?logged_out=1");
            Ok(())
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentView {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

#[server(prefix = "/api", endpoint = "account/mfa-begin")]
pub async fn mfa_begin() -> Result<EnrolmentView, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let e = accounts::begin_totp(&state, &ctx).await?;
            Ok(EnrolmentView {
                secret: e.secret_base32,
                otpauth_uri: e.otpauth_uri,
                qr_svg: e.qr_svg,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "account/mfa-confirm")]
pub async fn mfa_confirm(code: String) -> Result<super::auth::Navigate, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let token = accounts::confirm_totp(&state, &ctx, &code).await?;
            set_cookie(&authz::session_cookie(&state, Some(&token)));
            let to = "/account/mfa?done=1".to_string();
            redirect_no_js(&to);
            Ok(super::auth::Navigate { to })
        }
        .await,
    )
}

/// The recovery codes of a just-finished enrolment, once; afterwards `None`.
#[server(prefix = "/api", endpoint = "account/recovery-codes")]
pub async fn take_recovery_codes() -> Result<Option<Vec<String>>, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require_session(&state, &ctx).await?;
            Ok(crate::backend::flash::take(&state, &user.session_hash)
                .await?
                .and_then(crate::backend::flash::Flash::into_recovery_codes))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "account/invite")]
pub async fn invite_colleague(email: String, name: String) -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let inviter = authz::require(&state, &ctx, Permission::OrganisationInvite).await?;
            accounts::invite(
                &state,
                &ctx,
                &inviter,
                accounts::Invitation {
                    email,
                    name,
                    role: "merchant".into(),
                },
            )
            .await?;
            redirect_no_js("/account?invited=1");
            Ok(())
        }
        .await,
    )
}
