//! Contract PDFs: staff who work with fees read any; a merchant only its own (others are 404).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use uuid::Uuid;

use app::backend::auth;
use app::backend::request::RequestCtx;
use app::backend::services::fees as svc;
use app::backend::storage::content_disposition;
use app::domain::access::FEE_CONTRACTS;
use app::domain::roles::Permission;
use app::error::AppError;

use crate::startup::ServerState;

fn error_response(e: AppError) -> Response {
    match e {
        AppError::NotFound(_) => crate::startup::not_found(),
        e => {
            let status =
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(e)).into_response()
        }
    }
}

async fn pdf(
    state: &ServerState,
    ctx: &RequestCtx,
    id: &str,
    merchant: bool,
) -> Result<Response, AppError> {
    let app = &state.app;
    let user = if merchant {
        auth::require(app, ctx, Permission::OwnContractAccept).await?
    } else {
        auth::require_any(app, ctx, FEE_CONTRACTS).await?
    };
    let id = Uuid::parse_str(id).map_err(|_| auth::not_found(ctx.lang))?;
    let row = svc::one_contract(app, ctx.lang, id).await?;
    if merchant && Some(row.organisation_id) != user.organisation_id {
        return Err(auth::not_found(ctx.lang));
    }
    let bytes = svc::contract_pdf(app, &row)?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(
        "attachment",
        &format!("{}.pdf", row.number),
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(resp)
}

/// GET /fees/contracts/{id}/pdf
pub async fn staff_pdf(
    State(state): State<ServerState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Response {
    pdf(&state, &ctx, &id, false)
        .await
        .unwrap_or_else(error_response)
}

/// GET /portal/contract/{id}/pdf
pub async fn merchant_pdf(
    State(state): State<ServerState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Response {
    pdf(&state, &ctx, &id, true)
        .await
        .unwrap_or_else(error_response)
}
