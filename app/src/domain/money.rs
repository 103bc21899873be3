//! Money in integer fen, rates in integer parts per million, shares in basis points. Parsed
//! from what people type (yuan with up to two decimals, percent with up to four) exactly,
//! with integer arithmetic only.

use serde::{Deserialize, Serialize};

use super::problem::Problem;

/// Parses an unsigned decimal with at most `max_decimals` fraction digits into an integer
/// scaled by 10^`scale` (`scale` ≥ `max_decimals`). Commas, spaces and a leading ¥/￥ are
/// allowed as a person would type them.
fn parse_scaled(input: &str, max_decimals: u32, scale: u32) -> Result<i64, Problem> {
    let s: String = input
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if s.is_empty() {
        return Err(Problem::Required);
    }
    if s.starts_with('-') {
        return Err(Problem::Negative);
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s.as_str(), ""),
    };
    let int = if int.is_empty() { "0" } else { int };
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::NotANumber);
    }
    if frac.len() as u32 > max_decimals {
        return Err(Problem::TooManyDecimals { max: max_decimals });
    }
    let mut value: i64 = 0;
    for b in int.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add((b - b'0') as i64))
            .ok_or(Problem::TooLarge)?;
    }
    for _ in 0..scale {
        value = value.checked_mul(10).ok_or(Problem::TooLarge)?;
    }
    let mut place = 10i64.pow(scale);
    for b in frac.bytes() {
        place /= 10;
        value = value
            .checked_add((b - b'0') as i64 * place)
            .ok_or(Problem::TooLarge)?;
    }
    Ok(value)
}

/// Formats `value / 10^scale` with exactly `decimals` digits (value ≥ 0; `decimals` ≤ `scale`).
fn format_scaled(value: i64, scale: u32, decimals: u32, group: bool) -> String {
    let div = 10i64.pow(scale);
    let int = value / div;
    let frac = (value % div) / 10i64.pow(scale - decimals);
    let int_s = int.to_string();
    let int_s = if group {
        let mut out = String::new();
        for (i, c) in int_s.chars().enumerate() {
            if i > 0 && (int_s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        int_s
    };
    if decimals == 0 {
        int_s
    } else {
        format!("{int_s}.{frac:0width$}", width = decimals as usize)
    }
}

/// An amount of money in fen (1 yuan = 100 fen), never negative.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct MoneyFen(pub i64);

impl MoneyFen {
    /// From yuan as typed: "1,234.5" → 123450 fen.
    pub fn parse_yuan(input: &str) -> Result<MoneyFen, Problem> {
        parse_scaled(input, 2, 2).map(MoneyFen)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// "1,234.50"
    pub fn yuan_string(self) -> String {
        format_scaled(self.0, 2, 2, true)
    }

    /// "1234.50", as put back into a form field.
    pub fn input_string(self) -> String {
        format_scaled(self.0, 2, 2, false)
    }
}

impl std::fmt::Display for MoneyFen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "¥{}", self.yuan_string())
    }
}

/// A rate in parts per million: 0.38 % = 3 800 ppm.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct RatePpm(pub i64);

impl RatePpm {
    /// From a percentage with up to four decimals: "0.38" or "0.38%" → 3800 ppm.
    pub fn parse_percent(input: &str) -> Result<RatePpm, Problem> {
        let s = input.trim().trim_end_matches(['%', '％']);
        parse_scaled(s, 4, 4).map(RatePpm)
    }

    pub fn ppm(self) -> i64 {
        self.0
    }

    /// "0.38" (trailing zeros beyond two decimals trimmed).
    pub fn percent_string(self) -> String {
        let s = format_scaled(self.0, 4, 4, false);
        let trimmed = s.trim_end_matches('0');
        let (int, frac) = trimmed.split_once('.').unwrap_or((trimmed, ""));
        format!("{int}.{frac:0<2}")
    }
}

/// A share of ownership in basis points (hundredths of a percent): 25.5 % = 2 550.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct SharePercent(pub i64);

impl SharePercent {
    pub const HUNDRED: SharePercent = SharePercent(10_000);
    /// 25 %: the beneficial-ownership threshold.
    pub const UBO_THRESHOLD: SharePercent = SharePercent(2_500);

    /// "25", "25.5", "33.33" or "25%" → basis points; 0 < share ≤ 100.
    pub fn parse(input: &str) -> Result<SharePercent, Problem> {
        let s = input.trim().trim_end_matches(['%', '％']);
        let v = parse_scaled(s, 2, 2)?;
        if v == 0 || v > 10_000 {
            return Err(Problem::ShareOutOfRange);
        }
        Ok(SharePercent(v))
    }

    pub fn basis_points(self) -> i64 {
        self.0
    }

    pub fn percent_string(self) -> String {
        let s = format_scaled(self.0, 2, 2, false);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_parsing_is_exact() {
        assert_eq!(MoneyFen::parse_yuan("100").unwrap().fen(), 10_000);
        assert_eq!(MoneyFen::parse_yuan("¥1,234.5").unwrap().fen(), 123_450);
        assert_eq!(MoneyFen::parse_yuan("0.01").unwrap().fen(), 1);
        assert_eq!(MoneyFen::parse_yuan(".5").unwrap().fen(), 50);
        assert_eq!(
            MoneyFen::parse_yuan("0.1").unwrap().fen(),
            10,
            "no float rounding: 0.1 yuan is exactly 10 fen"
        );
        assert_eq!(
            MoneyFen::parse_yuan("1.005"),
            Err(Problem::TooManyDecimals { max: 2 })
        );
        assert_eq!(MoneyFen::parse_yuan("-1"), Err(Problem::Negative));
        assert_eq!(MoneyFen::parse_yuan("1e5"), Err(Problem::NotANumber));
        assert_eq!(MoneyFen::parse_yuan(""), Err(Problem::Required));
        assert_eq!(
            MoneyFen::parse_yuan("99999999999999999999"),
            Err(Problem::TooLarge)
        );
        assert_eq!(MoneyFen(123_450).to_string(), "¥1,234.50");
        assert_eq!(MoneyFen(5).yuan_string(), "0.05");
    }

    #[test]
    fn percent_to_ppm() {
        assert_eq!(RatePpm::parse_percent("0.38").unwrap().ppm(), 3_800);
        assert_eq!(RatePpm::parse_percent("0.38%").unwrap().ppm(), 3_800);
        assert_eq!(RatePpm::parse_percent("0.6").unwrap().ppm(), 6_000);
        assert_eq!(RatePpm::parse_percent("2.1234").unwrap().ppm(), 21_234);
        assert_eq!(
            RatePpm::parse_percent("0.12345"),
            Err(Problem::TooManyDecimals { max: 4 })
        );
        assert_eq!(RatePpm(3_800).percent_string(), "0.38");
        assert_eq!(RatePpm(21_234).percent_string(), "2.1234");
        assert_eq!(RatePpm(10_000).percent_string(), "1.00");
    }

    #[test]
    fn shares() {
        assert_eq!(
            SharePercent::parse("25").unwrap(),
            SharePercent::UBO_THRESHOLD
        );
        assert_eq!(SharePercent::parse("33.33%").unwrap().basis_points(), 3_333);
        assert_eq!(SharePercent::parse("0"), Err(Problem::ShareOutOfRange));
        assert_eq!(SharePercent::parse("100.01"), Err(Problem::ShareOutOfRange));
        assert_eq!(SharePercent(2_550).percent_string(), "25.5");
        assert_eq!(SharePercent(10_000).percent_string(), "100");
    }

    proptest! {
        #[test]
        fn yuan_round_trips(fen in 0i64..1_000_000_000_000) {
            let m = MoneyFen(fen);
            prop_assert_eq!(MoneyFen::parse_yuan(&m.yuan_string()).unwrap(), m);
            prop_assert_eq!(MoneyFen::parse_yuan(&m.input_string()).unwrap(), m);
        }

        #[test]
        fn percent_round_trips(ppm in 0i64..10_000_000) {
            let r = RatePpm(ppm);
            prop_assert_eq!(RatePpm::parse_percent(&r.percent_string()).unwrap(), r);
        }
    }
}
