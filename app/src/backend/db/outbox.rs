//! The mail outbox and the dev mailbox.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub message_id: String,
    pub attempts: i32,
}

#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(template))]
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    template: &str,
    recipient: &str,
    locale: &str,
    subject: &str,
    body: &str,
    message_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO outbox (id, template, recipient, locale, subject, body_text, message_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        template,
        recipient,
        locale,
        subject,
        body,
        message_id
    )
    .execute(&mut *conn)
    .await?;
    // Wakes the worker when the transaction commits.
    sqlx::query!("SELECT pg_notify('outbox', '')")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Claims up to `limit` due messages for `lease_secs`; several workers never get the same one.
pub async fn claim_due(
    db: &PgPool,
    limit: i64,
    lease_secs: f64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as!(
        OutboxRow,
        "UPDATE outbox SET locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
         WHERE id IN (
             SELECT id FROM outbox
             WHERE status = 'pending' AND next_attempt_at <= now()
               AND (locked_until IS NULL OR locked_until < now())
             ORDER BY next_attempt_at
             LIMIT $1
             FOR UPDATE SKIP LOCKED)
         RETURNING id, recipient, subject, body_text, message_id, attempts",
        limit,
        lease_secs
    )
    .fetch_all(db)
    .await
}

pub async fn mark_sent(db: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL WHERE id = $1",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried after `retry_secs`, or given up after `max_attempts`.
pub async fn mark_attempt_failed(
    db: &PgPool,
    id: Uuid,
    error: &str,
    retry_secs: f64,
    max_attempts: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE outbox SET
             status = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'pending' END,
             next_attempt_at = now() + make_interval(secs => $3),
             locked_until = NULL,
             last_error = $2
         WHERE id = $1",
        id,
        error,
        retry_secs,
        max_attempts
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn backlog(db: &PgPool) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE status = 'pending') AS "pending!",
                  count(*) FILTER (WHERE status = 'failed') AS "failed!"
           FROM outbox"#
    )
    .fetch_one(db)
    .await?;
    Ok((r.pending, r.failed))
}

pub async fn store_in_dev_mailbox(
    db: &PgPool,
    from: &str,
    row: &OutboxRow,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO dev_mailbox (message_id, sender, recipient, subject, body_text)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING",
        row.message_id,
        from,
        row.recipient,
        row.subject,
        row.body_text
    )
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct MailboxRow {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub received_at: DateTime<Utc>,
}

pub async fn dev_mailbox(
    db: &PgPool,
    recipient: Option<&str>,
    limit: i64,
) -> Result<Vec<MailboxRow>, sqlx::Error> {
    sqlx::query_as!(
        MailboxRow,
        "SELECT id, recipient, subject, body_text, received_at FROM dev_mailbox
         WHERE ($1::text IS NULL OR recipient ILIKE '%' || $1 || '%')
         ORDER BY received_at DESC, id LIMIT $2",
        recipient,
        limit
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone)]
pub struct OutboxStatusRow {
    pub id: Uuid,
    pub template: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn recent(db: &PgPool, limit: i64) -> Result<Vec<OutboxStatusRow>, sqlx::Error> {
    sqlx::query_as!(
        OutboxStatusRow,
        "SELECT id, template, recipient, subject, status, attempts, last_error, created_at, sent_at
         FROM outbox ORDER BY created_at DESC, id LIMIT $1",
        limit
    )
    .fetch_all(db)
    .await
}
