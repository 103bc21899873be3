//! The requirements ledger (Stripe's "currently due", Adyen's remediation): everything still
//! due before an application can be submitted, derived from its data and documents. Each
//! item names its field or document; the portal links it there.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::application::{
    normalise, owner_key, parse_date, ApplicationData, Section, OWNER_FIELDS,
};
use super::documents::{required_documents, DocKind};
use super::money::{MoneyFen, SharePercent};
use super::problem::Problem;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Target {
    Field {
        section: Section,
        key: String,
    },
    Document {
        kind: DocKind,
        subject: Option<String>,
    },
}

impl Target {
    pub fn section(&self) -> Section {
        match self {
            Target::Field { section, .. } => *section,
            Target::Document { kind, .. } => kind.section(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Code {
    /// A needed field is empty.
    Missing,
    /// A stored value fails its rule now (an ID that expired, a person now checked for age…).
    Invalid(Problem),
    /// Corporate settlement account name differs from the legal name.
    AccountNameMismatch,
    /// A personal (对私) account is only for 个体工商户.
    PersonalAccountNotAllowed,
    /// A personal account must be in the operator's (legal person's) name.
    PersonalAccountName,
    OwnerSharesOver100,
    OwnersMissing,
    /// Exemption by commitment needs registered capital ≤ ¥10 million.
    ExemptionNotEligible,
    LicenceExpired,
    DateOrder,
    /// Fewer files than needed for a document.
    DocumentMissing {
        have: usize,
        need: usize,
    },
    /// Asked for by a reviewer (reason code from the fixed list, merchant-facing message).
    Requested {
        reason: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub code: Code,
    pub target: Target,
}

/// A reviewer's request for information that the merchant has not yet answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    pub target: Target,
    pub reason: String,
    pub message: String,
}

/// ¥10 million, the ceiling for the beneficial-owner exemption by commitment.
pub const EXEMPTION_CAPITAL_LIMIT: MoneyFen = MoneyFen(10_000_000 * 100);

fn field(section: Section, key: &str) -> Target {
    Target::Field {
        section,
        key: key.to_string(),
    }
}

/// Everything still due. `docs` are the (kind, subject) of the stored documents.
pub fn requirements(
    app: &ApplicationData,
    docs: &[(DocKind, Option<String>)],
    requests: &[OpenRequest],
    today: NaiveDate,
) -> Vec<Requirement> {
    let mut out = Vec::new();
    let mut push = |code: Code, target: Target| out.push(Requirement { code, target });

    // Every needed field, filled and (still) valid.
    for section in Section::ALL {
        for spec in section.fields() {
            let value = app.get(section, spec.key);
            match value {
                None if app.needed(spec) => push(Code::Missing, field(section, spec.key)),
                Some(v) => {
                    let id_type = match spec.kind {
                        super::application::FieldKind::IdNumber { type_field } => {
                            app.get(section, type_field)
                        }
                        _ => None,
                    };
                    if let Err(p) = normalise(spec.kind, v, id_type, today) {
                        push(Code::Invalid(p), field(section, spec.key));
                    }
                }
                None => {}
            }
        }
    }
    // Declarations are yes-only flags: an unticked one is missing (covered above).

    // Beneficial owners.
    let owner_ids = app.owner_ids();
    if app.owners_required() && owner_ids.is_empty() {
        push(Code::OwnersMissing, field(Section::Owners, "owners"));
    }
    let mut total = 0i64;
    for id in &owner_ids {
        for spec in OWNER_FIELDS {
            let key = owner_key(id, spec.key);
            if app.get(Section::Owners, &key).is_none() {
                push(Code::Missing, field(Section::Owners, &key));
            }
        }
        if let Some(s) = app
            .get(Section::Owners, &owner_key(id, "share"))
            .and_then(|s| SharePercent::parse(s).ok())
        {
            total += s.basis_points();
        }
    }
    if total > SharePercent::HUNDRED.basis_points() {
        push(Code::OwnerSharesOver100, field(Section::Owners, "owners"));
    }
    if app.get(Section::Owners, "owners_exempt") == Some("yes") {
        let capital = app
            .get(Section::Entity, "registered_capital")
            .and_then(|c| MoneyFen::parse_yuan(c).ok());
        if capital.is_none_or(|c| c > EXEMPTION_CAPITAL_LIMIT) {
            push(
                Code::ExemptionNotEligible,
                field(Section::Owners, "owners_exempt"),
            );
        }
    }

    // Licence and ID validity.
    let long_term = app.get(Section::Entity, "licence_long_term") == Some("yes");
    let start = app
        .get(Section::Entity, "licence_start")
        .and_then(|d| parse_date(d).ok());
    if let Some(end) = app
        .get(Section::Entity, "licence_end")
        .and_then(|d| parse_date(d).ok())
        .filter(|_| !long_term)
    {
        if end <= today {
            push(Code::LicenceExpired, field(Section::Entity, "licence_end"));
        } else if start.is_some_and(|s| end <= s) {
            push(Code::DateOrder, field(Section::Entity, "licence_end"));
        }
    }
    if app.get(Section::LegalPerson, "lp_id_long_term") != Some("yes") {
        if let Some(to) = app
            .get(Section::LegalPerson, "lp_id_valid_to")
            .and_then(|d| parse_date(d).ok())
        {
            if to <= today {
                push(
                    Code::Invalid(Problem::DateOrder),
                    field(Section::LegalPerson, "lp_id_valid_to"),
                );
            }
        }
    }

    // Settlement account.
    let subject = app.subject_type();
    match app.get(Section::Settlement, "account_type") {
        Some("corporate") => {
            if let (Some(name), Some(legal)) = (
                app.get(Section::Settlement, "account_name"),
                app.get(Section::Entity, "legal_name"),
            ) {
                if normalise_name(name) != normalise_name(legal) {
                    push(
                        Code::AccountNameMismatch,
                        field(Section::Settlement, "account_name"),
                    );
                }
            }
        }
        Some("personal") => {
            if subject.is_some() && subject != Some("individual_business") {
                push(
                    Code::PersonalAccountNotAllowed,
                    field(Section::Settlement, "account_type"),
                );
            } else if let (Some(name), Some(operator)) = (
                app.get(Section::Settlement, "account_name"),
                app.get(Section::LegalPerson, "lp_name"),
            ) {
                if normalise_name(name) != normalise_name(operator) {
                    push(
                        Code::PersonalAccountName,
                        field(Section::Settlement, "account_name"),
                    );
                }
            }
        }
        _ => {}
    }

    // Documents.
    for n in required_documents(app) {
        let have = docs
            .iter()
            .filter(|(k, s)| *k == n.kind && (n.subject.is_none() || *s == n.subject))
            .count();
        if have < n.min {
            push(
                Code::DocumentMissing { have, need: n.min },
                Target::Document {
                    kind: n.kind,
                    subject: n.subject.clone(),
                },
            );
        }
    }

    // What reviewers asked for and the merchant has not yet changed.
    for r in requests {
        push(
            Code::Requested {
                reason: r.reason.clone(),
                message: r.message.clone(),
            },
            r.target.clone(),
        );
    }
    out
}

/// Names compare without spaces and with full-width brackets made half-width
/// (（有限公司） and (有限公司) are the same name).
pub fn normalise_name(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::SectionData;
    use crate::domain::identifiers::synthetic;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    /// A complete, valid application of an individual business (no owners needed).
    pub fn complete() -> ApplicationData {
        let lp_id = synthetic::resident_id(NaiveDate::from_ymd_opt(1980, 5, 6).unwrap(), 11);
        let mut a = ApplicationData::default();
        let mut put = |s: Section, pairs: &[(&str, &str)]| {
            let d: SectionData = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            a.sections.insert(s, d);
        };
        put(
            Section::Entity,
            &[
                ("subject_type", "individual_business"),
                ("legal_name", "杭州西湖区李记小吃店"),
                ("short_name", "李记小吃"),
                ("uscc", &synthetic::uscc(7)),
                ("registered_address", "杭州市西湖区文三路 1 号"),
                ("licence_start", "2020-01-01"),
                ("licence_long_term", "yes"),
                ("registered_capital", "100000.00"),
                ("business_scope", "餐饮服务"),
                ("industry", "retail"),
            ],
        );
        put(
            Section::LegalPerson,
            &[
                ("lp_name", "李雷"),
                ("lp_id_type", "resident_id"),
                ("lp_id_number", &lp_id),
                ("lp_id_valid_from", "2015-01-01"),
                ("lp_id_long_term", "yes"),
                ("lp_mobile", "13800138000"),
            ],
        );
        put(Section::Owners, &[]);
        put(
            Section::Settlement,
            &[
                ("account_type", "personal"),
                ("account_name", "李雷"),
                ("bank_name", "中国工商银行"),
                ("branch_name", "杭州文三路支行"),
                ("cnaps", "102331000019"),
                ("account_number", &synthetic::account_number(3)),
                ("province", "浙江省"),
                ("city", "杭州市"),
            ],
        );
        put(
            Section::Contact,
            &[
                ("contact_is_legal_person", "yes"),
                ("contact_name", "李雷"),
                ("contact_mobile", "13800138000"),
                ("contact_email", "li@example.com"),
                ("contact_role", "legal_person"),
            ],
        );
        put(
            Section::Scenes,
            &[
                ("scenes", "mini_program"),
                ("mini_program_name", "李记点餐"),
                ("monthly_volume", "50000.00"),
                ("average_ticket", "30.00"),
                ("service_phone", "0571-88888888"),
            ],
        );
        let mut sa: Vec<(&str, &str)> = crate::domain::application::SELF_QUESTIONS
            .iter()
            .map(|q| (*q, "no"))
            .collect();
        sa.push(("declare_truthful", "yes"));
        sa.push(("declare_authorise", "yes"));
        put(Section::SelfAssessment, &sa);
        a
    }

    fn docs_for(a: &ApplicationData) -> Vec<(DocKind, Option<String>)> {
        required_documents(a)
            .into_iter()
            .flat_map(|n| std::iter::repeat_n((n.kind, n.subject), n.min))
            .collect()
    }

    fn set(a: &mut ApplicationData, s: Section, k: &str, v: &str) {
        a.sections
            .entry(s)
            .or_default()
            .insert(k.to_string(), v.to_string());
    }

    fn codes(a: &ApplicationData) -> Vec<Code> {
        requirements(a, &docs_for(a), &[], today())
            .into_iter()
            .map(|r| r.code)
            .collect()
    }

    #[test]
    fn a_complete_application_owes_nothing() {
        let a = complete();
        assert_eq!(requirements(&a, &docs_for(&a), &[], today()), vec![]);
    }

    #[test]
    fn missing_fields_and_documents_are_listed() {
        let mut a = complete();
        a.sections
            .get_mut(&Section::Entity)
            .unwrap()
            .remove("legal_name");
        let r = requirements(&a, &[], &[], today());
        assert!(r.contains(&Requirement {
            code: Code::Missing,
            target: field(Section::Entity, "legal_name")
        }));
        assert!(r.iter().any(|x| x.target
            == Target::Document {
                kind: DocKind::BusinessLicence,
                subject: None
            }
            && x.code == Code::DocumentMissing { have: 0, need: 1 }));
    }

    #[test]
    fn corporate_account_name_must_equal_legal_name() {
        let mut a = complete();
        set(&mut a, Section::Entity, "subject_type", "enterprise");
        set(
            &mut a,
            Section::Entity,
            "legal_name",
            "杭州测试科技有限公司",
        );
        set(&mut a, Section::Owners, "owners_exempt", "yes");
        set(&mut a, Section::Settlement, "account_type", "corporate");
        set(
            &mut a,
            Section::Settlement,
            "account_name",
            "杭州测试科技公司",
        );
        assert!(codes(&a).contains(&Code::AccountNameMismatch));
        set(
            &mut a,
            Section::Settlement,
            "account_name",
            "杭州测试科技有限公司",
        );
        assert!(!codes(&a).contains(&Code::AccountNameMismatch));
    }

    #[test]
    fn personal_accounts_only_for_individual_businesses_in_the_operators_name() {
        let mut a = complete();
        set(&mut a, Section::Settlement, "account_name", "韩梅梅");
        assert!(codes(&a).contains(&Code::PersonalAccountName));
        set(&mut a, Section::Settlement, "account_name", "李雷");
        set(&mut a, Section::Entity, "subject_type", "enterprise");
        set(&mut a, Section::Owners, "owners_exempt", "yes");
        assert!(codes(&a).contains(&Code::PersonalAccountNotAllowed));
    }

    #[test]
    fn owner_shares_may_not_exceed_100_percent() {
        let mut a = complete();
        set(&mut a, Section::Entity, "subject_type", "enterprise");
        set(&mut a, Section::Settlement, "account_type", "corporate");
        set(
            &mut a,
            Section::Settlement,
            "account_name",
            "杭州西湖区李记小吃店",
        );
        for (id, share) in [("a", "60"), ("b", "45")] {
            set(&mut a, Section::Owners, &format!("owner.{id}.name"), "某人");
            set(
                &mut a,
                Section::Owners,
                &format!("owner.{id}.id_type"),
                "passport",
            );
            set(
                &mut a,
                Section::Owners,
                &format!("owner.{id}.id_number"),
                "E12345678",
            );
            set(&mut a, Section::Owners, &format!("owner.{id}.share"), share);
            set(
                &mut a,
                Section::Owners,
                &format!("owner.{id}.basis"),
                "equity",
            );
        }
        assert!(codes(&a).contains(&Code::OwnerSharesOver100));
        set(&mut a, Section::Owners, "owner.b.share", "40");
        assert!(!codes(&a).contains(&Code::OwnerSharesOver100));
        assert_eq!(codes(&a), vec![], "exactly 100 % is fine");
    }

    #[test]
    fn companies_need_an_owner_unless_exempt_and_eligible() {
        let mut a = complete();
        set(&mut a, Section::Entity, "subject_type", "enterprise");
        set(&mut a, Section::Settlement, "account_type", "corporate");
        set(
            &mut a,
            Section::Settlement,
            "account_name",
            "杭州西湖区李记小吃店",
        );
        assert!(codes(&a).contains(&Code::OwnersMissing));
        set(&mut a, Section::Owners, "owners_exempt", "yes");
        assert!(!codes(&a).contains(&Code::OwnersMissing));
        set(&mut a, Section::Entity, "registered_capital", "10000000.01");
        assert!(codes(&a).contains(&Code::ExemptionNotEligible));
        set(&mut a, Section::Entity, "registered_capital", "10000000.00");
        assert!(!codes(&a).contains(&Code::ExemptionNotEligible));
    }

    #[test]
    fn licence_end_must_be_after_today_unless_long_term() {
        let mut a = complete();
        a.sections
            .get_mut(&Section::Entity)
            .unwrap()
            .remove("licence_long_term");
        assert!(codes(&a).contains(&Code::Missing), "end date now needed");
        set(&mut a, Section::Entity, "licence_end", "2026-11-26");
        assert!(codes(&a).contains(&Code::LicenceExpired));
        set(&mut a, Section::Entity, "licence_end", "2030-01-01");
        assert_eq!(codes(&a), vec![]);
    }

    #[test]
    fn industry_decides_the_permit_and_scenes_the_evidence() {
        let mut a = complete();
        set(&mut a, Section::Entity, "industry", "pharmacy");
        set(&mut a, Section::Scenes, "scenes", "offline,website");
        let r = requirements(&a, &docs_for(&complete()), &[], today());
        let targets: Vec<&Target> = r.iter().map(|x| &x.target).collect();
        assert!(targets.contains(&&Target::Document {
            kind: DocKind::IndustryPermit,
            subject: None
        }));
        assert!(targets.contains(&&Target::Document {
            kind: DocKind::StorePhoto,
            subject: None
        }));
        assert!(targets.contains(&&Target::Document {
            kind: DocKind::IcpScreenshot,
            subject: None
        }));
        assert!(targets.contains(&&field(Section::Scenes, "website_url")));
        assert!(targets.contains(&&field(Section::Scenes, "icp_record")));
        assert!(targets.contains(&&field(Section::Scenes, "store_address")));
    }

    #[test]
    fn open_requests_are_due_until_answered() {
        let a = complete();
        let req = OpenRequest {
            target: field(Section::Entity, "short_name"),
            reason: "mismatch".into(),
            message: "请与门头一致".into(),
        };
        let r = requirements(&a, &docs_for(&a), &[req], today());
        assert_eq!(r.len(), 1);
        assert!(matches!(r[0].code, Code::Requested { .. }));
    }

    #[test]
    fn names_compare_ignoring_spaces_and_bracket_width() {
        assert_eq!(
            normalise_name("杭州（测试）有限公司"),
            normalise_name("杭州(测试) 有限公司")
        );
    }
}
