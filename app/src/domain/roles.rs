//! Roles and what each may do. The server checks a [`Permission`] as the first line of every
//! server function and handler; the UI uses the same table to decide what to show.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Merchant,
    Reviewer,
    ComplianceLead,
    AccountManager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Merchant,
        Role::Reviewer,
        Role::ComplianceLead,
        Role::AccountManager,
        Role::Admin,
    ];
    pub const STAFF: [Role; 4] = [
        Role::Reviewer,
        Role::ComplianceLead,
        Role::AccountManager,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Merchant => "merchant",
            Role::Reviewer => "reviewer",
            Role::ComplianceLead => "compliance_lead",
            Role::AccountManager => "account_manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn is_staff(self) -> bool {
        self != Role::Merchant
    }

    pub fn can(self, p: Permission) -> bool {
        permissions(self).contains(&p)
    }

    /// Staff idle out after 30 minutes, merchants after 2 hours.
    pub fn idle_timeout_secs(self) -> i32 {
        if self.is_staff() {
            30 * 60
        } else {
            2 * 60 * 60
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    // Merchant, always scoped to the user's own organisation.
    OwnApplicationEdit,
    OwnDocuments,
    OwnContractAccept,
    OwnCredentials,
    OrganisationInvite,
    // Compliance.
    ReviewWork,
    ReviewSecondApproval,
    ReviewReassign,
    ChecklistTemplatesEdit,
    ScreeningManage,
    DocumentsViewAny,
    MerchantSuspend,
    DashboardView,
    // Commercial.
    FeesManage,
    ContractsSend,
    ProductionConfirm,
    FeeFloorApprove,
    // Operations.
    UsersManage,
    AuditView,
    MailboxView,
}

pub fn permissions(role: Role) -> &'static [Permission] {
    use Permission::*;
    match role {
        Role::Merchant => &[
            OwnApplicationEdit,
            OwnDocuments,
            OwnContractAccept,
            OwnCredentials,
            OrganisationInvite,
        ],
        Role::Reviewer => &[ReviewWork, DocumentsViewAny, DashboardView],
        Role::ComplianceLead => &[
            ReviewWork,
            ReviewSecondApproval,
            ReviewReassign,
            ChecklistTemplatesEdit,
            ScreeningManage,
            DocumentsViewAny,
            MerchantSuspend,
            DashboardView,
            ProductionConfirm,
            FeeFloorApprove,
        ],
        Role::AccountManager => &[FeesManage, ContractsSend, ProductionConfirm, DashboardView],
        Role::Admin => &[
            UsersManage,
            AuditView,
            MailboxView,
            MerchantSuspend,
            DashboardView,
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn merchants_have_no_staff_permission_and_staff_no_merchant_one() {
        use Permission::*;
        let merchant_only = [
            OwnApplicationEdit,
            OwnDocuments,
            OwnContractAccept,
            OwnCredentials,
            OrganisationInvite,
        ];
        for p in permissions(Role::Merchant) {
            assert!(merchant_only.contains(p));
        }
        for r in Role::STAFF {
            for p in merchant_only {
                assert!(!r.can(p), "{r:?} must not have {p:?}");
            }
        }
    }

    #[test]
    fn only_leads_second_approve_and_only_admins_manage_users() {
        for r in Role::ALL {
            assert_eq!(
                r.can(Permission::ReviewSecondApproval),
                r == Role::ComplianceLead
            );
            assert_eq!(r.can(Permission::UsersManage), r == Role::Admin);
        }
    }
}
