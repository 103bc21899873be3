//! The merchant portal: the application, section by section, its documents, the ledger,
//! submit and withdraw. Every function acts on the caller's own organisation only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::auth::Navigate;
use crate::domain::application::Section;
use crate::domain::documents::DocKind;
use crate::domain::states::AppState;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::ssr::{redirect_no_js, request, respond},
    crate::backend::{auth as authz, services::applications, services::documents as docs},
    crate::components::labels,
    crate::domain::roles::Permission,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSummary {
    pub section: Section,
    pub filled: usize,
    pub needed: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerItem {
    pub text: String,
    pub href: String,
    pub requested: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub state: AppState,
    pub actor: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalView {
    pub id: Uuid,
    pub state: AppState,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub sections: Vec<SectionSummary>,
    pub ledger: Vec<LedgerItem>,
    pub timeline: Vec<TimelineEntry>,
}

#[cfg(feature = "ssr")]
fn owner_names(loaded: &applications::Loaded) -> impl Fn(&str) -> Option<String> + '_ {
    move |id: &str| {
        loaded
            .data
            .get(
                Section::Owners,
                &crate::domain::application::owner_key(id, "name"),
            )
            .map(str::to_string)
    }
}

#[cfg(feature = "ssr")]
pub(crate) fn ledger_items(
    loaded: &applications::Loaded,
    lang: crate::domain::lang::Lang,
) -> Vec<LedgerItem> {
    let l = lang.locale();
    loaded
        .ledger()
        .iter()
        .map(|r| LedgerItem {
            text: labels::requirement_text(l, r, owner_names(loaded)),
            href: labels::target_href(&r.target),
            requested: matches!(r.code, crate::domain::ledger::Code::Requested { .. }),
        })
        .collect()
}

#[server(prefix = "/api", endpoint = "portal/overview")]
pub async fn portal_overview() -> Result<PortalView, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnApplicationEdit).await?;
            let loaded = applications::current(&state, &user).await?;
            let timeline = crate::backend::db::applications::transitions(&state.db, loaded.row.id)
                .await?
                .into_iter()
                .filter_map(|t| {
                    Some(TimelineEntry {
                        at: t.at,
                        state: AppState::parse(&t.to_state)?,
                        actor: if t.action == "submit"
                            || t.action == "resubmit"
                            || t.action == "withdraw"
                        {
                            t.actor_label
                        } else {
                            String::new()
                        },
                        message: t.merchant_message,
                    })
                })
                .collect();
            Ok(PortalView {
                id: loaded.row.id,
                state: loaded.state,
                version: loaded.row.version,
                submitted_at: loaded.row.submitted_at,
                sections: Section::ALL
                    .iter()
                    .map(|s| {
                        let (filled, needed) = loaded.data.completeness(*s);
                        SectionSummary {
                            section: *s,
                            filled,
                            needed,
                        }
                    })
                    .collect(),
                ledger: ledger_items(&loaded, ctx.lang),
                timeline,
            })
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionView {
    pub section: Section,
    pub state: AppState,
    pub version: i32,
    pub values: HashMap<String, String>,
    pub owner_ids: Vec<String>,
    /// None: every field may be edited; Some(keys): only these (information requested);
    /// empty: read-only.
    pub editable: Option<Vec<String>>,
    pub filled: usize,
    pub needed: usize,
    /// Field keys with a ledger item in this section, and its text.
    pub due: Vec<(String, String)>,
    pub subject_type: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// An id for the blank "new owner" row (made here so server and browser render the same).
    pub new_owner_id: String,
}

#[server(prefix = "/api", endpoint = "portal/section")]
pub async fn portal_section(section: String) -> Result<SectionView, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnApplicationEdit).await?;
            let section = Section::from_slug(&section).ok_or_else(|| authz::not_found(ctx.lang))?;
            let loaded = applications::current(&state, &user).await?;
            let data = loaded
                .data
                .sections
                .get(&section)
                .cloned()
                .unwrap_or_default();
            let editable = match loaded.state {
                AppState::Draft => None,
                AppState::InfoRequested => Some(
                    loaded
                        .requests
                        .iter()
                        .filter(|r| r.section == section.slug())
                        .filter_map(|r| r.field_key.clone())
                        .collect(),
                ),
                _ => Some(vec![]),
            };
            let l = ctx.lang.locale();
            let due = loaded
                .ledger()
                .iter()
                .filter_map(|r| match &r.target {
                    crate::domain::ledger::Target::Field { section: s, key } if *s == section => {
                        Some((
                            key.clone(),
                            labels::requirement_text(l, r, owner_names(&loaded)),
                        ))
                    }
                    _ => None,
                })
                .collect();
            let (filled, needed) = loaded.data.completeness(section);
            let meta = loaded.versions.get(&section);
            Ok(SectionView {
                section,
                state: loaded.state,
                version: meta.map(|m| m.version).unwrap_or(0),
                owner_ids: crate::domain::application::owner_ids(&data),
                values: data.into_iter().collect(),
                editable,
                filled,
                needed,
                due,
                subject_type: loaded.data.subject_type().map(str::to_string),
                updated_at: meta.map(|m| m.updated_at),
                new_owner_id: Uuid::new_v4().simple().to_string()[..12].to_string(),
            })
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveResult {
    pub version: i32,
    pub filled: usize,
    pub needed: usize,
    pub due: usize,
    pub saved_at: DateTime<Utc>,
}

/// Saves one section. Fields arrive as `data[<key>]`; a multi-choice arrives as one
/// `data[<key>.<option>]=yes` per ticked option.
#[server(prefix = "/api", endpoint = "portal/save-section")]
pub async fn save_section(
    section: String,
    version: i32,
    #[server(default)] data: HashMap<String, String>,
) -> Result<SaveResult, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnApplicationEdit).await?;
            let section = Section::from_slug(&section).ok_or_else(|| authz::not_found(ctx.lang))?;
            let submitted = crate::domain::application::collect_form(section, data);
            let saved =
                applications::save_section(&state, &ctx, &user, section, version, submitted)
                    .await?;
            redirect_no_js(&format!("/portal/application/{}?saved=1", section.slug()));
            Ok(SaveResult {
                version: saved.version,
                filled: saved.completeness.0,
                needed: saved.completeness.1,
                due: saved.due,
                saved_at: Utc::now(),
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "portal/submit")]
pub async fn submit_application(version: i32) -> Result<Navigate, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnApplicationEdit).await?;
            applications::submit(&state, &ctx, &user, version).await?;
            let to = "/portal?submitted=1".to_string();
            redirect_no_js(&to);
            Ok(Navigate { to })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "portal/withdraw")]
pub async fn withdraw_application(version: i32) -> Result<Navigate, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnApplicationEdit).await?;
            applications::withdraw(&state, &ctx, &user, version).await?;
            let to = "/portal?withdrawn=1".to_string();
            redirect_no_js(&to);
            Ok(Navigate { to })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "portal/start-new")]
pub async fn start_new_application() -> Result<Navigate, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnApplicationEdit).await?;
            applications::start_new(&state, &ctx, &user).await?;
            let to = "/portal".to_string();
            redirect_no_js(&to);
            Ok(Navigate { to })
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocFile {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSlot {
    pub kind: DocKind,
    pub subject: Option<String>,
    pub subject_name: Option<String>,
    /// Files needed (0 for documents that are not required now).
    pub need: usize,
    pub files: Vec<DocFile>,
    pub editable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsView {
    pub state: AppState,
    pub slots: Vec<DocSlot>,
    pub limit_bytes: u64,
}

#[server(prefix = "/api", endpoint = "portal/documents")]
pub async fn portal_documents() -> Result<DocumentsView, AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnDocuments).await?;
            let loaded = applications::current(&state, &user).await?;
            let file = |d: &crate::backend::db::documents::DocumentRow| DocFile {
                id: d.id,
                filename: d.filename.clone(),
                content_type: d.content_type.clone(),
                size: d.size_bytes,
                uploaded_at: d.created_at,
            };
            let needs = crate::domain::documents::required_documents(&loaded.data);
            let mut slots: Vec<DocSlot> = Vec::new();
            let owner_name = owner_names(&loaded);
            for n in &needs {
                slots.push(DocSlot {
                    kind: n.kind,
                    subject: n.subject.clone(),
                    subject_name: n.subject.as_deref().and_then(&owner_name),
                    need: n.min,
                    files: loaded
                        .documents
                        .iter()
                        .filter(|d| d.kind == n.kind.slug() && d.subject == n.subject)
                        .map(file)
                        .collect(),
                    editable: loaded.may_edit(&crate::domain::ledger::Target::Document {
                        kind: n.kind,
                        subject: n.subject.clone(),
                    }),
                });
            }
            // Documents uploaded earlier that are no longer required still show (and can go).
            for d in &loaded.documents {
                let Some(kind) = DocKind::parse(&d.kind) else {
                    continue;
                };
                if !slots
                    .iter()
                    .any(|s| s.kind == kind && s.subject == d.subject)
                {
                    slots.push(DocSlot {
                        kind,
                        subject: d.subject.clone(),
                        subject_name: d.subject.as_deref().and_then(&owner_name),
                        need: 0,
                        files: loaded
                            .documents
                            .iter()
                            .filter(|x| x.kind == d.kind && x.subject == d.subject)
                            .map(file)
                            .collect(),
                        editable: loaded.may_edit(&crate::domain::ledger::Target::Document {
                            kind,
                            subject: d.subject.clone(),
                        }),
                    });
                }
            }
            Ok(DocumentsView {
                state: loaded.state,
                slots,
                limit_bytes: state.settings.upload_limit_bytes,
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "portal/delete-document")]
pub async fn delete_document(id: Uuid) -> Result<(), AppError> {
    respond(
        async {
            let (state, ctx) = request()?;
            let user = authz::require(&state, &ctx, Permission::OwnDocuments).await?;
            docs::remove(&state, &ctx, &user, id).await?;
            redirect_no_js("/portal/documents?deleted=1");
            Ok(())
        }
        .await,
    )
}
