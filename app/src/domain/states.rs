//! The application state machine (DOMAIN.md, "Application states"). The table here is the
//! only place transitions are defined; the server's transition function applies it with a
//! state and version check in the same transaction as the audit row and any email.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    Draft,
    Submitted,
    InReview,
    InfoRequested,
    PendingSecondApproval,
    Approved,
    Rejected,
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Claim,
    Release,
    RequestInfo,
    Resubmit,
    Approve,
    ProposeApproval,
    SecondApprove,
    SendBack,
    Reject,
    Withdraw,
}

/// Who performs an action: the merchant, or compliance staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Merchant,
    Reviewer,
}

impl AppState {
    pub const ALL: [AppState; 8] = [
        AppState::Draft,
        AppState::Submitted,
        AppState::InReview,
        AppState::InfoRequested,
        AppState::PendingSecondApproval,
        AppState::Approved,
        AppState::Rejected,
        AppState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppState::Draft => "draft",
            AppState::Submitted => "submitted",
            AppState::InReview => "in_review",
            AppState::InfoRequested => "info_requested",
            AppState::PendingSecondApproval => "pending_second_approval",
            AppState::Approved => "approved",
            AppState::Rejected => "rejected",
            AppState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<AppState> {
        AppState::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The merchant may change data and documents (in `InfoRequested` only what was asked for).
    pub fn merchant_editable(self) -> bool {
        matches!(self, AppState::Draft | AppState::InfoRequested)
    }

    /// Final states: the organisation may start a new application.
    pub fn is_closed(self) -> bool {
        matches!(self, AppState::Rejected | AppState::Withdrawn)
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Claim => "claim",
            Action::Release => "release",
            Action::RequestInfo => "request_info",
            Action::Resubmit => "resubmit",
            Action::Approve => "approve",
            Action::ProposeApproval => "propose_approval",
            Action::SecondApprove => "second_approve",
            Action::SendBack => "send_back",
            Action::Reject => "reject",
            Action::Withdraw => "withdraw",
        }
    }

    pub fn side(self) -> Side {
        match self {
            Action::Submit | Action::Resubmit | Action::Withdraw => Side::Merchant,
            _ => Side::Reviewer,
        }
    }
}

/// The state `action` leads to from `from`, if allowed.
pub fn transition(from: AppState, action: Action) -> Option<AppState> {
    use Action as A;
    use AppState as S;
    match (from, action) {
        (S::Draft, A::Submit) => Some(S::Submitted),
        (S::Submitted, A::Claim) => Some(S::InReview),
        (S::InReview, A::Release) => Some(S::Submitted),
        (S::InReview, A::Approve) => Some(S::Approved),
        (S::InReview, A::ProposeApproval) => Some(S::PendingSecondApproval),
        (S::PendingSecondApproval, A::SecondApprove) => Some(S::Approved),
        (S::PendingSecondApproval, A::SendBack) => Some(S::InReview),
        (S::InReview, A::RequestInfo) => Some(S::InfoRequested),
        (S::InfoRequested, A::Resubmit) => Some(S::Submitted),
        (S::InReview, A::Reject) => Some(S::Rejected),
        (S::Draft | S::Submitted | S::InfoRequested, A::Withdraw) => Some(S::Withdrawn),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: [Action; 11] = [
        Action::Submit,
        Action::Claim,
        Action::Release,
        Action::RequestInfo,
        Action::Resubmit,
        Action::Approve,
        Action::ProposeApproval,
        Action::SecondApprove,
        Action::SendBack,
        Action::Reject,
        Action::Withdraw,
    ];

    #[test]
    fn exactly_the_documented_transitions_are_allowed() {
        use Action as A;
        use AppState as S;
        let allowed = [
            (S::Draft, A::Submit, S::Submitted),
            (S::Submitted, A::Claim, S::InReview),
            (S::InReview, A::Release, S::Submitted),
            (S::InReview, A::Approve, S::Approved),
            (S::InReview, A::ProposeApproval, S::PendingSecondApproval),
            (S::PendingSecondApproval, A::SecondApprove, S::Approved),
            (S::PendingSecondApproval, A::SendBack, S::InReview),
            (S::InReview, A::RequestInfo, S::InfoRequested),
            (S::InfoRequested, A::Resubmit, S::Submitted),
            (S::InReview, A::Reject, S::Rejected),
            (S::Draft, A::Withdraw, S::Withdrawn),
            (S::Submitted, A::Withdraw, S::Withdrawn),
            (S::InfoRequested, A::Withdraw, S::Withdrawn),
        ];
        for from in AppState::ALL {
            for action in ACTIONS {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(
                    transition(from, action),
                    expected,
                    "{from:?} --{action:?}-->"
                );
            }
        }
    }

    #[test]
    fn final_states_go_nowhere() {
        for s in [AppState::Approved, AppState::Rejected, AppState::Withdrawn] {
            for a in ACTIONS {
                assert_eq!(transition(s, a), None);
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in AppState::ALL {
            assert_eq!(AppState::parse(s.as_str()), Some(s));
        }
    }
}
