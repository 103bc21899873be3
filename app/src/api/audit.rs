//! The audit log for administrators: browse with filters, verify the chain, export as CSV
//! (the export is a plain route, `/admin/audit.csv`, sharing the filter).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::ssr::{request, respond},
    crate::backend::{audit, auth as authz, db},
    crate::domain::roles::Permission,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: String,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

/// Filters shared by the page and the CSV export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// YYYY-MM-DD, inclusive, China time.
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<i64>,
}

impl AuditQuery {
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object_type", &self.object_type),
            ("object_id", &self.object_id),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", crate::components::layout::urlencode(v)));
            }
        }
        parts.join("&")
    }

    #[cfg(feature = "ssr")]
    pub fn filter(&self) -> db::audit::AuditFilter {
        let day = |s: &Option<String>, add: i64| {
            s.as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|dt| dt.and_utc() - chrono::Duration::hours(8) + chrono::Duration::days(add))
        };
        let s = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        db::audit::AuditFilter {
            actor: s(&self.actor),
            action: s(&self.action),
            object_type: s(&self.object_type),
            object_id: s(&self.object_id),
            from: day(&self.from, 0),
            to: day(&self.to, 1),
            before_seq: self.before,
        }
    }
}

#[cfg(feature = "ssr")]
pub fn entry(r: db::audit::AuditRow) -> AuditEntry {
    AuditEntry {
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        object_type: r.object_type,
        object_id: r.object_id,
        details: r.details.to_string(),
        ip: r.ip,
    }
}

#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn audit_log(#[server(default)] q: AuditQuery) -> Result<AuditPage, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require(&app, &ctx, Permission::AuditView).await?;
            let rows = db::audit::search(&app.db, &q.filter(), 101).await?;
            let next_before = (rows.len() > 100).then(|| rows[99].seq);
            Ok(AuditPage {
                entries: rows.into_iter().take(100).map(entry).collect(),
                next_before,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "admin/audit-verify")]
pub async fn audit_verify() -> Result<String, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require(&app, &ctx, Permission::AuditView).await?;
            use crate::i18n::*;
            let l = ctx.lang.locale();
            Ok(match audit::verify(&app.db).await? {
                audit::Verification::Intact { rows } => td_string!(l, audit.intact, n = rows),
                audit::Verification::Broken { seq, reason } => {
                    td_string!(l, audit.broken, seq = seq, reason = reason)
                }
            })
        }
        .await,
    )
}
