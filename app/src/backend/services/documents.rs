//! Document uploads and downloads. An upload is identified by its bytes (JPEG, PNG, PDF),
//! streamed to storage under a key the server makes, limited in size while streaming, and
//! (for images) decoded before it counts. The row is written only after the object is
//! stored; anything that fails on the way leaves nothing behind.

use std::io;
use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::applications;
use crate::backend::audit::{self, Event};
use crate::backend::auth::{self, CurrentUser};
use crate::backend::db;
use crate::backend::db::documents::{DocumentRow, NewDocument};
use crate::backend::request::RequestCtx;
use crate::backend::state::AppState;
use crate::backend::storage::{ObjectBody, StorageError};
use crate::domain::documents::{sanitise_filename, sniff, DocKind, FileType, SNIFF_LEN};
use crate::domain::lang::Lang;
use crate::domain::ledger::Target;
use crate::domain::roles::{Permission, Role};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;

type Body<'a> = Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>> + Send + 'a>>;

/// Why an upload was refused: a stable code (for the no-JavaScript redirect) and a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    WrongType,
    TooLarge,
    ImageUnreadable,
    UnknownOwner,
    NotEditable,
    UnknownKind,
}

impl Refusal {
    pub const ALL: [Refusal; 7] = [
        Refusal::Empty,
        Refusal::WrongType,
        Refusal::TooLarge,
        Refusal::ImageUnreadable,
        Refusal::UnknownOwner,
        Refusal::NotEditable,
        Refusal::UnknownKind,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Refusal::Empty => "empty",
            Refusal::WrongType => "wrong_type",
            Refusal::TooLarge => "too_large",
            Refusal::ImageUnreadable => "image_unreadable",
            Refusal::UnknownOwner => "unknown_owner",
            Refusal::NotEditable => "not_editable",
            Refusal::UnknownKind => "unknown_kind",
        }
    }

    pub fn parse(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn message(self, lang: Lang, limit_bytes: u64) -> String {
        let l = lang.locale();
        match self {
            Refusal::Empty => td_string!(l, documents.empty).to_string(),
            Refusal::WrongType => td_string!(l, documents.wrong_type).to_string(),
            Refusal::TooLarge => td_string!(
                l,
                documents.too_large,
                mb = crate::domain::documents::format_mb(limit_bytes)
            ),
            Refusal::ImageUnreadable => td_string!(l, documents.image_unreadable).to_string(),
            Refusal::UnknownOwner => td_string!(l, documents.unknown_owner).to_string(),
            Refusal::NotEditable => td_string!(l, portal.not_editable).to_string(),
            Refusal::UnknownKind => td_string!(l, documents.unknown_kind).to_string(),
        }
    }
}

#[derive(Debug)]
pub enum UploadFailure {
    Refused(Refusal),
    Failed(AppError),
}

impl From<AppError> for UploadFailure {
    fn from(e: AppError) -> Self {
        UploadFailure::Failed(e)
    }
}

impl From<sqlx::Error> for UploadFailure {
    fn from(e: sqlx::Error) -> Self {
        UploadFailure::Failed(e.into())
    }
}

impl UploadFailure {
    /// As a field error on "file" (for API callers).
    pub fn into_app_error(self, lang: Lang, limit_bytes: u64) -> AppError {
        match self {
            UploadFailure::Refused(r) => {
                AppError::Validation(FieldErrors::single("file", r.message(lang, limit_bytes)))
            }
            UploadFailure::Failed(e) => e,
        }
    }
}

/// Largest image (pixels per side) we decode to check it; licences and ID photos are far smaller.
const MAX_IMAGE_SIDE: u32 = 12_000;

/// Stores one uploaded file as a document of the caller's current application.
pub async fn upload<'a, S>(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    kind: DocKind,
    subject: Option<String>,
    original_name: &str,
    body: S,
) -> Result<DocumentRow, UploadFailure>
where
    S: Stream<Item = Result<Bytes, io::Error>> + Send + 'a,
{
    use UploadFailure::Refused;
    let loaded = applications::current(state, user).await?;
    let subject = subject.filter(|s| !s.is_empty());
    if kind == DocKind::OwnerId
        && !subject
            .as_ref()
            .is_some_and(|s| loaded.data.owner_ids().contains(s))
    {
        return Err(Refused(Refusal::UnknownOwner));
    }
    let subject = if kind == DocKind::OwnerId {
        subject
    } else {
        None
    };
    if !loaded.may_edit(&Target::Document {
        kind,
        subject: subject.clone(),
    }) {
        return Err(Refused(Refusal::NotEditable));
    }

    // The type, from the first bytes; nothing is stored for anything else.
    let mut body: Body<'a> = Box::pin(body);
    let mut head = BytesMut::new();
    while head.len() < SNIFF_LEN {
        match body.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => return Err(AppError::Transport(e.to_string()).into()),
            None => break,
        }
    }
    if head.is_empty() {
        return Err(Refused(Refusal::Empty));
    }
    let Some(file_type) = sniff(&head) else {
        return Err(Refused(Refusal::WrongType));
    };

    let id = Uuid::new_v4();
    let org = loaded.row.organisation_id;
    let key = format!("documents/{org}/{id}.{}", file_type.extension());
    let stream = futures::stream::iter([Ok(head.freeze())]).chain(body);
    // Images are also written to a temporary file, to check they decode once stored.
    let spool = if file_type.is_image() {
        Some(std::env::temp_dir().join(format!("gh-upload-{id}")))
    } else {
        None
    };
    let stored = match &spool {
        Some(path) => {
            let file = tokio::fs::File::create(path)
                .await
                .map_err(AppError::internal)?;
            let tee = tee(Box::pin(stream), file);
            state
                .storage
                .put_stream(
                    &key,
                    file_type.mime(),
                    tee,
                    state.settings.upload_limit_bytes,
                )
                .await
        }
        None => {
            state
                .storage
                .put_stream(
                    &key,
                    file_type.mime(),
                    Box::pin(stream),
                    state.settings.upload_limit_bytes,
                )
                .await
        }
    };
    let stored = match stored {
        Ok(s) => s,
        Err(e) => {
            if let Some(p) = &spool {
                let _ = tokio::fs::remove_file(p).await;
            }
            return Err(match e {
                StorageError::TooLarge { .. } => Refused(Refusal::TooLarge),
                StorageError::Source(e) => {
                    UploadFailure::Failed(AppError::Transport(e.to_string()))
                }
                other => UploadFailure::Failed(AppError::internal(other)),
            });
        }
    };
    if let Some(path) = &spool {
        let checked = check_image(path.clone(), file_type).await;
        let _ = tokio::fs::remove_file(path).await;
        if !checked {
            let _ = state.storage.delete(&key).await;
            return Err(Refused(Refusal::ImageUnreadable));
        }
    }

    let filename = sanitise_filename(original_name);
    let result = async {
        let mut tx = state.db.begin().await?;
        // A kind that takes one file: the new upload replaces the current one.
        let replaced = if kind.multiple() { vec![] } else { db::documents::remove_kind(&mut tx, loaded.row.id, kind.slug(), subject.as_deref(), user.id).await? };
        db::documents::insert(&mut tx, &NewDocument {
            id,
            application_id: loaded.row.id,
            organisation_id: org,
            kind: kind.slug(),
            subject: subject.as_deref(),
            object_key: &key,
            filename: &filename,
            content_type: file_type.mime(),
            size_bytes: stored.size as i64,
            sha256: &stored.sha256,
            uploaded_by: user.id,
        })
        .await?;
        audit::append(&mut tx, &user.actor(ctx), Event {
            action: "document.uploaded",
            object_type: "document",
            object_id: id.to_string(),
            details: json!({"application_id": loaded.row.id, "kind": kind.slug(), "size": stored.size, "sha256": hex::encode(stored.sha256), "type": file_type.mime(), "replaces": replaced}),
        })
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    if let Err(e) = result {
        let _ = state.storage.delete(&key).await;
        return Err(e.into());
    }
    Ok(db::documents::by_id(&state.db, id)
        .await?
        .ok_or_else(|| AppError::internal("document row missing after insert"))?)
}

/// Passes the stream on while copying it into `file`.
fn tee<'a>(body: Body<'a>, file: tokio::fs::File) -> Body<'a> {
    Box::pin(futures::stream::unfold(
        (body, Some(file)),
        |(mut body, mut file)| async move {
            match body.next().await {
                Some(Ok(chunk)) => {
                    if let Some(f) = file.as_mut() {
                        if let Err(e) = f.write_all(&chunk).await {
                            return Some((Err(e), (body, None)));
                        }
                    }
                    Some((Ok(chunk), (body, file)))
                }
                Some(Err(e)) => Some((Err(e), (body, file))),
                None => {
                    if let Some(mut f) = file.take() {
                        let _ = f.flush().await;
                    }
                    None
                }
            }
        },
    ))
}

/// Decodes the image completely (a truncated or corrupt file fails), within bounds.
async fn check_image(path: std::path::PathBuf, file_type: FileType) -> bool {
    tokio::task::spawn_blocking(move || {
        let format = match file_type {
            FileType::Jpeg => image::ImageFormat::Jpeg,
            FileType::Png => image::ImageFormat::Png,
            FileType::Pdf => return true,
        };
        let Ok(file) = std::fs::File::open(&path) else {
            return false;
        };
        let mut reader = image::ImageReader::with_format(std::io::BufReader::new(file), format);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE);
        limits.max_image_height = Some(MAX_IMAGE_SIDE);
        limits.max_alloc = Some(512 * 1024 * 1024);
        reader.limits(limits);
        reader.decode().is_ok()
    })
    .await
    .unwrap_or(false)
}

/// Removes a document of the caller's application while it may be edited. The row and the
/// object are kept (retention); the document just no longer counts.
pub async fn remove(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(), AppError> {
    let org = user.organisation()?;
    let doc = db::documents::by_id(&state.db, id)
        .await?
        .filter(|d| d.organisation_id == org && d.removed_at.is_none())
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    let loaded = applications::current(state, user).await?;
    let kind =
        DocKind::parse(&doc.kind).ok_or_else(|| AppError::internal("unknown document kind"))?;
    if doc.application_id != loaded.row.id
        || !loaded.may_edit(&Target::Document {
            kind,
            subject: doc.subject.clone(),
        })
    {
        return Err(AppError::Conflict(
            td_string!(ctx.lang.locale(), portal.not_editable).to_string(),
        ));
    }
    let mut tx = state.db.begin().await?;
    db::documents::remove(&mut tx, id, org, user.id).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "document.removed",
            object_type: "document",
            object_id: id.to_string(),
            details: json!({"application_id": doc.application_id, "kind": doc.kind}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A document for viewing: the owning organisation's users see their current documents;
/// staff who may see any document see all (and the view is audited). Everyone else gets
/// "not found", whether or not it exists.
pub async fn open(
    state: &AppState,
    ctx: &RequestCtx,
    id: Uuid,
) -> Result<(DocumentRow, ObjectBody), AppError> {
    let user = auth::require_session(state, ctx).await?;
    let doc = db::documents::by_id(&state.db, id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    let allowed = if user.role == Role::Merchant {
        user.email_verified
            && Some(doc.organisation_id) == user.organisation_id
            && doc.removed_at.is_none()
    } else {
        user.role.can(Permission::DocumentsViewAny)
    };
    if !allowed {
        return Err(auth::not_found(ctx.lang));
    }
    if user.role.is_staff() {
        let mut tx = state.db.begin().await?;
        audit::append(
            &mut tx,
            &user.actor(ctx),
            Event {
                action: "document.viewed",
                object_type: "document",
                object_id: id.to_string(),
                details: json!({"application_id": doc.application_id, "kind": doc.kind}),
            },
        )
        .await?;
        tx.commit().await?;
    }
    let body = state
        .storage
        .get(&doc.object_key)
        .await
        .map_err(|e| match e {
            StorageError::NotFound => AppError::internal(format!(
                "object {} of document {id} is missing",
                doc.object_key
            )),
            other => AppError::internal(other),
        })?;
    Ok((doc, body))
}

/// Deletes stored objects under `documents/` that have no row and are older than `min_age`
/// (uploads that failed half-way, or whose transaction never committed). Returns how many.
pub async fn reconcile_orphans(
    state: &AppState,
    min_age: chrono::Duration,
) -> Result<usize, AppError> {
    let listed = state
        .storage
        .list("documents/")
        .await
        .map_err(AppError::internal)?;
    let cutoff = chrono::Utc::now() - min_age;
    let candidates: Vec<String> = listed
        .into_iter()
        .filter(|o| o.last_modified.is_some_and(|t| t < cutoff))
        .map(|o| o.key)
        .collect();
    let mut removed = 0;
    for chunk in candidates.chunks(500) {
        let known: std::collections::HashSet<String> = db::documents::known_keys(&state.db, chunk)
            .await?
            .into_iter()
            .collect();
        for key in chunk.iter().filter(|k| !known.contains(*k)) {
            state
                .storage
                .delete(key)
                .await
                .map_err(AppError::internal)?;
            tracing::info!(key = %key, "removed orphaned object");
            removed += 1;
        }
    }
    Ok(removed)
}
