//! Fee schedules and their versions, assignments to merchants, and fee contracts.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ScheduleSummary {
    pub schedule_id: Uuid,
    pub version_id: Uuid,
    pub version: i32,
    pub name: String,
    pub body: Value,
    pub in_use: bool,
    pub updated_at: DateTime<Utc>,
    pub merchants: i64,
}

/// Every schedule at its latest version, with how many merchants pay by it now.
pub async fn schedules(db: &PgPool) -> Result<Vec<ScheduleSummary>, sqlx::Error> {
    sqlx::query_as!(
        ScheduleSummary,
        r#"SELECT DISTINCT ON (v.schedule_id) v.schedule_id, v.id AS version_id, v.version, v.name,
                  v.body, v.in_use, v.updated_at,
                  (SELECT count(*) FROM fee_assignments a JOIN fee_schedule_versions w ON w.id = a.version_id
                    WHERE w.schedule_id = v.schedule_id AND a.status = 'active') AS "merchants!"
           FROM fee_schedule_versions v
           ORDER BY v.schedule_id, v.version DESC"#
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone)]
pub struct VersionRow {
    pub id: Uuid,
    pub schedule_id: Uuid,
    pub version: i32,
    pub name: String,
    pub body: Value,
    pub in_use: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub author: Option<String>,
}

/// All versions of a schedule, newest first.
pub async fn versions(db: &PgPool, schedule_id: Uuid) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query_as!(
        VersionRow,
        r#"SELECT v.id, v.schedule_id, v.version, v.name, v.body, v.in_use, v.created_at, v.updated_at,
                  u.name AS "author?"
           FROM fee_schedule_versions v LEFT JOIN users u ON u.id = v.created_by
           WHERE v.schedule_id = $1 ORDER BY v.version DESC"#,
        schedule_id
    )
    .fetch_all(db)
    .await
}

pub async fn version(db: &PgPool, id: Uuid) -> Result<Option<VersionRow>, sqlx::Error> {
    sqlx::query_as!(
        VersionRow,
        r#"SELECT v.id, v.schedule_id, v.version, v.name, v.body, v.in_use, v.created_at, v.updated_at,
                  u.name AS "author?"
           FROM fee_schedule_versions v LEFT JOIN users u ON u.id = v.created_by
           WHERE v.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// The latest version of a schedule, locked for the caller's transaction.
pub async fn lock_latest(
    conn: &mut PgConnection,
    schedule_id: Uuid,
) -> Result<Option<(Uuid, i32, bool)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, version, in_use FROM fee_schedule_versions WHERE schedule_id = $1
         ORDER BY version DESC LIMIT 1 FOR UPDATE",
        schedule_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.id, r.version, r.in_use)))
}

pub async fn create_schedule(conn: &mut PgConnection, by: Uuid) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO fee_schedules (created_by) VALUES ($1) RETURNING id",
        by
    )
    .fetch_one(conn)
    .await
}

pub async fn insert_version(
    conn: &mut PgConnection,
    schedule_id: Uuid,
    version: i32,
    name: &str,
    body: &Value,
    by: Uuid,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO fee_schedule_versions (schedule_id, version, name, body, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        schedule_id,
        version,
        name,
        body,
        by
    )
    .fetch_one(conn)
    .await
}

/// Rewrites a version nobody uses yet (the trigger refuses one in use).
pub async fn update_version(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
    body: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fee_schedule_versions SET name = $2, body = $3, updated_at = now() WHERE id = $1",
        id,
        name,
        body
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// From now on the version never changes: an edit makes a new one.
pub async fn mark_in_use(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fee_schedule_versions SET in_use = true WHERE id = $1 AND NOT in_use",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct MerchantRow {
    pub organisation_id: Uuid,
    pub application_id: Uuid,
    pub legal_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub schedule_name: Option<String>,
    pub schedule_version: Option<i32>,
    pub contract_state: Option<String>,
}

/// Merchants whose current application is approved, with their active schedule and latest
/// contract.
pub async fn approved_merchants(db: &PgPool) -> Result<Vec<MerchantRow>, sqlx::Error> {
    sqlx::query_as!(
        MerchantRow,
        r#"SELECT a.organisation_id, a.id AS application_id, a.legal_name, a.decided_at AS approved_at,
                  v.name AS "schedule_name?", v.version AS "schedule_version?",
                  (SELECT c.state FROM contracts c WHERE c.organisation_id = a.organisation_id
                    ORDER BY c.created_at DESC LIMIT 1) AS contract_state
           FROM applications a
           LEFT JOIN fee_assignments f ON f.organisation_id = a.organisation_id AND f.status = 'active'
           LEFT JOIN fee_schedule_versions v ON v.id = f.version_id
           WHERE a.state = 'approved'
           ORDER BY a.decided_at DESC NULLS LAST, a.id"#
    )
    .fetch_all(db)
    .await
}

/// The approved application of an organisation, if it has one.
pub async fn approved_application(
    db: &PgPool,
    organisation_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM applications WHERE organisation_id = $1 AND state = 'approved'",
        organisation_id
    )
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone)]
pub struct AssignmentRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub legal_name: Option<String>,
    pub version_id: Uuid,
    pub schedule_id: Uuid,
    pub schedule_name: String,
    pub schedule_version: i32,
    pub body: Value,
    pub overrides: Value,
    pub below_floor: Vec<String>,
    pub effective_from: NaiveDate,
    pub status: String,
    pub created_by: Option<Uuid>,
    pub creator: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decider: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

/// Assignments of one organisation (`Some`) or those waiting for a lead (`None`), newest first.
pub async fn assignments(
    db: &PgPool,
    organisation_id: Option<Uuid>,
) -> Result<Vec<AssignmentRow>, sqlx::Error> {
    sqlx::query_as!(
        AssignmentRow,
        r#"SELECT f.id, f.organisation_id,
                  (SELECT a.legal_name FROM applications a WHERE a.organisation_id = f.organisation_id
                    AND a.state = 'approved') AS legal_name,
                  f.version_id, v.schedule_id, v.name AS schedule_name, v.version AS schedule_version,
                  v.body, f.overrides, f.below_floor, f.effective_from, f.status, f.created_by,
                  c.name AS "creator?", f.created_at, d.name AS "decider?", f.decided_at, f.decision_note
           FROM fee_assignments f
           JOIN fee_schedule_versions v ON v.id = f.version_id
           LEFT JOIN users c ON c.id = f.created_by
           LEFT JOIN users d ON d.id = f.decided_by
           WHERE CASE WHEN $1::uuid IS NULL THEN f.status = 'pending_approval'
                      ELSE f.organisation_id = $1 END
           ORDER BY f.created_at DESC"#,
        organisation_id
    )
    .fetch_all(db)
    .await
}

pub struct NewAssignment<'a> {
    pub organisation_id: Uuid,
    pub version_id: Uuid,
    pub overrides: &'a Value,
    pub below_floor: &'a [String],
    pub effective_from: NaiveDate,
    pub status: &'a str,
    pub by: Uuid,
}

pub async fn insert_assignment(
    conn: &mut PgConnection,
    a: NewAssignment<'_>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO fee_assignments (organisation_id, version_id, overrides, below_floor, effective_from, status, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        a.organisation_id,
        a.version_id,
        a.overrides,
        a.below_floor,
        a.effective_from,
        a.status,
        a.by
    )
    .fetch_one(conn)
    .await
}

/// The organisation's active assignment becomes history (a new one takes its place).
pub async fn supersede_active(
    conn: &mut PgConnection,
    organisation_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fee_assignments SET status = 'superseded' WHERE organisation_id = $1 AND status = 'active'",
        organisation_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An assignment's status, organisation and creator, locked for a decision.
pub async fn lock_assignment(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(String, Uuid, Option<Uuid>)>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT status, organisation_id, created_by FROM fee_assignments WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.status, r.organisation_id, r.created_by)))
}

pub async fn decide_assignment(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    by: Uuid,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE fee_assignments SET status = $2, decided_by = $3, decided_at = now(), decision_note = $4
         WHERE id = $1",
        id,
        status,
        by,
        note
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn active_assignment(
    db: &PgPool,
    organisation_id: Uuid,
) -> Result<Option<AssignmentRow>, sqlx::Error> {
    Ok(assignments(db, Some(organisation_id))
        .await?
        .into_iter()
        .find(|a| a.status == "active"))
}

pub async fn next_contract_number(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT nextval('contract_number_seq') AS "n!""#)
        .fetch_one(conn)
        .await
}

pub struct NewContract<'a> {
    pub number: &'a str,
    pub organisation_id: Uuid,
    pub assignment_id: Uuid,
    pub content: &'a Value,
    pub content_hash: &'a str,
    pub by: Uuid,
}

pub async fn insert_contract(
    conn: &mut PgConnection,
    c: NewContract<'_>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO contracts (number, organisation_id, assignment_id, state, content, content_hash, created_by)
         VALUES ($1, $2, $3, 'draft', $4, $5, $6) RETURNING id",
        c.number,
        c.organisation_id,
        c.assignment_id,
        c.content,
        c.content_hash,
        c.by
    )
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone)]
pub struct ContractRow {
    pub id: Uuid,
    pub number: String,
    pub organisation_id: Uuid,
    pub assignment_id: Uuid,
    pub state: String,
    pub content: Value,
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
    pub sent_by: Option<Uuid>,
    pub sent_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by_name: Option<String>,
    pub accepted_ip: Option<String>,
    pub accepted_user_agent: Option<String>,
    pub accepted_name: Option<String>,
    pub accepted_hash: Option<String>,
}

/// Contracts of an organisation, newest first; with `id`, only that one.
pub async fn contracts(
    db: &PgPool,
    organisation_id: Option<Uuid>,
    id: Option<Uuid>,
) -> Result<Vec<ContractRow>, sqlx::Error> {
    sqlx::query_as!(
        ContractRow,
        r#"SELECT c.id, c.number, c.organisation_id, c.assignment_id, c.state, c.content,
                  c.content_hash, c.created_at, c.sent_by, c.sent_at, c.closed_at, c.accepted_at,
                  u.name AS "accepted_by_name?", c.accepted_ip, c.accepted_user_agent, c.accepted_name,
                  c.accepted_hash
           FROM contracts c LEFT JOIN users u ON u.id = c.accepted_by
           WHERE ($1::uuid IS NULL OR c.organisation_id = $1) AND ($2::uuid IS NULL OR c.id = $2)
           ORDER BY c.created_at DESC, c.number DESC"#,
        organisation_id,
        id
    )
    .fetch_all(db)
    .await
}

/// What a change to a contract needs to know, read under its row lock.
#[derive(Debug, Clone)]
pub struct LockedContract {
    pub state: String,
    pub organisation_id: Uuid,
    pub content_hash: String,
    pub assignment_id: Uuid,
}

pub async fn lock_contract(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<LockedContract>, sqlx::Error> {
    sqlx::query_as!(
        LockedContract,
        "SELECT state, organisation_id, content_hash, assignment_id FROM contracts WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await
}

/// The organisation's contract awaiting signature becomes history.
pub async fn supersede_sent(
    conn: &mut PgConnection,
    organisation_id: Uuid,
    by: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE contracts SET state = 'superseded', closed_by = $2, closed_at = now()
         WHERE organisation_id = $1 AND state = 'sent' RETURNING number",
        organisation_id,
        by
    )
    .fetch_all(conn)
    .await
}

pub async fn mark_sent(conn: &mut PgConnection, id: Uuid, by: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE contracts SET state = 'sent', sent_by = $2, sent_at = now() WHERE id = $1",
        id,
        by
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_withdrawn(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE contracts SET state = 'withdrawn', closed_by = $2, closed_at = now()
         WHERE id = $1",
        id,
        by
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Acceptance<'a> {
    pub by: Uuid,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub name: &'a str,
    pub hash: &'a str,
}

pub async fn mark_accepted(
    conn: &mut PgConnection,
    id: Uuid,
    a: Acceptance<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE contracts SET state = 'accepted', accepted_by = $2, accepted_at = now(),
                accepted_ip = $3, accepted_user_agent = $4, accepted_name = $5, accepted_hash = $6
         WHERE id = $1",
        id,
        a.by,
        a.ip,
        a.user_agent,
        a.name,
        a.hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Email of the account manager who sent a contract, with their language.
pub async fn user_email(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT email, lang FROM users WHERE id = $1 AND disabled_at IS NULL",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.email, r.lang)))
}
