//! Delivery of one outbox message: over SMTP, or into the dev mailbox table.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;

use crate::backend::db::outbox::OutboxRow;
use crate::backend::settings::{MailTransportSettings, Settings};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    DevMailbox(PgPool),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address or message: {0}")]
    Message(String),
    #[error("SMTP delivery failed: {0}")]
    Smtp(String),
    #[error("dev mailbox: {0}")]
    Mailbox(#[from] sqlx::Error),
}

impl Mailer {
    pub fn from_settings(settings: &Settings, db: &PgPool) -> Result<Self, MailError> {
        match &settings.mail {
            MailTransportSettings::Smtp { url } => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| MailError::Smtp(format!("GATEHOUSE_SMTP_URL: {e}")))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            MailTransportSettings::DevMailbox => Ok(Mailer::DevMailbox(db.clone())),
        }
    }

    pub async fn deliver(&self, from: &str, row: &OutboxRow) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(transport) => {
                let from: Mailbox = from
                    .parse()
                    .map_err(|e| MailError::Message(format!("from: {e}")))?;
                let to: Mailbox = row
                    .recipient
                    .parse()
                    .map_err(|e| MailError::Message(format!("to: {e}")))?;
                let message = Message::builder()
                    .from(from)
                    .to(to)
                    .subject(row.subject.clone())
                    // Stable across retries: a receiver can drop a duplicate delivery.
                    .message_id(Some(row.message_id.clone()))
                    .header(ContentType::TEXT_PLAIN)
                    .body(row.body_text.clone())
                    .map_err(|e| MailError::Message(e.to_string()))?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| MailError::Smtp(error_chain(&e)))
            }
            Mailer::DevMailbox(db) => {
                crate::backend::db::outbox::store_in_dev_mailbox(db, from, row).await?;
                Ok(())
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}
