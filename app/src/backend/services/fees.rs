//! Fee schedules (versioned templates), their assignment to approved merchants with negotiated
//! rates (below the floor only with a compliance lead), and fee contracts from draft to
//! acceptance. Every step writes an audit row in the transaction that makes it.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::applications::{self, today};
use crate::backend::audit::{self, Event};
use crate::backend::auth::{self, CurrentUser};
use crate::backend::db;
use crate::backend::db::fees::{ContractRow, NewAssignment, NewContract};
use crate::backend::mail::{self, Email, Template};
use crate::backend::request::RequestCtx;
use crate::backend::state::AppState;
use crate::components::contract_doc::{self, Block, Signed};
use crate::domain::application::Section;
use crate::domain::fees::{
    self, AssignmentStatus, ContractContent, ContractState, FormProblems, Institution,
    MerchantParty, Method, Schedule, ScheduleForm, CONTRACT_FORMAT,
};
use crate::domain::lang::Lang;
use crate::domain::money::RatePpm;
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;

fn l(lang: Lang) -> Locale {
    lang.locale()
}

fn validation(problems: FormProblems, lang: Lang, echo: &BTreeMap<String, String>) -> AppError {
    let mut e = FieldErrors::new();
    for (field, p) in problems {
        e.add(&field, p.message(lang));
    }
    for (k, v) in echo {
        e.values.push((k.clone(), v.clone()));
    }
    AppError::Validation(e)
}

/// A stored schedule body. Bodies are written only by this module, so a failure is ours.
pub fn schedule_of(body: &serde_json::Value) -> Result<Schedule, AppError> {
    serde_json::from_value(body.clone()).map_err(AppError::internal)
}

/// Creates a schedule, or saves an edit of one. `seen_version` is the latest version the
/// editor showed: if someone saved since, the edit is refused rather than lost. A version in
/// use by an assignment never changes: the edit becomes the next version.
pub async fn save_schedule(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    schedule_id: Option<Uuid>,
    seen_version: Option<i32>,
    fields: &BTreeMap<String, String>,
) -> Result<Uuid, AppError> {
    let form = ScheduleForm::from_fields(fields);
    let schedule = fees::parse_schedule(&form, state.settings.fee_rate_ceiling)
        .map_err(|p| validation(p, ctx.lang, fields))?;
    let body = serde_json::to_value(&schedule).map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    let (id, version, created) = match schedule_id {
        None => {
            let id = db::fees::create_schedule(&mut tx, user.id).await?;
            db::fees::insert_version(&mut tx, id, 1, &schedule.name, &body, user.id).await?;
            (id, 1, true)
        }
        Some(id) => {
            let (version_id, latest, in_use) = db::fees::lock_latest(&mut tx, id)
                .await?
                .ok_or_else(|| auth::not_found(ctx.lang))?;
            if seen_version != Some(latest) {
                return Err(AppError::Conflict(td_string!(
                    l(ctx.lang),
                    fees.version_conflict,
                    version = latest
                )));
            }
            if in_use {
                db::fees::insert_version(&mut tx, id, latest + 1, &schedule.name, &body, user.id)
                    .await?;
                (id, latest + 1, true)
            } else {
                db::fees::update_version(&mut tx, version_id, &schedule.name, &body).await?;
                (id, latest, false)
            }
        }
    };
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: if schedule_id.is_none() {
                "fees.schedule_created"
            } else {
                "fees.schedule_updated"
            },
            object_type: "fee_schedule",
            object_id: id.to_string(),
            details: json!({"version": version, "new_version": created, "name": schedule.name}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The organisation's approved application, or 404 (fees are only for approved merchants).
async fn approved(state: &AppState, lang: Lang, organisation_id: Uuid) -> Result<Uuid, AppError> {
    db::fees::approved_application(&state.db, organisation_id)
        .await?
        .ok_or_else(|| auth::not_found(lang))
}

/// What an account manager submits to assign a schedule.
pub struct AssignInput<'a> {
    pub organisation_id: Uuid,
    pub version_id: Option<Uuid>,
    pub effective_from: &'a str,
    pub overrides: &'a BTreeMap<String, String>,
}

/// Assigns a schedule version with negotiated rates. A rate below the template's floor waits
/// for a compliance lead; otherwise the assignment replaces the active one at once.
pub async fn assign(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    input: AssignInput<'_>,
) -> Result<AssignmentStatus, AppError> {
    approved(state, ctx.lang, input.organisation_id).await?;
    let mut echo: BTreeMap<String, String> = input
        .overrides
        .iter()
        .map(|(k, v)| (format!("overrides[{k}]"), v.clone()))
        .collect();
    echo.insert("effective_from".into(), input.effective_from.into());
    let version = match input.version_id {
        Some(v) => db::fees::version(&state.db, v).await?,
        None => None,
    };
    let Some(version) = version else {
        return Err(AppError::Validation(FieldErrors::single(
            "version_id",
            crate::domain::problem::Problem::ChoiceInvalid.message(ctx.lang),
        )));
    };
    let schedule = schedule_of(&version.body)?;
    let mut problems = Vec::new();
    let overrides =
        fees::parse_overrides(&schedule, input.overrides, state.settings.fee_rate_ceiling)
            .unwrap_or_else(|p| {
                problems.extend(p);
                BTreeMap::new()
            });
    let effective = match crate::domain::application::parse_date(input.effective_from) {
        _ if input.effective_from.trim().is_empty() => {
            problems.push((
                "effective_from".into(),
                crate::domain::problem::Problem::Required,
            ));
            None
        }
        Ok(d) if d < today() => {
            problems.push((
                "effective_from".into(),
                crate::domain::problem::Problem::DateOrder,
            ));
            None
        }
        Ok(d) => Some(d),
        Err(p) => {
            problems.push(("effective_from".into(), p));
            None
        }
    };
    if !problems.is_empty() {
        // Override errors are keyed `overrides.<method>`; the form's inputs are `overrides[<method>]`.
        let problems = problems
            .into_iter()
            .map(|(k, p)| match k.strip_prefix("overrides.") {
                Some(m) => (format!("overrides[{m}]"), p),
                None => (k, p),
            })
            .collect();
        return Err(validation(problems, ctx.lang, &echo));
    }
    let effective = effective.expect("checked");
    let (_, below) = fees::apply_overrides(&schedule, &overrides);
    let status = if below.is_empty() {
        AssignmentStatus::Active
    } else {
        AssignmentStatus::PendingApproval
    };
    let overrides_json: BTreeMap<&str, i64> =
        overrides.iter().map(|(m, r)| (m.as_str(), r.0)).collect();
    let overrides_json = json!(overrides_json);
    let below: Vec<String> = below.iter().map(|m| m.as_str().to_string()).collect();
    let mut tx = state.db.begin().await?;
    if status == AssignmentStatus::Active {
        db::fees::supersede_active(&mut tx, input.organisation_id).await?;
    }
    db::fees::mark_in_use(&mut tx, version.id).await?;
    let id = db::fees::insert_assignment(
        &mut tx,
        NewAssignment {
            organisation_id: input.organisation_id,
            version_id: version.id,
            overrides: &overrides_json,
            below_floor: &below,
            effective_from: effective,
            status: status.as_str(),
            by: user.id,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "fees.assigned",
            object_type: "organisation",
            object_id: input.organisation_id.to_string(),
            details: json!({
                "assignment": id, "schedule_version": version.id, "version": version.version,
                "overrides_ppm": overrides_json, "below_floor": below,
                "effective_from": effective, "status": status.as_str(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// A compliance lead approves or declines negotiated rates below the floor. Declining needs a
/// note; the person who proposed the rates can never approve them.
pub async fn decide_floor(
    state: &AppState,
    ctx: &RequestCtx,
    lead: &CurrentUser,
    id: Uuid,
    approve: bool,
    note: &str,
) -> Result<(), AppError> {
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(AppError::Validation(FieldErrors::single(
            "note",
            td_string!(l(ctx.lang), fees.note_required),
        )));
    }
    let mut tx = state.db.begin().await?;
    let (status, org, creator) = db::fees::lock_assignment(&mut tx, id)
        .await?
        .ok_or_else(|| auth::not_found(ctx.lang))?;
    if status != AssignmentStatus::PendingApproval.as_str() {
        return Err(AppError::Conflict(
            td_string!(l(ctx.lang), fees.already_decided).to_string(),
        ));
    }
    if creator == Some(lead.id) {
        return Err(AppError::Forbidden(
            td_string!(l(ctx.lang), fees.own_proposal).to_string(),
        ));
    }
    let new = if approve {
        db::fees::supersede_active(&mut tx, org).await?;
        AssignmentStatus::Active
    } else {
        AssignmentStatus::Declined
    };
    db::fees::decide_assignment(
        &mut tx,
        id,
        new.as_str(),
        lead.id,
        Some(note).filter(|n| !n.is_empty()),
    )
    .await?;
    audit::append(
        &mut tx,
        &lead.actor(ctx),
        Event {
            action: if approve {
                "fees.floor_approved"
            } else {
                "fees.floor_declined"
            },
            object_type: "organisation",
            object_id: org.to_string(),
            details: json!({"assignment": id, "note": note}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The merchant as a contract party, and who may sign for it, from the approved application.
async fn merchant_party(
    state: &AppState,
    application_id: Uuid,
) -> Result<(MerchantParty, Vec<String>), AppError> {
    let row = db::applications::by_id(&state.db, application_id)
        .await?
        .ok_or_else(|| AppError::internal("approved application vanished"))?;
    let loaded = applications::load(state, row).await?;
    let get = |s: Section, k: &str| loaded.data.get(s, k).unwrap_or_default().to_string();
    let account = get(Section::Settlement, "account_number");
    let last4: String = account
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let legal_person = get(Section::LegalPerson, "lp_name");
    let contact = get(Section::Contact, "contact_name");
    let mut signatories = vec![legal_person.clone()];
    if !contact.is_empty() && contact != legal_person {
        signatories.push(contact);
    }
    Ok((
        MerchantParty {
            legal_name: get(Section::Entity, "legal_name"),
            uscc: get(Section::Entity, "uscc"),
            address: get(Section::Entity, "registered_address"),
            legal_person,
            settlement_account: format!("{} ····{last4}", get(Section::Settlement, "bank_name")),
        },
        signatories,
    ))
}

/// SHA-256 of the canonical content, in hex.
pub fn content_hash(c: &ContractContent) -> String {
    hex::encode(Sha256::digest(c.canonical_bytes()))
}

/// Drafts a contract from the organisation's active assignment and its approved application.
pub async fn draft_contract(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    organisation_id: Uuid,
) -> Result<Uuid, AppError> {
    let application_id = approved(state, ctx.lang, organisation_id).await?;
    let assignment = db::fees::active_assignment(&state.db, organisation_id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(td_string!(l(ctx.lang), fees.no_active_assignment).to_string())
        })?;
    let template = schedule_of(&assignment.body)?;
    let overrides: BTreeMap<Method, RatePpm> =
        serde_json::from_value(assignment.overrides.clone()).map_err(AppError::internal)?;
    let (schedule, _) = fees::apply_overrides(&template, &overrides);
    let (merchant, signatories) = merchant_party(state, application_id).await?;
    let i = &state.settings.institution;
    let mut tx = state.db.begin().await?;
    let issued_on = today();
    let number = format!(
        "GH-{}-{:06}",
        issued_on.year(),
        db::fees::next_contract_number(&mut tx).await?
    );
    let content = ContractContent {
        format: CONTRACT_FORMAT.into(),
        number: number.clone(),
        issued_on,
        institution: Institution {
            name: i.name.clone(),
            address: i.address.clone(),
            licence_no: i.licence_no.clone(),
        },
        merchant,
        schedule_name: assignment.schedule_name.clone(),
        schedule_version: assignment.schedule_version,
        clauses: contract_doc::clauses(&schedule),
        schedule,
        negotiated: overrides.keys().copied().collect(),
        effective_from: assignment.effective_from,
        signatories,
    };
    let hash = content_hash(&content);
    let value = serde_json::to_value(&content).map_err(AppError::internal)?;
    let id = db::fees::insert_contract(
        &mut tx,
        NewContract {
            number: &number,
            organisation_id,
            assignment_id: assignment.id,
            content: &value,
            content_hash: &hash,
            by: user.id,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "contract.drafted",
            object_type: "contract",
            object_id: id.to_string(),
            details: json!({"number": number, "hash": hash, "organisation": organisation_id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn state_conflict(lang: Lang, s: &str) -> AppError {
    let state = ContractState::parse(s)
        .map(|s| crate::components::labels::contract_state_label(l(lang), s))
        .unwrap_or(s);
    AppError::Conflict(td_string!(
        l(lang),
        fees.contract_state_conflict,
        state = state
    ))
}

/// Locks a contract for a move, refusing (naming its state) unless `allowed` holds for it.
async fn lock_for(
    tx: &mut sqlx::PgConnection,
    lang: Lang,
    id: Uuid,
    allowed: impl Fn(ContractState) -> bool,
) -> Result<db::fees::LockedContract, AppError> {
    let c = db::fees::lock_contract(tx, id)
        .await?
        .ok_or_else(|| auth::not_found(lang))?;
    if !ContractState::parse(&c.state).is_some_and(allowed) {
        return Err(state_conflict(lang, &c.state));
    }
    Ok(c)
}

/// Sends a draft to the merchant (any contract still awaiting signature is superseded) and
/// emails them.
pub async fn send_contract(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let c = lock_for(&mut tx, ctx.lang, id, ContractState::may_send).await?;
    let org = c.organisation_id;
    let active = db::fees::active_assignment(&state.db, org).await?;
    if active.map(|a| a.id) != Some(c.assignment_id) {
        return Err(AppError::Conflict(
            td_string!(l(ctx.lang), fees.assignment_changed).to_string(),
        ));
    }
    let application_id = approved(state, ctx.lang, org).await?;
    let superseded = db::fees::supersede_sent(&mut tx, org, user.id).await?;
    db::fees::mark_sent(&mut tx, id, user.id).await?;
    let row = one_contract(state, ctx.lang, id).await?;
    applications::tell_merchant(
        &mut tx,
        state,
        org,
        application_id,
        "/portal/contract",
        Template::CONTRACT_SENT,
        |_| vec![("number", row.number.clone())],
    )
    .await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "contract.sent",
            object_type: "contract",
            object_id: id.to_string(),
            details: json!({"number": row.number, "hash": row.content_hash, "superseded": superseded}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn withdraw_contract(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let current = lock_for(&mut tx, ctx.lang, id, ContractState::may_withdraw)
        .await?
        .state;
    db::fees::mark_withdrawn(&mut tx, id, user.id).await?;
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "contract.withdrawn",
            object_type: "contract",
            object_id: id.to_string(),
            details: json!({"from": current}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a merchant submits to accept a contract.
pub struct AcceptInput<'a> {
    pub id: Uuid,
    /// The hash shown on the page the merchant read.
    pub hash: &'a str,
    pub name: &'a str,
    pub agreed: bool,
}

/// The merchant accepts the contract it read: only the current sent version (the hash must
/// match), with the consent box ticked and a signatory's full name typed. Time, IP, user
/// agent, user and hash are recorded; the database refuses any later change.
pub async fn accept_contract(
    state: &AppState,
    ctx: &RequestCtx,
    user: &CurrentUser,
    input: AcceptInput<'_>,
) -> Result<(), AppError> {
    let org = user.organisation()?;
    // What the form lacks is said first; then the contract must be this merchant's.
    let mut errors = FieldErrors::new();
    if !input.agreed {
        errors.add("agree", td_string!(l(ctx.lang), fees.must_agree));
    }
    if input.name.trim().is_empty() {
        errors.add(
            "name",
            crate::domain::problem::Problem::Required.message(ctx.lang),
        );
    }
    errors.with_value("name", input.name).into_result()?;
    let row = one_contract(state, ctx.lang, input.id).await?;
    if row.organisation_id != org {
        return Err(auth::not_found(ctx.lang));
    }
    let content: ContractContent =
        serde_json::from_value(row.content.clone()).map_err(AppError::internal)?;
    if !content.is_signatory(input.name) {
        return Err(AppError::Validation(
            FieldErrors::single("name", td_string!(l(ctx.lang), fees.not_signatory))
                .with_value("name", input.name),
        ));
    }
    let mut tx = state.db.begin().await?;
    let hash = lock_for(&mut tx, ctx.lang, input.id, |s| s == ContractState::Sent)
        .await?
        .content_hash;
    if input.hash != hash {
        return Err(AppError::Conflict(
            td_string!(l(ctx.lang), fees.hash_mismatch).to_string(),
        ));
    }
    let name = input.name.split_whitespace().collect::<Vec<_>>().join(" ");
    db::fees::mark_accepted(
        &mut tx,
        input.id,
        db::fees::Acceptance {
            by: user.id,
            ip: ctx.ip.as_deref().unwrap_or(""),
            user_agent: ctx.user_agent.as_deref().unwrap_or(""),
            name: &name,
            hash: &hash,
        },
    )
    .await?;
    let application_id = approved(state, ctx.lang, org).await?;
    let vars = |_: Lang| {
        vec![
            ("number", row.number.clone()),
            ("name", name.clone()),
            ("hash", hash.clone()),
        ]
    };
    applications::tell_merchant(
        &mut tx,
        state,
        org,
        application_id,
        "/portal/contract",
        Template::CONTRACT_ACCEPTED,
        vars,
    )
    .await?;
    if let Some((to, lang)) = match row.sent_by {
        Some(am) => db::fees::user_email(&mut tx, am).await?,
        None => None,
    } {
        let lang = Lang::parse(&lang).unwrap_or_default();
        let mut v = vars(lang);
        v.push((
            "link",
            state.settings.url(&format!("/fees/contracts/{}", input.id)),
        ));
        mail::enqueue(
            &mut tx,
            &state.settings,
            Email {
                template: Template::CONTRACT_ACCEPTED,
                to: &to,
                lang,
                vars: v,
            },
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &user.actor(ctx),
        Event {
            action: "contract.accepted",
            object_type: "contract",
            object_id: input.id.to_string(),
            details: json!({"number": row.number, "hash": hash, "name": name,
                            "ip": ctx.ip, "user_agent": ctx.user_agent}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn one_contract(state: &AppState, lang: Lang, id: Uuid) -> Result<ContractRow, AppError> {
    db::fees::contracts(&state.db, None, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| auth::not_found(lang))
}

/// The merchant's contract: the one awaiting signature, else the latest accepted.
pub async fn merchant_contract(
    state: &AppState,
    organisation_id: Uuid,
) -> Result<Option<ContractRow>, AppError> {
    let all = db::fees::contracts(&state.db, Some(organisation_id), None).await?;
    Ok(all
        .iter()
        .find(|c| c.state == "sent")
        .or_else(|| all.iter().find(|c| c.state == "accepted"))
        .cloned())
}

/// The document of a stored contract.
pub fn contract_blocks(row: &ContractRow) -> Result<Vec<Block>, AppError> {
    let content: ContractContent =
        serde_json::from_value(row.content.clone()).map_err(AppError::internal)?;
    let signed = match (&row.accepted_name, row.accepted_at) {
        (Some(name), Some(at)) => Some(Signed {
            name: name.clone(),
            at: crate::components::time::format_cst(at),
        }),
        _ => None,
    };
    Ok(contract_doc::blocks(
        &content,
        &row.content_hash,
        signed.as_ref(),
    ))
}

/// The contract as PDF.
pub fn contract_pdf(state: &AppState, row: &ContractRow) -> Result<Vec<u8>, AppError> {
    let font = state.settings.contract_font.as_deref().ok_or_else(|| {
        AppError::internal("no contract font configured (GATEHOUSE_CONTRACT_FONT)")
    })?;
    let footer = format!("{} · SHA-256 {}", row.number, row.content_hash);
    crate::backend::pdf::render(font, &contract_blocks(row)?, &footer)
}
