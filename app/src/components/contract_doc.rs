//! The fee contract as a document: its clauses (written into the contract's content when it is
//! drafted, in both languages) and its layout as blocks, which the printable page and the PDF
//! renderer both draw. One layout, two media.

use leptos::prelude::*;

use crate::components::labels::{cycle_label, method_label, refund_label};
use crate::domain::fees::{Clause, ContractContent, Schedule};
use crate::domain::money::RatePpm;
use crate::i18n::*;

const ZH: Locale = Locale::zh_CN;
const EN: Locale = Locale::en;

/// A label in both languages, from one locale key.
macro_rules! bi {
    ($($key:tt)+) => {
        both(td_string!(ZH, $($key)+), td_string!(EN, $($key)+))
    };
}

/// "中文 English" for labels printed in both languages.
fn both(zh: &str, en: &str) -> String {
    if zh == en {
        zh.to_string()
    } else {
        format!("{zh} {en}")
    }
}

fn percent(r: RatePpm) -> String {
    format!("{}%", r.percent_string())
}

/// The numbered clauses of a contract for this schedule, in both languages.
pub fn clauses(s: &Schedule) -> Vec<Clause> {
    let clause = |hz: &str, he: &str, bz: String, be: String| Clause {
        heading_zh: hz.to_string(),
        heading_en: he.to_string(),
        body_zh: bz,
        body_en: be,
    };
    let mut out = vec![
        clause(
            td_string!(ZH, contract.h_fees),
            td_string!(EN, contract.h_fees),
            td_string!(ZH, contract.b_fees).to_string(),
            td_string!(EN, contract.b_fees).to_string(),
        ),
        clause(
            td_string!(ZH, contract.h_rounding),
            td_string!(EN, contract.h_rounding),
            td_string!(ZH, contract.b_rounding).to_string(),
            td_string!(EN, contract.b_rounding).to_string(),
        ),
    ];
    if !s.tiers.is_empty() {
        out.push(clause(
            td_string!(ZH, contract.h_tiers),
            td_string!(EN, contract.h_tiers),
            td_string!(ZH, contract.b_tiers).to_string(),
            td_string!(EN, contract.b_tiers).to_string(),
        ));
    }
    let surcharge = percent(s.cross_border_surcharge);
    out.push(clause(
        td_string!(ZH, contract.h_cross_border),
        td_string!(EN, contract.h_cross_border),
        td_string!(ZH, contract.b_cross_border, rate = surcharge.clone()),
        td_string!(EN, contract.b_cross_border, rate = surcharge),
    ));
    let fee = s.settlement_fee.to_string();
    out.push(clause(
        td_string!(ZH, contract.h_settlement),
        td_string!(EN, contract.h_settlement),
        td_string!(
            ZH,
            contract.b_settlement,
            cycle = cycle_label(ZH, s.settlement_cycle),
            fee = fee.clone()
        ),
        td_string!(
            EN,
            contract.b_settlement,
            cycle = cycle_label(EN, s.settlement_cycle),
            fee = fee
        ),
    ));
    out.push(clause(
        td_string!(ZH, contract.h_refunds),
        td_string!(EN, contract.h_refunds),
        td_string!(ZH, contract.b_refunds, policy = refund_label(ZH, s.refund)),
        td_string!(EN, contract.b_refunds, policy = refund_label(EN, s.refund)),
    ));
    let cb = s.chargeback_fee.to_string();
    out.push(clause(
        td_string!(ZH, contract.h_chargebacks),
        td_string!(EN, contract.h_chargebacks),
        td_string!(ZH, contract.b_chargebacks, fee = cb.clone()),
        td_string!(EN, contract.b_chargebacks, fee = cb),
    ));
    for (hz, he, bz, be) in [
        (
            td_string!(ZH, contract.h_service),
            td_string!(EN, contract.h_service),
            td_string!(ZH, contract.b_service),
            td_string!(EN, contract.b_service),
        ),
        (
            td_string!(ZH, contract.h_term),
            td_string!(EN, contract.h_term),
            td_string!(ZH, contract.b_term),
            td_string!(EN, contract.b_term),
        ),
        (
            td_string!(ZH, contract.h_acceptance),
            td_string!(EN, contract.h_acceptance),
            td_string!(ZH, contract.b_acceptance),
            td_string!(EN, contract.b_acceptance),
        ),
    ] {
        out.push(clause(hz, he, bz.to_string(), be.to_string()));
    }
    out
}

/// One piece of the document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Block {
    Title(String),
    Heading(String),
    Para(String),
    /// Label and value rows.
    Pairs(Vec<(String, String)>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Small print (the content hash).
    Note(String),
}

/// Who accepted, for the signature block (not part of the hashed content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub name: String,
    pub at: String,
}

/// The document, top to bottom.
pub fn blocks(c: &ContractContent, hash: &str, signed: Option<&Signed>) -> Vec<Block> {
    let s = &c.schedule;
    let mut out = vec![
        Block::Title(bi!(contract.title)),
        Block::Pairs(vec![
            (bi!(contract.number), c.number.clone()),
            (bi!(contract.issued), c.issued_on.to_string()),
            (bi!(contract.effective), c.effective_from.to_string()),
        ]),
        Block::Heading(bi!(contract.parties)),
        Block::Pairs(vec![
            (bi!(contract.party_a), c.institution.name.clone()),
            (bi!(contract.address), c.institution.address.clone()),
            (bi!(contract.licence), c.institution.licence_no.clone()),
            (bi!(contract.party_b), c.merchant.legal_name.clone()),
            (bi!(contract.uscc), c.merchant.uscc.clone()),
            (bi!(contract.address), c.merchant.address.clone()),
            (bi!(contract.legal_person), c.merchant.legal_person.clone()),
            (bi!(contract.account), c.merchant.settlement_account.clone()),
        ]),
        Block::Heading(bi!(contract.schedule)),
        Block::Para(format!("{} (v{})", c.schedule_name, c.schedule_version)),
    ];
    out.extend(fee_tables(s, &c.negotiated));
    out.push(Block::Heading(bi!(contract.clauses)));
    for (i, cl) in c.clauses.iter().enumerate() {
        out.push(Block::Heading(format!(
            "{}. {} {}",
            i + 1,
            cl.heading_zh,
            cl.heading_en
        )));
        out.push(Block::Para(cl.body_zh.clone()));
        out.push(Block::Para(cl.body_en.clone()));
    }
    out.push(Block::Heading(bi!(contract.signatures)));
    let b_sign = match signed {
        Some(sg) => format!("{} · {}", sg.name, sg.at),
        None => bi!(contract.awaiting),
    };
    out.push(Block::Pairs(vec![
        (bi!(contract.party_a), c.institution.name.clone()),
        (bi!(contract.party_b), c.merchant.legal_name.clone()),
        (bi!(contract.signatory), b_sign),
    ]));
    out.push(Block::Note(format!("SHA-256: {hash}")));
    out
}

/// The fee table, volume tiers and other charges of a schedule (also shown to staff).
pub fn fee_tables(s: &Schedule, negotiated: &[crate::domain::fees::Method]) -> Vec<Block> {
    let opt =
        |m: Option<crate::domain::money::MoneyFen>| m.map(|v| v.to_string()).unwrap_or("—".into());
    let mut out = vec![Block::Table {
        head: vec![
            bi!(fees.method),
            bi!(fees.rate),
            bi!(fees.fixed),
            bi!(fees.min),
            bi!(fees.max),
        ],
        rows: s
            .lines
            .iter()
            .map(|l| {
                let mark = if negotiated.contains(&l.method) {
                    " *"
                } else {
                    ""
                };
                vec![
                    both(method_label(ZH, l.method), method_label(EN, l.method)),
                    format!("{}{mark}", percent(l.rate)),
                    l.fixed.to_string(),
                    opt(l.min),
                    opt(l.max),
                ]
            })
            .collect(),
    }];
    if !negotiated.is_empty() {
        out.push(Block::Note(bi!(contract.negotiated)));
    }
    if !s.tiers.is_empty() {
        let methods: Vec<_> = s.lines.iter().map(|l| l.method).collect();
        let mut head = vec![bi!(fees.threshold)];
        head.extend(
            methods
                .iter()
                .map(|m| both(method_label(ZH, *m), method_label(EN, *m))),
        );
        out.push(Block::Table {
            head,
            rows: s
                .tiers
                .iter()
                .map(|tier| {
                    let mut row = vec![format!("≥ {}", tier.threshold)];
                    row.extend(
                        methods
                            .iter()
                            .map(|m| tier.rates.get(m).map(|r| percent(*r)).unwrap_or("—".into())),
                    );
                    row
                })
                .collect(),
        });
    }
    out.push(Block::Pairs(vec![
        (
            bi!(fees.cross_border_surcharge),
            percent(s.cross_border_surcharge),
        ),
        (
            bi!(fees.refund_policy),
            both(&refund_label(ZH, s.refund), &refund_label(EN, s.refund)),
        ),
        (
            bi!(fees.settlement_cycle),
            both(
                cycle_label(ZH, s.settlement_cycle),
                cycle_label(EN, s.settlement_cycle),
            ),
        ),
        (bi!(fees.settlement_fee), s.settlement_fee.to_string()),
        (bi!(fees.chargeback_fee), s.chargeback_fee.to_string()),
        (
            bi!(fees.validity),
            format!(
                "{} – {}",
                s.valid_from,
                s.valid_to.map(|d| d.to_string()).unwrap_or("∞".into())
            ),
        ),
    ]));
    out
}

/// The blocks as HTML (the printable page).
#[component]
pub fn Document(blocks: Vec<Block>) -> impl IntoView {
    blocks
        .into_iter()
        .map(|b| match b {
            Block::Title(s) => view! { <h1 class="contract-title">{s}</h1> }.into_any(),
            Block::Heading(s) => view! { <h2>{s}</h2> }.into_any(),
            Block::Para(s) => view! { <p>{s}</p> }.into_any(),
            Block::Note(s) => view! { <p class="contract-note">{s}</p> }.into_any(),
            Block::Pairs(rows) => view! {
                <dl class="contract-pairs">
                    {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
            }
            .into_any(),
            Block::Table { head, rows } => view! {
                <div class="table-wrap">
                    <table class="contract-table">
                        <thead><tr>{head.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        })
        .collect_view()
}
