//! Compliance review: claim, release, reassign, the AML checklist with automatic checks, risk
//! override, notes, and the decisions (request information, reject, approve with four-eyes
//! for high risk). Every state change goes through `applications::transition`.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::applications::{self, Decision, Step};
use crate::backend::audit::{self, Event};
use crate::backend::auth::{self, CurrentUser};
use crate::backend::db;
use crate::backend::db::applications::ApplicationRow;
use crate::backend::mail::Template;
use crate::backend::request::RequestCtx;
use crate::backend::state::AppState;
use crate::components::labels;
use crate::domain::application::{owner_key, ApplicationData, Section};
use crate::domain::identifiers::{AccountNumber, ResidentId, Uscc};
use crate::domain::lang::Lang;
use crate::domain::ledger::{self, Code, Target};
use crate::domain::risk::{self, Tier};
use crate::domain::roles::Permission;
use crate::domain::states::{Action, AppState as S};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;

fn l(lang: Lang) -> Locale {
    lang.locale()
}

/// The application for a reviewer (any member of staff who reviews): 404 if it does not exist.
async fn application(state: &AppState, lang: Lang, id: Uuid) -> Result<ApplicationRow, AppError> {
    db::applications::by_id(&state.db, id)
        .await?
        .ok_or_else(|| auth::not_found(lang))
}

fn conflict(message: String) -> AppError {
    AppError::Conflict(message)
}

/// Refuses work on an application held by someone else, naming them.
async fn must_hold(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
) -> Result<db::review::ReviewRow, AppError> {
    let row = db::review::review_row(&state.db, id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    if row.assigned_to != Some(user.id) {
        let who = row
            .assignee
            .clone()
            .unwrap_or_else(|| td_string!(l(ctx.lang), review.nobody).to_string());
        return Err(conflict(td_string!(l(ctx.lang), review.held_by, who = who)));
    }
    Ok(row)
}

/// Claims an application from the queue (submitted → in review), taking the checklist for
/// its tier and running the automatic checks. A resubmission goes back to its reviewer: anyone
/// else is refused with their name.
pub async fn claim(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    seen_version: i32,
) -> Result<(), AppError> {
    let row = db::review::review_row(&state.db, id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    if let (Some(holder), Some(name)) = (row.assigned_to, row.assignee.as_ref()) {
        if holder != user.id {
            return Err(conflict(td_string!(
                l(ctx.lang),
                review.held_by,
                who = name.clone()
            )));
        }
    }
    let loaded = applications::load(state, application(state, ctx.lang, id).await?).await?;
    let mut tx = state.db.begin().await?;
    applications::transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: id,
            seen_version,
            action: Action::Claim,
            actor: &user.actor(ctx),
            decision: Decision::default(),
        },
    )
    .await?;
    db::review::set_assignee(&mut tx, id, Some(user.id)).await?;
    let tier = row.effective_tier.as_deref().unwrap_or("low");
    db::review::copy_template(&mut tx, id, tier).await?;
    for (code, suggestion, note) in automatic_checks(&loaded.data, &loaded.ledger(), ctx.lang) {
        db::review::set_suggestion(&mut tx, id, code, suggestion, &note).await?;
    }
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "review.claimed",
            object_type: "application",
            object_id: id.to_string(),
            details: json!({"tier": tier}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the system can check by itself, as (step code, suggested status, note).
pub fn automatic_checks(
    data: &ApplicationData,
    due: &[ledger::Requirement],
    lang: Lang,
) -> Vec<(&'static str, Option<&'static str>, String)> {
    let lc = l(lang);
    let today = applications::today();
    let mut out = Vec::new();
    let verdict = |ok: bool| Some(if ok { "pass" } else { "fail" });

    // Entity: credit code check digit, organisation code (a warning only), licence validity.
    let uscc = data
        .get(Section::Entity, "uscc")
        .and_then(|u| Uscc::parse(u).ok());
    let expired = due.iter().any(|r| r.code == Code::LicenceExpired);
    let mut notes = Vec::new();
    match &uscc {
        Some(u) if !u.organisation_code_valid() => {
            notes.push(td_string!(lc, review.auto_org_code_warning).to_string())
        }
        Some(_) => notes.push(td_string!(lc, review.auto_uscc_ok).to_string()),
        None => notes.push(td_string!(lc, review.auto_uscc_bad).to_string()),
    }
    if expired {
        notes.push(td_string!(lc, ledger.licence_expired).to_string());
    }
    out.push((
        "entity",
        verdict(uscc.is_some() && !expired),
        notes.join(" "),
    ));

    // Legal person: resident ID check digit and age (other ID types need a person).
    let identity = match data.get(Section::LegalPerson, "lp_id_type") {
        Some("resident_id") => {
            let ok = data
                .get(Section::LegalPerson, "lp_id_number")
                .is_some_and(|n| ResidentId::parse(n, today).is_ok());
            (
                verdict(ok),
                if ok {
                    td_string!(lc, review.auto_id_ok)
                } else {
                    td_string!(lc, review.auto_id_bad)
                }
                .to_string(),
            )
        }
        _ => (None, td_string!(lc, review.auto_manual).to_string()),
    };
    out.push(("legal_person", identity.0, identity.1));

    // Owners: the ledger's ownership rules.
    let owner_problems = due.iter().any(|r| {
        matches!(
            r.code,
            Code::OwnersMissing | Code::OwnerSharesOver100 | Code::ExemptionNotEligible
        )
    });
    let owners = data.owner_ids();
    let exempt = data.get(Section::Owners, "owners_exempt") == Some("yes");
    let note = if owners.is_empty() && exempt {
        td_string!(lc, review.auto_owners_exempt).to_string()
    } else {
        td_string!(lc, review.auto_owners, n = owners.len())
    };
    out.push(("owners", verdict(!owner_problems), note));

    // Settlement: the account name matches; Luhn is a hint only.
    let name_ok = !due.iter().any(|r| {
        matches!(
            r.code,
            Code::AccountNameMismatch | Code::PersonalAccountName | Code::PersonalAccountNotAllowed
        )
    });
    let luhn = data
        .get(Section::Settlement, "account_number")
        .and_then(|a| AccountNumber::parse(a).ok())
        .map(|a| a.passes_luhn());
    let mut note = vec![if name_ok {
        td_string!(lc, review.auto_account_name_ok)
    } else {
        td_string!(lc, ledger.account_name_mismatch)
    }
    .to_string()];
    if luhn == Some(false) {
        note.push(td_string!(lc, review.auto_luhn_warning).to_string());
    }
    out.push(("settlement", verdict(name_ok), note.join(" ")));
    out
}

pub async fn release(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    seen_version: i32,
) -> Result<(), AppError> {
    must_hold(state, ctx, user, id).await?;
    let mut tx = state.db.begin().await?;
    applications::transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: id,
            seen_version,
            action: Action::Release,
            actor: &user.actor(ctx),
            decision: Decision::default(),
        },
    )
    .await?;
    db::review::set_assignee(&mut tx, id, None).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "review.released",
            object_type: "application",
            object_id: id.to_string(),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A compliance lead hands an application to another reviewer (or to nobody).
pub async fn reassign(
    state: &AppState,
    ctx: &RequestCtx,
    lead: &CurrentUser,
    id: Uuid,
    to: Option<Uuid>,
) -> Result<(), AppError> {
    let row = application(state, ctx.lang, id).await?;
    if !matches!(
        S::parse(&row.state),
        Some(S::Submitted | S::InReview | S::PendingSecondApproval)
    ) {
        return Err(conflict(
            td_string!(l(ctx.lang), review.not_in_queue).to_string(),
        ));
    }
    if let Some(to) = to {
        let mut conn = state.db.acquire().await?;
        let target = db::users::by_id(&mut conn, to)
            .await?
            .filter(|u| u.disabled_at.is_none());
        let ok = target
            .as_ref()
            .and_then(|u| crate::domain::roles::Role::parse(&u.role))
            .is_some_and(|r| r.can(Permission::ReviewWork));
        if !ok {
            return Err(AppError::Validation(FieldErrors::single(
                "reviewer",
                td_string!(l(ctx.lang), review.not_a_reviewer),
            )));
        }
    }
    let mut tx = state.db.begin().await?;
    db::review::set_assignee(&mut tx, id, to).await?;
    audit::append(
        &mut tx,
        &lead.actor(ctx),
        Event {
            action: "review.reassigned",
            object_type: "application",
            object_id: id.to_string(),
            details: json!({"to": to}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub const STEP_STATUSES: [&str; 4] = ["pending", "pass", "fail", "na"];

/// Records one checklist step (the reviewer holding the application).
/// A reviewer's entry for one checklist step.
pub struct StepInput<'a> {
    pub code: &'a str,
    pub status: &'a str,
    pub note: &'a str,
    pub evidence: Vec<Uuid>,
}

pub async fn set_step(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    input: StepInput<'_>,
) -> Result<(), AppError> {
    let StepInput {
        code,
        status,
        note,
        evidence,
    } = input;
    let row = must_hold(state, ctx, user, id).await?;
    if row.state != "in_review" {
        return Err(conflict(
            td_string!(l(ctx.lang), review.not_in_review).to_string(),
        ));
    }
    if !STEP_STATUSES.contains(&status) {
        return Err(AppError::Validation(FieldErrors::single(
            "status",
            crate::domain::problem::Problem::ChoiceInvalid.message(ctx.lang),
        )));
    }
    if note.chars().count() > 2000 {
        return Err(AppError::Validation(FieldErrors::single(
            "note",
            crate::domain::problem::Problem::TooLong { max: 2000 }.message(ctx.lang),
        )));
    }
    // Evidence links only to documents of this application.
    let docs: Vec<Uuid> = db::documents::for_application(&state.db, id)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    if evidence.iter().any(|e| !docs.contains(e)) {
        return Err(AppError::Validation(FieldErrors::single(
            "evidence",
            td_string!(l(ctx.lang), review.evidence_unknown),
        )));
    }
    let mut tx = state.db.begin().await?;
    if !db::review::set_step(&mut tx, id, code, status, note.trim(), &evidence, user.id).await? {
        return Err(auth::not_found(ctx.lang));
    }
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "checklist.step_set",
            object_type: "application",
            object_id: id.to_string(),
            details: json!({"step": code, "status": status, "evidence": evidence}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Overrides the automatic tier; the reason is mandatory and both values are kept. A higher
/// tier brings its extra checklist steps.
pub async fn override_tier(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    tier: &str,
    reason: &str,
) -> Result<(), AppError> {
    must_hold(state, ctx, user, id).await?;
    let mut errors = FieldErrors::new();
    let t = Tier::parse(tier);
    if t.is_none() {
        errors.add(
            "tier",
            crate::domain::problem::Problem::ChoiceInvalid.message(ctx.lang),
        );
    }
    if reason.trim().is_empty() {
        errors.add("reason", td_string!(l(ctx.lang), review.reason_required));
    }
    errors.into_result()?;
    let tier = t.expect("checked").as_str();
    let mut tx = state.db.begin().await?;
    db::review::override_tier(&mut tx, id, tier, reason.trim(), user.id).await?;
    db::review::copy_template(&mut tx, id, tier).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "risk.tier_overridden",
            object_type: "application",
            object_id: id.to_string(),
            details: json!({"tier": tier, "reason": reason.trim()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_note(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    body: &str,
) -> Result<(), AppError> {
    application(state, ctx.lang, id).await?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 4000 {
        return Err(AppError::Validation(FieldErrors::single(
            "body",
            crate::domain::problem::Problem::Required.message(ctx.lang),
        )));
    }
    let mut tx = state.db.begin().await?;
    db::review::add_note(&mut tx, id, user.id, &user.name, body).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "review.note_added",
            object_type: "application",
            object_id: id.to_string(),
            details: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends an email about the decision to the merchant's contacts, each in their language.
/// Asks the merchant for specific fields and documents, with a reason and a message.
/// What a reviewer tells the merchant with a decision: a reason code from the fixed list, a
/// merchant-facing message and an internal note kept apart.
pub struct Told<'a> {
    pub reason: &'a str,
    pub message: &'a str,
    pub note: &'a str,
}

pub async fn request_info(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    seen_version: i32,
    targets: Vec<Target>,
    told: Told<'_>,
) -> Result<(), AppError> {
    let Told {
        reason, message, ..
    } = told;
    must_hold(state, ctx, user, id).await?;
    let mut errors = FieldErrors::new();
    if targets.is_empty() {
        errors.add("items", td_string!(l(ctx.lang), review.choose_items));
    }
    if !labels::REASONS.contains(&reason) {
        errors.add(
            "reason",
            crate::domain::problem::Problem::ChoiceInvalid.message(ctx.lang),
        );
    }
    if message.trim().is_empty() {
        errors.add(
            "message",
            crate::domain::problem::Problem::Required.message(ctx.lang),
        );
    }
    errors.into_result()?;
    let loaded = applications::load(state, application(state, ctx.lang, id).await?).await?;
    let mut tx = state.db.begin().await?;
    applications::transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: id,
            seen_version,
            action: Action::RequestInfo,
            actor: &user.actor(ctx),
            decision: Decision {
                reason_code: Some(reason),
                merchant_message: Some(message.trim()),
                internal_note: None,
            },
        },
    )
    .await?;
    for t in &targets {
        let (section, field_key, doc) = match t {
            Target::Field { section, key } => (*section, Some(key.as_str()), None),
            Target::Document { kind, subject } => (
                kind.section(),
                None,
                Some((kind.slug(), subject.as_deref())),
            ),
        };
        let value_at_request = field_key.and_then(|k| loaded.data.get(section, k));
        db::review::insert_info_request(
            &mut tx,
            &db::review::NewInfoRequest {
                application_id: id,
                section: section.slug(),
                field_key,
                doc,
                value_at_request,
                reason_code: reason,
                message: message.trim(),
                user: user.id,
            },
        )
        .await?;
    }
    db::review::set_last_reviewer(&mut tx, id, user.id).await?;
    let owner = |oid: &str| {
        loaded
            .data
            .get(Section::Owners, &owner_key(oid, "name"))
            .map(str::to_string)
    };
    let org = loaded.row.organisation_id;
    applications::tell_merchant(
        &mut tx,
        state,
        org,
        id,
        "/portal",
        Template::INFO_REQUESTED,
        |lang| {
            let items = targets
                .iter()
                .map(|t| format!("- {}", labels::target_label(lang.locale(), t, owner)))
                .collect::<Vec<_>>()
                .join("\n");
            vec![
                ("items", items),
                (
                    "reason",
                    labels::reason_label(lang.locale(), reason).to_string(),
                ),
                ("message", message.trim().to_string()),
            ]
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "review.info_requested",
            object_type: "application",
            object_id: id.to_string(),
            details: json!({"items": targets.len(), "reason": reason}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reject(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    seen_version: i32,
    told: Told<'_>,
) -> Result<(), AppError> {
    let Told {
        reason,
        message,
        note: internal_note,
    } = told;
    must_hold(state, ctx, user, id).await?;
    let mut errors = FieldErrors::new();
    if !labels::REASONS.contains(&reason) {
        errors.add(
            "reason",
            crate::domain::problem::Problem::ChoiceInvalid.message(ctx.lang),
        );
    }
    if message.trim().is_empty() {
        errors.add(
            "message",
            crate::domain::problem::Problem::Required.message(ctx.lang),
        );
    }
    errors.into_result()?;
    let row = application(state, ctx.lang, id).await?;
    let note = Some(internal_note.trim()).filter(|n| !n.is_empty());
    let mut tx = state.db.begin().await?;
    applications::transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: id,
            seen_version,
            action: Action::Reject,
            actor: &user.actor(ctx),
            decision: Decision {
                reason_code: Some(reason),
                merchant_message: Some(message.trim()),
                internal_note: note,
            },
        },
    )
    .await?;
    applications::tell_merchant(
        &mut tx,
        state,
        row.organisation_id,
        id,
        "/portal",
        Template::APPLICATION_REJECTED,
        |lang| {
            vec![
                (
                    "reason",
                    labels::reason_label(lang.locale(), reason).to_string(),
                ),
                ("message", message.trim().to_string()),
            ]
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves (low and medium tier) or proposes approval (high tier, which then needs a second
/// compliance lead). Only when every required checklist step has passed.
pub async fn approve(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
    seen_version: i32,
) -> Result<S, AppError> {
    let row = must_hold(state, ctx, user, id).await?;
    let open: Vec<String> = db::review::checklist(&state.db, id)
        .await?
        .into_iter()
        .filter(|s| s.required && s.status != "pass")
        .map(|s| {
            if ctx.lang == Lang::En {
                s.title_en
            } else {
                s.title_zh
            }
        })
        .collect();
    if open.is_empty() && db::review::checklist(&state.db, id).await?.is_empty() {
        return Err(conflict(
            td_string!(l(ctx.lang), review.checklist_missing).to_string(),
        ));
    }
    if !open.is_empty() {
        return Err(conflict(td_string!(
            l(ctx.lang),
            review.checklist_open,
            n = open.len(),
            steps = open.join("；")
        )));
    }
    let high = row.effective_tier.as_deref() == Some("high");
    let action = if high {
        Action::ProposeApproval
    } else {
        Action::Approve
    };
    let mut tx = state.db.begin().await?;
    let to = applications::transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: id,
            seen_version,
            action,
            actor: &user.actor(ctx),
            decision: Decision::default(),
        },
    )
    .await?;
    if high {
        db::review::set_proposer(&mut tx, id, Some(user.id)).await?;
    } else {
        applications::tell_merchant(
            &mut tx,
            state,
            row.organisation_id,
            id,
            "/portal",
            Template::APPLICATION_APPROVED,
            |_| vec![],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(to)
}

/// The second approval of a high-risk case, by a compliance lead who did not propose it.
pub async fn second_approve(
    state: &AppState,
    ctx: &RequestCtx,
    lead: &CurrentUser,
    id: Uuid,
    seen_version: i32,
) -> Result<(), AppError> {
    let row = db::review::review_row(&state.db, id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    if row.proposed_by == Some(lead.id) {
        return Err(AppError::Forbidden(
            td_string!(l(ctx.lang), review.four_eyes).to_string(),
        ));
    }
    let mut tx = state.db.begin().await?;
    applications::transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: id,
            seen_version,
            action: Action::SecondApprove,
            actor: &lead.actor(ctx),
            decision: Decision::default(),
        },
    )
    .await?;
    applications::tell_merchant(
        &mut tx,
        state,
        row.organisation_id,
        id,
        "/portal",
        Template::APPLICATION_APPROVED,
        |_| vec![],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A compliance lead sends a proposed approval back to review with a note.
pub async fn send_back(
    state: &AppState,
    ctx: &RequestCtx,
    lead: &CurrentUser,
    id: Uuid,
    seen_version: i32,
    note: &str,
) -> Result<(), AppError> {
    if note.trim().is_empty() {
        return Err(AppError::Validation(FieldErrors::single(
            "note",
            crate::domain::problem::Problem::Required.message(ctx.lang),
        )));
    }
    application(state, ctx.lang, id).await?;
    let mut tx = state.db.begin().await?;
    applications::transition(
        &mut tx,
        state,
        ctx.lang,
        Step {
            application_id: id,
            seen_version,
            action: Action::SendBack,
            actor: &lead.actor(ctx),
            decision: Decision {
                reason_code: None,
                merchant_message: None,
                internal_note: Some(note.trim()),
            },
        },
    )
    .await?;
    db::review::set_proposer(&mut tx, id, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a step to a tier's template (compliance leads). Applies to reviews started afterwards.
#[allow(clippy::too_many_arguments)]
pub async fn template_add(
    state: &AppState,
    ctx: &RequestCtx,
    lead: &CurrentUser,
    tier: &str,
    code: &str,
    title_zh: &str,
    title_en: &str,
    required: bool,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    if Tier::parse(tier).is_none() {
        errors.add(
            "tier",
            crate::domain::problem::Problem::ChoiceInvalid.message(ctx.lang),
        );
    }
    let code = code.trim().to_ascii_lowercase();
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        errors.add("code", td_string!(l(ctx.lang), review.code_format));
    }
    for (field, v) in [("title_zh", title_zh), ("title_en", title_en)] {
        if let Err(p) = crate::domain::problem::required_text(v, 200) {
            errors.add(field, p.message(ctx.lang));
        }
    }
    errors.into_result()?;
    let mut tx = state.db.begin().await?;
    if db::review::insert_template_step(
        &mut tx,
        tier,
        &code,
        title_zh.trim(),
        title_en.trim(),
        required,
    )
    .await?
    .is_none()
    {
        return Err(AppError::Validation(FieldErrors::single(
            "code",
            td_string!(l(ctx.lang), review.code_taken),
        )));
    }
    audit::append(
        &mut tx,
        &lead.actor(ctx),
        Event {
            action: "checklist.template_step_added",
            object_type: "checklist_template",
            object_id: tier.to_string(),
            details: json!({"code": code, "required": required}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes, moves or toggles a template step: `change` is remove, up, down, required or optional.
pub async fn template_change(
    state: &AppState,
    ctx: &RequestCtx,
    lead: &CurrentUser,
    id: Uuid,
    change: &str,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let done = match change {
        "remove" => db::review::delete_template_step(&mut tx, id)
            .await?
            .is_some(),
        "up" | "down" => {
            db::review::move_template_step(&mut tx, id, change == "up").await?;
            true
        }
        "required" | "optional" => {
            db::review::set_template_required(&mut tx, id, change == "required").await?
        }
        _ => {
            return Err(AppError::Validation(FieldErrors::single(
                "change",
                crate::domain::problem::Problem::ChoiceInvalid.message(ctx.lang),
            )))
        }
    };
    if !done {
        return Err(auth::not_found(ctx.lang));
    }
    audit::append(
        &mut tx,
        &lead.actor(ctx),
        Event {
            action: "checklist.template_changed",
            object_type: "checklist_template_step",
            object_id: id.to_string(),
            details: json!({"change": change}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Risk assessment at (re)submission, stored with the queue's columns.
pub async fn record_submission(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    data: &ApplicationData,
) -> Result<risk::Assessment, AppError> {
    let assessment = risk::assess(data, 0, applications::today());
    db::review::record_submission(
        tx,
        id,
        data.get(Section::Entity, "legal_name"),
        data.get(Section::Entity, "industry"),
        assessment.score,
        assessment.tier.as_str(),
        &serde_json::to_value(&assessment.factors).map_err(AppError::internal)?,
    )
    .await?;
    Ok(assessment)
}

/// "Now" for SLA colouring: business days (Monday–Friday) since `from`.
pub fn business_days_since(from: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> i64 {
    use chrono::Datelike;
    let (mut d, end) = (
        crate::components::time::cst(from).date_naive(),
        crate::components::time::cst(now).date_naive(),
    );
    let mut n = 0;
    while d < end {
        d = d.succ_opt().expect("date in range");
        if d.weekday().number_from_monday() <= 5 {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_skip_weekends() {
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&Utc)
        };
        // Friday 2026-11-27 10:00 CST → Monday 2026-11-30: one business day.
        assert_eq!(
            business_days_since(at("2026-11-27T02:00:00Z"), at("2026-11-30T02:00:00Z")),
            1
        );
        assert_eq!(
            business_days_since(at("2026-11-23T02:00:00Z"), at("2026-11-25T02:00:00Z")),
            2
        );
        assert_eq!(
            business_days_since(at("2026-11-23T02:00:00Z"), at("2026-11-23T09:00:00Z")),
            0
        );
    }
}
