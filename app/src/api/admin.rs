//! Administration: staff accounts and the dev mailbox.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::roles::Role;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::ssr::{redirect_no_js, request, respond},
    crate::backend::{auth as authz, db, services::accounts},
    crate::domain::roles::Permission,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub pending: bool,
    pub mfa: bool,
    pub is_me: bool,
}

#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_staff() -> Result<Vec<StaffView>, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let me = authz::require(&state, &ctx, Permission::UsersManage).await?;
            Ok(db::users::list_staff(&state.db)
                .await?
                .into_iter()
                .filter_map(|u| {
                    Some(StaffView {
                        role: Role::parse(&u.role)?,
                        is_me: u.id == me.id,
                        id: u.id,
                        email: u.email,
                        name: u.name,
                        disabled: u.disabled_at.is_some(),
                        pending: !u.has_password,
                        mfa: u.totp_enabled_at.is_some(),
                    })
                })
                .collect())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/invite")]
pub async fn invite_staff(email: String, name: String, role: String) -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let admin = authz::require(&state, &ctx, Permission::UsersManage).await?;
            accounts::invite(
                &state,
                &ctx,
                &admin,
                accounts::Invitation { email, name, role },
            )
            .await?;
            redirect_no_js("/admin/users?invited=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/change-role")]
pub async fn change_role(user_id: Uuid, role: String) -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            authz::require(&state, &ctx, Permission::UsersManage).await?;
            accounts::change_role(&state, &ctx, user_id, &role).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/set-disabled")]
pub async fn set_disabled(user_id: Uuid, disabled: bool) -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            authz::require(&state, &ctx, Permission::UsersManage).await?;
            accounts::set_disabled(&state, &ctx, user_id, disabled).await
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailView {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    pub template: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxView {
    /// "dev mailbox" or "SMTP".
    pub transport: String,
    pub messages: Vec<MailView>,
    pub outbox: Vec<OutboxView>,
}

#[server(prefix = "/api", endpoint = "admin/mailbox")]
pub async fn mailbox(recipient: Option<String>) -> Result<MailboxView, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            authz::require(&state, &ctx, Permission::MailboxView).await?;
            let filter = recipient
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            let messages = db::outbox::dev_mailbox(&state.db, filter, 100)
                .await?
                .into_iter()
                .map(|m| MailView {
                    id: m.id,
                    recipient: m.recipient,
                    subject: m.subject,
                    body: m.body_text,
                    at: m.received_at,
                })
                .collect();
            let outbox = db::outbox::recent(&state.db, 50)
                .await?
                .into_iter()
                .map(|o| OutboxView {
                    template: o.template,
                    recipient: o.recipient,
                    subject: o.subject,
                    status: o.status,
                    attempts: o.attempts,
                    last_error: o.last_error,
                    created_at: o.created_at,
                })
                .collect();
            let transport = match state.settings.mail {
                crate::backend::settings::MailTransportSettings::DevMailbox => "dev mailbox",
                crate::backend::settings::MailTransportSettings::Smtp { .. } => "SMTP",
            };
            Ok(MailboxView {
                transport: transport.into(),
                messages,
                outbox,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/send-test-mail")]
pub async fn send_test_mail(email: String) -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let admin = authz::require(&state, &ctx, Permission::MailboxView).await?;
            let to = crate::domain::contact::Email::parse(&email).map_err(|p| {
                AppError::Validation(
                    crate::error::FieldErrors::single("email", p.message(ctx.lang))
                        .with_value("email", &email),
                )
            })?;
            let mut tx = state.db.begin().await?;
            crate::backend::mail::enqueue(
                &mut tx,
                &state.settings,
                crate::backend::mail::Email {
                    template: crate::backend::mail::Template::SMTP_TEST,
                    to: to.as_str(),
                    lang: ctx.lang,
                    vars: vec![("actor", admin.email.clone())],
                },
            )
            .await?;
            crate::backend::audit::append(
                &mut tx,
                &admin.actor(&ctx),
                crate::backend::audit::Event {
                    action: "mail.test_sent",
                    object_type: "mail",
                    object_id: to.to_string(),
                    details: serde_json::json!({}),
                },
            )
            .await?;
            tx.commit().await?;
            redirect_no_js("/admin/mailbox?sent=1");
            Ok(())
        }
        .await,
    )
}
