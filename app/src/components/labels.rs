//! Names of application fields, options, sections, document kinds and states in a language:
//! the lookup from data keys to the locale files, shared by pages and server messages.

use crate::domain::application::Section;
use crate::domain::documents::DocKind;
use crate::domain::ledger::{Code, Requirement, Target};
use crate::domain::states::AppState;
use crate::i18n::*;

pub fn section_label(l: Locale, s: Section) -> &'static str {
    match s {
        Section::Entity => td_string!(l, sections.entity),
        Section::LegalPerson => td_string!(l, sections.legal_person),
        Section::Owners => td_string!(l, sections.owners),
        Section::Settlement => td_string!(l, sections.settlement),
        Section::Contact => td_string!(l, sections.contact),
        Section::Scenes => td_string!(l, sections.scenes),
        Section::SelfAssessment => td_string!(l, sections.self_assessment),
    }
}

pub fn state_label(l: Locale, s: AppState) -> &'static str {
    match s {
        AppState::Draft => td_string!(l, states.draft),
        AppState::Submitted => td_string!(l, states.submitted),
        AppState::InReview => td_string!(l, states.in_review),
        AppState::InfoRequested => td_string!(l, states.info_requested),
        AppState::PendingSecondApproval => td_string!(l, states.pending_second_approval),
        AppState::Approved => td_string!(l, states.approved),
        AppState::Rejected => td_string!(l, states.rejected),
        AppState::Withdrawn => td_string!(l, states.withdrawn),
    }
}

/// The label of a field key; owner rows (`owner.<id>.<field>`) use the owner field names.
pub fn field_label(l: Locale, key: &str) -> &'static str {
    let key = match key.strip_prefix("owner.").and_then(|r| r.split_once('.')) {
        Some((_, field)) => match field {
            "name" => "owner_name",
            "id_type" => "owner_id_type",
            "id_number" => "owner_id_number",
            "share" => "owner_share",
            "basis" => "owner_basis",
            "remove" => "owner_remove",
            _ => "owners",
        },
        None => key,
    };
    match key {
        "subject_type" => td_string!(l, fields.subject_type),
        "legal_name" => td_string!(l, fields.legal_name),
        "short_name" => td_string!(l, fields.short_name),
        "uscc" => td_string!(l, fields.uscc),
        "registered_address" => td_string!(l, fields.registered_address),
        "licence_start" => td_string!(l, fields.licence_start),
        "licence_long_term" => td_string!(l, fields.licence_long_term),
        "licence_end" => td_string!(l, fields.licence_end),
        "registered_capital" => td_string!(l, fields.registered_capital),
        "business_scope" => td_string!(l, fields.business_scope),
        "industry" => td_string!(l, fields.industry),
        "lp_name" => td_string!(l, fields.lp_name),
        "lp_id_type" => td_string!(l, fields.lp_id_type),
        "lp_id_number" => td_string!(l, fields.lp_id_number),
        "lp_id_valid_from" => td_string!(l, fields.lp_id_valid_from),
        "lp_id_long_term" => td_string!(l, fields.lp_id_long_term),
        "lp_id_valid_to" => td_string!(l, fields.lp_id_valid_to),
        "lp_mobile" => td_string!(l, fields.lp_mobile),
        "owners" => td_string!(l, fields.owners),
        "owners_exempt" => td_string!(l, fields.owners_exempt),
        "owner_name" => td_string!(l, fields.owner_name),
        "owner_id_type" => td_string!(l, fields.owner_id_type),
        "owner_id_number" => td_string!(l, fields.owner_id_number),
        "owner_share" => td_string!(l, fields.owner_share),
        "owner_basis" => td_string!(l, fields.owner_basis),
        "owner_remove" => td_string!(l, fields.owner_remove),
        "account_type" => td_string!(l, fields.account_type),
        "account_name" => td_string!(l, fields.account_name),
        "bank_name" => td_string!(l, fields.bank_name),
        "branch_name" => td_string!(l, fields.branch_name),
        "cnaps" => td_string!(l, fields.cnaps),
        "account_number" => td_string!(l, fields.account_number),
        "province" => td_string!(l, fields.province),
        "city" => td_string!(l, fields.city),
        "contact_is_legal_person" => td_string!(l, fields.contact_is_legal_person),
        "contact_name" => td_string!(l, fields.contact_name),
        "contact_mobile" => td_string!(l, fields.contact_mobile),
        "contact_email" => td_string!(l, fields.contact_email),
        "contact_role" => td_string!(l, fields.contact_role),
        "scenes" => td_string!(l, fields.scenes),
        "store_address" => td_string!(l, fields.store_address),
        "website_url" => td_string!(l, fields.website_url),
        "icp_record" => td_string!(l, fields.icp_record),
        "app_name" => td_string!(l, fields.app_name),
        "mini_program_name" => td_string!(l, fields.mini_program_name),
        "monthly_volume" => td_string!(l, fields.monthly_volume),
        "average_ticket" => td_string!(l, fields.average_ticket),
        "service_phone" => td_string!(l, fields.service_phone),
        "q_regulated_goods" => td_string!(l, fields.q_regulated_goods),
        "q_gambling" => td_string!(l, fields.q_gambling),
        "q_virtual_currency" => td_string!(l, fields.q_virtual_currency),
        "q_cross_border" => td_string!(l, fields.q_cross_border),
        "q_prior_penalties" => td_string!(l, fields.q_prior_penalties),
        "q_pep" => td_string!(l, fields.q_pep),
        "q_third_party_funds" => td_string!(l, fields.q_third_party_funds),
        "declare_truthful" => td_string!(l, fields.declare_truthful),
        "declare_authorise" => td_string!(l, fields.declare_authorise),
        _ => "",
    }
}

/// The label of a choice value (subject types, ID types, industries, …).
pub fn option_label(l: Locale, value: &str) -> &'static str {
    match value {
        "enterprise" => td_string!(l, options.enterprise),
        "individual_business" => td_string!(l, options.individual_business),
        "public_institution" => td_string!(l, options.public_institution),
        "other_organisation" => td_string!(l, options.other_organisation),
        "resident_id" => td_string!(l, options.resident_id),
        "passport" => td_string!(l, options.passport),
        "hk_macao_permit" => td_string!(l, options.hk_macao_permit),
        "taiwan_permit" => td_string!(l, options.taiwan_permit),
        "corporate" => td_string!(l, options.corporate),
        "personal" => td_string!(l, options.personal),
        "legal_person" => td_string!(l, options.legal_person),
        "finance" => td_string!(l, options.finance),
        "operations" => td_string!(l, options.operations),
        "technical" => td_string!(l, options.technical),
        "other" => td_string!(l, options.other),
        "offline" => td_string!(l, options.offline),
        "website" => td_string!(l, options.website),
        "app" => td_string!(l, options.app),
        "mini_program" => td_string!(l, options.mini_program),
        "equity" => td_string!(l, options.equity),
        "income" => td_string!(l, options.income),
        "voting" => td_string!(l, options.voting),
        "control" => td_string!(l, options.control),
        "senior_manager" => td_string!(l, options.senior_manager),
        "yes" => td_string!(l, options.yes),
        "no" => td_string!(l, options.no),
        "retail" => td_string!(l, industries.retail),
        "catering" => td_string!(l, industries.catering),
        "software" => td_string!(l, industries.software),
        "logistics" => td_string!(l, industries.logistics),
        "ecommerce" => td_string!(l, industries.ecommerce),
        "education" => td_string!(l, industries.education),
        "travel" => td_string!(l, industries.travel),
        "healthcare" => td_string!(l, industries.healthcare),
        "pharmacy" => td_string!(l, industries.pharmacy),
        "online_games" => td_string!(l, industries.online_games),
        "precious_metals" => td_string!(l, industries.precious_metals),
        "cross_border_trade" => td_string!(l, industries.cross_border_trade),
        _ => "",
    }
}

pub fn doc_label(l: Locale, k: DocKind) -> &'static str {
    match k {
        DocKind::BusinessLicence => td_string!(l, doc_kinds.business_licence),
        DocKind::IdFront => td_string!(l, doc_kinds.id_front),
        DocKind::IdBack => td_string!(l, doc_kinds.id_back),
        DocKind::IdPages => td_string!(l, doc_kinds.id_pages),
        DocKind::BankProof => td_string!(l, doc_kinds.bank_proof),
        DocKind::Articles => td_string!(l, doc_kinds.articles),
        DocKind::OwnerId => td_string!(l, doc_kinds.owner_id),
        DocKind::IndustryPermit => td_string!(l, doc_kinds.industry_permit),
        DocKind::StorePhoto => td_string!(l, doc_kinds.store_photo),
        DocKind::IcpScreenshot => td_string!(l, doc_kinds.icp_screenshot),
        DocKind::AuthorisationLetter => td_string!(l, doc_kinds.authorisation_letter),
    }
}

/// Reviewers' reason codes for requests (a fixed list).
pub const REASONS: &[&str] = &[
    "blurry",
    "expired",
    "mismatch",
    "missing_page",
    "incomplete",
    "other",
];

pub fn reason_label(l: Locale, code: &str) -> &'static str {
    match code {
        "blurry" => td_string!(l, reasons.blurry),
        "expired" => td_string!(l, reasons.expired),
        "mismatch" => td_string!(l, reasons.mismatch),
        "missing_page" => td_string!(l, reasons.missing_page),
        "incomplete" => td_string!(l, reasons.incomplete),
        _ => td_string!(l, reasons.other),
    }
}

/// What a target is called: "主体信息 · 统一社会信用代码" or a document's name.
pub fn target_label(l: Locale, t: &Target, owner_name: impl Fn(&str) -> Option<String>) -> String {
    match t {
        Target::Field { section, key } => {
            let owner = key
                .strip_prefix("owner.")
                .and_then(|r| r.split_once('.'))
                .and_then(|(id, _)| owner_name(id));
            match owner {
                Some(o) => format!(
                    "{} · {} · {}",
                    section_label(l, *section),
                    o,
                    field_label(l, key)
                ),
                None => format!("{} · {}", section_label(l, *section), field_label(l, key)),
            }
        }
        Target::Document { kind, subject } => match subject.as_deref().and_then(&owner_name) {
            Some(o) => format!("{} · {o}", doc_label(l, *kind)),
            None => doc_label(l, *kind).to_string(),
        },
    }
}

/// A ledger item as a sentence in the language.
pub fn requirement_text(
    l: Locale,
    r: &Requirement,
    owner_name: impl Fn(&str) -> Option<String>,
) -> String {
    let target = target_label(l, &r.target, owner_name);
    match &r.code {
        Code::Missing => td_string!(l, ledger.missing, field = target),
        Code::Invalid(p) => td_string!(
            l,
            ledger.invalid,
            field = target,
            problem = p.message(crate::domain::lang::Lang::from_locale(l))
        ),
        Code::AccountNameMismatch => td_string!(l, ledger.account_name_mismatch).to_string(),
        Code::PersonalAccountNotAllowed => {
            td_string!(l, ledger.personal_account_not_allowed).to_string()
        }
        Code::PersonalAccountName => td_string!(l, ledger.personal_account_name).to_string(),
        Code::OwnerSharesOver100 => td_string!(l, ledger.owner_shares_over_100).to_string(),
        Code::OwnersMissing => td_string!(l, ledger.owners_missing).to_string(),
        Code::ExemptionNotEligible => td_string!(l, ledger.exemption_not_eligible).to_string(),
        Code::LicenceExpired => td_string!(l, ledger.licence_expired).to_string(),
        Code::DateOrder => td_string!(l, ledger.date_order).to_string(),
        Code::DocumentMissing { have, need } => td_string!(
            l,
            ledger.document_missing,
            document = target,
            have = have,
            need = need
        ),
        Code::Requested { reason, message } => td_string!(
            l,
            ledger.requested,
            document = target,
            reason = reason_label(l, reason),
            message = message.clone()
        ),
    }
}

/// Where a ledger item is fixed: the field on its section page, or the document's card.
pub fn target_href(t: &Target) -> String {
    match t {
        Target::Field { section, key } => format!(
            "/portal/application/{}#f-{}",
            section.slug(),
            key.replace('.', "-")
        ),
        Target::Document { kind, subject } => match subject {
            Some(s) => format!("/portal/documents#doc-{}-{s}", kind.slug()),
            None => format!("/portal/documents#doc-{}", kind.slug()),
        },
    }
}

/// Why a risk rule added points.
pub fn risk_reason(l: Locale, code: &str) -> &'static str {
    match code {
        "industry_high" => td_string!(l, risk.industry_high),
        "industry_medium" => td_string!(l, risk.industry_medium),
        "cross_border" => td_string!(l, risk.cross_border),
        "volume_very_high" => td_string!(l, risk.volume_very_high),
        "volume_high" => td_string!(l, risk.volume_high),
        "young_licence" => td_string!(l, risk.young_licence),
        "screening_hits" => td_string!(l, risk.screening_hits),
        "control_based_ownership" => td_string!(l, risk.control_based_ownership),
        "settlement_name_mismatch" => td_string!(l, risk.settlement_name_mismatch),
        "q_gambling" => td_string!(l, fields.q_gambling),
        "q_virtual_currency" => td_string!(l, fields.q_virtual_currency),
        "q_prior_penalties" => td_string!(l, fields.q_prior_penalties),
        "q_pep" => td_string!(l, fields.q_pep),
        "q_third_party_funds" => td_string!(l, fields.q_third_party_funds),
        "q_regulated_goods" => td_string!(l, fields.q_regulated_goods),
        _ => "",
    }
}

pub fn tier_label(l: Locale, tier: &str) -> &'static str {
    match tier {
        "low" => td_string!(l, review.tier_low),
        "medium" => td_string!(l, review.tier_medium),
        "high" => td_string!(l, review.tier_high),
        _ => "",
    }
}

pub fn method_label(l: Locale, m: crate::domain::fees::Method) -> &'static str {
    use crate::domain::fees::Method as M;
    match m {
        M::WechatPay => td_string!(l, fees.m_wechat_pay),
        M::Alipay => td_string!(l, fees.m_alipay),
        M::UnionpayQr => td_string!(l, fees.m_unionpay_qr),
        M::DebitCard => td_string!(l, fees.m_debit_card),
        M::CreditCard => td_string!(l, fees.m_credit_card),
        M::B2bBanking => td_string!(l, fees.m_b2b_banking),
        M::CrossBorderCard => td_string!(l, fees.m_cross_border_card),
    }
}

pub fn cycle_label(l: Locale, c: crate::domain::fees::SettlementCycle) -> &'static str {
    use crate::domain::fees::SettlementCycle as C;
    match c {
        C::T0 => td_string!(l, fees.c_t0),
        C::T1 => td_string!(l, fees.c_t1),
        C::D1 => td_string!(l, fees.c_d1),
        C::Weekly => td_string!(l, fees.c_weekly),
        C::Monthly => td_string!(l, fees.c_monthly),
    }
}

pub fn refund_label(l: Locale, r: crate::domain::fees::RefundPolicy) -> String {
    use crate::domain::fees::RefundPolicy as R;
    match r {
        R::ProRata => td_string!(l, fees.r_pro_rata).to_string(),
        R::NotReturned => td_string!(l, fees.r_not_returned).to_string(),
        R::RefundFee(f) => td_string!(l, fees.r_refund_fee, fee = f.yuan_string()),
    }
}

pub fn contract_state_label(l: Locale, s: crate::domain::fees::ContractState) -> &'static str {
    use crate::domain::fees::ContractState as C;
    match s {
        C::Draft => td_string!(l, fees.s_draft),
        C::Sent => td_string!(l, fees.s_sent),
        C::Accepted => td_string!(l, fees.s_accepted),
        C::Withdrawn => td_string!(l, fees.s_withdrawn),
        C::Superseded => td_string!(l, fees.s_superseded),
    }
}

pub fn assignment_status_label(
    l: Locale,
    s: crate::domain::fees::AssignmentStatus,
) -> &'static str {
    use crate::domain::fees::AssignmentStatus as A;
    match s {
        A::PendingApproval => td_string!(l, fees.a_pending_approval),
        A::Active => td_string!(l, fees.a_active),
        A::Declined => td_string!(l, fees.a_declined),
        A::Superseded => td_string!(l, fees.a_superseded),
    }
}
