//! Background work that every app node runs: outbox delivery (woken by NOTIFY, polling as a
//! fallback). Claims use `FOR UPDATE SKIP LOCKED`, so several nodes share the work safely.

use std::time::Duration;

use app::backend::db::outbox;
use app::backend::state::AppState;
use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

const BATCH: i64 = 20;
/// A claimed message is someone else's to retry if we have not finished within this.
const LEASE_SECS: f64 = 120.0;
const POLL: Duration = Duration::from_secs(5);
const HOUSEKEEPING: Duration = Duration::from_secs(10 * 60);
/// An object without a row is an orphan only once its upload has surely finished or failed.
const ORPHAN_AGE_MINUTES: i64 = 60;

/// Periodic clean-up: orphaned document objects, expired sessions.
pub async fn housekeeping(state: &AppState) {
    match app::backend::services::documents::reconcile_orphans(
        state,
        chrono::Duration::minutes(ORPHAN_AGE_MINUTES),
    )
    .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "reconciler removed orphaned objects"),
        Err(e) => tracing::warn!(error = %e, "reconciler failed"),
    }
    if let Err(e) = app::backend::db::sessions::purge_expired(&state.db).await {
        tracing::warn!(error = %e, "session purge failed");
    }
}

/// Seconds before attempt `n + 1` after `n` failures: 2, 4, 8 … capped at 15 minutes.
pub fn backoff_secs(attempts: i32) -> f64 {
    let exp = attempts.clamp(1, 20) as u32;
    (2u64.saturating_pow(exp)).min(900) as f64
}

pub async fn run(state: AppState, shutdown: CancellationToken) {
    let mut listener = match PgListener::connect_with(&state.db).await {
        Ok(mut l) => match l.listen("outbox").await {
            Ok(()) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "outbox worker: LISTEN failed; polling only");
                None
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "outbox worker: no listener connection; polling only");
            None
        }
    };
    let mut last_housekeeping: Option<std::time::Instant> = None;
    loop {
        if let Err(e) = deliver_due(&state).await {
            tracing::warn!(error = %e, "outbox worker: delivery round failed");
        }
        if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING) {
            last_housekeeping = Some(std::time::Instant::now());
            housekeeping(&state).await;
        }
        let notified = async {
            match listener.as_mut() {
                Some(l) => {
                    if l.recv().await.is_err() {
                        // Connection lost; PgListener reconnects on the next recv.
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.cancelled() => break,
        }
    }
}

/// Delivers everything due now; returns how many were sent.
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    loop {
        let batch = outbox::claim_due(&state.db, BATCH, LEASE_SECS).await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        for row in batch {
            match state.mailer.deliver(&state.settings.mail_from, &row).await {
                Ok(()) => {
                    outbox::mark_sent(&state.db, row.id).await?;
                    sent += 1;
                    tracing::info!(outbox_id = %row.id, "mail delivered");
                }
                Err(e) => {
                    let max = state.settings.outbox_max_attempts;
                    tracing::warn!(outbox_id = %row.id, attempt = row.attempts, max, error = %e, "mail delivery failed");
                    outbox::mark_attempt_failed(
                        &state.db,
                        row.id,
                        &e.to_string(),
                        backoff_secs(row.attempts),
                        max,
                    )
                    .await?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_secs(1), 2.0);
        assert_eq!(backoff_secs(2), 4.0);
        assert_eq!(backoff_secs(5), 32.0);
        assert_eq!(backoff_secs(12), 900.0);
        assert_eq!(backoff_secs(i32::MAX), 900.0);
    }
}
