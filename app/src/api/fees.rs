//! Fee schedules, assignments to merchants, contracts (staff) and the merchant's contract.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::fees::{AssignmentStatus, ContractState, Method, Schedule};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use {
    super::ssr::{redirect_no_js, request, respond},
    crate::backend::{auth as authz, db, services::fees as svc},
    crate::domain::roles::Permission,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSummary {
    pub id: Uuid,
    pub name: String,
    pub version: i32,
    pub in_use: bool,
    pub merchants: i64,
    pub updated_at: DateTime<Utc>,
}

#[server(prefix = "/api", endpoint = "fees/schedules")]
pub async fn fee_schedules() -> Result<Vec<ScheduleSummary>, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require(&app, &ctx, Permission::FeesManage).await?;
            Ok(db::fees::schedules(&app.db)
                .await?
                .into_iter()
                .map(|s| ScheduleSummary {
                    id: s.schedule_id,
                    name: s.name,
                    version: s.version,
                    in_use: s.in_use,
                    merchants: s.merchants,
                    updated_at: s.updated_at,
                })
                .collect())
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: i32,
    pub in_use: bool,
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDetail {
    pub id: Uuid,
    /// The version shown.
    pub version: i32,
    pub latest: i32,
    pub in_use: bool,
    pub schedule: Schedule,
    /// The editor's fields for the version shown.
    pub fields: BTreeMap<String, String>,
    pub versions: Vec<VersionSummary>,
    pub ceiling_ppm: i64,
}

/// A schedule at its latest version, or at `version` (old versions stay readable).
#[server(prefix = "/api", endpoint = "fees/schedule")]
pub async fn fee_schedule(id: Uuid, version: Option<i32>) -> Result<ScheduleDetail, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require(&app, &ctx, Permission::FeesManage).await?;
            let versions = db::fees::versions(&app.db, id).await?;
            let latest = versions.first().ok_or_else(|| authz::not_found(ctx.lang))?;
            let shown = match version {
                Some(v) => versions
                    .iter()
                    .find(|r| r.version == v)
                    .ok_or_else(|| authz::not_found(ctx.lang))?,
                None => latest,
            };
            let schedule = svc::schedule_of(&shown.body)?;
            Ok(ScheduleDetail {
                id,
                version: shown.version,
                latest: latest.version,
                in_use: shown.in_use,
                fields: crate::domain::fees::to_form(&schedule).to_fields(),
                schedule,
                versions: versions
                    .iter()
                    .map(|v| VersionSummary {
                        version: v.version,
                        in_use: v.in_use,
                        author: v.author.clone(),
                        created_at: v.created_at,
                    })
                    .collect(),
                ceiling_ppm: app.settings.fee_rate_ceiling.0,
            })
        }
        .await,
    )
}

/// The rate ceiling, for the editor of a new schedule.
#[server(prefix = "/api", endpoint = "fees/ceiling")]
pub async fn fee_ceiling() -> Result<i64, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require(&app, &ctx, Permission::FeesManage).await?;
            Ok(app.settings.fee_rate_ceiling.0)
        }
        .await,
    )
}

/// Creates (no `id`) or saves a schedule; `seen_version` guards against lost updates.
#[server(prefix = "/api", endpoint = "fees/save")]
pub async fn save_fee_schedule(
    id: Option<Uuid>,
    seen_version: Option<i32>,
    #[server(default)] fields: BTreeMap<String, String>,
) -> Result<Uuid, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require(&app, &ctx, Permission::FeesManage).await?;
            let id = svc::save_schedule(&app, &ctx, &user, id, seen_version, &fields).await?;
            redirect_no_js(&format!("/fees/{id}?saved=1"));
            Ok(id)
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantSummary {
    pub organisation_id: Uuid,
    pub legal_name: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub schedule: Option<String>,
    pub contract: Option<ContractState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentView {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub legal_name: String,
    pub schedule: String,
    pub status: AssignmentStatus,
    pub effective_from: NaiveDate,
    /// Negotiated rates: method, template rate, negotiated rate, template floor (ppm).
    pub negotiated: Vec<(Method, i64, i64, i64)>,
    pub below_floor: Vec<Method>,
    pub creator: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decider: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// Whether the viewer may decide it (a lead who did not propose it).
    pub can_decide: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantsView {
    pub merchants: Vec<MerchantSummary>,
    pub pending: Vec<AssignmentView>,
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
fn assignment_view(
    a: db::fees::AssignmentRow,
    viewer: &crate::backend::auth::CurrentUser,
) -> Result<AssignmentView, AppError> {
    let template = svc::schedule_of(&a.body)?;
    let overrides: BTreeMap<Method, crate::domain::money::RatePpm> =
        serde_json::from_value(a.overrides.clone()).map_err(AppError::internal)?;
    let status = AssignmentStatus::parse(&a.status)
        .ok_or_else(|| AppError::internal(format!("unknown status {}", a.status)))?;
    Ok(AssignmentView {
        id: a.id,
        organisation_id: a.organisation_id,
        legal_name: a.legal_name.unwrap_or_default(),
        schedule: format!("{} v{}", a.schedule_name, a.schedule_version),
        status,
        effective_from: a.effective_from,
        negotiated: overrides
            .iter()
            .filter_map(|(m, r)| {
                let line = template.line(*m)?;
                Some((*m, line.rate.0, r.0, line.floor.0))
            })
            .collect(),
        below_floor: a
            .below_floor
            .iter()
            .filter_map(|m| Method::parse(m))
            .collect(),
        creator: a.creator,
        created_at: a.created_at,
        decider: a.decider,
        decided_at: a.decided_at,
        note: a.decision_note,
        can_decide: status == AssignmentStatus::PendingApproval
            && viewer.role.can(Permission::FeeFloorApprove)
            && a.created_by != Some(viewer.id),
    })
}

/// Approved merchants and the assignments waiting for a compliance lead.
#[server(prefix = "/api", endpoint = "fees/merchants")]
pub async fn fee_merchants() -> Result<MerchantsView, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require_any(
                &app,
                &ctx,
                &[Permission::FeesManage, Permission::FeeFloorApprove],
            )
            .await?;
            let can_manage = user.role.can(Permission::FeesManage);
            let merchants = if can_manage {
                db::fees::approved_merchants(&app.db)
                    .await?
                    .into_iter()
                    .map(|m| MerchantSummary {
                        organisation_id: m.organisation_id,
                        legal_name: m.legal_name.unwrap_or_default(),
                        approved_at: m.approved_at,
                        schedule: m
                            .schedule_name
                            .map(|n| format!("{n} v{}", m.schedule_version.unwrap_or(1))),
                        contract: m.contract_state.as_deref().and_then(ContractState::parse),
                    })
                    .collect()
            } else {
                vec![]
            };
            let pending = db::fees::assignments(&app.db, None)
                .await?
                .into_iter()
                .map(|a| assignment_view(a, &user))
                .collect::<Result<_, _>>()?;
            Ok(MerchantsView {
                merchants,
                pending,
                can_manage,
            })
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChoice {
    pub id: Uuid,
    pub label: String,
    pub schedule: Schedule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSummary {
    pub id: Uuid,
    pub number: String,
    pub state: ContractState,
    pub hash: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantFees {
    pub organisation_id: Uuid,
    pub legal_name: String,
    pub choices: Vec<VersionChoice>,
    pub assignments: Vec<AssignmentView>,
    pub has_active: bool,
    pub contracts: Vec<ContractSummary>,
}

#[cfg(feature = "ssr")]
fn contract_summary(c: db::fees::ContractRow) -> Option<ContractSummary> {
    Some(ContractSummary {
        id: c.id,
        state: ContractState::parse(&c.state)?,
        number: c.number,
        hash: c.content_hash,
        created_at: c.created_at,
        sent_at: c.sent_at,
        accepted_at: c.accepted_at,
        accepted_name: c.accepted_name,
    })
}

/// One approved merchant: schedules to choose from, assignment history, contracts.
#[server(prefix = "/api", endpoint = "fees/merchant")]
pub async fn fee_merchant(organisation_id: Uuid) -> Result<MerchantFees, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require(&app, &ctx, Permission::FeesManage).await?;
            let merchant = db::fees::approved_merchants(&app.db)
                .await?
                .into_iter()
                .find(|m| m.organisation_id == organisation_id)
                .ok_or_else(|| authz::not_found(ctx.lang))?;
            let choices = db::fees::schedules(&app.db)
                .await?
                .into_iter()
                .map(|s| {
                    Ok(VersionChoice {
                        id: s.version_id,
                        label: format!("{} v{}", s.name, s.version),
                        schedule: svc::schedule_of(&s.body)?,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            let assignments: Vec<AssignmentView> =
                db::fees::assignments(&app.db, Some(organisation_id))
                    .await?
                    .into_iter()
                    .map(|a| assignment_view(a, &user))
                    .collect::<Result<_, _>>()?;
            Ok(MerchantFees {
                organisation_id,
                legal_name: merchant.legal_name.unwrap_or_default(),
                choices,
                has_active: assignments
                    .iter()
                    .any(|a| a.status == AssignmentStatus::Active),
                assignments,
                contracts: db::fees::contracts(&app.db, Some(organisation_id), None)
                    .await?
                    .into_iter()
                    .filter_map(contract_summary)
                    .collect(),
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "fees/assign")]
pub async fn assign_fees(
    organisation_id: Uuid,
    #[server(default)] version_id: Option<Uuid>,
    #[server(default)] effective_from: String,
    #[server(default)] overrides: BTreeMap<String, String>,
) -> Result<AssignmentStatus, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require(&app, &ctx, Permission::FeesManage).await?;
            let status = svc::assign(
                &app,
                &ctx,
                &user,
                svc::AssignInput {
                    organisation_id,
                    version_id,
                    effective_from: &effective_from,
                    overrides: &overrides,
                },
            )
            .await?;
            redirect_no_js(&format!("/fees/merchants/{organisation_id}"));
            Ok(status)
        }
        .await,
    )
}

/// A compliance lead's decision on rates below the floor: `decision` is approve or decline.
#[server(prefix = "/api", endpoint = "fees/decide-floor")]
pub async fn decide_floor(
    id: Uuid,
    decision: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let lead = authz::require(&app, &ctx, Permission::FeeFloorApprove).await?;
            svc::decide_floor(&app, &ctx, &lead, id, decision == "approve", &note).await?;
            redirect_no_js("/fees/merchants");
            Ok(())
        }
        .await,
    )
}

/// Staff contract moves: `draft` (from the organisation's active assignment), `send`, `withdraw`.
#[server(prefix = "/api", endpoint = "fees/contract-action")]
pub async fn contract_action(
    organisation_id: Uuid,
    action: String,
    #[server(default)] id: Option<Uuid>,
) -> Result<Uuid, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require(&app, &ctx, Permission::ContractsSend).await?;
            let contract = match (action.as_str(), id) {
                ("draft", _) => svc::draft_contract(&app, &ctx, &user, organisation_id).await?,
                (act @ ("send" | "withdraw"), Some(id)) => {
                    // The contract must belong to the merchant the page is about.
                    let row = svc::one_contract(&app, ctx.lang, id).await?;
                    if row.organisation_id != organisation_id {
                        return Err(authz::not_found(ctx.lang));
                    }
                    if act == "send" {
                        svc::send_contract(&app, &ctx, &user, id).await?;
                    } else {
                        svc::withdraw_contract(&app, &ctx, &user, id).await?;
                    }
                    id
                }
                _ => return Err(AppError::Transport("unknown contract action".into())),
            };
            redirect_no_js(&format!("/fees/merchants/{organisation_id}"));
            Ok(contract)
        }
        .await,
    )
}

/// A contract as a document, for the page that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractView {
    pub summary: ContractSummary,
    pub organisation_id: Uuid,
    pub legal_name: String,
    pub blocks: Vec<crate::components::contract_doc::Block>,
    pub signatories: Vec<String>,
}

#[cfg(feature = "ssr")]
fn contract_view(row: db::fees::ContractRow) -> Result<ContractView, AppError> {
    let content: crate::domain::fees::ContractContent =
        serde_json::from_value(row.content.clone()).map_err(AppError::internal)?;
    let blocks = svc::contract_blocks(&row)?;
    Ok(ContractView {
        organisation_id: row.organisation_id,
        legal_name: content.merchant.legal_name.clone(),
        signatories: content.signatories.clone(),
        blocks,
        summary: contract_summary(row)
            .ok_or_else(|| AppError::internal("unknown contract state"))?,
    })
}

/// Any contract, for staff who work with fees.
#[server(prefix = "/api", endpoint = "fees/contract")]
pub async fn staff_contract(id: Uuid) -> Result<ContractView, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            authz::require_any(
                &app,
                &ctx,
                &[Permission::ContractsSend, Permission::FeeFloorApprove],
            )
            .await?;
            contract_view(svc::one_contract(&app, ctx.lang, id).await?)
        }
        .await,
    )
}

/// The merchant's own contract (awaiting signature, else the accepted one), if any.
#[server(prefix = "/api", endpoint = "portal/contract")]
pub async fn my_contract() -> Result<Option<ContractView>, AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require(&app, &ctx, Permission::OwnContractAccept).await?;
            match svc::merchant_contract(&app, user.organisation()?).await? {
                Some(row) => contract_view(row).map(Some),
                None => Ok(None),
            }
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "portal/contract-accept")]
pub async fn accept_contract(
    id: Uuid,
    #[server(default)] hash: String,
    #[server(default)] name: String,
    #[server(default)] agree: Option<String>,
) -> Result<(), AppError> {
    respond(
        async {
            let (app, ctx) = request()?;
            let user = authz::require(&app, &ctx, Permission::OwnContractAccept).await?;
            svc::accept_contract(
                &app,
                &ctx,
                &user,
                svc::AcceptInput {
                    id,
                    hash: &hash,
                    name: &name,
                    agreed: agree.is_some(),
                },
            )
            .await?;
            redirect_no_js("/portal/contract?accepted=1");
            Ok(())
        }
        .await,
    )
}
