//! Bulk data for benchmarks (`gatehouse bench-seed`, dev mode only).

use sqlx::PgPool;

/// Adds `n` organisations with one application each, spread over the review queue's states,
/// tiers and industries, submitted over the last 30 days. Returns how many were added.
pub async fn seed_applications(db: &PgPool, n: i64) -> Result<u64, sqlx::Error> {
    // One statement: the organisations CTE's rows are visible to the foreign-key checks that
    // run at its end.
    let r = sqlx::query!(
        "WITH src AS (SELECT gen_random_uuid() AS id, g AS n FROM generate_series(1, $1::bigint) g),
              orgs AS (INSERT INTO organisations (id, name)
                       SELECT id, '压测商户 ' || n FROM src RETURNING id)
         INSERT INTO applications (organisation_id, state, legal_name, industry, risk_score, risk_tier, submitted_at, first_submitted_at, created_at)
         SELECT src.id,
                (ARRAY['submitted', 'submitted', 'in_review', 'pending_second_approval'])[1 + n % 4],
                '压测商户 ' || n || ' 有限公司',
                (ARRAY['retail', 'catering', 'software', 'ecommerce', 'education', 'online_games'])[1 + n % 6],
                (n * 7) % 100,
                CASE WHEN (n * 7) % 100 >= 60 THEN 'high' WHEN (n * 7) % 100 >= 30 THEN 'medium' ELSE 'low' END,
                now() - make_interval(secs => (n * 37 % 2592000)::float8),
                now() - make_interval(secs => (n * 37 % 2592000)::float8),
                now() - interval '31 days'
         FROM src JOIN orgs USING (id)",
        n
    )
    .execute(db)
    .await?;
    sqlx::query!("ANALYZE applications").execute(db).await?;
    Ok(r.rows_affected())
}
