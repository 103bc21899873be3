//! Uploaded documents. Rows are written only after their object is stored; removal keeps
//! the row (and object) for retention.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: Uuid,
    pub application_id: Uuid,
    pub organisation_id: Uuid,
    pub kind: String,
    pub subject: Option<String>,
    pub object_key: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
}

pub struct NewDocument<'a> {
    pub id: Uuid,
    pub application_id: Uuid,
    pub organisation_id: Uuid,
    pub kind: &'a str,
    pub subject: Option<&'a str>,
    pub object_key: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a [u8],
    pub uploaded_by: Uuid,
}

pub async fn insert(conn: &mut PgConnection, d: &NewDocument<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO documents (id, application_id, organisation_id, kind, subject, object_key, filename, content_type, size_bytes, sha256, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        d.id,
        d.application_id,
        d.organisation_id,
        d.kind,
        d.subject,
        d.object_key,
        d.filename,
        d.content_type,
        d.size_bytes,
        d.sha256,
        d.uploaded_by
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The application's current documents.
pub async fn for_application(
    db: &PgPool,
    application_id: Uuid,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        "SELECT id, application_id, organisation_id, kind, subject, object_key, filename, content_type, size_bytes, sha256, created_at, removed_at
         FROM documents WHERE application_id = $1 AND removed_at IS NULL ORDER BY created_at, id",
        application_id
    )
    .fetch_all(db)
    .await
}

pub async fn by_id(db: &PgPool, id: Uuid) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        "SELECT id, application_id, organisation_id, kind, subject, object_key, filename, content_type, size_bytes, sha256, created_at, removed_at
         FROM documents WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Marks a current document of the organisation removed; false if there is none such.
pub async fn remove(
    conn: &mut PgConnection,
    id: Uuid,
    organisation_id: Uuid,
    user_id: Uuid,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query_as!(
        DocumentRow,
        "UPDATE documents SET removed_at = now(), removed_by = $3
         WHERE id = $1 AND organisation_id = $2 AND removed_at IS NULL
         RETURNING id, application_id, organisation_id, kind, subject, object_key, filename, content_type, size_bytes, sha256, created_at, removed_at",
        id,
        organisation_id,
        user_id
    )
    .fetch_optional(conn)
    .await
}

/// Which of `keys` have a row (removed or not): the reconciler deletes objects without one.
pub async fn known_keys(db: &PgPool, keys: &[String]) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT object_key FROM documents WHERE object_key = ANY($1)",
        keys
    )
    .fetch_all(db)
    .await
}

/// Marks the application's current documents of a kind (and subject) removed; their ids.
pub async fn remove_kind(
    conn: &mut PgConnection,
    application_id: Uuid,
    kind: &str,
    subject: Option<&str>,
    user_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE documents SET removed_at = now(), removed_by = $4
         WHERE application_id = $1 AND kind = $2 AND subject IS NOT DISTINCT FROM $3 AND removed_at IS NULL
         RETURNING id",
        application_id,
        kind,
        subject,
        user_id
    )
    .fetch_all(conn)
    .await
}
