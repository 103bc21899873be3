//! Liveness (the process answers) and readiness (database and storage reachable).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::startup::ServerState;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<ServerState>) -> Response {
    let (db, storage) = tokio::join!(
        tokio::time::timeout(
            std::time::Duration::from_secs(3),
            app::backend::db::ping(&state.app.db)
        ),
        tokio::time::timeout(std::time::Duration::from_secs(3), state.app.storage.check()),
    );
    let db_ok = matches!(db, Ok(Ok(())));
    let storage_ok = matches!(storage, Ok(Ok(())));
    if let Ok(Err(e)) = &db {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    if let Ok(Err(e)) = &storage {
        tracing::warn!(error = %e, "readiness: storage unreachable");
    }
    let status = if db_ok && storage_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({"database": db_ok, "storage": storage_ok})),
    )
        .into_response()
}
