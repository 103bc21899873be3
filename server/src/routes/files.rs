//! `/files/{key}?expires&disposition&type&sig`: downloads from local storage through a URL
//! signed by `Storage::download_url` (S3 uses presigned URLs instead).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::startup::ServerState;

#[derive(Deserialize)]
pub struct Signed {
    expires: i64,
    disposition: String,
    #[serde(rename = "type")]
    content_type: String,
    sig: String,
}

pub async fn signed_download(
    State(state): State<ServerState>,
    Path(key): Path<String>,
    Query(q): Query<Signed>,
) -> Response {
    // Authorisation is the signature: only the server can make one, and it expires.
    let Some(local) = state.app.storage.local() else {
        return crate::startup::not_found();
    };
    if !local.verify(&key, q.expires, &q.disposition, &q.content_type, &q.sig) {
        return (StatusCode::FORBIDDEN, "link invalid or expired").into_response();
    }
    let body = match state.app.storage.get(&key).await {
        Ok(b) => b,
        Err(app::backend::storage::StorageError::NotFound) => return crate::startup::not_found(),
        Err(e) => {
            tracing::error!(error = %e, "download failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut resp = Body::from_stream(body.stream).into_response();
    let h = resp.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, q.content_type.as_str()),
        (header::CONTENT_DISPOSITION, q.disposition.as_str()),
        (header::CACHE_CONTROL, "private, no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    }
    if let Some(size) = body.size {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    resp
}
