//! Outgoing mail: templates (files, zh-CN and en), the transactional outbox and the transports.
//! A change that causes a mail enqueues it in its own transaction; `server::worker` delivers.

mod templates;
mod transport;

pub use templates::{RenderError, Rendered, Template, ALL_TEMPLATES};
pub use transport::{MailError, Mailer};

use sqlx::PgConnection;
use uuid::Uuid;

use super::settings::Settings;
use crate::domain::lang::Lang;

/// One message to send; `vars` fill the template's `{{placeholders}}`.
pub struct Email<'a> {
    pub template: Template,
    pub to: &'a str,
    pub lang: Lang,
    pub vars: Vec<(&'static str, String)>,
}

/// Renders and writes the message into the outbox within the caller's transaction; it is only
/// delivered if that transaction commits.
pub async fn enqueue(
    conn: &mut PgConnection,
    settings: &Settings,
    email: Email<'_>,
) -> Result<Uuid, crate::error::AppError> {
    let mut vars = email.vars;
    vars.push(("base_url", settings.base_url.clone()));
    let rendered = email
        .template
        .render(email.lang, &vars)
        .map_err(crate::error::AppError::internal)?;
    let id = Uuid::new_v4();
    let host = settings
        .mail_from
        .rsplit('@')
        .next()
        .unwrap_or("gatehouse.localhost")
        .trim_end_matches('>');
    let message_id = format!("<{id}@{host}>");
    super::db::outbox::insert(
        conn,
        id,
        email.template.name(),
        email.to,
        email.lang.code(),
        &rendered.subject,
        &rendered.body,
        &message_id,
    )
    .await?;
    Ok(id)
}
