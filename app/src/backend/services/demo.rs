//! Demo data for `make run` (dev mode only; production refuses GATEHOUSE_SEED_DEMO).

use serde_json::json;

use crate::backend::audit::{self, Actor, Event};
use crate::backend::crypto;
use crate::backend::db;
use crate::backend::state::AppState;
use crate::domain::roles::Role;
use crate::error::AppError;

/// Published on purpose: these accounts exist only in dev mode.
pub const DEMO_PASSWORD: &str = "gatehouse-demo-2026";

pub struct DemoLogin {
    pub role: Role,
    pub email: String,
}

pub const DEMO_ACCOUNTS: [(Role, &str, &str); 5] = [
    (Role::Admin, "admin@gatehouse.test", "Demo Admin 管理员"),
    (
        Role::Reviewer,
        "reviewer@gatehouse.test",
        "Demo Reviewer 审核员",
    ),
    (
        Role::ComplianceLead,
        "lead@gatehouse.test",
        "Demo Lead 合规主管",
    ),
    (
        Role::AccountManager,
        "am@gatehouse.test",
        "Demo Account Manager 客户经理",
    ),
    (Role::Merchant, "merchant@demo-merchant.test", "李雷 Li Lei"),
];

/// Creates the demo accounts that do not exist yet; idempotent.
pub async fn seed(state: &AppState) -> Result<Vec<DemoLogin>, AppError> {
    assert!(
        !state.settings.is_production(),
        "demo data is never seeded in production"
    );
    let hash = crypto::hash_password_blocking(DEMO_PASSWORD.to_string())
        .await
        .map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    for (role, email, name) in DEMO_ACCOUNTS {
        if db::users::by_email(&state.db, email).await?.is_some() {
            continue;
        }
        let organisation_id = if role == Role::Merchant {
            Some(
                db::users::insert_organisation(&mut tx, "演示商贸有限公司 Demo Trading Co., Ltd.")
                    .await?,
            )
        } else {
            None
        };
        let new = db::users::NewUser {
            organisation_id,
            email,
            name,
            mobile: (role == Role::Merchant).then_some("13800138000"),
            role: role.as_str(),
            password_hash: Some(&hash),
            lang: "zh-CN",
            verified: true,
        };
        if let Some(id) = db::users::insert(&mut tx, &new).await? {
            audit::append(
                &mut tx,
                &Actor::system("demo-seed"),
                Event {
                    action: "user.created",
                    object_type: "user",
                    object_id: id.to_string(),
                    details: json!({"email": email, "role": role.as_str(), "demo": true}),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(DEMO_ACCOUNTS
        .iter()
        .map(|(role, email, _)| DemoLogin {
            role: *role,
            email: email.to_string(),
        })
        .collect())
}
