//! Explainable risk scoring: each rule adds points with a visible reason; the total decides
//! the tier. Recomputed at every (re)submission; a reviewer may override the tier with a
//! reason, and both values are kept.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::application::{owner_key, parse_date, ApplicationData, Section};
use super::industry::{industry, RiskLevel};
use super::ledger::normalise_name;
use super::money::MoneyFen;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Low,
    Medium,
    High,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Low, Tier::Medium, Tier::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// < 30 low, 30–59 medium, ≥ 60 high.
    pub fn from_score(score: i32) -> Tier {
        match score {
            s if s >= 60 => Tier::High,
            s if s >= 30 => Tier::Medium,
            _ => Tier::Low,
        }
    }
}

/// One rule that fired: its code (for the reason text) and points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    pub code: String,
    pub points: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub score: i32,
    pub tier: Tier,
    pub factors: Vec<Factor>,
}

/// Self-assessment answers that raise the score when "yes", with their points.
pub const ANSWER_POINTS: &[(&str, i32)] = &[
    ("q_gambling", 40),
    ("q_virtual_currency", 40),
    ("q_prior_penalties", 25),
    ("q_pep", 25),
    ("q_third_party_funds", 20),
    ("q_regulated_goods", 15),
];

/// Scores an application. `unresolved_hits` are screening hits not yet dispositioned.
pub fn assess(app: &ApplicationData, unresolved_hits: usize, today: NaiveDate) -> Assessment {
    let mut factors = Vec::new();
    let mut add = |code: &str, points: i32| {
        factors.push(Factor {
            code: code.to_string(),
            points,
        })
    };

    match app
        .get(Section::Entity, "industry")
        .and_then(industry)
        .map(|i| i.risk)
    {
        Some(RiskLevel::High) => add("industry_high", 35),
        Some(RiskLevel::Medium) => add("industry_medium", 15),
        _ => {}
    }
    if app.get(Section::SelfAssessment, "q_cross_border") == Some("yes") {
        add("cross_border", 20);
    }
    let volume = app
        .get(Section::Scenes, "monthly_volume")
        .and_then(|v| MoneyFen::parse_yuan(v).ok())
        .unwrap_or_default();
    if volume >= MoneyFen(5_000_000 * 100) {
        add("volume_very_high", 15);
    } else if volume >= MoneyFen(1_000_000 * 100) {
        add("volume_high", 8);
    }
    if let Some(start) = app
        .get(Section::Entity, "licence_start")
        .and_then(|d| parse_date(d).ok())
    {
        if today - start < chrono::Duration::days(183) {
            add("young_licence", 10);
        }
    }
    if unresolved_hits > 0 {
        add("screening_hits", 30 * unresolved_hits.min(3) as i32);
    }
    for (q, points) in ANSWER_POINTS {
        if app.get(Section::SelfAssessment, q) == Some("yes") {
            add(q, *points);
        }
    }
    let owners = app.owner_ids();
    if !owners.is_empty()
        && !owners
            .iter()
            .any(|id| app.get(Section::Owners, &owner_key(id, "basis")) == Some("equity"))
    {
        add("control_based_ownership", 10);
    }
    let account_name = app.get(Section::Settlement, "account_name");
    let expected = match app.get(Section::Settlement, "account_type") {
        Some("corporate") => app.get(Section::Entity, "legal_name"),
        Some("personal") => app.get(Section::LegalPerson, "lp_name"),
        _ => None,
    };
    if let (Some(a), Some(e)) = (account_name, expected) {
        if normalise_name(a) != normalise_name(e) {
            add("settlement_name_mismatch", 20);
        }
    }

    let score = factors.iter().map(|f| f.points).sum();
    Assessment {
        score,
        tier: Tier::from_score(score),
        factors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn app(pairs: &[(Section, &str, &str)]) -> ApplicationData {
        let mut a = ApplicationData::default();
        for (s, k, v) in pairs {
            a.sections
                .entry(*s)
                .or_insert_with(BTreeMap::new)
                .insert(k.to_string(), v.to_string());
        }
        a
    }

    #[test]
    fn a_plain_retailer_is_low() {
        let a = app(&[
            (Section::Entity, "industry", "retail"),
            (Section::Entity, "licence_start", "2015-01-01"),
            (Section::Scenes, "monthly_volume", "50000.00"),
        ]);
        let r = assess(&a, 0, today());
        assert_eq!((r.score, r.tier), (0, Tier::Low));
        assert!(r.factors.is_empty());
    }

    #[test]
    fn every_rule_adds_its_points_with_a_reason() {
        let a = app(&[
            (Section::Entity, "industry", "online_games"),
            (Section::Entity, "licence_start", "2026-09-01"),
            (Section::Scenes, "monthly_volume", "6000000"),
            (Section::SelfAssessment, "q_cross_border", "yes"),
            (Section::SelfAssessment, "q_pep", "yes"),
            (Section::Owners, "owner.a.basis", "control"),
            (Section::Settlement, "account_type", "corporate"),
            (Section::Settlement, "account_name", "别的公司"),
            (Section::Entity, "legal_name", "本公司"),
        ]);
        let r = assess(&a, 1, today());
        let codes: Vec<&str> = r.factors.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "industry_high",
                "cross_border",
                "volume_very_high",
                "young_licence",
                "screening_hits",
                "q_pep",
                "control_based_ownership",
                "settlement_name_mismatch"
            ]
        );
        assert_eq!(r.score, 35 + 20 + 15 + 10 + 30 + 25 + 10 + 20);
        assert_eq!(r.tier, Tier::High);
    }

    #[test]
    fn tier_thresholds() {
        assert_eq!(Tier::from_score(29), Tier::Low);
        assert_eq!(Tier::from_score(30), Tier::Medium);
        assert_eq!(Tier::from_score(59), Tier::Medium);
        assert_eq!(Tier::from_score(60), Tier::High);
    }

    #[test]
    fn medium_industry_and_volume_make_medium() {
        let a = app(&[
            (Section::Entity, "industry", "ecommerce"),
            (Section::Scenes, "monthly_volume", "1500000"),
            (Section::SelfAssessment, "q_regulated_goods", "yes"),
        ]);
        let r = assess(&a, 0, today());
        assert_eq!(r.score, 15 + 8 + 15);
        assert_eq!(r.tier, Tier::Medium);
    }
}
