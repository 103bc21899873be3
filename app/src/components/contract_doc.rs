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
    let t = |zh: &str, en: &str| both(zh, en);
    let s = &c.schedule;
    let mut out = vec![
        Block::Title(t(
            td_string!(ZH, contract.title),
            td_string!(EN, contract.title),
        )),
        Block::Pairs(vec![
            (
                t(
                    td_string!(ZH, contract.number),
                    td_string!(EN, contract.number),
                ),
                c.number.clone(),
            ),
            (
                t(
                    td_string!(ZH, contract.issued),
                    td_string!(EN, contract.issued),
                ),
                c.issued_on.to_string(),
            ),
            (
                t(
                    td_string!(ZH, contract.effective),
                    td_string!(EN, contract.effective),
                ),
                c.effective_from.to_string(),
            ),
        ]),
        Block::Heading(t(
            td_string!(ZH, contract.parties),
            td_string!(EN, contract.parties),
        )),
        Block::Pairs(vec![
            (
                t(
                    td_string!(ZH, contract.party_a),
                    td_string!(EN, contract.party_a),
                ),
                c.institution.name.clone(),
            ),
            (
                t(
                    td_string!(ZH, contract.address),
                    td_string!(EN, contract.address),
                ),
                c.institution.address.clone(),
            ),
            (
                t(
                    td_string!(ZH, contract.licence),
                    td_string!(EN, contract.licence),
                ),
                c.institution.licence_no.clone(),
            ),
            (
                t(
                    td_string!(ZH, contract.party_b),
                    td_string!(EN, contract.party_b),
                ),
                c.merchant.legal_name.clone(),
            ),
            (
                t(td_string!(ZH, contract.uscc), td_string!(EN, contract.uscc)),
                c.merchant.uscc.clone(),
            ),
            (
                t(
                    td_string!(ZH, contract.address),
                    td_string!(EN, contract.address),
                ),
                c.merchant.address.clone(),
            ),
            (
                t(
                    td_string!(ZH, contract.legal_person),
                    td_string!(EN, contract.legal_person),
                ),
                c.merchant.legal_person.clone(),
            ),
            (
                t(
                    td_string!(ZH, contract.account),
                    td_string!(EN, contract.account),
                ),
                c.merchant.settlement_account.clone(),
            ),
        ]),
        Block::Heading(t(
            td_string!(ZH, contract.schedule),
            td_string!(EN, contract.schedule),
        )),
        Block::Para(format!("{} (v{})", c.schedule_name, c.schedule_version)),
    ];
    out.extend(fee_tables(s, &c.negotiated));
    out.push(Block::Heading(t(
        td_string!(ZH, contract.clauses),
        td_string!(EN, contract.clauses),
    )));
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
    out.push(Block::Heading(t(
        td_string!(ZH, contract.signatures),
        td_string!(EN, contract.signatures),
    )));
    let b_sign = match signed {
        Some(sg) => format!("{} · {}", sg.name, sg.at),
        None => t(
            td_string!(ZH, contract.awaiting),
            td_string!(EN, contract.awaiting),
        ),
    };
    out.push(Block::Pairs(vec![
        (
            t(
                td_string!(ZH, contract.party_a),
                td_string!(EN, contract.party_a),
            ),
            c.institution.name.clone(),
        ),
        (
            t(
                td_string!(ZH, contract.party_b),
                td_string!(EN, contract.party_b),
            ),
            c.merchant.legal_name.clone(),
        ),
        (
            t(
                td_string!(ZH, contract.signatory),
                td_string!(EN, contract.signatory),
            ),
            b_sign,
        ),
    ]));
    out.push(Block::Note(format!("SHA-256: {hash}")));
    out
}

/// The fee table, volume tiers and other charges of a schedule (also shown to staff).
pub fn fee_tables(s: &Schedule, negotiated: &[crate::domain::fees::Method]) -> Vec<Block> {
    let t = |zh: &str, en: &str| both(zh, en);
    let opt =
        |m: Option<crate::domain::money::MoneyFen>| m.map(|v| v.to_string()).unwrap_or("—".into());
    let mut out = vec![Block::Table {
        head: vec![
            t(td_string!(ZH, fees.method), td_string!(EN, fees.method)),
            t(td_string!(ZH, fees.rate), td_string!(EN, fees.rate)),
            t(td_string!(ZH, fees.fixed), td_string!(EN, fees.fixed)),
            t(td_string!(ZH, fees.min), td_string!(EN, fees.min)),
            t(td_string!(ZH, fees.max), td_string!(EN, fees.max)),
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
                    t(method_label(ZH, l.method), method_label(EN, l.method)),
                    format!("{}{mark}", percent(l.rate)),
                    l.fixed.to_string(),
                    opt(l.min),
                    opt(l.max),
                ]
            })
            .collect(),
    }];
    if !negotiated.is_empty() {
        out.push(Block::Note(t(
            td_string!(ZH, contract.negotiated),
            td_string!(EN, contract.negotiated),
        )));
    }
    if !s.tiers.is_empty() {
        let methods: Vec<_> = s.lines.iter().map(|l| l.method).collect();
        let mut head = vec![t(
            td_string!(ZH, fees.threshold),
            td_string!(EN, fees.threshold),
        )];
        head.extend(
            methods
                .iter()
                .map(|m| t(method_label(ZH, *m), method_label(EN, *m))),
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
            t(
                td_string!(ZH, fees.cross_border_surcharge),
                td_string!(EN, fees.cross_border_surcharge),
            ),
            percent(s.cross_border_surcharge),
        ),
        (
            t(
                td_string!(ZH, fees.refund_policy),
                td_string!(EN, fees.refund_policy),
            ),
            t(&refund_label(ZH, s.refund), &refund_label(EN, s.refund)),
        ),
        (
            t(
                td_string!(ZH, fees.settlement_cycle),
                td_string!(EN, fees.settlement_cycle),
            ),
            t(
                cycle_label(ZH, s.settlement_cycle),
                cycle_label(EN, s.settlement_cycle),
            ),
        ),
        (
            t(
                td_string!(ZH, fees.settlement_fee),
                td_string!(EN, fees.settlement_fee),
            ),
            s.settlement_fee.to_string(),
        ),
        (
            t(
                td_string!(ZH, fees.chargeback_fee),
                td_string!(EN, fees.chargeback_fee),
            ),
            s.chargeback_fee.to_string(),
        ),
        (
            t(td_string!(ZH, fees.validity), td_string!(EN, fees.validity)),
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
