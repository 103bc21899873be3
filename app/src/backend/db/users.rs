//! Organisations, users, single-use tokens and TOTP recovery codes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub email: String,
    pub name: String,
    pub mobile: Option<String>,
    pub role: String,
    pub password_hash: Option<String>,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub lang: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_enabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub struct NewUser<'a> {
    pub organisation_id: Option<Uuid>,
    pub email: &'a str,
    pub name: &'a str,
    pub mobile: Option<&'a str>,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    pub lang: &'a str,
    pub verified: bool,
}

pub async fn insert_organisation(conn: &mut PgConnection, name: &str) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO organisations (name) VALUES ($1) RETURNING id",
        name
    )
    .fetch_one(conn)
    .await
}

pub async fn organisation_name(db: &PgPool, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT name FROM organisations WHERE id = $1", id)
        .fetch_optional(db)
        .await
}

/// `Ok(None)` when the email is taken.
pub async fn insert(conn: &mut PgConnection, u: &NewUser<'_>) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO users (organisation_id, email, name, mobile, role, password_hash, password_changed_at, lang, email_verified_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END, $7,
                 CASE WHEN $8 THEN now() ELSE NULL END)
         ON CONFLICT (email) DO NOTHING
         RETURNING id",
        u.organisation_id,
        u.email,
        u.name,
        u.mobile,
        u.role,
        u.password_hash,
        u.lang,
        u.verified
    )
    .fetch_optional(conn)
    .await
}

pub async fn by_email(db: &PgPool, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, organisation_id, email, name, mobile, role, password_hash, email_verified_at, disabled_at,
                lang, totp_secret, totp_enabled_at, created_at
         FROM users WHERE email = $1",
        email
    )
    .fetch_optional(db)
    .await
}

pub async fn by_id(conn: &mut PgConnection, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, organisation_id, email, name, mobile, role, password_hash, email_verified_at, disabled_at,
                lang, totp_secret, totp_enabled_at, created_at
         FROM users WHERE id = $1",
        id
    )
    .fetch_optional(conn)
    .await
}

pub async fn set_password(
    conn: &mut PgConnection,
    id: Uuid,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1",
        id,
        hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_email_verified(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()), updated_at = now() WHERE id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_role(conn: &mut PgConnection, id: Uuid, role: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "UPDATE users SET role = $2, updated_at = now() WHERE id = $1 AND role <> 'merchant'",
        id,
        role
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_disabled(
    conn: &mut PgConnection,
    id: Uuid,
    disabled: bool,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "UPDATE users SET disabled_at = CASE WHEN $2 THEN COALESCE(disabled_at, now()) ELSE NULL END, updated_at = now()
         WHERE id = $1",
        id,
        disabled
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_lang(db: &PgPool, id: Uuid, lang: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE users SET lang = $2 WHERE id = $1", id, lang)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn count_active_admins(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users WHERE role = 'admin' AND disabled_at IS NULL"#
    )
    .fetch_one(conn)
    .await
}

pub async fn count_all(db: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users"#)
        .fetch_one(db)
        .await
}

#[derive(Debug, Clone)]
pub struct UserListRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub totp_enabled_at: Option<DateTime<Utc>>,
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn list_staff(db: &PgPool) -> Result<Vec<UserListRow>, sqlx::Error> {
    sqlx::query_as!(
        UserListRow,
        r#"SELECT id, email, name, role, email_verified_at, disabled_at, totp_enabled_at,
                  password_hash IS NOT NULL AS "has_password!", created_at
           FROM users WHERE role <> 'merchant' ORDER BY email"#
    )
    .fetch_all(db)
    .await
}

pub async fn list_organisation(
    db: &PgPool,
    organisation_id: Uuid,
) -> Result<Vec<UserListRow>, sqlx::Error> {
    sqlx::query_as!(
        UserListRow,
        r#"SELECT id, email, name, role, email_verified_at, disabled_at, totp_enabled_at,
                  password_hash IS NOT NULL AS "has_password!", created_at
           FROM users WHERE organisation_id = $1 ORDER BY created_at"#,
        organisation_id
    )
    .fetch_all(db)
    .await
}

// --- TOTP ---------------------------------------------------------------------------------

/// Stores a new (not yet confirmed) secret; enrolment is confirmed by `enable_totp`.
pub async fn set_totp_secret(
    conn: &mut PgConnection,
    id: Uuid,
    secret_enc: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = now() WHERE id = $1",
        id,
        secret_enc
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn enable_totp(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET totp_enabled_at = now(), updated_at = now() WHERE id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records `step` as used; false if it (or a later one) was used already, so a code works once.
pub async fn claim_totp_step(
    conn: &mut PgConnection,
    id: Uuid,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        id,
        step
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn replace_recovery_codes(
    conn: &mut PgConnection,
    id: Uuid,
    hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM recovery_codes WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])",
        id,
        hashes
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn use_recovery_code(
    conn: &mut PgConnection,
    id: Uuid,
    hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query!(
        "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        id,
        hash
    )
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn unused_recovery_codes(db: &PgPool, id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"#,
        id
    )
    .fetch_one(db)
    .await
}

// --- single-use tokens ------------------------------------------------------------------

pub async fn insert_token(
    conn: &mut PgConnection,
    hash: &[u8],
    user_id: Uuid,
    purpose: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // A new link makes older unused ones of the same purpose worthless.
    sqlx::query!(
        "UPDATE user_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        user_id,
        purpose
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
        hash,
        user_id,
        purpose,
        expires_at
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Uses the token once: the user it belongs to, or None if unknown, used or expired.
pub async fn consume_token(
    conn: &mut PgConnection,
    hash: &[u8],
    purpose: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE user_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
        hash,
        purpose
    )
    .fetch_optional(conn)
    .await
}

/// Whether the token is currently usable (for showing the form before it is submitted).
pub async fn token_is_valid(db: &PgPool, hash: &[u8], purpose: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM user_tokens
                          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()) AS "ok!""#,
        hash,
        purpose
    )
    .fetch_one(db)
    .await
}

/// (email, language) of the organisation's enabled, verified users.
pub async fn verified_in_organisation(
    conn: &mut PgConnection,
    organisation_id: Uuid,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT email, lang FROM users
         WHERE organisation_id = $1 AND email_verified_at IS NOT NULL AND disabled_at IS NULL
         ORDER BY created_at",
        organisation_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.email, r.lang)).collect())
}

/// Enabled staff who may review, as (id, name), for reassignment.
pub async fn reviewers(db: &PgPool) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, name FROM users WHERE role IN ('reviewer', 'compliance_lead') AND disabled_at IS NULL ORDER BY name"
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}
