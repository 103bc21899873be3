//! Who may open which page. The server applies this before rendering (redirecting anonymous
//! visitors to the login page with `next`); server functions check again on every call.

use super::roles::{Permission, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    /// Anyone.
    Public,
    /// Any signed-in user who finished the second factor.
    SignedIn,
    /// A signed-in, verified user whose role has the permission.
    Requires(Permission),
    /// As `Requires`, for pages several roles share: any one of the permissions.
    RequiresAny(&'static [Permission]),
    /// The second step of a staff login (a session waiting for its code).
    MfaStep,
    /// TOTP enrolment: signed-in users, and staff logins that must enrol first.
    MfaEnrolment,
    /// The email verification page (with or without a session).
    Verification,
}

/// Account managers assign fees; compliance leads approve rates below the floor.
pub const FEE_MERCHANTS: &[Permission] = &[Permission::FeesManage, Permission::FeeFloorApprove];
/// Account managers send contracts; compliance leads read them when approving rates.
pub const FEE_CONTRACTS: &[Permission] = &[Permission::ContractsSend, Permission::FeeFloorApprove];

pub fn page_access(path: &str) -> PageAccess {
    let path = path.trim_end_matches('/');
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    match path {
        "/login/mfa" => PageAccess::MfaStep,
        "/account/mfa" => PageAccess::MfaEnrolment,
        "/verify-email" => PageAccess::Verification,
        _ if under("/admin/users") => PageAccess::Requires(Permission::UsersManage),
        _ if under("/admin/audit") => PageAccess::Requires(Permission::AuditView),
        "/review/templates" => PageAccess::Requires(Permission::ChecklistTemplatesEdit),
        _ if under("/review") => PageAccess::Requires(Permission::ReviewWork),
        _ if under("/dashboard") => PageAccess::Requires(Permission::DashboardView),
        _ if under("/admin/mailbox") => PageAccess::Requires(Permission::MailboxView),
        "/portal/contract" => PageAccess::Requires(Permission::OwnContractAccept),
        _ if under("/portal") => PageAccess::Requires(Permission::OwnApplicationEdit),
        _ if under("/fees/merchants") => PageAccess::RequiresAny(FEE_MERCHANTS),
        _ if under("/fees/contracts") => PageAccess::RequiresAny(FEE_CONTRACTS),
        _ if under("/fees") => PageAccess::Requires(Permission::FeesManage),
        _ if under("/account") => PageAccess::SignedIn,
        _ => PageAccess::Public,
    }
}

/// Where a user lands after login when no `next` was asked for.
pub fn home_for(role: Role) -> &'static str {
    match role {
        Role::Merchant => "/portal",
        Role::Reviewer | Role::ComplianceLead => "/review",
        Role::Admin => "/admin/users",
        Role::AccountManager => "/dashboard",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(page_access("/"), PageAccess::Public);
        assert_eq!(page_access("/login"), PageAccess::Public);
        assert_eq!(page_access("/login/mfa"), PageAccess::MfaStep);
        assert_eq!(page_access("/account"), PageAccess::SignedIn);
        assert_eq!(page_access("/account/"), PageAccess::SignedIn);
        assert_eq!(page_access("/account/mfa"), PageAccess::MfaEnrolment);
        assert_eq!(
            page_access("/fees/new"),
            PageAccess::Requires(Permission::FeesManage)
        );
        assert_eq!(
            page_access("/fees/merchants/x"),
            PageAccess::RequiresAny(FEE_MERCHANTS)
        );
        assert_eq!(
            page_access("/fees/contracts/x"),
            PageAccess::RequiresAny(FEE_CONTRACTS)
        );
        assert_eq!(
            page_access("/portal/contract"),
            PageAccess::Requires(Permission::OwnContractAccept)
        );
        assert_eq!(
            page_access("/admin/users"),
            PageAccess::Requires(Permission::UsersManage)
        );
        assert_eq!(
            page_access("/admin/mailbox"),
            PageAccess::Requires(Permission::MailboxView)
        );
        assert_eq!(page_access("/administrator"), PageAccess::Public);
        assert_eq!(
            page_access("/review"),
            PageAccess::Requires(Permission::ReviewWork)
        );
        assert_eq!(
            page_access("/review/7b0c"),
            PageAccess::Requires(Permission::ReviewWork)
        );
        assert_eq!(
            page_access("/review/templates"),
            PageAccess::Requires(Permission::ChecklistTemplatesEdit)
        );
        assert_eq!(
            page_access("/dashboard"),
            PageAccess::Requires(Permission::DashboardView)
        );
        assert_eq!(
            page_access("/admin/audit"),
            PageAccess::Requires(Permission::AuditView)
        );
        assert_eq!(
            page_access("/portal/application/entity"),
            PageAccess::Requires(Permission::OwnApplicationEdit)
        );
    }
}
