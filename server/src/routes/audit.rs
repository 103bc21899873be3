//! `/admin/audit.csv`: the audit log as CSV (same filters as the page), streamed in pages so
//! a large export never sits in memory.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::StreamExt;

use app::api::audit::AuditQuery;
use app::backend::auth;
use app::backend::request::RequestCtx;
use app::domain::roles::Permission;
use app::error::AppError;

use crate::startup::ServerState;

/// RFC 4180 quoting; cells that a spreadsheet would run as a formula get a leading quote.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn export(
    State(state): State<ServerState>,
    Extension(ctx): Extension<RequestCtx>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let admin = match auth::require(&state.app, &ctx, Permission::AuditView).await {
        Ok(u) => u,
        Err(e @ AppError::Unauthenticated(_)) => {
            return (StatusCode::UNAUTHORIZED, e.to_string()).into_response()
        }
        Err(e) => {
            return (
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::FORBIDDEN),
                e.to_string(),
            )
                .into_response()
        }
    };
    // The export itself is audited.
    if let Ok(mut tx) = state.app.db.begin().await {
        let ok = app::backend::audit::append(
            &mut tx,
            &admin.actor(&ctx),
            app::backend::audit::Event {
                action: "audit.exported",
                object_type: "audit_log",
                object_id: String::new(),
                details: serde_json::json!({"query": q.to_query_string()}),
            },
        )
        .await
        .is_ok();
        if ok {
            let _ = tx.commit().await;
        }
    }
    let stream = async_stream(state.app.db.clone(), q.filter());
    let mut resp = Body::from_stream(stream).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"gatehouse-audit.csv\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

fn async_stream(
    db: sqlx::PgPool,
    filter: app::backend::db::audit::AuditFilter,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    // UTF-8 BOM so spreadsheet programs read the Chinese text correctly.
    let header =
        bytes::Bytes::from("\u{feff}seq,at,actor,action,object_type,object_id,ip,details,hash\r\n");
    let first = futures::stream::once(async move { Ok(header) });
    let rest = futures::stream::unfold(Some(filter), move |f| {
        let db = db.clone();
        async move {
            let mut f = f?;
            let rows = match app::backend::db::audit::search(&db, &f, 1000).await {
                Ok(r) => r,
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
            };
            if rows.is_empty() {
                return None;
            }
            let mut out = String::new();
            for r in &rows {
                out.push_str(
                    &[
                        r.seq.to_string(),
                        r.at.to_rfc3339(),
                        cell(&r.actor),
                        cell(&r.action),
                        cell(&r.object_type),
                        cell(&r.object_id),
                        cell(r.ip.as_deref().unwrap_or("")),
                        cell(&r.details.to_string()),
                        hex::encode(&r.hash),
                    ]
                    .join(","),
                );
                out.push_str("\r\n");
            }
            let last = rows.last().map(|r| r.seq);
            let done = rows.len() < 1000;
            f.before_seq = last;
            Some((
                Ok(bytes::Bytes::from(out)),
                if done { None } else { Some(f) },
            ))
        }
    });
    first.chain(rest)
}
