//! Industry categories: their risk level (an input to risk scoring) and whether a permit
//! (行业资质) must be uploaded.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Industry {
    pub code: &'static str,
    pub risk: RiskLevel,
    pub needs_permit: bool,
}

/// The catalogue; the codes are stored in applications, so only ever add to it.
pub const INDUSTRIES: &[Industry] = &[
    Industry {
        code: "retail",
        risk: RiskLevel::Low,
        needs_permit: false,
    },
    Industry {
        code: "catering",
        risk: RiskLevel::Low,
        needs_permit: true,
    },
    Industry {
        code: "software",
        risk: RiskLevel::Low,
        needs_permit: false,
    },
    Industry {
        code: "logistics",
        risk: RiskLevel::Low,
        needs_permit: false,
    },
    Industry {
        code: "ecommerce",
        risk: RiskLevel::Medium,
        needs_permit: false,
    },
    Industry {
        code: "education",
        risk: RiskLevel::Medium,
        needs_permit: true,
    },
    Industry {
        code: "travel",
        risk: RiskLevel::Medium,
        needs_permit: true,
    },
    Industry {
        code: "healthcare",
        risk: RiskLevel::High,
        needs_permit: true,
    },
    Industry {
        code: "pharmacy",
        risk: RiskLevel::High,
        needs_permit: true,
    },
    Industry {
        code: "online_games",
        risk: RiskLevel::High,
        needs_permit: true,
    },
    Industry {
        code: "precious_metals",
        risk: RiskLevel::High,
        needs_permit: true,
    },
    Industry {
        code: "cross_border_trade",
        risk: RiskLevel::High,
        needs_permit: false,
    },
];

pub fn industry(code: &str) -> Option<&'static Industry> {
    INDUSTRIES.iter().find(|i| i.code == code)
}

pub fn codes() -> Vec<&'static str> {
    INDUSTRIES.iter().map(|i| i.code).collect()
}
