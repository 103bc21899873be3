//! Applications, their sections, snapshots, transitions and information requests.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::application::Section;

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub state: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Creates a draft with its seven (empty) sections; `None` if the organisation already has an
/// active application (the unique index decides, so two tabs cannot create two).
pub async fn create(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "INSERT INTO applications (organisation_id, created_by) VALUES ($1, $2)
         ON CONFLICT (organisation_id) WHERE state NOT IN ('rejected', 'withdrawn') DO NOTHING
         RETURNING id",
        organisation_id,
        user_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        let sections: Vec<String> = Section::ALL.iter().map(|s| s.slug().to_string()).collect();
        sqlx::query!(
            "INSERT INTO application_sections (application_id, section) SELECT $1, unnest($2::text[])",
            id,
            &sections
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// The organisation's current application: the active one, else the latest closed one.
pub async fn current_for_organisation(
    db: &PgPool,
    organisation_id: Uuid,
) -> Result<Option<ApplicationRow>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationRow,
        "SELECT id, organisation_id, state, version, created_at, submitted_at FROM applications
         WHERE organisation_id = $1
         ORDER BY (state NOT IN ('rejected', 'withdrawn')) DESC, created_at DESC LIMIT 1",
        organisation_id
    )
    .fetch_optional(db)
    .await
}

pub async fn by_id(db: &PgPool, id: Uuid) -> Result<Option<ApplicationRow>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationRow,
        "SELECT id, organisation_id, state, version, created_at, submitted_at FROM applications WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Locks the application row for a transition within the caller's transaction.
pub async fn lock(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<ApplicationRow>, sqlx::Error> {
    sqlx::query_as!(
        ApplicationRow,
        "SELECT id, organisation_id, state, version, created_at, submitted_at FROM applications WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await
}

/// Moves the application to `to` if it is still at `version`; bumps the version. Returns
/// false when someone else changed it first.
pub async fn set_state(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
    to: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "UPDATE applications SET
             state = $3,
             version = version + 1,
             updated_at = now(),
             submitted_at = CASE WHEN $3 = 'submitted' THEN now() ELSE submitted_at END,
             first_submitted_at = CASE WHEN $3 = 'submitted' THEN COALESCE(first_submitted_at, now()) ELSE first_submitted_at END,
             decided_at = CASE WHEN $3 IN ('approved', 'rejected') THEN now() ELSE decided_at END
         WHERE id = $1 AND version = $2",
        id,
        version,
        to
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone)]
pub struct SectionRow {
    pub section: String,
    pub data: serde_json::Value,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
}

pub async fn sections(db: &PgPool, application_id: Uuid) -> Result<Vec<SectionRow>, sqlx::Error> {
    sqlx::query_as!(
        SectionRow,
        r#"SELECT s.section, s.data, s.version, s.updated_at, u.name AS "updated_by_name?"
           FROM application_sections s LEFT JOIN users u ON u.id = s.updated_by
           WHERE s.application_id = $1"#,
        application_id
    )
    .fetch_all(db)
    .await
}

pub async fn section_for_update(
    conn: &mut PgConnection,
    application_id: Uuid,
    section: &str,
) -> Result<Option<SectionRow>, sqlx::Error> {
    sqlx::query_as!(
        SectionRow,
        r#"SELECT s.section, s.data, s.version, s.updated_at, u.name AS "updated_by_name?"
           FROM application_sections s LEFT JOIN users u ON u.id = s.updated_by
           WHERE s.application_id = $1 AND s.section = $2
           FOR UPDATE OF s"#,
        application_id,
        section
    )
    .fetch_optional(conn)
    .await
}

/// Stores a section if it is still at `version`; the new version, or None on a conflict.
pub async fn save_section(
    conn: &mut PgConnection,
    application_id: Uuid,
    section: &str,
    version: i32,
    data: &serde_json::Value,
    user_id: Uuid,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE application_sections SET data = $4, version = version + 1, updated_by = $5, updated_at = now()
         WHERE application_id = $1 AND section = $2 AND version = $3
         RETURNING version",
        application_id,
        section,
        version,
        data,
        user_id
    )
    .fetch_optional(conn)
    .await
}

pub async fn insert_snapshot(
    conn: &mut PgConnection,
    application_id: Uuid,
    data: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO application_snapshots (application_id, data) VALUES ($1, $2)",
        application_id,
        data
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewTransition<'a> {
    pub application_id: Uuid,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub action: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_label: &'a str,
    pub reason_code: Option<&'a str>,
    pub merchant_message: Option<&'a str>,
    pub internal_note: Option<&'a str>,
}

pub async fn insert_transition(
    conn: &mut PgConnection,
    t: &NewTransition<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO application_transitions
             (application_id, from_state, to_state, action, actor_id, actor_label, reason_code, merchant_message, internal_note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        t.application_id,
        t.from_state,
        t.to_state,
        t.action,
        t.actor_id,
        t.actor_label,
        t.reason_code,
        t.merchant_message,
        t.internal_note
    )
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone)]
pub struct TransitionRow {
    pub from_state: Option<String>,
    pub to_state: String,
    pub action: String,
    pub actor_label: String,
    pub reason_code: Option<String>,
    pub merchant_message: Option<String>,
    pub internal_note: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn transitions(
    db: &PgPool,
    application_id: Uuid,
) -> Result<Vec<TransitionRow>, sqlx::Error> {
    sqlx::query_as!(
        TransitionRow,
        "SELECT from_state, to_state, action, actor_label, reason_code, merchant_message, internal_note, at
         FROM application_transitions WHERE application_id = $1 ORDER BY id",
        application_id
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone)]
pub struct InfoRequestRow {
    pub id: Uuid,
    pub section: String,
    pub field_key: Option<String>,
    pub doc_kind: Option<String>,
    pub doc_subject: Option<String>,
    pub value_at_request: Option<String>,
    pub reason_code: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

pub async fn open_requests(
    db: &PgPool,
    application_id: Uuid,
) -> Result<Vec<InfoRequestRow>, sqlx::Error> {
    sqlx::query_as!(
        InfoRequestRow,
        "SELECT id, section, field_key, doc_kind, doc_subject, value_at_request, reason_code, message, created_at
         FROM info_requests WHERE application_id = $1 AND closed_at IS NULL ORDER BY created_at, id",
        application_id
    )
    .fetch_all(db)
    .await
}

pub async fn close_requests(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE info_requests SET closed_at = now() WHERE application_id = $1 AND closed_at IS NULL", application_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The contact email given in the application, if any.
pub async fn contact_email(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT data->>'contact_email' AS "email" FROM application_sections WHERE application_id = $1 AND section = 'contact'"#,
        application_id
    )
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}

/// The latest transition, read within the caller's transaction (no second connection).
pub async fn last_transition(
    conn: &mut PgConnection,
    application_id: Uuid,
) -> Result<Option<TransitionRow>, sqlx::Error> {
    sqlx::query_as!(
        TransitionRow,
        "SELECT from_state, to_state, action, actor_label, reason_code, merchant_message, internal_note, at
         FROM application_transitions WHERE application_id = $1 ORDER BY id DESC LIMIT 1",
        application_id
    )
    .fetch_optional(conn)
    .await
}
