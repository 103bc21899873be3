//! Compliance review: the queue, an application under review, checklist templates, decisions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::portal::LedgerItem;
use crate::domain::application::Section;
use crate::domain::states::AppState;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::ssr::{redirect_no_js, request, respond},
    crate::backend::{auth as authz, db, services::applications, services::review as svc},
    crate::domain::roles::Permission,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: Uuid,
    pub state: AppState,
    pub version: i32,
    pub legal_name: String,
    pub industry: Option<String>,
    pub tier: Option<String>,
    pub risk_score: Option<i32>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Business days waiting, for SLA colouring.
    pub business_days: i64,
    pub overdue: bool,
    pub assignee: Option<String>,
    pub mine: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    pub items: Vec<QueueItem>,
    pub counts: Vec<(AppState, i64)>,
    /// Cursor for the next page, if there is one.
    pub next: Option<String>,
    pub sla_days: i64,
}

/// Rows per queue page.
pub const PAGE: i64 = 50;

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "review/queue")]
pub async fn review_queue(
    state: Option<String>,
    tier: Option<String>,
    industry: Option<String>,
    assignment: Option<String>,
    older_than_days: Option<i64>,
    after: Option<String>,
) -> Result<QueueView, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require(&app, &ctx, Permission::ReviewWork).await?;
            let nonempty = |s: Option<String>| s.filter(|v| !v.is_empty() && v != "any");
            let after = after.as_deref().and_then(|c| {
                let (t, id) = c.split_once('_')?;
                Some((
                    DateTime::from_timestamp_micros(t.parse().ok()?)?,
                    Uuid::parse_str(id).ok()?,
                ))
            });
            let filter = db::review::QueueFilter {
                state: nonempty(state),
                tier: nonempty(tier),
                industry: nonempty(industry),
                assignment: nonempty(assignment),
                me: Some(user.id),
                submitted_before: older_than_days
                    .filter(|d| *d > 0)
                    .map(|d| Utc::now() - chrono::Duration::days(d)),
                after,
            };
            let rows = db::review::queue(&app.db, &filter, PAGE + 1).await?;
            let has_more = rows.len() as i64 > PAGE;
            let now = Utc::now();
            let sla = app.settings.review_sla_business_days;
            let items: Vec<QueueItem> = rows
                .into_iter()
                .take(PAGE as usize)
                .filter_map(|r| {
                    let days = r
                        .submitted_at
                        .map(|s| svc::business_days_since(s, now))
                        .unwrap_or(0);
                    Some(QueueItem {
                        id: r.id,
                        state: AppState::parse(&r.state)?,
                        version: r.version,
                        legal_name: r.legal_name.unwrap_or_default(),
                        industry: r.industry,
                        tier: r.tier,
                        risk_score: r.risk_score,
                        submitted_at: r.submitted_at,
                        business_days: days,
                        overdue: days >= sla,
                        mine: r.assigned_to == Some(user.id),
                        assignee: r.assignee,
                    })
                })
                .collect();
            let next = if has_more {
                items.last().and_then(|i| {
                    i.submitted_at
                        .map(|t| format!("{}_{}", t.timestamp_micros(), i.id))
                })
            } else {
                None
            };
            let counts = db::review::queue_counts(&app.db)
                .await?
                .into_iter()
                .filter_map(|(s, n)| Some((AppState::parse(&s)?, n)))
                .collect();
            Ok(QueueView {
                items,
                counts,
                next,
                sla_days: sla,
            })
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocView {
    pub id: Uuid,
    pub kind: String,
    pub label: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionReview {
    pub section: Section,
    pub title: String,
    pub fields: Vec<FieldView>,
    pub documents: Vec<DocView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeView {
    pub label: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub code: String,
    pub title: String,
    pub required: bool,
    pub status: String,
    pub suggested: Option<String>,
    pub suggestion_note: Option<String>,
    pub note: String,
    pub evidence: Vec<Uuid>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorView {
    pub reason: String,
    pub points: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub what: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestTarget {
    /// `field:<section>:<key>` or `doc:<kind>[:<subject>]`.
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub id: Uuid,
    pub state: AppState,
    pub version: i32,
    pub legal_name: String,
    pub assignee: Option<String>,
    pub mine: bool,
    pub proposer: Option<String>,
    pub i_proposed: bool,
    pub can_second_approve: bool,
    pub can_reassign: bool,
    pub risk_score: Option<i32>,
    pub risk_tier: Option<String>,
    pub tier_override: Option<String>,
    pub override_reason: Option<String>,
    pub factors: Vec<FactorView>,
    pub sections: Vec<SectionReview>,
    pub ledger: Vec<LedgerItem>,
    pub changes: Vec<ChangeView>,
    pub checklist: Vec<StepView>,
    pub timeline: Vec<HistoryEntry>,
    pub notes: Vec<HistoryEntry>,
    pub request_targets: Vec<RequestTarget>,
    pub reviewers: Vec<(Uuid, String)>,
}

#[server(prefix = "/api", endpoint = "review/application")]
pub async fn review_application(id: Uuid) -> Result<ReviewView, AppError> {
    respond(svc_view(id).await)
}

#[cfg(feature = "ssr")]
async fn svc_view(id: Uuid) -> Result<ReviewView, AppError> {
    use crate::components::labels;
    use crate::components::section_form::display_value;
    use crate::domain::application::{owner_key, FieldKind, OWNER_FIELDS};
    use crate::domain::documents::DocKind;

    let (app, ctx) = request()?;
    let user = authz::require(&app, &ctx, Permission::ReviewWork).await?;
    let row = db::review::review_row(&app.db, id)
        .await?
        .ok_or_else(|| authz::not_found(ctx.lang))?;
    let loaded = applications::load(
        &app,
        db::applications::by_id(&app.db, id)
            .await?
            .ok_or_else(|| authz::not_found(ctx.lang))?,
    )
    .await?;
    let l = ctx.lang.locale();
    let en = ctx.lang == crate::domain::lang::Lang::En;
    let owner_name = |oid: &str| {
        loaded
            .data
            .get(Section::Owners, &owner_key(oid, "name"))
            .map(str::to_string)
    };

    let kind_of = |key: &str| -> FieldKind {
        let field = key
            .strip_prefix("owner.")
            .and_then(|r| r.split_once('.'))
            .map(|(_, f)| f)
            .unwrap_or(key);
        Section::ALL
            .iter()
            .flat_map(|s| s.fields().iter())
            .chain(OWNER_FIELDS.iter())
            .find(|f| f.key == field)
            .map(|f| f.kind)
            .unwrap_or(FieldKind::Text { max: 0 })
    };
    let sections = Section::ALL
        .iter()
        .map(|s| {
            let data = loaded.data.sections.get(s).cloned().unwrap_or_default();
            let fields = data
                .iter()
                .map(|(k, v)| {
                    let label = match k.strip_prefix("owner.").and_then(|r| r.split_once('.')) {
                        Some((oid, _)) => format!(
                            "{} · {}",
                            owner_name(oid).unwrap_or_default(),
                            labels::field_label(l, k)
                        ),
                        None => labels::field_label(l, k).to_string(),
                    };
                    FieldView {
                        key: k.clone(),
                        label,
                        value: display_value(l, kind_of(k), v),
                    }
                })
                .collect();
            let documents = loaded
                .documents
                .iter()
                .filter_map(|d| {
                    let kind = DocKind::parse(&d.kind)?;
                    (kind.section() == *s).then(|| DocView {
                        id: d.id,
                        kind: d.kind.clone(),
                        label: match d.subject.as_deref().and_then(owner_name) {
                            Some(o) => format!("{} · {o}", labels::doc_label(l, kind)),
                            None => labels::doc_label(l, kind).to_string(),
                        },
                        filename: d.filename.clone(),
                        content_type: d.content_type.clone(),
                        size: d.size_bytes,
                    })
                })
                .collect();
            SectionReview {
                section: *s,
                title: labels::section_label(l, *s).to_string(),
                fields,
                documents,
            }
        })
        .collect();

    // What changed since the previous submission.
    let snapshots = db::review::last_snapshots(&app.db, id).await?;
    let changes = match snapshots.as_slice() {
        [latest, previous, ..] => {
            let a: crate::domain::application::ApplicationData =
                serde_json::from_value(previous.clone()).unwrap_or_default();
            let b: crate::domain::application::ApplicationData =
                serde_json::from_value(latest.clone()).unwrap_or_default();
            diff(&a, &b)
                .into_iter()
                .map(|(s, k, before, after)| ChangeView {
                    label: format!(
                        "{} · {}",
                        labels::section_label(l, s),
                        labels::field_label(l, &k)
                    ),
                    before,
                    after,
                })
                .collect()
        }
        _ => vec![],
    };

    let checklist = db::review::checklist(&app.db, id)
        .await?
        .into_iter()
        .map(|c| StepView {
            title: if en { c.title_en } else { c.title_zh },
            code: c.code,
            required: c.required,
            status: c.status,
            suggested: c.suggested,
            suggestion_note: c.suggestion_note,
            note: c.note,
            evidence: c.evidence,
            decided_by: c.decided_by,
            decided_at: c.decided_at,
        })
        .collect();
    let factors: Vec<crate::domain::risk::Factor> = row
        .risk_factors
        .clone()
        .and_then(|f| serde_json::from_value(f).ok())
        .unwrap_or_default();
    let factors = factors
        .into_iter()
        .map(|f| FactorView {
            reason: labels::risk_reason(l, &f.code).to_string(),
            points: f.points,
        })
        .collect();

    let timeline = db::applications::transitions(&app.db, id)
        .await?
        .into_iter()
        .map(|t| HistoryEntry {
            at: t.at,
            actor: t.actor_label,
            what: AppState::parse(&t.to_state)
                .map(|s| labels::state_label(l, s).to_string())
                .unwrap_or(t.to_state),
            detail: [
                t.reason_code
                    .map(|r| labels::reason_label(l, &r).to_string()),
                t.merchant_message,
                t.internal_note,
            ]
            .into_iter()
            .flatten()
            .reduce(|a, b| format!("{a} · {b}")),
        })
        .collect();
    let notes = db::review::notes(&app.db, id)
        .await?
        .into_iter()
        .map(|n| HistoryEntry {
            at: n.created_at,
            actor: n.author_label,
            what: String::new(),
            detail: Some(n.body),
        })
        .collect();

    let mut request_targets = Vec::new();
    for s in Section::ALL {
        for (k, _) in loaded.data.sections.get(&s).cloned().unwrap_or_default() {
            request_targets.push(RequestTarget {
                value: format!("field:{}:{k}", s.slug()),
                label: labels::target_label(
                    l,
                    &crate::domain::ledger::Target::Field {
                        section: s,
                        key: k.clone(),
                    },
                    owner_name,
                ),
            });
        }
    }
    for d in &loaded.documents {
        if let Some(kind) = DocKind::parse(&d.kind) {
            let value = match &d.subject {
                Some(sub) => format!("doc:{}:{sub}", kind.slug()),
                None => format!("doc:{}", kind.slug()),
            };
            if !request_targets.iter().any(|t| t.value == value) {
                request_targets.push(RequestTarget {
                    value,
                    label: labels::target_label(
                        l,
                        &crate::domain::ledger::Target::Document {
                            kind,
                            subject: d.subject.clone(),
                        },
                        owner_name,
                    ),
                });
            }
        }
    }
    let reviewers = if user.role.can(Permission::ReviewReassign) {
        db::users::reviewers(&app.db).await?
    } else {
        vec![]
    };
    // Viewing an application under review is itself audited.
    let mut tx = app.db.begin().await?;
    crate::backend::audit::append(
        &mut tx,
        &user.actor(&ctx),
        crate::backend::audit::Event {
            action: "review.viewed",
            object_type: "application",
            object_id: id.to_string(),
            details: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;

    Ok(ReviewView {
        id,
        state: loaded.state,
        version: row.version,
        legal_name: row.legal_name.clone().unwrap_or_default(),
        mine: row.assigned_to == Some(user.id),
        assignee: row.assignee.clone(),
        i_proposed: row.proposed_by == Some(user.id),
        can_second_approve: user.role.can(Permission::ReviewSecondApproval)
            && row.proposed_by != Some(user.id),
        can_reassign: user.role.can(Permission::ReviewReassign),
        proposer: row.proposer.clone(),
        risk_score: row.risk_score,
        risk_tier: row.risk_tier.clone(),
        tier_override: row.risk_tier_override.clone(),
        override_reason: row.risk_override_reason.clone(),
        factors,
        sections,
        ledger: crate::api::portal::ledger_items(&loaded, ctx.lang),
        changes,
        checklist,
        timeline,
        notes,
        request_targets,
        reviewers,
    })
}

/// Field-level differences between two versions of the data: (section, key, before, after).
pub fn diff(
    a: &crate::domain::application::ApplicationData,
    b: &crate::domain::application::ApplicationData,
) -> Vec<(Section, String, String, String)> {
    let mut out = Vec::new();
    for s in Section::ALL {
        let empty = Default::default();
        let (x, y) = (
            a.sections.get(&s).unwrap_or(&empty),
            b.sections.get(&s).unwrap_or(&empty),
        );
        let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        for k in keys {
            if x.get(k) != y.get(k) {
                out.push((
                    s,
                    k.clone(),
                    x.get(k).cloned().unwrap_or_default(),
                    y.get(k).cloned().unwrap_or_default(),
                ));
            }
        }
    }
    out
}

/// A review decision or edit: authorise, call the service, go back to the review page.
macro_rules! review_action {
    ($name:ident, $endpoint:literal, $perm:expr, ( $($(#[$m:meta])* $arg:ident : $ty:ty),* ), |$state:ident, $ctx:ident, $user:ident, $id:ident| $body:expr) => {
        #[server(prefix = "/api", endpoint = $endpoint)]
        pub async fn $name($id: Uuid, $($(#[$m])* $arg: $ty),*) -> Result<(), AppError> {
            respond(
                async {
                    let ($state, $ctx) = request()?;
                    let $user = authz::require(&$state, &$ctx, $perm).await?;
                    $body.await?;
                    redirect_no_js(&format!("/review/{}", $id));
                    Ok(())
                }
                .await,
            )
        }
    };
}

review_action!(claim, "review/claim", Permission::ReviewWork, (version: i32), |state, ctx, user, id| svc::claim(&state, &ctx, &user, id, version));
review_action!(release, "review/release", Permission::ReviewWork, (version: i32), |state, ctx, user, id| svc::release(&state, &ctx, &user, id, version));
review_action!(reassign, "review/reassign", Permission::ReviewReassign, (reviewer: String), |state, ctx, user, id| svc::reassign(&state, &ctx, &user, id, Uuid::parse_str(&reviewer).ok()));
review_action!(
    set_step,
    "review/step",
    Permission::ReviewWork,
    (code: String, status: String, #[server(default)] note: String, #[server(default)] evidence: Vec<Uuid>),
    |state, ctx, user, id| svc::set_step(&state, &ctx, &user, id, svc::StepInput { code: &code, status: &status, note: &note, evidence })
);
review_action!(override_tier, "review/override-tier", Permission::ReviewWork, (tier: String, #[server(default)] reason: String), |state, ctx, user, id| svc::override_tier(&state, &ctx, &user, id, &tier, &reason));
review_action!(add_note, "review/note", Permission::ReviewWork, (#[server(default)] body: String), |state, ctx, user, id| svc::add_note(&state, &ctx, &user, id, &body));
review_action!(
    request_info,
    "review/request-info",
    Permission::ReviewWork,
    (version: i32, #[server(default)] items: Vec<String>, #[server(default)] reason: String, #[server(default)] message: String),
    |state, ctx, user, id| svc::request_info(&state, &ctx, &user, id, version, parse_targets(&items), svc::Told { reason: &reason, message: &message, note: "" })
);
review_action!(
    reject,
    "review/reject",
    Permission::ReviewWork,
    (version: i32, #[server(default)] reason: String, #[server(default)] message: String, #[server(default)] note: String),
    |state, ctx, user, id| svc::reject(&state, &ctx, &user, id, version, svc::Told { reason: &reason, message: &message, note: &note })
);
review_action!(approve, "review/approve", Permission::ReviewWork, (version: i32), |state, ctx, user, id| async { svc::approve(&state, &ctx, &user, id, version).await.map(|_| ()) });
review_action!(second_approve, "review/second-approve", Permission::ReviewSecondApproval, (version: i32), |state, ctx, user, id| svc::second_approve(&state, &ctx, &user, id, version));
review_action!(send_back, "review/send-back", Permission::ReviewSecondApproval, (version: i32, #[server(default)] note: String), |state, ctx, user, id| svc::send_back(&state, &ctx, &user, id, version, &note));

/// `field:<section>:<key>` / `doc:<kind>[:<subject>]` → targets (unknown ones are dropped).
#[cfg(feature = "ssr")]
fn parse_targets(items: &[String]) -> Vec<crate::domain::ledger::Target> {
    use crate::domain::documents::DocKind;
    use crate::domain::ledger::Target;
    items
        .iter()
        .filter_map(|i| {
            let mut parts = i.splitn(3, ':');
            match (parts.next()?, parts.next()?, parts.next()) {
                ("field", section, Some(key)) => Some(Target::Field {
                    section: Section::from_slug(section)?,
                    key: key.to_string(),
                }),
                ("doc", kind, subject) => Some(Target::Document {
                    kind: DocKind::parse(kind)?,
                    subject: subject.map(str::to_string),
                }),
                _ => None,
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateStepView {
    pub id: Uuid,
    pub tier: String,
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub required: bool,
    pub automatic: bool,
}

#[server(prefix = "/api", endpoint = "review/templates")]
pub async fn checklist_templates() -> Result<HashMap<String, Vec<TemplateStepView>>, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require(&app, &ctx, Permission::ChecklistTemplatesEdit).await?;
            let mut out: HashMap<String, Vec<TemplateStepView>> = HashMap::new();
            for s in db::review::template_steps(&app.db).await? {
                out.entry(s.tier.clone())
                    .or_default()
                    .push(TemplateStepView {
                        id: s.id,
                        tier: s.tier,
                        code: s.code,
                        title_zh: s.title_zh,
                        title_en: s.title_en,
                        required: s.required,
                        automatic: s.auto_check.is_some(),
                    });
            }
            Ok(out)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "review/template-add")]
pub async fn template_add(
    tier: String,
    code: String,
    title_zh: String,
    title_en: String,
    required: Option<String>,
) -> Result<(), AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let lead = authz::require(&app, &ctx, Permission::ChecklistTemplatesEdit).await?;
            svc::template_add(
                &app,
                &ctx,
                &lead,
                &tier,
                &code,
                &title_zh,
                &title_en,
                required.is_some(),
            )
            .await?;
            redirect_no_js("/review/templates");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "review/template-change")]
pub async fn template_change(id: Uuid, change: String) -> Result<(), AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let lead = authz::require(&app, &ctx, Permission::ChecklistTemplatesEdit).await?;
            svc::template_change(&app, &ctx, &lead, id, &change).await?;
            redirect_no_js("/review/templates");
            Ok(())
        }
        .await,
    )
}
