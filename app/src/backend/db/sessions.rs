//! Server-side sessions, login throttling and simple rate limits.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A live session joined with its (enabled) user and organisation.
#[derive(Debug, Clone)]
pub struct SessionUserRow {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub lang: String,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub email_verified: bool,
    pub totp_enabled: bool,
    pub mfa_passed: bool,
    pub last_seen_at: DateTime<Utc>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut PgConnection,
    id_hash: &[u8],
    user_id: Uuid,
    idle_timeout_secs: i32,
    absolute_secs: i64,
    mfa_passed: bool,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO sessions (id_hash, user_id, idle_timeout_secs, expires_at, mfa_passed, ip, user_agent)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6, $7)",
        id_hash,
        user_id,
        idle_timeout_secs,
        absolute_secs as f64,
        mfa_passed,
        ip,
        user_agent
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The session if it exists, has not idled out or expired, and its user is enabled.
pub async fn load(db: &PgPool, id_hash: &[u8]) -> Result<Option<SessionUserRow>, sqlx::Error> {
    sqlx::query_as!(
        SessionUserRow,
        r#"SELECT u.id AS user_id, u.email, u.name, u.role, u.lang, u.organisation_id,
                  o.name AS "organisation_name?",
                  u.email_verified_at IS NOT NULL AS "email_verified!",
                  u.totp_enabled_at IS NOT NULL AS "totp_enabled!",
                  s.mfa_passed, s.last_seen_at
           FROM sessions s
           JOIN users u ON u.id = s.user_id
           LEFT JOIN organisations o ON o.id = u.organisation_id
           WHERE s.id_hash = $1
             AND s.expires_at > now()
             AND s.last_seen_at + make_interval(secs => s.idle_timeout_secs) > now()
             AND u.disabled_at IS NULL"#,
        id_hash
    )
    .fetch_optional(db)
    .await
}

/// Extends the idle window; called at most once a minute per session.
pub async fn touch(db: &PgPool, id_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1",
        id_hash
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut PgConnection, id_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sessions WHERE id_hash = $1", id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of the user (except `keep`, when given). Returns how many ended.
pub async fn delete_for_user(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Option<&[u8]>,
) -> Result<u64, sqlx::Error> {
    let r = sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR id_hash <> $2)",
        user_id,
        keep
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

#[derive(Debug, Clone)]
pub struct SessionListRow {
    pub id_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn list_for_user(db: &PgPool, user_id: Uuid) -> Result<Vec<SessionListRow>, sqlx::Error> {
    sqlx::query_as!(
        SessionListRow,
        "SELECT id_hash, created_at, last_seen_at, ip, user_agent FROM sessions
         WHERE user_id = $1 AND expires_at > now()
           AND last_seen_at + make_interval(secs => idle_timeout_secs) > now()
         ORDER BY last_seen_at DESC",
        user_id
    )
    .fetch_all(db)
    .await
}

pub async fn purge_expired(db: &PgPool) -> Result<u64, sqlx::Error> {
    let r = sqlx::query!(
        "DELETE FROM sessions WHERE expires_at < now() OR last_seen_at + make_interval(secs => idle_timeout_secs) < now()"
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

// --- login throttling ----------------------------------------------------------------------

/// The latest time any of `keys` is blocked until, if in the future.
pub async fn blocked_until(
    db: &PgPool,
    keys: &[String],
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT max(blocked_until) FROM login_throttle WHERE key = ANY($1) AND blocked_until > now()",
        keys
    )
    .fetch_one(db)
    .await
}

/// Counts a failure for `key` (failures older than an hour are forgotten first) and
/// returns the new count.
pub async fn record_failure(db: &PgPool, key: &str) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES ($1, 1, now())
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN login_throttle.last_failure_at < now() - interval '1 hour' THEN 1
                             ELSE login_throttle.failures + 1 END,
             last_failure_at = now()
         RETURNING failures",
        key
    )
    .fetch_one(db)
    .await
}

pub async fn block(db: &PgPool, key: &str, secs: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE login_throttle SET blocked_until = now() + make_interval(secs => $2) WHERE key = $1",
        key,
        secs as f64
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn clear(db: &PgPool, keys: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM login_throttle WHERE key = ANY($1)", keys)
        .execute(db)
        .await?;
    Ok(())
}

/// Counts a hit on `key` in a fixed window; true while at most `max` hits happened in it.
pub async fn rate_limit_hit(
    db: &PgPool,
    key: &str,
    window_secs: i64,
    max: i32,
) -> Result<bool, sqlx::Error> {
    let hits = sqlx::query_scalar!(
        "INSERT INTO rate_limits (key, window_end, hits) VALUES ($1, now() + make_interval(secs => $2), 1)
         ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN rate_limits.window_end < now() THEN 1 ELSE rate_limits.hits + 1 END,
             window_end = CASE WHEN rate_limits.window_end < now() THEN now() + make_interval(secs => $2)
                               ELSE rate_limits.window_end END
         RETURNING hits",
        key,
        window_secs as f64
    )
    .fetch_one(db)
    .await?;
    Ok(hits <= max)
}

// --- one-time messages ------------------------------------------------------------------------

pub async fn set_flash(
    conn: &mut PgConnection,
    id_hash: &[u8],
    payload: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET flash = $2 WHERE id_hash = $1",
        id_hash,
        payload
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Returns the flash and clears it, atomically: it is shown once.
pub async fn take_flash(db: &PgPool, id_hash: &[u8]) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let row = sqlx::query!(
        "UPDATE sessions s SET flash = NULL
         FROM (SELECT id_hash, flash FROM sessions WHERE id_hash = $1 FOR UPDATE) old
         WHERE s.id_hash = old.id_hash
         RETURNING old.flash",
        id_hash
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| r.flash))
}
