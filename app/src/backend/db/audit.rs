//! The audit chain's rows. Hashing lives in `backend::audit`.

use chrono::{DateTime, Utc};
use futures::Stream;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Arbitrary constant: the advisory lock that serialises appends.
const AUDIT_LOCK: i64 = 0x6761_7465_6175_6474;

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: serde_json::Value,
    pub ip: Option<String>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Takes the append lock for the rest of the transaction and returns the chain's head.
pub async fn lock_head(conn: &mut PgConnection) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", AUDIT_LOCK)
        .execute(&mut *conn)
        .await?;
    let head = sqlx::query!("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(head.map(|r| (r.seq, r.hash)))
}

pub async fn insert(conn: &mut PgConnection, row: &AuditRow) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (seq, at, actor_id, actor, action, object_type, object_id, details, ip, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        row.seq,
        row.at,
        row.actor_id,
        row.actor,
        row.action,
        row.object_type,
        row.object_id,
        row.details,
        row.ip,
        row.prev_hash,
        row.hash
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The whole chain in order, streamed so verification runs in constant memory.
pub fn stream_all(db: &PgPool) -> impl Stream<Item = Result<AuditRow, sqlx::Error>> + '_ {
    sqlx::query_as!(
        AuditRow,
        "SELECT seq, at, actor_id, actor, action, object_type, object_id, details, ip, prev_hash, hash
         FROM audit_log ORDER BY seq"
    )
    .fetch(db)
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset pagination: rows with seq below this.
    pub before_seq: Option<i64>,
}

pub async fn search(
    db: &PgPool,
    f: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as!(
        AuditRow,
        "SELECT seq, at, actor_id, actor, action, object_type, object_id, details, ip, prev_hash, hash
         FROM audit_log
         WHERE ($1::text IS NULL OR actor ILIKE '%' || $1 || '%')
           AND ($2::text IS NULL OR action = $2)
           AND ($3::text IS NULL OR object_type = $3)
           AND ($4::text IS NULL OR object_id = $4)
           AND ($5::timestamptz IS NULL OR at >= $5)
           AND ($6::timestamptz IS NULL OR at < $6)
           AND ($7::bigint IS NULL OR seq < $7)
         ORDER BY seq DESC LIMIT $8",
        f.actor,
        f.action,
        f.object_type,
        f.object_id,
        f.from,
        f.to,
        f.before_seq,
        limit
    )
    .fetch_all(db)
    .await
}
