//! The review side of applications: the queue, assignment, risk, checklists, notes, snapshots
//! and the dashboard's figures.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: Uuid,
    pub state: String,
    pub version: i32,
    pub legal_name: Option<String>,
    pub industry: Option<String>,
    pub tier: Option<String>,
    pub risk_score: Option<i32>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub assigned_to: Option<Uuid>,
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub state: Option<String>,
    pub tier: Option<String>,
    pub industry: Option<String>,
    /// "mine", "unassigned" or anything else for everyone.
    pub assignment: Option<String>,
    pub me: Option<Uuid>,
    /// Only applications waiting since before this.
    pub submitted_before: Option<DateTime<Utc>>,
    /// Keyset: rows after this (submitted_at, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

/// The queue, oldest first (the partial index `applications_queue` serves the order).
pub async fn queue(db: &PgPool, f: &QueueFilter, limit: i64) -> Result<Vec<QueueRow>, sqlx::Error> {
    let (after_at, after_id) = f
        .after
        .map(|(a, i)| (Some(a), Some(i)))
        .unwrap_or((None, None));
    sqlx::query_as!(
        QueueRow,
        r#"SELECT a.id, a.state, a.version, a.legal_name, a.industry, a.effective_tier AS tier, a.risk_score,
                  a.submitted_at, a.assigned_to, u.name AS "assignee?"
           FROM applications a LEFT JOIN users u ON u.id = a.assigned_to
           WHERE a.state IN ('submitted', 'in_review', 'pending_second_approval')
             AND ($1::text IS NULL OR a.state = $1)
             AND ($2::text IS NULL OR a.effective_tier = $2)
             AND ($3::text IS NULL OR a.industry = $3)
             AND (CASE $4::text WHEN 'mine' THEN a.assigned_to = $5 WHEN 'unassigned' THEN a.assigned_to IS NULL ELSE true END)
             AND ($6::timestamptz IS NULL OR a.submitted_at < $6)
             AND ($7::timestamptz IS NULL OR (a.submitted_at, a.id) > ($7, $8::uuid))
           ORDER BY a.submitted_at, a.id
           LIMIT $9"#,
        f.state,
        f.tier,
        f.industry,
        f.assignment,
        f.me,
        f.submitted_before,
        after_at,
        after_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// How many applications wait in each queue state (counters kept exact by triggers).
pub async fn queue_counts(db: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT state, n FROM application_state_counts
           WHERE state IN ('submitted', 'in_review', 'pending_second_approval') AND n > 0"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.state, r.n)).collect())
}

#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub state: String,
    pub version: i32,
    pub legal_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub assigned_to: Option<Uuid>,
    pub assignee: Option<String>,
    pub last_reviewer: Option<Uuid>,
    pub risk_score: Option<i32>,
    pub risk_tier: Option<String>,
    pub risk_factors: Option<serde_json::Value>,
    pub risk_tier_override: Option<String>,
    pub risk_override_reason: Option<String>,
    pub effective_tier: Option<String>,
    pub proposed_by: Option<Uuid>,
    pub proposer: Option<String>,
}

pub async fn review_row(db: &PgPool, id: Uuid) -> Result<Option<ReviewRow>, sqlx::Error> {
    sqlx::query_as!(
        ReviewRow,
        r#"SELECT a.id, a.organisation_id, a.state, a.version, a.legal_name, a.submitted_at, a.assigned_to,
                  u.name AS "assignee?", a.last_reviewer, a.risk_score, a.risk_tier, a.risk_factors,
                  a.risk_tier_override, a.risk_override_reason, a.effective_tier, a.proposed_by, p.name AS "proposer?"
           FROM applications a
           LEFT JOIN users u ON u.id = a.assigned_to
           LEFT JOIN users p ON p.id = a.proposed_by
           WHERE a.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Copies queue columns and the risk assessment at (re)submission.
pub async fn record_submission(
    conn: &mut PgConnection,
    id: Uuid,
    legal_name: Option<&str>,
    industry: Option<&str>,
    score: i32,
    tier: &str,
    factors: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE applications SET legal_name = $2, industry = $3, risk_score = $4, risk_tier = $5, risk_factors = $6,
             assigned_to = last_reviewer, assigned_at = CASE WHEN last_reviewer IS NULL THEN NULL ELSE now() END
         WHERE id = $1",
        id,
        legal_name,
        industry,
        score,
        tier,
        factors
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_assignee(
    conn: &mut PgConnection,
    id: Uuid,
    user: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE applications SET assigned_to = $2, assigned_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END WHERE id = $1",
        id,
        user
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_last_reviewer(
    conn: &mut PgConnection,
    id: Uuid,
    user: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE applications SET last_reviewer = $2 WHERE id = $1",
        id,
        user
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_proposer(
    conn: &mut PgConnection,
    id: Uuid,
    user: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE applications SET proposed_by = $2 WHERE id = $1",
        id,
        user
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn override_tier(
    conn: &mut PgConnection,
    id: Uuid,
    tier: &str,
    reason: &str,
    user: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE applications SET risk_tier_override = $2, risk_override_reason = $3, risk_override_by = $4 WHERE id = $1",
        id,
        tier,
        reason,
        user
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The last two submitted snapshots (newest first), for the "what changed" diff.
pub async fn last_snapshots(db: &PgPool, id: Uuid) -> Result<Vec<serde_json::Value>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT data FROM application_snapshots WHERE application_id = $1 ORDER BY id DESC LIMIT 2",
        id
    )
    .fetch_all(db)
    .await
}

// --- checklist templates ------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct TemplateStepRow {
    pub id: Uuid,
    pub tier: String,
    pub position: i32,
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub required: bool,
    pub auto_check: Option<String>,
}

pub async fn template_steps(db: &PgPool) -> Result<Vec<TemplateStepRow>, sqlx::Error> {
    sqlx::query_as!(
        TemplateStepRow,
        "SELECT id, tier, position, code, title_zh, title_en, required, auto_check FROM checklist_template_steps ORDER BY tier, position"
    )
    .fetch_all(db)
    .await
}

pub async fn insert_template_step(
    conn: &mut PgConnection,
    tier: &str,
    code: &str,
    title_zh: &str,
    title_en: &str,
    required: bool,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO checklist_template_steps (tier, position, code, title_zh, title_en, required)
         VALUES ($1, COALESCE((SELECT max(position) FROM checklist_template_steps WHERE tier = $1), 0) + 1, $2, $3, $4, $5)
         ON CONFLICT (tier, code) DO NOTHING RETURNING id",
        tier,
        code,
        title_zh,
        title_en,
        required
    )
    .fetch_optional(conn)
    .await
}

pub async fn delete_template_step(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<TemplateStepRow>, sqlx::Error> {
    sqlx::query_as!(
        TemplateStepRow,
        "DELETE FROM checklist_template_steps WHERE id = $1 RETURNING id, tier, position, code, title_zh, title_en, required, auto_check",
        id
    )
    .fetch_optional(conn)
    .await
}

pub async fn set_template_required(
    conn: &mut PgConnection,
    id: Uuid,
    required: bool,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "UPDATE checklist_template_steps SET required = $2 WHERE id = $1",
        id,
        required
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Swaps a step with its neighbour above (`up`) or below.
pub async fn move_template_step(
    conn: &mut PgConnection,
    id: Uuid,
    up: bool,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "WITH me AS (SELECT id, tier, position FROM checklist_template_steps WHERE id = $1),
              other AS (SELECT s.id, s.position FROM checklist_template_steps s, me
                        WHERE s.tier = me.tier AND CASE WHEN $2 THEN s.position < me.position ELSE s.position > me.position END
                        ORDER BY CASE WHEN $2 THEN -s.position ELSE s.position END LIMIT 1)
         UPDATE checklist_template_steps s SET position = CASE WHEN s.id = me.id THEN other.position ELSE me.position END
         FROM me, other WHERE s.id IN (me.id, other.id)",
        id,
        up
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 2)
}

// --- a review's checklist -------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ChecklistRow {
    pub code: String,
    pub position: i32,
    pub title_zh: String,
    pub title_en: String,
    pub required: bool,
    pub auto_check: Option<String>,
    pub status: String,
    pub suggested: Option<String>,
    pub suggestion_note: Option<String>,
    pub note: String,
    pub evidence: Vec<Uuid>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn checklist(db: &PgPool, id: Uuid) -> Result<Vec<ChecklistRow>, sqlx::Error> {
    sqlx::query_as!(
        ChecklistRow,
        r#"SELECT c.code, c.position, c.title_zh, c.title_en, c.required, c.auto_check, c.status, c.suggested,
                  c.suggestion_note, c.note, c.evidence, u.name AS "decided_by?", c.decided_at
           FROM review_checklist c LEFT JOIN users u ON u.id = c.decided_by
           WHERE c.application_id = $1 ORDER BY c.position, c.code"#,
        id
    )
    .fetch_all(db)
    .await
}

/// Adds the tier's template steps the review does not have yet (never removes any).
pub async fn copy_template(
    conn: &mut PgConnection,
    id: Uuid,
    tier: &str,
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query!(
        "INSERT INTO review_checklist (application_id, code, position, title_zh, title_en, required, auto_check)
         SELECT $1, code, position, title_zh, title_en, required, auto_check FROM checklist_template_steps WHERE tier = $2
         ON CONFLICT (application_id, code) DO NOTHING",
        id,
        tier
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

pub async fn set_suggestion(
    conn: &mut PgConnection,
    id: Uuid,
    code: &str,
    suggested: Option<&str>,
    note: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE review_checklist SET suggested = $3, suggestion_note = $4 WHERE application_id = $1 AND code = $2",
        id,
        code,
        suggested,
        note
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_step(
    conn: &mut PgConnection,
    id: Uuid,
    code: &str,
    status: &str,
    note: &str,
    evidence: &[Uuid],
    user: Uuid,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "UPDATE review_checklist SET status = $3, note = $4, evidence = $5, decided_by = $6, decided_at = now()
         WHERE application_id = $1 AND code = $2",
        id,
        code,
        status,
        note,
        evidence,
        user
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// --- notes ------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct NoteRow {
    pub author_label: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub async fn notes(db: &PgPool, id: Uuid) -> Result<Vec<NoteRow>, sqlx::Error> {
    sqlx::query_as!(NoteRow, "SELECT author_label, body, created_at FROM review_notes WHERE application_id = $1 ORDER BY id", id)
        .fetch_all(db)
        .await
}

pub async fn add_note(
    conn: &mut PgConnection,
    id: Uuid,
    author: Uuid,
    label: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!("INSERT INTO review_notes (application_id, author_id, author_label, body) VALUES ($1, $2, $3, $4)", id, author, label, body)
        .execute(conn)
        .await?;
    Ok(())
}

/// One requested item of a request for information.
pub struct NewInfoRequest<'a> {
    pub application_id: Uuid,
    pub section: &'a str,
    pub field_key: Option<&'a str>,
    /// (kind, subject) of a requested document.
    pub doc: Option<(&'a str, Option<&'a str>)>,
    pub value_at_request: Option<&'a str>,
    pub reason_code: &'a str,
    pub message: &'a str,
    pub user: Uuid,
}

pub async fn insert_info_request(
    conn: &mut PgConnection,
    r: &NewInfoRequest<'_>,
) -> Result<(), sqlx::Error> {
    let (doc_kind, doc_subject) = r.doc.map(|(k, s)| (Some(k), s)).unwrap_or((None, None));
    sqlx::query!(
        "INSERT INTO info_requests (application_id, section, field_key, doc_kind, doc_subject, value_at_request, reason_code, message, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        r.application_id,
        r.section,
        r.field_key,
        doc_kind,
        doc_subject,
        r.value_at_request,
        r.reason_code,
        r.message,
        r.user
    )
    .execute(conn)
    .await?;
    Ok(())
}

// --- dashboard --------------------------------------------------------------------------------

pub struct DecisionTimes {
    pub decided: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

/// Median and 90th percentile hours from first submission to decision over the last 30 days.
pub async fn decision_times(db: &PgPool) -> Result<DecisionTimes, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT count(*) AS "n!",
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - first_submitted_at) / 3600) AS median,
                  percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - first_submitted_at) / 3600) AS p90
           FROM applications WHERE decided_at > now() - interval '30 days' AND first_submitted_at IS NOT NULL"#
    )
    .fetch_one(db)
    .await?;
    Ok(DecisionTimes {
        decided: r.n,
        median_hours: r.median,
        p90_hours: r.p90,
    })
}

/// Waiting applications by whole days since (re)submission.
pub async fn queue_ages(db: &PgPool) -> Result<Vec<(i32, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT least(floor(extract(epoch FROM now() - submitted_at) / 86400), 10)::int AS "days!", count(*) AS "n!"
           FROM applications WHERE state IN ('submitted', 'in_review', 'pending_second_approval') AND submitted_at IS NOT NULL
           GROUP BY 1 ORDER BY 1"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.days, r.n)).collect())
}

/// Approvals and rejections per ISO week over the last 12 weeks.
pub async fn decisions_per_week(
    db: &PgPool,
) -> Result<Vec<(DateTime<Utc>, i64, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT date_trunc('week', decided_at) AS "week!",
                  count(*) FILTER (WHERE state = 'approved') AS "approved!",
                  count(*) FILTER (WHERE state = 'rejected') AS "rejected!"
           FROM applications WHERE decided_at > now() - interval '12 weeks'
           GROUP BY 1 ORDER BY 1"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.week, r.approved, r.rejected))
        .collect())
}

pub async fn counts_by_state(db: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT state, count(*) AS "n!" FROM applications GROUP BY state ORDER BY state"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.state, r.n)).collect())
}
