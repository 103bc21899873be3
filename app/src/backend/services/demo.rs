//! Demo data for `make run` (dev mode only; production refuses GATEHOUSE_SEED_DEMO): one
//! account per role and several merchant organisations with applications in different
//! states. Identifiers are synthetic with valid check digits; documents are generated.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use crate::backend::audit::{self, Actor, Event};
use crate::backend::auth::CurrentUser;
use crate::backend::crypto;
use crate::backend::db;
use crate::backend::request::RequestCtx;
use crate::backend::services::{applications, documents};
use crate::backend::state::AppState;
use crate::domain::application::{owner_key, Section, SectionData, SELF_QUESTIONS};
use crate::domain::documents::{required_documents, DocKind};
use crate::domain::identifiers::synthetic;
use crate::domain::lang::Lang;
use crate::domain::roles::Role;
use crate::error::AppError;

/// Published on purpose: these accounts exist only in dev mode.
pub const DEMO_PASSWORD: &str = "gatehouse-demo-2026";

pub struct DemoLogin {
    pub role: Role,
    pub email: String,
}

pub const DEMO_ACCOUNTS: [(Role, &str, &str); 6] = [
    (Role::Admin, "admin@gatehouse.test", "Demo Admin 管理员"),
    // A second lead, so four-eyes approval can be tried.
    (
        Role::ComplianceLead,
        "lead2@gatehouse.test",
        "Demo Lead Two 合规主管二",
    ),
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

/// Demo merchants beyond the main one: (email, organisation, state to leave it in).
const DEMO_MERCHANTS: [(&str, &str, &str); 5] = [
    // Approved by the demo reviewer: ready for a fee schedule and contract.
    (
        "finance@xixi-bakery.test",
        "杭州西溪烘焙有限公司",
        "approved",
    ),
    (
        "risk@golden-dragon.test",
        "金龙网络游戏有限公司",
        "submitted_high",
    ),
    (
        "owner@west-lake-tea.test",
        "杭州西湖茶庄有限公司",
        "submitted",
    ),
    ("boss@qiantang-noodles.test", "钱塘面馆", "draft_complete"),
    (
        "ceo@yunqi-software.test",
        "云栖软件科技有限公司",
        "withdrawn",
    ),
];

/// A complete, valid application for a demo or test organisation. `seed` varies the
/// synthetic identifiers; `company` picks an enterprise with one beneficial owner (else an
/// individual business settling to the operator's own account).
pub fn sample_sections(
    legal_name: &str,
    company: bool,
    seed: u64,
) -> BTreeMap<Section, SectionData> {
    let mut out = BTreeMap::new();
    let lp_id = synthetic::resident_id(
        NaiveDate::from_ymd_opt(1978 + (seed % 20) as i32, 3, 14).expect("valid date"),
        seed % 1000,
    );
    let owner_id = synthetic::resident_id(
        NaiveDate::from_ymd_opt(1970, 8, 1).expect("valid date"),
        (seed + 1) % 1000,
    );
    let mut put = |s: Section, pairs: Vec<(String, String)>| {
        out.insert(s, pairs.into_iter().collect::<SectionData>());
    };
    let p = |k: &str, v: &str| (k.to_string(), v.to_string());
    put(
        Section::Entity,
        vec![
            p(
                "subject_type",
                if company {
                    "enterprise"
                } else {
                    "individual_business"
                },
            ),
            p("legal_name", legal_name),
            p(
                "short_name",
                &legal_name.chars().take(8).collect::<String>(),
            ),
            p("uscc", &synthetic::uscc(seed)),
            p("registered_address", "浙江省杭州市西湖区文三路 90 号"),
            p("licence_start", "2019-06-01"),
            p("licence_long_term", "yes"),
            p(
                "registered_capital",
                if company { "5000000.00" } else { "100000.00" },
            ),
            p(
                "business_scope",
                "日用百货、预包装食品销售；软件开发；信息技术咨询服务",
            ),
            p("industry", if company { "software" } else { "retail" }),
        ],
    );
    put(
        Section::LegalPerson,
        vec![
            p("lp_name", "李雷"),
            p("lp_id_type", "resident_id"),
            p("lp_id_number", &lp_id),
            p("lp_id_valid_from", "2016-05-20"),
            p("lp_id_long_term", "yes"),
            p("lp_mobile", "13800138000"),
        ],
    );
    let owners = if company {
        let o = "demo1";
        vec![
            (owner_key(o, "name"), "韩梅梅".to_string()),
            (owner_key(o, "id_type"), "resident_id".to_string()),
            (owner_key(o, "id_number"), owner_id),
            (owner_key(o, "share"), "60".to_string()),
            (owner_key(o, "basis"), "equity".to_string()),
        ]
    } else {
        vec![]
    };
    put(Section::Owners, owners);
    put(
        Section::Settlement,
        vec![
            p(
                "account_type",
                if company { "corporate" } else { "personal" },
            ),
            p("account_name", if company { legal_name } else { "李雷" }),
            p("bank_name", "中国工商银行"),
            p("branch_name", "杭州文三路支行"),
            p("cnaps", "102331000019"),
            p("account_number", &synthetic::account_number(seed)),
            p("province", "浙江省"),
            p("city", "杭州市"),
        ],
    );
    put(
        Section::Contact,
        vec![
            p("contact_is_legal_person", "yes"),
            p("contact_name", "李雷"),
            p("contact_mobile", "13800138000"),
            p("contact_email", "contact@example.com"),
            p("contact_role", "legal_person"),
        ],
    );
    put(
        Section::Scenes,
        vec![
            p("scenes", "mini_program"),
            p("mini_program_name", "门房小店"),
            p("monthly_volume", "200000.00"),
            p("average_ticket", "45.00"),
            p("service_phone", "0571-88886666"),
        ],
    );
    let mut sa: Vec<(String, String)> = SELF_QUESTIONS.iter().map(|q| p(q, "no")).collect();
    sa.push(p("declare_truthful", "yes"));
    sa.push(p("declare_authorise", "yes"));
    put(Section::SelfAssessment, sa);
    out
}

/// A small valid PNG: a licence-like card with stripes (generated, not a real document).
pub fn demo_png(seed: u8) -> Vec<u8> {
    let mut img = image::RgbImage::new(320, 200);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let band = ((y / 20) as u8).wrapping_add(seed);
        *px = if x < 8 || y < 8 || x > 311 || y > 191 {
            image::Rgb([15, 76, 129])
        } else {
            image::Rgb([240, 244 - band % 30, 250 - (x % 40) as u8])
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encodes");
    out.into_inner()
}

/// A minimal valid one-page PDF with a title line.
pub fn demo_pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    let content = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        pdf.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Creates the demo accounts and organisations that do not exist yet; idempotent.
pub async fn seed(state: &AppState) -> Result<Vec<DemoLogin>, AppError> {
    assert!(
        !state.settings.is_production(),
        "demo data is never seeded in production"
    );
    let hash = crypto::hash_password_blocking(DEMO_PASSWORD.to_string())
        .await
        .map_err(AppError::internal)?;
    let accounts = DEMO_ACCOUNTS
        .iter()
        .map(|(r, e, n)| (*r, e.to_string(), n.to_string(), None::<&str>));
    let merchants = DEMO_MERCHANTS.iter().map(|(e, org, _)| {
        (
            Role::Merchant,
            e.to_string(),
            "演示商户 Demo".to_string(),
            Some(*org),
        )
    });
    for (i, (role, email, name, org_name)) in accounts.chain(merchants).enumerate() {
        if db::users::by_email(&state.db, &email).await?.is_some() {
            continue;
        }
        let mut tx = state.db.begin().await?;
        let organisation_id = if role == Role::Merchant {
            Some(
                db::users::insert_organisation(
                    &mut tx,
                    org_name.unwrap_or("演示商贸有限公司 Demo Trading Co., Ltd."),
                )
                .await?,
            )
        } else {
            None
        };
        let new = db::users::NewUser {
            organisation_id,
            email: &email,
            name: &name,
            mobile: (role == Role::Merchant).then_some("13800138000"),
            role: role.as_str(),
            password_hash: Some(&hash),
            lang: "zh-CN",
            verified: true,
        };
        let Some(id) = db::users::insert(&mut tx, &new).await? else {
            continue;
        };
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
        tx.commit().await?;
        if let (Some(org), Some((_, legal, target))) = (
            organisation_id,
            DEMO_MERCHANTS.iter().find(|(e, _, _)| *e == email),
        ) {
            let user = CurrentUser {
                id,
                email: email.clone(),
                name: name.clone(),
                role,
                lang: Lang::Zh,
                organisation_id: Some(org),
                organisation_name: Some(legal.to_string()),
                email_verified: true,
                totp_enabled: false,
                mfa_passed: true,
                session_hash: vec![],
            };
            build_application(state, &user, legal, i as u64 + 100, target).await?;
        }
    }
    seed_fee_schedule(state).await?;
    Ok(DEMO_ACCOUNTS
        .iter()
        .map(|(role, email, _)| DemoLogin {
            role: *role,
            email: email.to_string(),
        })
        .chain(DEMO_MERCHANTS.iter().map(|(e, _, _)| DemoLogin {
            role: Role::Merchant,
            email: e.to_string(),
        }))
        .collect())
}

/// Fills, documents and (per `target`) submits or withdraws a demo application.
async fn build_application(
    state: &AppState,
    user: &CurrentUser,
    legal_name: &str,
    seed: u64,
    target: &str,
) -> Result<(), AppError> {
    let ctx = RequestCtx::background();
    let loaded = applications::current(state, user).await?;
    let mut sections = sample_sections(legal_name, legal_name.contains("有限公司"), seed);
    if target == "submitted_high" {
        // Online games collecting across borders with virtual-currency exposure: high risk.
        let put = |s: &mut BTreeMap<Section, SectionData>, section: Section, k: &str, v: &str| {
            s.entry(section)
                .or_default()
                .insert(k.to_string(), v.to_string());
        };
        put(&mut sections, Section::Entity, "industry", "online_games");
        put(
            &mut sections,
            Section::SelfAssessment,
            "q_cross_border",
            "yes",
        );
        put(
            &mut sections,
            Section::SelfAssessment,
            "q_virtual_currency",
            "yes",
        );
    }
    for (section, data) in &sections {
        let version = loaded.versions.get(section).map(|m| m.version).unwrap_or(0);
        applications::save_section(state, &ctx, user, *section, version, data.clone()).await?;
    }
    let loaded = applications::current(state, user).await?;
    for need in required_documents(&loaded.data) {
        for n in 0..need.min {
            let (bytes, name) = if matches!(need.kind, DocKind::Articles | DocKind::BankProof) {
                (
                    demo_pdf(&format!("Gatehouse demo {}", need.kind.slug())),
                    format!("{}.pdf", need.kind.slug()),
                )
            } else {
                (
                    demo_png(n as u8 + seed as u8),
                    format!("{}-{n}.png", need.kind.slug()),
                )
            };
            let body = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))]);
            documents::upload(
                state,
                &ctx,
                user,
                need.kind,
                need.subject.clone(),
                &name,
                body,
            )
            .await
            .map_err(|f| f.into_app_error(Lang::Zh, state.settings.upload_limit_bytes))?;
        }
    }
    let loaded = applications::current(state, user).await?;
    match target {
        "submitted" | "submitted_high" => {
            applications::submit(state, &ctx, user, loaded.row.version).await?;
        }
        "approved" => {
            applications::submit(state, &ctx, user, loaded.row.version).await?;
            approve_as_reviewer(state, &ctx, loaded.row.id).await?;
        }
        "withdrawn" => {
            applications::withdraw(state, &ctx, user, loaded.row.version).await?;
        }
        _ => {}
    }
    Ok(())
}

/// A demo staff member by email, acting as themselves.
async fn staff(state: &AppState, email: &str) -> Result<CurrentUser, AppError> {
    let row = db::users::by_email(&state.db, email)
        .await?
        .ok_or_else(|| AppError::internal(format!("demo account {email} missing")))?;
    Ok(CurrentUser {
        id: row.id,
        email: row.email,
        name: row.name,
        role: Role::parse(&row.role).ok_or_else(|| AppError::internal("demo role"))?,
        lang: Lang::Zh,
        organisation_id: None,
        organisation_name: None,
        email_verified: true,
        totp_enabled: false,
        mfa_passed: true,
        session_hash: vec![],
    })
}

/// The demo reviewer claims the application, passes every required step and approves it.
async fn approve_as_reviewer(
    state: &AppState,
    ctx: &RequestCtx,
    id: uuid::Uuid,
) -> Result<(), AppError> {
    use crate::backend::services::review;
    let reviewer = staff(state, "reviewer@gatehouse.test").await?;
    let version = || async {
        db::applications::by_id(&state.db, id)
            .await?
            .map(|r| r.version)
            .ok_or_else(|| AppError::internal("demo application missing"))
    };
    review::claim(state, ctx, &reviewer, id, version().await?).await?;
    for step in db::review::checklist(&state.db, id).await? {
        review::set_step(
            state,
            ctx,
            &reviewer,
            id,
            review::StepInput {
                code: &step.code,
                status: "pass",
                note: "演示：已核验 Demo: verified",
                evidence: vec![],
            },
        )
        .await?;
    }
    review::approve(state, ctx, &reviewer, id, version().await?).await?;
    Ok(())
}

/// The demo account manager's standard fee schedule, once.
pub async fn seed_fee_schedule(state: &AppState) -> Result<(), AppError> {
    if !db::fees::schedules(&state.db).await?.is_empty() {
        return Ok(());
    }
    let am = staff(state, "am@gatehouse.test").await?;
    let fields: BTreeMap<String, String> = [
        ("name", "标准费率 Standard"),
        ("lines.wechat_pay.rate", "0.38"),
        ("lines.wechat_pay.floor", "0.25"),
        ("lines.alipay.rate", "0.38"),
        ("lines.alipay.floor", "0.25"),
        ("lines.unionpay_qr.rate", "0.38"),
        ("lines.debit_card.rate", "0.5"),
        ("lines.debit_card.max", "20.00"),
        ("lines.credit_card.rate", "0.6"),
        ("lines.credit_card.min", "0.10"),
        ("lines.b2b_banking.rate", "0.1"),
        ("lines.b2b_banking.fixed", "1.00"),
        ("lines.b2b_banking.max", "50.00"),
        ("lines.cross_border_card.rate", "2.5"),
        ("tiers.0.threshold", "1000000"),
        ("tiers.0.wechat_pay", "0.3"),
        ("tiers.0.alipay", "0.3"),
        ("refund_policy", "pro_rata"),
        ("cross_border_surcharge", "1"),
        ("settlement_cycle", "t1"),
        ("settlement_fee", "0"),
        ("chargeback_fee", "25.00"),
        ("valid_from", "2026-01-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    super::fees::save_schedule(state, &RequestCtx::background(), &am, None, None, &fields).await?;
    Ok(())
}
