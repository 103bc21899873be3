//! Document upload (multipart, streamed; progress comes from the browser's XHR) and the
//! authorised view and download routes.

use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use futures::TryStreamExt;
use serde::Deserialize;
use uuid::Uuid;

use app::backend::auth;
use app::backend::request::RequestCtx;
use app::backend::services::documents::{self as docs, Refusal, UploadFailure};
use app::backend::storage::content_disposition;
use app::domain::documents::DocKind;
use app::domain::roles::Permission;
use app::error::AppError;

use crate::startup::ServerState;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

fn error_response(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

/// POST /portal/documents/upload: fields `kind`, optional `subject`, then `file`.
pub async fn upload(
    State(state): State<ServerState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let user = match auth::require(&state.app, &ctx, Permission::OwnDocuments).await {
        Ok(u) => u,
        Err(e) if json => return error_response(e),
        Err(AppError::Unauthenticated(_)) => {
            return Redirect::to("/login?next=/portal/documents").into_response()
        }
        Err(e) => return error_response(e),
    };
    let limit = state.app.settings.upload_limit_bytes;
    let mut kind = None;
    let mut subject = None;
    // Several files may come in one form (without JavaScript); each is stored on its own.
    let mut stored = Vec::new();
    let mut failure = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                // The body limit (upload limit plus room for the form) is a clear refusal too.
                failure = Some(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    UploadFailure::Refused(Refusal::TooLarge)
                } else {
                    UploadFailure::Failed(AppError::Transport(e.body_text()))
                });
                break;
            }
        };
        match field.name().unwrap_or("") {
            "kind" => {
                kind = field
                    .text()
                    .await
                    .ok()
                    .and_then(|k| DocKind::parse(k.trim()))
            }
            "subject" => subject = field.text().await.ok(),
            "file" => {
                let name = field.file_name().unwrap_or("document").to_string();
                let Some(k) = kind else {
                    failure = Some(UploadFailure::Refused(Refusal::UnknownKind));
                    break;
                };
                let stream = field.map_err(|e| std::io::Error::other(e.body_text()));
                match docs::upload(&state.app, &ctx, &user, k, subject.clone(), &name, stream).await
                {
                    Ok(doc) => stored.push(doc),
                    Err(f) => {
                        failure = Some(f);
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    if stored.is_empty() && failure.is_none() {
        failure = Some(UploadFailure::Refused(Refusal::Empty));
    }
    let anchor = kind
        .map(|k| format!("#doc-{}", k.slug()))
        .unwrap_or_default();
    match (failure, json) {
        (None, true) => Json(serde_json::json!(stored.iter().map(|d| serde_json::json!({"id": d.id, "filename": d.filename, "size": d.size_bytes, "content_type": d.content_type})).collect::<Vec<_>>())).into_response(),
        (None, false) => Redirect::to(&format!("/portal/documents?uploaded={}{anchor}", stored.len())).into_response(),
        (Some(UploadFailure::Refused(r)), false) => Redirect::to(&format!("/portal/documents?error={}{anchor}", r.code())).into_response(),
        (Some(f), _) => {
            let e = f.into_app_error(ctx.lang, limit);
            if !matches!(e, AppError::Validation(_)) {
                tracing::warn!(error = %e, "upload failed");
            }
            error_response(e)
        }
    }
}

#[derive(Deserialize)]
pub struct ViewQuery {
    download: Option<String>,
}

/// GET /documents/{id}: inline (previews and thumbnails) or, with `?download=1`, as an
/// attachment. Owner organisation and permitted staff only; everyone else gets 404.
pub async fn view(
    State(state): State<ServerState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return crate::startup::not_found();
    };
    let (doc, body) = match docs::open(&state.app, &ctx, id).await {
        Ok(x) => x,
        Err(AppError::Unauthenticated(_)) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(AppError::NotFound(_)) => return crate::startup::not_found(),
        Err(e) => return error_response(e),
    };
    let disposition = content_disposition(
        if q.download.is_some() {
            "attachment"
        } else {
            "inline"
        },
        &doc.filename,
    );
    let mut resp = Body::from_stream(body.stream).into_response();
    let h = resp.headers_mut();
    let ct = HeaderValue::from_str(&doc.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Shown in a sandbox: a PDF or image can never script this origin.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; plugin-types application/pdf; frame-ancestors 'self'"));
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(doc.size_bytes as u64),
    );
    resp
}
