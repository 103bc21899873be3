//! Every SQL statement of the project lives in this module tree, one module per aggregate.

pub mod applications;
pub mod audit;
pub mod bench;
pub mod documents;
pub mod fees;
pub mod outbox;
pub mod review;
pub mod sessions;
pub mod users;

/// Readiness probe.
pub async fn ping(db: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT 1 AS one")
        .fetch_one(db)
        .await
        .map(|_| ())
}
