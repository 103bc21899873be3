//! The merchant application: its sections and fields (a schema the forms are drawn from),
//! per-field normalisation with the identifier rules, completeness, and the cross-field
//! rules. Section data is a flat map of field key → normalised text, so drafts can be
//! incomplete and a diff between two submissions is a diff of two maps.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::contact::{Email, Mobile};
use super::identifiers::{AccountNumber, Cnaps, ResidentId, Uscc};
use super::industry;
use super::money::{MoneyFen, SharePercent};
use super::problem::{required_text, Problem};

pub type SectionData = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Entity,
    LegalPerson,
    Owners,
    Settlement,
    Contact,
    Scenes,
    SelfAssessment,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Entity,
        Section::LegalPerson,
        Section::Owners,
        Section::Settlement,
        Section::Contact,
        Section::Scenes,
        Section::SelfAssessment,
    ];

    /// URL segment and storage key.
    pub fn slug(self) -> &'static str {
        match self {
            Section::Entity => "entity",
            Section::LegalPerson => "legal-person",
            Section::Owners => "owners",
            Section::Settlement => "settlement",
            Section::Contact => "contact",
            Section::Scenes => "scenes",
            Section::SelfAssessment => "self-assessment",
        }
    }

    pub fn from_slug(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.slug() == s)
    }

    /// The fixed fields of the section (owners add `owner.<id>.<field>` rows, see [`OWNER_FIELDS`]).
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Section::Entity => ENTITY,
            Section::LegalPerson => LEGAL_PERSON,
            Section::Owners => OWNERS,
            Section::Settlement => SETTLEMENT,
            Section::Contact => CONTACT,
            Section::Scenes => SCENES,
            Section::SelfAssessment => SELF_ASSESSMENT,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text {
        max: usize,
    },
    LongText {
        max: usize,
    },
    Choice(&'static [&'static str]),
    /// Several of the choices, stored comma-separated in choice order.
    Multi(&'static [&'static str]),
    Industry,
    /// A box ticked to agree or declare: stored as "yes" or absent.
    Flag,
    /// A question answered yes or no.
    YesNo,
    Date,
    Yuan,
    Share,
    Uscc,
    /// The number of the document whose type is in the field named here.
    IdNumber {
        type_field: &'static str,
    },
    Cnaps,
    Account,
    Mobile,
    Email,
    Phone,
    Url,
}

/// When a field must be filled for the application to be complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Always,
    Optional,
    /// Required when the rule holds for the application.
    When(Rule),
}

/// Conditions fields depend on (named, so they can be tested and shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    LicenceNotLongTerm,
    IdNotLongTerm,
    SceneWebsite,
    SceneApp,
    SceneMiniProgram,
    SceneOffline,
    ContactNotLegalPerson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    pub kind: FieldKind,
    pub need: Need,
}

const fn f(key: &'static str, kind: FieldKind, need: Need) -> FieldSpec {
    FieldSpec { key, kind, need }
}

use FieldKind as K;
use Need::{Always, Optional, When};

pub const SUBJECT_TYPES: &[&str] = &[
    "enterprise",
    "individual_business",
    "public_institution",
    "other_organisation",
];
pub const ID_TYPES: &[&str] = &[
    "resident_id",
    "passport",
    "hk_macao_permit",
    "taiwan_permit",
];
pub const ACCOUNT_TYPES: &[&str] = &["corporate", "personal"];
pub const CONTACT_ROLES: &[&str] = &[
    "legal_person",
    "finance",
    "operations",
    "technical",
    "other",
];
pub const SCENES_LIST: &[&str] = &["offline", "website", "app", "mini_program"];
pub const OWNER_BASES: &[&str] = &["equity", "income", "voting", "control", "senior_manager"];
pub const SELF_QUESTIONS: &[&str] = &[
    "q_regulated_goods",
    "q_gambling",
    "q_virtual_currency",
    "q_cross_border",
    "q_prior_penalties",
    "q_pep",
    "q_third_party_funds",
];

pub const ENTITY: &[FieldSpec] = &[
    f("subject_type", K::Choice(SUBJECT_TYPES), Always),
    f("legal_name", K::Text { max: 100 }, Always),
    f("short_name", K::Text { max: 20 }, Always),
    f("uscc", K::Uscc, Always),
    f("registered_address", K::Text { max: 200 }, Always),
    f("licence_start", K::Date, Always),
    f("licence_long_term", K::Flag, Optional),
    f("licence_end", K::Date, When(Rule::LicenceNotLongTerm)),
    f("registered_capital", K::Yuan, Always),
    f("business_scope", K::LongText { max: 2000 }, Always),
    f("industry", K::Industry, Always),
];

pub const LEGAL_PERSON: &[FieldSpec] = &[
    f("lp_name", K::Text { max: 50 }, Always),
    f("lp_id_type", K::Choice(ID_TYPES), Always),
    f(
        "lp_id_number",
        K::IdNumber {
            type_field: "lp_id_type",
        },
        Always,
    ),
    f("lp_id_valid_from", K::Date, Always),
    f("lp_id_long_term", K::Flag, Optional),
    f("lp_id_valid_to", K::Date, When(Rule::IdNotLongTerm)),
    f("lp_mobile", K::Mobile, Always),
];

/// Section-level fields of the owners section; each owner adds [`OWNER_FIELDS`].
pub const OWNERS: &[FieldSpec] = &[f("owners_exempt", K::Flag, Optional)];

pub const OWNER_FIELDS: &[FieldSpec] = &[
    f("name", K::Text { max: 50 }, Always),
    f("id_type", K::Choice(ID_TYPES), Always),
    f(
        "id_number",
        K::IdNumber {
            type_field: "id_type",
        },
        Always,
    ),
    f("share", K::Share, Always),
    f("basis", K::Choice(OWNER_BASES), Always),
];

pub const SETTLEMENT: &[FieldSpec] = &[
    f("account_type", K::Choice(ACCOUNT_TYPES), Always),
    f("account_name", K::Text { max: 100 }, Always),
    f("bank_name", K::Text { max: 100 }, Always),
    f("branch_name", K::Text { max: 100 }, Always),
    f("cnaps", K::Cnaps, Always),
    f("account_number", K::Account, Always),
    f("province", K::Text { max: 30 }, Always),
    f("city", K::Text { max: 30 }, Always),
];

pub const CONTACT: &[FieldSpec] = &[
    f("contact_is_legal_person", K::Flag, Optional),
    f("contact_name", K::Text { max: 50 }, Always),
    f("contact_mobile", K::Mobile, Always),
    f("contact_email", K::Email, Always),
    f("contact_role", K::Choice(CONTACT_ROLES), Always),
];

pub const SCENES: &[FieldSpec] = &[
    f("scenes", K::Multi(SCENES_LIST), Always),
    f(
        "store_address",
        K::Text { max: 200 },
        When(Rule::SceneOffline),
    ),
    f("website_url", K::Url, When(Rule::SceneWebsite)),
    f("icp_record", K::Text { max: 40 }, When(Rule::SceneWebsite)),
    f("app_name", K::Text { max: 50 }, When(Rule::SceneApp)),
    f(
        "mini_program_name",
        K::Text { max: 50 },
        When(Rule::SceneMiniProgram),
    ),
    f("monthly_volume", K::Yuan, Always),
    f("average_ticket", K::Yuan, Always),
    f("service_phone", K::Phone, Always),
];

pub const SELF_ASSESSMENT: &[FieldSpec] = &[
    f("q_regulated_goods", K::YesNo, Always),
    f("q_gambling", K::YesNo, Always),
    f("q_virtual_currency", K::YesNo, Always),
    f("q_cross_border", K::YesNo, Always),
    f("q_prior_penalties", K::YesNo, Always),
    f("q_pep", K::YesNo, Always),
    f("q_third_party_funds", K::YesNo, Always),
    f("declare_truthful", K::Flag, Always),
    f("declare_authorise", K::Flag, Always),
];

/// Normalises one submitted value: the stored text, or the problem with it. Empty values
/// are `Ok(None)` (a draft may be incomplete; the ledger lists what is missing).
pub fn normalise(
    kind: FieldKind,
    value: &str,
    id_type: Option<&str>,
    today: NaiveDate,
) -> Result<Option<String>, Problem> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let out = match kind {
        K::Text { max } | K::LongText { max } => required_text(v, max)?,
        K::Choice(options) => options
            .iter()
            .find(|o| **o == v)
            .ok_or(Problem::ChoiceInvalid)?
            .to_string(),
        K::Multi(options) => {
            let chosen: Vec<&str> = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if chosen.iter().any(|c| !options.contains(c)) {
                return Err(Problem::ChoiceInvalid);
            }
            let ordered: Vec<&str> = options
                .iter()
                .copied()
                .filter(|o| chosen.contains(o))
                .collect();
            if ordered.is_empty() {
                return Ok(None);
            }
            ordered.join(",")
        }
        K::Industry => industry::industry(v)
            .ok_or(Problem::ChoiceInvalid)?
            .code
            .to_string(),
        K::Flag => match v {
            "yes" | "on" | "true" => "yes".to_string(),
            "no" | "off" | "false" => return Ok(None),
            _ => return Err(Problem::ChoiceInvalid),
        },
        K::YesNo => match v {
            "yes" | "no" => v.to_string(),
            _ => return Err(Problem::ChoiceInvalid),
        },
        K::Date => parse_date(v)?.format("%Y-%m-%d").to_string(),
        K::Yuan => MoneyFen::parse_yuan(v)?.input_string(),
        K::Share => SharePercent::parse(v)?.percent_string(),
        K::Uscc => Uscc::parse(v)?.as_str().to_string(),
        K::IdNumber { .. } => match id_type {
            Some("resident_id") | None => ResidentId::parse(v, today)?.as_str().to_string(),
            Some(_) => {
                let s: String = v
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_uppercase();
                if (5..=20).contains(&s.len())
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'(' || b == b')')
                {
                    s
                } else {
                    return Err(Problem::IdNumberFormat);
                }
            }
        },
        K::Cnaps => Cnaps::parse(v)?.as_str().to_string(),
        K::Account => AccountNumber::parse(v)?.as_str().to_string(),
        K::Mobile => Mobile::parse(v)?.as_str().to_string(),
        K::Email => Email::parse(v)?.as_str().to_string(),
        K::Phone => {
            let s: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            let digits = s.bytes().filter(u8::is_ascii_digit).count();
            if (5..=20).contains(&digits)
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
            {
                s
            } else {
                return Err(Problem::PhoneInvalid);
            }
        }
        K::Url => {
            let lower = v.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"))
                .ok_or(Problem::UrlInvalid)?;
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            if host.contains('.') && !host.contains(' ') && v.len() <= 300 {
                v.to_string()
            } else {
                return Err(Problem::UrlInvalid);
            }
        }
    };
    Ok(Some(out))
}

pub fn parse_date(v: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| Problem::DateInvalid)
}

/// Turns posted form fields into section data: a multi-choice arrives as one
/// `<key>.<option>` per ticked box and is joined into `<key>` = "a,b"; the rest pass through.
pub fn collect_form(
    section: Section,
    form: impl IntoIterator<Item = (String, String)>,
) -> SectionData {
    let mut form: SectionData = form.into_iter().collect();
    for spec in section.fields() {
        if let K::Multi(options) = spec.kind {
            let ticked: Vec<&str> = options
                .iter()
                .copied()
                .filter(|o| {
                    form.remove(&format!("{}.{o}", spec.key))
                        .is_some_and(|v| v == "yes" || v == "on")
                })
                .collect();
            if !ticked.is_empty() || !form.contains_key(spec.key) {
                form.insert(spec.key.to_string(), ticked.join(","));
            }
        }
    }
    form
}

/// The data key of an owner row's field.
pub fn owner_key(id: &str, field: &str) -> String {
    format!("owner.{id}.{field}")
}

/// Ids of the owners in a section's data, in insertion order of their ids' first appearance
/// (ids are time-ordered, see [`new_owner_id`]).
pub fn owner_ids(data: &SectionData) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for k in data.keys() {
        if let Some(rest) = k.strip_prefix("owner.") {
            if let Some((id, _)) = rest.split_once('.') {
                if !ids.iter().any(|i| i == id) {
                    ids.push(id.to_string());
                }
            }
        }
    }
    ids
}

/// Problems with the submitted values of one section, field by field, and the normalised
/// data to store. Owner rows come in as `owner.<id>.<field>`; `owner.<id>.remove = yes`
/// drops a row; a row with every field empty is dropped too.
pub fn normalise_section(
    section: Section,
    submitted: &SectionData,
    today: NaiveDate,
) -> Result<SectionData, Vec<(String, Problem)>> {
    let mut out = SectionData::new();
    let mut problems = Vec::new();
    let mut put =
        |key: String, spec: &FieldSpec, id_type: Option<&str>, value: &str| match normalise(
            spec.kind, value, id_type, today,
        ) {
            Ok(Some(v)) => {
                out.insert(key, v);
            }
            Ok(None) => {}
            Err(p) => problems.push((key, p)),
        };
    for spec in section.fields() {
        let value = submitted.get(spec.key).map(String::as_str).unwrap_or("");
        let id_type = match spec.kind {
            K::IdNumber { type_field } => submitted.get(type_field).map(String::as_str),
            _ => None,
        };
        put(spec.key.to_string(), spec, id_type, value);
    }
    if section == Section::Owners {
        for id in owner_ids(submitted) {
            let valid_id = !id.is_empty()
                && id.len() <= 40
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let removed = submitted
                .get(&owner_key(&id, "remove"))
                .is_some_and(|v| v == "yes" || v == "on");
            let empty = OWNER_FIELDS.iter().all(|s| {
                submitted
                    .get(&owner_key(&id, s.key))
                    .is_none_or(|v| v.trim().is_empty() || s.key == "id_type" || s.key == "basis")
            });
            if !valid_id || removed || empty {
                continue;
            }
            for spec in OWNER_FIELDS {
                let value = submitted
                    .get(&owner_key(&id, spec.key))
                    .map(String::as_str)
                    .unwrap_or("");
                let id_type = submitted
                    .get(&owner_key(&id, "id_type"))
                    .map(String::as_str);
                put(owner_key(&id, spec.key), spec, id_type, value);
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The whole application's data, by section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationData {
    pub sections: BTreeMap<Section, SectionData>,
}

impl ApplicationData {
    pub fn get(&self, section: Section, key: &str) -> Option<&str> {
        self.sections
            .get(&section)
            .and_then(|d| d.get(key))
            .map(String::as_str)
    }

    fn flag(&self, section: Section, key: &str) -> bool {
        self.get(section, key) == Some("yes")
    }

    pub fn subject_type(&self) -> Option<&str> {
        self.get(Section::Entity, "subject_type")
    }

    pub fn scenes(&self) -> Vec<&str> {
        self.get(Section::Scenes, "scenes")
            .map(|s| s.split(',').collect())
            .unwrap_or_default()
    }

    pub fn holds(&self, rule: Rule) -> bool {
        match rule {
            Rule::LicenceNotLongTerm => !self.flag(Section::Entity, "licence_long_term"),
            Rule::IdNotLongTerm => !self.flag(Section::LegalPerson, "lp_id_long_term"),
            Rule::SceneWebsite => self.scenes().contains(&"website"),
            Rule::SceneApp => self.scenes().contains(&"app"),
            Rule::SceneMiniProgram => self.scenes().contains(&"mini_program"),
            Rule::SceneOffline => self.scenes().contains(&"offline"),
            Rule::ContactNotLegalPerson => !self.flag(Section::Contact, "contact_is_legal_person"),
        }
    }

    pub fn needed(&self, spec: &FieldSpec) -> bool {
        match spec.need {
            Need::Always => true,
            Need::Optional => false,
            Need::When(rule) => self.holds(rule),
        }
    }

    pub fn owner_ids(&self) -> Vec<String> {
        self.sections
            .get(&Section::Owners)
            .map(owner_ids)
            .unwrap_or_default()
    }

    /// Owners must be declared (companies), unless exempt by type or by commitment.
    pub fn owners_required(&self) -> bool {
        matches!(
            self.subject_type(),
            Some("enterprise") | Some("other_organisation")
        ) && !self.flag(Section::Owners, "owners_exempt")
    }

    /// (filled, needed) for the section's completeness meter.
    pub fn completeness(&self, section: Section) -> (usize, usize) {
        let mut filled = 0;
        let mut needed = 0;
        for spec in section.fields() {
            if self.needed(spec) {
                needed += 1;
                if self.get(section, spec.key).is_some() {
                    filled += 1;
                }
            }
        }
        if section == Section::Owners {
            let ids = self.owner_ids();
            if self.owners_required() && ids.is_empty() {
                needed += 1;
            }
            for id in ids {
                for spec in OWNER_FIELDS {
                    needed += 1;
                    if self.get(section, &owner_key(&id, spec.key)).is_some() {
                        filled += 1;
                    }
                }
            }
        }
        (filled, needed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifiers::synthetic;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn map(pairs: &[(&str, &str)]) -> SectionData {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn sections_have_stable_slugs() {
        for s in Section::ALL {
            assert_eq!(Section::from_slug(s.slug()), Some(s));
        }
    }

    #[test]
    fn entity_fields_normalise_or_name_the_problem() {
        let ok = normalise_section(
            Section::Entity,
            &map(&[
                ("uscc", " 91350100m000100y43 "),
                ("registered_capital", "1,000,000"),
                ("subject_type", "enterprise"),
                ("legal_name", ""),
            ]),
            today(),
        )
        .unwrap();
        assert_eq!(ok["uscc"], "91350100M000100Y43");
        assert_eq!(ok["registered_capital"], "1000000.00");
        assert!(
            !ok.contains_key("legal_name"),
            "empty stays empty in a draft"
        );

        let err = normalise_section(
            Section::Entity,
            &map(&[
                ("uscc", "91350100M000100Y44"),
                ("subject_type", "bank"),
                ("licence_start", "2026-02-30"),
            ]),
            today(),
        )
        .unwrap_err();
        let problems: BTreeMap<String, Problem> = err.into_iter().collect();
        assert_eq!(problems["uscc"], Problem::UsccCheckDigit);
        assert_eq!(problems["subject_type"], Problem::ChoiceInvalid);
        assert_eq!(problems["licence_start"], Problem::DateInvalid);
    }

    #[test]
    fn id_numbers_follow_their_type() {
        let adult = synthetic::resident_id(NaiveDate::from_ymd_opt(1980, 1, 2).unwrap(), 7);
        let ok = normalise_section(
            Section::LegalPerson,
            &map(&[("lp_id_type", "resident_id"), ("lp_id_number", &adult)]),
            today(),
        )
        .unwrap();
        assert_eq!(ok["lp_id_number"], adult);
        let err = normalise_section(
            Section::LegalPerson,
            &map(&[("lp_id_type", "resident_id"), ("lp_id_number", "E12345678")]),
            today(),
        )
        .unwrap_err();
        assert_eq!(err[0].1, Problem::ResidentIdFormat);
        let passport = normalise_section(
            Section::LegalPerson,
            &map(&[("lp_id_type", "passport"), ("lp_id_number", "e1234 5678")]),
            today(),
        )
        .unwrap();
        assert_eq!(passport["lp_id_number"], "E12345678");
    }

    #[test]
    fn owner_rows_are_kept_removed_or_dropped() {
        let id = synthetic::resident_id(NaiveDate::from_ymd_opt(1975, 3, 4).unwrap(), 1);
        let submitted = map(&[
            ("owner.a1.name", "王五"),
            ("owner.a1.id_type", "resident_id"),
            ("owner.a1.id_number", &id),
            ("owner.a1.share", "60"),
            ("owner.a1.basis", "equity"),
            ("owner.b2.name", "赵六"),
            ("owner.b2.remove", "yes"),
            ("owner.c3.id_type", "resident_id"),
            ("owner.c3.basis", "equity"),
            ("owner.../x.name", "bad id"),
        ]);
        let out = normalise_section(Section::Owners, &submitted, today()).unwrap();
        assert_eq!(owner_ids(&out), vec!["a1".to_string()]);
        assert_eq!(out["owner.a1.share"], "60");
    }

    #[test]
    fn multi_choices_are_collected_from_checkboxes() {
        let form = vec![
            ("scenes.website".to_string(), "yes".to_string()),
            ("scenes.offline".to_string(), "on".to_string()),
            ("monthly_volume".to_string(), "1".to_string()),
        ];
        let d = collect_form(Section::Scenes, form);
        assert_eq!(d["scenes"], "offline,website");
        assert_eq!(d["monthly_volume"], "1");
        assert_eq!(
            collect_form(Section::Scenes, vec![])["scenes"],
            "",
            "no box ticked clears the choice"
        );
    }

    #[test]
    fn completeness_counts_conditional_fields() {
        let mut app = ApplicationData::default();
        app.sections
            .insert(Section::Scenes, map(&[("scenes", "offline,website")]));
        let (_, needed_with_web) = app.completeness(Section::Scenes);
        app.sections
            .insert(Section::Scenes, map(&[("scenes", "offline")]));
        let (filled, needed) = app.completeness(Section::Scenes);
        assert_eq!(
            needed_with_web,
            needed + 2,
            "website adds URL and ICP record"
        );
        assert_eq!(filled, 1);
    }
}
