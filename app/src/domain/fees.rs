//! Fee schedules and the fee calculator. Money is integer fen, rates integer parts per
//! million; the only rounding is half up to the fen, done once, in integer arithmetic.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::money::{MoneyFen, RatePpm};
use super::problem::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    WechatPay,
    Alipay,
    UnionpayQr,
    DebitCard,
    CreditCard,
    B2bBanking,
    CrossBorderCard,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Method::WechatPay,
        Method::Alipay,
        Method::UnionpayQr,
        Method::DebitCard,
        Method::CreditCard,
        Method::B2bBanking,
        Method::CrossBorderCard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::WechatPay => "wechat_pay",
            Method::Alipay => "alipay",
            Method::UnionpayQr => "unionpay_qr",
            Method::DebitCard => "debit_card",
            Method::CreditCard => "credit_card",
            Method::B2bBanking => "b2b_banking",
            Method::CrossBorderCard => "cross_border_card",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementCycle {
    T0,
    T1,
    D1,
    Weekly,
    Monthly,
}

impl SettlementCycle {
    pub const ALL: [SettlementCycle; 5] = [
        SettlementCycle::T0,
        SettlementCycle::T1,
        SettlementCycle::D1,
        SettlementCycle::Weekly,
        SettlementCycle::Monthly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SettlementCycle::T0 => "t0",
            SettlementCycle::T1 => "t1",
            SettlementCycle::D1 => "d1",
            SettlementCycle::Weekly => "weekly",
            SettlementCycle::Monthly => "monthly",
        }
    }

    pub fn parse(s: &str) -> Option<SettlementCycle> {
        SettlementCycle::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What happens to the fee when a payment is refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "fee")]
pub enum RefundPolicy {
    /// The fee is returned in proportion to the refunded amount.
    ProRata,
    /// The fee is kept.
    NotReturned,
    /// The fee is kept and a fixed refund fee charged.
    RefundFee(MoneyFen),
}

/// The price of one payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub method: Method,
    pub rate: RatePpm,
    pub fixed: MoneyFen,
    pub min: Option<MoneyFen>,
    pub max: Option<MoneyFen>,
    /// The lowest rate an account manager may negotiate without a compliance lead.
    pub floor: RatePpm,
}

/// From this monthly volume on, these rates replace the lines' rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeTier {
    pub threshold: MoneyFen,
    pub rates: BTreeMap<Method, RatePpm>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub name: String,
    /// Always CNY.
    pub currency: String,
    pub lines: Vec<Line>,
    pub refund: RefundPolicy,
    pub cross_border_surcharge: RatePpm,
    pub tiers: Vec<VolumeTier>,
    pub settlement_cycle: SettlementCycle,
    pub settlement_fee: MoneyFen,
    pub chargeback_fee: MoneyFen,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Schedule {
    pub fn line(&self, m: Method) -> Option<&Line> {
        self.lines.iter().find(|l| l.method == m)
    }

    /// The rate for `method` at a monthly volume (the highest tier reached wins).
    pub fn rate_at(&self, method: Method, monthly_volume: MoneyFen) -> Option<RatePpm> {
        let base = self.line(method)?.rate;
        Some(
            self.tiers
                .iter()
                .rev()
                .filter(|t| monthly_volume >= t.threshold)
                .find_map(|t| t.rates.get(&method).copied())
                .unwrap_or(base),
        )
    }
}

/// How a fee came about, line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    pub rate: RatePpm,
    pub surcharge: RatePpm,
    /// amount × (rate + surcharge) / 1 000 000, rounded half up to the fen.
    pub percentage: MoneyFen,
    pub fixed: MoneyFen,
    /// Before the minimum / maximum.
    pub subtotal: MoneyFen,
    pub clamped: Option<Clamp>,
    pub total: MoneyFen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Clamp {
    Min,
    Max,
}

/// round_half_up(amount × ppm / 1 000 000), exactly (i128 never overflows here).
pub fn apply_rate(amount: MoneyFen, rate: RatePpm) -> MoneyFen {
    let product = amount.0 as i128 * rate.0 as i128;
    MoneyFen(((product + 500_000) / 1_000_000) as i64)
}

/// The fee for one payment. `None` when the schedule has no line for the method.
pub fn fee(
    schedule: &Schedule,
    method: Method,
    amount: MoneyFen,
    monthly_volume: MoneyFen,
    cross_border: bool,
) -> Option<Breakdown> {
    let line = schedule.line(method)?;
    let rate = schedule.rate_at(method, monthly_volume)?;
    let surcharge = if cross_border {
        schedule.cross_border_surcharge
    } else {
        RatePpm(0)
    };
    let percentage = apply_rate(amount, RatePpm(rate.0 + surcharge.0));
    let subtotal = MoneyFen(percentage.0 + line.fixed.0);
    let (total, clamped) = match (line.min, line.max) {
        (Some(min), _) if subtotal < min => (min, Some(Clamp::Min)),
        (_, Some(max)) if subtotal > max => (max, Some(Clamp::Max)),
        _ => (subtotal, None),
    };
    Some(Breakdown {
        rate,
        surcharge,
        percentage,
        fixed: line.fixed,
        subtotal,
        clamped,
        total,
    })
}

/// The fee returned for a refund of `refunded` out of `paid`, given the fee charged.
pub fn refund_fee_returned(
    schedule: &Schedule,
    paid: MoneyFen,
    refunded: MoneyFen,
    fee_charged: MoneyFen,
) -> MoneyFen {
    match schedule.refund {
        RefundPolicy::ProRata if paid.0 > 0 => MoneyFen(
            ((fee_charged.0 as i128 * refunded.0 as i128 + paid.0 as i128 / 2) / paid.0 as i128)
                as i64,
        ),
        _ => MoneyFen(0),
    }
}

/// A schedule as typed in the editor: percentages and yuan as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleForm {
    pub name: String,
    /// Per method: rate %, fixed ¥, min ¥, max ¥, floor %. Empty rate = method not offered.
    pub lines: BTreeMap<String, LineForm>,
    pub refund_policy: String,
    pub refund_fee: String,
    pub cross_border_surcharge: String,
    /// Tiers: threshold ¥ and per-method rate %.
    pub tiers: Vec<TierForm>,
    pub settlement_cycle: String,
    pub settlement_fee: String,
    pub chargeback_fee: String,
    pub valid_from: String,
    pub valid_to: String,
}

impl ScheduleForm {
    /// Volume-tier rows the editor offers.
    pub const TIER_ROWS: usize = 3;

    /// From the editor's flat fields (`name`, `lines.alipay.rate`, `tiers.0.threshold`,
    /// `tiers.0.alipay` …): the names the form posts and the errors refer to.
    pub fn from_fields(f: &BTreeMap<String, String>) -> ScheduleForm {
        let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        let lines = Method::ALL
            .iter()
            .map(|m| {
                let k = |x: &str| get(&format!("lines.{}.{x}", m.as_str()));
                let lf = LineForm {
                    rate: k("rate"),
                    fixed: k("fixed"),
                    min: k("min"),
                    max: k("max"),
                    floor: k("floor"),
                };
                (m.as_str().to_string(), lf)
            })
            .filter(|(_, lf)| *lf != LineForm::default())
            .collect();
        let rows = (0..)
            .take_while(|i| {
                *i < Self::TIER_ROWS || f.keys().any(|k| k.starts_with(&format!("tiers.{i}.")))
            })
            .map(|i| TierForm {
                threshold: get(&format!("tiers.{i}.threshold")),
                rates: Method::ALL
                    .iter()
                    .map(|m| {
                        (
                            m.as_str().to_string(),
                            get(&format!("tiers.{i}.{}", m.as_str())),
                        )
                    })
                    .filter(|(_, v)| !v.is_empty())
                    .collect(),
            })
            .collect();
        ScheduleForm {
            name: get("name"),
            lines,
            refund_policy: get("refund_policy"),
            refund_fee: get("refund_fee"),
            cross_border_surcharge: get("cross_border_surcharge"),
            tiers: rows,
            settlement_cycle: get("settlement_cycle"),
            settlement_fee: get("settlement_fee"),
            chargeback_fee: get("chargeback_fee"),
            valid_from: get("valid_from"),
            valid_to: get("valid_to"),
        }
    }

    /// The inverse of [`ScheduleForm::from_fields`].
    pub fn to_fields(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut put = |k: String, v: &str| {
            if !v.is_empty() {
                out.insert(k, v.to_string());
            }
        };
        put("name".into(), &self.name);
        for (m, l) in &self.lines {
            for (k, v) in [
                ("rate", &l.rate),
                ("fixed", &l.fixed),
                ("min", &l.min),
                ("max", &l.max),
                ("floor", &l.floor),
            ] {
                put(format!("lines.{m}.{k}"), v);
            }
        }
        for (i, t) in self.tiers.iter().enumerate() {
            put(format!("tiers.{i}.threshold"), &t.threshold);
            for (m, r) in &t.rates {
                put(format!("tiers.{i}.{m}"), r);
            }
        }
        put("refund_policy".into(), &self.refund_policy);
        put("refund_fee".into(), &self.refund_fee);
        put(
            "cross_border_surcharge".into(),
            &self.cross_border_surcharge,
        );
        put("settlement_cycle".into(), &self.settlement_cycle);
        put("settlement_fee".into(), &self.settlement_fee);
        put("chargeback_fee".into(), &self.chargeback_fee);
        put("valid_from".into(), &self.valid_from);
        put("valid_to".into(), &self.valid_to);
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineForm {
    pub rate: String,
    pub fixed: String,
    pub min: String,
    pub max: String,
    pub floor: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierForm {
    pub threshold: String,
    pub rates: BTreeMap<String, String>,
}

/// Problems with a form, keyed by the form's field name (`lines.alipay.rate`, `tiers.1.threshold` …).
pub type FormProblems = Vec<(String, Problem)>;

/// Collects problems by field while a form is parsed, so every problem is reported at once.
#[derive(Default)]
struct Problems(FormProblems);

impl Problems {
    fn add(&mut self, field: impl Into<String>, p: Problem) {
        self.0.push((field.into(), p));
    }

    /// The parsed value, or `None` after recording why not.
    fn take<T>(&mut self, field: impl Into<String>, r: Result<T, Problem>) -> Option<T> {
        r.map_err(|p| self.add(field, p)).ok()
    }

    /// A percentage within `(0 ..= ceiling]`, as ppm.
    fn rate(&mut self, field: String, v: &str, ceiling: RatePpm) -> Option<RatePpm> {
        let r = self.take(field.clone(), RatePpm::parse_percent(v))?;
        if r > ceiling {
            self.add(
                field,
                Problem::RateAboveCeiling {
                    ceiling_ppm: ceiling.0,
                },
            );
            return None;
        }
        Some(r)
    }
}

/// Empty means "not set".
fn opt_money(v: &str) -> Result<Option<MoneyFen>, Problem> {
    if v.trim().is_empty() {
        Ok(None)
    } else {
        MoneyFen::parse_yuan(v).map(Some)
    }
}

/// Empty means zero.
fn money_or_zero(v: &str) -> Result<MoneyFen, Problem> {
    opt_money(v).map(Option::unwrap_or_default)
}

fn parse_line(m: Method, lf: &LineForm, ceiling: RatePpm, p: &mut Problems) -> Option<Line> {
    let key = |f: &str| format!("lines.{}.{f}", m.as_str());
    let rate = p.rate(key("rate"), &lf.rate, ceiling);
    let fixed = p.take(key("fixed"), money_or_zero(&lf.fixed));
    let min = p.take(key("min"), opt_money(&lf.min));
    let max = p.take(key("max"), opt_money(&lf.max));
    let floor = if lf.floor.trim().is_empty() {
        rate
    } else {
        p.rate(key("floor"), &lf.floor, ceiling)
    };
    if let (Some(Some(min)), Some(Some(max))) = (min, max) {
        if min > max {
            p.add(key("min"), Problem::MinAboveMax);
        }
    }
    if let (Some(r), Some(f)) = (rate, floor) {
        if f > r {
            p.add(key("floor"), Problem::FloorAboveRate);
        }
    }
    Some(Line {
        method: m,
        rate: rate?,
        fixed: fixed?,
        min: min?,
        max: max?,
        floor: floor?,
    })
}

fn parse_tiers(form: &ScheduleForm, ceiling: RatePpm, p: &mut Problems) -> Vec<VolumeTier> {
    let mut tiers: Vec<VolumeTier> = Vec::new();
    for (i, t) in form.tiers.iter().enumerate() {
        if t.threshold.trim().is_empty() && t.rates.values().all(|r| r.trim().is_empty()) {
            continue;
        }
        let field = format!("tiers.{i}.threshold");
        let threshold = if t.threshold.trim().is_empty() {
            p.add(field, Problem::Required);
            None
        } else {
            p.take(field.clone(), MoneyFen::parse_yuan(&t.threshold))
        };
        let mut rates = BTreeMap::new();
        for (m, r) in &t.rates {
            let Some(method) = Method::parse(m) else {
                continue;
            };
            if r.trim().is_empty() || form.lines.get(m).is_none_or(|l| l.rate.trim().is_empty()) {
                continue;
            }
            if let Some(rate) = p.rate(format!("tiers.{i}.{m}"), r, ceiling) {
                rates.insert(method, rate);
            }
        }
        let Some(threshold) = threshold else { continue };
        if tiers.last().is_some_and(|prev| threshold <= prev.threshold) {
            p.add(format!("tiers.{i}.threshold"), Problem::TiersNotIncreasing);
        }
        tiers.push(VolumeTier { threshold, rates });
    }
    tiers
}

/// Turns the editor's text into a schedule, exactly, or lists every problem by field.
/// `ceiling` is the highest rate anyone may enter (a setting).
pub fn parse_schedule(form: &ScheduleForm, ceiling: RatePpm) -> Result<Schedule, FormProblems> {
    let mut p = Problems::default();
    let name = p.take("name", super::problem::required_text(&form.name, 100));
    let mut lines = Vec::new();
    let mut offered = 0;
    for m in Method::ALL {
        let Some(lf) = form.lines.get(m.as_str()) else {
            continue;
        };
        if lf.rate.trim().is_empty() {
            continue;
        }
        offered += 1;
        if let Some(line) = parse_line(m, lf, ceiling, &mut p) {
            lines.push(line);
        }
    }
    if offered == 0 {
        p.add("lines", Problem::NoLines);
    }
    let refund = match form.refund_policy.as_str() {
        "pro_rata" => Some(RefundPolicy::ProRata),
        "not_returned" => Some(RefundPolicy::NotReturned),
        "refund_fee" => p
            .take("refund_fee", money_or_zero(&form.refund_fee))
            .map(RefundPolicy::RefundFee),
        _ => {
            p.add("refund_policy", Problem::ChoiceInvalid);
            None
        }
    };
    let surcharge = if form.cross_border_surcharge.trim().is_empty() {
        Some(RatePpm(0))
    } else {
        p.rate(
            "cross_border_surcharge".into(),
            &form.cross_border_surcharge,
            ceiling,
        )
    };
    let tiers = parse_tiers(form, ceiling, &mut p);
    let cycle = SettlementCycle::parse(&form.settlement_cycle);
    if cycle.is_none() {
        p.add("settlement_cycle", Problem::ChoiceInvalid);
    }
    let settlement_fee = p.take("settlement_fee", money_or_zero(&form.settlement_fee));
    let chargeback_fee = p.take("chargeback_fee", money_or_zero(&form.chargeback_fee));
    let valid_from = p.take("valid_from", parse_date(&form.valid_from));
    let valid_to = if form.valid_to.trim().is_empty() {
        Some(None)
    } else {
        p.take("valid_to", parse_date(&form.valid_to).map(Some))
    };
    if let (Some(from), Some(Some(to))) = (valid_from, valid_to) {
        if to <= from {
            p.add("valid_to", Problem::DateOrder);
        }
    }
    match (
        name,
        refund,
        surcharge,
        cycle,
        settlement_fee,
        chargeback_fee,
        valid_from,
        valid_to,
    ) {
        (
            Some(name),
            Some(refund),
            Some(cross_border_surcharge),
            Some(settlement_cycle),
            Some(settlement_fee),
            Some(chargeback_fee),
            Some(valid_from),
            Some(valid_to),
        ) if p.0.is_empty() => Ok(Schedule {
            name,
            currency: "CNY".into(),
            lines,
            refund,
            cross_border_surcharge,
            tiers,
            settlement_cycle,
            settlement_fee,
            chargeback_fee,
            valid_from,
            valid_to,
        }),
        _ => Err(p.0),
    }
}

fn parse_date(v: &str) -> Result<NaiveDate, Problem> {
    if v.trim().is_empty() {
        return Err(Problem::Required);
    }
    super::application::parse_date(v)
}

/// Negotiated rates as typed (`method → percent`); empty entries keep the template's rate.
pub fn parse_overrides(
    schedule: &Schedule,
    form: &BTreeMap<String, String>,
    ceiling: RatePpm,
) -> Result<BTreeMap<Method, RatePpm>, FormProblems> {
    let mut p = Problems::default();
    let mut out = BTreeMap::new();
    for (m, v) in form {
        if v.trim().is_empty() {
            continue;
        }
        let field = format!("overrides.{m}");
        match Method::parse(m).filter(|m| schedule.line(*m).is_some()) {
            None => p.add(field, Problem::ChoiceInvalid),
            Some(method) => {
                if let Some(r) = p.rate(field, v, ceiling) {
                    out.insert(method, r);
                }
            }
        }
    }
    if p.0.is_empty() {
        Ok(out)
    } else {
        Err(p.0)
    }
}

/// The editor's text for a stored schedule (what a new version starts from).
pub fn to_form(s: &Schedule) -> ScheduleForm {
    let money = |m: MoneyFen| m.input_string();
    ScheduleForm {
        name: s.name.clone(),
        lines: s
            .lines
            .iter()
            .map(|l| {
                (
                    l.method.as_str().to_string(),
                    LineForm {
                        rate: l.rate.percent_string(),
                        fixed: money(l.fixed),
                        min: l.min.map(money).unwrap_or_default(),
                        max: l.max.map(money).unwrap_or_default(),
                        floor: l.floor.percent_string(),
                    },
                )
            })
            .collect(),
        refund_policy: match s.refund {
            RefundPolicy::ProRata => "pro_rata",
            RefundPolicy::NotReturned => "not_returned",
            RefundPolicy::RefundFee(_) => "refund_fee",
        }
        .into(),
        refund_fee: match s.refund {
            RefundPolicy::RefundFee(f) => money(f),
            _ => String::new(),
        },
        cross_border_surcharge: s.cross_border_surcharge.percent_string(),
        tiers: s
            .tiers
            .iter()
            .map(|t| TierForm {
                threshold: money(t.threshold),
                rates: t
                    .rates
                    .iter()
                    .map(|(m, r)| (m.as_str().to_string(), r.percent_string()))
                    .collect(),
            })
            .collect(),
        settlement_cycle: s.settlement_cycle.as_str().into(),
        settlement_fee: money(s.settlement_fee),
        chargeback_fee: money(s.chargeback_fee),
        valid_from: s.valid_from.format("%Y-%m-%d").to_string(),
        valid_to: s
            .valid_to
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

/// Negotiated per-method rates for one merchant; `below_floor` lists those that need a lead.
pub fn apply_overrides(
    schedule: &Schedule,
    overrides: &BTreeMap<Method, RatePpm>,
) -> (Schedule, Vec<Method>) {
    let mut s = schedule.clone();
    let mut below = Vec::new();
    for line in s.lines.iter_mut() {
        if let Some(r) = overrides.get(&line.method) {
            if *r < line.floor {
                below.push(line.method);
            }
            line.rate = *r;
        }
    }
    (s, below)
}

/// Where an assignment stands. One below a floor waits for a compliance lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    PendingApproval,
    Active,
    Declined,
    Superseded,
}

impl AssignmentStatus {
    pub const ALL: [AssignmentStatus; 4] = [
        AssignmentStatus::PendingApproval,
        AssignmentStatus::Active,
        AssignmentStatus::Declined,
        AssignmentStatus::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::PendingApproval => "pending_approval",
            AssignmentStatus::Active => "active",
            AssignmentStatus::Declined => "declined",
            AssignmentStatus::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<AssignmentStatus> {
        AssignmentStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// draft → sent → accepted | withdrawn | superseded (drafts may also be withdrawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    Draft,
    Sent,
    Accepted,
    Withdrawn,
    Superseded,
}

impl ContractState {
    pub const ALL: [ContractState; 5] = [
        ContractState::Draft,
        ContractState::Sent,
        ContractState::Accepted,
        ContractState::Withdrawn,
        ContractState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractState::Draft => "draft",
            ContractState::Sent => "sent",
            ContractState::Accepted => "accepted",
            ContractState::Withdrawn => "withdrawn",
            ContractState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<ContractState> {
        ContractState::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The moves staff make; acceptance is the merchant's.
    pub fn may_send(self) -> bool {
        self == ContractState::Draft
    }

    pub fn may_withdraw(self) -> bool {
        matches!(self, ContractState::Draft | ContractState::Sent)
    }
}

/// The payment institution, from settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    pub name: String,
    pub address: String,
    pub licence_no: String,
}

/// The merchant, from its approved application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantParty {
    pub legal_name: String,
    pub uscc: String,
    pub address: String,
    pub legal_person: String,
    /// Bank and the last four digits only.
    pub settlement_account: String,
}

/// One numbered clause, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    pub heading_zh: String,
    pub heading_en: String,
    pub body_zh: String,
    pub body_en: String,
}

/// Everything a fee contract says. Its canonical form is the JSON of this struct (fields in
/// declaration order, maps ordered), and the SHA-256 of that identifies the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractContent {
    /// The layout and wording version.
    pub format: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub institution: Institution,
    pub merchant: MerchantParty,
    pub schedule_name: String,
    pub schedule_version: i32,
    /// The schedule with the merchant's negotiated rates applied.
    pub schedule: Schedule,
    pub negotiated: Vec<Method>,
    pub effective_from: NaiveDate,
    /// Who may accept: the legal person and the application's authorised contact.
    pub signatories: Vec<String>,
    pub clauses: Vec<Clause>,
}

pub const CONTRACT_FORMAT: &str = "gatehouse.fee-contract/1";

impl ContractContent {
    /// The bytes the hash is taken over.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain data always serialises")
    }

    /// Whether `typed` names one of the signatories (spacing and Latin case aside).
    pub fn is_signatory(&self, typed: &str) -> bool {
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let t = norm(typed);
        !t.is_empty() && self.signatories.iter().any(|s| norm(s) == t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fields_round_trip_through_the_form() {
        let form = to_form(&sample());
        let back = ScheduleForm::from_fields(&form.to_fields());
        assert_eq!(parse_schedule(&back, RatePpm(50_000)).unwrap(), sample());
    }

    pub fn sample() -> Schedule {
        Schedule {
            name: "标准费率".into(),
            currency: "CNY".into(),
            lines: vec![
                Line {
                    method: Method::WechatPay,
                    rate: RatePpm(3_800),
                    fixed: MoneyFen(0),
                    min: None,
                    max: None,
                    floor: RatePpm(2_500),
                },
                Line {
                    method: Method::CreditCard,
                    rate: RatePpm(6_000),
                    fixed: MoneyFen(10),
                    min: Some(MoneyFen(50)),
                    max: Some(MoneyFen(5_000)),
                    floor: RatePpm(5_500),
                },
                Line {
                    method: Method::B2bBanking,
                    rate: RatePpm(1_000),
                    fixed: MoneyFen(0),
                    min: Some(MoneyFen(100)),
                    max: Some(MoneyFen(2_000)),
                    floor: RatePpm(1_000),
                },
            ],
            refund: RefundPolicy::ProRata,
            cross_border_surcharge: RatePpm(10_000),
            tiers: vec![
                VolumeTier {
                    threshold: MoneyFen(1_000_000 * 100),
                    rates: BTreeMap::from([(Method::WechatPay, RatePpm(3_000))]),
                },
                VolumeTier {
                    threshold: MoneyFen(5_000_000 * 100),
                    rates: BTreeMap::from([(Method::WechatPay, RatePpm(2_500))]),
                },
            ],
            settlement_cycle: SettlementCycle::T1,
            settlement_fee: MoneyFen(0),
            chargeback_fee: MoneyFen(2_500),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_to: None,
        }
    }

    #[test]
    fn golden_cases() {
        let s = sample();
        let f = |m, amount, vol, xb| {
            fee(&s, m, MoneyFen(amount), MoneyFen(vol), xb)
                .unwrap()
                .total
                .0
        };
        // 0.38 % of ¥100.00 = ¥0.38.
        assert_eq!(f(Method::WechatPay, 10_000, 0, false), 38);
        // 0.38 % of ¥1.31 = 0.4978 fen → 0 fen; of ¥1.32 = 0.5016 → 1 fen.
        assert_eq!(f(Method::WechatPay, 131, 0, false), 0);
        assert_eq!(f(Method::WechatPay, 132, 0, false), 1);
        // Exactly half a fen rounds up: 0.5 % … use 5 000 ppm on ¥1.00 = 0.5 fen.
        assert_eq!(apply_rate(MoneyFen(100), RatePpm(5_000)), MoneyFen(1));
        assert_eq!(apply_rate(MoneyFen(100), RatePpm(4_999)), MoneyFen(0));
        // Tiers: ¥1m volume → 0.30 %; ¥5m → 0.25 %.
        assert_eq!(f(Method::WechatPay, 10_000, 100_000_000, false), 30);
        assert_eq!(f(Method::WechatPay, 10_000, 500_000_000, false), 25);
        // Cross-border adds 1 %.
        assert_eq!(f(Method::WechatPay, 10_000, 0, true), 138);
        // Credit card: 0.6 % + ¥0.10, at least ¥0.50, at most ¥50.00.
        assert_eq!(f(Method::CreditCard, 1_000, 0, false), 50);
        assert_eq!(f(Method::CreditCard, 100_000, 0, false), 610);
        assert_eq!(f(Method::CreditCard, 100_000_000, 0, false), 5_000);
        let b = fee(&s, Method::CreditCard, MoneyFen(1_000), MoneyFen(0), false).unwrap();
        assert_eq!(
            (b.percentage, b.fixed, b.subtotal, b.clamped),
            (MoneyFen(6), MoneyFen(10), MoneyFen(16), Some(Clamp::Min))
        );
        assert!(
            fee(&s, Method::Alipay, MoneyFen(100), MoneyFen(0), false).is_none(),
            "not offered"
        );
    }

    #[test]
    fn refunds_return_the_fee_pro_rata() {
        let s = sample();
        assert_eq!(
            refund_fee_returned(&s, MoneyFen(10_000), MoneyFen(5_000), MoneyFen(38)),
            MoneyFen(19)
        );
        assert_eq!(
            refund_fee_returned(&s, MoneyFen(10_000), MoneyFen(10_000), MoneyFen(38)),
            MoneyFen(38)
        );
        let kept = Schedule {
            refund: RefundPolicy::NotReturned,
            ..s
        };
        assert_eq!(
            refund_fee_returned(&kept, MoneyFen(10_000), MoneyFen(5_000), MoneyFen(38)),
            MoneyFen(0)
        );
    }

    fn form() -> ScheduleForm {
        to_form(&sample())
    }

    #[test]
    fn the_editor_round_trips_exactly() {
        assert_eq!(parse_schedule(&form(), RatePpm(30_000)).unwrap(), sample());
    }

    #[test]
    fn editor_problems_are_per_field() {
        let mut f = form();
        f.lines.get_mut("credit_card").unwrap().min = "60".into();
        f.lines.get_mut("credit_card").unwrap().max = "50".into();
        f.lines.get_mut("wechat_pay").unwrap().rate = "-0.1".into();
        f.lines.get_mut("b2b_banking").unwrap().rate = "5".into();
        f.tiers[1].threshold = "500000".into();
        f.lines.get_mut("b2b_banking").unwrap().fixed = "0.001".into();
        let problems = parse_schedule(&f, RatePpm(30_000)).unwrap_err();
        let has = |k: &str, p: Problem| problems.iter().any(|(f, x)| f == k && *x == p);
        assert!(
            has("lines.credit_card.min", Problem::MinAboveMax),
            "{problems:?}"
        );
        assert!(has("lines.wechat_pay.rate", Problem::Negative));
        assert!(has(
            "lines.b2b_banking.rate",
            Problem::RateAboveCeiling {
                ceiling_ppm: 30_000
            }
        ));
        assert!(has("tiers.1.threshold", Problem::TiersNotIncreasing));
        assert!(has(
            "lines.b2b_banking.fixed",
            Problem::TooManyDecimals { max: 2 }
        ));
    }

    #[test]
    fn signatories_match_with_spacing_and_case_aside() {
        let c = ContractContent {
            format: CONTRACT_FORMAT.into(),
            number: "GH-2026-000001".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            institution: Institution {
                name: "I".into(),
                address: "A".into(),
                licence_no: "Z".into(),
            },
            merchant: MerchantParty {
                legal_name: "M".into(),
                uscc: "U".into(),
                address: "A".into(),
                legal_person: "张三".into(),
                settlement_account: "****".into(),
            },
            schedule_name: "S".into(),
            schedule_version: 1,
            schedule: sample(),
            negotiated: vec![],
            effective_from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            signatories: vec!["张三".into(), "Li  Lei".into()],
            clauses: vec![],
        };
        assert!(c.is_signatory(" 张三 "));
        assert!(c.is_signatory("li lei"));
        assert!(!c.is_signatory("张"));
        assert!(!c.is_signatory(""));
        let mut d = c.clone();
        assert_eq!(c.canonical_bytes(), d.canonical_bytes());
        d.schedule.lines[0].rate = RatePpm(3_801);
        assert_ne!(c.canonical_bytes(), d.canonical_bytes());
    }

    #[test]
    fn overrides_parse_per_method() {
        let s = sample();
        let form = BTreeMap::from([
            ("wechat_pay".to_string(), "0.2".to_string()),
            ("credit_card".to_string(), "".to_string()),
        ]);
        let o = parse_overrides(&s, &form, RatePpm(30_000)).unwrap();
        assert_eq!(o, BTreeMap::from([(Method::WechatPay, RatePpm(2_000))]));
        let bad = BTreeMap::from([
            ("alipay".to_string(), "0.2".to_string()),
            ("wechat_pay".to_string(), "9".to_string()),
        ]);
        let p = parse_overrides(&s, &bad, RatePpm(30_000)).unwrap_err();
        assert!(
            p.contains(&("overrides.alipay".to_string(), Problem::ChoiceInvalid)),
            "not offered: {p:?}"
        );
        assert!(p.contains(&(
            "overrides.wechat_pay".to_string(),
            Problem::RateAboveCeiling {
                ceiling_ppm: 30_000
            }
        )));
    }

    #[test]
    fn overrides_below_the_floor_are_flagged() {
        let s = sample();
        let (o, below) = apply_overrides(
            &s,
            &BTreeMap::from([
                (Method::WechatPay, RatePpm(2_000)),
                (Method::CreditCard, RatePpm(5_600)),
            ]),
        );
        assert_eq!(below, vec![Method::WechatPay]);
        assert_eq!(o.line(Method::CreditCard).unwrap().rate, RatePpm(5_600));
    }

    proptest! {
        #[test]
        fn fees_are_never_negative_and_respect_min_max(amount in 0i64..10_000_000_000, vol in 0i64..100_000_000_000, xb: bool, m in 0usize..3) {
            let s = sample();
            let method = [Method::WechatPay, Method::CreditCard, Method::B2bBanking][m];
            let b = fee(&s, method, MoneyFen(amount), MoneyFen(vol), xb).unwrap();
            prop_assert!(b.total.0 >= 0);
            let line = s.line(method).unwrap();
            if let Some(min) = line.min { prop_assert!(b.total >= min); }
            if let Some(max) = line.max { prop_assert!(b.total <= max); }
        }

        #[test]
        fn fees_are_monotone_in_the_amount_within_a_tier(a in 0i64..1_000_000_000, d in 0i64..1_000_000, vol in 0i64..100_000_000_000, m in 0usize..3) {
            let s = sample();
            let method = [Method::WechatPay, Method::CreditCard, Method::B2bBanking][m];
            let x = fee(&s, method, MoneyFen(a), MoneyFen(vol), false).unwrap().total;
            let y = fee(&s, method, MoneyFen(a + d), MoneyFen(vol), false).unwrap().total;
            prop_assert!(y >= x);
        }
    }
}
