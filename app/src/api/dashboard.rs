//! Figures for the staff dashboard.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::states::AppState;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::ssr::{request, respond},
    crate::backend::{auth as authz, db},
    crate::domain::roles::Permission,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub by_state: Vec<(AppState, i64)>,
    pub decided_30d: i64,
    /// Hours from first submission to decision, over the last 30 days.
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
    /// Waiting applications by days in the queue (10 means 10 or more).
    pub queue_ages: Vec<(i32, i64)>,
    /// (week start, approved, rejected) over 12 weeks.
    pub weekly: Vec<(DateTime<Utc>, i64, i64)>,
}

#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardView, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require(&app, &ctx, Permission::DashboardView).await?;
            let times = db::review::decision_times(&app.db).await?;
            Ok(DashboardView {
                by_state: db::review::counts_by_state(&app.db)
                    .await?
                    .into_iter()
                    .filter_map(|(s, n)| Some((AppState::parse(&s)?, n)))
                    .collect(),
                decided_30d: times.decided,
                median_hours: times.median_hours,
                p90_hours: times.p90_hours,
                queue_ages: db::review::queue_ages(&app.db).await?,
                weekly: db::review::decisions_per_week(&app.db).await?,
            })
        }
        .await,
    )
}
